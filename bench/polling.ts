/**
 * Polling: state transitions, Describe calls and detection latency of the real ASL
 * (statemachine/mitigation-workflow.asl.json, run by aws-local-stepfunctions through runWorkflow with
 * local Task handlers, on a virtual clock) against a fixed 10 s poll: a minimal
 * Wait 10 -> Describe -> Choice loop (3 transitions per poll, plus its Succeed), run the same way.
 *
 * Each mitigation task starts when its execution starts (a direct start) and ends after its duration;
 * Describe answers IN_PROGRESS until then, COMPLETED after. Detection latency = execution end - task
 * end. Durations: 30 s, 2 min, 10 min, 30 min, 2 h, plus 200 seeded draws log-uniform on [30 s, 2 h].
 *
 * Cost per 1,000 remediations: Step Functions transitions at $0.025 / 1,000 (us-east-1 standard) and
 * Lambda time at the arm64 list price ($0.0000133334 per GB-s) with the MemorySize of template.yaml
 * and the start-mitigation handler duration measured in-process against the local stack (warm
 * median, billed per ms).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_EVENT_SOURCE } from '../src/core';
import { VirtualClock } from '../src/local/clock';
import { STATE_MACHINE_FILE, startLocalStack } from '../src/local/stack';
import {
  type JsonValue,
  type PreparedWorkflow,
  prepareWorkflow,
  runWorkflow,
} from '../src/local/step-functions/workflow-runner';
import { workflowSubstitutions } from '../src/local/step-functions/workflow-substitutions';
import { startTimeDriver } from '../src/local/time-driver';
import { burstWorkload } from './burst-drain';
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
} from './lib';

const DESCRIBE = 'arn:aws:states:::aws-sdk:iot:describeAuditMitigationActionsTask';
const START = 'arn:aws:states:::aws-sdk:iot:startAuditMitigationActionsTask';
const PUT_EVENTS = 'arn:aws:states:::events:putEvents';
const START_EXECUTION = 'arn:aws:states:::states:startExecution';
const NAMED_DURATIONS_S = [30, 120, 600, 1800, 7200];
const SAMPLES = 200;
const MIN_S = 30;
const MAX_S = 7200;
const PRICE_PER_TRANSITION = 0.025 / 1000;
const LAMBDA_PRICE_PER_GB_S = 0.0000133334;

/** The fixed 10 s poll of the issue: Wait 10 -> Describe -> Choice, 3 transitions per poll. */
const BASELINE_ASL = {
  Comment: 'Baseline: fixed 10 s poll',
  StartAt: 'Wait10',
  States: {
    Wait10: { Type: 'Wait', Seconds: 10, Next: 'Describe' },
    Describe: {
      Type: 'Task',
      Resource: DESCRIBE,
      Parameters: { 'TaskId.$': '$.taskId' },
      ResultSelector: { 'status.$': '$.TaskStatus' },
      ResultPath: '$.task',
      Next: 'Check',
    },
    Check: {
      Type: 'Choice',
      Choices: [
        {
          Or: [
            { Variable: '$.task.status', StringEquals: 'COMPLETED' },
            { Variable: '$.task.status', StringEquals: 'FAILED' },
            { Variable: '$.task.status', StringEquals: 'CANCELED' },
          ],
          Next: 'Done',
        },
      ],
      Default: 'Wait10',
    },
    Done: { Type: 'Succeed' },
  },
};

interface TaskRun {
  readonly durationS: number;
  readonly transitions: number;
  readonly describes: number;
  readonly latencyS: number;
  readonly status: string;
}

