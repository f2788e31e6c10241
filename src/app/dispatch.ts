import {
  type DispatchDecision,
  decideDispatch,
  fromSlotRequest,
  oldestQueuedAgeMs,
  parseDispatchEvent,
} from '../core';
import {
  type DispatchMetrics,
  type Log,
  type MitigationApi,
  type MitigationQueue,
  type QueueEntry,
  type SlotCallbacks,
  StartBlockedError,
  StartRefusedError,
} from './ports';

export interface DispatcherDependencies {
  readonly queue: MitigationQueue;
  readonly iot: MitigationApi;
  readonly slots: SlotCallbacks;
  /** From the config: how many of ours may run at once (1 to 10). */
  readonly maxConcurrentTasks: number;
  /** Who holds the lease (the invocation's request id). */
  readonly owner: string;
  readonly now: () => number;
  readonly logger: Log;
  readonly metrics?: DispatchMetrics;
}

/** What one invocation did. */
export interface DispatchOutcome {
  /** False when another dispatcher held the lease: it passes again for this invocation's change. */
  readonly dispatched: boolean;
  readonly started: readonly string[];
  readonly requeued: readonly string[];
  readonly running: number;
  readonly queued: number;
}

/** The error a refused start gives its waiting workflow (its Catch reports START_FAILED). */
export const START_REFUSED_ERROR = 'StartRefused';

const noMetrics: DispatchMetrics = { gauge: () => undefined, count: () => undefined };

/**
 * The dispatcher: queues a waiting workflow's task (WaitForSlot), frees a finished task's slot
 * (ReleaseSlot) or just looks (the schedule's tick), then starts queued tasks while fewer than
 * maxConcurrentTasks of ours run, longest first (src/core/dispatch.ts).
 *
 * One dispatcher passes at a time (a lease; a caller that finds it held marks the queue dirty and the
 * holder passes again), and each entry moves by conditional writes, so two dispatchers never start the
 * same entry. A start is Start -> SendTaskSuccess -> RUNNING: a crash anywhere in between leaves the
 * entry STARTING, which a later pass starts again once stale; the task's deterministic id and token
 * make that Start answer with the existing task. LimitExceeded or throttling (someone else's task took
 * the slot) puts the entry back in the queue; the next release or tick tries again.
 */
