import type { IoTClient } from '@aws-sdk/client-iot';
import {
  DescribeExecutionCommand,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  InvalidArn,
  InvalidOutput,
  InvalidToken,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../../src/local/clock';
import {
  createLocalStepFunctions,
  type InvokeFunction,
  type JsonValue,
  LambdaServiceError,
  type LocalStepFunctions,
} from '../../../../src/local/step-functions';
import { startTimeDriver, type TimeDriver } from '../../../../src/local/time-driver';

const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:Callbacks';
const EXECUTION_PREFIX = STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:');
const FUNCTION = 'arn:aws:lambda:us-east-1:123456789012:function:RequestApproval';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const HOUR = 3_600_000;

interface DefinitionOptions {
  /** A 30 s Wait before the callback task. */
  wait?: boolean;
  heartbeatSeconds?: number;
  retryTimeouts?: boolean;
  resource?: string;
}

/** A small state machine around one callback task; each ending names the path it took. */
function definition({
  wait = false,
  heartbeatSeconds,
  retryTimeouts = false,
  resource = 'arn:aws:states:::lambda:invoke.waitForTaskToken',
}: DefinitionOptions = {}): string {
  const callback = resource.endsWith('.waitForTaskToken');
  return JSON.stringify({
    StartAt: wait ? 'Prepare' : 'Approve',
    States: {
      ...(wait ? { Prepare: { Type: 'Wait', Seconds: 30, Next: 'Approve' } } : {}),
      Approve: {
        Type: 'Task',
        Resource: resource,
        Parameters: {
          FunctionName: FUNCTION,
          Payload: {
            ...(callback ? { 'taskToken.$': '$$.Task.Token' } : {}),
            'executionName.$': '$$.Execution.Name',
            'requestedAt.$': '$$.State.EnteredTime',
            'state.$': '$$.State.Name',
            'retryCount.$': '$$.State.RetryCount',
            'approval.$': '$.approval',
          },
        },
        ...(callback ? { TimeoutSecondsPath: '$.approval.timeoutSeconds' } : {}),
        ...(heartbeatSeconds === undefined ? {} : { HeartbeatSeconds: heartbeatSeconds }),
        ...(retryTimeouts
          ? { Retry: [{ ErrorEquals: ['States.Timeout'], IntervalSeconds: 5, MaxAttempts: 1 }] }
          : {}),
        ResultPath: '$.decision',
        Catch: [
          { ErrorEquals: ['ApprovalRejected'], Next: 'Rejected' },
          { ErrorEquals: ['States.HeartbeatTimeout'], Next: 'Silent' },
          // Matches every error but States.Timeout, as in the cloud.
          { ErrorEquals: ['States.TaskFailed'], Next: 'OtherFailure' },
          { ErrorEquals: ['States.Timeout'], Next: 'Expired' },
        ],
        Next: 'Done',
      },
      Done: { Type: 'Succeed' },
      Rejected: { Type: 'Fail', Error: 'Rejected' },
      Silent: { Type: 'Fail', Error: 'Silent' },
      OtherFailure: { Type: 'Fail', Error: 'OtherFailure' },
      Expired: { Type: 'Fail', Error: 'Expired' },
    },
  });
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface SetUpOptions extends DefinitionOptions {
  /** Drive time with the time driver (default) or by hand (clock.advanceBy). */
  driver?: boolean;
  hold?: boolean;
  invokeFunction?: InvokeFunction | null;
}

async function setUp(options: SetUpOptions = {}) {
  const clock = new VirtualClock();
  const invocations: Array<{ functionName: string; payload: Record<string, JsonValue> }> = [];
  const invokeFunction: InvokeFunction = async (functionName, payload) => {
    invocations.push({ functionName, payload: payload as Record<string, JsonValue> });
    return { accepted: true };
  };
  const sfnLocal: LocalStepFunctions = createLocalStepFunctions({
    definition: definition(options),
    substitutions: {},
    stateMachineArn: STATE_MACHINE_ARN,
    iot: {} as IoTClient,
    clock,
    ...(options.invokeFunction === null ? {} : { invokeFunction: options.invokeFunction ?? invokeFunction }),
    holdPendingCallbacks: options.hold,
  });
  const { url } = await sfnLocal.listen();
  cleanups.push(() => sfnLocal.close());
  const sfn = new SFNClient({ endpoint: url, region: 'us-east-1', credentials, maxAttempts: 1 });
  cleanups.push(() => sfn.destroy());
  let ownWork = 0;
  if (options.driver !== false) {
    const driver: TimeDriver = startTimeDriver({ clock, isBusy: () => ownWork + sfnLocal.inFlight > 0 });
    cleanups.push(() => driver.stop());
  }
  /** The test's own request, with time held still. */
  const call = async <T>(work: () => Promise<T>): Promise<T> => {
    ownWork += 1;
    try {
      return await work();
    } finally {
      ownWork -= 1;
    }
  };
  const start = (name: string, timeoutSeconds = 72 * 3600) =>
    call(() =>
      sfn.send(
        new StartExecutionCommand({
          stateMachineArn: STATE_MACHINE_ARN,
          name,
          input: JSON.stringify({ taskId: name, approval: { timeoutSeconds, checks: ['CA_CHECK'] } }),
        }),
      ),
    );
  /** Resolves once `count` invocations happened and the executions wait idle. */
  const invoked = async (count = 1) => {
    for (let turn = 0; turn < 10_000; turn++) {
      if (invocations.length >= count && sfnLocal.inFlight === 0) return invocations[count - 1];
      await new Promise(setImmediate);
    }
    throw new Error(
      `no invocation ${count}: inFlight ${sfnLocal.inFlight} sleepers ${clock.pendingSleepers} holding ${clock.holding} now ${clock.now()}`,
    );
  };
  const history = async (executionArn: string) =>
    (await call(() => sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 })))).events ??
    [];
  const describe = (executionArn: string) =>
    call(() => sfn.send(new DescribeExecutionCommand({ executionArn })));
  const error = (work: () => Promise<unknown>) =>
    call(work).then(
      () => undefined,
      (e: unknown) => e,
    );
  return { clock, sfnLocal, sfn, invocations, call, start, invoked, history, describe, error };
}