/** Runs one execution per duration, all at once on one virtual clock. */
async function simulate(
  workflow: PreparedWorkflow,
  durationsS: readonly number[],
  seed: number,
): Promise<TaskRun[]> {
  const clock = new VirtualClock();
  const t0 = clock.now();
  const endMs = new Map<string, number>();
  const random = seededRandom(seed);
  const handlers = {
    [DESCRIBE]: (input: JsonValue) => {
      const id = String((input as { TaskId: string }).TaskId);
      const done = clock.now() >= (endMs.get(id) ?? 0);
      return { TaskStatus: done ? 'COMPLETED' : 'IN_PROGRESS', TaskStatistics: {} };
    },
    [START]: () => ({}),
    [PUT_EVENTS]: () => ({ Entries: [{ EventId: 'bench' }], FailedEntryCount: 0 }),
    // The approval gate and the dispatcher's slot: never reached, the benched inputs have no
    // `approval` and no `queue` (the direct start: polling alone is measured).
    'arn:aws:states:::lambda:invoke.waitForTaskToken': () => {
      throw new Error('not reached');
    },
    // The verification audit's steps: never reached, the benched inputs have no `verify`.
    'arn:aws:states:::lambda:invoke': () => {
      throw new Error('not reached');
    },
    'arn:aws:states:::aws-sdk:iot:startOnDemandAuditTask': () => {
      throw new Error('not reached');
    },
    'arn:aws:states:::aws-sdk:iot:describeAuditTask': () => {
      throw new Error('not reached');
    },
    // Continue as new comes after 1000 polls (about 17 h at the cap): past the benched durations.
    [START_EXECUTION]: () => {
      throw new Error('a benched task outlasted its execution (continue as new is not benched)');
    },
  };
  const runs = durationsS.map((durationS, i) => {
    const taskId = `remediate-bench-${i}`;
    endMs.set(taskId, t0 + durationS * 1000);
    const input = {
      taskId,
      auditTaskId: `bench${i}`,
      deferredStart: false,
      startRequest: {
        TaskId: taskId,
        Target: { AuditTaskId: `bench${i}` },
        AuditCheckToActionsMapping: { CONFLICTING_CLIENT_IDS_CHECK: ['PublishFindingToSns'] },
        ClientRequestToken: `token-${i}`,
      },
      pollDeadlineSeconds: 21600,
      skipped: [],
      follow: 1,
    };
    const run = runWorkflow(workflow, {
      input,
      handlers,
      clock,
      random,
      context: { Execution: { Id: `bench:${taskId}`, Name: taskId } },
    });
    const ended = run.result.then((result) => ({ result, at: clock.now() }));
    return { durationS, run, ended };
  });
  const driver = startTimeDriver({ clock, isBusy: () => runs.some((r) => r.run.working) });
  try {
    const out: TaskRun[] = [];
    for (const r of runs) {
      const { result, at } = await r.ended;
      out.push({
        durationS: r.durationS,
        transitions: r.run.transitions,
        describes: r.run.calls.get(DESCRIBE) ?? 0,
        latencyS: (at - (t0 + r.durationS * 1000)) / 1000,
        status: result.status,
      });
    }
    return out;
  } finally {
    driver.stop();
  }
}

function summary(runs: readonly TaskRun[]) {
  const short = runs.filter((r) => r.durationS < 120);
  return {
    transitions: sum(runs.map((r) => r.transitions)),
    describes: sum(runs.map((r) => r.describes)),
    meanTransitions: sum(runs.map((r) => r.transitions)) / runs.length,
    p95LatencyS: quantile(
      runs.map((r) => r.latencyS),
      0.95,
    ),
    maxLatencyS: Math.max(...runs.map((r) => r.latencyS)),
    maxShortLatencyS: short.length > 0 ? Math.max(...short.map((r) => r.latencyS)) : 0,
    shortTasks: short.length,
    failed: runs.filter((r) => r.status !== 'SUCCEEDED').length,
  };
}

