import { DescribeAuditMitigationActionsTaskCommand, type IoTClient } from '@aws-sdk/client-iot';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  ListExecutionsCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import type { ApprovalGateState } from '../app/ports';
import {
  type CheckStatisticsRow,
  executionArnFor,
  executionNameFor,
  judgeExistingExecution,
  type MitigationPlan,
  outcomeOfFailError,
  parseExecutionName,
  successorOf,
  TASK_ID_PREFIX,
  toStatisticsRows,
  type VerificationDetail,
  WorkflowInputSchema,
  type WorkflowOutcome,
} from '../core';
import type { Clock } from '../local/clock';
import type { Target } from './target';

/** How a followed workflow ended, including the ends that start no workflow. */
export type WorkflowEnd = WorkflowOutcome | 'SKIPPED' | 'DRY_RUN' | 'EXECUTION_FAILED';

/** One audit event's workflow, as the CLI follows it. */
export interface TrackedWorkflow {
  /** The event file, or the replay the workflow came from. */
  readonly source: string;
  auditTaskId: string;
  /** The local plan of a replayed file; unknown for workflows found through an archive replay. */
  readonly plan?: MitigationPlan;
  /** The planned mitigation task this workflow runs (a plan may have several), when planned. */
  readonly taskId?: string;
  /** Its policy: `approve` workflows wait for a decision first. */
  readonly policy?: 'auto' | 'approve';
  /** The end the scenario expects (local runs), if it says. */
  readonly expected?: string;
  /** The verification totals the scenario expects (local runs), if it says. */
  readonly expectedVerification?: { readonly fixed: number; readonly stillNonCompliant: number };
  /** How its approval ended (approve tasks), read from the execution history once it ended. */
  approval?: ApprovalGateState;
  executionName?: string;
  executionArn?: string;
  executionStatus?: string;
  taskStatus?: string;
  findingsDone?: number;
  findingsTotal?: number;
  observations: number;
  startedAt?: number;
  endedAt?: number;
  end?: WorkflowEnd;
  error?: string;
  cause?: string;
  statistics?: CheckStatisticsRow[];
  /** The verification audit's result, read from the ended execution's history (none when not verified). */
  verification?: VerificationDetail;
}

/** True when the workflow ended the way its scenario expects, or (no expectation) without failing. */
export function endedAsExpected(workflow: TrackedWorkflow): boolean {
  return endAsExpected(workflow) && verifiedAsExpected(workflow);
}

function endAsExpected(workflow: TrackedWorkflow): boolean {
  if (workflow.expected !== undefined) return workflow.end === workflow.expected;
  return workflow.end === 'COMPLETED' || workflow.end === 'SKIPPED' || workflow.end === 'DRY_RUN';
}

/** True when the scenario expects no verification totals, or the verification found exactly those. */
export function verifiedAsExpected(workflow: TrackedWorkflow): boolean {
  const expected = workflow.expectedVerification;
  if (expected === undefined) return true;
  const totals = workflow.verification?.outcome === 'VERIFIED' ? workflow.verification.totals : undefined;
  return totals?.fixed === expected.fixed && totals.stillNonCompliant === expected.stillNonCompliant;
}

export interface FollowOptions {
  readonly iot: IoTClient;
  readonly sfn: SFNClient;
  readonly stateMachineArn: string;
  readonly clock: Clock;
  /** Between two looks at every running workflow. */
  readonly pollIntervalMs: number;
  /**
   * While rounds find nothing new, the wait doubles up to this (default: pollIntervalMs, no growth).
   * On the local stack's virtual clock a wait costs one round, however long: workflows that wait
   * days for an approval are then followed in a few hundred rounds instead of tens of thousands.
   */
  readonly maxQuietIntervalMs?: number;
  /** Give up on workflows still running after this long (they stay without an end). */
  readonly timeoutMs: number;
  /** Wraps each round of API calls (the local stack holds its virtual clock still meanwhile). */
  readonly round?: (work: () => Promise<void>) => Promise<void>;
  /** Called once before the first round and after every round, with every workflow. */
  readonly onRound?: (workflows: readonly TrackedWorkflow[]) => void;
  /**
   * Finds workflows not known in advance (an archive replay's): called every round until it says
   * `done`; what it returns is followed as well.
   */
  readonly discover?: () => Promise<{ workflows: TrackedWorkflow[]; done: boolean }>;
  /**
   * Ends the follow early when it answers true, asked at the end of every round (workflows that
   * wait for a person need not be followed to their end).
   */
  readonly until?: (workflows: readonly TrackedWorkflow[]) => Promise<boolean>;
}

