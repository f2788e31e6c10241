import { ExecutionError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import type { Clock } from '../clock';

/** A JSON value, as states pass them to each other. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A local implementation of a Task resource. It receives the state's input after `Parameters`. */
export type TaskResourceHandler = (input: JsonValue) => Promise<JsonValue> | JsonValue;

type EventLog = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;
type Retrier = Extract<EventLog, { type: 'StateRetried' }>['retry']['retrier'];

/**
 * aws-local-stepfunctions fails a Task after 60 real seconds when the ASL sets no TimeoutSeconds, where
 * Step Functions waits 99999999 s. Locally a handler also takes the waits that precede it (see
 * `runWorkflow`), so the local default is the longest timer Node accepts (2^31 - 1 ms).
 */
const LOCAL_DEFAULT_TASK_TIMEOUT_SECONDS = 2_147_483;

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
  readonly definition: StateMachineDefinition;
  readonly stateMachine: StateMachine;
}

/**
 * Parses the ASL text, fills its `${Name}` placeholders as DefinitionSubstitutions do in the cloud, and
 * validates it (the interpreter runs asl-validator). Every placeholder must have a value.
 */
export function prepareWorkflow(
  definitionText: string,
  substitutions: Readonly<Record<string, string>>,
): PreparedWorkflow {
  const text = definitionText.replace(/\$\{([A-Za-z0-9_]+)\}/g, (_placeholder, name: string) => {
    const value = substitutions[name];
    if (value === undefined) throw new Error(`No substitution for the placeholder \${${name}}`);
    return JSON.stringify(value).slice(1, -1);
  });
  // The repository's own ASL file: the interpreter validates it on construction.
  const definition = JSON.parse(text) as StateMachineDefinition;
  for (const state of Object.values(definition.States)) {
    if (
      state.Type === 'Task' &&
      state.TimeoutSeconds === undefined &&
      state.TimeoutSecondsPath === undefined
    ) {
      state.TimeoutSeconds = LOCAL_DEFAULT_TASK_TIMEOUT_SECONDS;
    }
  }
  return { definition, stateMachine: new StateMachine(definition) };
}

export interface WorkflowRunOptions {
  input: JsonValue;
  /** Local implementations of the Task resources, keyed by Resource ARN. */
  handlers: Readonly<Record<string, TaskResourceHandler>>;
  /** Waits and retry intervals are taken on this clock. */
  clock: Clock;
  /** For FULL jitter; seed it for reproducible runs. */
  random?: () => number;
  /** The context object's `$$.Execution` / `$$.StateMachine` members. */
  context?: Record<string, unknown>;
  /**
   * Told each time `working` changes (+1, -1; +1 once at the start), so that a caller running many
   * executions keeps a count instead of asking every execution on every turn of the time driver.
   */
  onWorkingChange?: (delta: 1 | -1) => void;
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
  /** False while the execution sleeps on the clock or once it has ended. */
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
  readonly result: Promise<WorkflowResult>;
  abort(): void;
}

/**
 * Runs the workflow with aws-local-stepfunctions without ever sleeping for real. The interpreter is
 * told to wait 0 ms in every Wait state and before every retry; the waits the ASL specifies are read
 * from its event log instead (Wait: Seconds / SecondsPath / Timestamp / TimestampPath; retry: the
 * retrier's backoff with jitter) and taken on `clock` at the start of the next Task call, so their
 * total is right and every IoT call happens at the right clock time.
 */
