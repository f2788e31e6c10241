import { describe, expect, it } from 'vitest';
import { createRecordOutcome, type OutcomeMetrics } from '../../../src/app/record-outcome';

/** record-outcome counts each finished event once, and only final statistics per check. */

function recorder() {
  const counts: string[] = [];
  const metrics: OutcomeMetrics = {
    count: (name, value) => counts.push(`${name}=${value}`),
    countForCheck: (name, check, value) => counts.push(`${name}[${check}]=${value}`),
  };
  const messages: { message: string; attributes: unknown[] }[] = [];
  const logger = {
    info: (message: string, ...attributes: unknown[]) => messages.push({ message, attributes }),
    warn: () => undefined,
    error: () => undefined,
    appendKeys: () => undefined,
  };
  const claimed = new Set<string>();
  const claims: string[] = [];
  const ledger = {
    async claim(eventId: string) {
      claims.push(eventId);
      if (claimed.has(eventId)) return false;
      claimed.add(eventId);
      return true;
    },
  };
  return { counts, messages, claims, record: createRecordOutcome({ logger, metrics, ledger }) };
}

const finished = (detail: Record<string, unknown>) => ({
  'detail-type': 'Audit Mitigation Task Finished',
  detail: {
    taskId: 'remediate-a-1',
    auditTaskId: 'a',
    outcome: 'COMPLETED',
    taskStatus: 'COMPLETED',
    taskStatistics: { LOGGING_DISABLED_CHECK: { TotalFindingsCount: 2, SucceededFindingsCount: 2 } },
    polls: 3,
    ...detail,
  },
});

describe('record-outcome, once per finished event', () => {
  it('publishes no metric for a finished event it has recorded already', async () => {
    // Prepare
    const { counts, messages, record } = recorder();
    const event = finished({ eventId: 'remediate-a-1' });
    await record(event);
    const afterFirst = [...counts];

    // Act: the same event again (a PutEvents the state machine retried after a timeout)
    const second = await record(event);

    // Assess
    expect(afterFirst).toContain('TasksFinished=1');
    expect(counts).toEqual(afterFirst);
    expect(second).toEqual({ outcome: 'COMPLETED', checks: 1, recorded: false });
    expect(messages.at(-1)).toEqual({
      message: 'Duplicate finished event ignored',
      attributes: [{ eventId: 'remediate-a-1' }],
    });
  });

  it('claims the detail eventId, and the task id for events of older executions that have none', async () => {
    const { claims, record } = recorder();
    await record(finished({ eventId: 'remediate-a-1-attempt-2' }));
    await record(finished({}));
    expect(claims).toEqual(['remediate-a-1-attempt-2', 'remediate-a-1']);
  });

  it('records two different events of the same task id (two executions) twice', async () => {
    const { counts, record } = recorder();
    await record(finished({ eventId: 'execution-1' }));
    await record(finished({ eventId: 'execution-2' }));
    expect(counts.filter((c) => c === 'TasksFinished=1')).toHaveLength(2);
  });

  it.each([
    'COMPLETED',
    'FAILED',
    'CANCELED',
  ])('publishes per-check findings of a final %s task', async (status) => {
    const { counts, record } = recorder();
    await record(finished({ eventId: 'e', outcome: status, taskStatus: status }));
    expect(counts).toContain('FindingsSucceeded[LOGGING_DISABLED_CHECK]=2');
  });

  it('publishes no per-check findings for a deadline outcome: its statistics are partial', async () => {
    // Prepare
    const { counts, record } = recorder();

    // Act
    const result = await record(
      finished({ eventId: 'e', outcome: 'DEADLINE_EXCEEDED', taskStatus: 'IN_PROGRESS' }),
    );

    // Assess
    expect(result).toEqual({ outcome: 'DEADLINE_EXCEEDED', checks: 1, recorded: true });
    expect(counts).toEqual(['TasksFinished=1', 'TasksFailed=1']);
  });
});
