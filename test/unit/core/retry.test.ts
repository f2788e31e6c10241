import { describe, expect, it } from 'vitest';
import {
  type FailedFinding,
  MAX_FINDING_IDS_PER_TASK,
  originalGroupOf,
  parseRemediationConfig,
  planRetry,
  RetryFailedFindingsSchema,
  startRequestProblems,
  workflowRetryOf,
} from '../../../src/core';

const AUDIT = 'a3aea009955e501a31b764abe1bebd3d';
const MAPPING = {
  DEVICE_CERTIFICATE_SHARED_CHECK: ['QuarantineThings', 'DeactivateDeviceCertificate'],
  IOT_POLICY_OVERLY_PERMISSIVE_CHECK: ['ReplaceDefaultPolicyVersion'],
};
const RETRY = { attempt: 0, attempts: 1, delaySeconds: 900 };

function failed(n: number, check = 'DEVICE_CERTIFICATE_SHARED_CHECK'): FailedFinding[] {
  return Array.from({ length: n }, (_, i) => ({ findingId: `f-${String(i).padStart(4, '0')}`, check }));
}

describe('planRetry', () => {
  it('cuts 60 failed findings into tasks of 25, 25 and 10 targeting only them, named after the task and attempt', () => {
    // Act
    const plan = planRetry({
      taskId: `remediate-${AUDIT}-auto`,
      auditTaskId: AUDIT,
      retry: RETRY,
      failed: failed(60),
      mapping: MAPPING,
    });

    // Assess
    if (plan.action !== 'retry') throw new Error(`expected a retry, got ${plan.reason}`);
    expect(plan.attempt).toBe(1);
    expect(plan.requests.map((r) => r.taskId)).toEqual([
      `remediate-${AUDIT}-auto-r1-1`,
      `remediate-${AUDIT}-auto-r1-2`,
      `remediate-${AUDIT}-auto-r1-3`,
    ]);
    expect(plan.requests.map((r) => ('findingIds' in r.target ? r.target.findingIds?.length : 0))).toEqual([
      25, 25, 10,
    ]);
    for (const request of plan.requests) {
      expect(startRequestProblems(request)).toEqual([]);
      // Only the checks of its findings, with the original actions.
      expect(request.auditCheckToActionsMapping).toEqual({
        DEVICE_CERTIFICATE_SHARED_CHECK: MAPPING.DEVICE_CERTIFICATE_SHARED_CHECK,
      });
    }
  });

  it('derives the same ids whatever the order or repetition of the failed findings (canonical findingIds)', () => {
    // Prepare
    const findings = [
      ...failed(30),
      ...failed(5, 'IOT_POLICY_OVERLY_PERMISSIVE_CHECK').map((f) => ({
        ...f,
        findingId: `p-${f.findingId}`,
      })),
    ];
    const shuffled = [...findings].reverse().concat(findings.slice(0, 7));

    // Act
    const a = planRetry({
      taskId: `remediate-${AUDIT}-approve-2`,
      auditTaskId: AUDIT,
      retry: RETRY,
      failed: findings,
      mapping: MAPPING,
    });
    const b = planRetry({
      taskId: `remediate-${AUDIT}-approve-2`,
      auditTaskId: AUDIT,
      retry: RETRY,
      failed: shuffled,
      mapping: MAPPING,
    });

    // Assess
    expect(b).toEqual(a);
    if (a.action !== 'retry') throw new Error('expected a retry');
    const ids = a.requests.flatMap((r) => ('findingIds' in r.target ? (r.target.findingIds ?? []) : []));
    expect(ids).toEqual([...new Set(ids)].sort());
    expect(ids).toHaveLength(35);
    expect(a.requests[0]?.taskId).toBe(`remediate-${AUDIT}-approve-2-r1-1`);
  });

  it('names attempt 2 after the original task, not after the retry task it follows', () => {
    expect(originalGroupOf(`remediate-${AUDIT}-auto-r1-3`, AUDIT)).toBe('auto');
    const plan = planRetry({
      taskId: `remediate-${AUDIT}-auto-r1-3`,
      auditTaskId: AUDIT,
      retry: { attempt: 1, attempts: 2, delaySeconds: 60 },
      failed: failed(2),
      mapping: MAPPING,
    });
    expect(plan.action === 'retry' && plan.requests.map((r) => r.taskId)).toEqual([
      `remediate-${AUDIT}-auto-r2-1`,
    ]);
  });

  it('gives up after the last attempt: nothing started, the findings still failing counted', () => {
    const plan = planRetry({
      taskId: `remediate-${AUDIT}-auto-r1-1`,
      auditTaskId: AUDIT,
      retry: { attempt: 1, attempts: 1, delaySeconds: 900 },
      failed: failed(3),
      mapping: MAPPING,
    });
    expect(plan).toEqual({
      action: 'give-up',
      reason: '1 retry attempt(s) made; these findings still fail',
      stillFailing: 3,
    });
  });

  it('retries nothing with attempts 0, and never a finding of a check the task did not mitigate', () => {
    expect(
      planRetry({
        taskId: `remediate-${AUDIT}-auto`,
        auditTaskId: AUDIT,
        retry: { ...RETRY, attempts: 0 },
        failed: failed(2),
        mapping: MAPPING,
      }),
    ).toMatchObject({ action: 'give-up', stillFailing: 2 });
    expect(
      planRetry({
        taskId: `remediate-${AUDIT}-auto`,
        auditTaskId: AUDIT,
        retry: RETRY,
        failed: failed(2, 'LOGGING_DISABLED_CHECK'),
        mapping: MAPPING,
      }),
    ).toMatchObject({ action: 'give-up', stillFailing: 0 });
  });

  it('retries at most 250 findings (10 tasks) and says how many it left out', () => {
    const plan = planRetry({
      taskId: `remediate-${AUDIT}-auto`,
      auditTaskId: AUDIT,
      retry: RETRY,
      failed: failed(260),
      mapping: MAPPING,
    });
    expect(plan.action === 'retry' && [plan.requests.length, plan.leftOut]).toEqual([
      250 / MAX_FINDING_IDS_PER_TASK,
      10,
    ]);
  });
});

describe('config retryFailedFindings', () => {
  const base = { checks: { LOGGING_DISABLED_CHECK: { actions: ['EnableIoTLogging'] } } };

  it('defaults to one attempt 15 minutes after the task ended', () => {
    const config = parseRemediationConfig(base);
    expect(config.retryFailedFindings).toEqual({ attempts: 1, delay: 'PT15M' });
    expect(workflowRetryOf(config.retryFailedFindings)).toEqual({
      attempt: 0,
      attempts: 1,
      delaySeconds: 900,
    });
  });

  it.each([
    [{ attempts: 4 }, 'attempts'],
    [{ attempts: -1 }, 'attempts'],
    [{ delay: '15 minutes' }, 'delay'],
    [{ delay: 'P8D' }, 'delay'],
    [{ tries: 2 }, ''],
  ])('refuses %j, naming the field', (value, field) => {
    const result = RetryFailedFindingsSchema.safeParse(value);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path.join('.') ?? '').toBe(field);
  });
});