export function createDispatcher(deps: DispatcherDependencies) {
  const { queue, logger } = deps;
  const metrics = deps.metrics ?? noMetrics;

  /** Starts a claimed entry and hands the workflow its slot; false when IoT refused for now. */
  async function start(entry: QueueEntry): Promise<'started' | 'blocked' | 'refused'> {
    let start: 'started' | 'already-started';
    metrics.count('StartCalls');
    try {
      start = await deps.iot.startTask(entry.request);
    } catch (error) {
      if (error instanceof StartBlockedError) {
        metrics.count('StartLimitExceeded');
        await queue.requeue(entry.taskId);
        logger.warn('Start refused for now: back in the queue', {
          mitigationTaskId: entry.taskId,
          reason: error.message,
        });
        return 'blocked';
      }
      if (!(error instanceof StartRefusedError)) throw error;
      logger.error('Start refused for good: the workflow reports START_FAILED', {
        mitigationTaskId: entry.taskId,
        reason: error.message,
      });
      await deps.slots.refuse(entry.taskToken, START_REFUSED_ERROR, error.message);
      await queue.release(entry.taskId, deps.now());
      return 'refused';
    }
    let token = entry.taskToken;
    for (;;) {
      const answer = await deps.slots.grant(token, { taskId: entry.taskId, start });
      if (answer === 'gone') {
        logger.warn('The workflow no longer waits for this slot', { mitigationTaskId: entry.taskId });
      }
      if (await queue.markRunning(entry.taskId, token)) break;
      // A newer execution of the task queued its token meanwhile: it is granted too.
      const current = (await queue.active()).find((e) => e.taskId === entry.taskId);
      if (!current || current.taskToken === token) break;
      token = current.taskToken;
    }
    logger.info('Mitigation task started from the queue', { mitigationTaskId: entry.taskId, start });
    return 'started';
  }

  /**
   * The queue as a pass sees it. An enqueue's or a release's pass (a burst has one per task) reads the
   * slot holders and the next entries to start (nextUp), so that its cost does not grow with the
   * queue; the schedule's tick reads every entry, which the queue-age gauge needs.
   */
  async function look(whole: boolean): Promise<{ entries: QueueEntry[]; queued: number }> {
    if (!whole) return queue.nextUp(deps.maxConcurrentTasks);
    const entries = await queue.active();
    return { entries, queued: entries.filter((e) => e.state === 'QUEUED').length };
  }

  async function pass(whole: boolean): Promise<Omit<DispatchOutcome, 'dispatched'>> {
    const started: string[] = [];
    const requeued: string[] = [];
    let decision: DispatchDecision;
    let seen: { entries: QueueEntry[]; queued: number };
    // Whether the last round moved an entry: if not, its read is still the queue as it is.
    let moved: boolean;
    do {
      moved = false;
      seen = await look(whole);
      const entries = seen.entries;
      const now = deps.now();
      decision = decideDispatch(entries, deps.maxConcurrentTasks, now);
      const byId = new Map(entries.map((e) => [e.taskId, e]));
      let blocked = false;
      for (const view of decision.resume) {
        const entry = byId.get(view.taskId);
        if (!entry || !(await queue.claim(entry.taskId, now, entry.startingSince))) continue;
        moved = true;
        const result = await start(entry);
        if (result === 'started') started.push(entry.taskId);
        if (result === 'blocked') requeued.push(entry.taskId);
      }
      for (const view of decision.start) {
        const entry = byId.get(view.taskId);
        if (blocked || !entry || !(await queue.claim(entry.taskId, now))) continue;
        moved = true;
        const result = await start(entry);
        if (result === 'started') started.push(entry.taskId);
        if (result === 'blocked') {
          requeued.push(entry.taskId);
          // IoT has no slot now: the rest waits for the next release or tick.
          blocked = true;
        }
      }
    } while (!(await queue.releaseLease(deps.owner)));
    // The gauges need the queue after the pass: read again only if the pass moved an entry (most
    // passes, an enqueue while every slot is taken, move none: one read of the queue, not two).
    const after = moved ? await look(whole) : seen;
    const view = decideDispatch(after.entries, deps.maxConcurrentTasks, deps.now());
    metrics.gauge('QueueDepth', after.queued);
    metrics.gauge('RunningTasks', view.running);
    if (whole) {
      // Once a minute (the tick) is enough for the queue-age alarm (5-minute periods, Maximum).
      const oldestMs = oldestQueuedAgeMs(after.entries, deps.now());
      metrics.gauge('OldestQueuedAgeSeconds', Math.floor(oldestMs / 1000));
    }
    return { started, requeued, running: view.running, queued: after.queued };
  }

  return async function dispatch(event: unknown): Promise<DispatchOutcome> {
    const input = parseDispatchEvent(event);
    if (input.action === 'enqueue') {
      logger.appendKeys({ mitigationTaskId: input.taskId });
      const request = fromSlotRequest(input.startRequest);
      const state = await queue.enqueue(
        {
          taskId: input.taskId,
          request,
          priority: input.priority,
          taskToken: input.taskToken,
          executionName: input.executionName,
        },
        deps.now(),
      );
      metrics.count('TasksQueued');
      logger.info('Task queued for a slot', { priority: input.priority, state });
      if (state === 'RUNNING') {
        // Started already for an earlier execution of the task: this one follows it at once.
        await deps.slots.grant(input.taskToken, { taskId: input.taskId, start: 'already-started' });
      }
    } else if (input.action === 'release') {
      logger.appendKeys({ mitigationTaskId: input.taskId });
      const released = await queue.release(input.taskId, deps.now());
      if (released) metrics.count('SlotsReleased');
      logger.info('Slot released', { queued: released });
    }
    const idle = { dispatched: false, started: [], requeued: [], running: 0, queued: 0 };
    try {
      if (!(await queue.acquireLease(deps.owner, deps.now()))) {
        logger.info('Another dispatcher is passing: it will pass again for this change');
        return idle;
      }
      try {
        return { dispatched: true, ...(await pass(input.action === 'tick')) };
      } catch (error) {
        // Let go at once rather than when the lease expires; a crash (no catch) waits for the expiry.
        await queue.releaseLease(deps.owner).catch(() => undefined);
        throw error;
      }
    } catch (error) {
      // The entry is written, which is all a workflow's enqueue or release needs: a pass that failed
      // half-way (a throttled table, Step Functions unreachable) leaves entries STARTING or QUEUED,
      // which the next pass (at the latest the schedule's tick) starts again. A tick fails loudly.
      if (input.action === 'tick') throw error;
      logger.error('Dispatch pass failed: the next pass takes it up', { error: (error as Error).message });
      return idle;
    }
  };
}
