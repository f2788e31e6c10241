import { AwsJsonError, awsJsonHandler } from './aws-json-server';

/**
 * Secrets Manager's GetSecretValue, in memory: the approval link secret the template generates
 * (GenerateSecretString) is, on the local stack, put here at start. SecretId is a name or an ARN.
 */
export function createLocalSecretsManager({ accountId, region }: { accountId: string; region: string }) {
  const secrets = new Map<string, { arn: string; name: string; value: string }>();
  const arnOf = (name: string) => `arn:aws:secretsmanager:${region}:${accountId}:secret:${name}-local`;
  const handle = awsJsonHandler('secretsmanager', 'application/x-amz-json-1.1', {
    // SecretId is a required string (1 to 2048) in the model, checked before this runs.
    GetSecretValue(input) {
      const id = String(input.SecretId);
      const secret = [...secrets.values()].find((s) => s.name === id || s.arn === id);
      if (!secret)
        throw new AwsJsonError(
          'ResourceNotFoundException',
          "Secrets Manager can't find the specified secret.",
        );
      return {
        ARN: secret.arn,
        Name: secret.name,
        SecretString: secret.value,
        VersionId: '00000000-0000-4000-8000-000000000001',
        VersionStages: ['AWSCURRENT'],
        CreatedDate: 0,
      };
    },
  });
  return {
    handle,
    /** Stores a secret; answers its ARN. */
    put(name: string, value: string): string {
      const arn = arnOf(name);
      secrets.set(name, { arn, name, value });
      return arn;
    },
  };
}
