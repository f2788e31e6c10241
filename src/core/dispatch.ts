import { InvalidInputError } from './errors';
import type { PlannedTask } from './planner';
import type { StartMitigationRequest } from './start-request';
import * as z from './zod';

/** How many of the account's 10 concurrent audit mitigation tasks the dispatcher may use, by default. */
export const DEFAULT_MAX_CONCURRENT_TASKS = 10;
/** IoT's quota: 10 concurrent audit mitigation actions tasks per account (reference/device-defender-api.md). */
export const ACCOUNT_CONCURRENT_TASK_QUOTA = 10;

/** Where a queued task stands. */
export const QUEUE_STATES = ['QUEUED', 'STARTING', 'RUNNING', 'DONE'] as const;
export type QueueState = (typeof QUEUE_STATES)[number];

/** One queued mitigation task, as the dispatcher's rules see it. */
export interface QueueEntryView {
  readonly taskId: string;
  readonly state: QueueState;
  /** Expected size of the task (findings x actions, from IoT's counts): the longest starts first. */
  readonly priority: number;
  /** When it was queued (epoch ms): ties in priority start in arrival order. */
  readonly queuedAt: number;
  /** STARTING only: when the dispatcher claimed it (epoch ms). */
  readonly startingSince?: number;
}

/** A STARTING entry older than this was claimed by a dispatcher that stopped half-way: it is started again. */
export const STALE_STARTING_MS = 60_000;

/**
 * Expected size of a planned task: per check, its findings (a findingIds batch: its own findings;
 * a whole check: IoT's non-compliant count from DescribeAuditTask) times its actions. Never read from
 * the event, which anyone allowed to put events could forge.
 */
export function expectedTaskSize(task: PlannedTask): number {
  const batch = task.request.target.findingIds?.length;
  if (batch !== undefined) {
    // A batch's findings are not counted per check here: each takes at most the widest mapping.
    return batch * Math.max(1, ...task.checks.map((c) => c.actions.length));
  }
  let size = 0;
  for (const check of task.checks) {
    size += Math.max(1, check.nonCompliantResourcesCount) * Math.max(1, check.actions.length);
  }
  return Math.max(1, size);
}

/** Longest first, then oldest, then by task id (a total order: every dispatcher picks the same). */
export function compareQueued(a: QueueEntryView, b: QueueEntryView): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  if (a.queuedAt !== b.queuedAt) return a.queuedAt - b.queuedAt;
  return a.taskId < b.taskId ? -1 : a.taskId > b.taskId ? 1 : 0;
}

/** What one dispatch pass does: the entries to start now, and the STARTING ones to finish starting. */
export interface DispatchDecision {
  /** Entries whose dispatcher stopped between its claim and its last write: started again (idempotent). */
  readonly resume: readonly QueueEntryView[];
  /** QUEUED entries to claim and start, in order. */
  readonly start: readonly QueueEntryView[];
  /** STARTING or RUNNING entries: they hold slots. */
  readonly running: number;
  readonly queued: number;
}

/**
 * Which queued tasks to start: while fewer than `maxConcurrentTasks` of ours hold a slot (STARTING or
 * RUNNING), the longest queued task first, ties by arrival. Pure: the same entries give the same answer.
 */
export function decideDispatch(
  entries: readonly QueueEntryView[],
  maxConcurrentTasks: number,
  now: number,
): DispatchDecision {
  const running = entries.filter((e) => e.state === 'STARTING' || e.state === 'RUNNING').length;
  const queued = entries.filter((e) => e.state === 'QUEUED').sort(compareQueued);
  const resume = entries
    .filter((e) => e.state === 'STARTING' && now - (e.startingSince ?? 0) >= STALE_STARTING_MS)
    .sort(compareQueued);
  const free = Math.max(0, maxConcurrentTasks - running);
  return { resume, start: queued.slice(0, free), running, queued: queued.length };
}

