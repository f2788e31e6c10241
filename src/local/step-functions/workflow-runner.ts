import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ExecutionError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import type { Clock } from '../clock';
import { createHistoryRecorder, type HistoryEvent } from './execution-history';
import type { JsonValue } from './json-value';
import { taskTokenOf } from './task-token';

export type { JsonValue };

/** What a Task handler knows of the call beyond its input: the state, its token, its limits. */
export interface TaskCall {
  readonly state: string;
  readonly resource: string;
  /** `$$.Task.Token` of this attempt; set for `.waitForTaskToken` resources only. */
  readonly token?: string;
  /** The ASL's TimeoutSeconds(Path) and HeartbeatSeconds(Path), as taken on the clock. */
  readonly timeoutSeconds?: number;
  readonly heartbeatSeconds?: number;
  /**
   * Aborted once the call is over, whatever ended it: the handler's answer, a timeout on the clock,
   * the execution stopped. A callback's token is closed then.
   */
  readonly signal: AbortSignal;
  /** Records TaskSubmitted: a callback task handed its work over (`output`: the service's answer). */
  submitted(output: JsonValue): void;
  /** A heartbeat (SendTaskHeartbeat) restarts the HeartbeatSeconds clock of a callback task. */
  heartbeat(): void;
  /**
   * Waits for `promise` without counting as work (WorkflowRun.working), so that time can pass on a
   * virtual clock meanwhile: a callback that waits for a person, a function that backs off.
   */
  idle<T>(promise: Promise<T>): Promise<T>;
}

/**
 * A local implementation of a Task resource. It receives the state's input after `Parameters`; its
 * answer is the task's result (for a callback task: the output SendTaskSuccess gave).
 */
export type TaskResourceHandler = (input: JsonValue, call: TaskCall) => Promise<JsonValue> | JsonValue;

type EventLog = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;
type Retrier = Extract<EventLog, { type: 'StateRetried' }>['retry']['retrier'];
type StateDefinition = StateMachineDefinition['States'][string];
type TaskState = Extract<StateDefinition, { Type: 'Task' }>;

/**
 * aws-local-stepfunctions fails a Task after 60 real seconds when the ASL sets no TimeoutSeconds, and
 * after TimeoutSeconds real seconds otherwise, where the local stack's time is virtual. So the
 * interpreter is given the longest timer Node accepts (2^31 - 1 ms) for every Task, and the runner
 * applies the ASL's own TimeoutSeconds(Path) and HeartbeatSeconds(Path) on the clock (`runTask`).
 */
const LOCAL_DEFAULT_TASK_TIMEOUT_SECONDS = 2_147_483;

/** The callback pattern: the task waits for SendTaskSuccess / SendTaskFailure with its token. */
export const WAIT_FOR_TASK_TOKEN = '.waitForTaskToken';

/**
 * The Error of an execution that a programming error inside the local stack ended (a TypeError in a
 * task handler, or in the interpreter: aws-local-stepfunctions calls Promise.withResolvers, which
 * Node 20 lacks). The ASL's States.ALL Catch would otherwise report it as PollFailed or StartFailed,
 * a plausible workflow outcome hiding a bug. Step Functions itself never raises it.
 */
export const LOCAL_INTERNAL_ERROR = 'LocalStackInternalError';

// JavaScript's own error classes: thrown by broken code, never by an AWS service answer.
const PROGRAMMING_ERRORS = new Set([
  'TypeError',
  'ReferenceError',
  'RangeError',
  'SyntaxError',
  'EvalError',
  'URIError',
]);

/** Whether an error (or a StateFailed event's Error name) is a programming error rather than a service error. */
export function isProgrammingError(error: unknown): boolean {
  const name = typeof error === 'string' ? error : error instanceof Error ? error.name : undefined;
  return name !== undefined && PROGRAMMING_ERRORS.has(name);
}

