import { AwsJsonError, awsJsonHandler } from './aws-json-server';

/** `ParameterType` of the SSM model. */
export type ParameterType = 'String' | 'StringList' | 'SecureString';

/**
 * What GetParameter answers for a SecureString read without WithDecryption: Parameter Store returns
 * the KMS ciphertext, base64-encoded, never the text. Any stand-in that is not the text will do
 * locally; this one is stable so that tests can tell it apart.
 */
function ciphertextOf(value: string): string {
  return Buffer.from(`local-kms:${Buffer.from(value).toString('base64')}`).toString('base64');
}

/**
 * SSM Parameter Store's GetParameter / PutParameter, in memory: how the local stack hands a
 * `--config` file to the unchanged handler (REMEDIATION_CONFIG_PARAMETER), as in the cloud.
 * SecureString values are returned decrypted only with `WithDecryption: true` ("ignored for String
 * and StringList": GetParameterRequest.WithDecryption in the ssm model), so a reader that forgets
 * it fails locally too.
 */
export function createLocalParameterStore() {
  const parameters = new Map<string, { value: string; type: ParameterType; version: number }>();
  const put = (name: string, value: string, type: ParameterType = 'String') =>
    parameters.set(name, { value, type, version: (parameters.get(name)?.version ?? 0) + 1 });
  const handle = awsJsonHandler('AmazonSSM', 'application/x-amz-json-1.1', {
    // Name and Value are required strings in the model, checked before these run.
    GetParameter(input) {
      const name = String(input.Name);
      const parameter = parameters.get(name);
      if (!parameter) throw new AwsJsonError('ParameterNotFound', `Parameter ${name} not found.`);
      const clear = parameter.type !== 'SecureString' || input.WithDecryption === true;
      return {
        Parameter: {
          Name: name,
          Type: parameter.type,
          Value: clear ? parameter.value : ciphertextOf(parameter.value),
          Version: parameter.version,
        },
      };
    },
    PutParameter(input) {
      const name = String(input.Name);
      // Type is checked against the model's ParameterType enum before this runs.
      const type = (input.Type as ParameterType | undefined) ?? parameters.get(name)?.type ?? 'String';
      put(name, String(input.Value), type);
      return { Version: parameters.get(name)?.version, Tier: 'Standard' };
    },
  });
  return { handle, put };
}