/**
 * The index's sort key of an entry: longest first, then oldest, then task id, as a string that sorts
 * in that order (priority inverted and zero-padded).
 */
export function queueRank(priority: number, queuedAt: number, taskId: string): string {
  const inverted = Math.max(0, 999_999_999_999 - Math.min(priority, 999_999_999_999));
  return `${String(inverted).padStart(12, '0')}#${String(queuedAt).padStart(15, '0')}#${taskId}`;
}

/** Age of the oldest queued entry (ms), 0 when none waits: the queue-age alarm's metric. */
export function oldestQueuedAgeMs(entries: readonly QueueEntryView[], now: number): number {
  const queued = entries.filter((e) => e.state === 'QUEUED').map((e) => e.queuedAt);
  return queued.length === 0 ? 0 : Math.max(0, now - Math.min(...queued));
}

/** The waiting workflow's request, as the WaitForSlot state hands it over (Step Functions' casing). */
export const SlotRequestSchema = z.object({
  TaskId: z.string().check(z.minLength(1), z.maxLength(128)),
  Target: z.object({
    AuditTaskId: z.optional(z.string()),
    FindingIds: z.optional(z.array(z.string()).check(z.minLength(1), z.maxLength(25))),
    AuditCheckToReasonCodeFilter: z.optional(z.record(z.string(), z.array(z.string()))),
  }),
  AuditCheckToActionsMapping: z.record(z.string(), z.array(z.string()).check(z.minLength(1))),
  ClientRequestToken: z.string().check(z.minLength(1), z.maxLength(64)),
});

/**
 * What the dispatcher function is invoked with: a workflow queueing its task (WaitForSlot, with its
 * task token), a workflow releasing its slot (ReleaseSlot), or anything else (the schedule's tick).
 */
export const DispatchEventSchema = z.discriminatedUnion('action', [
  z.object({
    action: z.literal('enqueue'),
    taskToken: z.string().check(z.minLength(1), z.maxLength(1024)),
    executionName: z.string().check(z.minLength(1), z.maxLength(80)),
    taskId: z.string().check(z.minLength(1), z.maxLength(128)),
    priority: z.number().check(z.int(), z.positive()),
    startRequest: SlotRequestSchema,
  }),
  z.object({ action: z.literal('release'), taskId: z.string().check(z.minLength(1), z.maxLength(128)) }),
  z.object({ action: z.literal('tick') }),
]);
export type DispatchEvent = z.infer<typeof DispatchEventSchema>;

/** Reads a dispatcher event; anything that is not an enqueue or a release (a schedule's event) is a tick. */
export function parseDispatchEvent(event: unknown): DispatchEvent {
  const action =
    typeof event === 'object' && event !== null ? (event as { action?: unknown }).action : undefined;
  if (action !== 'enqueue' && action !== 'release') return { action: 'tick' };
  const parsed = DispatchEventSchema.safeParse(event);
  if (!parsed.success) {
    throw new InvalidInputError(
      `invalid dispatcher ${action} event`,
      parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    );
  }
  return parsed.data;
}

/** The core request of a WaitForSlot payload (the inverse of toStepFunctionsStartRequest). */
export function fromSlotRequest(request: z.infer<typeof SlotRequestSchema>): StartMitigationRequest {
  const { AuditTaskId, FindingIds, AuditCheckToReasonCodeFilter } = request.Target;
  return {
    taskId: request.TaskId,
    target: {
      ...(AuditTaskId !== undefined ? { auditTaskId: AuditTaskId } : {}),
      ...(FindingIds !== undefined ? { findingIds: [...FindingIds] } : {}),
      ...(AuditCheckToReasonCodeFilter ? { auditCheckToReasonCodeFilter: AuditCheckToReasonCodeFilter } : {}),
    },
    auditCheckToActionsMapping: request.AuditCheckToActionsMapping,
    clientRequestToken: request.ClientRequestToken,
  };
}
