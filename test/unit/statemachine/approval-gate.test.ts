import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import type { ApprovalDecision, WorkflowInput } from '../../../src/core/workflow-input';
import { VirtualClock } from '../../../src/local/clock';
import type { JsonValue, TaskResourceHandler } from '../../../src/local/step-functions/workflow-runner';
import { workflowFunctionArn } from '../../../src/local/step-functions/workflow-substitutions';
import { VERIFICATION_NOT_REACHED } from './verification-not-reached';
import {
  DESCRIBE,
  PUT_EVENTS,
  runTestWorkflow,
  START,
  START_EXECUTION,
  stopTestWorkflows,
} from './workflow-fixture';

// The approval gate of statemachine/mitigation-workflow.asl.json on the local interpreter: the
// request-approval function is a local handler, the decision a promise the test settles (as
// SendTaskSuccess / SendTaskFailure settle the callback on the local API).

const FUNCTION_ARN = workflowFunctionArn('request-approval');
const REQUEST_APPROVAL = 'arn:aws:states:::lambda:invoke.waitForTaskToken';
/** WriteReport, and ReleaseSlot, which only inputs with `queue` reach (test/unit/statemachine/dispatch.test.ts). */
const WRITE_REPORT = 'arn:aws:states:::lambda:invoke';
/** What write-report answers once a started task has ended. */
const REPORT_POINTER = {
  bucket: 'reports',
  key: 'reports/t/findings.jsonl',
  summaryKey: 'reports/t/summary.json',
  rows: 1,
  failed: 0,
  partial: false,
  errorCodes: {},
};
const TASK_ID = 'remediate-audit1-approve';
const TIMEOUT_SECONDS = 3600;
const STATISTICS = {
  DEVICE_CERTIFICATE_SHARED_CHECK: { TotalFindingsCount: 2, SucceededFindingsCount: 2 },
};
const APPROVAL = {
  timeoutSeconds: TIMEOUT_SECONDS,
  policy: 'approve' as const,
  protectedCount: 1,
  checks: [
    {
      check: 'DEVICE_CERTIFICATE_SHARED_CHECK',
      actions: ['DeactivateDeviceCertificate'],
      resourceCount: 2,
      resources: [
        {
          findingId: 'f1',
          check: 'DEVICE_CERTIFICATE_SHARED_CHECK',
          resourceType: 'DEVICE_CERTIFICATE',
          resourceIdentifier: { deviceCertificateId: 'a'.repeat(64) },
        },
      ],
    },
  ],
};
const APPROVED: ApprovalDecision = {
  decision: 'APPROVED',
  decidedBy: 'arn:aws:iam::123456789012:user/alice',
  reason: 'change 42',
  decidedAt: '2026-01-01T00:10:00.000Z',
  via: 'cli',
};
const REJECTED: ApprovalDecision = { ...APPROVED, decision: 'REJECTED', reason: 'not during the sale' };

function approvalInput(): WorkflowInput {
  return {
    taskId: TASK_ID,
    auditTaskId: 'audit1',
    deferredStart: true,
    startRequest: {
      TaskId: TASK_ID,
      Target: { AuditTaskId: 'audit1' },
      AuditCheckToActionsMapping: { DEVICE_CERTIFICATE_SHARED_CHECK: ['DeactivateDeviceCertificate'] },
      ClientRequestToken: 'token-approve',
    },
    pollDeadlineSeconds: 3600,
    skipped: [],
    follow: 1,
    policy: 'approve',
    protectedCount: 1,
    decision: null,
    approval: APPROVAL,
  };
}

function namedError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/** How the test answers the approval: each call of the function gets the next answer. */
type Answer =
  | { kind: 'approve'; output: JsonValue; afterSeconds?: number }
  | { kind: 'reject'; error: string; cause: string; afterSeconds?: number }
  | { kind: 'never' }
  | { kind: 'function-fails'; error: string };

afterEach(stopTestWorkflows);

