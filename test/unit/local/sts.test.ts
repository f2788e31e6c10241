import type { ServerResponse } from 'node:http';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, routeRequest } from '../../../src/local/gateway';
import { callerIdentity, createLocalSts } from '../../../src/local/sts';

/** The gateway as the stack builds it, minus the other services: STS and a restJson fallback. */
const fallback = (_: unknown, res: ServerResponse) => {
  res.writeHead(200, { 'content-type': 'application/json' }).end('{"served":"fallback"}');
};
const SERVICES = [
  { name: 'ssm', targetPrefix: 'AmazonSSM', handle: fallback },
  { name: 'sts', signingName: 'sts', handle: createLocalSts({ accountId: '123456789012' }).handle },
  { name: 'iot', handle: fallback },
];

let gateway: ReturnType<typeof createGateway>;
let url: string;

beforeAll(async () => {
  gateway = createGateway(SERVICES);
  url = await gateway.listen();
});
afterAll(async () => {
  await gateway.close();
});

const client = (accessKeyId: string) =>
  new STSClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId, secretAccessKey: 'secret' },
    maxAttempts: 1,
  });

async function post(body: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', ...headers },
    body,
  });
  return { status: response.status, text: await response.text() };
}

const SIGNED = {
  authorization:
    'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=00',
};

describe('local STS: GetCallerIdentity over awsQuery', () => {
  it('answers the real STSClient with the user of the access key', async () => {
    // Prepare
    const sts = client('local');
    // Act
    const out = await sts.send(new GetCallerIdentityCommand({}));
    sts.destroy();
    // Assess
    expect(out.Arn).toBe('arn:aws:iam::123456789012:user/local');
    expect(out.Account).toBe('123456789012');
    expect(out.UserId).toMatch(/^AIDA[A-Z2-7]{17}$/);
    expect(out.$metadata.httpStatusCode).toBe(200);
  });

  it('gives each access key its own stable user', async () => {
    // Prepare
    const alice = client('AKIAALICE');
    // Act
    const first = await alice.send(new GetCallerIdentityCommand({}));
    const second = await alice.send(new GetCallerIdentityCommand({}));
    alice.destroy();
    // Assess
    expect(first.Arn).toBe('arn:aws:iam::123456789012:user/AKIAALICE');
    expect(first.UserId).toBe(second.UserId);
    expect(first.UserId).not.toBe(callerIdentity('123456789012', 'local').UserId);
  });

  it('answers the awsQuery XML document with the STS namespace', async () => {
    // Act
    const { status, text } = await post('Action=GetCallerIdentity&Version=2011-06-15', SIGNED);
    // Assess
    expect(status).toBe(200);
    expect(text).toMatch(
      /^<GetCallerIdentityResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/"><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user\/local<\/Arn><UserId>AIDA[A-Z2-7]{17}<\/UserId><Account>123456789012<\/Account><\/GetCallerIdentityResult><ResponseMetadata><RequestId>[0-9a-f-]{36}<\/RequestId><\/ResponseMetadata><\/GetCallerIdentityResponse>$/,
    );
  });

  it('answers awsQuery errors: unknown action, wrong version, no credentials, unknown parameter', async () => {
    // Act
    const unknown = await post('Action=AssumeRole&Version=2011-06-15', SIGNED);
    const missing = await post('Version=2011-06-15', SIGNED);
    const version = await post('Action=GetCallerIdentity&Version=2010-01-01', SIGNED);
    const anonymous = await post('Action=GetCallerIdentity&Version=2011-06-15');
    // Assess
    expect(unknown.status).toBe(400);
    expect(unknown.text).toContain('<Error><Type>Sender</Type><Code>InvalidAction</Code>');
    expect(missing.text).toContain('<Code>MissingAction</Code>');
    expect(version.status).toBe(400);
    expect(version.text).toContain('<Code>InvalidParameterValue</Code>');
    expect(anonymous.status).toBe(403);
    expect(anonymous.text).toContain('<Code>MissingAuthenticationToken</Code>');
  });

  it('surfaces its errors to the SDK as named exceptions', async () => {
    // Prepare: a client whose access key is empty signs with no credential.
    const sts = new STSClient({
      endpoint: `${url}/`,
      region: 'us-east-1',
      credentials: { accessKeyId: '', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
    // Act
    const error = await sts.send(new GetCallerIdentityCommand({})).catch((e: Error) => e);
    sts.destroy();
    // Assess
    expect(error).toMatchObject({ name: 'MissingAuthenticationToken', $metadata: { httpStatusCode: 403 } });
  });
});

describe('gateway routing', () => {
  const route = (headers: Record<string, string>) => routeRequest(SERVICES, { headers })?.name;

  it('routes by x-amz-target, then SigV4 scope service, then form body, then the restJson fallback', () => {
    // Assess
    expect(route({ 'x-amz-target': 'AmazonSSM.GetParameter' })).toBe('ssm');
    expect(route(SIGNED)).toBe('sts');
    expect(route({ 'content-type': 'application/x-www-form-urlencoded' })).toBe('sts');
    expect(
      route({
        authorization:
          'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/iot/aws4_request, SignedHeaders=host, Signature=00',
        'content-type': 'application/json',
      }),
    ).toBe('iot');
    expect(route({})).toBe('iot');
  });

  it('serves the other services unchanged behind the same endpoint', async () => {
    // Act
    const response = await fetch(`${url}/audit/findings`, { method: 'POST', body: '{}' });
    // Assess
    expect(await response.json()).toEqual({ served: 'fallback' });
  });
});
