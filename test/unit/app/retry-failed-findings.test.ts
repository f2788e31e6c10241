import { describe, expect, it } from 'vitest';
import type { ReportStore, WorkflowApi } from '../../../src/app/ports';
import { createRetryFailedFindings } from '../../../src/app/retry-failed-findings';
import { type ReportRow, type RetryStepInput, toJsonLines, type WorkflowInput } from '../../../src/core';
import { silentLog } from '../../fixtures';

const AUDIT = '7d1c0e5b9a8f4c2e8b6a4d2f0e1c3b5a';
const TASK = `remediate-${AUDIT}-auto`;

function row(
  findingId: string,
  outcome: ReportRow['outcome'],
  check = 'DEVICE_CERTIFICATE_KEY_QUALITY_CHECK',
): ReportRow {
  return {
    check,
    findingId,
    resourceType: 'DEVICE_CERTIFICATE',
    resource: `cert-${findingId}`,
    reasonCode: 'R',
    outcome,
  };
}

function harness(rows: ReportRow[] | undefined) {
  const reads: string[] = [];
  const started: Array<{ name: string; input: WorkflowInput }> = [];
  const counted: Array<[string, number]> = [];
  const reports: ReportStore = {
    bucket: 'reports',
    async put() {
      throw new Error('the retry step writes no report');
    },
    async get(key) {
      reads.push(key);
      return rows === undefined ? undefined : toJsonLines(rows);
    },
  };
  const names = new Set<string>();
  const workflows: WorkflowApi = {
    async startExecution(name, input) {
      if (names.has(name)) return 'already-exists';
      names.add(name);
      started.push({ name, input });
      return 'started';
    },
    async describeExecution() {
      return { status: 'RUNNING' } as Awaited<ReturnType<WorkflowApi['describeExecution']>>;
    },
  };
  const retry = createRetryFailedFindings({
    reports,
    prefix: 'reports',
    workflows,
    logger: silentLog,
    counters: { count: (name, value) => counted.push([name, value]) },
  });
  return { retry, reads, started, counted };
}

const input: RetryStepInput = {
  taskId: TASK,
  auditTaskId: AUDIT,
  retry: { attempt: 0, attempts: 1, delaySeconds: 900 },
  mapping: { DEVICE_CERTIFICATE_KEY_QUALITY_CHECK: ['QuarantineThings', 'PublishFindingToSns'] },
  pollDeadlineSeconds: 3600,
  verify: true,
};

describe('retry of failed findings', () => {
  it("starts a workflow for the report's failed findings only, with a deferred start and the next attempt", async () => {
    // Prepare
    const { retry, reads, started, counted } = harness([
      row('kq-0003', 'FAILED'),
      row('kq-0001', 'SUCCEEDED'),
      row('kq-0002', 'FAILED'),
      row('kq-0004', 'SKIPPED'),
    ]);

    // Act
    const outcome = await retry(input);

    // Assess
    expect(reads).toEqual([`reports/${TASK}/findings.jsonl`]);
    expect(outcome).toEqual({
      action: 'retry',
      attempt: 1,
      findings: 2,
      taskIds: [`${TASK}-r1-1`],
      leftOut: 0,
    });
    expect(started).toHaveLength(1);
    expect(started[0]?.name).toBe(`${TASK}-r1-1`);
    expect(started[0]?.input).toMatchObject({
      taskId: `${TASK}-r1-1`,
      auditTaskId: AUDIT,
      deferredStart: true,
      policy: 'auto',
      verify: true,
      retryFailed: { attempt: 1, attempts: 1, delaySeconds: 900 },
      startRequest: {
        TaskId: `${TASK}-r1-1`,
        Target: { FindingIds: ['kq-0002', 'kq-0003'] },
        AuditCheckToActionsMapping: input.mapping,
      },
    });
    expect(counted).toEqual([['FindingsRetried', 2]]);
  });

  it('the same step twice (a Lambda retry) starts nothing twice', async () => {
    const { retry, started } = harness([row('kq-0002', 'FAILED')]);
    await retry(input);
    const again = await retry(input);
    expect(again).toMatchObject({ action: 'retry', taskIds: [`${TASK}-r1-1`] });
    expect(started).toHaveLength(1);
  });

  it('after the last attempt starts nothing and counts the findings that still fail', async () => {
    const { retry, started, counted } = harness([row('kq-0002', 'FAILED')]);
    const outcome = await retry({
      ...input,
      taskId: `${TASK}-r1-1`,
      retry: { attempt: 1, attempts: 1, delaySeconds: 900 },
    });
    expect(outcome).toMatchObject({ action: 'give-up', stillFailing: 1 });
    expect(started).toEqual([]);
    expect(counted).toEqual([['FindingsStillFailing', 1]]);
  });

  it('a forged mapping cannot widen the retry: only failed findings of the report, only their checks', async () => {
    // The input names another check with a destructive action; the report has no failure of it.
    const { retry, started } = harness([row('kq-0002', 'FAILED')]);
    await retry({
      ...input,
      mapping: { ...input.mapping, REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK: ['DeactivateCACertificate'] },
    });
    expect(started[0]?.input.startRequest.AuditCheckToActionsMapping).toEqual(input.mapping);
    expect(started[0]?.input.startRequest.Target).toEqual({ FindingIds: ['kq-0002'] });
  });

  it('fails when the report is missing, starting nothing (the workflow still ends with its outcome)', async () => {
    const { retry, started } = harness(undefined);
    await expect(retry(input)).rejects.toThrow(`no report of task ${TASK} at reports/${TASK}/findings.jsonl`);
    expect(started).toEqual([]);
  });
});