async function run(answers: Answer[], input: WorkflowInput = approvalInput()) {
  const clock = new VirtualClock();
  const payloads: Array<{ payload: JsonValue; token: string | undefined; timeoutSeconds?: number }> = [];
  const putEntries: JsonValue[] = [];
  let startCalls = 0;
  const handlers: Record<string, TaskResourceHandler> = {
    ...VERIFICATION_NOT_REACHED,
    [REQUEST_APPROVAL]: (parameters, call) => {
      const params = z.object({ FunctionName: z.string(), Payload: z.json() }).parse(parameters);
      expect(params.FunctionName).toBe(FUNCTION_ARN);
      payloads.push({ payload: params.Payload, token: call.token, timeoutSeconds: call.timeoutSeconds });
      const answer = answers.shift() ?? { kind: 'never' };
      if (answer.kind === 'function-fails') throw namedError(answer.error, 'the function failed');
      call.submitted({ StatusCode: 200 });
      if (answer.kind === 'never') return call.idle(new Promise<JsonValue>(() => undefined));
      const decided = clock.sleep((answer.afterSeconds ?? 600) * 1000).then(() => {
        if (answer.kind === 'approve') return answer.output;
        throw namedError(answer.error, answer.cause);
      });
      return call.idle(decided);
    },
    [START]: () => {
      startCalls += 1;
      return { TaskId: TASK_ID };
    },
    [DESCRIBE]: () => ({ TaskStatus: 'COMPLETED', TaskStatistics: STATISTICS }),
    [PUT_EVENTS]: (entries) => {
      putEntries.push(entries);
      return { Entries: [{ EventId: 'e1' }], FailedEntryCount: 0 };
    },
    [START_EXECUTION]: () => ({ ExecutionArn: 'arn:child', StartDate: '2026-01-01T00:00:00.000Z' }),
    [WRITE_REPORT]: () => ({ StatusCode: 200, Payload: REPORT_POINTER }),
  };
  const started = clock.now();
  const execution = runTestWorkflow({
    input: input,
    handlers,
    clock,
    name: TASK_ID,
  });
  const result = await execution.result;
  const details = putEntries.map((entries) => {
    const parsed = z.object({ Entries: z.tuple([z.object({ Detail: z.string() })]) }).parse(entries);
    return JSON.parse(parsed.Entries[0].Detail) as Record<string, unknown>;
  });
  return { result, execution, payloads, details, startCalls, elapsedSeconds: (clock.now() - started) / 1000 };
}

