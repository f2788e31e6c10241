import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import type { WorkflowInput } from '../../../src/core/workflow-input';
import {
  OUTCOME_BY_FAIL_ERROR,
  TASK_FINISHED_DETAIL_TYPE,
  WORKFLOW_OUTCOMES,
} from '../../../src/core/workflow-input';
import { VirtualClock } from '../../../src/local/clock';
import {
  type JsonValue,
  prepareWorkflow,
  type TaskResourceHandler,
} from '../../../src/local/step-functions/workflow-runner';
import {
  workflowFunctionArn,
  workflowSubstitutions,
} from '../../../src/local/step-functions/workflow-substitutions';
import { VERIFICATION_NOT_REACHED } from './verification-not-reached';
import {
  ASL_TEXT,
  DESCRIBE,
  PUT_EVENTS,
  runTestWorkflow,
  START,
  START_EXECUTION,
  STATE_MACHINE_ARN,
  stopTestWorkflows,
} from './workflow-fixture';

const SUBSTITUTIONS = workflowSubstitutions();
const REQUEST_APPROVAL = 'arn:aws:states:::lambda:invoke.waitForTaskToken';
/** WriteReport and ReleaseSlot (lambda:invoke); only inputs with `queue` reach ReleaseSlot
 * (test/unit/statemachine/dispatch.test.ts). */
const WRITE_REPORT = 'arn:aws:states:::lambda:invoke';
/** What the write-report function answers: the pointer the finished event carries. */
const REPORT_POINTER = {
  bucket: 'reports-bucket',
  key: `reports/${'auto-audit1-abc123'}/findings.jsonl`,
  summaryKey: `reports/${'auto-audit1-abc123'}/summary.json`,
  rows: 3,
  failed: 0,
  partial: false,
  errorCodes: {},
};
/** Polls one execution makes before it continues as new (InitPolling's continueAt). */
const POLLS_PER_EXECUTION = 1000;
/** Counts seen by CheckTaskStatus at the cap are odd (11, 13...): the first one past 1000. */
const CONTINUED_AT_COUNT = 1001;
const HISTORY_LIMIT = 25_000;
const SCHEDULE = [15, 15, 15, 15, 15, 15, 15, 15, 30, 45, 60];

const TASK_ID = 'auto-audit1-abc123';
// Not the task id, to show that the finished event's eventId is the execution name ($$.Execution.Name).
const EXECUTION_NAME = 'auto-audit1-abc123-execution';
const STATISTICS = {
  DEVICE_CERTIFICATE_EXPIRING_CHECK: {
    TotalFindingsCount: 3,
    FailedFindingsCount: 0,
    SucceededFindingsCount: 3,
    SkippedFindingsCount: 0,
    CanceledFindingsCount: 0,
  },
};

function workflowInput(deferredStart: boolean, pollDeadlineSeconds = 3600): WorkflowInput {
  return {
    taskId: TASK_ID,
    auditTaskId: 'audit1',
    deferredStart,
    startRequest: {
      TaskId: TASK_ID,
      Target: { AuditTaskId: 'audit1' },
      AuditCheckToActionsMapping: { DEVICE_CERTIFICATE_EXPIRING_CHECK: ['RotateCert'] },
      ClientRequestToken: 'token-abc123',
    },
    pollDeadlineSeconds,
    skipped: [],
    follow: 1,
    policy: 'auto',
    protectedCount: 0,
    decision: null,
  };
}

