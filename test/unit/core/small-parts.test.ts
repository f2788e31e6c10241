import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import {
  describeError,
  InvalidConfigError,
  InvalidEventError,
  InvalidInputError,
  OUTCOME_BY_FAIL_ERROR,
  outcomeOfFailError,
  PlanConstraintError,
  RemediationError,
  TaskFinishedDetailSchema,
  toStatisticsRows,
  WorkflowInputSchema,
} from '../../../src/core';
import { formatPath, toProblems } from '../../../src/core/zod-problems';

describe('errors', () => {
  // Built inside the test (not in the table) so that the constructors run as part of the test.
  it.each([
    [
      () => new InvalidEventError([{ path: 'a', message: 'm' }]),
      'InvalidEventError',
      'invalid audit event: a: m',
    ],
    [
      () => new InvalidConfigError([{ path: '', message: 'm' }]),
      'InvalidConfigError',
      'invalid remediation config: (root): m',
    ],
    [
      () =>
        new PlanConstraintError([
          { path: 'x', message: '1' },
          { path: 'y', message: '2' },
        ]),
      'PlanConstraintError',
      'planned request breaks an API constraint: x: 1; y: 2',
    ],
  ])('%#: an input error has its name, its problems and a message listing them', (build, name, message) => {
    const error = build();
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toBeInstanceOf(RemediationError);
    expect(error.name).toBe(name);
    expect(error.message).toBe(message);
  });

  it('errors keep their cause', () => {
    const cause = new Error('root');
    expect(new RemediationError('x', { cause }).cause).toBe(cause);
    expect(new RemediationError('x').name).toBe('RemediationError');
    expect(new InvalidInputError('w', [], { cause }).name).toBe('InvalidInputError');
    expect(new InvalidEventError([], { cause }).cause).toBe(cause);
  });

  it('describeError gives name, message and problems as log attributes', () => {
    const problems = [{ path: 'p', message: 'm' }];
    expect(describeError(new InvalidEventError(problems))).toEqual({
      name: 'InvalidEventError',
      message: 'invalid audit event: p: m',
      problems,
    });
    expect(describeError(new TypeError('t'))).toEqual({ name: 'TypeError', message: 't' });
    expect(describeError('plain')).toEqual({ message: 'plain' });
  });
});

describe('zod problems', () => {
  it('formats paths the way operators read JSON paths', () => {
    expect(formatPath(['a', 0, 'b', 12])).toBe('a[0].b[12]');
    expect(formatPath([0, 'x'])).toBe('[0].x');
    expect(formatPath(['x'], 'detail')).toBe('detail.x');
    expect(formatPath([], 'detail')).toBe('detail');
    expect(formatPath([])).toBe('');
  });

  it('names a missing member as required, an unknown key by its name, and keeps other messages', () => {
    const schema = z.object({ n: z.number(), inner: z.object({ s: z.string() }).strict() });
    const result = schema.safeParse({ inner: { s: 1, extra: 1, more: 2 } });
    if (result.success) throw new Error('expected a failure');
    expect(toProblems(result.error, 'detail')).toEqual([
      { path: 'detail.n', message: 'required (number)' },
      { path: 'detail.inner.s', message: 'Invalid input: expected string, received number' },
      { path: 'detail.inner.extra, more', message: 'unknown key' },
    ]);
  });
});

describe('task statistics', () => {
  it('reads either casing, sorts by check and counts what is missing or not a finite number as 0', () => {
    expect(
      toStatisticsRows({
        Z_CHECK: {
          TotalFindingsCount: 5,
          SucceededFindingsCount: 1,
          FailedFindingsCount: 2,
          SkippedFindingsCount: 1,
          CanceledFindingsCount: 1,
        },
        A_CHECK: {
          totalFindingsCount: 3,
          succeededFindingsCount: Number.POSITIVE_INFINITY,
          failedFindingsCount: '1',
        },
        NOT_STATS: 7,
        NULL_STATS: null,
      }),
    ).toEqual([
      { check: 'A_CHECK', total: 3, succeeded: 0, failed: 0, skipped: 0, canceled: 0 },
      { check: 'Z_CHECK', total: 5, succeeded: 1, failed: 2, skipped: 1, canceled: 1 },
    ]);
  });

  it('prefers the camelCase count when both casings are there', () => {
    expect(toStatisticsRows({ C: { totalFindingsCount: 2, TotalFindingsCount: 9 } })[0]?.total).toBe(2);
  });

  it.each([null, undefined, 'x', 3])('has no rows for %j', (value) => {
    expect(toStatisticsRows(value)).toEqual([]);
  });
});

describe('workflow input and outcome', () => {
  it('maps each Fail error of the state machine to its outcome, and nothing else', () => {
    for (const [error, outcome] of Object.entries(OUTCOME_BY_FAIL_ERROR))
      expect(outcomeOfFailError(error)).toBe(outcome);
    expect(outcomeOfFailError('States.Timeout')).toBeUndefined();
    expect(outcomeOfFailError('toString')).toBeUndefined();
    expect(outcomeOfFailError(undefined)).toBeUndefined();
  });

  const input = {
    taskId: 't'.repeat(80),
    auditTaskId: 'a'.repeat(40),
    deferredStart: false,
    startRequest: {
      TaskId: 't',
      Target: { AuditTaskId: 'a' },
      AuditCheckToActionsMapping: { C: ['x'] },
      ClientRequestToken: 'k',
    },
    pollDeadlineSeconds: 1,
  };

  it('accepts the longest ids and a deadline of 1 s', () => {
    expect(WorkflowInputSchema.safeParse(input).success).toBe(true);
  });

  it.each([
    ['taskId', { taskId: 't'.repeat(81) }],
    ['taskId', { taskId: '' }],
    ['auditTaskId', { auditTaskId: 'a'.repeat(41) }],
    ['auditTaskId', { auditTaskId: '' }],
    ['pollDeadlineSeconds', { pollDeadlineSeconds: 0 }],
    ['pollDeadlineSeconds', { pollDeadlineSeconds: 1.5 }],
  ])('refuses a bad %s', (field, change) => {
    const result = WorkflowInputSchema.safeParse({ ...input, ...change });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual([field]);
  });

  it('reads a task-finished detail with nulls, and refuses negative polls and empty ids', () => {
    expect(
      TaskFinishedDetailSchema.safeParse({
        taskId: 't',
        auditTaskId: 'a',
        outcome: 'CANCELED',
        taskStatus: null,
        taskStatistics: null,
        polls: 0,
      }).success,
    ).toBe(true);
    for (const change of [{ polls: -1 }, { taskId: '' }, { auditTaskId: '' }, { outcome: 'OK' }]) {
      expect(
        TaskFinishedDetailSchema.safeParse({ taskId: 't', auditTaskId: 'a', outcome: 'FAILED', ...change })
          .success,
      ).toBe(false);
    }
  });
});

describe('task statistics order', () => {
  it.each([
    [['B', 'A', 'C']],
    [['C', 'B', 'A']],
    [['A', 'C', 'B']],
    [['D', 'A', 'C', 'B']],
  ])('sorts the rows by check whatever the order of %j', (order) => {
    const rows = toStatisticsRows(Object.fromEntries(order.map((check) => [check, {}])));
    expect(rows.map((r) => r.check)).toEqual([...order].sort());
  });
});
