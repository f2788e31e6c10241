/**
 * One burst through the local stack in this process (run fresh per size by bench/local-scaling.ts, so
 * that its RSS is its own): `tsx bench/local-scaling-run.ts <audits> <seed>` prints one JSON line.
 *
 * Workload: `audits` audit-completion events put on the bus 10 per simulated second (the rate of
 * StartAuditMitigationActionsTask; put all at once, past a few hundred most would be dead-lettered:
 * each handler reads DescribeAuditTask, 25 per second, and Lambda retries an invocation only twice),
 * each audit one non-compliant check mapped to one action, task work drawn (seeded) from 30 s to
 * 2 min, on the virtual clock with the emulator's real quotas (10 concurrent tasks): most starts
 * are deferred to the state machine's durable retry, as in a real burst.
 */
import { TASK_FINISHED_DETAIL_TYPE } from '../src/core';
import { startLocalStack } from '../src/local/stack';
import { burstWorkload } from './burst-drain';
import { withSeededMathRandom } from './lib';

export interface ScalingRun {
  readonly audits: number;
  readonly wallMs: number;
  readonly peakRssMB: number;
  readonly virtualMin: number;
  readonly executions: number;
  readonly succeeded: number;
  readonly completionEvents: number;
  readonly tasks: number;
  readonly startCalls: number;
  readonly describeCalls: number;
  readonly deadLetters: number;
}

async function run(audits: number, seed: number): Promise<ScalingRun> {
  const workload = burstWorkload(audits, seed, 'scale', { minMinutes: 0.5, maxMinutes: 2 });
  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 50);
  const started = performance.now();
  const stack = await startLocalStack({ scenario: workload.scenario, clock: 'virtual', seed });
  try {
    const t0 = stack.clock.now();
    for (let i = 0; i < workload.events.length; i += 10) {
      if (i > 0) await stack.clock.sleep(1000);
      stack.bus.putEvents(workload.events.slice(i, i + 10));
    }
    await stack.settled();
    const wallMs = performance.now() - started;
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
    const executions = stack.stepFunctions.executions();
    const stats = stack.emulator.stats();
    return {
      audits,
      wallMs,
      peakRssMB: peakRss / 2 ** 20,
      virtualMin: (stack.clock.now() - t0) / 60000,
      executions: executions.length,
      succeeded: executions.filter((e) => e.status === 'SUCCEEDED').length,
      completionEvents: stack.bus.events().filter((e) => e['detail-type'] === TASK_FINISHED_DETAIL_TYPE)
        .length,
      tasks: stack.emulator.mitigationTasks().length,
      startCalls: stats.operations.StartAuditMitigationActionsTask?.calls ?? 0,
      describeCalls: stats.operations.DescribeAuditMitigationActionsTask?.calls ?? 0,
      deadLetters: stack.bus.deadLetters().length,
    };
  } finally {
    clearInterval(sampler);
    await stack.close();
  }
}

const [audits, seed] = process.argv.slice(2).map(Number);
if (!Number.isInteger(audits) || !Number.isInteger(seed)) {
  console.error('usage: tsx bench/local-scaling-run.ts <audits> <seed>');
  process.exit(2);
}
const result = await withSeededMathRandom((seed as number) + (audits as number), () =>
  run(audits as number, seed as number),
);
console.log(JSON.stringify(result));
process.exit(0);
