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
import { GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { TASK_FINISHED_DETAIL_TYPE } from '../src/core';
import { type LocalStack, startLocalStack } from '../src/local/stack';
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
  /**
   * What the stack must keep of an execution for GetExecutionHistory, read through the API for the
   * first 10 executions: events, and kB of the events as the API's JSON.
   */
  readonly historyEventsPerExecution: number;
  readonly historyKBPerExecution: number;
}

/** The history of the first `count` executions, as GetExecutionHistory serves it (events, JSON bytes). */
async function historySample(stack: LocalStack, count: number): Promise<{ events: number; kB: number }> {
  const client = new SFNClient({
    endpoint: stack.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const executions = stack.stepFunctions.executions().slice(0, count);
  let events = 0;
  let bytes = 0;
  try {
    for (const { executionArn } of executions) {
      let nextToken: string | undefined;
      do {
        const page = await stack.runAsClient(() =>
          client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken })),
        );
        events += page.events?.length ?? 0;
        bytes += Buffer.byteLength(JSON.stringify(page.events ?? []));
        nextToken = page.nextToken;
      } while (nextToken);
    }
  } finally {
    client.destroy();
  }
  const n = Math.max(1, executions.length);
  return { events: events / n, kB: bytes / 1024 / n };
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
    // The burst's own peak: what is read below, for the figures, is not the burst's.
    clearInterval(sampler);
    // What the stack still holds once the burst is over (its executions, events, reports, tasks,
    // queue), apart from the garbage a collection would free: run with --expose-gc.
    (globalThis as { gc?: () => void }).gc?.();
    const liveHeapMB = process.memoryUsage().heapUsed / 2 ** 20;
    const executions = stack.stepFunctions.executions();
    const stats = stack.emulator.stats();
    const history = await historySample(stack, 10);
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
      historyEventsPerExecution: history.events,
      historyKBPerExecution: history.kB,
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