/**
 * How long a follow waits for the successor of an execution that had already ended without the task's
 * outcome when the follow began (a replay's re-follow): the function's asynchronous retries come
 * after about 1 and 2 minutes.
 */
const SUCCESSOR_GRACE_MS = 5 * 60_000;

function errorName(error: unknown): string {
  return (error as Error).name;
}

/**
 * Describes the workflow's execution, finding it first when it is not known yet: by the planned name
 * (whose description serves as this round's), else the newest execution of the audit.
 */
async function describeExecution(
  options: FollowOptions,
  workflow: TrackedWorkflow,
): Promise<DescribeExecutionCommandOutput | undefined> {
  if (workflow.executionArn) {
    return options.sfn.send(new DescribeExecutionCommand({ executionArn: workflow.executionArn }));
  }
  if (workflow.plan?.action !== 'start') return undefined;
  const planned = workflow.taskId ?? workflow.plan.request.taskId;
  const arn = executionArnFor(options.stateMachineArn, planned);
  try {
    const described = await options.sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
    workflow.executionName = planned;
    workflow.executionArn = arn;
    return described;
  } catch (error) {
    if (errorName(error) !== 'ExecutionDoesNotExist') throw error;
  }
  // The deployed config may differ from the local one: any workflow of this audit will do, when
  // the plan has one task (with several, each follows its own).
  if (workflow.plan.tasks.length > 1) return undefined;
  const prefix = `${TASK_ID_PREFIX}${workflow.auditTaskId}-`;
  const listed = await options.sfn.send(
    new ListExecutionsCommand({ stateMachineArn: options.stateMachineArn, maxResults: 100 }),
  );
  const match = (listed.executions ?? [])
    .filter((e) => e.name?.startsWith(prefix))
    .sort((x, y) => (y.startDate?.getTime() ?? 0) - (x.startDate?.getTime() ?? 0))[0];
  if (!match?.name || !match.executionArn) return undefined;
  workflow.executionName = match.name;
  workflow.executionArn = match.executionArn;
  return options.sfn.send(new DescribeExecutionCommand({ executionArn: match.executionArn }));
}

async function readTask(options: FollowOptions, workflow: TrackedWorkflow): Promise<void> {
  if (!workflow.executionName) return;
  try {
    const task = await options.iot.send(
      new DescribeAuditMitigationActionsTaskCommand({
        taskId: parseExecutionName(workflow.executionName).taskId,
      }),
    );
    const rows = toStatisticsRows(task.taskStatistics);
    workflow.taskStatus = task.taskStatus;
    workflow.statistics = rows;
    workflow.findingsTotal = rows.reduce((n, r) => n + r.total, 0);
    workflow.findingsDone = rows.reduce((n, r) => n + r.succeeded + r.failed + r.skipped + r.canceled, 0);
  } catch (error) {
    // A deferred start has not happened yet: the task does not exist.
    if (errorName(error) === 'ResourceNotFoundException') workflow.taskStatus = 'WAITING_TO_START';
    else if (errorName(error) !== 'ThrottlingException') throw error;
  }
}

/** How long a command follows its workflows before it gives up on those still running. */
const FOLLOW_TIMEOUT_MS = 24 * 3600_000;

/** The longest wait between two looks at quiet workflows on a virtual clock. */
const VIRTUAL_QUIET_INTERVAL_MS = 15 * 60_000;

/**
 * The follow options every command shares: the target's clients, clock and rounds. On a virtual
 * clock (the local stack) the follow also outlasts the longest approval the workflows may wait for
 * (`longestApprovalMs`), so that an unanswered approval is seen to expire, and quiet rounds space out.
 */
export function followOptionsFor(
  target: Target,
  stateMachineArn: string,
  pollIntervalMs: number,
  longestApprovalMs = 0,
): FollowOptions {
  return {
    iot: target.clients.iot,
    sfn: target.clients.sfn,
    stateMachineArn,
    clock: target.clock,
    pollIntervalMs,
    timeoutMs: target.virtualTime ? longestApprovalMs + FOLLOW_TIMEOUT_MS : FOLLOW_TIMEOUT_MS,
    ...(target.virtualTime
      ? { maxQuietIntervalMs: Math.max(pollIntervalMs, VIRTUAL_QUIET_INTERVAL_MS) }
      : {}),
    round: (work) => target.round(work),
  };
}

