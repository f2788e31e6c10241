import { GetParameterCommand, ParameterNotFound, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readParameter } from '../../../src/adapters/ssm';
import { createGateway } from '../../../src/local/gateway';
import { createLocalParameterStore } from '../../../src/local/ssm-parameters';

// The local SSM tells SecureString apart as Parameter Store does: GetParameter returns the
// encrypted value unless WithDecryption is true ("Return decrypted values for secure string
// parameters. This flag is ignored for String and StringList parameter types": botocore ssm model,
// GetParameterRequest.WithDecryption). A handler that forgot WithDecryption fails here, not in AWS.

let store: ReturnType<typeof createLocalParameterStore>;
let gateway: ReturnType<typeof createGateway>;
let client: SSMClient;

beforeAll(async () => {
  store = createLocalParameterStore();
  gateway = createGateway([{ name: 'ssm', targetPrefix: 'AmazonSSM', handle: store.handle }]);
  const url = await gateway.listen(0);
  client = new SSMClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
});
afterAll(async () => {
  client.destroy();
  await gateway.close();
});

describe('local SSM: String and SecureString', () => {
  it('returns a SecureString decrypted only with WithDecryption', async () => {
    // Prepare
    await client.send(
      new PutParameterCommand({ Name: '/secure', Value: '{"checks":{}}', Type: 'SecureString' }),
    );

    // Act
    const encrypted = await client.send(new GetParameterCommand({ Name: '/secure' }));
    const decrypted = await client.send(new GetParameterCommand({ Name: '/secure', WithDecryption: true }));

    // Assess
    expect(decrypted.Parameter).toMatchObject({
      Name: '/secure',
      Type: 'SecureString',
      Value: '{"checks":{}}',
      Version: 1,
    });
    expect(encrypted.Parameter?.Type).toBe('SecureString');
    expect(encrypted.Parameter?.Value).not.toContain('checks');
    expect(encrypted.Parameter?.Value).toMatch(/^[A-Za-z0-9+/]+=*$/);
  });

  it('ignores WithDecryption for a String', async () => {
    await client.send(new PutParameterCommand({ Name: '/plain', Value: 'text', Type: 'String' }));
    for (const WithDecryption of [undefined, false, true]) {
      const out = await client.send(new GetParameterCommand({ Name: '/plain', WithDecryption }));
      expect(out.Parameter).toMatchObject({ Type: 'String', Value: 'text' });
    }
  });

  it('the adapter reads the SecureString config in clear', async () => {
    store.put('/config', '{"mode":"dry-run"}', 'SecureString');
    expect(await readParameter(client, '/config')).toBe('{"mode":"dry-run"}');
  });

  it('counts versions and answers ParameterNotFound for an unknown name', async () => {
    await client.send(new PutParameterCommand({ Name: '/v', Value: 'a', Type: 'String' }));
    const second = await client.send(
      new PutParameterCommand({ Name: '/v', Value: 'b', Type: 'String', Overwrite: true }),
    );
    expect(second.Version).toBe(2);
    await expect(client.send(new GetParameterCommand({ Name: '/nope' }))).rejects.toBeInstanceOf(
      ParameterNotFound,
    );
  });
});