/** Median duration (ms) of warm start-mitigation invocations, in-process against the local stack. */
async function handlerDurations(
  count: number,
  seed: number,
): Promise<{ firstMs: number; warmMedianMs: number; warmP90Ms: number }> {
  const workload = burstWorkload(count + 1, seed, 'cost');
  const stack = await startLocalStack({
    scenario: workload.scenario,
    clock: 'virtual',
    seed,
    // The happy path: no quota refusals (a refused start is retried by the SDK with real delays).
    quotas: { maxConcurrentMitigationTasks: 10_000, rates: false },
  });
  try {
    const times: number[] = [];
    for (const entry of workload.events) {
      const event = {
        version: '0',
        id: `cost-${times.length}`,
        'detail-type': entry.DetailType,
        source: entry.Source,
        account: '123456789012',
        time: '2026-01-01T00:00:00Z',
        region: 'us-east-1',
        resources: [],
        detail: JSON.parse(String(entry.Detail)),
      };
      const t = process.hrtime.bigint();
      const outcome = (await stack.holdClock(() => stack.invokeStartMitigation(event))) as {
        status?: string;
      };
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
      // The handler queues every task for the dispatcher (the local stack's START_THROUGH_QUEUE).
      if (outcome.status !== 'queued') throw new Error(`handler answered ${JSON.stringify(outcome)}`);
    }
    const warm = times.slice(1);
    return { firstMs: times[0] ?? Number.NaN, warmMedianMs: median(warm), warmP90Ms: quantile(warm, 0.9) };
  } finally {
    // The executions started here are still polling: abort them, or their Task timers keep Node alive.
    await stack.stepFunctions.close();
    await stack.close();
  }
}

function memorySizeMb(root: string): number {
  const template = readFileSync(join(root, 'template.yaml'), 'utf8');
  const match = /MemorySize:\s*(\d+)/.exec(template);
  return match ? Number(match[1]) : 128;
}