const tokenOf = (invocation: { payload: Record<string, JsonValue> } | undefined): string =>
  String(invocation?.payload.taskToken);

describe('local Step Functions: callback tasks (.waitForTaskToken)', () => {
  it('hands the function the context object and a long opaque token, then takes SendTaskSuccess as the result', async () => {
    // Prepare
    const { clock, sfn, sfnLocal, start, invoked, call, describe, history } = await setUp({ wait: true });
    const startedAt = clock.now();
    const { executionArn } = await start('approve-1');
    const invocation = await invoked();
    const token = tokenOf(invocation);
    const decision = { decision: 'APPROVED', decidedBy: 'arn:aws:iam::123456789012:user/ops', via: 'cli' };

    // Act
    await call(() =>
      sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(decision) })),
    );
    await sfnLocal.waitForAll();

    // Assess
    expect(invocation).toEqual({
      functionName: FUNCTION,
      payload: {
        taskToken: token,
        executionName: 'approve-1',
        // Entered after the 30 s Wait, on the local clock.
        requestedAt: new Date(startedAt + 30_000).toISOString(),
        state: 'Approve',
        retryCount: 0,
        approval: { timeoutSeconds: 72 * 3600, checks: ['CA_CHECK'] },
      },
    });
    expect(token).toMatch(/^[A-Za-z0-9_-]{342}$/);
    const described = await describe(executionArn as string);
    expect(described.status).toBe('SUCCEEDED');
    expect(JSON.parse(described.output ?? 'null')).toMatchObject({ decision });
    const events = await history(executionArn as string);
    expect(events.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'WaitStateEntered',
      'WaitStateExited',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSubmitted',
      'TaskSucceeded',
      'TaskStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
    expect(events.map((e) => [e.id, e.previousEventId])).toEqual(events.map((_, i) => [i + 1, i]));
    const byType = (type: string) => events.find((e) => e.type === type) as HistoryEvent;
    expect(byType('TaskStateEntered').timestamp?.getTime()).toBe(startedAt + 30_000);
    const scheduled = byType('TaskScheduled').taskScheduledEventDetails;
    expect(scheduled).toMatchObject({
      resourceType: 'lambda',
      resource: 'invoke.waitForTaskToken',
      region: 'us-east-1',
      timeoutInSeconds: 72 * 3600,
    });
    expect(JSON.parse(scheduled?.parameters ?? 'null')).toEqual({
      FunctionName: FUNCTION,
      Payload: invocation?.payload,
    });
    expect(JSON.parse(byType('TaskSubmitted').taskSubmittedEventDetails?.output ?? 'null')).toMatchObject({
      Payload: { accepted: true },
      StatusCode: 200,
    });
    expect(JSON.parse(byType('TaskSucceeded').taskSucceededEventDetails?.output ?? 'null')).toEqual(decision);
  });

  it('fails the task with the error and cause of SendTaskFailure', async () => {
    // Prepare
    const { sfn, sfnLocal, start, invoked, call, describe, history } = await setUp();
    const { executionArn } = await start('reject-1');
    const token = tokenOf(await invoked());

    // Act
    await call(() =>
      sfn.send(
        new SendTaskFailureCommand({ taskToken: token, error: 'ApprovalRejected', cause: '{"reason":"no"}' }),
      ),
    );
    await sfnLocal.waitForAll();

    // Assess
    expect(await describe(executionArn as string)).toMatchObject({ status: 'FAILED', error: 'Rejected' });
    const failed = (await history(executionArn as string)).find((e) => e.type === 'TaskFailed');
    expect(failed?.taskFailedEventDetails).toEqual({
      resourceType: 'lambda',
      resource: 'invoke.waitForTaskToken',
      error: 'ApprovalRejected',
      cause: '{"reason":"no"}',
    });
  });

  it('times an unanswered callback out on the virtual clock (States.Timeout, not States.TaskFailed); a late answer changes nothing', async () => {
    // Prepare
    const { clock, sfn, sfnLocal, start, invoked, describe, history, error } = await setUp();
    const startedAt = clock.now();
    const { executionArn } = await start('expire-1', 72 * 3600);
    const token = tokenOf(await invoked());

    // Act: nothing else can happen, so time jumps to the timeout.
    await sfnLocal.waitForAll();
    const late = await error(() => sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })));

    // Assess
    expect(await describe(executionArn as string)).toMatchObject({ status: 'FAILED', error: 'Expired' });
    expect(clock.now() - startedAt).toBe(72 * HOUR);
    expect(late).toBeInstanceOf(TaskTimedOut);
    const timedOut = (await history(executionArn as string)).find((e) => e.type === 'TaskTimedOut');
    expect(timedOut?.taskTimedOutEventDetails).toMatchObject({ error: 'States.Timeout' });
    expect(timedOut?.timestamp?.getTime()).toBe(startedAt + 72 * HOUR);
    expect(await describe(executionArn as string)).toMatchObject({ status: 'FAILED', error: 'Expired' });
  });

  it('restarts the heartbeat clock on SendTaskHeartbeat and fails with States.HeartbeatTimeout without one', async () => {
    // Prepare: time moved by hand
    const { clock, sfn, sfnLocal, start, invoked, call, describe } = await setUp({
      heartbeatSeconds: 600,
      driver: false,
    });
    const { executionArn } = await start('heartbeat-1');
    const token = tokenOf(await invoked());
    const status = async () => (await describe(executionArn as string)).status;

    // Act
    clock.advanceBy(500_000);
    await call(() => sfn.send(new SendTaskHeartbeatCommand({ taskToken: token })));
    clock.advanceBy(500_000);
    const afterHeartbeat = await status();
    clock.advanceBy(100_000);
    await sfnLocal.waitForAll();

    // Assess: 1,000 s after the start, 500 s after the heartbeat, still waiting; silent at 1,100 s.
    expect(afterHeartbeat).toBe('RUNNING');
    expect(await describe(executionArn as string)).toMatchObject({ status: 'FAILED', error: 'Silent' });
  });

  it('issues a new token to a retry; the old one answers TaskTimedOut', async () => {
    // Prepare
    const { clock, sfn, sfnLocal, start, invoked, call, describe, error } = await setUp({
      retryTimeouts: true,
      hold: true,
    });
    const { executionArn } = await start('retry-1', 60);
    const first = await invoked(1);

    // Act: the first attempt times out (an explicit advance goes through the hold), the retry,
    // 5 s later, gets a second invocation and a second token.
    clock.advanceBy(60_000);
    const second = await invoked(2);
    const old = await error(() =>
      sfn.send(new SendTaskSuccessCommand({ taskToken: tokenOf(first), output: '{}' })),
    );
    await call(() =>
      sfn.send(new SendTaskSuccessCommand({ taskToken: tokenOf(second), output: '{"ok":1}' })),
    );
    await sfnLocal.waitForAll();

    // Assess
    expect(tokenOf(second)).not.toBe(tokenOf(first));
    expect(second?.payload.retryCount).toBe(1);
    expect(second?.payload.requestedAt).toBe(first?.payload.requestedAt);
    expect(old).toBeInstanceOf(TaskTimedOut);
    expect(await describe(executionArn as string)).toMatchObject({ status: 'SUCCEEDED' });
  });

  it('ends the wait when the execution is stopped: the token is closed, no timer is left', async () => {
    // Prepare
    const { clock, sfn, sfnLocal, start, invoked, call, history, error } = await setUp();
    const { executionArn } = await start('stop-1');
    const token = tokenOf(await invoked());

    // Act
    await call(() =>
      sfn.send(new StopExecutionCommand({ executionArn, error: 'Operator', cause: 'stopped by a test' })),
    );
    await sfnLocal.waitForAll();
    const late = await error(() => sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })));

    // Assess
    expect(late).toBeInstanceOf(TaskTimedOut);
    expect(sfnLocal.inFlight).toBe(0);
    expect(clock.pendingSleepers).toBe(0);
    const events = await history(executionArn as string);
    expect(events.at(-1)).toMatchObject({
      type: 'ExecutionAborted',
      executionAbortedEventDetails: { error: 'Operator', cause: 'stopped by a test' },
    });
  });

  it('derives the same tokens run after run, never shows them in executions(), and refuses unknown or malformed ones', async () => {
    // Prepare: time stands still (no driver), the callbacks wait.
    const one = await setUp({ driver: false });
    await one.start('same-name');
    const tokenOne = tokenOf(await one.invoked());
    const two = await setUp({ driver: false });
    await two.start('same-name');
    const tokenTwo = tokenOf(await two.invoked());
    await two.start('other-name');
    const tokenOther = tokenOf(await two.invoked(2));

    // Act
    const malformed = await one.error(() =>
      one.sfn.send(new SendTaskSuccessCommand({ taskToken: 'x', output: '{}' })),
    );
    const unknown = await one.error(() =>
      one.sfn.send(new SendTaskHeartbeatCommand({ taskToken: 'A'.repeat(342) })),
    );
    const notJson = await one.error(() =>
      one.sfn.send(new SendTaskSuccessCommand({ taskToken: tokenOne, output: 'not json' })),
    );

    // Assess
    expect(tokenOne).toBe(tokenTwo);
    expect(tokenOther).not.toBe(tokenOne);
    expect(JSON.stringify(one.sfnLocal.executions())).not.toContain(tokenOne);
    expect(malformed).toBeInstanceOf(InvalidToken);
    expect(unknown).toBeInstanceOf(TaskDoesNotExist);
    expect(notJson).toBeInstanceOf(InvalidOutput);
    // A refused answer leaves the task waiting.
    expect(one.sfnLocal.executions()).toMatchObject([{ status: 'RUNNING' }]);
  });

  it('holds virtual time before a pending callback timeout (holdPendingCallbacks) until the decision', async () => {
    // Prepare
    const { clock, sfn, sfnLocal, start, invoked, call, describe } = await setUp({ hold: true });
    const startedAt = clock.now();
    const { executionArn } = await start('hold-1', 72 * 3600);
    const token = tokenOf(await invoked());
    let later = false;
    void clock.sleep(100 * HOUR).then(() => {
      later = true;
    });

    // Act: work due before the deadline still runs; nothing at or after it does.
    await clock.sleep(HOUR);
    for (let turn = 0; turn < 50; turn++) await new Promise(setImmediate);
    const held = { elapsed: clock.now() - startedAt, holding: clock.holding, later };
    await call(() => sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })));
    await sfnLocal.waitForAll();
    await clock.sleep(100 * HOUR);

    // Assess
    expect(held).toEqual({ elapsed: HOUR, holding: true, later: false });
    expect(await describe(executionArn as string)).toMatchObject({ status: 'SUCCEEDED' });
    expect(later).toBe(true);
  });

  it('pages the history both ways, with or without the execution data', async () => {
    // Prepare
    const { sfn, sfnLocal, start, invoked, call, error } = await setUp({ wait: true });
    const { executionArn } = await start('pages-1');
    await invoked();
    const page = (input: Partial<ConstructorParameters<typeof GetExecutionHistoryCommand>[0]>) =>
      call(() => sfn.send(new GetExecutionHistoryCommand({ executionArn, ...input })));

    // Act
    const newest = await page({ reverseOrder: true, maxResults: 2 });
    const next = await page({ reverseOrder: true, maxResults: 2, nextToken: newest.nextToken });
    const all = await page({});
    const bare = await page({ includeExecutionData: false });
    const badToken = await error(() => page({ nextToken: '999' }));
    const missing = await error(() =>
      sfn.send(new GetExecutionHistoryCommand({ executionArn: `${EXECUTION_PREFIX}:missing` })),
    );
    const notArn = await error(() =>
      sfn.send(new GetExecutionHistoryCommand({ executionArn: 'not-an-arn' })),
    );
    await sfnLocal.close();

    // Assess: the pending callback is the newest TaskSubmitted; its TaskScheduled names the token.
    expect(newest.events?.map((e) => [e.id, e.type])).toEqual([
      [7, 'TaskSubmitted'],
      [6, 'TaskStarted'],
    ]);
    expect(next.events?.map((e) => [e.id, e.type])).toEqual([
      [5, 'TaskScheduled'],
      [4, 'TaskStateEntered'],
    ]);
    expect(all.events).toHaveLength(7);
    expect(all.nextToken).toBeUndefined();
    expect(all.events?.[0]?.executionStartedEventDetails?.input).toBeDefined();
    expect(bare.events?.[0]?.executionStartedEventDetails?.input).toBeUndefined();
    expect(
      JSON.parse(bare.events?.[4]?.taskScheduledEventDetails?.parameters ?? '{}').Payload.taskToken,
    ).toMatch(/^[A-Za-z0-9_-]{342}$/);
    expect(badToken).toBeInstanceOf(InvalidToken);
    expect(missing).toBeInstanceOf(ExecutionDoesNotExist);
    expect(notArn).toBeInstanceOf(InvalidArn);
  });
});

