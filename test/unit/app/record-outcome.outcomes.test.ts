import { describe, expect, it } from 'vitest';
import { createRecordOutcome, type OutcomeMetrics } from '../../../src/app/record-outcome';
import { FINAL_TASK_OUTCOMES, InvalidEventError, WORKFLOW_OUTCOMES } from '../../../src/core';

// Every outcome the state machine reports, recorded: only COMPLETED is not a failed task.

function recorder() {
  const counts: string[] = [];
  const metrics: OutcomeMetrics = {
    count: (name, value) => counts.push(`${name}=${value}`),
    countForCheck: (name, check, value) => counts.push(`${name}[${check}]=${value}`),
  };
  const logged: unknown[][] = [];
  const keys: Record<string, unknown>[] = [];
  const logger = {
    info: (...args: unknown[]) => logged.push(args),
    warn: () => undefined,
    error: () => undefined,
    appendKeys: (k: Record<string, unknown>) => keys.push(k),
  };
  // Every event is seen for the first time here (duplicates: record-outcome-once.test.ts).
  const claimed: string[] = [];
  const ledger = {
    claim: async (eventId: string) => {
      claimed.push(eventId);
      return true;
    },
  };
  return { counts, logged, keys, claimed, record: createRecordOutcome({ logger, metrics, ledger }) };
}

const statistics = {
  LOGGING_DISABLED_CHECK: {
    TotalFindingsCount: 10,
    SucceededFindingsCount: 4,
    FailedFindingsCount: 3,
    SkippedFindingsCount: 2,
    CanceledFindingsCount: 1,
  },
};

