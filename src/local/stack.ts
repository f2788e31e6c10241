import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { IoTClient } from '@aws-sdk/client-iot';
import { linkSigner } from '../app/approval-page';
import {
  APPROVAL_REQUESTED_DETAIL_TYPE,
  AUDIT_COMPLETED_DETAIL_TYPE,
  approvalLinkUrl,
  createLinkToken,
  DEFAULT_EVENT_SOURCE,
  DEFAULT_REPORT_PREFIX,
  TASK_FINISHED_DETAIL_TYPE,
  VERIFICATION_FINISHED_DETAIL_TYPE,
} from '../core';
import { APPROVALS_PATH, approvalPageRoute, type HttpApiHandler } from './approval-page-route';
import { countClientRequests } from './client-requests';
import { type Clock, StoppableSystemClock, VirtualClock } from './clock';
import { createLocalDynamoDb, type LocalDynamoDb } from './dynamodb';
import { createLocalEventBus, type LocalEventBus } from './event-bus';
import { createGateway } from './gateway';
import { createIotEmulator, type IotEmulator } from './iot-emulator';
import { derivedRandom } from './prng';
import { createLocalS3, type LocalS3 } from './s3';
import { type Scenario, ScenarioSchema } from './scenario';
import { addScriptedDecisions, type ScriptedDecisionResult } from './scripted-decisions';
import { createLocalSecretsManager } from './secrets-manager';
import { createLocalParameterStore } from './ssm-parameters';
import {
  createLocalStepFunctions,
  LambdaServiceError,
  type LocalStepFunctions,
  type LocalStepFunctionsOptions,
} from './step-functions';
import { workflowFunctionArn, workflowSubstitutions } from './step-functions/workflow-substitutions';
import { createLocalSts } from './sts';
import { startTimeDriver } from './time-driver';
import { runOnVirtualTimers } from './virtual-timers';

/** A Lambda handler as the local stack invokes it. */
export type LambdaHandler = (event: unknown, context: object) => Promise<unknown>;

/** The state machine definition, relative to the repository root. */
export const STATE_MACHINE_FILE = 'statemachine/mitigation-workflow.asl.json';

