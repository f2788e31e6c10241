import type {
  ActionExecution,
  ApprovalCheck,
  ApprovalDecision,
  CheckFindings,
  CheckStatisticsRow,
  DescribedAuditTask,
  ExecutionState,
  FindingResource,
  MitigationTarget,
  QueueEntryView,
  QueueState,
  StartMitigationRequest,
  WorkflowInput,
} from '../core';

export type { ApprovalCheck, ApprovalDecision };

/** Starting mitigation tasks and reading audits: implemented over IoT by src/adapters/iot.ts. */
export interface MitigationApi {
  /**
   * Starts the task. `already-started` when IoT already has it (same id and token, or
   * TaskAlreadyExistsException). Throws StartBlockedError when throttled or over the
   * concurrent-task quota after the SDK's own retries; StartRefusedError when IoT refuses the
   * request for good.
   */
  startTask(request: StartMitigationRequest): Promise<'started' | 'already-started'>;
  /** DescribeAuditTask. Throws AuditNotFoundError when IoT has no such audit. */
  describeAudit(auditTaskId: string): Promise<DescribedAuditTask>;
}

/** Reading an audit's findings: implemented over IoT by src/adapters/iot.ts. */
export interface FindingsApi {
  /**
   * The findings of one check of an audit, suppressed ones included and marked (ListAuditFindings,
   * listSuppressedFindings true, 250 a page), at most
   * `maxPages` pages; `complete` is false when more remained.
   */
  listFindings(auditTaskId: string, checkName: string, maxPages: number): Promise<CheckFindings>;
  /**
   * The findings of one check of an audit about one resource, suppressed ones included
   * (ListAuditFindings filtered by its resourceIdentifier, one page); `complete` is false when IoT
   * said more remained.
   */
  findingsOfResource(
    auditTaskId: string,
    checkName: string,
    resource: FindingResource,
  ): Promise<CheckFindings>;
  /** The things a certificate is attached to (ListPrincipalThings); empty when the certificate is gone. */
  thingsOfCertificate(certificateId: string): Promise<string[]>;
}

/** A mitigation task as IoT describes it: what the verification reads (src/adapters/iot.ts). */
export interface DescribedMitigationTask {
  readonly status: string;
  /** Per check, camelCase counts (succeededFindingsCount, ...). */
  readonly statistics: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly target: MitigationTarget;
}

/** The IoT reads of the verification: implemented over IoT by src/adapters/iot.ts. */
export interface VerificationApi {
  /** DescribeAuditMitigationActionsTask. */
  describeTask(taskId: string): Promise<DescribedMitigationTask>;
  /** DescribeAuditTask: the audit's status and per-check counts. */
  describeAudit(auditTaskId: string): Promise<DescribedAuditTask>;
}

/**
 * The verification audits the state machine started, recorded in the outcome ledger table under
 * verificationRecordKey (src/adapters/dynamodb.ts). Never inferred from an event.
 */
export interface VerificationRecords {
  /** The mitigation task whose verification started this audit; undefined for any other audit. */
  verifiedTaskOf(auditTaskId: string): Promise<string | undefined>;
  /** Records that `auditTaskId` verifies `taskId` (idempotent: the same record again). */
  record(auditTaskId: string, taskId: string): Promise<void>;
}

/** The registry, to resolve protect selectors: implemented over IoT by src/adapters/iot.ts. */
export interface ResourceDirectory {
  /** The things of a thing group and of its child groups (ListThingsInThingGroup, recursive). */
  thingsInGroup(thingGroupName: string): Promise<string[]>;
  /** The ids of the certificates attached to a thing (ListThingPrincipals; other principals left out). */
  certificatesOfThing(thingName: string): Promise<string[]>;
}

/** Starting the poll workflow: implemented over Step Functions by src/adapters/step-functions.ts. */
export interface WorkflowApi {
  /**
   * `already-exists` when an execution of that name exists (running with another input, or ended:
   * Step Functions keeps names for 90 days); `describeExecution` tells which.
   */
  startExecution(name: string, input: WorkflowInput): Promise<'started' | 'already-exists'>;
  /** The status, Fail error and output of the execution of that name (DescribeExecution). */
  describeExecution(name: string): Promise<ExecutionState>;
}

/**
 * The finished events already recorded: implemented over DynamoDB by src/adapters/dynamodb.ts.
 * EventBridge delivers at least once and the state machine retries PutEvents, so the same finished
 * event can arrive twice.
 */
export interface OutcomeLedger {
  /** True the first time an event id is claimed, false for every later claim of it. */
  claim(eventId: string): Promise<boolean>;
}

/** One event to put on the stack's bus; the adapter adds the bus name and source. */
export interface DomainEvent {
  readonly detailType: string;
  readonly detail: unknown;
}

/** Puts events on the stack's bus: implemented over EventBridge by src/adapters/eventbridge.ts. */
export interface EventSink {
  put(events: readonly DomainEvent[]): Promise<void>;
}

