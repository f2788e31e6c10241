import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import type { WorkflowInput } from '../../../src/core/workflow-input';
import { VirtualClock } from '../../../src/local/clock';
import type { JsonValue, TaskResourceHandler } from '../../../src/local/step-functions/workflow-runner';
import { workflowFunctionArn } from '../../../src/local/step-functions/workflow-substitutions';
import { VERIFICATION_NOT_REACHED } from './verification-not-reached';
import {
  CALLBACK,
  DESCRIBE,
  INVOKE,
  PUT_EVENTS,
  runTestWorkflow,
  START,
  START_EXECUTION,
  stopTestWorkflows,
} from './workflow-fixture';

// WaitForSlot and ReleaseSlot of statemachine/mitigation-workflow.asl.json on the local interpreter:
// the dispatcher is a local handler, its SendTaskSuccess / SendTaskFailure a promise the test settles.

const DISPATCHER_ARN = workflowFunctionArn('dispatcher');
const APPROVAL_ARN = workflowFunctionArn('request-approval');
const WRITE_REPORT_ARN = workflowFunctionArn('write-report');
const TASK_ID = 'remediate-audit1-auto';

function queuedInput(overrides: Partial<WorkflowInput> = {}): WorkflowInput {
  return {
    taskId: TASK_ID,
    auditTaskId: 'audit1',
    deferredStart: true,
    startRequest: {
      TaskId: TASK_ID,
      Target: { AuditTaskId: 'audit1' },
      AuditCheckToActionsMapping: { DEVICE_CERTIFICATE_SHARED_CHECK: ['Publish'] },
      ClientRequestToken: 'token-auto',
    },
    pollDeadlineSeconds: 3600,
    skipped: [],
    follow: 1,
    policy: 'auto',
    protectedCount: 0,
    decision: null,
    queue: { priority: 42 },
    ...overrides,
  };
}

/** A successor's queued input whose poll count reached the continuation point (1,000 polls). */
function atContinuation(overrides: Partial<WorkflowInput> = {}): WorkflowInput {
  return queuedInput({
    deferredStart: false,
    follow: 2,
    pollDeadlineSeconds: 86_400,
    poll: {
      schedule: [15, 60],
      lastIndex: 1,
      index: 1,
      wait: 60,
      elapsed: 600,
      count: 1000,
      continueAt: 1000,
    },
    task: { status: 'IN_PROGRESS', statistics: {} },
    ...overrides,
  });
}

/** How the dispatcher answers the workflow's slot request. */
type SlotAnswer = { kind: 'grant'; afterSeconds: number } | { kind: 'refuse' };

afterEach(stopTestWorkflows);

async function run(answer: SlotAnswer, taskStatus = 'COMPLETED', input = queuedInput()) {
  const clock = new VirtualClock();
  const enqueued: { payload: JsonValue; token: string | undefined }[] = [];
  const released: JsonValue[] = [];
  let startCalls = 0;
  let written = 0;
  const successors: JsonValue[] = [];
  const handlers: Record<string, TaskResourceHandler> = {
    // The verification audit's resources: these inputs have no `verify` (INVOKE is replaced below).
    ...VERIFICATION_NOT_REACHED,
    [CALLBACK]: (parameters, call) => {
      const params = z.object({ FunctionName: z.string(), Payload: z.json() }).parse(parameters);
      if (params.FunctionName === APPROVAL_ARN) {
        call.submitted({ StatusCode: 200 });
        return call.idle(
          clock.sleep(60_000).then(() => ({
            decision: 'APPROVED',
            decidedBy: 'arn:aws:iam::123456789012:user/alice',
            decidedAt: '2026-01-01T00:01:00.000Z',
            via: 'cli',
          })),
        );
      }
      expect(params.FunctionName).toBe(DISPATCHER_ARN);
      enqueued.push({ payload: params.Payload, token: call.token });
      call.submitted({ StatusCode: 200 });
      if (answer.kind === 'refuse') {
        const error = new Error('InvalidRequestException: no such action');
        error.name = 'StartRefused';
        return call.idle(Promise.reject(error));
      }
      return call.idle(
        clock.sleep(answer.afterSeconds * 1000).then(() => ({ taskId: TASK_ID, start: 'started' })),
      );
    },
    [INVOKE]: (parameters): JsonValue => {
      const params = z.object({ FunctionName: z.string(), Payload: z.json() }).parse(parameters);
      // WriteReport, once the task ended (before the finished event): a pointer to the report.
      if (params.FunctionName === WRITE_REPORT_ARN) {
        written += 1;
        return {
          StatusCode: 200,
          Payload: {
            bucket: 'reports',
            key: `reports/${TASK_ID}/findings.jsonl`,
            summaryKey: `reports/${TASK_ID}/summary.json`,
            rows: 1,
            failed: 0,
            partial: false,
            errorCodes: {},
          },
        };
      }
      expect(params.FunctionName).toBe(DISPATCHER_ARN);
      released.push(params.Payload);
      return { StatusCode: 200, Payload: { dispatched: true } };
    },
    [START]: () => {
      startCalls += 1;
      return { TaskId: TASK_ID };
    },
    [DESCRIBE]: () => ({ TaskStatus: taskStatus, TaskStatistics: {} }),
    [PUT_EVENTS]: () => ({ Entries: [{ EventId: 'e1' }], FailedEntryCount: 0 }),
    [START_EXECUTION]: (parameters) => {
      successors.push(parameters);
      return { ExecutionArn: 'arn:child', StartDate: '2026-01-01T00:00:00.000Z' };
    },
  };
  const started = clock.now();
  const execution = runTestWorkflow({
    input: input,
    handlers,
    clock,
    name: TASK_ID,
  });
  const result = await execution.result;
  return {
    result,
    execution,
    enqueued,
    released,
    successors,
    startCalls,
    written,
    elapsedSeconds: (clock.now() - started) / 1000,
  };
}

