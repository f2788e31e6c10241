/**
 * Burst drain: N audit-completion events put on the local bus at once, through the real bundled
 * handler, the IoT emulator with its real quotas (10 concurrent mitigation tasks, 10 starts/s,
 * 25 describes/s) and the real ASL, on the virtual clock.
 *
 * Workload (seeded): audit i has one non-compliant check (CONFLICTING_CLIENT_IDS_CHECK, mapped to one
 * action by the bundled config) with n_i findings; the emulator works 6 simulated seconds per
 * finding per action, so task i takes w_i = 6 s x n_i, with w_i drawn uniformly from 1 to 20 minutes.
 *
 * Figure: LB / T, where T = (end of the last mitigation task) - (time the events were put) and
 * LB = max( sum(w_i) / 10, max(w_i) ), the makespan no schedule on 10 concurrent slots can beat
 * (the start rate, 10/s, adds at most N/10 s, which is negligible here and left out, making LB
 * slightly generous to the product).
 *
 * Two start paths in the same run: the dispatcher (start-mitigation queues every task, the workflow
 * waits for its slot, the dispatcher starts the longest queued task first whenever a slot frees) and
 * the older independent retries (start-mitigation starts the task; a blocked start is retried by each
 * workflow on its own, 10 s doubling to 2 min, full jitter). A mixed run leaves 3 slots to an operator
 * (maxConcurrentTasks 7, 3 long tasks of the operator's own running all along) and counts how many of
 * ours ever ran at once.
 *
 * Step Functions' FULL jitter is seeded by the local stack (one stream per execution); Math.random is
 * seeded for the duration of the run too, since the handler's SDK retry jitter draws from it.
 */
import { IoTClient, StartAuditMitigationActionsTaskCommand } from '@aws-sdk/client-iot';
import { AUDIT_COMPLETED_DETAIL_TYPE, DEFAULT_EVENT_SOURCE, TASK_FINISHED_DETAIL_TYPE } from '../src/core';
import { type LocalStack, startLocalStack } from '../src/local/stack';
import {
  type BenchContext,
  type BenchResult,
  benchResult,
  type Figure,
  figure,
  median,
  quantile,
  round,
  seededRandom,
  sum,
  withSeededMathRandom,
} from './lib';

const CHECK = 'CONFLICTING_CLIENT_IDS_CHECK';
const ACTION = 'PublishFindingToSns';
const WORK_SECONDS_PER_FINDING = 6;
const SLOTS = 10;
const MIN_MINUTES = 1;
const MAX_MINUTES = 20;
// Prices (us-east-1, 2026): Step Functions standard per state transition (retries are transitions
// too), EventBridge custom events, Lambda requests.
const PRICE_PER_TRANSITION_USD = 0.025 / 1000;
const PRICE_PER_CUSTOM_EVENT_USD = 1 / 1_000_000;
const PRICE_PER_LAMBDA_REQUEST_USD = 0.2 / 1_000_000;
/** Per remediation: the audit-completion event (bridge) and the task-finished event (state machine). */
const EVENTS_PER_REMEDIATION = 2;
/** Per remediation: bridge, start-mitigation and record-outcome, one invocation each. */
const LAMBDA_REQUESTS_PER_REMEDIATION = 3;

/** The config every drain runs with (explicit: the shipped config may ask for approvals). */
/**
 * The drain's config. The verification audit is off: it runs after the slot is released, so it does
 * not change the drain, but in this workload every audit is of the same check, so each verification
 * lists the whole account's findings of it (10,000 at 200 events) and the 200-event runs took about
 * 11 minutes of wall time each instead of about one. Its transitions are not in the cost.
 */
function benchConfig(maxConcurrentTasks = SLOTS) {
  return { mode: 'apply', verify: false, maxConcurrentTasks, checks: { [CHECK]: { actions: [ACTION] } } };
}

/**
 * Cost of 1,000 remediations like those of a run, from its counted state transitions (Start retries
 * and polls included); `withoutRetries` leaves the retried attempts out, to show what they cost.
 */
