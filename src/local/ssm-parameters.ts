import { AwsJsonError, awsJsonHandler } from './aws-json-server';

/**
 * SSM Parameter Store's GetParameter / PutParameter, in memory: how the local stack hands a
 * `--config` file to the unchanged handler (REMEDIATION_CONFIG_PARAMETER), as in the cloud.
 */
export function createLocalParameterStore() {
  const parameters = new Map<string, { value: string; version: number }>();
  const put = (name: string, value: string) =>
    parameters.set(name, { value, version: (parameters.get(name)?.version ?? 0) + 1 });
  const handle = awsJsonHandler('AmazonSSM', 'application/x-amz-json-1.1', {
    // Name and Value are required strings in the model, checked before these run.
    GetParameter(input) {
      const name = String(input.Name);
      const parameter = parameters.get(name);
      if (!parameter) throw new AwsJsonError('ParameterNotFound', `Parameter ${name} not found.`);
      return {
        Parameter: { Name: name, Type: 'String', Value: parameter.value, Version: parameter.version },
      };
    },
    PutParameter(input) {
      const name = String(input.Name);
      put(name, String(input.Value));
      return { Version: parameters.get(name)?.version, Tier: 'Standard' };
    },
  });
  return { handle, put };
}