/** A state machine definition ready to run locally. */
export interface PreparedWorkflow {
  /** The definition as written (placeholders filled), validated. */
  readonly definition: StateMachineDefinition;
  readonly stateMachine: StateMachine;
}

/**
 * The interpreter's States.Timeout error class, which it does not export. It must be that class: a
 * Retry or Catch on States.TaskFailed matches every error but a States.Timeout, and the interpreter
 * tells them apart with `instanceof`. Obtained once, from a Task that times out after 1 ms of real
 * time, the only real wait the local stack makes. Never rejects.
 */
let statesTimeoutError: (new () => Error) | undefined;
let statesTimeoutErrorProbe: Promise<void> | undefined;
function probeStatesTimeoutError(): Promise<void> {
  statesTimeoutErrorProbe ??= (async () => {
    const probe = new StateMachine(
      {
        StartAt: 'Probe',
        States: { Probe: { Type: 'Task', Resource: 'local:probe', TimeoutSeconds: 0.001, End: true } },
      },
      { validationOptions: { noValidate: true } },
    );
    const run = probe.run(null, {
      overrides: { taskResourceLocalHandlers: { Probe: () => new Promise<never>(() => undefined) } },
    });
    const error = await run.result.then(
      () => undefined,
      (failure: unknown) => (failure instanceof ExecutionError ? failure.cause : undefined),
    );
    // An interpreter that cannot run the probe (Node 20, see LOCAL_INTERNAL_ERROR) fails its tasks
    // anyway; timeouts then fall back to an Error named States.Timeout.
    if (error instanceof Error && error.name === 'States.Timeout')
      statesTimeoutError = error.constructor as new () => Error;
  })().catch(() => undefined);
  return statesTimeoutErrorProbe;
}

/** Calls the interpreter makes to the sync event listener a run passes in its options (see below). */
const ON_DISPATCH = Symbol('onDispatch');

interface InterpreterInternals {
  execute(
    input: unknown,
    options: { runOptions?: { [ON_DISPATCH]?: (event: EventLog) => void }; eventLogger: EventLogger },
    cleanup: () => void,
  ): Promise<unknown>;
}
interface EventLogger {
  dispatch(event: EventLog): void;
}

/**
 * Makes every event of a run reach the run's listener synchronously, as the interpreter dispatches
 * it. `eventLogs` delivers them later, through an async generator: a state's `Parameters` are read
 * right after its StateEntered is dispatched, before any consumer of `eventLogs` sees it, so
 * `$$.State` and `$$.Task.Token` could not be right otherwise (verified: they lagged one state).
 * StateMachine#execute is private: the wrapper checks that it is still there.
 */
function observeDispatches(stateMachine: StateMachine): void {
  const internals = stateMachine as unknown as InterpreterInternals;
  const execute = internals.execute;
  if (typeof execute !== 'function')
    throw new Error(
      'aws-local-stepfunctions changed: StateMachine#execute, which the local runner wraps, is gone',
    );
  internals.execute = function (this: unknown, input, options, cleanup) {
    const listener = options.runOptions?.[ON_DISPATCH];
    const logger = options.eventLogger;
    if (listener && typeof logger?.dispatch === 'function') {
      const dispatch = logger.dispatch.bind(logger);
      logger.dispatch = (event) => {
        dispatch(event);
        listener(event);
      };
    }
    return execute.call(this, input, options, cleanup);
  };
}

/** Definition texts (placeholders filled) the interpreter has validated in this process. */
const validTexts = new Set<string>();

/**
 * Validates the definition as the interpreter does on construction (asl-validator), unless this
 * text was found valid before: in this process, or in `cacheDir`, where a file named by the text's
 * hash records each valid one between processes. A validation compiles the validator's schemas anew
 * (about 0.4 s of every local stack's start); its verdict on the same text with the same installed
 * packages does not change, so whoever gives a cache directory names it after what is installed
 * (stack.ts: the lockfile). An invalid text is never recorded: it throws every time.
 */