/** Sends a plain-text message to people (an SNS topic's subscribers): src/adapters/sns.ts. */
export interface Notifier {
  notify(subject: string, message: string): Promise<void>;
}

/** The structured logger (Powertools' Logger satisfies it). */
export interface Log {
  info(message: string, ...attributes: Record<string, unknown>[]): void;
  warn(message: string, ...attributes: Record<string, unknown>[]): void;
  error(message: string, ...attributes: Record<string, unknown>[]): void;
  appendKeys(keys: Record<string, unknown>): void;
}

/** Counters published as metrics (Powertools' Metrics in the cloud). */
export interface Counters {
  count(
    name:
      | 'TasksStarted'
      | 'TasksDeferred'
      | 'TasksQueued'
      | 'TasksSkipped'
      | 'DryRuns'
      | 'PlanErrors'
      | 'EventsRefused'
      | 'UnknownChecks'
      | 'ApprovalsRequested'
      | 'ChecksNotified'
      | 'ProtectedFindings'
      | 'VerificationAuditsRecognised',
  ): void;
}

/** Metrics of the retry of failed findings: findings handed to a retry task, and those given up on. */
export interface RetryCounters {
  count(name: 'FindingsRetried' | 'FindingsStillFailing', value: number): void;
}

/** IoT would not start the task now (throttling or the 10-concurrent-task quota): hand it to the state machine. */
export class StartBlockedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StartBlockedError';
  }
}

/** IoT has no audit of that id (in this account and region, or any more: audits are kept 90 days). */
export class AuditNotFoundError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AuditNotFoundError';
  }
}

/**
 * IoT refused to start the task for good (InvalidRequestException: an action deleted or of a type the
 * check does not take, an audit gone): retrying the same request cannot help, so no workflow is
 * started; fix the account or the config and replay (the refused task was never created).
 */
export class StartRefusedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StartRefusedError';
  }
}

/** The approval gate of the workflow (a `.waitForTaskToken` task): implemented over Step Functions. */
export interface ApprovalGate {
  /** The gates waiting for a decision: running executions whose last gate has no answer. */
  pendingApprovals(): Promise<ApprovalGateRecord[]>;
  /**
   * The last gate of each execution of the task's chain (`<taskId>`, `<taskId>__2`, ...), oldest
   * first; `executions` counts the chain's executions, with or without a gate.
   */
  gatesOf(taskId: string): Promise<{ executions: number; gates: ApprovalGateRecord[] }>;
  /**
   * Answers a pending gate (SendTaskSuccess or SendTaskFailure with its task token, which never
   * leaves the adapter). Throws ApprovalNotPendingError when Step Functions no longer waits for it.
   */
  answer(gate: ApprovalGateRecord, decision: ApprovalDecision): Promise<void>;
}

/** The approval link secret: implemented over Secrets Manager by src/adapters/secrets-manager.ts. */
export interface LinkSecret {
  /** The secret's text (read once and kept by the adapter). */
  read(): Promise<string>;
}

/** Who calls: implemented over STS GetCallerIdentity by src/adapters/sts.ts. */
export interface CallerIdentity {
  /** The caller's ARN (an IAM user, or an assumed role's session). */
  whoAmI(): Promise<string>;
}

/** How an approval gate stands, from the execution's history. */
export type ApprovalGateState =
  | { readonly kind: 'pending' }
  | { readonly kind: 'decided'; readonly decision: ApprovalDecision }
  /** States.Timeout or States.HeartbeatTimeout: nobody decided in time. */
  | { readonly kind: 'expired'; readonly at: string }
  /**
   * Answered otherwise: the request function failed, an answer that is no decision (another tool),
   * or a decision no longer readable (the history dropped its data).
   */
  | { readonly kind: 'answered'; readonly at: string; readonly detail: string }
  /** No answer, but the execution ended (aborted, timed out): nothing waits any more. */
  | { readonly kind: 'closed'; readonly executionStatus: string };

/** The last approval gate of one execution: the request it made and how it stands. */
export interface ApprovalGateRecord {
  readonly executionName: string;
  readonly executionStatus: string;
  readonly taskId: string;
  readonly auditTaskId: string;
  readonly requestedAt: string;
  /** The gate's TaskScheduled timestamp + timeoutInSeconds. */
  readonly expiresAt: string;
  readonly timeoutSeconds: number;
  readonly checks: readonly ApprovalCheck[];
  readonly protectedCount: number;
  readonly state: ApprovalGateState;
}

/**
 * Step Functions no longer waits for that decision (TaskTimedOut, TaskDoesNotExist, InvalidToken):
 * nothing was changed.
 */
export class ApprovalNotPendingError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ApprovalNotPendingError';
  }
}

