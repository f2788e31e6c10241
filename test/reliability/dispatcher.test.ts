import { EventBridgeClient, StartReplayCommand } from '@aws-sdk/client-eventbridge';
import { afterEach, describe, expect, it } from 'vitest';
import { burstWorkload } from '../../bench/burst-drain';
import { TASK_FINISHED_DETAIL_TYPE } from '../../src/core';
import { LOCAL_ARCHIVE_NAME, LOCAL_MITIGATION_QUEUE_TABLE, type LocalStack } from '../../src/local/stack';
import { type Run, startRun } from './harness';

// The dispatcher under the failures it is built for: a dispatcher that stops between its Start and
// its writes, dispatchers passing at once, a throttled queue table, and a burst arriving while an
// archive replay re-delivers earlier events. Every scenario: each audit mitigated once, no task
// started twice, never more than 10 of ours running, every queue entry DONE at the end.

const CONFIG = {
  mode: 'apply',
  maxConcurrentTasks: 10,
  checks: { CONFLICTING_CLIENT_IDS_CHECK: { actions: ['PublishFindingToSns'] } },
};

let run: Run | undefined;
afterEach(async () => {
  await run?.stack.stepFunctions.close();
  await run?.stack.close();
  run = undefined;
});

/** Short tasks (1 to 3 minutes of work), so that a burst drains in simulated minutes. */
function workload(count: number, seed: number, label: string) {
  return burstWorkload(count, seed, label, { minMinutes: 1, maxMinutes: 3 });
}

function putAll(stack: LocalStack, events: Record<string, unknown>[]): void {
  for (let i = 0; i < events.length; i += 10) {
    const result = stack.bus.putEvents(events.slice(i, i + 10));
    expect(result.FailedEntryCount).toBe(0);
  }
}

/** What every scenario asserts: each audit once, completed and reported; the queue drained. */
function assessDrained(stack: LocalStack, audits: readonly string[]) {
  const tasks = stack.emulator.mitigationTasks();
  const byAudit = new Map<string, number>();
  for (const t of tasks) byAudit.set(t.auditTaskId ?? '', (byAudit.get(t.auditTaskId ?? '') ?? 0) + 1);
  const duplicated = [...byAudit.values()].filter((n) => n > 1).length;
  const lost = audits.filter((a) => !byAudit.has(a)).length;
  const finished = stack.bus.events().filter((e) => e['detail-type'] === TASK_FINISHED_DETAIL_TYPE);
  const stats = stack.emulator.stats();
  const entries = [...stack.dynamoDb.items(LOCAL_MITIGATION_QUEUE_TABLE).entries()].filter(([pk]) =>
    pk.startsWith('remediate-'),
  );
  const figures = {
    audits: audits.length,
    tasks: tasks.length,
    completed: tasks.filter((t) => t.status === 'COMPLETED').length,
    finished: finished.length,
    lost,
    duplicated,
    startCalls: stats.operations.StartAuditMitigationActionsTask?.calls ?? 0,
    limitExceeded: stats.mitigationTasks.limitExceeded,
    peakConcurrent: stats.mitigationTasks.peakConcurrent,
    executions: stack.stepFunctions.executions().length,
    succeeded: stack.stepFunctions.executions().filter((e) => e.status === 'SUCCEEDED').length,
    entriesDone: entries.filter(([, item]) => item.state?.S === 'DONE').length,
  };
  expect(figures).toMatchObject({
    tasks: audits.length,
    completed: audits.length,
    finished: audits.length,
    lost: 0,
    duplicated: 0,
    executions: audits.length,
    succeeded: audits.length,
    entriesDone: audits.length,
  });
  expect(figures.peakConcurrent).toBeLessThanOrEqual(10);
  return figures;
}