export function runWorkflow(workflow: PreparedWorkflow, options: WorkflowRunOptions): WorkflowRun {
  const { clock, random = Math.random, onWorkingChange } = options;
  const states = workflow.definition.States;
  const statesEntered: string[] = [];
  const delays: WorkflowDelay[] = [];
  const calls = new Map<string, number>();
  let pendingMs = 0;
  let working = false;
  const setWorking = (value: boolean): void => {
    if (value === working) return;
    working = value;
    onWorkingChange?.(value ? 1 : -1);
  };
  setWorking(true);
  let retries = 0;
  let aborted = false;
  let internalError: string | undefined;
  // Settles every Task call in progress when the execution is aborted: the interpreter clears a
  // Task's timeout timer only when its call settles, and a call sleeping on the clock never would.
  // One rejecter per call in progress, dropped when the call settles: a race against one promise
  // that lives as long as the execution would keep every call's result (and its HTTP response)
  // reachable until the end, which is memory quadratic in a burst of deferred starts.
  const callsInProgress = new Set<(error: Error) => void>();
  const abortCalls = (): void => {
    for (const reject of callsInProgress) reject(new Error('Execution aborted'));
    callsInProgress.clear();
  };

  const takePendingDelay = async (): Promise<void> => {
    // The interpreter dispatches StateEntered / StateRetried synchronously right before it calls the
    // handler, but the consumer of `eventLogs` below sees an event only after the async generator's
    // promise chain has run. One macrotask turn lets every queued microtask run first, so `pendingMs`
    // includes the wait or backoff that precedes this call. (Verified by a unit test.)
    await new Promise(setImmediate);
    const ms = pendingMs;
    pendingMs = 0;
    if (ms <= 0) return;
    setWorking(false);
    try {
      await clock.sleep(ms);
    } finally {
      setWorking(true);
    }
  };

  const taskResourceLocalHandlers: Record<string, TaskResourceHandler> = {};
  const waitTimeOverrides: Record<string, number> = {};
  const retryIntervalOverrides: Record<string, number> = {};
  for (const [name, state] of Object.entries(states)) {
    if (state.Type === 'Wait') waitTimeOverrides[name] = 0;
    if ('Retry' in state) retryIntervalOverrides[name] = 0;
    if (state.Type !== 'Task') continue;
    const resource = state.Resource;
    const handler = options.handlers[resource];
    if (handler === undefined) throw new Error(`No local handler for ${resource} (state ${name})`);
    const call = async (input: JsonValue): Promise<JsonValue> => {
      await takePendingDelay();
      if (aborted) throw new Error('Execution aborted');
      calls.set(resource, (calls.get(resource) ?? 0) + 1);
      try {
        return await handler(input);
      } catch (error) {
        if (isProgrammingError(error))
          failInternally(`${(error as Error).name}: ${(error as Error).message}`);
        throw error;
      }
    };
    taskResourceLocalHandlers[name] = (input) => {
      let rejectCall: (error: Error) => void = () => undefined;
      const abortedCall = new Promise<never>((_, reject) => {
        rejectCall = reject;
      });
      callsInProgress.add(rejectCall);
      const result = call(input);
      const settled = (): void => {
        callsInProgress.delete(rejectCall);
      };
      result.then(settled, settled);
      const raced = Promise.race([result, abortedCall]);
      // An interpreter that fails before awaiting the call (Node 20, see LOCAL_INTERNAL_ERROR) would
      // leave its rejection unhandled and crash the process: the failure is reported by the runner.
      raced.catch(() => undefined);
      return raced;
    };
  }

  const execution = workflow.stateMachine.run(options.input, {
    overrides: { taskResourceLocalHandlers, waitTimeOverrides, retryIntervalOverrides },
    noThrowOnAbort: true,
    context: options.context,
  });

  // Stops the execution before a Retry or Catch of the ASL can turn the bug into an outcome.
  function failInternally(message: string): void {
    if (internalError !== undefined) return;
    internalError = `local stack internal error: ${message}`;
    aborted = true;
    abortCalls();
    execution.abort();
  }

  const internalFailure = (): WorkflowResult | undefined =>
    internalError === undefined
      ? undefined
      : { status: 'FAILED', error: LOCAL_INTERNAL_ERROR, cause: internalError };

  const onEvent = (event: EventLog): void => {
    if (event.type === 'StateFailed' && isProgrammingError(event.Error)) {
      // Thrown by the interpreter itself, outside any handler.
      failInternally(`${event.Error}: ${String(event.Cause)}`);
    } else if (event.type === 'StateEntered') {
      statesEntered.push(event.state.name);
      const state = states[event.state.name];
      if (state?.Type === 'Wait') {
        const ms = waitMs(state, event.state.input, clock.now());
        pendingMs += ms;
        delays.push({ state: event.state.name, kind: 'wait', ms });
      }
    } else if (event.type === 'StateRetried') {
      retries += 1;
      const ms = retryDelayMs(event.retry.retrier, event.retry.attempt, random);
      pendingMs += ms;
      delays.push({ state: event.state.name, kind: 'retry', ms });
    }
  };
  const drained = (async () => {
    for await (const event of execution.eventLogs) onEvent(event);
  })();

  const result = (async (): Promise<WorkflowResult> => {
    try {
      const output = await execution.result;
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
    } finally {
      setWorking(false);
    }
  })();

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
    result,
    abort() {
      aborted = true;
      abortCalls();
      execution.abort();
    },
  };
}

type WaitState = Extract<StateMachineDefinition['States'][string], { Type: 'Wait' }>;

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

/** Reads a `$.a.b` reference path: all that Wait states here need. */
function readPath(value: unknown, path: string): unknown {
  if (path === '$') return value;
  if (!/^\$(\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(path)) {
    throw new Error(`The local runner supports only $.a.b paths in Wait states, not ${path}`);
  }
  return path
    .slice(2)
    .split('.')
    .reduce<unknown>(
      (node, key) => (typeof node === 'object' && node !== null ? Reflect.get(node, key) : undefined),
      value,
    );
}