function validateOnce(text: string, definition: StateMachineDefinition, cacheDir?: string): void {
  if (validTexts.has(text)) return;
  const verdict = cacheDir && join(cacheDir, createHash('sha256').update(text).digest('hex'));
  if (!verdict || !existsSync(verdict)) {
    new StateMachine(definition);
    if (verdict) recordValid(verdict);
  }
  validTexts.add(text);
}

/** Writes the verdict file whole (a rename), or not at all: a cache that cannot be written is skipped. */
function recordValid(verdict: string): void {
  try {
    mkdirSync(dirname(verdict), { recursive: true });
    const partial = `${verdict}.${process.pid}.tmp`;
    writeFileSync(partial, 'valid\n');
    renameSync(partial, verdict);
  } catch {
    // Read-only or missing directory: the next process validates again.
  }
}

/**
 * Parses the ASL text, fills its `${Name}` placeholders as DefinitionSubstitutions do in the cloud, and
 * validates it (the interpreter runs asl-validator). Every placeholder must have a value.
 */
export function prepareWorkflow(
  definitionText: string,
  substitutions: Readonly<Record<string, string>>,
  validationCacheDir?: string,
): PreparedWorkflow {
  const text = definitionText.replace(/\$\{([A-Za-z0-9_]+)\}/g, (_placeholder, name: string) => {
    const value = substitutions[name];
    if (value === undefined) throw new Error(`No substitution for the placeholder \${${name}}`);
    return JSON.stringify(value).slice(1, -1);
  });
  // The repository's own ASL file, validated as the interpreter validates it on construction.
  const definition = JSON.parse(text) as StateMachineDefinition;
  validateOnce(text, definition, validationCacheDir);
  // What the interpreter runs: every Task limit is the runner's business (LOCAL_DEFAULT_TASK_...).
  const runnable = JSON.parse(text) as StateMachineDefinition;
  for (const state of Object.values(runnable.States)) {
    if (state.Type !== 'Task') continue;
    const limits = state as TaskState & Record<string, unknown>;
    for (const field of ['TimeoutSecondsPath', 'HeartbeatSeconds', 'HeartbeatSecondsPath'])
      delete limits[field];
    state.TimeoutSeconds = LOCAL_DEFAULT_TASK_TIMEOUT_SECONDS;
  }
  const stateMachine = new StateMachine(runnable, { validationOptions: { noValidate: true } });
  observeDispatches(stateMachine);
  return { definition, stateMachine };
}

// At load, outside any work that runs on virtual timers (virtual-timers.ts), where its 1 ms would wait
// for the virtual clock.
void probeStatesTimeoutError();

export interface WorkflowRunOptions {
  input: JsonValue;
  /** Local implementations of the Task resources, keyed by Resource ARN. */
  handlers: Readonly<Record<string, TaskResourceHandler>>;
  /** Waits, retry intervals and Task timeouts are taken on this clock. */
  clock: Clock;
  /** For FULL jitter; seed it for reproducible runs. */
  random?: () => number;
  /**
   * The context object's `$$.Execution` / `$$.StateMachine` members (`$$.Execution.Id`, the execution
   * ARN, seeds the task tokens). `$$.State` and `$$.Task` are the runner's.
   */
  context?: Record<string, unknown>;
  /**
   * Told each time `working` changes (+1, -1; +1 once at the start), so that a caller running many
   * executions keeps a count instead of asking every execution on every turn of the time driver.
   */
  onWorkingChange?: (delta: 1 | -1) => void;
  /** Records `history` (GetExecutionHistory); off by default. */
  history?: boolean;
  /**
   * The timeouts of callback tasks hold a VirtualClock (ScheduleOptions.holdsTime): time never
   * reaches them while the callback waits, so an approval waits for its decision however long the
   * rest of the simulation runs.
   */
  holdCallbackTimeouts?: boolean;
}

/** A pause that the ASL asked for and that was taken on the clock. */
export interface WorkflowDelay {
  readonly state: string;
  readonly kind: 'wait' | 'retry';
  readonly ms: number;
}

