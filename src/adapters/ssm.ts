import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';

/** Reads a (possibly SecureString) parameter's text: the run-time override of the remediation config. */
export async function readParameter(client: SSMClient, name: string): Promise<string> {
  const out = await client.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
  const value = out.Parameter?.Value;
  if (value === undefined) throw new Error(`SSM parameter ${name} has no value`);
  return value;
}
