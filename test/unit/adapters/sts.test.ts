import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createStsCallerIdentity } from '../../../src/adapters/sts';

const sts = mockClient(STSClient);
afterEach(() => sts.reset());

describe('STS caller identity', () => {
  it("answers the caller's ARN from GetCallerIdentity", async () => {
    const arn = 'arn:aws:sts::123456789012:assumed-role/Operator/alice';
    sts.on(GetCallerIdentityCommand).resolves({ Arn: arn, Account: '123456789012', UserId: 'AROA:alice' });
    expect(await createStsCallerIdentity(new STSClient({})).whoAmI()).toBe(arn);
    expect(sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(1);
  });

  it('refuses an answer without an Arn', async () => {
    sts.on(GetCallerIdentityCommand).resolves({});
    await expect(createStsCallerIdentity(new STSClient({})).whoAmI()).rejects.toThrow(/without an Arn/);
  });
});