export const LOCAL_ACCOUNT_ID = '123456789012';
export const LOCAL_REGION = 'us-east-1';
export const LOCAL_STATE_MACHINE_ARN = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:stateMachine:MitigationWorkflow`;
export const LOCAL_CONFIG_PARAMETER = '/iot-audit-remediation/remediation-config';
export const LOCAL_ARCHIVE_NAME = 'iot-audit-remediation-audit-events';
export const LOCAL_RULE_NAME = 'iot-audit-remediation-start-mitigation';
/** template.yaml's OutcomeLedgerTable (partition key `pk`). */
export const LOCAL_OUTCOME_LEDGER_TABLE = 'iot-audit-remediation-outcome-ledger';
/** template.yaml's ReportBucket and the prefix of the reports in it. */
export const LOCAL_REPORT_BUCKET = 'iot-audit-remediation-reports';
export const REPORT_PREFIX = DEFAULT_REPORT_PREFIX;
/** The approval link secret's name (the template's ApprovalLinkSecret). */
export const LOCAL_APPROVAL_LINK_SECRET = 'iot-audit-remediation-approval-link';

/** The approval page link of one approval request, as the e-mail would carry it. */
export interface LocalApprovalLink {
  readonly taskId: string;
  readonly executionName: string;
  readonly expiresAt: string;
  readonly url: string;
}

/** template.yaml's MitigationQueueTable (partition key `pk`, index ActiveByRank). */
export const LOCAL_MITIGATION_QUEUE_TABLE = 'iot-audit-remediation-mitigation-queue';
/** template.yaml's DispatcherSchedule: the dispatcher's safety tick. */
export const DISPATCHER_TICK_MS = 60_000;

export interface LocalStackOptions {
  /** Seeds the IoT emulator (parsed with ScenarioSchema). */
  readonly scenario: unknown;
  /** `virtual` (default): simulated time that jumps ahead whenever nothing is running. */
  readonly clock?: 'virtual' | 'system';
  readonly port?: number;
  /** A config document to serve through SSM; the bundled config is used otherwise. */
  readonly config?: unknown;
  readonly faults?: Parameters<IotEmulator['setFaults']>[0];
  /** Fault injection on the Step Functions API (the handler's StartExecution), for reliability tests. */
  readonly stepFunctionsFaults?: LocalStepFunctionsOptions['faults'];
  /** Fault injection on the state machine's PutEvents (a lost answer, so the put is retried). */
  readonly putEventsFaults?: LocalStepFunctionsOptions['putEventsFaults'];
  readonly quotas?: Parameters<typeof createIotEmulator>[0]['quotas'];
  readonly seed?: number;
  readonly pollDeadlineSeconds?: number;
  /** The start-mitigation handler; the built bundle (dist/) by default, exactly as deployed. */
  readonly handler?: LambdaHandler;
  /** Handler logs (Powertools log level); SILENT by default so reports stay readable. */
  readonly handlerLogLevel?: string;
  /** The handlers' EMF metrics on stdout, as Lambda writes them to the log; off by default. */
  readonly handlerMetrics?: boolean;
  /** The state machine definition (ASL text); the repository's file by default. */
  readonly definition?: string;
  /** Delays before the bus retries a failed handler invocation (Lambda: about 1 and 2 minutes). */
  readonly retryDelaysMs?: readonly number[];
  /**
   * Runs the state machine's Lambda tasks (lambda:invoke, .waitForTaskToken); see
   * LocalStepFunctionsOptions. By default the built request-approval function, as deployed.
   */
  readonly invokeFunction?: LocalStepFunctionsOptions['invokeFunction'];
  /** Pending callbacks hold the virtual clock before their timeouts; see LocalStepFunctionsOptions. */
  readonly holdPendingCallbacks?: boolean;
  /** The approval link secret (Secrets Manager); 32 random bytes per stack by default. */
  readonly approvalLinkSecret?: string;
  /** Told the approval page link of each approval request, when its event reaches the bus. */
  readonly onApprovalLink?: (link: LocalApprovalLink) => void;
  /**
   * `true` (default, as deployed): start-mitigation queues every task and the dispatcher starts them
   * (WaitForSlot, ReleaseSlot, a tick every minute while executions run); `false`: the older path,
   * start-mitigation starts the task and a blocked start is retried by the state machine.
   */
  readonly dispatcher?: boolean;
  /** The dispatcher function; the built bundle by default. */
  readonly dispatcherHandler?: LambdaHandler;
}

export interface LocalStack {
  /** The one endpoint of every local service (AWS_ENDPOINT_URL / --endpoint-url). */
  readonly url: string;
  readonly clock: Clock;
  readonly scenario: Scenario;
  readonly emulator: IotEmulator;
  readonly stepFunctions: LocalStepFunctions;
  readonly bus: LocalEventBus;
  /** DynamoDB: the outcome ledger (LOCAL_OUTCOME_LEDGER_TABLE) and mitigation queue (LOCAL_MITIGATION_QUEUE_TABLE) tables. */
  readonly dynamoDb: LocalDynamoDb;
  /** S3: the report bucket (LOCAL_REPORT_BUCKET). */
  readonly s3: LocalS3;
  /** AWS requests the stack's endpoint received so far, every service together (the benchmarks' unit of work). */
  readonly requestsServed: number;
  /** Invokes the dispatcher once (the schedule's tick when `event` is left out). */
  invokeDispatcher(event?: unknown): Promise<unknown>;
  /** The environment the handler runs with: only the endpoint differs from the cloud's. */
  readonly handlerEnvironment: Readonly<Record<string, string>>;
  /** The approval page's base URL (`<url>/approvals`), served by the approval-page handler. */
  readonly approvalPageUrl: string;
  /** The approval page link of every approval request so far, in request order. */
  readonly approvalLinks: readonly LocalApprovalLink[];
  /** What the scenario's scripted decisions did (`approvals`), in the order they were sent. */
  readonly scriptedDecisions: readonly ScriptedDecisionResult[];
  /** Audit notifications the bridge failed on (its dead-letter queue in the cloud). */
  readonly bridgeDeadLetters: ReadonlyArray<{ notification: unknown; error: string }>;
  /** Invokes start-mitigation once, as the EventBridge rule does. */
  invokeStartMitigation(event: unknown): Promise<unknown>;
  /** Resolves when every delivery and every execution has ended. */
  settled(): Promise<void>;
  /**
   * Runs work from outside the stack (a CLI following workflows, a test) while holding the virtual
   * clock still, so that time cannot jump between its requests.
   */
  holdClock<T>(work: () => Promise<T>): Promise<T>;
  /**
   * Runs API calls from outside the stack (a CLI following workflows) the way the functions' calls
   * run: time stands still while a request to the stack is in flight, and passes while the caller's
   * SDK backs off (its retries wait on the stack's clock), so a throttled call is served once the
   * quota's bucket has refilled in simulated time instead of never (`holdClock` holds the clock).
   */
  runAsClient<T>(work: () => Promise<T>): Promise<T>;
  /**
   * Stops everything at once, work in flight included: running executions are aborted, pending waits
   * dropped, connections closed. Resolves with the number of executions it aborted.
   */
  close(): Promise<{ abortedExecutions: number }>;
}

/** The repository root: two levels above this file in src/, one above dist/cli/ when bundled. */
export function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'statemachine')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

let handlerInstances = 0;

/**
 * Where the interpreter's verdicts on the ASL are kept between runs (see prepareWorkflow): under
 * node_modules/.cache, in a directory named after the lockfile, so that other installed packages (a
 * new interpreter or validator) validate again. None without a lockfile.
 */
function validationCacheDir(root: string): string | undefined {
  const lockfile = join(root, 'package-lock.json');
  if (!existsSync(lockfile)) return undefined;
  const installed = createHash('sha256').update(readFileSync(lockfile)).digest('hex').slice(0, 16);
  return join(root, 'node_modules', '.cache', 'iot-audit-remediation', `valid-asl-${installed}`);
}

/** The longest step of the virtual clock while a function the state machine invoked runs. */
const FUNCTION_STEP_MS = 10;

/**
 * Loads a function's built bundle (what `sam deploy` ships) as a fresh module, so that each stack's
 * endpoint is the one its clients read.
 */
async function loadBundledModule<T>(functionName: string): Promise<T> {
  const bundle = resolve(repositoryRoot(), `dist/functions/${functionName}/index.mjs`);
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run npm run build`);
  return (await import(`${pathToFileURL(bundle).href}?instance=${++handlerInstances}`)) as T;
}

