import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import type { WorkflowInput } from '../../../src/core/workflow-input';
import { VirtualClock } from '../../../src/local/clock';
import type { JsonValue, TaskResourceHandler } from '../../../src/local/step-functions/workflow-runner';
import { workflowFunctionArn } from '../../../src/local/step-functions/workflow-substitutions';
import {
  ASL_TEXT,
  DESCRIBE,
  INVOKE,
  PUT_EVENTS,
  runTestWorkflow,
  START,
  START_EXECUTION,
  stopTestWorkflows,
} from './workflow-fixture';

/**
 * The verification audit in the real ASL (aws-local-stepfunctions on a virtual clock), its Task
 * resources answered by local handlers: after the finished event, when the input says `verify`.
 */
const VERIFY_ARN = workflowFunctionArn('verify-audit');
const WRITE_REPORT_ARN = workflowFunctionArn('write-report');
const REQUEST_APPROVAL = 'arn:aws:states:::lambda:invoke.waitForTaskToken';
const START_AUDIT = 'arn:aws:states:::aws-sdk:iot:startOnDemandAuditTask';
const DESCRIBE_AUDIT = 'arn:aws:states:::aws-sdk:iot:describeAuditTask';
const TASK_ID = 'remediate-audit1-auto';
const CHECK = 'DEVICE_CERTIFICATE_SHARED_CHECK';
const VERIFICATION_AUDIT = 'verif0123456789abcdef0123456789ab';

function input(verify: boolean | undefined): WorkflowInput {
  return {
    taskId: TASK_ID,
    auditTaskId: 'audit1',
    deferredStart: false,
    startRequest: {
      TaskId: TASK_ID,
      Target: { AuditTaskId: 'audit1' },
      AuditCheckToActionsMapping: { [CHECK]: ['DeactivateDeviceCertificate'] },
      ClientRequestToken: 'token',
    },
    pollDeadlineSeconds: 3600,
    skipped: [],
    follow: 1,
    policy: 'auto',
    protectedCount: 0,
    decision: null,
    ...(verify !== undefined ? { verify } : {}),
  };
}

function namedError(name: string): Error {
  const error = new Error(`${name} (test)`);
  error.name = name;
  return error;
}

const InvokeSchema = z.object({
  FunctionName: z.string(),
  Payload: z.object({ action: z.enum(['plan', 'record', 'summarise']) }).catchall(z.json()),
});
/** The report writer (WriteReport, before the finished event) answers with its pointer. */
const REPORT_POINTER = {
  bucket: 'reports-bucket',
  key: `reports/${TASK_ID}/findings.jsonl`,
  summaryKey: `reports/${TASK_ID}/summary.json`,
  rows: 4,
  failed: 0,
  partial: false,
  errorCodes: {},
};
const PutSchema = z.object({
  Entries: z.tuple([z.object({ DetailType: z.string(), Detail: z.string(), Source: z.string() })]),
});

interface Options {
  verify?: boolean;
  taskStatus?: 'COMPLETED' | 'FAILED' | 'CANCELED';
  /** What PlanVerification answers. */
  plan?: { verify: boolean; checkNames: string[] };
  /** Errors of the first StartOnDemandAuditTask calls, in order; later calls start the audit. */
  startAuditErrors?: string[];
  /** DescribeAuditTask answers IN_PROGRESS this many times, then COMPLETED (Infinity: never ends). */
  auditPollsInProgress?: number;
  recordError?: string;
}

afterEach(stopTestWorkflows);