/** A mitigation task as the report reads it (DescribeAuditMitigationActionsTask). */
export interface MitigationTaskDescription {
  readonly status: string;
  readonly statistics: readonly CheckStatisticsRow[];
  /** The checks of the task's auditCheckToActionsMapping, sorted. */
  readonly checks: readonly string[];
  readonly target: { readonly auditTaskId?: string; readonly findingIds?: readonly string[] };
}

/** The results of a mitigation task: implemented over IoT by src/adapters/iot.ts. */
export interface MitigationResults {
  /** DescribeAuditMitigationActionsTask. Throws TaskNotFoundError when IoT has no such task. */
  describeTask(taskId: string): Promise<MitigationTaskDescription>;
  /**
   * Every action execution of one finding (ListAuditMitigationActionsExecutions: taskId and
   * findingId, all pages); `calls` counts the requests it took.
   */
  listExecutions(
    taskId: string,
    findingId: string,
  ): Promise<{ executions: ActionExecution[]; calls: number }>;
}

/** The report bucket: implemented over S3 by src/adapters/s3.ts. */
export interface ReportStore {
  readonly bucket: string;
  put(key: string, body: string, contentType: string): Promise<void>;
  /** The object's text, or undefined when there is no such key. */
  get(key: string): Promise<string | undefined>;
}

/** IoT has no mitigation task of that id. */
export class TaskNotFoundError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TaskNotFoundError';
  }
}

/** One entry of the mitigation queue, token included (it never leaves the dispatcher: never logged). */
export interface QueueEntry extends QueueEntryView {
  readonly request: StartMitigationRequest;
  /** The waiting workflow's task token (WaitForSlot). */
  readonly taskToken: string;
  readonly executionName: string;
}

/** A task to queue: its request, its priority and the token of the workflow waiting for its slot. */
export interface NewQueueEntry {
  readonly taskId: string;
  readonly request: StartMitigationRequest;
  readonly priority: number;
  readonly taskToken: string;
  readonly executionName: string;
}

/**
 * The per-account queue of mitigation tasks waiting for a slot: implemented over DynamoDB by
 * src/adapters/dynamodb-queue.ts. Every transition is a conditional write, so that two dispatchers
 * never move the same entry.
 */
export interface MitigationQueue {
  /**
   * Queues the task (a new entry, or a DONE one queued again by a re-follow). An entry already
   * active keeps its place and takes the new token: its state is returned, so that a task started
   * already (STARTING, RUNNING) can be granted at once.
   */
  enqueue(entry: NewQueueEntry, now: number): Promise<QueueState>;
  /** The entries not DONE (QUEUED, STARTING, RUNNING). */
  active(): Promise<QueueEntry[]>;
  /**
   * What a pass needs, whatever the length of the queue: the entries holding or taking a slot
   * (STARTING, RUNNING), the first QUEUED entries by rank up to the free slots of
   * `maxConcurrentTasks`, and how many are QUEUED.
   */
  nextUp(maxConcurrentTasks: number): Promise<{ entries: QueueEntry[]; queued: number }>;
  /**
   * QUEUED -> STARTING (or a stale STARTING claimed again: `startingSince` is the one read). False
   * when another dispatcher moved it first.
   */
  claim(taskId: string, now: number, startingSince?: number): Promise<boolean>;
  /** STARTING -> RUNNING, when the token granted is still the entry's; false when it changed. */
  markRunning(taskId: string, grantedToken: string): Promise<boolean>;
  /** STARTING -> QUEUED: IoT refused the start for now (someone else's task took the slot). */
  requeue(taskId: string): Promise<void>;
  /** -> DONE (with an expiry for the table's TTL). False when the task had no entry. */
  release(taskId: string, now: number): Promise<boolean>;
  /**
   * The dispatcher's lease: true when this owner holds it now. When another holds it, marks the queue
   * dirty so that the holder passes again before it lets go, and returns false.
   */
  acquireLease(owner: string, now: number): Promise<boolean>;
  /** Lets go of the lease; false when the queue was marked dirty meanwhile (pass again, still holding it). */
  releaseLease(owner: string): Promise<boolean>;
}

/** Answers a workflow waiting for its slot: implemented over Step Functions (SendTaskSuccess/Failure). */
export interface SlotCallbacks {
  /** The task started: the workflow goes on to polling. `gone` when nothing waits on that token any more. */
  grant(
    taskToken: string,
    output: { taskId: string; start: 'started' | 'already-started' },
  ): Promise<'sent' | 'gone'>;
  /** The task cannot be started (IoT refused it for good): the workflow reports START_FAILED. */
  refuse(taskToken: string, error: string, cause: string): Promise<'sent' | 'gone'>;
}

/** The dispatcher's figures, published as metrics (queue depth, running, Start calls, LimitExceeded, queue age). */
export interface DispatchMetrics {
  gauge(name: 'QueueDepth' | 'RunningTasks' | 'OldestQueuedAgeSeconds', value: number): void;
  count(name: 'StartCalls' | 'StartLimitExceeded' | 'TasksQueued' | 'SlotsReleased'): void;
}