async function loadBundledHandler(functionName: string): Promise<LambdaHandler> {
  return (await loadBundledModule<{ handler: LambdaHandler }>(functionName)).handler;
}

/** The SNS event Lambda receives for one message of the audit notification topic. */
function snsEventOf(message: unknown, accountId: string, region: string): unknown {
  const topicArn = `arn:aws:sns:${region}:${accountId}:AuditNotificationTopic`;
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: `${topicArn}:local`,
        Sns: {
          Type: 'Notification',
          TopicArn: topicArn,
          Message: JSON.stringify(message),
          MessageAttributes: {},
        },
      },
    ],
  };
}

/**
 * Starts the embedded local stack: the IoT emulator, Step Functions running the real ASL, an
 * EventBridge bus with the rules and archive of template.yaml, SSM for the config and DynamoDB for
 * the outcome ledger, all behind one loopback endpoint. The built functions run in this process
 * with only their endpoint pointed here: on-demand audits notify the bridge (as SNS would), the bus
 * invokes start-mitigation and record-outcome.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const scenario = ScenarioSchema.parse(options.scenario);
  const virtual = options.clock !== 'system' ? new VirtualClock() : undefined;
  const system = virtual ? undefined : new StoppableSystemClock();
  const clock: Clock = virtual ?? (system as StoppableSystemClock);
  const root = repositoryRoot();

  // Device Defender -> SNS -> bridge: wired once the bridge is loaded, below.
  let notifyAuditCompleted: (notification: unknown) => void = () => undefined;
  const emulator = createIotEmulator({
    scenario,
    clock,
    quotas: options.quotas,
    faults: options.faults,
    seed: options.seed,
    onAuditCompleted: (notification) => notifyAuditCompleted(notification),
  });
  const parameters = createLocalParameterStore();
  const dynamoDb = createLocalDynamoDb();
  dynamoDb.createTable(LOCAL_OUTCOME_LEDGER_TABLE, 'pk');
  const s3 = createLocalS3({ now: () => clock.now() });
  s3.createBucket(LOCAL_REPORT_BUCKET);
  dynamoDb.createTable(LOCAL_MITIGATION_QUEUE_TABLE, 'pk', [
    { name: 'ActiveByRank', partitionKey: 'queue', sortKey: 'rank' },
  ]);
  const useDispatcher = options.dispatcher !== false;
  const bus = createLocalEventBus({
    clock,
    accountId: scenario.accountId,
    region: scenario.region,
    retryDelaysMs: options.retryDelaysMs,
  });
  const secrets = createLocalSecretsManager({ accountId: scenario.accountId, region: scenario.region });
  const linkSecret = options.approvalLinkSecret ?? randomBytes(32).toString('base64url');
  const linkSecretArn = secrets.put(LOCAL_APPROVAL_LINK_SECRET, linkSecret);
  // The gateway is listening before the state machine runner exists: its IoT client needs the URL.
  let stepFunctions: LocalStepFunctions | undefined;
  let servePage: (req: IncomingMessage, res: ServerResponse) => Promise<void> = async (_req, res) => {
    res.writeHead(503, { 'content-type': 'text/plain' }).end('starting');
  };
  const gateway = createGateway([
    {
      name: 'approval-page',
      pathPrefix: APPROVALS_PATH,
      countedByItsRequests: true,
      handle: (req, res) => servePage(req, res),
    },
    { name: 'secretsmanager', targetPrefix: 'secretsmanager', handle: secrets.handle },
    {
      name: 'stepfunctions',
      targetPrefix: 'AWSStepFunctions',
      handle: (req, res) => (stepFunctions as LocalStepFunctions).handle(req, res),
    },
    { name: 'events', targetPrefix: 'AWSEvents', handle: bus.handle },
    { name: 'ssm', targetPrefix: 'AmazonSSM', handle: parameters.handle },
    { name: 'dynamodb', targetPrefix: 'DynamoDB_20120810', handle: dynamoDb.handle },
    { name: 'sts', signingName: 'sts', handle: createLocalSts({ accountId: scenario.accountId }).handle },
    // After STS: an unsigned form body is STS's (routeRequest takes the first signed service).
    { name: 's3', signingName: 's3', handle: s3.handle },
    { name: 'iot', handle: emulator.handle },
  ]);
  const url = await gateway.listen(options.port ?? 0);
  // The functions the state machine invokes (template.yaml's DefinitionSubstitutions): loaded below.
  const account = { region: scenario.region, accountId: scenario.accountId };
  const requestApprovalArn = workflowFunctionArn('request-approval', account);
  const writeReportArn = workflowFunctionArn('write-report', account);
  const verifyAuditArn = workflowFunctionArn('verify-audit', account);
  const dispatcherArn = workflowFunctionArn('dispatcher', account);
  const retryArn = workflowFunctionArn('retry-failed-findings', account);
  let invokeStackFunction: NonNullable<LocalStackOptions['invokeFunction']> = async (name) => {
    throw new LambdaServiceError('ResourceNotFoundException', `Function not found: ${name}`);
  };
  const runner = createLocalStepFunctions({
    definition: options.definition ?? readFileSync(join(root, STATE_MACHINE_FILE), 'utf8'),
    validationCacheDir: validationCacheDir(root),
    substitutions: workflowSubstitutions({
      ...account,
      eventBusName: 'default',
      eventSource: DEFAULT_EVENT_SOURCE,
    }),
    stateMachineArn: LOCAL_STATE_MACHINE_ARN,
    // The state machine's IoT calls go through the real SDK too; Step Functions retries per the ASL.
    iot: new IoTClient({
      endpoint: url,
      region: scenario.region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    }),
    clock,
    // Seeded as the emulator is, one stream per execution, so that retry jitter (hence simulated
    // times) repeats run after run whatever order concurrent executions draw in.
    randomFor: (name) => derivedRandom(options.seed ?? 1, `step-functions-jitter:${name}`),
    onPutEvents: (entries) => {
      bus.putEvents(entries as Record<string, unknown>[]);
    },
    faults: options.stepFunctionsFaults,
    putEventsFaults: options.putEventsFaults,
    // In process, as the bus invokes the functions: their SDK backoff waits on the virtual clock.
    invokeFunction: (name, payload) => {
      const invokeFunction = options.invokeFunction ?? invokeStackFunction;
      return virtual
        ? runOnVirtualTimers(virtual, () => invokeFunction(name, payload))
        : invokeFunction(name, payload);
    },
    holdPendingCallbacks: options.holdPendingCallbacks,
  });
  stepFunctions = runner;

  // SecureString, as operators may store it: the handler's read must ask for decryption, as in AWS.
  if (options.config !== undefined)
    parameters.put(LOCAL_CONFIG_PARAMETER, JSON.stringify(options.config), 'SecureString');
  const handlerEnvironment: Record<string, string> = {
    AWS_ENDPOINT_URL: url,
    AWS_REGION: scenario.region,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    STATE_MACHINE_ARN: LOCAL_STATE_MACHINE_ARN,
    REMEDIATION_CONFIG_PARAMETER: options.config !== undefined ? LOCAL_CONFIG_PARAMETER : '',
    POLL_DEADLINE_SECONDS: String(options.pollDeadlineSeconds ?? 21600),
    POWERTOOLS_LOG_LEVEL: options.handlerLogLevel ?? 'SILENT',
    POWERTOOLS_METRICS_DISABLED: options.handlerMetrics ? 'false' : 'true',
    OUTCOME_LEDGER_TABLE: LOCAL_OUTCOME_LEDGER_TABLE,
    REPORT_BUCKET: LOCAL_REPORT_BUCKET,
    REPORT_PREFIX,
    // Path-style requests (/<bucket>/<key>): the local endpoint has no per-bucket host names.
    S3_FORCE_PATH_STYLE: 'true',
    APPROVAL_LINK_SECRET_ARN: linkSecretArn,
    APPROVAL_PAGE_URL: `${url}${APPROVALS_PATH.replace(/\/$/, '')}`,
    MITIGATION_QUEUE_TABLE: LOCAL_MITIGATION_QUEUE_TABLE,
    START_THROUGH_QUEUE: useDispatcher ? 'true' : 'false',
  };
  Object.assign(process.env, handlerEnvironment);
  const handler = options.handler ?? (await loadBundledHandler('start-mitigation'));
  const bridge = await loadBundledHandler('audit-notification-bridge');
  const recordOutcome = await loadBundledHandler('record-outcome');
  const requestApproval = await loadBundledHandler('request-approval');
  const writeReport = await loadBundledHandler('write-report');
  // The approval page, as the HTTP API invokes it, over the stack's clock (links expire in its time).
  const pageModule = await loadBundledModule<{ createPageHandler: (now: () => number) => HttpApiHandler }>(
    'approval-page',
  );
  const pageHandler = pageModule.createPageHandler(() => clock.now());
  const verifyAudit = await loadBundledHandler('verify-audit');
  const dispatcher = options.dispatcherHandler ?? (await loadBundledHandler('dispatcher'));
  const retryFailedFindings = await loadBundledHandler('retry-failed-findings');

  let holders = 0;
  let invocations = 0;
  function invoke(fn: LambdaHandler, functionName: string, event: unknown): Promise<unknown> {
    const run = () =>
      fn(event, {
        functionName,
        awsRequestId: `local-${++invocations}`,
        invokedFunctionArn: `arn:aws:lambda:${scenario.region}:${scenario.accountId}:function:${functionName}`,
        getRemainingTimeInMillis: () => 30_000,
      });
    // On the virtual clock, the functions' SDK retries back off in simulated time too.
    return virtual ? runOnVirtualTimers(virtual, run) : run();
  }
  const invokeStartMitigation = (event: unknown) => invoke(handler, 'start-mitigation', event);
  // The other functions the state machine invokes (the approval gate's, whose PutEvents reach this stack's
  // bus through the gateway, the report writer's and the verification's), with template.yaml's timeouts.
  const stackFunctions = new Map<string, { fn: LambdaHandler; name: string; timeoutMs: number }>([
    [requestApprovalArn, { fn: requestApproval, name: 'request-approval', timeoutMs: 30_000 }],
    [writeReportArn, { fn: writeReport, name: 'write-report', timeoutMs: 900_000 }],
    [verifyAuditArn, { fn: verifyAudit, name: 'verify-audit', timeoutMs: 300_000 }],
    [retryArn, { fn: retryFailedFindings, name: 'retry-failed-findings', timeoutMs: 60_000 }],
  ]);
  // The schedule's tick (template.yaml's DispatcherSchedule, every minute). In the cloud it ticks
  // whether or not anything waits; here it runs only while some entry waits (QUEUED, or STARTING and
  // perhaps left half-way): an idle tick does nothing, and a days-long follow would pay ten thousand.
  let tickArmed = false;
  let closed = false;
  const invokeDispatcher = (event: unknown = { action: 'tick', source: 'local.scheduler' }) =>
    invoke(dispatcher, 'dispatcher', event);
  const ticks = new Set<Promise<unknown>>();
  const someEntryWaits = () =>
    [...dynamoDb.items(LOCAL_MITIGATION_QUEUE_TABLE).values()].some(
      (item) => item.state?.S === 'QUEUED' || item.state?.S === 'STARTING',
    );
  const armTick = (): void => {
    if (tickArmed || closed || !useDispatcher) return;
    tickArmed = true;
    clock.schedule(DISPATCHER_TICK_MS, () => {
      tickArmed = false;
      if (closed || !someEntryWaits()) return;
      const tick = invokeDispatcher()
        .catch(() => undefined)
        .finally(() => {
          ticks.delete(tick);
          armTick();
        });
      ticks.add(tick);
    });
  };
  invokeStackFunction = async (name, payload) => {
    if (name === dispatcherArn || name === 'dispatcher') {
      armTick();
      // In small steps too: a pass whose SDK backs off (a SendTaskSuccess retried) needs time to pass.
      return inSmallSteps(
        dispatcher(payload, {
          functionName: 'dispatcher',
          awsRequestId: `local-${++invocations}`,
          invokedFunctionArn: dispatcherArn,
          getRemainingTimeInMillis: () => 30_000,
        }),
      );
    }
    const target = stackFunctions.get(name) ?? [...stackFunctions.values()].find((f) => f.name === name);
    if (target === undefined)
      throw new LambdaServiceError('ResourceNotFoundException', `Function not found: ${name}`);
    const deadline = Date.now() + target.timeoutMs;
    return inSmallSteps(
      target.fn(payload, {
        functionName: target.name,
        awsRequestId: `local-${++invocations}`,
        invokedFunctionArn: `arn:aws:lambda:${scenario.region}:${scenario.accountId}:function:${target.name}`,
        getRemainingTimeInMillis: () => deadline - Date.now(),
      }),
    );
  };
  /**
   * While a function the state machine waits for runs, the virtual clock moves 10 ms at a time at
   * most, about what a request's round trip takes in the cloud. Time passes whenever the function is
   * between two requests (as its SDK backoff and its own pacing need), and would otherwise jump to
   * the next wake-up of the whole stack, which may be the very Task timeout the state waits under
   * (WriteReport's 900 s) while the function is still reading.
   */
  function inSmallSteps<T>(work: Promise<T>): Promise<T> {
    if (!virtual) return work;
    let running = true;
    let cancel = (): void => undefined;
    const step = (): void => {
      if (running) cancel = virtual.schedule(FUNCTION_STEP_MS, step);
    };
    step();
    return work.finally(() => {
      running = false;
      cancel();
    });
  }

  servePage = approvalPageRoute((event, context) =>
    virtual ? runOnVirtualTimers(virtual, () => pageHandler(event, context)) : pageHandler(event, context),
  );

  // The link each approval request's e-mail carries (the same function of the gate as request-approval's).
  const sign = linkSigner(linkSecret);
  const approvalLinks: LocalApprovalLink[] = [];
  bus.addRule({
    name: 'iot-audit-remediation-approval-links',
    busName: 'default',
    pattern: { source: [DEFAULT_EVENT_SOURCE], 'detail-type': [APPROVAL_REQUESTED_DETAIL_TYPE] },
    target: async (event) => {
      const detail = (event as { detail?: Record<string, unknown> }).detail ?? {};
      const gate = {
        executionName: String(detail.executionName),
        taskId: String(detail.taskId),
        requestedAt: String(detail.requestedAt),
        expiresAt: String(detail.expiresAt),
      };
      const link: LocalApprovalLink = {
        taskId: gate.taskId,
        executionName: gate.executionName,
        expiresAt: gate.expiresAt,
        url: approvalLinkUrl(handlerEnvironment.APPROVAL_PAGE_URL ?? '', createLinkToken(sign, gate)),
      };
      // A redelivered event names the same gate: one link.
      if (approvalLinks.some((l) => l.url === link.url)) return;
      approvalLinks.push(link);
      options.onApprovalLink?.(link);
    },
  });

  // An on-demand audit that ends publishes its notification, which SNS hands to the bridge.
  const notifications = new Set<Promise<unknown>>();
  const bridgeDeadLetters: { notification: unknown; error: string }[] = [];
  notifyAuditCompleted = (notification) => {
    const delivery = invoke(
      bridge,
      'audit-notification-bridge',
      snsEventOf(notification, scenario.accountId, scenario.region),
    )
      // Kept as the bridge's dead-letter queue keeps them in the cloud.
      .catch((error: Error) => bridgeDeadLetters.push({ notification, error: error.message }))
      .finally(() => notifications.delete(delivery));
    notifications.add(delivery);
  };

  // template.yaml's rule and archive: audit-completion events on the default bus.
  const auditEvents = {
    source: [DEFAULT_EVENT_SOURCE],
    'detail-type': [AUDIT_COMPLETED_DETAIL_TYPE],
    account: [scenario.accountId],
  };
  bus.addRule({
    name: LOCAL_RULE_NAME,
    busName: 'default',
    pattern: auditEvents,
    target: invokeStartMitigation,
  });
  bus.addArchive({ name: LOCAL_ARCHIVE_NAME, busName: 'default', pattern: auditEvents });
  bus.addRule({
    name: 'iot-audit-remediation-record-outcome',
    busName: 'default',
    pattern: {
      source: [DEFAULT_EVENT_SOURCE],
      'detail-type': [TASK_FINISHED_DETAIL_TYPE, VERIFICATION_FINISHED_DETAIL_TYPE],
    },
    target: (event) => invoke(recordOutcome, 'record-outcome', event),
  });
  // The scenario's scripted decisions: a target of the approval requests that decides as the CLI does.
  const scripted = addScriptedDecisions(bus, {
    approvals: scenario.approvals,
    url,
    region: scenario.region,
    stateMachineArn: LOCAL_STATE_MACHINE_ARN,
    clock,
    run: (work) => (virtual ? runOnVirtualTimers(virtual, work) : work()),
  });

  // The functions' requests to this stack, counted from the client side (handlers run in this process).
  const clientRequests = countClientRequests(url);
  const driver = virtual
    ? startTimeDriver({
        clock: virtual,
        // A handler between two requests is not busy: while its SDK backs off (on the virtual clock,
        // see virtual-timers.ts), time passes as it would in the cloud, so throttling buckets refill
        // and retries can succeed. Hence the handlers' requests count (from the client side,
        // connection included), not the bus's invocations, which last through the backoff.
        isBusy: () => gateway.inFlight + clientRequests.inFlight + runner.inFlight + holders > 0,
      })
    : undefined;

  return {
    url,
    clock,
    scenario,
    emulator,
    stepFunctions: runner,
    bus,
    dynamoDb,
    s3,
    get requestsServed() {
      return gateway.served;
    },
    handlerEnvironment,
    approvalPageUrl: handlerEnvironment.APPROVAL_PAGE_URL ?? '',
    approvalLinks,
    scriptedDecisions: scripted.results,
    bridgeDeadLetters,
    invokeStartMitigation,
    invokeDispatcher,
    async settled() {
      await Promise.all([...notifications]);
      await bus.drained();
      await runner.waitForAll();
      await Promise.all([...ticks]);
      await bus.drained();
    },
    runAsClient(work) {
      return virtual ? runOnVirtualTimers(virtual, work) : work();
    },
    async holdClock(work) {
      holders++;
      try {
        return await work();
      } finally {
        holders--;
      }
    },
    async close() {
      closed = true;
      driver?.stop();
      clientRequests.stop();
      const abortedExecutions = runner.executions().filter((e) => e.status === 'RUNNING').length;
      await runner.close();
      system?.stop();
      await gateway.close();
      return { abortedExecutions };
    },
  };
}

/** The completion events the workflows put on the bus, by mitigation task id. */
export function completionEvents(bus: LocalEventBus): Map<string, Record<string, unknown>> {
  const byTask = new Map<string, Record<string, unknown>>();
  for (const event of bus.events()) {
    if (event['detail-type'] !== TASK_FINISHED_DETAIL_TYPE) continue;
    const detail = event.detail as Record<string, unknown>;
    byTask.set(String(detail.taskId), detail);
  }
  return byTask;
}