function costPer1000Usd(run: DrainRun, withoutRetries = false): number {
  const transitions = Number(run.details.transitions) - (withoutRetries ? Number(run.details.retries) : 0);
  const perRemediation =
    (transitions / run.events) * PRICE_PER_TRANSITION_USD +
    EVENTS_PER_REMEDIATION * PRICE_PER_CUSTOM_EVENT_USD +
    LAMBDA_REQUESTS_PER_REMEDIATION * PRICE_PER_LAMBDA_REQUEST_USD;
  return 1000 * perRemediation;
}

export interface BurstWorkload {
  readonly scenario: unknown;
  readonly events: Record<string, unknown>[];
  /** Simulated work of each audit's task, ms, by audit task id. */
  readonly workMs: ReadonlyMap<string, number>;
}

export function burstWorkload(
  count: number,
  seed: number,
  label = 'burst',
  { minMinutes = MIN_MINUTES, maxMinutes = MAX_MINUTES } = {},
): BurstWorkload {
  const random = seededRandom(seed + count);
  const audits = [];
  const events: Record<string, unknown>[] = [];
  const workMs = new Map<string, number>();
  const startSeconds = 1767225600; // 2026-01-01T00:00:00Z, the virtual clock's start
  for (let i = 0; i < count; i++) {
    const minutes = minMinutes + (maxMinutes - minMinutes) * random();
    const findings = Math.max(1, Math.round((minutes * 60) / WORK_SECONDS_PER_FINDING));
    const taskId = `${label}${count}-${String(i).padStart(4, '0')}`;
    workMs.set(taskId, findings * WORK_SECONDS_PER_FINDING * 1000);
    audits.push({
      taskId,
      taskType: 'SCHEDULED_AUDIT_TASK',
      scheduledAuditName: 'bench-audit',
      taskStatus: 'COMPLETED',
      taskStartTime: startSeconds - 3600,
      checks: {
        [CHECK]: {
          checkRunStatus: 'COMPLETED_NON_COMPLIANT',
          generateFindings: findings,
          totalResourcesCount: findings * 10,
        },
      },
    });
    events.push({
      EventBusName: 'default',
      Source: DEFAULT_EVENT_SOURCE,
      DetailType: AUDIT_COMPLETED_DETAIL_TYPE,
      Detail: JSON.stringify({
        accountId: '123456789012',
        taskId,
        taskStatus: 'COMPLETED',
        taskType: 'SCHEDULED_AUDIT_TASK',
        scheduledAuditName: 'bench-audit',
        failedChecksCount: 0,
        canceledChecksCount: 0,
        nonCompliantChecksCount: 1,
        compliantChecksCount: 0,
        totalChecksCount: 1,
        taskStartTime: (startSeconds - 3600) * 1000,
        auditDetails: [
          {
            checkName: CHECK,
            checkRunStatus: 'COMPLETED_NON_COMPLIANT',
            nonCompliantResourcesCount: findings,
            totalResourcesCount: findings * 10,
          },
        ],
      }),
    });
  }
  return {
    scenario: {
      workSecondsPerFinding: WORK_SECONDS_PER_FINDING,
      mitigationActions: [{ name: ACTION, type: 'PUBLISH_FINDING_TO_SNS' }],
      audits,
    },
    events,
    workMs,
  };
}

export interface DrainRun {
  readonly events: number;
  readonly lowerBoundMs: number;
  readonly measuredMs: number;
  readonly ratio: number;
  readonly lost: number;
  readonly duplicated: number;
  readonly startCalls: number;
  /** Most of our tasks running at once (the operator's left out). */
  readonly peakOurs: number;
  readonly details: Record<string, number | string>;
}

/** How a drain starts its tasks, and how many slots are ours. */
export interface DrainVariant {
  readonly label: string;
  readonly dispatcher: boolean;
  /** The config's maxConcurrentTasks (dispatcher only); the slots the bound counts. */
  readonly slots?: number;
  /** Long tasks an operator starts at t0, outside the product, that hold their slots throughout. */
  readonly operatorTasks?: number;
}

