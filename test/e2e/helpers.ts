import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';

/** The built CLI (vitest's globalSetup builds dist/ first). */
export const CLI = 'dist/cli/iot-remediate.mjs';

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the built CLI as a subprocess. Asynchronous (not spawnSync) so that servers of the test
 * process (fake AWS endpoints) can answer it meanwhile. The environment carries no AWS settings of
 * the machine: fixed dummy credentials unless a test overrides them.
 */
export function runCli(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: {
      PATH: process.env.PATH,
      HOME: '/nonexistent',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
      ...env,
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

export interface RunningLocalStack {
  readonly endpoint: string;
  readonly outputs: Record<string, string>;
  readonly process: ChildProcess;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `iot-remediate local --json` in the background and waits for its ready line. */
export async function startLocal(args: readonly string[] = []): Promise<RunningLocalStack> {
  const child = spawn(process.execPath, [CLI, 'local', '--json', ...args], {
    env: { PATH: process.env.PATH, HOME: '/nonexistent' },
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('close', (code) => reject(new Error(`iot-remediate local exited ${code}`)));
  });
  const ready = JSON.parse(first) as { endpoint: string; outputs: Record<string, string> };
  return {
    ...ready,
    process: child,
    stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** A loopback HTTP server answering every request with `answer` (fake AWS endpoints). */
export async function startFakeAws(
  answer: (req: IncomingMessage, body: string, res: ServerResponse) => void,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => answer(req, body, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A CloudFormation endpoint (awsQuery protocol: form-encoded request, XML answer) that knows one
 * stack and its outputs, and answers any other name as CloudFormation does.
 */
export function fakeCloudFormation(stackName: string, outputs: Record<string, string>) {
  return startFakeAws((_req, body, res) => {
    const params = new URLSearchParams(body);
    const wanted = params.get('StackName');
    if (params.get('Action') !== 'DescribeStacks' || wanted !== stackName) {
      res.writeHead(400, { 'content-type': 'text/xml' });
      res.end(
        `<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack with id ${wanted} does not exist</Message></Error><RequestId>1</RequestId></ErrorResponse>`,
      );
      return;
    }
    const members = Object.entries(outputs)
      .map(([k, v]) => `<member><OutputKey>${k}</OutputKey><OutputValue>${v}</OutputValue></member>`)
      .join('');
    res.writeHead(200, { 'content-type': 'text/xml' });
    res.end(
      `<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks><member><StackName>${stackName}</StackName><StackStatus>CREATE_COMPLETE</StackStatus><CreationTime>2026-01-01T00:00:00Z</CreationTime><Outputs>${members}</Outputs></member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></DescribeStacksResponse>`,
    );
  });
}