export interface WorkflowResult {
  readonly status: 'SUCCEEDED' | 'FAILED' | 'ABORTED';
  readonly output?: JsonValue;
  readonly error?: string;
  readonly cause?: string;
}

/** One running execution of a prepared workflow. */
export interface WorkflowRun {
  /** False while the execution sleeps on the clock, waits idle (TaskCall.idle) or has ended. */
  readonly working: boolean;
  /** Billable state transitions so far: states entered plus retries. */
  readonly transitions: number;
  /**
   * An estimate of the execution's history events, the count Step Functions caps at 25,000: a Task
   * writes about 5 (entered, scheduled, started, succeeded or failed, exited) and 3 more per retry,
   * any other state 2 (entered, exited), the execution itself 2 (started, ended).
   */
  readonly historyEvents: number;
  readonly retries: number;
  /** Names of the states entered, in order. */
  readonly statesEntered: readonly string[];
  readonly delays: readonly WorkflowDelay[];
  /** Calls of each Task resource (retries included). */
  readonly calls: ReadonlyMap<string, number>;
  /** The recorded history (WorkflowRunOptions.history), event ids from 1. */
  readonly history: readonly HistoryEvent[];
  readonly result: Promise<WorkflowResult>;
  /** Stops the execution (StopExecution): its waits end, ExecutionAborted carries `error` and `cause`. */
  abort(reason?: { readonly error?: string; readonly cause?: string }): void;
}

/** The state being run, as `$$.State` and the token describe it. */
interface StateAttempt {
  readonly name: string;
  /** Which entry into this state (from 1). */
  readonly entry: number;
  /** Retries of this entry so far ($$.State.RetryCount). */
  attempt: number;
  readonly input: JsonValue;
  readonly enteredAt: number;
}

/** A Task call in progress: ended once, by its handler, its timeout or the end of the execution. */
interface CallInProgress {
  /** No error: the handler answered `output`. */
  end(error: Error | undefined, output?: JsonValue): void;
}

/** A States.Runtime error: neither Retry nor Catch applies to it, the execution fails. */
function runtimeError(message: string): Error {
  return Object.assign(new Error(message), {
    name: 'States.Runtime',
    isRetryable: false,
    isCatchable: false,
  });
}

/**
 * Runs the workflow with aws-local-stepfunctions without ever sleeping for real. The interpreter is
 * told to wait 0 ms in every Wait state and before every retry; the waits the ASL specifies are read
 * from its events instead (Wait: Seconds / SecondsPath / Timestamp / TimestampPath; retry: the
 * retrier's backoff with jitter) and taken on `clock` at the start of the next Task call, so their
 * total is right and every call happens at the right clock time. Task timeouts and heartbeats run on
 * `clock` too; callback tasks (`.waitForTaskToken`) wait idle for their handler's answer.
 */
