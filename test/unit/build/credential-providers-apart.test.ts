import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFunction } from '../../../scripts/esbuild-config.mjs';

/** Inputs of every output the entry (index.mjs) loads at start: itself and the chunks it imports statically. */
function inputsLoadedAtStart(meta: Metafile): string[] {
  const entry = Object.keys(meta.outputs).find((path) => path.endsWith('/index.mjs')) ?? '';
  const seen = new Set<string>();
  const visit = (path: string): void => {
    const output = meta.outputs[path];
    if (seen.has(path) || output === undefined) return;
    seen.add(path);
    for (const i of output.imports) if (i.kind === 'import-statement' && !i.external) visit(i.path);
  };
  visit(entry);
  return [...seen].flatMap((path) =>
    Object.entries(meta.outputs[path]?.inputs ?? {})
      .filter(([, { bytesInOutput }]) => bytesInOutput > 0)
      .map(([input]) => input),
  );
}

/** Runs the bundle's handler once in a fresh process with `env` only; resolves with its exit code. */
function invokeOnce(
  file: string,
  env: Record<string, string>,
  event: unknown,
): Promise<{ status: number; stderr: string }> {
  const child = `
const { handler } = await import(${JSON.stringify(pathToFileURL(file).href)});
await handler(${JSON.stringify(event)}, { functionName: 'probe', awsRequestId: 'probe-1', invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:probe', getRemainingTimeInMillis: () => 60000 });
`;
  return new Promise((resolve, reject) => {
    const run = spawn(process.execPath, ['--input-type=module', '-e', child], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    run.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    run.on('error', reject);
    run.on('close', (status) => resolve({ status: status ?? -1, stderr }));
  });
}

describe('the credential providers built apart', () => {
  const work = mkdtempSync(join(tmpdir(), 'iot-credentials-apart-'));
  const outdir = join(work, 'record-outcome');
  let meta: Metafile;

  beforeAll(async () => {
    ({ metafile: meta } = await buildFunction(process.cwd(), 'record-outcome', outdir, {
      logLevel: 'error',
    }));
  }, 60_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('keeps every provider and the STS / SSO clients out of what the function loads at start', () => {
    // Prepare: the modules only a provider needs (query protocol and XML of STS, REST of SSO).
    const providerOnly =
      /credential-provider-(sso|ini|process|web-identity|http|imds)|nested-clients|protocols\/query\/|xml-builder/;

    // Act
    const atStart = inputsLoadedAtStart(meta);

    // Assess
    expect(atStart.length).toBeGreaterThan(0);
    expect(atStart.filter((input) => providerOnly.test(input))).toEqual([]);
    for (const bundle of ['sso', 'ini', 'process', 'web-identity', 'http', 'imds']) {
      expect(existsSync(join(outdir, 'credentials', `${bundle}.mjs`)), bundle).toBe(true);
    }
  });

  it('signs with the credentials of a shared credentials file when the environment has none', async () => {
    // Prepare: an endpoint that notes each request's headers and answers PutItem, and a credentials file.
    const seen: IncomingHttpHeaders[] = [];
    const server = createServer((request, response) => {
      seen.push(request.headers);
      request.resume();
      request.on('end', () => {
        response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
        response.end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const credentialsFile = join(work, 'credentials.ini');
    writeFileSync(
      credentialsFile,
      '[default]\naws_access_key_id = AKIDFROMFILE\naws_secret_access_key = file-secret\n',
    );
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: work,
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      AWS_SHARED_CREDENTIALS_FILE: credentialsFile,
      AWS_CONFIG_FILE: join(work, 'no-config'),
      AWS_EC2_METADATA_DISABLED: 'true',
      OUTCOME_LEDGER_TABLE: 'ledger',
    };
    const event = {
      version: '0',
      id: 'e1',
      'detail-type': 'Audit Mitigation Task Finished',
      source: 'custom.iot.devicedefender',
      account: '123456789012',
      time: '2026-01-01T00:00:00Z',
      region: 'us-east-1',
      resources: [],
      detail: {
        eventId: 'e1',
        taskId: 'task-1',
        auditTaskId: 'audit-1',
        outcome: 'COMPLETED',
        taskStatus: 'COMPLETED',
      },
    };

    // Act
    let result: { status: number; stderr: string };
    try {
      result = await invokeOnce(join(outdir, 'index.mjs'), env, event);
    } finally {
      server.close();
    }

    // Assess: the ledger's PutItem was signed with the file's key, through ./credentials/ini.mjs.
    expect(result.status, result.stderr).toBe(0);
    expect(seen.map((h) => h['x-amz-target'])).toContain('DynamoDB_20120810.PutItem');
    for (const headers of seen) expect(headers.authorization).toContain('Credential=AKIDFROMFILE/');
  }, 60_000);
});