/** The longest approval timeout of the planned tasks of these workflows, in ms (0 when none). */
export function longestApprovalMs(workflows: readonly TrackedWorkflow[]): number {
  let longest = 0;
  for (const w of workflows) {
    if (w.plan?.action !== 'start') continue;
    for (const task of w.plan.tasks) longest = Math.max(longest, (task.approvalTimeoutSeconds ?? 0) * 1000);
  }
  return longest;
}

/** What a round can change about the workflows: when it is the same, the round found nothing new. */
function progressOf(workflows: readonly TrackedWorkflow[]): string {
  return JSON.stringify(
    workflows.map((w) => [w.end, w.executionName, w.executionStatus, w.taskStatus, w.findingsDone]),
  );
}

/**
 * Follows the workflows of replayed events to their ends through the public APIs only
 * (Step Functions and IoT), so that the same code follows the cloud and the local stack.
 */
export async function followWorkflows(workflows: TrackedWorkflow[], options: FollowOptions): Promise<void> {
  const started = options.clock.now();
  for (const w of workflows) {
    if (w.plan?.action === 'skip') w.end = 'SKIPPED';
    else if (w.plan?.mode === 'dry-run') w.end = 'DRY_RUN';
  }
  options.onRound?.(workflows);
  let discovering = options.discover !== undefined;
  let interval = options.pollIntervalMs;
  const progressReads = new Map<TrackedWorkflow, number>();
  const maxInterval = Math.max(options.pollIntervalMs, options.maxQuietIntervalMs ?? 0);
  while (discovering || workflows.some((w) => w.end === undefined)) {
    if (options.clock.now() - started > options.timeoutMs) return;
    await options.clock.sleep(interval);
    const before = progressOf(workflows);
    let enough = false;
    await (options.round ?? ((work) => work()))(async () => {
      if (discovering && options.discover) {
        const found = await options.discover();
        workflows.push(...found.workflows);
        discovering = !found.done;
      }
      await lookAt(workflows, options, started, progressReads);
      if (options.until) enough = await options.until(workflows);
    });
    options.onRound?.(workflows);
    if (enough) return;
    interval =
      progressOf(workflows) === before ? Math.min(interval * 2, maxInterval) : options.pollIntervalMs;
  }
}

/**
 * Moves the workflow on to the next execution of its task's chain (src/core/follow.ts) when the one
 * it followed continued as new, or ended without the task's outcome and another follow took over.
 * True when the workflow is still being followed (moved on, or waiting for a successor).
 */
async function moveAlongChain(
  options: FollowOptions,
  workflow: TrackedWorkflow,
  execution: DescribeExecutionCommandOutput,
  followStartedAt: number,
): Promise<boolean> {
  const verdict = judgeExistingExecution({
    status: execution.status ?? 'UNKNOWN',
    error: execution.error,
    output: execution.output,
  });
  if (verdict.kind !== 'next' || !workflow.executionName) return false;
  const { taskId, follow } = parseExecutionName(workflow.executionName);
  const next = executionNameFor(taskId, follow + 1);
  const arn = executionArnFor(options.stateMachineArn, next);
  try {
    await options.sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
    workflow.executionName = next;
    workflow.executionArn = arn;
    return true;
  } catch (error) {
    if (errorName(error) !== 'ExecutionDoesNotExist') throw error;
  }
  // A successor named in the output is being started; an end older than this follow is a replay's
  // to recover: its new execution may take the function's retries to appear.
  if (successorOf(execution.output) !== undefined) return true;
  const endedBefore = (execution.stopDate?.getTime() ?? 0) < followStartedAt;
  return endedBefore && options.clock.now() - followStartedAt < SUCCESSOR_GRACE_MS;
}

/**
 * The task progress of running workflows read per round, at most: each DescribeAuditMitigationActionsTask
 * takes from the account's 25 per second that the workflows' own polls need. The least recently read
 * go first, so every running workflow's progress is read again within a few rounds.
 */
const PROGRESS_READS_PER_ROUND = 10;