export function runWorkflow(workflow: PreparedWorkflow, options: WorkflowRunOptions): WorkflowRun {
  const { clock, random = Math.random, onWorkingChange } = options;
  const states = workflow.definition.States;
  const executionArn = String((options.context?.Execution as { Id?: unknown } | undefined)?.Id ?? '');
  const history = createHistoryRecorder(options.history === true);
  const statesEntered: string[] = [];
  const delays: WorkflowDelay[] = [];
  const calls = new Map<string, number>();
  // Waits and backoffs not yet taken: events stamped now happen after them (a Wait's exit, the next
  // state's entry), so their timestamps and `$$.State.EnteredTime` include them.
  let pendingMs = 0;
  const logicalNow = (): number => clock.now() + pendingMs;
  let working = false;
  const setWorking = (value: boolean): void => {
    if (value === working) return;
    working = value;
    onWorkingChange?.(value ? 1 : -1);
  };
  setWorking(true);
  let retries = 0;
  let aborted = false;
  let ended = false;
  let internalError: string | undefined;
  // Every Task call in progress, dropped when it ends, so that an abort ends them all. One entry per
  // call: a race against one promise that lives as long as the execution would keep every call's
  // result (and its HTTP response) reachable until the end, memory quadratic in a burst.
  const callsInProgress = new Set<CallInProgress>();
  const abortCalls = (): void => {
    for (const call of [...callsInProgress]) call.end(new Error('Execution aborted'));
  };

  // $$.State and $$.Task. The interpreter copies the context object once per execution but keeps
  // these nested objects: they are updated as each state is entered or retried, synchronously,
  // before the state's Parameters are read (observeDispatches).
  const stateContext: Record<string, JsonValue> = {};
  const taskContext: Record<string, JsonValue> = {};
  const entries = new Map<string, number>();
  let current: StateAttempt | undefined;
  const describe = (attempt: StateAttempt): void => {
    current = attempt;
    stateContext.Name = attempt.name;
    stateContext.EnteredTime = new Date(attempt.enteredAt).toISOString();
    stateContext.RetryCount = attempt.attempt;
    const state = states[attempt.name];
    if (state?.Type === 'Task' && state.Resource.endsWith(WAIT_FOR_TASK_TOKEN))
      taskContext.Token = taskTokenOf(executionArn, attempt.name, attempt.entry, attempt.attempt);
    else delete taskContext.Token;
  };

  const takePendingDelay = async (): Promise<void> => {
    const ms = pendingMs;
    pendingMs = 0;
    if (ms <= 0) return;
    setWorking(false);
    try {
      await clock.sleep(ms);
    } finally {
      if (!ended) setWorking(true);
    }
  };

  // Runs one call of a Task's handler: history, timeouts on the clock, the callback's idle wait.
  const runTask = (
    state: TaskState,
    stateName: string,
    attempt: StateAttempt,
    input: JsonValue,
    handler: TaskResourceHandler,
  ): Promise<JsonValue> =>
    new Promise<JsonValue>((resolve, reject) => {
      const resource = state.Resource;
      const callback = resource.endsWith(WAIT_FOR_TASK_TOKEN);
      const holdsTime = callback && options.holdCallbackTimeouts === true;
      const controller = new AbortController();
      let cancelTimeout: (() => void) | undefined;
      let cancelHeartbeat: (() => void) | undefined;
      let done = false;
      let timedOut = false;
      let idleWaits = 0;

      const call: CallInProgress = {
        end(error, output) {
          if (done) return;
          done = true;
          callsInProgress.delete(call);
          cancelTimeout?.();
          cancelHeartbeat?.();
          controller.abort();
          if (ended) return reject(error ?? new Error('Execution aborted'));
          // The execution goes on from here (after an idle wait's answer, or a timeout while idle).
          setWorking(true);
          if (error === undefined) {
            history.record('TaskSucceeded', logicalNow(), { state: stateName, data: output ?? null });
            return resolve(output ?? null);
          }
          if (isProgrammingError(error)) failInternally(`${error.name}: ${error.message}`);
          history.record(timedOut ? 'TaskTimedOut' : 'TaskFailed', logicalNow(), {
            state: stateName,
            details: errorDetails(error.name || undefined, timedOut ? undefined : error.message || undefined),
          });
          reject(error);
        },
      };
      callsInProgress.add(call);

      const expire = (name: 'States.Timeout' | 'States.HeartbeatTimeout') => (): void => {
        // Only States.Timeout has to be the interpreter's class (probeStatesTimeoutError).
        const error =
          name === 'States.Timeout' && statesTimeoutError ? new statesTimeoutError() : new Error();
        error.name = name;
        timedOut = true;
        call.end(error);
      };

      void (async () => {
        await takePendingDelay();
        await probeStatesTimeoutError();
        if (done) return;
        if (aborted) return call.end(new Error('Execution aborted'));
        calls.set(resource, (calls.get(resource) ?? 0) + 1);
        let limits: TaskLimits;
        try {
          limits = taskLimitsOf(state, attempt.input);
        } catch (error) {
          return call.end(error as Error);
        }
        const heartbeatSeconds = callback ? limits.heartbeatSeconds : undefined;
        history.record('TaskScheduled', logicalNow(), {
          state: stateName,
          details: {
            parameters: JSON.stringify(input),
            ...(limits.timeoutSeconds === undefined ? {} : { timeoutInSeconds: limits.timeoutSeconds }),
            ...(heartbeatSeconds === undefined ? {} : { heartbeatInSeconds: heartbeatSeconds }),
          },
        });
        history.record('TaskStarted', logicalNow(), { state: stateName });
        if (limits.timeoutSeconds !== undefined)
          cancelTimeout = clock.schedule(limits.timeoutSeconds * 1000, expire('States.Timeout'), {
            holdsTime,
          });
        const armHeartbeat = (): void => {
          cancelHeartbeat?.();
          if (heartbeatSeconds !== undefined)
            cancelHeartbeat = clock.schedule(heartbeatSeconds * 1000, expire('States.HeartbeatTimeout'), {
              holdsTime,
            });
        };
        armHeartbeat();
        const taskCall: TaskCall = {
          state: stateName,
          resource,
          ...(callback
            ? { token: taskTokenOf(executionArn, stateName, attempt.entry, attempt.attempt) }
            : {}),
          ...(limits.timeoutSeconds === undefined ? {} : { timeoutSeconds: limits.timeoutSeconds }),
          ...(heartbeatSeconds === undefined ? {} : { heartbeatSeconds }),
          signal: controller.signal,
          submitted(output) {
            if (!done) history.record('TaskSubmitted', logicalNow(), { state: stateName, data: output });
          },
          heartbeat() {
            if (!done) armHeartbeat();
          },
          idle(promise) {
            if (done) return promise;
            idleWaits += 1;
            setWorking(false);
            return promise.finally(() => {
              idleWaits -= 1;
              if (!done && idleWaits === 0) setWorking(true);
            });
          },
        };
        try {
          call.end(undefined, await handler(input, taskCall));
        } catch (error) {
          call.end(error instanceof Error ? error : new Error(String(error)));
        }
      })();
    });

  const taskResourceLocalHandlers: Record<string, (input: JsonValue) => Promise<JsonValue>> = {};
  const waitTimeOverrides: Record<string, number> = {};
  const retryIntervalOverrides: Record<string, number> = {};
  for (const [name, state] of Object.entries(states)) {
    if (state.Type === 'Wait') waitTimeOverrides[name] = 0;
    if ('Retry' in state) retryIntervalOverrides[name] = 0;
    if (state.Type !== 'Task') continue;
    const handler = options.handlers[state.Resource];
    if (handler === undefined) throw new Error(`No local handler for ${state.Resource} (state ${name})`);
    taskResourceLocalHandlers[name] = (input) => {
      // Called synchronously right after the state's entry or retry: `current` is this attempt.
      const attempt = current as StateAttempt;
      const result = runTask(state, name, attempt, input, handler);
      // An interpreter that fails before awaiting the call (Node 20, see LOCAL_INTERNAL_ERROR) would
      // leave its rejection unhandled and crash the process: the failure is reported by the runner.
      result.catch(() => undefined);
      return result;
    };
  }

  // Stops the execution before a Retry or Catch of the ASL can turn the bug into an outcome.
  function failInternally(message: string): void {
    if (internalError !== undefined) return;
    internalError = `local stack internal error: ${message}`;
    aborted = true;
    abortCalls();
    execution.abort();
  }

  const onDispatch = (event: EventLog): void => {
    if (ended) return;
    // Events of Map iterations and Parallel branches (none in this project's ASL) are not recorded.
    if ('index' in event || 'parentState' in event) return;
    if (event.type === 'ExecutionStarted') {
      history.record('ExecutionStarted', logicalNow(), { data: event.input as JsonValue });
    } else if (event.type === 'StateEntered') {
      const name = event.state.name;
      statesEntered.push(name);
      const entry = (entries.get(name) ?? 0) + 1;
      entries.set(name, entry);
      const input = event.state.input as JsonValue;
      history.record(`${event.state.type}StateEntered`, logicalNow(), { state: name, data: input });
      describe({ name, entry, attempt: 0, input, enteredAt: logicalNow() });
      const state = states[name];
      if (state?.Type === 'Wait') {
        const ms = waitMs(state, input, logicalNow());
        pendingMs += ms;
        delays.push({ state: name, kind: 'wait', ms });
      }
    } else if (event.type === 'StateRetried') {
      retries += 1;
      const ms = retryDelayMs(event.retry.retrier, event.retry.attempt, random);
      pendingMs += ms;
      delays.push({ state: event.state.name, kind: 'retry', ms });
      // A retry is no new entry: same EnteredTime, one more RetryCount, a new token.
      if (current?.name === event.state.name) describe({ ...current, attempt: current.attempt + 1 });
    } else if (event.type === 'StateExited') {
      history.record(`${event.state.type}StateExited`, logicalNow(), {
        state: event.state.name,
        data: (event.state.output ?? null) as JsonValue,
      });
    }
  };
  const listener = (event: EventLog): void => {
    try {
      onDispatch(event);
    } catch (error) {
      // Inside the interpreter's own code: report it once the interpreter's step is over.
      queueMicrotask(() =>
        failInternally(error instanceof Error ? `${error.name}: ${error.message}` : String(error)),
      );
    }
  };

  const execution = workflow.stateMachine.run(options.input, {
    overrides: { taskResourceLocalHandlers, waitTimeOverrides, retryIntervalOverrides },
    noThrowOnAbort: true,
    context: { ...options.context, State: stateContext, Task: taskContext },
    [ON_DISPATCH]: listener,
  } as Parameters<StateMachine['run']>[1]);

  const internalFailure = (): WorkflowResult | undefined =>
    internalError === undefined
      ? undefined
      : { status: 'FAILED', error: LOCAL_INTERNAL_ERROR, cause: internalError };

  const drained = (async () => {
    for await (const event of execution.eventLogs) {
      // Thrown by the interpreter itself, outside any handler.
      if (event.type === 'StateFailed' && isProgrammingError(event.Error))
        failInternally(`${event.Error}: ${String(event.Cause)}`);
    }
  })();

  const settle = async (): Promise<WorkflowResult> => {
    try {
      const output = (await execution.result) as JsonValue;
      await drained;
      return internalFailure() ?? (aborted ? { status: 'ABORTED' } : { status: 'SUCCEEDED', output });
    } catch (error) {
      await drained;
      const internal = internalFailure();
      if (internal) return internal;
      const failure = error instanceof ExecutionError && error.cause instanceof Error ? error.cause : error;
      return failure instanceof Error
        ? { status: 'FAILED', error: failure.name, cause: failure.message }
        : { status: 'FAILED', error: 'States.Runtime', cause: String(failure) };
    }
  };
  const result = settle().then((outcome) => {
    if (!ended) {
      if (outcome.status === 'SUCCEEDED')
        history.record('ExecutionSucceeded', logicalNow(), { data: outcome.output ?? null });
      else if (outcome.status === 'FAILED')
        history.record('ExecutionFailed', logicalNow(), {
          details: errorDetails(outcome.error, outcome.cause),
        });
      else history.record('ExecutionAborted', logicalNow());
    }
    ended = true;
    setWorking(false);
    return outcome;
  });

  return {
    get working() {
      return working;
    },
    get transitions() {
      return statesEntered.length + retries;
    },
    get historyEvents() {
      const tasks = statesEntered.filter((name) => states[name]?.Type === 'Task').length;
      return 2 + 5 * tasks + 2 * (statesEntered.length - tasks) + 3 * retries;
    },
    get retries() {
      return retries;
    },
    statesEntered,
    delays,
    calls,
    history: history.events,
    result,
    abort(reason = {}) {
      if (ended || aborted) return;
      aborted = true;
      history.record('ExecutionAborted', logicalNow(), { details: errorDetails(reason.error, reason.cause) });
      ended = true;
      abortCalls();
      execution.abort();
    },
  };
}

