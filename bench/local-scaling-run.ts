/**
 * One burst through the local stack in this process (run fresh per size by bench/local-scaling.ts, so
 * that its RSS is its own): `tsx bench/local-scaling-run.ts <audits> <seed> [no-verify]` prints one
 * JSON line.
 *
 * Workload: `audits` audit-completion events put on the bus 10 per simulated second (the rate of
 * StartAuditMitigationActionsTask; put all at once, past a few hundred most would be dead-lettered:
 * each handler reads DescribeAuditTask, 25 per second, and Lambda retries an invocation only twice),
 * each audit one non-compliant check mapped to one action, task work drawn (seeded) from 30 s to
 * 2 min, on the virtual clock with the emulator's real quotas (10 concurrent tasks): most starts
 * are deferred to the state machine's durable retry, as in a real burst.
 */
import { readFileSync } from 'node:fs';
import { TASK_FINISHED_DETAIL_TYPE } from '../src/core';
import { startLocalStack } from '../src/local/stack';
import { burstWorkload } from './burst-drain';
import { withSeededMathRandom } from './lib';

export interface ScalingRun {
  readonly audits: number;
  /** Whether finished tasks were verified (the bundled config's default in apply mode). */
  readonly verify: boolean;
  readonly wallMs: number;
  readonly peakRssMB: number;
  /** The heap in use after a full collection at the end of the burst: what the stack retains. */
  readonly liveHeapMB: number;
  readonly virtualMin: number;
  readonly executions: number;
  readonly succeeded: number;
  readonly completionEvents: number;
  readonly tasks: number;
  readonly startCalls: number;
  readonly describeCalls: number;
  /** ListAuditFindings calls (the verification reads most of them). */
  readonly findingsListCalls: number;
  /** Every AWS request the stack received (IoT, Step Functions, DynamoDB, S3, EventBridge...). */
  readonly requests: number;
  readonly deadLetters: number;
}

/**
 * The bundled config, with verification turned off when `verify` is false: each verification audit
 * finds every resource of the check in the account (all the burst's audits found some), and the
 * verification reads up to 40 pages of them, so with verification the work per audit grows with the
 * burst whatever the local stack does.
 */
function configFor(verify: boolean): unknown {
  if (verify) return undefined;
  const bundled = JSON.parse(readFileSync(new URL('../config/remediation.json', import.meta.url), 'utf8'));
  return { ...bundled, verify: false };
}

async function run(audits: number, seed: number, verify: boolean): Promise<ScalingRun> {
  const workload = burstWorkload(audits, seed, 'scale', { minMinutes: 0.5, maxMinutes: 2 });
  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 50);
  const started = performance.now();
  const stack = await startLocalStack({
    scenario: workload.scenario,
    clock: 'virtual',
    seed,
    config: configFor(verify),
  });
  try {
    const t0 = stack.clock.now();
    for (let i = 0; i < workload.events.length; i += 10) {
      if (i > 0) await stack.clock.sleep(1000);
      stack.bus.putEvents(workload.events.slice(i, i + 10));
    }
    await stack.settled();
    const wallMs = performance.now() - started;
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
    // What the stack still holds once the burst is over (its executions, events, reports, tasks,
    // queue), apart from the garbage a collection would free: run with --expose-gc.
    (globalThis as { gc?: () => void }).gc?.();
    const liveHeapMB = process.memoryUsage().heapUsed / 2 ** 20;
    const executions = stack.stepFunctions.executions();
    const stats = stack.emulator.stats();
    return {
      audits,
      verify,
      wallMs,
      peakRssMB: peakRss / 2 ** 20,
      liveHeapMB,
      virtualMin: (stack.clock.now() - t0) / 60000,
      executions: executions.length,
      succeeded: executions.filter((e) => e.status === 'SUCCEEDED').length,
      completionEvents: stack.bus.events().filter((e) => e['detail-type'] === TASK_FINISHED_DETAIL_TYPE)
        .length,
      tasks: stack.emulator.mitigationTasks().length,
      startCalls: stats.operations.StartAuditMitigationActionsTask?.calls ?? 0,
      describeCalls: stats.operations.DescribeAuditMitigationActionsTask?.calls ?? 0,
      findingsListCalls: stats.operations.ListAuditFindings?.calls ?? 0,
      requests: stack.requestsServed,
      deadLetters: stack.bus.deadLetters().length,
    };
  } finally {
    clearInterval(sampler);
    await stack.close();
  }
}

const [audits, seed] = process.argv.slice(2, 4).map(Number);
const verify = process.argv[4] !== 'no-verify';
if (!Number.isInteger(audits) || !Number.isInteger(seed)) {
  console.error('usage: tsx bench/local-scaling-run.ts <audits> <seed> [no-verify]');
  process.exit(2);
}
const result = await withSeededMathRandom((seed as number) + (audits as number), () =>
  run(audits as number, seed as number, verify),
);
console.log(JSON.stringify(result));
process.exit(0);