describe('local Step Functions: lambda:invoke (request-response)', () => {
  const resource = 'arn:aws:states:::lambda:invoke';

  it('returns the invocation answer as the integration does', async () => {
    // Prepare
    const { sfnLocal, start, describe } = await setUp({ resource });

    // Act
    const { executionArn } = await start('invoke-1');
    await sfnLocal.waitForAll();

    // Assess
    const described = await describe(executionArn as string);
    expect(JSON.parse(described.output ?? 'null').decision).toEqual({
      ExecutedVersion: '$LATEST',
      Payload: { accepted: true },
      SdkHttpMetadata: { HttpStatusCode: 200 },
      StatusCode: 200,
    });
  });

  it.each([
    [
      'a function error: its errorType',
      async () => {
        throw Object.assign(new Error('no such audit'), { name: 'ApprovalRejected' });
      },
      'ApprovalRejected',
      'Rejected',
    ],
    [
      'an error of Lambda itself: Lambda.<Exception>',
      async () => {
        throw new LambdaServiceError('ServiceException', 'Lambda is down');
      },
      'Lambda.ServiceException',
      'OtherFailure',
    ],
    [
      'a failure with no error type: Lambda.Unknown',
      () => Promise.reject('out of memory'),
      'Lambda.Unknown',
      'OtherFailure',
    ],
    [
      'no function configured: Lambda.ResourceNotFoundException',
      null,
      'Lambda.ResourceNotFoundException',
      'OtherFailure',
    ],
  ] as const)('names %s', async (_label, invokeFunction, taskError, ending) => {
    // Prepare
    const { sfnLocal, start, describe, history } = await setUp({ resource, invokeFunction });

    // Act
    const { executionArn } = await start('invoke-error');
    await sfnLocal.waitForAll();

    // Assess
    expect(await describe(executionArn as string)).toMatchObject({ status: 'FAILED', error: ending });
    const failed = (await history(executionArn as string)).find((e) => e.type === 'TaskFailed');
    expect(failed?.taskFailedEventDetails?.error).toBe(taskError);
    if (taskError === 'ApprovalRejected') {
      expect(JSON.parse(failed?.taskFailedEventDetails?.cause ?? '{}')).toMatchObject({
        errorType: 'ApprovalRejected',
        errorMessage: 'no such audit',
      });
    }
  });
});
