import { describe, expect, it } from 'vitest';
import { followTask } from '../../../src/app/follow-task';
import type { WorkflowApi } from '../../../src/app/ports';
import type { ExecutionState, WorkflowInput } from '../../../src/core';

const TASK_ID = 'remediate-audit1-0123456789ab';
const input: WorkflowInput = {
  taskId: TASK_ID,
  auditTaskId: 'audit1',
  deferredStart: false,
  startRequest: {
    TaskId: TASK_ID,
    Target: { AuditTaskId: 'audit1' },
    AuditCheckToActionsMapping: { DEVICE_CERTIFICATE_SHARED_CHECK: ['QuarantineThings'] },
    ClientRequestToken: 'token',
  },
  pollDeadlineSeconds: 600,
  follow: 1,
  skipped: [],
};

/** Step Functions as far as names go: existing executions by name; a new name starts one. */
function fakeWorkflows(existing: Record<string, ExecutionState>) {
  const executions = new Map(Object.entries(existing));
  const started: Array<{ name: string; follow: number }> = [];
  const api: WorkflowApi = {
    async startExecution(name, startInput) {
      if (executions.has(name)) return 'already-exists';
      executions.set(name, { status: 'RUNNING' });
      started.push({ name, follow: startInput.follow });
      return 'started';
    },
    async describeExecution(name) {
      const execution = executions.get(name);
      if (!execution) throw new Error(`ExecutionDoesNotExist: ${name}`);
      return execution;
    },
  };
  return { api, started };
}

describe('followTask', () => {
  it('starts follow 1 under the task id when no execution exists', async () => {
    // Prepare
    const { api, started } = fakeWorkflows({});
    // Act
    const result = await followTask(api, input);
    // Assess
    expect(result).toEqual({ status: 'started', executionName: TASK_ID, follow: 1 });
    expect(started).toEqual([{ name: TASK_ID, follow: 1 }]);
  });

  it.each([
    'StartFailed',
    'PollFailed',
    'PollDeadlineExceeded',
  ])('after an execution that failed %s, starts the next follow number', async (error) => {
    // Prepare
    const { api, started } = fakeWorkflows({ [TASK_ID]: { status: 'FAILED', error } });
    // Act
    const result = await followTask(api, input);
    // Assess
    expect(result).toEqual({ status: 'started', executionName: `${TASK_ID}__2`, follow: 2 });
    expect(started).toEqual([{ name: `${TASK_ID}__2`, follow: 2 }]);
  });

  it('walks a chain (continued, timed out) to the running execution and starts nothing', async () => {
    // Prepare
    const { api, started } = fakeWorkflows({
      [TASK_ID]: {
        status: 'SUCCEEDED',
        output: JSON.stringify({ continuedAs: `${TASK_ID}__2`, taskId: TASK_ID }),
      },
      [`${TASK_ID}__2`]: { status: 'TIMED_OUT' },
      [`${TASK_ID}__3`]: { status: 'RUNNING' },
    });
    // Act
    const result = await followTask(api, input);
    // Assess
    expect(result).toEqual({ status: 'under-way', executionName: `${TASK_ID}__3`, follow: 3 });
    expect(started).toEqual([]);
  });

  it('stops at an execution that reported the outcome (CANCELED) and starts nothing', async () => {
    // Prepare
    const { api, started } = fakeWorkflows({
      [TASK_ID]: { status: 'ABORTED' },
      [`${TASK_ID}__2`]: { status: 'FAILED', error: 'MitigationTaskCanceled' },
    });
    // Act
    const result = await followTask(api, input);
    // Assess
    expect(result).toEqual({
      status: 'reported',
      executionName: `${TASK_ID}__2`,
      follow: 2,
      outcome: 'CANCELED',
    });
    expect(started).toEqual([]);
  });

  it('gives concurrent callers the same answer: one starts follow 2, the other finds it running', async () => {
    // Prepare
    const { api, started } = fakeWorkflows({ [TASK_ID]: { status: 'FAILED', error: 'StartFailed' } });
    // Act
    const results = await Promise.all([followTask(api, input), followTask(api, input)]);
    // Assess
    expect(results.map((r) => r.executionName)).toEqual([`${TASK_ID}__2`, `${TASK_ID}__2`]);
    expect(results.map((r) => r.status).sort()).toEqual(['started', 'under-way']);
    expect(started).toHaveLength(1);
  });
});