describe('the approval gate', () => {
  it('approve: the task starts after the decision and the finished event carries it', async () => {
    // Act
    const { result, execution, payloads, details, startCalls } = await run([
      { kind: 'approve', output: APPROVED },
    ]);

    // Assess
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { outcome: 'COMPLETED' } });
    expect(startCalls).toBe(1);
    expect(execution.statesEntered.slice(0, 5)).toEqual([
      'ChooseStart',
      'RequestApproval',
      'CheckDecision',
      'ChooseStartPath',
      'StartMitigationTask',
    ]);
    // The approval round trip: RequestApproval and CheckDecision, on top of a deferred start
    // (ChooseStart, ChooseStartPath, StartMitigationTask, InitPolling, one poll of 3 states, Report,
    // WriteReport, Put, ChooseVerification, Route, end).
    expect(execution.transitions).toBe(15);
    expect(details).toEqual([
      expect.objectContaining({
        taskId: TASK_ID,
        outcome: 'COMPLETED',
        policy: 'approve',
        protectedCount: 1,
        decision: APPROVED,
        taskStatistics: STATISTICS,
      }),
    ]);
    expect(payloads).toHaveLength(1);
  });

  it('hands the function the token, the execution, the entry time and the approval; waits at most timeoutSeconds', async () => {
    // Act
    const { payloads } = await run([{ kind: 'approve', output: APPROVED }]);

    // Assess
    const [call] = payloads;
    expect(call?.token).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(call?.timeoutSeconds).toBe(TIMEOUT_SECONDS);
    expect(call?.payload).toEqual({
      taskToken: call?.token,
      executionName: TASK_ID,
      requestedAt: new Date(new VirtualClock().now()).toISOString(),
      taskId: TASK_ID,
      auditTaskId: 'audit1',
      approval: APPROVAL,
    });
  });

  it('reject: REJECTED with the decision from the cause, and nothing started', async () => {
    // Act
    const { result, details, startCalls } = await run([
      { kind: 'reject', error: 'ApprovalRejected', cause: JSON.stringify(REJECTED) },
    ]);

    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: 'ApprovalRejected' });
    expect(startCalls).toBe(0);
    expect(details).toEqual([
      expect.objectContaining({
        outcome: 'REJECTED',
        decision: REJECTED,
        policy: 'approve',
        protectedCount: 1,
        taskStatus: null,
        polls: 0,
      }),
    ]);
  });

  it('a rejection whose cause is not a decision record is still REJECTED (the cause kept in error)', async () => {
    // Act
    const { result, details, startCalls } = await run([
      { kind: 'reject', error: 'ApprovalRejected', cause: 'rejected from the console' },
    ]);

    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: 'ApprovalRejected' });
    expect(startCalls).toBe(0);
    expect(details[0]).toMatchObject({
      outcome: 'REJECTED',
      decision: { decision: 'REJECTED' },
      error: { Error: 'ApprovalRejected', Cause: 'rejected from the console' },
    });
  });

  it('no decision: APPROVAL_EXPIRED exactly timeoutSeconds after the request, nothing started', async () => {
    // Act
    const { result, details, startCalls, elapsedSeconds } = await run([{ kind: 'never' }]);

    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: 'ApprovalExpired' });
    expect(startCalls).toBe(0);
    expect(elapsedSeconds).toBe(TIMEOUT_SECONDS);
    expect(details).toEqual([
      expect.objectContaining({
        outcome: 'APPROVAL_EXPIRED',
        decision: null,
        error: expect.objectContaining({ Error: 'States.Timeout' }),
      }),
    ]);
  });

  it('a decision after the timeout changes nothing', async () => {
    // Act: the approval would come 10 s after the timeout.
    const { result, details, startCalls } = await run([
      { kind: 'approve', output: APPROVED, afterSeconds: TIMEOUT_SECONDS + 10 },
    ]);

    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: 'ApprovalExpired' });
    expect(startCalls).toBe(0);
    expect(details.map((d) => d.outcome)).toEqual(['APPROVAL_EXPIRED']);
  });

  it.each([
    ['an empty object', {}],
    ['a rejection sent as success', REJECTED],
    ['a string', 'yes'],
  ])('a SendTaskSuccess whose output is %s starts nothing: START_FAILED (a replay asks again)', async (_name, output) => {
    // Act
    const { result, details, startCalls } = await run([{ kind: 'approve', output }]);

    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: 'StartFailed' });
    expect(startCalls).toBe(0);
    expect(details[0]).toMatchObject({
      outcome: 'START_FAILED',
      decision: output,
      error: { Error: 'ApprovalInvalid' },
    });
  });

  it('the function failing for good is START_FAILED with its error, nothing started', async () => {
    // Act
    const { result, details, startCalls } = await run([
      { kind: 'function-fails', error: 'PutEventsFailedError' },
    ]);

    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: 'StartFailed' });
    expect(startCalls).toBe(0);
    expect(details[0]).toMatchObject({ outcome: 'START_FAILED', error: { Error: 'PutEventsFailedError' } });
  });

  it('Lambda throttling is retried: the request is made again, with a new token, then approved', async () => {
    // Act
    const { result, payloads, execution } = await run([
      { kind: 'function-fails', error: 'Lambda.TooManyRequestsException' },
      { kind: 'approve', output: APPROVED },
    ]);

    // Assess
    expect(result).toMatchObject({ status: 'SUCCEEDED' });
    expect(execution.retries).toBe(1);
    expect(payloads).toHaveLength(2);
    expect(payloads[0]?.token).not.toBe(payloads[1]?.token);
  });

  it('an input from an older function (no policy, decision, protectedCount, skipped) is normalised first', async () => {
    // Prepare
    const {
      policy: _p,
      decision: _d,
      protectedCount: _c,
      skipped: _s,
      approval: _a,
      ...older
    } = approvalInput();

    // Act
    const { result, execution } = await run([], { ...older, deferredStart: false } as WorkflowInput);

    // Assess
    expect(execution.statesEntered.slice(0, 3)).toEqual(['ChooseStart', 'NormaliseInput', 'ChooseStart']);
    expect(result).toMatchObject({
      status: 'SUCCEEDED',
      output: { outcome: 'COMPLETED', policy: 'auto', protectedCount: 0, decision: null, skipped: [] },
    });
  });
});
