import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { IoTClient } from '@aws-sdk/client-iot';
import * as z from 'zod';
import { AwsJsonError, type AwsJsonFault, awsJsonHandler } from '../aws-json-server';
import type { Clock } from '../clock';
import { ModelValidationError } from '../model/validate';
import { type CallbackRegistry, createCallbackRegistry } from './callbacks';
import { historyEventOutput } from './execution-history';
import { createIotResourceHandler, IOT_SDK_RESOURCE_PREFIX } from './iot-integration';
import { createLambdaHandler, type InvokeFunction, LAMBDA_INVOKE_RESOURCE } from './lambda-integration';
import {
  type JsonValue,
  prepareWorkflow,
  runWorkflow,
  type TaskResourceHandler,
  WAIT_FOR_TASK_TOKEN,
  type WorkflowRun,
} from './workflow-runner';

const DEFAULT_STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:MitigationWorkflow';
const PUT_EVENTS_RESOURCE = 'arn:aws:states:::events:putEvents';
/** The optimized integration the state machine starts its successor with ("continue as new"). */
const START_EXECUTION_RESOURCE = 'arn:aws:states:::states:startExecution';
const DESCRIBE_TASK_RESOURCE = `${IOT_SDK_RESOURCE_PREFIX}describeAuditMitigationActionsTask`;
const EXECUTION_NAME = /^[a-zA-Z0-9_-]{1,80}$/;

/** A fault injected into one API request: the answers a throttled or failing Step Functions gives. */
export type StepFunctionsFault = AwsJsonFault;

/**
 * Decides, per API request (`StartExecution`, `DescribeExecution`...), whether to fail it instead of
 * serving it, so that reliability tests can make the callers' StartExecution fail as a throttled (400
 * ThrottlingException), failing (500 InternalFailure) or unreachable (dropped connection) service would.
 */
export type StepFunctionsFaultHook = (operation: string) => StepFunctionsFault | undefined;

