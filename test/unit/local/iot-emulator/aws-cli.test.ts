import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './fixture';

const run = promisify(execFile);

// Conformance with a second, independent client (botocore): runs only where `aws` is installed.
const probe = spawnSync('aws', ['--version'], { encoding: 'utf8' });
const skipReason =
  probe.error !== undefined || probe.status !== 0
    ? `aws CLI not usable on PATH (${probe.error?.message ?? `exit ${probe.status}`}): skipping the CLI conformance tests`
    : undefined;
if (skipReason !== undefined) console.warn(skipReason);

/** `it`, skipped with the printed reason when the CLI is missing. */
const cliIt = it.skipIf(skipReason !== undefined);

// The reason is in the title: scripts/run-tests.mjs lists skipped tests with it.
describe(`iot emulator: aws CLI conformance${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let h: Harness;
  beforeAll(async () => {
    if (skipReason !== undefined) return;
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  /** Runs `aws iot <args>` against the emulator (asynchronously: the emulator shares this event loop). */
  async function aws(...args: string[]): Promise<Record<string, unknown>> {
    const { stdout } = await run('aws', ['iot', ...args, '--endpoint-url', h.url, '--output', 'json'], {
      env: {
        ...process.env,
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_MAX_ATTEMPTS: '1',
        AWS_EC2_METADATA_DISABLED: 'true',
      },
    });
    return stdout.trim() === '' ? {} : (JSON.parse(stdout) as Record<string, unknown>);
  }

  cliIt('starts, describes and lists a mitigation task', async () => {
    // Act
    const started = await aws(
      'start-audit-mitigation-actions-task',
      '--task-id',
      'cli-task',
      '--target',
      '{"auditTaskId":"audit-1"}',
      '--audit-check-to-actions-mapping',
      '{"DEVICE_CERTIFICATE_EXPIRING_CHECK":["notify-sns"]}',
      '--client-request-token',
      'cli-token',
    );
    const described = await aws('describe-audit-mitigation-actions-task', '--task-id', 'cli-task');
    const listed = await aws(
      'list-audit-mitigation-actions-tasks',
      '--start-time',
      '2025-12-31T00:00:00Z',
      '--end-time',
      '2026-01-02T00:00:00Z',
    );
    // Assess
    expect(started).toEqual({ taskId: 'cli-task' });
    expect(described).toMatchObject({
      taskStatus: 'IN_PROGRESS',
      taskStatistics: { DEVICE_CERTIFICATE_EXPIRING_CHECK: { totalFindingsCount: 2 } },
      target: { auditTaskId: 'audit-1' },
    });
    expect(listed.tasks).toEqual([
      expect.objectContaining({ taskId: 'cli-task', taskStatus: 'IN_PROGRESS' }),
    ]);
  });

  cliIt('lists audit findings across pages and describes the audit', async () => {
    // Act
    const findings = await aws('list-audit-findings', '--task-id', 'audit-big', '--page-size', '10');
    const audit = await aws('describe-audit-task', '--task-id', 'audit-1');
    // Assess
    expect(findings.findings).toHaveLength(30);
    expect(audit).toMatchObject({ taskStatus: 'COMPLETED', taskType: 'ON_DEMAND_AUDIT_TASK' });
  });

  cliIt('surfaces a modelled error by name', async () => {
    // Act
    const failure = await aws('describe-audit-task', '--task-id', 'no-such-audit').then(
      () => '',
      (error: { stderr: string }) => error.stderr,
    );
    // Assess
    expect(failure).toContain('ResourceNotFoundException');
  });
});