export async function polling(ctx: BenchContext): Promise<BenchResult> {
  const started = Date.now();
  const random = seededRandom(ctx.seed);
  const sampled = Array.from({ length: SAMPLES }, () => Math.round(MIN_S * (MAX_S / MIN_S) ** random()));
  const durations = [...NAMED_DURATIONS_S, ...sampled];

  const text = readFileSync(join(ctx.root, STATE_MACHINE_FILE), 'utf8');
  const product = prepareWorkflow(
    text,
    workflowSubstitutions({ eventBusName: 'default', eventSource: DEFAULT_EVENT_SOURCE }),
  );
  const baseline = prepareWorkflow(JSON.stringify(BASELINE_ASL), {});
  const variants: Record<string, PreparedWorkflow> = {
    product,
    baseline,
  };
  const results: Record<string, TaskRun[]> = {};
  for (const [name, workflow] of Object.entries(variants)) {
    results[name] = await simulate(workflow, durations, ctx.seed);
  }
  const sampleOf = (name: string) => (results[name] ?? []).slice(NAMED_DURATIONS_S.length);
  const s = Object.fromEntries(Object.keys(variants).map((name) => [name, summary(sampleOf(name))]));
  const p = s.product as ReturnType<typeof summary>;
  const b = s.baseline as ReturnType<typeof summary>;

  const named = NAMED_DURATIONS_S.map((d, i) => {
    const pr = results.product?.[i] as TaskRun;
    const br = results.baseline?.[i] as TaskRun;
    return {
      task: d < 120 ? `${d} s` : d < 3600 ? `${d / 60} min` : `${d / 3600} h`,
      transitions: pr.transitions,
      baselineTransitions: br.transitions,
      ratio: round(pr.transitions / br.transitions, 3),
      describes: pr.describes,
      baselineDescribes: br.describes,
      latencyS: pr.latencyS,
      baselineLatencyS: br.latencyS,
    };
  });

  const memoryMb = memorySizeMb(ctx.root);
  const handler = await handlerDurations(ctx.quick ? 8 : 40, ctx.seed);
  const billedMs = Math.ceil(handler.warmMedianMs);
  const lambdaPer1000 = 1000 * (billedMs / 1000) * (memoryMb / 1024) * LAMBDA_PRICE_PER_GB_S;
  const cost = (t: number) => 1000 * t * PRICE_PER_TRANSITION + lambdaPer1000;
  const productCost = cost(p.meanTransitions);
  const baselineCost = cost(b.meanTransitions);

  const figures: Figure[] = [
    figure({
      name: `total transitions, ${SAMPLES} tasks log-uniform 30 s - 2 h`,
      value: p.transitions,
      unit: '',
      against: 'fixed 10 s poll',
      baseline: b.transitions,
      target: { op: '<=', ratio: 0.3 },
    }),
    figure({
      name: 'detection latency p95',
      value: p.p95LatencyS,
      unit: 's',
      against: 'bound',
      baseline: 60,
      target: { op: '<=', ratio: 1 },
      note: 'simulated seconds (virtual clock, deterministic)',
    }),
    figure({
      name: `detection latency max, tasks under 2 min (${p.shortTasks} of ${SAMPLES})`,
      value: p.maxShortLatencyS,
      unit: 's',
      against: 'bound',
      baseline: 15,
      target: { op: '<=', ratio: 1 },
    }),
    figure({
      name: 'Describe calls (same tasks)',
      value: p.describes,
      unit: '',
      against: 'fixed 10 s poll',
      baseline: b.describes,
    }),
    figure({
      name: 'detection latency p95 of the fixed 10 s poll',
      value: b.p95LatencyS,
      unit: 's',
      against: 'bound',
      baseline: 60,
    }),
    figure({
      name: 'cost per 1,000 remediations, one task at a time (poll-loop transitions + Lambda time; no Start retries: a burst costs more, see the burst-drain section)',
      value: round(productCost, 4),
      unit: 'USD',
      against: 'fixed 10 s poll',
      baseline: round(baselineCost, 4),
    }),
  ];
  ctx.log(
    `  polling: transitions ${p.transitions} vs ${b.transitions} (${round(p.transitions / b.transitions, 3)}), p95 latency ${p.p95LatencyS} s, max <2 min ${p.maxShortLatencyS} s`,
  );

  return benchResult(ctx, started, {
    name: 'polling',
    title: 'Polling: transitions, Describe calls, detection latency and cost',
    figures,
    details: {
      method:
        'real ASL run by aws-local-stepfunctions (runWorkflow, local handlers, virtual clock); baseline = Wait 10 -> Describe -> Choice loop run the same way; latency = execution end - task end',
      namedTasks: named,
      variants: Object.entries(s).map(([name, v]) => ({
        variant: name,
        transitions: v.transitions,
        meanTransitionsPerTask: round(v.meanTransitions, 1),
        describes: v.describes,
        p95LatencyS: v.p95LatencyS,
        maxLatencyS: v.maxLatencyS,
        maxLatencyUnder2MinS: v.maxShortLatencyS,
        transitionsVsFixed10s: round(v.transitions / b.transitions, 3),
        failed: v.failed,
      })),
      cost: {
        stepFunctionsPerTransitionUsd: PRICE_PER_TRANSITION,
        lambdaArm64PerGbSecondUsd: LAMBDA_PRICE_PER_GB_S,
        memoryMb,
        handlerFirstInvocationMs: round(handler.firstMs, 1),
        handlerWarmMedianMs: round(handler.warmMedianMs, 1),
        handlerWarmP90Ms: round(handler.warmP90Ms, 1),
        billedMs,
        meanTransitionsPerRemediation: round(p.meanTransitions, 1),
        stepFunctionsPer1000Usd: round(1000 * p.meanTransitions * PRICE_PER_TRANSITION, 4),
        lambdaPer1000Usd: round(lambdaPer1000, 6),
        baselineStepFunctionsPer1000Usd: round(1000 * b.meanTransitions * PRICE_PER_TRANSITION, 4),
        note: 'handler timed in-process on this machine (not a 256 MB arm64 Lambda, which has a fraction of a vCPU); Lambda requests ($0.20 / 1M) and the free tiers left out',
      },
    },
  });
}
