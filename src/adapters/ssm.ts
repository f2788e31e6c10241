import type { SSMClient } from '@aws-sdk/client-ssm';

/** Reads a (possibly SecureString) parameter's text: the run-time override of the remediation config. */
export async function readParameter(client: SSMClient, name: string): Promise<string> {
  const { GetParameterCommand } = await import('./ssm-sdk');
  const out = await client.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
  const value = out.Parameter?.Value;
  if (value === undefined) throw new Error(`SSM parameter ${name} has no value`);
  return value;
}

/**
 * The SSM client, imported and built on the first call and then kept. The config is read from SSM once
 * per CONFIG_TTL_MS at most (and never when no parameter is set), so the client (77 kB of SDK code, a
 * chunk of its own in the bundle) stays out of the cold start.
 */
export function lazySsmClient(): () => Promise<SSMClient> {
  let client: Promise<SSMClient> | undefined;
  return () => {
    client ??= import('./ssm-sdk').then(({ SSMClient }) => new SSMClient({}));
    return client;
  };
}