describe('reliability: the dispatcher', () => {
  it('stops between its Start and its writes (SendTaskSuccess unreachable): the task is started again idempotently, once in IoT', async () => {
    // Prepare: the first SendTaskSuccess calls fail past the dispatcher's SDK retries (6 attempts).
    const w = workload(12, 1301, 'crash');
    run = await startRun({
      scenario: w.scenario,
      config: CONFIG,
      decideStepFunctionsFault: (operation, call) =>
        operation === 'SendTaskSuccess' && call <= 6 ? 'serverError' : undefined,
    });
    const { stack } = run;

    // Act
    putAll(stack, w.events);
    await stack.settled();

    // Assess: the entry left STARTING was started again by a later pass (IoT answered with the
    // existing task): one more Start call, no second task.
    const figures = assessDrained(stack, [...w.workMs.keys()]);
    console.log(`reliability[dispatcher-crash]: ${JSON.stringify(figures)}`);
    expect(run.stepFunctions.injected).toBe(6);
    expect(figures.startCalls).toBe(w.events.length + 1);
  });

  it('several dispatchers at once: never the same entry twice, never past maxConcurrentTasks', async () => {
    const w = workload(30, 1302, 'concurrent');
    run = await startRun({ scenario: w.scenario, config: CONFIG });
    const { stack } = run;

    // Act: the burst, and three extra dispatchers at once, several times while it drains.
    putAll(stack, w.events);
    for (let round = 0; round < 5; round++) {
      await Promise.all([stack.invokeDispatcher(), stack.invokeDispatcher(), stack.invokeDispatcher()]);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await stack.settled();

    // Assess: one Start per task (no entry started twice, no LimitExceeded: never over the quota).
    const figures = assessDrained(stack, [...w.workMs.keys()]);
    console.log(`reliability[dispatcher-concurrent]: ${JSON.stringify(figures)}`);
    expect(figures.startCalls).toBe(w.events.length);
    expect(figures.limitExceeded).toBe(0);
  });

  it('a throttled queue table: the SDK and workflow retries absorb it, nothing lost', async () => {
    const w = workload(20, 1303, 'throttled');
    run = await startRun({ scenario: w.scenario, config: CONFIG });
    const { stack } = run;

    // Act: the table throttles the next 40 requests, as a cold on-demand table hit by a burst can.
    stack.dynamoDb.throttle(40);
    putAll(stack, w.events);
    await stack.settled();

    // Assess
    expect(stack.dynamoDb.pendingThrottles).toBe(0);
    const figures = assessDrained(stack, [...w.workMs.keys()]);
    console.log(`reliability[dispatcher-throttled-table]: ${JSON.stringify(figures)}`);
    expect(figures.startCalls).toBe(w.events.length);
  });

  it('a burst during an archive replay of earlier events: each audit once', async () => {
    const first = workload(10, 1304, 'replayed');
    const second = workload(10, 1305, 'arriving');
    const scenario = first.scenario as { audits: unknown[] };
    run = await startRun({
      scenario: {
        ...scenario,
        audits: [...scenario.audits, ...(second.scenario as { audits: unknown[] }).audits],
      },
      config: CONFIG,
    });
    const { stack } = run;
    const events = new EventBridgeClient({
      endpoint: stack.url,
      region: stack.scenario.region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });

    // Act: the first burst, archived; a replay of it starts while the second burst arrives.
    const t0 = stack.clock.now();
    putAll(stack, first.events);
    await stack.runAsClient(() =>
      events.send(
        new StartReplayCommand({
          ReplayName: 'burst-during-replay',
          EventSourceArn: stack.bus.archiveArn(LOCAL_ARCHIVE_NAME),
          Destination: { Arn: stack.bus.busArn('default') },
          EventStartTime: new Date(t0 - 1000),
          EventEndTime: new Date(stack.clock.now()),
        }),
      ),
    );
    putAll(stack, second.events);
    await stack.settled();

    // Assess: the replayed deliveries (the first burst, and the second too when it was archived
    // within the window, at the same simulated instant) found their tasks and executions already there.
    const figures = assessDrained(stack, [...first.workMs.keys(), ...second.workMs.keys()]);
    const replayed = stack.bus.events().filter((e) => 'replay-name' in e).length;
    console.log(`reliability[dispatcher-burst-during-replay]: ${JSON.stringify({ ...figures, replayed })}`);
    expect(replayed).toBeGreaterThanOrEqual(first.events.length);
    expect(figures.startCalls).toBe(first.events.length + second.events.length);
    events.destroy();
  });
});