function errorDetails(error: string | undefined, cause: string | undefined): Record<string, string> {
  return { ...(error === undefined ? {} : { error }), ...(cause === undefined ? {} : { cause }) };
}

interface TaskLimits {
  readonly timeoutSeconds?: number;
  readonly heartbeatSeconds?: number;
}

/**
 * TimeoutSeconds / HeartbeatSeconds, or their paths read from the state's effective input (after
 * InputPath). aws-local-stepfunctions would read TimeoutSecondsPath from the input after Parameters,
 * where `$.approval.timeoutSeconds` of the state's input no longer is.
 */
function taskLimitsOf(state: TaskState, input: JsonValue): TaskLimits {
  const fields = state as TaskState & {
    HeartbeatSeconds?: number;
    HeartbeatSecondsPath?: string;
    InputPath?: string | null;
  };
  const effective =
    fields.InputPath === undefined
      ? input
      : fields.InputPath === null
        ? {}
        : readPath(input, fields.InputPath);
  const limit = (
    seconds: number | undefined,
    path: string | undefined,
    field: string,
  ): number | undefined => {
    if (seconds !== undefined) return seconds;
    if (path === undefined) return undefined;
    const value = readPath(effective, path);
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1)
      throw runtimeError(
        `The value of ${field} ${path} must be a positive integer: ${JSON.stringify(value)}`,
      );
    return value;
  };
  const timeoutSeconds = limit(state.TimeoutSeconds, state.TimeoutSecondsPath, 'TimeoutSecondsPath');
  const heartbeatSeconds = limit(
    fields.HeartbeatSeconds,
    fields.HeartbeatSecondsPath,
    'HeartbeatSecondsPath',
  );
  return {
    ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }),
    ...(heartbeatSeconds === undefined ? {} : { heartbeatSeconds }),
  };
}