export interface LocalStepFunctionsOptions {
  /** The ASL file text, as read from statemachine/. */
  definition: string;
  /** Values of the definition's `${Name}` placeholders (DefinitionSubstitutions in the template). */
  substitutions: Record<string, string>;
  /** Where the validator's verdicts are kept between processes (prepareWorkflow); none when left out. */
  validationCacheDir?: string;
  stateMachineArn?: string;
  /** The real IoT client, pointed at the local emulator; give it `maxAttempts: 1` (the ASL retries). */
  iot: IoTClient;
  /** Waits and retry intervals are taken on this clock. */
  clock: Clock;
  /**
   * The random source of each execution's FULL jitter, by execution name. One stream per execution
   * (see stack.ts) keeps runs repeatable however concurrent executions interleave.
   */
  randomFor?: (executionName: string) => () => number;
  /** Receives the entries of each `events:putEvents` call (the completion events). */
  onPutEvents?: (entries: PutEventsRequestEntry[]) => void | Promise<void>;
  /** Fault injection on the API requests; none when left out. */
  faults?: StepFunctionsFaultHook;
  /**
   * Fault injection on the state machine's `events:putEvents` calls: `lostAnswer` puts the events and
   * then fails the call, as a PutEvents whose answer timed out, so that the ASL retries it.
   */
  putEventsFaults?: (entries: readonly PutEventsRequestEntry[]) => 'lostAnswer' | undefined;
  /**
   * Runs a function for `arn:aws:states:::lambda:invoke` and `lambda:invoke.waitForTaskToken` tasks
   * (the FunctionName and Payload of their Parameters). Without it, those tasks fail with
   * Lambda.ResourceNotFoundException. Throw a LambdaServiceError for an error of Lambda itself.
   */
  invokeFunction?: InvokeFunction;
  /**
   * Callback tasks hold the virtual clock: time never reaches the timeout (TimeoutSeconds,
   * HeartbeatSeconds) of a callback that waits for its answer, so an approval stays pending until
   * someone decides or the stack stops, however long the rest of the simulation runs. Off by default:
   * when nothing else can happen, time jumps to the earliest timeout and an unanswered approval
   * expires at once. No effect on a wall clock.
   */
  holdPendingCallbacks?: boolean;
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';

export interface ExecutionRecord {
  readonly name: string;
  readonly executionArn: string;
  readonly input: unknown;
  readonly status: ExecutionStatus;
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  /** Billable state transitions: states entered plus retries. */
  readonly transitions: number;
  /** Estimated history events (WorkflowRun.historyEvents): Step Functions fails an execution past 25,000. */
  readonly historyEvents: number;
  /** DescribeAuditMitigationActionsTask calls, retries included. */
  readonly polls: number;
  readonly retries: number;
  /** Clock milliseconds. */
  readonly startDate: number;
  readonly stopDate?: number;
}

export interface LocalStepFunctions {
  listen(port?: number, host?: string): Promise<{ url: string }>;
  /** The awsJson request listener that `listen` serves, for mounting behind a shared local endpoint. */
  handle(request: IncomingMessage, response: ServerResponse): Promise<void>;
  close(): Promise<void>;
  /** HTTP requests being served plus executions doing work right now (not sleeping on the clock). */
  readonly inFlight: number;
  executions(): ExecutionRecord[];
  /** Resolves when no execution is RUNNING. */
  waitForAll(): Promise<void>;
}

/** What is kept of an execution once it has ended: what the API and the figures read of it. */
type EndedRun = Pick<WorkflowRun, 'transitions' | 'historyEvents' | 'retries' | 'calls' | 'history'>;

interface Execution {
  readonly name: string;
  readonly executionArn: string;
  readonly inputText: string;
  readonly startDate: number;
  /**
   * The running execution; once it has ended, only its EndedRun, so that the interpreter's state
   * (its event logger, closures, abort signal) is let go: a burst of a thousand ended executions
   * held them all.
   */
  run: WorkflowRun | EndedRun;
  readonly settled: Promise<void>;
  status: ExecutionStatus;
  outputText?: string;
  error?: string;
  cause?: string;
  stopDate?: number;
}

const StartExecutionTaskSchema = z.object({
  StateMachineArn: z.string(),
  Name: z.string().optional(),
  // Step Functions takes the Input of this integration as a JSON object or as a JSON string.
  Input: z.unknown().optional(),
});
// The ARN formats of the two resource types
// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsstepfunctions.html): a
// string of a valid length that is not one is InvalidArn, before anything is looked up.
const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[^:]+$/;
const EXECUTION_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[^:]+:[^:]+$/;

/** A member the model has already checked (required, string), read as a string. */
function arnOf(input: Record<string, unknown>, member: string, kind: RegExp): string {
  const arn = String(input[member]);
  if (!kind.test(arn)) throw new AwsJsonError('InvalidArn', `Invalid Arn: '${arn}'`);
  return arn;
}

const optionalText = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/**
 * A local AWS Step Functions endpoint for one state machine: the real SFN client talks to it over HTTP
 * (awsJson1.0), and each execution runs the repository's ASL with aws-local-stepfunctions, its IoT tasks
 * calling the real IoT client and its waits taken on `clock`.
 */
export function createLocalStepFunctions(options: LocalStepFunctionsOptions): LocalStepFunctions {
  const { clock } = options;
  const stateMachineArn = options.stateMachineArn ?? DEFAULT_STATE_MACHINE_ARN;
  const workflow = prepareWorkflow(options.definition, options.substitutions, options.validationCacheDir);
  const callbacks = createCallbackRegistry();
  // The successor of an execution is started through the same StartExecution as the API's callers.
  const handlers = createHandlers(workflow.definition.States, options, callbacks, (request) =>
    startExecution(request),
  );
  const [, , , region = 'us-east-1', account = ''] = stateMachineArn.split(':');
  const stateMachineName = stateMachineArn.split(':').at(-1) ?? '';
  const historyOutput = {
    region,
    // The role the template gives the state machine; only ExecutionStarted shows it.
    roleArn: `arn:aws:iam::${account}:role/${stateMachineName}Role`,
    resources: Object.fromEntries(
      Object.entries(workflow.definition.States).flatMap(([name, state]) =>
        state.Type === 'Task' ? [[name, state.Resource]] : [],
      ),
    ),
  };
  const executions = new Map<string, Execution>();
  let requestsInFlight = 0;
  // Executions between two waits (see WorkflowRunOptions.onWorkingChange), kept as a count.
  let workingExecutions = 0;
  let server: ReturnType<typeof createServer> | undefined;

  const executionArnOf = (name: string): string =>
    `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;

  const findExecution = (executionArn: string): Execution => {
    // Names are unique: the ARN's last segment finds the execution without a scan.
    const execution = executions.get(executionArn.slice(executionArn.lastIndexOf(':') + 1));
    if (execution?.executionArn !== executionArn)
      throw new AwsJsonError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    return execution;
  };

  const checkStateMachine = (arn: string): void => {
    if (arn !== stateMachineArn) {
      throw new AwsJsonError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    }
  };

  const startExecution = (request: Record<string, unknown>) => {
    checkStateMachine(arnOf(request, 'stateMachineArn', STATE_MACHINE_ARN));
    const name = optionalText(request.name) ?? randomUUID();
    if (!EXECUTION_NAME.test(name)) throw new AwsJsonError('InvalidName', `Invalid Name: '${name}'`);
    const inputText = optionalText(request.input) ?? '{}';
    const existing = executions.get(name);
    if (existing) {
      // Step Functions answers an identical request for a running execution with that execution;
      // a different input, or a closed execution, is a conflict (names are not reused for 90 days).
      if (existing.status === 'RUNNING' && existing.inputText === inputText) {
        return { executionArn: existing.executionArn, startDate: toEpochSeconds(existing.startDate) };
      }
      throw new AwsJsonError(
        'ExecutionAlreadyExists',
        `Execution Already Exists: '${existing.executionArn}'`,
      );
    }
    const input = parseInput(inputText);
    const executionArn = executionArnOf(name);
    const startDate = clock.now();
    const run = runWorkflow(workflow, {
      input,
      handlers,
      clock,
      random: options.randomFor?.(name),
      history: true,
      holdCallbackTimeouts: options.holdPendingCallbacks === true,
      onWorkingChange: (delta) => {
        workingExecutions += delta;
      },
      context: {
        Execution: { Id: executionArn, Name: name },
        StateMachine: { Id: stateMachineArn, Name: stateMachineArn.split(':').at(-1) },
      },
    });
    const settled = run.result.then((result) => {
      const { transitions, historyEvents, retries, calls, history } = run;
      execution.run = { transitions, historyEvents, retries, calls, history };
      if (execution.status !== 'RUNNING') return; // stopped meanwhile
      execution.status = result.status;
      execution.outputText = result.output === undefined ? undefined : JSON.stringify(result.output);
      execution.error = result.error;
      execution.cause = result.cause;
      execution.stopDate = clock.now();
    });
    const execution: Execution = {
      name,
      executionArn,
      inputText,
      startDate,
      run,
      settled,
      status: 'RUNNING',
    };
    executions.set(name, execution);
    return { executionArn, startDate: toEpochSeconds(startDate) };
  };

  const describeExecution = (request: Record<string, unknown>) => {
    const execution = findExecution(arnOf(request, 'executionArn', EXECUTION_ARN));
    return {
      ...summary(execution),
      input: execution.inputText,
      inputDetails: { included: true },
      ...(execution.outputText === undefined
        ? {}
        : { output: execution.outputText, outputDetails: { included: true } }),
      ...(execution.error === undefined ? {} : { error: execution.error }),
      ...(execution.cause === undefined ? {} : { cause: execution.cause }),
    };
  };

  const listExecutions = (request: Record<string, unknown>) => {
    // The model makes neither ARN required; the API reference asks for exactly one of them.
    if ((request.stateMachineArn === undefined) === (request.mapRunArn === undefined))
      throw new AwsJsonError('ValidationException', 'Specify either a stateMachineArn or a mapRunArn');
    // No Map state runs locally as a map run.
    if (request.mapRunArn !== undefined)
      throw new AwsJsonError('ResourceNotFound', `Resource not found: '${String(request.mapRunArn)}'`);
    checkStateMachine(arnOf(request, 'stateMachineArn', STATE_MACHINE_ARN));
    // Newest first, as Step Functions lists them.
    const matching = [...executions.values()]
      .filter((e) => request.statusFilter === undefined || e.status === request.statusFilter)
      // Nothing is redriven locally.
      .filter(() => request.redriveFilter !== 'REDRIVEN')
      .reverse();
    const offset = request.nextToken === undefined ? 0 : Number(request.nextToken);
    if (!Number.isInteger(offset) || offset < 0 || offset > matching.length) {
      throw new AwsJsonError('InvalidToken', `Invalid Token: '${request.nextToken}'`);
    }
    const pageSize = Number(request.maxResults ?? 0) || 100;
    const page = matching.slice(offset, offset + pageSize);
    const next = offset + page.length;
    return { executions: page.map(summary), ...(next < matching.length ? { nextToken: String(next) } : {}) };
  };

  const stopExecution = (request: Record<string, unknown>) => {
    const execution = findExecution(arnOf(request, 'executionArn', EXECUTION_ARN));
    if (execution.status === 'RUNNING') {
      execution.status = 'ABORTED';
      execution.error = optionalText(request.error);
      execution.cause = optionalText(request.cause);
      execution.stopDate = clock.now();
      // Its callback tokens close with it: a late answer is told TaskTimedOut.
      if ('abort' in execution.run) execution.run.abort({ error: execution.error, cause: execution.cause });
    }
    return { stopDate: toEpochSeconds(execution.stopDate ?? clock.now()) };
  };

  const getExecutionHistory = (request: Record<string, unknown>) => {
    const execution = findExecution(arnOf(request, 'executionArn', EXECUTION_ARN));
    const events = execution.run.history;
    const reverse = request.reverseOrder === true;
    // The token is the id of the next event to return, in the order asked for.
    const first = request.nextToken === undefined ? (reverse ? events.length : 1) : Number(request.nextToken);
    if (request.nextToken !== undefined && (!Number.isInteger(first) || first < 1 || first > events.length)) {
      throw new AwsJsonError('InvalidToken', `Invalid Token: '${request.nextToken}'`);
    }
    const pageSize = Number(request.maxResults ?? 0) || 100;
    const includeData = request.includeExecutionData !== false;
    const page: Record<string, unknown>[] = [];
    let id = first;
    while (page.length < pageSize && id >= 1 && id <= events.length) {
      page.push(
        historyEventOutput(events[id - 1] as (typeof events)[number], id, { ...historyOutput, includeData }),
      );
      id += reverse ? -1 : 1;
    }
    const more = id >= 1 && id <= events.length;
    return { events: page, ...(more ? { nextToken: String(id) } : {}) };
  };

  const sendTaskSuccess = (request: Record<string, unknown>) => {
    callbacks.succeed(String(request.taskToken), String(request.output));
    return {};
  };
  const sendTaskFailure = (request: Record<string, unknown>) => {
    callbacks.fail(String(request.taskToken), optionalText(request.error), optionalText(request.cause));
    return {};
  };
  const sendTaskHeartbeat = (request: Record<string, unknown>) => {
    callbacks.heartbeat(String(request.taskToken));
    return {};
  };

  const summary = (execution: Execution) => ({
    executionArn: execution.executionArn,
    stateMachineArn,
    name: execution.name,
    status: execution.status,
    startDate: toEpochSeconds(execution.startDate),
    ...(execution.stopDate === undefined ? {} : { stopDate: toEpochSeconds(execution.stopDate) }),
  });

  const operations: Readonly<Record<string, (request: Record<string, unknown>) => object>> = {
    StartExecution: startExecution,
    DescribeExecution: describeExecution,
    ListExecutions: listExecutions,
    StopExecution: stopExecution,
    GetExecutionHistory: getExecutionHistory,
    SendTaskSuccess: sendTaskSuccess,
    SendTaskFailure: sendTaskFailure,
    SendTaskHeartbeat: sendTaskHeartbeat,
  };

  const serve = awsJsonHandler('AWSStepFunctions', 'application/x-amz-json-1.0', operations, {
    faults: options.faults,
  });
  const handleRequest = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    requestsInFlight += 1;
    try {
      await serve(request, response);
    } finally {
      requestsInFlight -= 1;
    }
  };

  return {
    handle: handleRequest,
    async listen(port = 0, host = '127.0.0.1') {
      server = createServer((request, response) => void handleRequest(request, response));
      server.listen(port, host);
      await once(server, 'listening');
      const address = server.address() as AddressInfo;
      return { url: `http://${host}:${address.port}` };
    },
    async close() {
      for (const execution of executions.values()) {
        if (execution.status === 'RUNNING' && 'abort' in execution.run) execution.run.abort();
      }
      if (!server?.listening) return;
      const closing = once(server, 'close');
      server.close();
      server.closeAllConnections();
      await closing;
    },
    get inFlight() {
      return requestsInFlight + workingExecutions;
    },
    executions() {
      return [...executions.values()].map((e) => ({
        name: e.name,
        executionArn: e.executionArn,
        input: JSON.parse(e.inputText),
        status: e.status,
        ...(e.outputText === undefined ? {} : { output: JSON.parse(e.outputText) }),
        ...(e.error === undefined ? {} : { error: e.error }),
        ...(e.cause === undefined ? {} : { cause: e.cause }),
        transitions: e.run.transitions,
        historyEvents: e.run.historyEvents,
        polls: e.run.calls.get(DESCRIBE_TASK_RESOURCE) ?? 0,
        retries: e.run.retries,
        startDate: e.startDate,
        ...(e.stopDate === undefined ? {} : { stopDate: e.stopDate }),
      }));
    },
    async waitForAll() {
      // Executions may start while others finish: wait until a pass finds none running.
      for (;;) {
        const running = [...executions.values()].filter((e) => e.status === 'RUNNING');
        if (running.length === 0) return;
        await Promise.all(running.map((e) => e.settled));
      }
    },
  };
}