describe('record-outcome for every outcome', () => {
  it.each(
    WORKFLOW_OUTCOMES,
  )('%s: counts the task, as failed unless COMPLETED, and every finding count of a final outcome', async (outcome) => {
    // Prepare
    const { counts, logged, keys, claimed, record } = recorder();

    // Act
    const result = await record({
      detail: {
        taskId: 'remediate-a-1',
        auditTaskId: 'a',
        outcome,
        taskStatus: 'X',
        taskStatistics: statistics,
        polls: 7,
      },
    });

    // Assess
    expect(result).toEqual({ outcome, checks: 1, recorded: true });
    // The event is claimed under its id (the taskId when the detail carries no eventId).
    expect(claimed).toEqual(['remediate-a-1']);
    // Only a task that ended (COMPLETED, FAILED, CANCELED) has final statistics: a task past its
    // deadline or no longer polled is still running, and is reported again when it ends.
    const final = ['COMPLETED', 'FAILED', 'CANCELED'].includes(outcome);
    expect(FINAL_TASK_OUTCOMES.includes(outcome)).toBe(final);
    const own: Record<string, string> = {
      COMPLETED: '',
      REJECTED: 'TasksRejected=1',
      APPROVAL_EXPIRED: 'ApprovalsExpired=1',
    };
    expect(counts).toEqual([
      'TasksFinished=1',
      ...(own[outcome] === undefined ? ['TasksFailed=1'] : own[outcome] === '' ? [] : [own[outcome]]),
      ...(final
        ? [
            'FindingsSucceeded[LOGGING_DISABLED_CHECK]=4',
            'FindingsFailed[LOGGING_DISABLED_CHECK]=3',
            'FindingsSkipped[LOGGING_DISABLED_CHECK]=2',
            'FindingsCanceled[LOGGING_DISABLED_CHECK]=1',
          ]
        : []),
    ]);
    expect(keys).toEqual([{ auditTaskId: 'a', mitigationTaskId: 'remediate-a-1' }]);
    expect(logged).toEqual([
      [
        'Mitigation task finished',
        {
          eventId: 'remediate-a-1',
          outcome,
          polls: 7,
          statistics: [
            { check: 'LOGGING_DISABLED_CHECK', total: 10, succeeded: 4, failed: 3, skipped: 2, canceled: 1 },
          ],
        },
      ],
    ]);
  });

  it.each([
    ['REJECTED', 'TasksRejected'],
    ['APPROVAL_EXPIRED', 'ApprovalsExpired'],
  ])('%s is counted as %s, not as a failed task', async (outcome, counter) => {
    // Prepare
    const { counts, record } = recorder();

    // Act
    await record({
      detail: { taskId: 't', auditTaskId: 'a', outcome, taskStatus: null, taskStatistics: null, polls: 0 },
    });

    // Assess
    expect(counts).toEqual(['TasksFinished=1', `${counter}=1`]);
  });

  it('counts an approved task and logs who decided, the policy and the protected count', async () => {
    // Prepare
    const { counts, logged, record } = recorder();
    const decision = {
      decision: 'APPROVED',
      decidedBy: 'arn:aws:iam::123456789012:user/alice',
      reason: 'change ticket 42',
      decidedAt: '2026-01-01T00:00:00.000Z',
      via: 'cli',
    };

    // Act
    await record({
      detail: {
        taskId: 't',
        auditTaskId: 'a',
        outcome: 'COMPLETED',
        taskStatistics: statistics,
        policy: 'approve',
        protectedCount: 2,
        decision,
      },
    });

    // Assess
    expect(counts.slice(0, 2)).toEqual(['TasksFinished=1', 'TasksApproved=1']);
    expect(logged[0]?.[1]).toMatchObject({ policy: 'approve', protectedCount: 2, decision });
  });

  it('records a decision of another shape (an answer from outside the CLI) rather than lose the event', async () => {
    // Prepare
    const { counts, record } = recorder();

    // Act
    const result = await record({
      detail: { taskId: 't', auditTaskId: 'a', outcome: 'REJECTED', decision: { decision: 'REJECTED' } },
    });

    // Assess
    expect(result).toEqual({ outcome: 'REJECTED', checks: 0, recorded: true });
    expect(counts).toEqual(['TasksFinished=1', 'TasksRejected=1']);
  });

  it('COMPLETED never counts TasksFailed, even with failed findings', async () => {
    const { counts, record } = recorder();
    await record({
      detail: { taskId: 't', auditTaskId: 'a', outcome: 'COMPLETED', taskStatistics: statistics },
    });
    expect(counts.filter((c) => c.startsWith('TasksFailed'))).toEqual([]);
  });

  it('reads camelCase statistics as the SDK answers them, and counts a missing count as 0', async () => {
    const { counts, record } = recorder();
    await record({
      detail: {
        taskId: 't',
        auditTaskId: 'a',
        outcome: 'COMPLETED',
        taskStatistics: { B_CHECK: { succeededFindingsCount: 2, failedFindingsCount: 'x' }, A_CHECK: {} },
      },
    });
    expect(counts).toEqual([
      'TasksFinished=1',
      'FindingsSucceeded[A_CHECK]=0',
      'FindingsFailed[A_CHECK]=0',
      'FindingsSkipped[A_CHECK]=0',
      'FindingsCanceled[A_CHECK]=0',
      'FindingsSucceeded[B_CHECK]=2',
      'FindingsFailed[B_CHECK]=0',
      'FindingsSkipped[B_CHECK]=0',
      'FindingsCanceled[B_CHECK]=0',
    ]);
  });

  it.each([
    ['an unknown outcome', { taskId: 't', auditTaskId: 'a', outcome: 'DONE' }, 'detail.outcome'],
    ['an empty taskId', { taskId: '', auditTaskId: 'a', outcome: 'FAILED' }, 'detail.taskId'],
    ['negative polls', { taskId: 't', auditTaskId: 'a', outcome: 'FAILED', polls: -1 }, 'detail.polls'],
  ])('refuses %s, naming the field, and records nothing', async (_name, detail, path) => {
    const { counts, record } = recorder();
    const error = await record({ detail }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidEventError);
    expect((error as InvalidEventError).problems.map((p) => p.path)).toEqual([path]);
    expect(counts).toEqual([]);
  });
});
