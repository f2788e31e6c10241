import { describe, expect, it } from 'vitest';
import { createRecordOutcome, type OutcomeMetrics } from '../../../src/app/record-outcome';
import { InvalidEventError } from '../../../src/core';

function recorder() {
  const counts: string[] = [];
  const metrics: OutcomeMetrics = {
    count: (name, value) => counts.push(`${name}=${value}`),
    countForCheck: (name, check, value) => counts.push(`${name}[${check}]=${value}`),
  };
  const logged: unknown[] = [];
  const logger = {
    info: (...args: unknown[]) => logged.push(args),
    warn: () => undefined,
    error: () => undefined,
    appendKeys: () => undefined,
  };
  // Every event is new to this ledger: test/unit/app/record-outcome-once.test.ts covers duplicates.
  const ledger = { claim: async () => true };
  return { counts, logged, record: createRecordOutcome({ logger, metrics, ledger }) };
}

describe('record-outcome', () => {
  it('publishes the findings of every check of a finished task', async () => {
    // Prepare
    const { counts, record } = recorder();
    const detail = {
      taskId: 'remediate-a-1',
      auditTaskId: 'a',
      outcome: 'FAILED',
      taskStatus: 'FAILED',
      taskStatistics: {
        LOGGING_DISABLED_CHECK: { TotalFindingsCount: 3, SucceededFindingsCount: 2, FailedFindingsCount: 1 },
      },
      polls: 4,
    };

    // Act
    const result = await record({ 'detail-type': 'Audit Mitigation Task Finished', detail });

    // Assess
    expect(result).toEqual({ outcome: 'FAILED', checks: 1, recorded: true });
    expect(counts).toEqual([
      'TasksFinished=1',
      'TasksFailed=1',
      'FindingsSucceeded[LOGGING_DISABLED_CHECK]=2',
      'FindingsFailed[LOGGING_DISABLED_CHECK]=1',
      'FindingsSkipped[LOGGING_DISABLED_CHECK]=0',
      'FindingsCanceled[LOGGING_DISABLED_CHECK]=0',
    ]);
  });

  it('reports a start failure, which has no statistics', async () => {
    const { counts, record } = recorder();
    await record({
      detail: { taskId: 't', auditTaskId: 'a', outcome: 'START_FAILED', taskStatistics: null },
    });
    expect(counts).toEqual(['TasksFinished=1', 'TasksFailed=1']);
  });

  it('reports a workflow that could no longer describe its task', async () => {
    const { counts, record } = recorder();
    const result = await record({
      detail: {
        taskId: 't',
        auditTaskId: 'a',
        outcome: 'POLL_FAILED',
        taskStatus: null,
        taskStatistics: null,
      },
    });
    expect(result).toEqual({ outcome: 'POLL_FAILED', checks: 0, recorded: true });
    expect(counts).toEqual(['TasksFinished=1', 'TasksFailed=1']);
  });

  it('refuses an event that is not a task-finished event, naming the field', async () => {
    const { record } = recorder();
    await expect(record({ detail: { taskId: 't', outcome: 'DONE' } })).rejects.toThrow(InvalidEventError);
    await expect(record({ detail: { taskId: 't', outcome: 'DONE' } })).rejects.toThrow(/detail\.auditTaskId/);
  });
});
