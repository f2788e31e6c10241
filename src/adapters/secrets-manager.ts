import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { LinkSecret } from '../app/ports';

/**
 * The approval link secret from Secrets Manager (GetSecretValue, SecretString), read once per
 * container: the template generates it (GenerateSecretString) and never rotates it, so a cached copy
 * stays right; a failed read is not cached.
 */
export function createSecretsManagerLinkSecret(client: SecretsManagerClient, secretId: string): LinkSecret {
  let cached: Promise<string> | undefined;
  return {
    read() {
      cached ??= client.send(new GetSecretValueCommand({ SecretId: secretId })).then((answer) => {
        if (!answer.SecretString) throw new Error(`secret ${secretId} has no SecretString`);
        return answer.SecretString;
      });
      cached.catch(() => {
        cached = undefined;
      });
      return cached;
    },
  };
}