async function run(options: Options) {
  const clock = new VirtualClock();
  const invocations: Array<{ action: string; payload: Record<string, unknown> }> = [];
  const puts: Array<{ detailType: string; detail: Record<string, unknown> }> = [];
  const startAuditErrors = [...(options.startAuditErrors ?? [])];
  let startAuditCalls = 0;
  let auditPolls = 0;
  const handlers: Record<string, TaskResourceHandler> = {
    [START]: () => ({ TaskId: TASK_ID }),
    [DESCRIBE]: () => ({
      TaskStatus: options.taskStatus ?? 'COMPLETED',
      TaskStatistics: { [CHECK]: { TotalFindingsCount: 4, SucceededFindingsCount: 4 } },
    }),
    [PUT_EVENTS]: (entries) => {
      const [entry] = PutSchema.parse(entries).Entries;
      puts.push({ detailType: entry.DetailType, detail: JSON.parse(entry.Detail) });
      return { Entries: [{ EventId: 'e1' }], FailedEntryCount: 0 };
    },
    [REQUEST_APPROVAL]: () => {
      throw new Error('an auto task never asks for approval');
    },
    [START_EXECUTION]: () => {
      throw new Error('no continuation in these runs');
    },
    [INVOKE]: (parameters): JsonValue => {
      if ((parameters as { FunctionName?: string }).FunctionName === WRITE_REPORT_ARN)
        return { StatusCode: 200, Payload: REPORT_POINTER };
      const { FunctionName, Payload } = InvokeSchema.parse(parameters);
      expect(FunctionName).toBe(VERIFY_ARN);
      invocations.push({ action: Payload.action, payload: Payload });
      if (Payload.action === 'plan')
        return { StatusCode: 200, Payload: options.plan ?? { verify: true, checkNames: [CHECK] } };
      if (Payload.action === 'record') {
        if (options.recordError) throw namedError(options.recordError);
        return { StatusCode: 200, Payload: { recorded: true } };
      }
      return {
        StatusCode: 200,
        Payload: {
          eventId: Payload.eventId ?? null,
          taskId: TASK_ID,
          auditTaskId: 'audit1',
          verificationAuditTaskId: VERIFICATION_AUDIT,
          outcome: 'VERIFIED',
          verificationAuditStatus: 'COMPLETED',
          checks: [],
          totals: { fixed: 4, stillNonCompliant: 0, unverified: 0 },
        },
      };
    },
    [START_AUDIT]: (parameters) => {
      startAuditCalls += 1;
      expect(parameters).toEqual({ TargetCheckNames: options.plan?.checkNames ?? [CHECK] });
      const error = startAuditErrors.shift();
      if (error) throw namedError(error);
      return { TaskId: VERIFICATION_AUDIT };
    },
    [DESCRIBE_AUDIT]: (parameters) => {
      expect(parameters).toEqual({ TaskId: VERIFICATION_AUDIT });
      auditPolls += 1;
      return { TaskStatus: auditPolls > (options.auditPollsInProgress ?? 0) ? 'COMPLETED' : 'IN_PROGRESS' };
    },
  };
  const execution = runTestWorkflow({
    input: input(options.verify),
    handlers,
    clock,
    name: TASK_ID,
  });
  const result = await execution.result;
  return { result, execution, invocations, puts, startAuditCalls, auditPolls };
}