export const DISPATCHER: DrainVariant = { label: 'dispatcher', dispatcher: true };
export const INDEPENDENT_RETRIES: DrainVariant = { label: 'independent retries', dispatcher: false };
export const MIXED: DrainVariant = {
  label: 'dispatcher, 7 slots, operator holds 3',
  dispatcher: true,
  slots: 7,
  operatorTasks: 3,
};

/** Operator tasks: one audit each, long enough to outlast any drain (48 h of work). */
const OPERATOR_WORK_SECONDS = 48 * 3600;

function withOperatorAudits(scenario: unknown, count: number): unknown {
  const base = scenario as { audits: Record<string, unknown>[] };
  const audits = Array.from({ length: count }, (_, i) => ({
    taskId: `operator-audit-${i}`,
    taskType: 'ON_DEMAND_AUDIT_TASK',
    taskStatus: 'COMPLETED',
    taskStartTime: 1767225600 - 7200,
    checks: {
      [CHECK]: {
        checkRunStatus: 'COMPLETED_NON_COMPLIANT',
        generateFindings: OPERATOR_WORK_SECONDS / WORK_SECONDS_PER_FINDING,
        totalResourcesCount: 100_000,
      },
    },
  }));
  return { ...base, audits: [...base.audits, ...audits] };
}