/**
 * The executions of the state machine that are running, by ARN, in one ListExecutions pass (pages of
 * 1,000), when at least two followed workflows know their execution: cheaper than describing each.
 */
async function runningExecutions(
  options: FollowOptions,
  open: readonly TrackedWorkflow[],
): Promise<Map<string, Date | undefined> | undefined> {
  if (open.filter((w) => w.executionArn !== undefined).length < 2) return undefined;
  const running = new Map<string, Date | undefined>();
  let nextToken: string | undefined;
  do {
    const page = await options.sfn.send(
      new ListExecutionsCommand({
        stateMachineArn: options.stateMachineArn,
        statusFilter: 'RUNNING',
        maxResults: 1000,
        nextToken,
      }),
    );
    for (const e of page.executions ?? []) if (e.executionArn) running.set(e.executionArn, e.startDate);
    nextToken = page.nextToken;
  } while (nextToken);
  return running;
}

/**
 * One look at every workflow still running. An execution listed as running is not described (a list
 * may lag behind: one that ended is described on a later round, one not listed yet is described now);
 * the task progress of running ones is read for a few per round (PROGRESS_READS_PER_ROUND).
 */
async function lookAt(
  workflows: readonly TrackedWorkflow[],
  options: FollowOptions,
  followStartedAt: number,
  progressReads: Map<TrackedWorkflow, number>,
): Promise<void> {
  const open = workflows.filter((x) => x.end === undefined);
  const running = await runningExecutions(options, open);
  const stillRunning: TrackedWorkflow[] = [];
  for (const w of open) {
    w.observations++;
    if (w.executionArn !== undefined && running?.has(w.executionArn)) {
      w.executionStatus = 'RUNNING';
      w.startedAt ??= running.get(w.executionArn)?.getTime();
      stillRunning.push(w);
      continue;
    }
    const execution = await describeExecution(options, w);
    if (!execution) continue;
    w.executionStatus = execution.status;
    w.startedAt ??= execution.startDate?.getTime();
    await readTask(options, w);
    progressReads.set(w, w.observations);
    if (execution.status !== 'RUNNING') {
      if (await moveAlongChain(options, w, execution, followStartedAt)) continue;
      w.endedAt = execution.stopDate?.getTime();
      w.error = execution.error;
      w.cause = execution.cause;
      w.end =
        execution.status === 'SUCCEEDED'
          ? 'COMPLETED'
          : (outcomeOfFailError(execution.error) ?? 'EXECUTION_FAILED');
    }
  }
  const leastRecentlyRead = stillRunning
    .map((w) => ({ w, at: progressReads.get(w) ?? 0 }))
    .sort((a, b) => a.at - b.at)
    .slice(0, PROGRESS_READS_PER_ROUND);
  for (const { w } of leastRecentlyRead) {
    await readTask(options, w);
    progressReads.set(w, w.observations);
  }
}

/**
 * The executions of the state machine started at or after `since` that are not known yet, newest
 * first in the API, as workflows to follow (an archive replay's: which events it replays is not
 * visible, the executions they start are). The audit comes from the execution's input.
 */
export async function findExecutionsSince(
  sfn: SFNClient,
  stateMachineArn: string,
  since: Date,
  known: ReadonlySet<string>,
  source: string,
): Promise<TrackedWorkflow[]> {
  const found: TrackedWorkflow[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: 100, nextToken }));
    const executions = page.executions ?? [];
    for (const e of executions) {
      if (!e.name || !e.executionArn || known.has(e.name) || (e.startDate?.getTime() ?? 0) < since.getTime())
        continue;
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn: e.executionArn }));
      const input = WorkflowInputSchema.safeParse(JSON.parse(described.input ?? '{}'));
      // A successor that continues a long follow is followed through its predecessor's chain.
      if (input.success && input.data.poll !== undefined) continue;
      const auditTaskId = input.success ? input.data.auditTaskId : '?';
      found.push({
        source: `${source}, audit ${auditTaskId}`,
        auditTaskId,
        executionName: e.name,
        executionArn: e.executionArn,
        observations: 0,
      });
    }
    // Listed newest first: once a page reaches past `since`, older pages hold nothing new.
    const oldest = executions.at(-1)?.startDate?.getTime() ?? 0;
    nextToken = oldest >= since.getTime() ? page.nextToken : undefined;
  } while (nextToken);
  return found.reverse();
}