describe('the dispatcher states of the workflow', () => {
  it('waits for its slot with the callback (no Start of its own), polls once granted, then releases the slot once', async () => {
    // Act: the dispatcher grants the slot 40 minutes later.
    const { result, execution, enqueued, released, startCalls, written, elapsedSeconds } = await run({
      kind: 'grant',
      afterSeconds: 2400,
    });

    // Assess
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { outcome: 'COMPLETED' } });
    expect(startCalls).toBe(0);
    expect(execution.statesEntered.slice(0, 4)).toEqual([
      'ChooseStart',
      'ChooseStartPath',
      'WaitForSlot',
      'InitPolling',
    ]);
    expect(enqueued).toEqual([
      {
        token: expect.any(String),
        payload: {
          action: 'enqueue',
          taskToken: enqueued[0]?.token,
          executionName: TASK_ID,
          taskId: TASK_ID,
          priority: 42,
          startRequest: queuedInput().startRequest,
        },
      },
    ]);
    // Waiting costs no transition: only the grant, then one poll 15 s later.
    expect(elapsedSeconds).toBe(2400 + 15);
    expect(released).toEqual([{ action: 'release', taskId: TASK_ID }]);
    // The slot is released once the report is written and the finished event put, before the
    // verification audit and the retry of failed findings (minutes, no IoT slot held).
    expect(written).toBe(1);
    expect(execution.statesEntered.slice(-7)).toEqual([
      'WriteReport',
      'PutFinishedEvent',
      'ChooseVerification',
      'ReleaseSlot',
      'ChooseVerification',
      'RouteOutcome',
      'Completed',
    ]);
  });

  it.each([
    ['FAILED', 'MitigationTaskFailed'],
    ['CANCELED', 'MitigationTaskCanceled'],
  ])('releases the slot of a task that ended %s too', async (taskStatus, error) => {
    const { result, released } = await run({ kind: 'grant', afterSeconds: 1 }, taskStatus);
    expect(result).toMatchObject({ status: 'FAILED', error });
    expect(released).toEqual([{ action: 'release', taskId: TASK_ID }]);
  });

  it('a start IoT refused for good (SendTaskFailure StartRefused) is START_FAILED, and frees the entry', async () => {
    const { result, released, startCalls } = await run({ kind: 'refuse' });
    expect(result).toMatchObject({ status: 'FAILED', error: 'StartFailed' });
    expect(startCalls).toBe(0);
    expect(released).toEqual([{ action: 'release', taskId: TASK_ID }]);
  });

  it('an approved task waits for its slot after the decision', async () => {
    const { execution, enqueued, result } = await run(
      { kind: 'grant', afterSeconds: 5 },
      'COMPLETED',
      queuedInput({
        policy: 'approve',
        approval: {
          timeoutSeconds: 3600,
          policy: 'approve',
          protectedCount: 0,
          checks: [
            {
              check: 'DEVICE_CERTIFICATE_SHARED_CHECK',
              actions: ['Publish'],
              resourceCount: 1,
              resources: [],
            },
          ],
        },
      }),
    );
    expect(result).toMatchObject({ status: 'SUCCEEDED' });
    expect(execution.statesEntered.slice(0, 5)).toEqual([
      'ChooseStart',
      'RequestApproval',
      'CheckDecision',
      'ChooseStartPath',
      'WaitForSlot',
    ]);
    expect(enqueued).toHaveLength(1);
  });

  it('a long follow hands `queue` to its successor and releases nothing itself: the last execution releases the slot', async () => {
    // Prepare: a successor's input whose poll count reached the continuation point.
    const input = atContinuation();
    // Act
    const { result, released, successors, enqueued } = await run(
      { kind: 'grant', afterSeconds: 1 },
      'IN_PROGRESS',
      input,
    );
    // Assess
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { continuedAs: `${TASK_ID}__3` } });
    expect(enqueued).toEqual([]);
    expect(released).toEqual([]);
    expect(successors).toEqual([
      expect.objectContaining({
        Name: `${TASK_ID}__3`,
        // No `verify` in this input: not verified (DefaultVerify), and the successor says so.
        Input: expect.objectContaining({
          follow: 3,
          queue: { priority: 42 },
          deferredStart: false,
          verify: false,
        }),
      }),
    ]);
  });

  it('a long follow of a task to verify hands its successor both `queue` and `verify`', async () => {
    // Prepare: as above, with verification on.
    const input = atContinuation({ verify: true });
    // Act
    const { result, released, successors } = await run(
      { kind: 'grant', afterSeconds: 1 },
      'IN_PROGRESS',
      input,
    );
    // Assess
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { continuedAs: `${TASK_ID}__3` } });
    expect(released).toEqual([]);
    expect(successors).toEqual([
      expect.objectContaining({
        Input: expect.objectContaining({ follow: 3, queue: { priority: 42 }, verify: true }),
      }),
    ]);
  });
});