describe('the verification audit of the workflow', () => {
  it('plans, starts, records, polls on a growing wait, judges and puts the verification event', async () => {
    // Act
    const { result, execution, invocations, puts, auditPolls } = await run({
      verify: true,
      auditPollsInProgress: 3,
    });

    // Assess: the task's outcome is the execution's, the verification comes after its event.
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { outcome: 'COMPLETED', taskId: TASK_ID } });
    expect(invocations.map((i) => i.action)).toEqual(['plan', 'record', 'summarise']);
    expect(invocations[0]?.payload).toEqual({ action: 'plan', taskId: TASK_ID });
    expect(invocations[1]?.payload).toEqual({
      action: 'record',
      taskId: TASK_ID,
      verificationAuditTaskId: VERIFICATION_AUDIT,
    });
    expect(invocations[2]?.payload).toEqual({
      action: 'summarise',
      eventId: TASK_ID,
      taskId: TASK_ID,
      auditTaskId: 'audit1',
      verificationAuditTaskId: VERIFICATION_AUDIT,
      checkNames: [CHECK],
    });
    expect(puts.map((p) => p.detailType)).toEqual([
      'Audit Mitigation Task Finished',
      'Audit Verification Finished',
    ]);
    expect(puts[1]?.detail).toMatchObject({
      outcome: 'VERIFIED',
      verificationAuditTaskId: VERIFICATION_AUDIT,
    });
    // Waits before each describe of the audit: 30, 30, 60, 60 s (the 4th answers COMPLETED).
    expect(auditPolls).toBe(4);
    const auditWaits = execution.delays
      .filter((d) => d.kind === 'wait' && d.state === 'WaitForVerificationAudit')
      .map((d) => d.ms / 1000);
    expect(auditWaits).toEqual([30, 30, 60, 60]);
  });

  it('defers the start while the 10-audit quota is full (LimitExceeded, Throttling), with capped backoff', async () => {
    // Act
    const { result, execution, startAuditCalls, invocations, puts } = await run({
      verify: true,
      startAuditErrors: [
        'Iot.LimitExceededException',
        'Iot.LimitExceededException',
        'Iot.ThrottlingException',
        'Iot.LimitExceededException',
        'Iot.LimitExceededException',
      ],
    });

    // Assess: retried until started, then recorded (never before the start succeeded).
    expect(result.status).toBe('SUCCEEDED');
    expect(startAuditCalls).toBe(6);
    const backoffs = execution.delays
      .filter((d) => d.kind === 'retry' && d.state === 'StartVerificationAudit')
      .map((d) => d.ms / 1000);
    expect(backoffs).toHaveLength(5);
    // FULL jitter (random 0.5) under 10 s doubling, capped at 120 s.
    expect(backoffs).toEqual([5, 10, 20, 40, 60]);
    expect(invocations.map((i) => i.action)).toEqual(['plan', 'record', 'summarise']);
    expect(puts[1]?.detail.outcome).toBe('VERIFIED');
  });

  it('never retries a start refused otherwise (no idempotency token): VERIFICATION_FAILED, nothing recorded', async () => {
    // Act
    const { result, startAuditCalls, invocations, puts } = await run({
      verify: true,
      startAuditErrors: ['Iot.InternalFailureException'],
    });

    // Assess
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { outcome: 'COMPLETED' } });
    expect(startAuditCalls).toBe(1);
    expect(invocations.map((i) => i.action)).toEqual(['plan']);
    expect(puts[1]).toEqual({
      detailType: 'Audit Verification Finished',
      detail: {
        eventId: TASK_ID,
        taskId: TASK_ID,
        auditTaskId: 'audit1',
        verificationAuditTaskId: null,
        outcome: 'VERIFICATION_FAILED',
        verificationAuditStatus: null,
        checks: [],
        totals: { fixed: 0, stillNonCompliant: 0, unverified: 0 },
        error: { Error: 'Iot.InternalFailureException', Cause: 'Iot.InternalFailureException (test)' },
      },
    });
  });

  it.each([
    ['verify false (dry-run, or config verify false)', false],
    ['no verify in the input (an older function)', undefined],
  ])('skips the verification: %s', async (_name, verify) => {
    // Act
    const { result, invocations, puts, startAuditCalls } = await run({ verify });

    // Assess
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { outcome: 'COMPLETED' } });
    expect(invocations).toEqual([]);
    expect(startAuditCalls).toBe(0);
    expect(puts.map((p) => p.detailType)).toEqual(['Audit Mitigation Task Finished']);
  });

  it('starts no audit when the task mitigated nothing', async () => {
    // Act
    const { invocations, puts, startAuditCalls } = await run({
      verify: true,
      plan: { verify: false, checkNames: [] },
    });

    // Assess
    expect(invocations.map((i) => i.action)).toEqual(['plan']);
    expect(startAuditCalls).toBe(0);
    expect(puts).toHaveLength(1);
  });

  it('verifies a FAILED task too, and still ends with its outcome', async () => {
    // Act
    const { result, invocations } = await run({ verify: true, taskStatus: 'FAILED' });

    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: 'MitigationTaskFailed' });
    expect(invocations.map((i) => i.action)).toEqual(['plan', 'record', 'summarise']);
  });

  it('gives up on an audit still running after 100 polls: VERIFICATION_FAILED with its id', async () => {
    // Act
    const { result, puts, auditPolls, invocations } = await run({
      verify: true,
      auditPollsInProgress: Number.POSITIVE_INFINITY,
    });

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(auditPolls).toBe(100);
    expect(invocations.map((i) => i.action)).toEqual(['plan', 'record']);
    expect(puts[1]?.detail).toMatchObject({
      outcome: 'VERIFICATION_FAILED',
      verificationAuditTaskId: VERIFICATION_AUDIT,
      error: { Error: 'VerificationAuditTimeout' },
    });
  });

  it('reports an audit it could not record as VERIFICATION_FAILED after retrying the record', async () => {
    // Act
    const { puts, invocations, auditPolls } = await run({ verify: true, recordError: 'States.TaskFailed' });

    // Assess: 1 + 20 retries of the record, no poll, the audit named in the event.
    expect(invocations.filter((i) => i.action === 'record')).toHaveLength(21);
    expect(auditPolls).toBe(0);
    expect(puts[1]?.detail).toMatchObject({
      outcome: 'VERIFICATION_FAILED',
      verificationAuditTaskId: VERIFICATION_AUDIT,
      error: { Error: 'States.TaskFailed' },
    });
  });
});

describe('the verification poll schedule', () => {
  it('keeps lastIndex of InitVerificationPoll equal to the schedule length - 1', () => {
    const asl = JSON.parse(ASL_TEXT) as {
      States: Record<string, { Result?: { schedule: number[]; lastIndex: number; wait: number } }>;
    };
    const result = asl.States.InitVerificationPoll?.Result;
    expect(result?.lastIndex).toBe((result?.schedule.length ?? 0) - 1);
    expect(result?.wait).toBe(result?.schedule[0]);
  });
});
