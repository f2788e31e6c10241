import { afterEach, describe, expect, it } from 'vitest';
import { burstWorkload } from '../../bench/burst-drain';
import { LOCAL_MITIGATION_QUEUE_TABLE, type LocalStack, startLocalStack } from '../../src/local/stack';
import { runCli } from './helpers';

// `iot-remediate status` (a subprocess) shows the dispatcher's queue of a running local stack: a
// burst of 15 audits, 10 slots, so 10 tasks hold a slot and 5 wait, longest first.

const CONFIG = {
  mode: 'apply',
  maxConcurrentTasks: 10,
  checks: { CONFLICTING_CLIENT_IDS_CHECK: { actions: ['PublishFindingToSns'] } },
};

let stack: LocalStack | undefined;
afterEach(async () => {
  await stack?.stepFunctions.close();
  await stack?.close();
  stack = undefined;
});

interface QueueJson {
  table: string;
  entries: {
    position: number | null;
    taskId: string;
    state: string;
    priority: number;
    waitingSince: string;
  }[];
}

describe('iot-remediate status: the dispatcher queue', () => {
  it('lists the tasks holding a slot, then the queued ones in start order with priority and waiting time', async () => {
    // Prepare: the burst, until the dispatcher has filled the 10 slots and queued the rest.
    const workload = burstWorkload(15, 1401, 'status');
    // The request rates are off: the test holds the virtual clock so that the queue stands still while
    // two CLI processes read it, and a held clock never refills a rate bucket (the stack's own calls
    // just before can leave too few Describe tokens for 2 x 10 reads, which failed under load with
    // ThrottlingException). The concurrency quota (10 tasks) stays: it is what fills the queue.
    stack = await startLocalStack({
      scenario: workload.scenario,
      config: CONFIG,
      quotas: { maxConcurrentMitigationTasks: 10, rates: false },
    });
    const local = stack;
    for (let i = 0; i < workload.events.length; i += 10)
      local.bus.putEvents(workload.events.slice(i, i + 10));
    const states = () =>
      [...local.dynamoDb.items(LOCAL_MITIGATION_QUEUE_TABLE).values()].map((e) => e.state?.S);
    for (let i = 0; i < 1000; i++) {
      const s = states();
      if (s.filter((x) => x === 'RUNNING').length === 10 && s.filter((x) => x === 'QUEUED').length === 5)
        break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const base = ['status', '--endpoint-url', local.url, '--queue-table', LOCAL_MITIGATION_QUEUE_TABLE];

    // Act: while the queue stands still.
    const [json, text] = await local.holdClock(() =>
      Promise.all([
        runCli([...base, '--since', '2025-12-01T00:00:00Z', '--json']),
        runCli([...base, '--since', '2025-12-01T00:00:00Z']),
      ]),
    );

    // Assess
    expect(json.code).toBe(0);
    const { queue } = JSON.parse(json.stdout) as { queue: QueueJson };
    expect(queue.table).toBe(LOCAL_MITIGATION_QUEUE_TABLE);
    const holding = queue.entries.filter((e) => e.position === null);
    const queued = queue.entries.filter((e) => e.position !== null);
    expect(holding.map((e) => e.state)).toEqual(Array(10).fill('RUNNING'));
    expect(queued.map((e) => e.position)).toEqual([1, 2, 3, 4, 5]);
    // Start order: longest (highest priority: findings x actions) first.
    const priorities = queued.map((e) => e.priority);
    expect(priorities).toEqual([...priorities].sort((a, b) => b - a));
    for (const e of queued) expect(Number.isNaN(Date.parse(e.waitingSince))).toBe(false);
    // The token never leaves the table.
    expect(json.stdout).not.toMatch(/taskToken|token/i);
    expect(text.code, `${text.stdout}\n${text.stderr}`).toBe(0);
    expect(text.stdout).toContain(
      `mitigation queue (${LOCAL_MITIGATION_QUEUE_TABLE}): 5 queued, 10 holding a slot`,
    );
    expect(text.stdout).toMatch(/position\s+task\s+state\s+priority\s+waiting since/);
    expect(text.stdout).toContain(queued[0]?.taskId);
  });

  it('--queue-table with --task exits 2 and starts nothing', async () => {
    const { code, stderr } = await runCli([
      'status',
      '--task',
      'remediate-x',
      '--queue-table',
      'q',
      '--local',
    ]);
    expect(code).toBe(2);
    expect(stderr).toContain('--queue-table and --task exclude each other');
  });

  it('--local shows the embedded stack queue (empty)', async () => {
    const { code, stdout } = await runCli(['status', '--local', '--since', '2025-12-01T00:00:00Z']);
    expect(code).toBe(0);
    expect(stdout).toContain(
      'mitigation queue (iot-audit-remediation-mitigation-queue): 0 queued, 0 holding a slot',
    );
  });
});