type WaitState = Extract<StateDefinition, { Type: 'Wait' }>;

function waitMs(state: WaitState, rawInput: unknown, nowMs: number): number {
  const input = state.InputPath ? readPath(rawInput, state.InputPath) : rawInput;
  if (state.Seconds !== undefined) return state.Seconds * 1000;
  if (state.SecondsPath !== undefined) return Number(readPath(input, state.SecondsPath)) * 1000;
  const timestamp =
    state.Timestamp ?? (state.TimestampPath ? readPath(input, state.TimestampPath) : undefined);
  return Math.max(0, Date.parse(String(timestamp)) - nowMs);
}

/** Step Functions' backoff: IntervalSeconds x BackoffRate^(retry - 1), capped, then FULL jitter if asked. */
function retryDelayMs(retrier: Retrier, attempt: number, random: () => number): number {
  const seconds = (retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** (attempt - 1);
  const ms = Math.min(seconds, retrier.MaxDelaySeconds ?? Number.POSITIVE_INFINITY) * 1000;
  return retrier.JitterStrategy === 'FULL' ? Math.round(random() * ms) : ms;
}

/** Reads a `$.a.b` reference path: all that Wait states and Task limits here need. */
function readPath(value: unknown, path: string): JsonValue {
  if (path === '$') return value as JsonValue;
  if (!/^\$(\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(path)) {
    throw new Error(`The local runner supports only $.a.b paths in Wait states and Task limits, not ${path}`);
  }
  return path
    .slice(2)
    .split('.')
    .reduce<unknown>(
      (node, key) => (typeof node === 'object' && node !== null ? Reflect.get(node, key) : undefined),
      value,
    ) as JsonValue;
}
