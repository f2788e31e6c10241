import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { lazySsmClient, readParameter } from '../../../src/adapters/ssm';

const ssm = mockClient(SSMClient);
afterEach(() => ssm.reset());

describe('SSM adapter: readParameter', () => {
  it('asks for the decrypted value (a SecureString config would otherwise arrive encrypted)', async () => {
    ssm
      .on(GetParameterCommand)
      .resolves({ Parameter: { Name: '/cfg', Type: 'SecureString', Value: '{"checks":{}}' } });
    expect(await readParameter(new SSMClient({}), '/cfg')).toBe('{"checks":{}}');
    expect(ssm.commandCalls(GetParameterCommand).map((c) => c.args[0].input)).toEqual([
      { Name: '/cfg', WithDecryption: true },
    ]);
  });

  it.each([
    ['no Parameter', {}],
    ['a Parameter without Value', { Parameter: { Name: '/cfg' } }],
  ])('throws, naming the parameter, on an answer with %s', async (_name, answer) => {
    ssm.on(GetParameterCommand).resolves(answer);
    await expect(readParameter(new SSMClient({}), '/cfg')).rejects.toThrow('SSM parameter /cfg has no value');
  });

  it('reads an empty String value as is', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Name: '/cfg', Value: '' } });
    expect(await readParameter(new SSMClient({}), '/cfg')).toBe('');
  });
});

describe('SSM adapter: lazySsmClient', () => {
  it('builds one SSM client on the first call and hands the same one out afterwards', async () => {
    const client = lazySsmClient();
    const first = await client();
    expect(first).toBeInstanceOf(SSMClient);
    expect(await client()).toBe(first);
  });

  it('gives each reader its own client', async () => {
    expect(await lazySsmClient()()).not.toBe(await lazySsmClient()());
  });
});