/**
 * The Task handlers of the definition's resources: IoT through the SDK, putEvents to the callback,
 * Lambda to `invokeFunction`.
 */
function createHandlers(
  states: Record<string, { Type: string; Resource?: string }>,
  options: LocalStepFunctionsOptions,
  callbacks: CallbackRegistry,
  startExecution: (request: Record<string, unknown>) => {
    executionArn: string;
    startDate: number;
  },
): Record<string, TaskResourceHandler> {
  let eventCount = 0;
  const putEvents: TaskResourceHandler = async (input) => {
    // The request goes to the bus as the integration sends it: the bus validates it against the
    // EventBridge model (entry count, lengths, the 256 KB total) as the service would.
    const Entries = (
      isObject(input) && Array.isArray(input.Entries) ? input.Entries : []
    ) as PutEventsRequestEntry[];
    const fault = options.putEventsFaults?.(Entries);
    try {
      await options.onPutEvents?.(Entries);
    } catch (error) {
      const failure = new Error(error instanceof Error ? error.message : String(error), { cause: error });
      // Named <Service>.<ExceptionName>, as Step Functions names the errors of the aws-sdk integrations.
      const refused = error instanceof AwsJsonError || error instanceof ModelValidationError;
      failure.name = `EventBridge.${refused ? error.name : 'InternalException'}`;
      throw failure;
    }
    if (fault === 'lostAnswer') {
      const failure = new Error('The PutEvents answer was lost after the events were put (injected)');
      failure.name = 'States.TaskFailed';
      throw failure;
    }
    return { Entries: Entries.map(() => ({ EventId: `local-event-${++eventCount}` })), FailedEntryCount: 0 };
  };
  const startChild: TaskResourceHandler = (input) => {
    const request = StartExecutionTaskSchema.parse(input);
    try {
      const started = startExecution({
        stateMachineArn: request.StateMachineArn,
        name: request.Name,
        input: typeof request.Input === 'string' ? request.Input : JSON.stringify(request.Input ?? {}),
      });
      return {
        ExecutionArn: started.executionArn,
        StartDate: new Date(started.startDate * 1000).toISOString(),
      };
    } catch (error) {
      // The optimized integration names the API's errors StepFunctions.<Code>Exception, e.g.
      // StepFunctions.ExecutionAlreadyExistsException (aws-sdk:sfn would say Sfn.<Code>Exception).
      if (!(error instanceof AwsJsonError)) throw error;
      const code = error.type.endsWith('Exception') ? error.type : `${error.type}Exception`;
      const failure = new Error(error.message, { cause: error });
      failure.name = `StepFunctions.${code}`;
      throw failure;
    }
  };
  const handlers: Record<string, TaskResourceHandler> = {};
  for (const state of Object.values(states)) {
    if (state.Type !== 'Task' || state.Resource === undefined || handlers[state.Resource]) continue;
    const resource = state.Resource;
    handlers[resource] =
      resource === PUT_EVENTS_RESOURCE
        ? putEvents
        : resource === START_EXECUTION_RESOURCE
          ? startChild
          : resource === LAMBDA_INVOKE_RESOURCE ||
              resource === `${LAMBDA_INVOKE_RESOURCE}${WAIT_FOR_TASK_TOKEN}`
            ? createLambdaHandler(resource, options.invokeFunction, callbacks)
            : createIotResourceHandler(resource, options.iot);
  }
  return handlers;
}

function isObject(value: JsonValue): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseInput(text: string): JsonValue {
  try {
    // JSON.parse yields JSON values only.
    return JSON.parse(text) as JsonValue;
  } catch {
    throw new AwsJsonError('InvalidExecutionInput', 'Invalid execution input: not JSON');
  }
}

/** The awsJson protocol carries timestamps as epoch seconds (numbers). */
function toEpochSeconds(ms: number): number {
  return ms / 1000;
}