/** The operator's own tasks, started with the SDK before the burst arrives. */
async function startOperatorTasks(stack: LocalStack, count: number): Promise<void> {
  const iot = new IoTClient({
    endpoint: stack.url,
    region: stack.scenario.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await stack.runAsClient(async () => {
    for (let i = 0; i < count; i++) {
      await iot.send(
        new StartAuditMitigationActionsTaskCommand({
          taskId: `operator-${i}`,
          target: { auditTaskId: `operator-audit-${i}` },
          auditCheckToActionsMapping: { [CHECK]: [ACTION] },
          clientRequestToken: `operator-${i}`,
        }),
      );
    }
  });
}

/** Most intervals [start, end) open at once. */
function peakOverlap(intervals: ReadonlyArray<readonly [number, number]>): number {
  const edges = intervals.flatMap(([a, b]) => [
    [a, 1],
    [b, -1],
  ]);
  edges.sort((x, y) => (x[0] as number) - (y[0] as number) || (x[1] as number) - (y[1] as number));
  let open = 0;
  let peak = 0;
  for (const [, delta] of edges) {
    open += delta as number;
    peak = Math.max(peak, open);
  }
  return peak;
}

/** Makespan of greedy list scheduling in event order on `slots` slots, every start instant: the ideal FIFO drain. */
function greedyFifoMakespanMs(work: readonly number[], slots = SLOTS): number {
  const free = new Array<number>(slots).fill(0);
  for (const w of work) {
    const i = free.indexOf(Math.min(...free));
    free[i] = (free[i] ?? 0) + w;
  }
  return Math.max(...free);
}

export async function drain(count: number, seed: number, variant: DrainVariant): Promise<DrainRun> {
  const wallStart = Date.now();
  const workload = burstWorkload(count, seed);
  const slots = variant.slots ?? SLOTS;
  const operatorTasks = variant.operatorTasks ?? 0;
  const stack = await startLocalStack({
    scenario: operatorTasks > 0 ? withOperatorAudits(workload.scenario, operatorTasks) : workload.scenario,
    clock: 'virtual',
    seed,
    config: benchConfig(slots),
    dispatcher: variant.dispatcher,
  });
  try {
    if (operatorTasks > 0) await startOperatorTasks(stack, operatorTasks);
    const t0 = stack.clock.now();
    for (let i = 0; i < workload.events.length; i += 10)
      stack.bus.putEvents(workload.events.slice(i, i + 10));
    await stack.settled();

    const work = [...workload.workMs.values()];
    const lowerBoundMs = Math.max(sum(work) / slots, Math.max(...work));
    const tasks = stack.emulator.mitigationTasks().filter((t) => !t.taskId.startsWith('operator-'));
    const executions = stack.stepFunctions.executions();
    const finished = stack.bus.events().filter((e) => e['detail-type'] === TASK_FINISHED_DETAIL_TYPE);

    const tasksByAudit = new Map<string, number>();
    for (const t of tasks)
      tasksByAudit.set(t.auditTaskId ?? '', (tasksByAudit.get(t.auditTaskId ?? '') ?? 0) + 1);
    const finishedByTask = new Map<string, number>();
    for (const e of finished) {
      const id = String((e.detail as { taskId?: unknown }).taskId);
      finishedByTask.set(id, (finishedByTask.get(id) ?? 0) + 1);
    }
    let lost = 0;
    let duplicated = 0;
    for (const auditId of workload.workMs.keys()) {
      const n = tasksByAudit.get(auditId) ?? 0;
      const task = tasks.find((t) => t.auditTaskId === auditId);
      const done =
        task !== undefined && task.status === 'COMPLETED' && (finishedByTask.get(task.taskId) ?? 0) >= 1;
      if (n === 0 || !done) lost += 1;
      if (n > 1) duplicated += n - 1;
    }
    for (const n of finishedByTask.values()) if (n > 1) duplicated += n - 1;
    if (executions.length > count) duplicated += executions.length - count;

    const lastEnd = Math.max(...tasks.map((t) => t.endTime ?? Number.POSITIVE_INFINITY));
    const lastWorkflowEnd = Math.max(...executions.map((e) => e.stopDate ?? Number.POSITIVE_INFINITY));
    const measuredMs = lastEnd - t0;
    const stats = stack.emulator.stats();
    const startOp = stats.operations.StartAuditMitigationActionsTask;
    const describeOp = stats.operations.DescribeAuditMitigationActionsTask;
    const auditReads = stats.operations.DescribeAuditTask;
    // The operator's own starts are not the product's.
    const startCalls = (startOp?.calls ?? 0) - operatorTasks;
    const startDelays = tasks.map((t) => (t.startTime - t0) / 1000);
    const peakOurs = peakOverlap(
      tasks.map((t) => [t.startTime, t.endTime ?? Number.POSITIVE_INFINITY] as const),
    );
    const failures: Record<string, number> = {};
    for (const e of executions) {
      if (e.status !== 'SUCCEEDED') failures[e.error ?? e.status] = (failures[e.error ?? e.status] ?? 0) + 1;
    }
    const failedDeliveries = stack.bus.deadLetters().length;
    const greedyMs = greedyFifoMakespanMs(work, slots);
    return {
      events: count,
      lowerBoundMs,
      measuredMs,
      ratio: lowerBoundMs / measuredMs,
      lost,
      duplicated,
      startCalls,
      peakOurs,
      details: {
        variant: variant.label,
        seed,
        events: count,
        slots,
        totalWorkMin: round(sum(work) / 60000, 1),
        longestTaskMin: round(Math.max(...work) / 60000, 1),
        lowerBoundMin: round(lowerBoundMs / 60000, 1),
        lastTaskEndMin: round(measuredMs / 60000, 1),
        lastWorkflowEndMin: round((lastWorkflowEnd - t0) / 60000, 1),
        ratio: round(lowerBoundMs / measuredMs, 3),
        idealFifoMin: round(greedyMs / 60000, 1),
        ratioToIdealFifo: round(greedyMs / measuredMs, 3),
        idleSlotMin: round((slots * measuredMs - sum(work)) / 60000, 1),
        tasks: tasks.length,
        executions: executions.length,
        succeeded: executions.filter((e) => e.status === 'SUCCEEDED').length,
        completionEvents: finished.length,
        startCalls,
        startCallsPerTask: round(startCalls / Math.max(1, tasks.length), 2),
        startThrottled: startOp?.throttled ?? 0,
        limitExceeded: stats.mitigationTasks.limitExceeded,
        peakConcurrent: stats.mitigationTasks.peakConcurrent,
        peakOurs,
        auditReads: auditReads?.calls ?? 0,
        auditReadsThrottled: auditReads?.throttled ?? 0,
        describeCalls: describeOp?.calls ?? 0,
        describeThrottled: describeOp?.throttled ?? 0,
        transitions: sum(executions.map((e) => e.transitions)),
        retries: sum(executions.map((e) => e.retries)),
        p50StartDelayMin: round(quantile(startDelays, 0.5) / 60, 1),
        maxStartDelayMin: round(Math.max(...startDelays) / 60, 1),
        lost,
        duplicated,
        deadLetters: failedDeliveries,
        failures: Object.entries(failures)
          .map(([k, v]) => `${k} x${v}`)
          .join(', '),
        wallSeconds: round((Date.now() - wallStart) / 1000, 1),
      },
    };
  } finally {
    await stack.stepFunctions.close();
    await stack.close();
  }
}

export async function burstDrain(ctx: BenchContext): Promise<BenchResult> {
  const started = Date.now();
  // Every drain figure is the median over 3 seeded workloads, with the spread: the order in which
  // concurrent handlers win the first slots depends on real timing, so one run is not exactly
  // reproducible, and one workload is one draw. The quick run (a smoke check, under a minute in
  // all, never written to BENCHMARKS.md) drains one seed and says so.
  const seeds = ctx.quick ? [ctx.seed] : [ctx.seed, ctx.seed + 1, ctx.seed + 2];
  const plan: { events: number; seeds: number[]; variant: DrainVariant }[] = [
    { events: 50, seeds, variant: DISPATCHER },
  ];
  if (!ctx.quick) {
    plan.push(
      { events: 50, seeds, variant: INDEPENDENT_RETRIES },
      { events: 200, seeds, variant: DISPATCHER },
      { events: 200, seeds, variant: INDEPENDENT_RETRIES },
      { events: 50, seeds: [ctx.seed], variant: MIXED },
    );
  }
  const figures: Figure[] = [];
  const all: DrainRun[] = [];
  for (const p of plan) {
    const runs: DrainRun[] = [];
    for (const seed of p.seeds) {
      const run = await withSeededMathRandom(seed + p.events, () => drain(p.events, seed, p.variant));
      ctx.log(
        `  burst ${p.events} (${p.variant.label}, seed ${seed}): LB ${run.details.lowerBoundMin} min, last task end ${run.details.lastTaskEndMin} min, ratio ${run.details.ratio}, Start calls ${run.startCalls}, peak of ours ${run.peakOurs}, lost ${run.lost}, duplicated ${run.duplicated} (${run.details.wallSeconds} s wall)`,
      );
      runs.push(run);
    }
    all.push(...runs);
    const ratios = runs.map((r) => r.ratio);
    const mid = runs.find((r) => r.ratio === median(ratios)) as DrainRun;
    const label = `${p.variant.label}: `;
    const dispatched = p.variant.dispatcher;
    const over =
      runs.length > 1
        ? ` (median of ${runs.length} seeds; ratio ${round(Math.min(...ratios), 3)} to ${round(Math.max(...ratios), 3)})`
        : ' (one seed)';
    const invalid = mid.lost > 0 ? `; ${mid.lost} tasks never ran, so the ratio is not meaningful` : '';
    const lost = sum(runs.map((r) => r.lost));
    const duplicated = sum(runs.map((r) => r.duplicated));
    const tasks = sum(runs.map((r) => Number(r.details.tasks)));
    const startsPerTask = round(sum(runs.map((r) => r.startCalls)) / Math.max(1, tasks), 2);
    if (p.variant === DISPATCHER && p.events === 50) {
      // Read by scripts: keep these two lines' wording.
      ctx.log(`dispatcher drain 50 events: ${round(mid.ratio, 3)} of the quota bound`);
      ctx.log(`Start calls per task: ${startsPerTask}`);
    }
    const drainFigure = figure({
      name: `${label}${p.events} events: time until the last task finished${over}${invalid}`,
      value: round(mid.measuredMs / 60000, 1),
      unit: 'min',
      against: `quota lower bound (${p.variant.slots ?? SLOTS} slots)`,
      baseline: round(mid.lowerBoundMs / 60000, 1),
      ratio: mid.ratio,
      ratioOf: 'bound / measured',
      ...(dispatched ? { target: { op: '>=' as const, ratio: 0.93 } } : {}),
    });
    figures.push(
      // A drain that lost tasks did less work than the bound counts: it cannot meet the target.
      drainFigure.met === true && mid.lost > 0 ? { ...drainFigure, met: false } : drainFigure,
      figure({
        name: `${label}${p.events} events: Start calls per task (${sum(runs.map((r) => r.startCalls))} calls for ${tasks} tasks)`,
        value: startsPerTask,
        unit: '',
        against: 'one call per task',
        baseline: 1,
        ...(dispatched ? { target: { op: '<=' as const, ratio: 2 } } : {}),
      }),
      figure({
        name: `${label}${p.events} events: lost + duplicated (lost ${lost}, duplicated ${duplicated})`,
        value: lost + duplicated,
        unit: '',
        against: 'events',
        baseline: p.events * runs.length,
        ...(dispatched ? { target: { op: '<=' as const, ratio: 0 } } : {}),
      }),
      figure({
        name: `${label}${p.events} events: cost per 1,000 remediations from the counted transitions (${median(runs.map((r) => Number(r.details.transitions) / r.events)).toFixed(0)} per remediation, Start retries and polls included; median of ${runs.length})${lost > 0 ? `; ${lost} tasks never ran, so it is not the cost of the burst` : ''}`,
        value: round(median(runs.map((r) => costPer1000Usd(r))), 3),
        unit: 'USD',
        against: 'the same runs without the retried attempts',
        baseline: round(median(runs.map((r) => costPer1000Usd(r, true))), 3),
      }),
    );
    if (p.variant.operatorTasks) {
      const peak = Math.max(...runs.map((r) => r.peakOurs));
      figures.push(
        figure({
          name: `${label}${p.events} events: most of ours running at once (the operator's ${p.variant.operatorTasks} tasks held their slots throughout)`,
          value: peak,
          unit: '',
          against: 'maxConcurrentTasks',
          baseline: p.variant.slots ?? SLOTS,
          target: { op: '<=', ratio: 1 },
        }),
      );
    }
  }
  return benchResult(ctx, started, {
    name: 'burst-drain',
    title:
      'Burst drain through the local stack (virtual clock, real quotas): dispatcher vs independent retries',
    figures,
    details: {
      bound:
        'LB = max(sum of task work / slots, longest task), slots = 10 (7 in the mixed run); ratio = LB / (last task end - events put). idealFifo = greedy list scheduling in event order with instant starts (what a perfect FIFO queue would achieve; LB is not always reachable)',
      variants:
        'dispatcher: start-mitigation queues every task, the workflow waits for its slot (WaitForSlot, callback), the dispatcher starts the longest queued task first whenever a slot frees (ReleaseSlot) and on a 1-minute tick; independent retries: start-mitigation starts the task, and each blocked start is retried by its own workflow (10 s doubling to 120 s, full jitter)',
      cost: `Step Functions $${PRICE_PER_TRANSITION_USD * 1000} per 1,000 transitions (states entered + retries, as billed), ${EVENTS_PER_REMEDIATION} EventBridge custom events at $1 / M and ${LAMBDA_REQUESTS_PER_REMEDIATION} Lambda requests at $0.20 / M per remediation (the dispatcher's own invocations, about 2 per task and one a minute, are left out); Lambda duration left out (about 0.00001 USD per 1,000, see the polling section); IoT API calls are not billed`,
      workload: `per audit one check, 1 action, n findings x ${WORK_SECONDS_PER_FINDING} s, task work uniform ${MIN_MINUTES}-${MAX_MINUTES} min (seeded); all events put at t0; Math.random (SFN jitter, SDK retry jitter) seeded per run; explicit config (all auto, no verification audit: it comes after the slot is released and does not change the drain, and its transitions are not in the cost; maxConcurrentTasks 10, or 7 in the mixed run)`,
      runs: all.map((r) => r.details),
    },
  });
}
