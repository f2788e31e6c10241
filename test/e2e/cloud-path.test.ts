import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allAutoConfigFile } from '../fixtures';
import { fakeCloudFormation, type RunningLocalStack, runCli, startFakeAws, startLocal } from './helpers';

/**
 * The cloud code path (no --local): `iot-remediate local` runs in the background on a virtual clock,
 * every command reaches it through AWS_ENDPOINT_URL as it would reach AWS, and the stack's names
 * are discovered with DescribeStacks from a fake CloudFormation endpoint
 * (AWS_ENDPOINT_URL_CLOUDFORMATION, the SDK's per-service endpoint setting).
 */
describe('the cloud path against iot-remediate local', () => {
  let local: RunningLocalStack;
  let cloudFormation: Awaited<ReturnType<typeof fakeCloudFormation>>;
  let env: Record<string, string>;
  let config: string;

  beforeAll(async () => {
    // The tasks start at once (the shipped config would wait for approvals).
    config = allAutoConfigFile();
    local = await startLocal(['--clock', 'virtual', '--config', config]);
    cloudFormation = await fakeCloudFormation('iot-audit-remediation', local.outputs);
    env = { AWS_ENDPOINT_URL: local.endpoint, AWS_ENDPOINT_URL_CLOUDFORMATION: cloudFormation.url };
  });

  afterAll(async () => {
    await cloudFormation?.close();
    if (local && local.process.exitCode === null) await local.stop();
  });

  it('replay discovers the bus and state machine from the stack (samconfig.toml) and follows every workflow', async () => {
    const { code, stdout } = await runCli(
      ['replay', 'events', '--poll-interval', '100ms', '--json', '--config', config],
      env,
    );
    const result = JSON.parse(stdout) as { workflows: { end: string; asExpected: boolean }[] };
    // No scenario expectations in the cloud: the audit whose task fails makes the run exit 1.
    expect(result.workflows.map((w) => w.end).sort()).toEqual([
      'COMPLETED',
      'COMPLETED',
      'COMPLETED',
      'FAILED',
      'SKIPPED',
      'SKIPPED',
    ]);
    expect(code).toBe(1);
  });

  it('status lists the tasks with per-check statistics', async () => {
    const { code, stdout } = await runCli(['status', '--since', '2025-12-31T00:00:00Z', '--json'], env);
    expect(code).toBe(0);
    const { tasks } = JSON.parse(stdout) as {
      tasks: { taskId: string; taskStatus: string; statistics: unknown[] }[];
    };
    expect(tasks.map((t) => t.taskStatus).sort()).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED', 'FAILED']);
    expect(tasks.every((t) => t.statistics.length > 0)).toBe(true);
  });

  it('status --task lists the failed and skipped executions with their error codes, exit 1 for a failed task', async () => {
    const taskId = 'remediate-7d1c0e5b9a8f4c2e8b6a4d2f0e1c3b5a-auto';
    const { code, stdout } = await runCli(['status', '--task', taskId, '--json'], env);
    expect(code).toBe(1);
    const result = JSON.parse(stdout) as {
      task: { taskStatus: string };
      executions: { status: string; errorCode: string | null }[];
    };
    expect(result.task.taskStatus).toBe('FAILED');
    expect(result.executions.map((e) => e.status).sort()).toEqual(['FAILED', 'SKIPPED']);
    expect(result.executions.find((e) => e.status === 'FAILED')?.errorCode).toBeTruthy();
  });

  it('an unknown task exits 2', async () => {
    const { code, stderr } = await runCli(['status', '--task', 'no-such-task'], env);
    expect(code).toBe(2);
    expect(stderr).toContain('mitigation task no-such-task does not exist');
  });

  it('replay --from replays the stack archive; its events were handled already, so no new workflow starts', async () => {
    const { code, stdout } = await runCli(
      ['replay', '--from', '2025-12-31T00:00:00Z', '--poll-interval', '100ms', '--json'],
      env,
    );
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as { replay: { state: string }; workflows: unknown[] };
    expect(result.replay.state).toBe('COMPLETED');
    expect(result.workflows).toEqual([]);
  });

  it('validate-config --account reads the account', async () => {
    const { code, stdout } = await runCli(['validate-config', '--account'], env);
    expect(code).toBe(0);
    expect(stdout).toContain('valid (offline and against the account)');
  });

  it('plan --account fills a minimal event from DescribeAuditTask', async () => {
    const { code, stdout } = await runCli(
      ['plan', 'events/minimal-audit-task-id.json', '--account', '--json'],
      env,
    );
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ action: 'start' });
  });

  it('an unknown stack exits 2 and names it', async () => {
    const { code, stderr } = await runCli(['replay', 'events', '--stack', 'no-such-stack'], env);
    expect(code).toBe(2);
    expect(stderr).toContain('stack no-such-stack does not exist in region us-east-1');
  });

  it('explicit names need no stack', async () => {
    const { code, stdout } = await runCli(
      [
        'replay',
        'events/sns-audit-notification.json',
        '--stack',
        'no-such-stack',
        '--bus',
        'default',
        '--state-machine',
        local.outputs.MitigationStateMachineArn ?? '',
        '--poll-interval',
        '100ms',
      ],
      env,
    );
    expect(code).toBe(0);
    expect(stdout).toContain('1 workflow(s): every workflow ended as expected');
  });

  it('local stops cleanly on SIGTERM (exit 0)', async () => {
    const other = await startLocal();
    expect(await other.stop()).toBe(0);
  });
});

