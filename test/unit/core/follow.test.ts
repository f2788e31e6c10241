import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  executionNameFor,
  FollowNameError,
  judgeExistingExecution,
  parseExecutionName,
  successorOf,
  WorkflowInputSchema,
} from '../../../src/core';

const TASK_ID = 'remediate-a3aea009955e501a31b764abe1bebd3d-0e186de24fe8';
/** Task ids as withDerivedIds makes them: prefix, audit task id (1-40 of [a-zA-Z0-9-]), 12 hex. */
const taskIds = fc
  .tuple(fc.stringMatching(/^[a-zA-Z0-9-]{1,40}$/), fc.stringMatching(/^[0-9a-f]{12}$/))
  .map(([audit, hash]) => `remediate-${audit}-${hash}`);

describe('executionNameFor / parseExecutionName', () => {
  it('names follow 1 after the task itself and later follows <taskId>__<n>', () => {
    // Act + Assess
    expect(executionNameFor(TASK_ID, 1)).toBe(TASK_ID);
    expect(executionNameFor(TASK_ID, 2)).toBe(`${TASK_ID}__2`);
    expect(executionNameFor(TASK_ID, 17)).toBe(`${TASK_ID}__17`);
  });

  it('is deterministic, a valid execution name and parses back to (taskId, n)', () => {
    fc.assert(
      fc.property(taskIds, fc.integer({ min: 1, max: 10_000_000 }), (taskId, follow) => {
        const name = executionNameFor(taskId, follow);
        expect(executionNameFor(taskId, follow)).toBe(name);
        expect(name).toMatch(/^[a-zA-Z0-9_-]{1,80}$/);
        expect(parseExecutionName(name)).toEqual({ taskId, follow });
      }),
    );
  });

  it('gives distinct names to distinct follows of a task', () => {
    fc.assert(
      fc.property(
        taskIds,
        fc.uniqueArray(fc.integer({ min: 1, max: 1000 }), { minLength: 2 }),
        (taskId, follows) => {
          const names = follows.map((n) => executionNameFor(taskId, n));
          expect(new Set(names).size).toBe(follows.length);
        },
      ),
    );
  });

  it.each([
    [TASK_ID, 0, 'follow number must be a positive integer, got 0'],
    [TASK_ID, 1.5, 'follow number must be a positive integer, got 1.5'],
    ['a__b', 2, "task id 'a__b' must be non-empty and must not contain '__'"],
    ['', 1, "task id '' must be non-empty and must not contain '__'"],
    ['x'.repeat(79), 2, `execution name '${'x'.repeat(79)}__2' is longer than 80 characters`],
  ])('refuses task id %j with follow %d', (taskId, follow, message) => {
    // Act + Assess
    expect(() => executionNameFor(taskId, follow)).toThrow(new FollowNameError(message));
  });
});

describe('judgeExistingExecution', () => {
  it.each([
    [{ status: 'RUNNING' }, { kind: 'under-way' }],
    [{ status: 'PENDING_REDRIVE' }, { kind: 'under-way' }],
    [
      { status: 'SUCCEEDED', output: '{"taskId":"t","outcome":"COMPLETED"}' },
      { kind: 'reported', outcome: 'COMPLETED' },
    ],
    [
      { status: 'SUCCEEDED', output: `{"continuedAs":"${TASK_ID}__3","taskId":"${TASK_ID}"}` },
      { kind: 'next' },
    ],
    [
      { status: 'FAILED', error: 'MitigationTaskFailed' },
      { kind: 'reported', outcome: 'FAILED' },
    ],
    [
      { status: 'FAILED', error: 'MitigationTaskCanceled' },
      { kind: 'reported', outcome: 'CANCELED' },
    ],
    [
      { status: 'FAILED', error: 'ApprovalRejected' },
      { kind: 'reported', outcome: 'REJECTED' },
    ],
    [
      { status: 'FAILED', error: 'ApprovalExpired' },
      { kind: 'reported', outcome: 'APPROVAL_EXPIRED' },
    ],
    [{ status: 'FAILED', error: 'StartFailed' }, { kind: 'next' }],
    [{ status: 'FAILED', error: 'PollFailed' }, { kind: 'next' }],
    [{ status: 'FAILED', error: 'PollDeadlineExceeded' }, { kind: 'next' }],
    [{ status: 'FAILED', error: 'States.Runtime' }, { kind: 'next' }],
    [{ status: 'FAILED' }, { kind: 'next' }],
    [{ status: 'TIMED_OUT' }, { kind: 'next' }],
    [{ status: 'ABORTED', error: 'MitigationTaskFailed' }, { kind: 'next' }],
  ])('%j -> %j', (execution, verdict) => {
    // Act + Assess
    expect(judgeExistingExecution(execution)).toEqual(verdict);
  });

  it('reads no successor from output that is not JSON or names none', () => {
    // Act + Assess
    expect(successorOf('not json')).toBeUndefined();
    expect(successorOf(undefined)).toBeUndefined();
    expect(successorOf('{"continuedAs":""}')).toBeUndefined();
  });
});

describe('WorkflowInputSchema follow', () => {
  it('reads the input of an execution started before follow numbers existed as follow 1', () => {
    // Prepare
    const before = {
      taskId: TASK_ID,
      auditTaskId: 'a3aea009955e501a31b764abe1bebd3d',
      deferredStart: false,
      startRequest: {
        TaskId: TASK_ID,
        Target: { AuditTaskId: 'a3aea009955e501a31b764abe1bebd3d' },
        AuditCheckToActionsMapping: { LOGGING_DISABLED_CHECK: ['EnableIoTLogging'] },
        ClientRequestToken: 'token',
      },
      pollDeadlineSeconds: 21600,
    };

    // Act + Assess
    expect(WorkflowInputSchema.parse(before).follow).toBe(1);
  });
});
