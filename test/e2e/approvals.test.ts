import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningLocalStack, runCli, startLocal } from './helpers';

/** The approvals commands as an operator runs them: the built CLI as a subprocess. */

/** The shipped config with every check's policy `approve`: each audit's task waits for a decision. */
const CONFIG = join(mkdtempSync(join(tmpdir(), 'approvals-e2e-')), 'remediation.json');
writeFileSync(
  CONFIG,
  JSON.stringify({
    ...JSON.parse(readFileSync('config/remediation.json', 'utf8')),
    defaultPolicy: 'approve',
  }),
);

const APPROVE_TASK = 'remediate-a3aea009955e501a31b764abe1bebd3d-approve';
const LOCAL_USER = 'arn:aws:iam::123456789012:user/local';

interface ApprovalsJson {
  approvals: {
    taskId: string;
    auditTaskId: string;
    execution: string;
    requestedAt: string;
    expiresAt: string;
    timeoutSeconds: number;
    checks: { check: string; actions: string[]; resourceCount: number; resources: unknown[] }[];
  }[];
}

describe('iot-remediate approvals / approve / reject --local', () => {
  it('approvals --json lists what waits once the events are replayed, oldest first', async () => {
    const { code, stdout, stderr } = await runCli(['approvals', '--local', '--config', CONFIG, '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const { approvals } = JSON.parse(stdout) as ApprovalsJson;
    expect(approvals.map((a) => a.taskId)).toContain(APPROVE_TASK);
    const approval = approvals.find((a) => a.taskId === APPROVE_TASK);
    expect(approval).toMatchObject({
      auditTaskId: 'a3aea009955e501a31b764abe1bebd3d',
      execution: APPROVE_TASK,
    });
    expect(Date.parse(approval?.expiresAt ?? '') - Date.parse(approval?.requestedAt ?? '')).toBe(
      (approval?.timeoutSeconds ?? 0) * 1000,
    );
    for (const check of approval?.checks ?? []) {
      expect(check.actions.length).toBeGreaterThan(0);
      expect(check.resources.length).toBeLessThanOrEqual(check.resourceCount);
    }
    // No task token in what an operator sees (tokens are long opaque strings; none is printed).
    expect(stdout).not.toMatch(/taskToken/i);
  });

  it('approve --local decides with the local identity and follows the workflow to COMPLETED (exit 0)', async () => {
    const { code, stdout } = await runCli([
      'approve',
      APPROVE_TASK,
      '--local',
      '--config',
      CONFIG,
      '--reason',
      'CHG-42',
    ]);
    expect(code).toBe(0);
    expect(stdout).toContain(`APPROVED ${APPROVE_TASK} (execution ${APPROVE_TASK}) by ${LOCAL_USER}`);
    expect(stdout).toContain(': "CHG-42"');
    expect(stdout).toContain(`Execution ${APPROVE_TASK} ended COMPLETED.`);
  });

  it('reject --local --json: REJECTED with who and why (exit 0)', async () => {
    const { code, stdout } = await runCli([
      'reject',
      APPROVE_TASK,
      '--local',
      '--config',
      CONFIG,
      '--reason',
      'not now',
      '--json',
    ]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      taskId: APPROVE_TASK,
      decision: { decision: 'REJECTED', decidedBy: LOCAL_USER, reason: 'not now', via: 'cli' },
      end: 'REJECTED',
    });
  });
});

describe('iot-remediate approve / reject: bad input', () => {
  it.each([
    [['reject', APPROVE_TASK, '--local'], /reject needs --reason TEXT/],
    [['reject', APPROVE_TASK, '--local', '--reason', '  '], /reject needs --reason TEXT/],
    [['approve', '--local'], /no mitigation task id given/],
    [['approve', 'not a task!', '--local'], /task id 'not a task!' must be 1-80 characters/],
    [['approve', APPROVE_TASK, 'another'], /approve takes one mitigation task id/],
    [['approvals', '--events', 'events'], /--events goes with --local/],
    [['approvals', '--local', '--profile', 'p'], /--local and --profile exclude each other/],
    [
      ['approve', 'remediate-0000000000000000000000000000dead-approve', '--local'],
      /no workflow of mitigation task remediate-0000000000000000000000000000dead-approve/,
    ],
  ])('bad input %j: exit 2 with a clear message, nothing decided', async (args, message) => {
    const { code, stderr } = await runCli(args);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });
});

describe('iot-remediate approve against iot-remediate local (--endpoint-url)', () => {
  let local: RunningLocalStack;
  let aws: string[];
  beforeAll(async () => {
    local = await startLocal(['--config', CONFIG]);
    aws = [
      '--endpoint-url',
      local.endpoint,
      '--state-machine',
      local.outputs.MitigationStateMachineArn ?? '',
    ];
    const put = await runCli([
      'replay',
      'events/scheduled-audit-non-compliant.json',
      '--no-follow',
      '--config',
      CONFIG,
      '--endpoint-url',
      local.endpoint,
      '--bus',
      'default',
    ]);
    expect(put.code).toBe(0);
  });
  afterAll(async () => {
    await local.stop();
  });

  // runCli's credentials have the access key `test`: the local STS says user/test, as STS names the caller.
  it('lists, approves, then refuses a second decision saying who decided (exit 2)', async () => {
    // The workflow reaches its gate within a moment of real time (the stack runs on the system clock).
    let listed: ApprovalsJson = { approvals: [] };
    for (let i = 0; i < 100 && listed.approvals.length === 0; i++) {
      const { stdout } = await runCli(['approvals', '--json', ...aws]);
      listed = JSON.parse(stdout) as ApprovalsJson;
    }
    expect(listed.approvals.map((a) => a.taskId)).toEqual([APPROVE_TASK]);

    const approved = await runCli(['approve', APPROVE_TASK, '--reason', 'CHG-7', ...aws]);
    expect(approved.code).toBe(0);
    expect(approved.stdout).toContain(`APPROVED ${APPROVE_TASK}`);

    const again = await runCli(['reject', APPROVE_TASK, '--reason', 'changed my mind', ...aws]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(
      `does not wait for approval: already approved by arn:aws:iam::123456789012:user/test at `,
    );
    expect(again.stderr).toContain('(via cli): "CHG-7"');
    const after = await runCli(['approvals', '--json', ...aws]);
    expect((JSON.parse(after.stdout) as ApprovalsJson).approvals).toEqual([]);
  });
});