describe('expired credentials', () => {
  it('exit 2 with a clear message', async () => {
    // Prepare: an endpoint that refuses every request as AWS does with an expired session token.
    const expired = await startFakeAws((_req, _body, res) => {
      res.writeHead(400, { 'content-type': 'application/json', 'x-amzn-errortype': 'ExpiredTokenException' });
      res.end(
        JSON.stringify({
          __type: 'ExpiredTokenException',
          message: 'The security token included in the request is expired',
        }),
      );
    });
    try {
      // Act
      const { code, stderr } = await runCli(['status', '--endpoint-url', expired.url]);
      // Assess
      expect(code).toBe(2);
      expect(stderr).toContain(
        'AWS refused the credentials (ExpiredTokenException: The security token included in the request is expired)',
      );
      expect(stderr).not.toContain('    at ');
    } finally {
      await expired.close();
    }
  });
});

describe('an account whose IoT rates other callers are using', () => {
  it('status rides out throttled DescribeAuditMitigationActionsTask calls instead of failing at the third', async () => {
    // Prepare: one task; its first 4 describes are throttled, as IoT does past 25 calls a second.
    let throttled = 0;
    const iot = await startFakeAws((req, _body, res) => {
      const path = (req.url ?? '').split('?')[0];
      res.setHeader('content-type', 'application/json');
      if (path === '/audit/mitigationactions/tasks') {
        res.end(
          JSON.stringify({
            tasks: [{ taskId: 'remediate-a-auto-1', startTime: 1767225600, taskStatus: 'COMPLETED' }],
          }),
        );
      } else if (path === '/audit/mitigationactions/tasks/remediate-a-auto-1' && throttled < 4) {
        throttled += 1;
        res.writeHead(400, { 'x-amzn-errortype': 'ThrottlingException' });
        res.end(JSON.stringify({ message: 'Rate exceeded' }));
      } else if (path === '/audit/mitigationactions/tasks/remediate-a-auto-1') {
        res.end(
          JSON.stringify({
            taskStatus: 'COMPLETED',
            startTime: 1767225600,
            endTime: 1767225700,
            target: { auditTaskId: 'a' },
            taskStatistics: { LOGGING_DISABLED_CHECK: { totalFindingsCount: 1, succeededFindingsCount: 1 } },
          }),
        );
      } else {
        res.writeHead(404, { 'x-amzn-errortype': 'ResourceNotFoundException' });
        res.end(JSON.stringify({ message: `no route ${path}` }));
      }
    });
    try {
      // Act
      const { code, stdout, stderr } = await runCli([
        'status',
        '--endpoint-url',
        iot.url,
        '--since',
        '2025-12-31T00:00:00Z',
        '--json',
      ]);
      // Assess
      expect(code, stderr).toBe(0);
      expect(throttled).toBe(4);
      const result = JSON.parse(stdout) as { tasks: { taskId: string; taskStatus: string }[] };
      expect(result.tasks.map((t) => [t.taskId, t.taskStatus])).toEqual([
        ['remediate-a-auto-1', 'COMPLETED'],
      ]);
    } finally {
      await iot.close();
    }
  }, 60_000);
});
