import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import type { CallerIdentity } from '../app/ports';

/** The caller's identity from STS GetCallerIdentity (needs no permission: any valid credentials may call it). */
export function createStsCallerIdentity(client: STSClient): CallerIdentity {
  return {
    async whoAmI() {
      const answer = await client.send(new GetCallerIdentityCommand({}));
      if (!answer.Arn) throw new Error('STS GetCallerIdentity answered without an Arn');
      return answer.Arn;
    },
  };
}