/** mulberry32: a small seeded generator, so FULL jitter is reproducible. */
function seededRandom(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function namedError(name: string): Error {
  const error = new Error(`${name} (test)`);
  error.name = name;
  return error;
}

interface Scenario {
  name: string;
  deferredStart: boolean;
  /** Errors of the first start calls, in order; later calls succeed. */
  startErrors?: string[];
  /** Errors of the first describe calls, in order; later calls answer. */
  describeErrors?: string[];
  /** The describe that first answers a final status (1-based), and that status. */
  finishOnPoll: number;
  finalStatus: 'COMPLETED' | 'FAILED' | 'CANCELED';
  putEventsFails?: boolean;
  /** The write-report function fails for good with this error (Lambda's errorType). */
  writeReportError?: string;
  pollDeadlineSeconds?: number;
  expected: {
    status: 'SUCCEEDED' | 'FAILED';
    error?: string;
    outcome: string;
    polls: number;
    transitions: number;
    startCalls: number;
    retries: number;
  };
}

// Transitions of a direct start that ends on poll n: ChooseStart, InitPolling, n x (Wait, Describe,
// Choice), (n - 1) x Pass, Report*, WriteReport, PutFinishedEvent, ChooseVerification, RouteOutcome,
// end state = 4n + 7 (n <= 11, the length of the schedule). No `verify` in these inputs: no verification.
const scenarios: Scenario[] = [
  {
    // At the cap, polls come in pairs with one bookkeeping Pass: 2 + 40 + 3 + (Wait, Describe,
    // Choice, CountLastCapPoll) + 6 = 55 when the task ends on the first poll of a pair...
    name: 'COMPLETED on the first poll of a pair at the cap',
    deferredStart: false,
    finishOnPoll: 12,
    finalStatus: 'COMPLETED',
    expected: {
      status: 'SUCCEEDED',
      outcome: 'COMPLETED',
      polls: 12,
      transitions: 55,
      startCalls: 0,
      retries: 0,
    },
  },
  {
    // ... and 2 + 40 + 3 + 7 + 6 = 58 when it ends on the second.
    name: 'COMPLETED on the second poll of a pair at the cap',
    deferredStart: false,
    finishOnPoll: 13,
    finalStatus: 'COMPLETED',
    expected: {
      status: 'SUCCEEDED',
      outcome: 'COMPLETED',
      polls: 13,
      transitions: 58,
      startCalls: 0,
      retries: 0,
    },
  },
  {
    name: 'direct start, COMPLETED on poll 3',
    deferredStart: false,
    finishOnPoll: 3,
    finalStatus: 'COMPLETED',
    expected: {
      status: 'SUCCEEDED',
      outcome: 'COMPLETED',
      polls: 3,
      transitions: 19,
      startCalls: 0,
      retries: 0,
    },
  },
  {
    name: 'deferred start throttled twice, then started',
    deferredStart: true,
    startErrors: ['Iot.ThrottlingException', 'Iot.ThrottlingException'],
    finishOnPoll: 2,
    finalStatus: 'COMPLETED',
    expected: {
      status: 'SUCCEEDED',
      outcome: 'COMPLETED',
      polls: 2,
      transitions: 19,
      startCalls: 3,
      retries: 2,
    },
  },
  {
    name: 'deferred start over the concurrent-task quota, then started',
    deferredStart: true,
    startErrors: ['Iot.LimitExceededException'],
    finishOnPoll: 2,
    finalStatus: 'COMPLETED',
    expected: {
      status: 'SUCCEEDED',
      outcome: 'COMPLETED',
      polls: 2,
      transitions: 18,
      startCalls: 2,
      retries: 1,
    },
  },
  {
    name: 'deferred start finds the task already started, and polls it',
    deferredStart: true,
    startErrors: ['Iot.TaskAlreadyExistsException'],
    finishOnPoll: 2,
    finalStatus: 'COMPLETED',
    expected: {
      status: 'SUCCEEDED',
      outcome: 'COMPLETED',
      polls: 2,
      transitions: 17,
      startCalls: 1,
      retries: 0,
    },
  },
  {
    name: 'deferred start refused for good',
    deferredStart: true,
    startErrors: ['Iot.InvalidRequestException'],
    finishOnPoll: 1,
    finalStatus: 'COMPLETED',
    expected: {
      status: 'FAILED',
      error: 'StartFailed',
      outcome: 'START_FAILED',
      polls: 0,
      transitions: 8,
      startCalls: 1,
      retries: 0,
    },
  },
  {
    name: 'task FAILED',
    deferredStart: false,
    finishOnPoll: 4,
    finalStatus: 'FAILED',
    expected: {
      status: 'FAILED',
      error: 'MitigationTaskFailed',
      outcome: 'FAILED',
      polls: 4,
      transitions: 23,
      startCalls: 0,
      retries: 0,
    },
  },
  {
    name: 'task CANCELED',
    deferredStart: false,
    finishOnPoll: 2,
    finalStatus: 'CANCELED',
    expected: {
      status: 'FAILED',
      error: 'MitigationTaskCanceled',
      outcome: 'CANCELED',
      polls: 2,
      transitions: 15,
      startCalls: 0,
      retries: 0,
    },
  },
  {
    // elapsed after each poll: 15, 30, ... 120 (poll 8), 150, 195, 255 (poll 11), then pairs of 60 s
    // polls with the deadline checked after the second of each pair: 615 >= 600 after poll 17.
    // Transitions: 2 + 10 x 4 + 3 (poll 11) + 3 pairs x 7 + 6 = 72.
    name: 'task never ends: poll deadline',
    deferredStart: false,
    finishOnPoll: Number.POSITIVE_INFINITY,
    finalStatus: 'COMPLETED',
    pollDeadlineSeconds: 600,
    expected: {
      status: 'FAILED',
      error: 'PollDeadlineExceeded',
      outcome: 'DEADLINE_EXCEEDED',
      polls: 17,
      transitions: 72,
      startCalls: 0,
      retries: 0,
    },
  },
  {
    name: 'describe throttled twice, retried, goes on',
    deferredStart: false,
    describeErrors: ['Iot.ThrottlingException', 'Iot.ThrottlingException'],
    finishOnPoll: 2,
    finalStatus: 'COMPLETED',
    expected: {
      status: 'SUCCEEDED',
      outcome: 'COMPLETED',
      polls: 2,
      transitions: 17,
      startCalls: 0,
      retries: 2,
    },
  },
  {
    name: 'describe fails for good (task unknown)',
    deferredStart: false,
    describeErrors: ['Iot.ResourceNotFoundException'],
    finishOnPoll: 1,
    finalStatus: 'COMPLETED',
    expected: {
      status: 'FAILED',
      error: 'PollFailed',
      outcome: 'POLL_FAILED',
      polls: 1,
      transitions: 9,
      startCalls: 0,
      retries: 0,
    },
  },
  {
    name: 'putEvents keeps failing: the workflow still ends with its outcome',
    deferredStart: false,
    finishOnPoll: 1,
    finalStatus: 'COMPLETED',
    putEventsFails: true,
    expected: {
      status: 'SUCCEEDED',
      outcome: 'COMPLETED',
      polls: 1,
      transitions: 16,
      startCalls: 0,
      retries: 5,
    },
  },
];

afterEach(stopTestWorkflows);

async function runScenario(
  scenario: Scenario,
  options: { input?: WorkflowInput; startExecutionError?: string } = {},
) {
  const clock = new VirtualClock();
  const childStarts: JsonValue[] = [];
  const startErrors = [...(scenario.startErrors ?? [])];
  const describeErrors = [...(scenario.describeErrors ?? [])];
  const describeTimes: number[] = [];
  const putEntries: JsonValue[] = [];
  const reportRequests: JsonValue[] = [];
  let startCalls = 0;
  let answeredPolls = 0;
  const handlers: Record<string, TaskResourceHandler> = {
    ...VERIFICATION_NOT_REACHED,
    [START]: () => {
      startCalls += 1;
      const error = startErrors.shift();
      if (error) throw namedError(error);
      return { TaskId: TASK_ID };
    },
    [DESCRIBE]: () => {
      describeTimes.push(clock.now());
      const error = describeErrors.shift();
      if (error) throw namedError(error);
      answeredPolls += 1;
      const status = answeredPolls >= scenario.finishOnPoll ? scenario.finalStatus : 'IN_PROGRESS';
      return { TaskStatus: status, TaskStatistics: STATISTICS, StartTime: '2026-01-01T00:00:00.000Z' };
    },
    [PUT_EVENTS]: (input) => {
      if (scenario.putEventsFails) throw namedError('EventBridge.InternalException');
      putEntries.push(input);
      return { Entries: [{ EventId: 'e1' }], FailedEntryCount: 0 };
    },
    [REQUEST_APPROVAL]: () => {
      throw new Error('an auto task never asks for approval');
    },
    [WRITE_REPORT]: (input) => {
      reportRequests.push(input);
      if (scenario.writeReportError) throw namedError(scenario.writeReportError);
      return { StatusCode: 200, Payload: REPORT_POINTER };
    },
    [START_EXECUTION]: (input) => {
      childStarts.push(input);
      if (options.startExecutionError) throw namedError(options.startExecutionError);
      return { ExecutionArn: 'arn:child', StartDate: '2026-01-01T00:00:00.000Z' };
    },
  };
  const run = runTestWorkflow({
    input: options.input ?? workflowInput(scenario.deferredStart, scenario.pollDeadlineSeconds),
    handlers,
    clock,
    name: EXECUTION_NAME,
    random: seededRandom(7),
  });
  const result = await run.result;
  return { clock, run, result, describeTimes, putEntries, startCalls, childStarts, reportRequests };
}

function eventDetail(putEntries: JsonValue[]): unknown {
  const parsed = PutInputSchema.parse(putEntries[0]);
  return JSON.parse(parsed.Entries[0].Detail);
}

const PutInputSchema = z.object({
  Entries: z.tuple([
    z.object({ EventBusName: z.string(), Source: z.string(), DetailType: z.string(), Detail: z.string() }),
  ]),
});

describe('mitigation-workflow.asl.json', () => {
  it.each(scenarios)('$name', async (scenario) => {
    // Prepare: see the scenario table.
    // Act
    const { run, result, putEntries, startCalls } = await runScenario(scenario);

    // Assess
    const { expected } = scenario;
    expect(result.status).toBe(expected.status);
    expect(result.error).toBe(expected.error);
    expect(run.transitions).toBe(expected.transitions);
    expect(run.retries).toBe(expected.retries);
    expect(startCalls).toBe(expected.startCalls);
    const waits = run.delays.filter((d) => d.kind === 'wait').map((d) => d.ms / 1000);
    const polls = expected.polls;
    const expectedWaits = Array.from({ length: polls }, (_, i) => SCHEDULE[Math.min(i, SCHEDULE.length - 1)]);
    expect(waits).toEqual(expectedWaits);
    if (scenario.putEventsFails) {
      expect(putEntries).toEqual([]);
      return;
    }
    expect(putEntries).toHaveLength(1);
    expect(PutInputSchema.parse(putEntries[0]).Entries[0]).toMatchObject({
      EventBusName: 'audit-bus',
      Source: 'custom.iot.remediation',
      DetailType: TASK_FINISHED_DETAIL_TYPE,
    });
    const detail = eventDetail(putEntries);
    expect(detail).toMatchObject({
      eventId: EXECUTION_NAME,
      taskId: TASK_ID,
      auditTaskId: 'audit1',
      outcome: expected.outcome,
      polls,
    });
    if (
      ['COMPLETED', 'FAILED', 'CANCELED', 'DEADLINE_EXCEEDED'].includes(expected.outcome) &&
      expected.error !== 'PollFailed'
    ) {
      expect(detail).toMatchObject({ taskStatistics: STATISTICS });
    } else {
      expect(detail).toMatchObject({ taskStatus: null, error: { Error: expect.stringMatching(/^Iot\./) } });
    }
  });

  it('succeeds with the completion event detail as output', async () => {
    // Prepare
    const scenario = scenarios.find((s) => s.name.startsWith('direct start'));
    if (!scenario) throw new Error('no scenario');

    // Act
    const { result } = await runScenario(scenario);

    // Assess
    expect(result.output).toEqual({
      eventId: EXECUTION_NAME,
      taskId: TASK_ID,
      auditTaskId: 'audit1',
      skipped: [],
      policy: 'auto',
      protectedCount: 0,
      decision: null,
      outcome: 'COMPLETED',
      taskStatus: 'COMPLETED',
      taskStatistics: STATISTICS,
      polls: 3,
      report: REPORT_POINTER,
    });
  });

  it('asks write-report for the task report and puts its pointer in the finished event', async () => {
    // Prepare
    const scenario = scenarios.find((s) => s.name === 'task FAILED');
    if (!scenario) throw new Error('no scenario');

    // Act
    const { putEntries, reportRequests, result } = await runScenario(scenario);

    // Assess: one report per ended task, written before the event that points to it.
    expect(reportRequests).toEqual([
      {
        FunctionName: workflowFunctionArn('write-report'),
        Payload: { taskId: TASK_ID, auditTaskId: 'audit1' },
      },
    ]);
    expect(eventDetail(putEntries)).toMatchObject({ outcome: 'FAILED', report: REPORT_POINTER });
    expect(result.error).toBe('MitigationTaskFailed');
  });

  it.each([
    'Lambda.Unknown',
    'TaskNotFoundError',
    'States.Timeout',
  ])('still puts the finished event, saying why the report is missing, when write-report fails with %s', async (error) => {
    // Prepare
    const base = scenarios.find((s) => s.name.startsWith('direct start'));
    if (!base) throw new Error('no scenario');

    // Act
    const { putEntries, result } = await runScenario({ ...base, writeReportError: error });

    // Assess
    expect(putEntries).toHaveLength(1);
    const detail = eventDetail(putEntries) as Record<string, unknown>;
    expect(detail).toMatchObject({ outcome: 'COMPLETED', reportError: { Error: error } });
    expect(detail).not.toHaveProperty('report');
    expect(result.status).toBe('SUCCEEDED');
  });

  it('writes no report for a task that never started or could not be followed', async () => {
    // Prepare
    const refused = scenarios.find((s) => s.name === 'deferred start refused for good');
    const unknown = scenarios.find((s) => s.name === 'describe fails for good (task unknown)');
    if (!refused || !unknown) throw new Error('no scenario');

    // Act
    const runs = [await runScenario(refused), await runScenario(unknown)];

    // Assess
    for (const { reportRequests, putEntries } of runs) {
      expect(reportRequests).toEqual([]);
      expect(eventDetail(putEntries)).not.toHaveProperty('report');
    }
  });

  it('reads an input without skipped (an execution started by an older function) as skipping nothing', async () => {
    // Prepare
    const scenario = scenarios.find((s) => s.name.startsWith('direct start'));
    if (!scenario) throw new Error('no scenario');
    const { skipped: _left, ...older } = workflowInput(false);

    // Act
    const { result } = await runScenario(scenario, { input: older as WorkflowInput });

    // Assess
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { outcome: 'COMPLETED', skipped: [] } });
  });

  it('describes the task at the clock time the waits add up to (waits are taken before the call)', async () => {
    // Prepare
    const direct = scenarios.find((s) => s.name.startsWith('direct start'));
    if (!direct) throw new Error('no scenario');
    const scenario: Scenario = { ...direct, name: 'timing', finishOnPoll: SCHEDULE.length + 2 };

    // Act
    const { describeTimes, clock } = await runScenario(scenario);

    // Assess
    const start = new VirtualClock().now();
    const gaps = describeTimes.map((time, i) => (time - (describeTimes[i - 1] ?? start)) / 1000);
    expect(gaps).toEqual([...SCHEDULE, 60, 60]);
    expect(clock.now() - start).toBe((SCHEDULE.reduce((a, b) => a + b, 0) + 120) * 1000);
  });

  it('takes each retry backoff on the clock before the retried call, with FULL jitter under the cap', async () => {
    // Prepare
    const scenario = scenarios.find((s) => s.name.startsWith('describe throttled'));
    if (!scenario) throw new Error('no scenario');

    // Act
    const { describeTimes, run } = await runScenario(scenario);

    // Assess
    const retryDelays = run.delays.filter((d) => d.kind === 'retry');
    expect(retryDelays.map((d) => d.state)).toEqual(['DescribeMitigationTask', 'DescribeMitigationTask']);
    const [first, second] = retryDelays.map((d) => d.ms);
    expect(first).toBeGreaterThanOrEqual(0);
    expect(first).toBeLessThanOrEqual(2000);
    expect(second).toBeLessThanOrEqual(4000);
    expect(describeTimes.slice(0, 3).map((time, i, all) => time - (all[i - 1] ?? time))).toEqual([
      0,
      first,
      second,
    ]);
  });

  it('names every Fail state after an outcome the completion event can carry', () => {
    // Prepare
    const { definition } = prepareWorkflow(ASL_TEXT, SUBSTITUTIONS);

    // Act
    const failErrors = Object.values(definition.States).flatMap((state) =>
      state.Type === 'Fail' && state.Error ? [state.Error] : [],
    );

    // Assess
    expect(failErrors.sort()).toEqual(Object.keys(OUTCOME_BY_FAIL_ERROR).sort());
    for (const outcome of Object.values(OUTCOME_BY_FAIL_ERROR)) expect(WORKFLOW_OUTCOMES).toContain(outcome);
  });

  it('keeps lastIndex of InitPolling equal to the schedule length - 1', () => {
    // Prepare
    const { definition } = prepareWorkflow(ASL_TEXT, SUBSTITUTIONS);

    // Act
    const init = definition.States.InitPolling;

    // Assess
    expect(init?.Type === 'Pass' && init.Result).toEqual({
      schedule: SCHEDULE,
      lastIndex: SCHEDULE.length - 1,
      index: 0,
      wait: SCHEDULE[0],
      elapsed: SCHEDULE[0],
      count: 1,
      continueAt: POLLS_PER_EXECUTION,
    });
  });

  describe('continue as new', () => {
    const neverEnds: Scenario = {
      name: 'task never ends, deadline a year away',
      deferredStart: false,
      finishOnPoll: Number.POSITIVE_INFINITY,
      finalStatus: 'COMPLETED',
      pollDeadlineSeconds: 31_536_000,
      expected: { status: 'SUCCEEDED', outcome: '', polls: 0, transitions: 0, startCalls: 0, retries: 0 },
    };

    it('starts <taskId>__2 of the same state machine after 1000 polls and ends naming it, with no finished event', async () => {
      // Act
      const { run, result, putEntries, childStarts, describeTimes } = await runScenario(neverEnds);

      // Assess
      expect(result).toMatchObject({
        status: 'SUCCEEDED',
        output: { continuedAs: `${TASK_ID}__2`, follow: 2, taskId: TASK_ID, auditTaskId: 'audit1' },
      });
      expect(putEntries).toEqual([]);
      expect(describeTimes).toHaveLength(CONTINUED_AT_COUNT);
      expect(childStarts).toHaveLength(1);
      const base = workflowInput(false, neverEnds.pollDeadlineSeconds);
      expect(childStarts[0]).toEqual({
        StateMachineArn: STATE_MACHINE_ARN,
        Name: `${TASK_ID}__2`,
        Input: {
          ...base,
          follow: 2,
          // An input without `verify` or `retryFailed` (as from an older function): its successor does
          // not verify or retry either.
          verify: false,
          retryFailed: { attempt: 0, attempts: 0, delaySeconds: 0 },
          poll: {
            schedule: SCHEDULE,
            lastIndex: SCHEDULE.length - 1,
            index: SCHEDULE.length - 1,
            wait: 60,
            elapsed: 255 + (CONTINUED_AT_COUNT - SCHEDULE.length) * 60,
            count: CONTINUED_AT_COUNT,
            continueAt: POLLS_PER_EXECUTION,
          },
          task: { status: 'IN_PROGRESS', statistics: STATISTICS },
          AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID: `${STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${EXECUTION_NAME}`,
        },
      });
      expect(run.retries).toBe(0);
    });

    it('keeps each execution of the chain well inside the 25,000-event history (the bound of InitPolling)', async () => {
      // Act: a nominal execution (direct start, no retry) up to its continuation.
      const { run } = await runScenario(neverEnds);

      // Assess: 10 events per poll at the cap plus the 15 s schedule, the start and the end (with
      // CarryVerify, DefaultVerify and CarryVerify again: this input has no `verify`).
      expect(run.historyEvents).toBe(10_040);
      // Worst cases on top: a deferred start using its 600 + 6 attempts (3 events per retry, 5 for
      // the call) and 4 describe retries per poll on average.
      const worstStart = 2 + 5 + 3 * (599 + 5);
      const describeRetries = 3 * 4 * POLLS_PER_EXECUTION;
      expect(run.historyEvents + worstStart + describeRetries).toBeLessThan(HISTORY_LIMIT);
    });

    it('treats ExecutionAlreadyExists on the successor as done', async () => {
      // Act
      const { run, result, childStarts } = await runScenario(neverEnds, {
        startExecutionError: 'StepFunctions.ExecutionAlreadyExistsException',
      });

      // Assess
      expect(result).toMatchObject({ status: 'SUCCEEDED', output: { continuedAs: `${TASK_ID}__2` } });
      expect(childStarts).toHaveLength(1);
      expect(run.retries).toBe(0);
    });

    it('reports POLL_FAILED when the successor cannot be started after the retries', async () => {
      // Act
      const { run, result, putEntries, childStarts } = await runScenario(neverEnds, {
        startExecutionError: 'StepFunctions.ExecutionLimitExceededException',
      });

      // Assess
      expect(result).toMatchObject({ status: 'FAILED', error: 'PollFailed' });
      expect(childStarts).toHaveLength(7);
      expect(run.retries).toBe(6);
      expect(eventDetail(putEntries)).toMatchObject({ outcome: 'POLL_FAILED', polls: CONTINUED_AT_COUNT });
    });

    it('resumes a successor where its predecessor stopped: the deadline and the poll count run across the chain', async () => {
      // Prepare: the predecessor's state at its continuation, 300 s before the deadline.
      const elapsed = 255 + (CONTINUED_AT_COUNT - SCHEDULE.length) * 60;
      const input: WorkflowInput = {
        ...workflowInput(false, elapsed + 300),
        follow: 2,
        poll: {
          schedule: SCHEDULE,
          lastIndex: SCHEDULE.length - 1,
          index: SCHEDULE.length - 1,
          wait: 60,
          elapsed,
          count: CONTINUED_AT_COUNT,
          continueAt: POLLS_PER_EXECUTION,
        },
        task: { status: 'IN_PROGRESS', statistics: STATISTICS },
      };

      // Act
      const { run, result, putEntries, startCalls } = await runScenario(neverEnds, { input });

      // Assess: no start, polls at the cap only, the deadline reached 6 polls later (pairs of 120 s).
      expect(startCalls).toBe(0);
      expect(run.statesEntered.slice(0, 3)).toEqual(['ChooseStart', 'ResumePolling', 'CheckTaskStatus']);
      expect(run.delays.filter((d) => d.kind === 'wait').every((d) => d.ms === 60_000)).toBe(true);
      expect(result).toMatchObject({ status: 'FAILED', error: 'PollDeadlineExceeded' });
      expect(eventDetail(putEntries)).toMatchObject({
        outcome: 'DEADLINE_EXCEEDED',
        polls: CONTINUED_AT_COUNT + 6,
      });
    });
  });
});
