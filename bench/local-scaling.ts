/**
 * Local stack scaling: bursts of 10, 100 and 1,000 audits through the local stack (full run; the
 * quick run: 30), each in a fresh process (bench/local-scaling-run.ts) so that its peak RSS is its
 * own, and `iot-remediate replay --local` of 100 recorded events as the operator runs it (the built
 * CLI as a subprocess; the quick run: 10 events). Targets: 1,000 audits in <= 30 s and <= 300 MB,
 * time per audit at 1,000 within 1.5 x that at 100, the replay in <= 10 s.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { IoTClient, ListAuditFindingsCommand } from '@aws-sdk/client-iot';
import { VirtualClock } from '../src/local/clock';
import { createLocalDynamoDb } from '../src/local/dynamodb';
import { createGateway } from '../src/local/gateway';
import { createIotEmulator } from '../src/local/iot-emulator';
import { ScenarioSchema } from '../src/local/scenario';
import { burstWorkload } from './burst-drain';
import { type BenchContext, type BenchResult, benchResult, type Figure, figure, round } from './lib';
import type { ScalingRun } from './local-scaling-run';
import { profileFileShares, profileIn } from './profile-shares';

function run(
  ctx: BenchContext,
  command: string,
  args: readonly string[],
): Promise<{ code: number; stdout: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd: ctx.root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0 && command === process.execPath && args.includes('bench/local-scaling-run.ts'))
        reject(new Error(`${args.join(' ')} exited ${code}: ${stderr.slice(-2000)}`));
      else resolve({ code: code ?? 1, stdout, ms: performance.now() - started });
    });
  });
}

async function burst(
  ctx: BenchContext,
  audits: number,
  verify: boolean,
  profileDir?: string,
): Promise<ScalingRun> {
  const { stdout } = await run(ctx, process.execPath, [
    ...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []),
    '--expose-gc',
    '--import',
    'tsx',
    'bench/local-scaling-run.ts',
    String(audits),
    String(ctx.seed),
    ...(verify ? [] : ['no-verify']),
  ]);
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as ScalingRun;
}

/** 100 recorded events and the scenario whose audits they report, as files for the CLI. */
function recordedEvents(ctx: BenchContext, count: number): { dir: string; events: string; scenario: string } {
  const dir = mkdtempSync(join(tmpdir(), 'local-scaling-'));
  const workload = burstWorkload(count, ctx.seed, 'replay', { minMinutes: 0.5, maxMinutes: 2 });
  const events = join(dir, 'events');
  mkdirSync(events);
  workload.events.forEach((entry, i) => {
    const event = {
      version: '0',
      id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      'detail-type': entry.DetailType,
      source: entry.Source,
      account: '123456789012',
      time: '2026-01-01T00:00:00Z',
      region: 'us-east-1',
      resources: [],
      detail: JSON.parse(String(entry.Detail)),
    };
    writeFileSync(join(events, `event-${String(i).padStart(4, '0')}.json`), JSON.stringify(event));
  });
  const scenario = join(dir, 'scenario.json');
  writeFileSync(scenario, JSON.stringify(workload.scenario));
  return { dir, events, scenario };
}

/**
 * Ms of wall per call of `call`, `parallel` calls at a time: the median of 5 batches of `calls`,
 * after `warmUp` untimed calls (10 at a time).
 */
async function wallPerCall(
  call: () => Promise<unknown>,
  { calls, parallel = 10, warmUp = 0 }: { calls: number; parallel?: number; warmUp?: number },
): Promise<number> {
  const batch = async (n: number, lanes: number): Promise<number> => {
    const started = performance.now();
    await Promise.all(
      Array.from({ length: lanes }, async () => {
        for (let i = 0; i < n / lanes; i++) await call();
      }),
    );
    return (performance.now() - started) / n;
  };
  if (warmUp > 0) await batch(warmUp, 10);
  const times = [];
  for (let i = 0; i < 5; i++) times.push(await batch(calls, parallel));
  return times.sort((a, b) => a - b)[2] as number;
}

/**
 * What one request costs on this machine, apart from the product: a GetItem through a real SDK
 * client (SigV4, HTTP keep-alive) against the stack's endpoint and local DynamoDB, one at a time
 * and 10 at once (ms of wall per request, the median of 5 batches of 400 after 200 untimed).
 */
async function requestRoundTrip(): Promise<{ sequentialMs: number; concurrentMs: number }> {
  const dynamoDb = createLocalDynamoDb();
  dynamoDb.createTable('round-trip', 'pk');
  const gateway = createGateway([
    { name: 'dynamodb', targetPrefix: 'DynamoDB_20120810', handle: dynamoDb.handle },
  ]);
  const client = new DynamoDBClient({
    endpoint: await gateway.listen(),
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const get = () => client.send(new GetItemCommand({ TableName: 'round-trip', Key: { pk: { S: 'a' } } }));
  try {
    return {
      sequentialMs: await wallPerCall(get, { calls: 400, parallel: 1, warmUp: 200 }),
      concurrentMs: await wallPerCall(get, { calls: 400 }),
    };
  } finally {
    client.destroy();
    await gateway.close();
  }
}

/**
 * What a byte of ListAuditFindings answer costs apart from the request it rides on: a page of 250
 * findings as the emulator writes it, served ready-made (no emulation, no serialising) by a bare
 * HTTP server, read through the real IoT client (SigV4, HTTP, JSON parse, the SDK's schema walk),
 * against an empty page from the same server. The answers of a replay are mostly such pages.
 */
async function findingsByteCost(): Promise<{ msPerMB: number; pageBytes: number; pageMs: number }> {
  const emulator = createIotEmulator({
    clock: new VirtualClock(),
    quotas: { rates: false },
    scenario: ScenarioSchema.parse({
      accountId: '123456789012',
      region: 'us-east-1',
      audits: [
        {
          taskId: 'floor-page',
          taskType: 'ON_DEMAND_AUDIT_TASK',
          taskStatus: 'COMPLETED',
          taskStartTime: 1767225600,
          checks: {
            CONFLICTING_CLIENT_IDS_CHECK: {
              checkRunStatus: 'COMPLETED_NON_COMPLIANT',
              generateFindings: 250,
              totalResourcesCount: 2500,
            },
          },
        },
      ],
    }),
  });
  const { url } = await emulator.listen();
  const page = await fetch(`${url}/audit/findings`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ taskId: 'floor-page', maxResults: 250 }),
  }).then((r) => r.text());
  await emulator.close();
  const full = Buffer.from(page);
  const empty = Buffer.from('{"findings":[]}');
  let answer = full;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(answer));
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = new IoTClient({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const list = () => client.send(new ListAuditFindingsCommand({ taskId: 'floor-page', maxResults: 250 }));
  try {
    const pageMs = await wallPerCall(list, { calls: 100, warmUp: 50 });
    answer = empty;
    const emptyMs = await wallPerCall(list, { calls: 400, warmUp: 50 });
    const msPerMB = ((pageMs - emptyMs) / (full.byteLength - empty.byteLength)) * 1_000_000;
    return { msPerMB, pageBytes: full.byteLength, pageMs };
  } finally {
    client.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

interface ReplayRun {
  code: number;
  ms: number;
  workflows: number;
  ended: number;
  requests: number;
  listAuditFindingsBytes: number;
}

/**
 * `iot-remediate replay --local --json` of `count` recorded events, the built CLI as a subprocess;
 * with `profileDir`, under `--cpu-prof` (its profile written there).
 */
async function replayLocal(ctx: BenchContext, count: number, profileDir?: string): Promise<ReplayRun> {
  const files = recordedEvents(ctx, count);
  try {
    const cli = await run(ctx, process.execPath, [
      ...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []),
      'dist/cli/iot-remediate.mjs',
      'replay',
      files.events,
      '--local',
      '--scenario',
      files.scenario,
      '--json',
    ]);
    const result = JSON.parse(cli.stdout || '{}') as {
      workflows?: { end?: string }[];
      localStack?: { requests: number; listAuditFindingsBytes: number };
    };
    const workflows = result.workflows ?? [];
    return {
      code: cli.code,
      ms: cli.ms,
      workflows: workflows.length,
      ended: workflows.filter((w) => w.end === 'COMPLETED').length,
      requests: result.localStack?.requests ?? 0,
      listAuditFindingsBytes: result.localStack?.listAuditFindingsBytes ?? 0,
    };
  } finally {
    rmSync(files.dir, { recursive: true, force: true });
  }
}

/** The replay's wall time taken apart: its floor at bare prices, and who spends its CPU profile. */
async function replayBreakdown(ctx: BenchContext, count: number, replay: ReplayRun, requestMs: number) {
  // The floor: its fixed part (a replay of one event: the process, the stack's start and close, one
  // workflow), then each further request at a bare request's cost and each further byte of
  // findings at a bare page's. What the emulation, the state machine's interpretation and the
  // product's own logic add comes on top.
  const single = await replayLocal(ctx, 1);
  const findingsCost = await findingsByteCost();
  const floor = {
    fixedMs: single.ms,
    requestsMs: Math.max(0, replay.requests - single.requests) * requestMs,
    findingsMs:
      (Math.max(0, replay.listAuditFindingsBytes - single.listAuditFindingsBytes) / 1e6) *
      findingsCost.msPerMB,
  };
  const floorMs = floor.fixedMs + floor.requestsMs + floor.findingsMs;
  ctx.log(
    `  replay floor: ${round(floorMs / 1000, 1)} s = a replay of 1 event ${round(floor.fixedMs / 1000, 2)} s + ${replay.requests - single.requests} more requests ${round(floor.requestsMs / 1000, 2)} s + ${round((replay.listAuditFindingsBytes - single.listAuditFindingsBytes) / 1e6, 1)} MB more of findings ${round(floor.findingsMs / 1000, 2)} s (a bare page of 250 findings, ${round(findingsCost.pageBytes / 1000, 0)} kB: ${round(findingsCost.pageMs, 2)} ms, ${round(findingsCost.msPerMB, 2)} ms per MB beyond the request)`,
  );
  // Who spends the replay's time: the same replay again under --cpu-prof, its samples attributed to
  // the product (functions and CLI, with their SDK clients), the stack's own code, or neither.
  const shares = await profiled(async (dir) => {
    await replayLocal(ctx, count, dir);
    return profileFileShares(profileIn(dir), join(ctx.root, 'dist/cli/iot-remediate.mjs'));
  });
  const withoutStackMs = replay.ms * (1 - shares.share.stack);
  ctx.log(
    `  replay's profile: product ${percent(shares.share.product)} (functions and CLI with their SDK clients), local stack ${percent(shares.share.stack)} (emulators, interpreter), neither ${percent(shares.share.other)} (Node's HTTP internals, GC, idle): without the stack's own code, ${round(withoutStackMs / 1000, 1)} s`,
  );
  return { single, findingsCost, floor, floorMs, shares, withoutStackMs };
}

/** A fraction as a whole percentage, `37%`. */
const percent = (fraction: number): string => `${round(fraction * 100, 0)}%`;

/** Runs `work` with a fresh directory for a CPU profile, removed afterwards. */
async function profiled<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'local-scaling-profile-'));
  try {
    return await work(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function localScaling(ctx: BenchContext): Promise<BenchResult> {
  const started = Date.now();
  // The quick run keeps to one small size: `npm run bench -- --quick` must stay under a minute.
  const sizes = ctx.quick ? [30] : [10, 100, 1000];
  const runs: ScalingRun[] = [];
  // As deployed (the bundled config verifies every mitigated task), then, in the full run, without
  // verification: what the local stack itself costs per audit, apart from the verification reads.
  for (const verify of ctx.quick ? [true] : [true, false]) {
    for (const audits of sizes) {
      const r = await burst(ctx, audits, verify);
      ctx.log(
        `  ${audits} audits${verify ? '' : ' (verification off)'}: ${round(r.wallMs / 1000, 1)} s wall, ${round(r.wallMs / audits, 1)} ms per audit, peak RSS ${round(r.peakRssMB, 0)} MB (live heap after the burst ${round(r.liveHeapMB, 0)} MB), ${r.succeeded}/${audits} workflows succeeded, ${r.deadLetters} dead-lettered, ${r.startCalls} Start calls, ${r.findingsListCalls} ListAuditFindings calls, ${r.requests} AWS requests (${round(r.requests / audits, 1)} per audit, ${round(r.wallMs / r.requests, 2)} ms of wall each), ${round(r.virtualMin, 1)} simulated min`,
      );
      runs.push(r);
    }
  }
  const unverified = runs.filter((r) => !r.verify);
  const verified = runs.filter((r) => r.verify);
  // The 1,000-audit burst again under --cpu-prof (full run): how much of it is the stack's own code.
  const burstShares = ctx.quick
    ? undefined
    : await profiled(async (dir) => {
        await burst(ctx, 1000, true, dir);
        return profileFileShares(profileIn(dir));
      });
  if (burstShares)
    ctx.log(
      `  1000 audits, profiled: product ${percent(burstShares.share.product)}, local stack ${percent(burstShares.share.stack)}, neither ${percent(burstShares.share.other)}`,
    );

  const replayCount = ctx.quick ? 10 : 100;
  const replay = await replayLocal(ctx, replayCount);
  ctx.log(
    `  replay --local of ${replayCount} events: ${round(replay.ms / 1000, 1)} s wall, exit ${replay.code}, ${replay.ended}/${replay.workflows} COMPLETED, ${replay.requests} AWS requests, ${round(replay.listAuditFindingsBytes / 1e6, 1)} MB of ListAuditFindings answers`,
  );
  const roundTrip = await requestRoundTrip();
  ctx.log(
    `  one request (GetItem through a real SDK client and the stack's endpoint): ${round(roundTrip.sequentialMs, 2)} ms one at a time, ${round(roundTrip.concurrentMs, 2)} ms of wall each 10 at once`,
  );
  // What the replay is made of (full run; the quick run keeps under a minute without it).
  const breakdown = ctx.quick
    ? undefined
    : await replayBreakdown(ctx, replayCount, replay, roundTrip.concurrentMs);

  const bySize = new Map(verified.map((r) => [r.audits, r]));
  const largest = verified.at(-1) as ScalingRun;
  const smallest = verified[0] as ScalingRun;
  const hundred = bySize.get(100);
  const figures: Figure[] = [];
  if (largest.audits === 1000) {
    figures.push(
      figure({
        name: '1,000 audits: wall time',
        value: round(largest.wallMs / 1000, 1),
        unit: 's',
        against: 'bound',
        baseline: 30,
        baselineUnit: 's',
        target: { op: '<=', ratio: 1 },
      }),
      figure({
        name: '1,000 audits: peak RSS',
        value: round(largest.peakRssMB, 0),
        unit: 'MB',
        against: 'bound',
        baseline: 300,
        baselineUnit: 'MB',
        target: { op: '<=', ratio: 1 },
      }),
      figure({
        name: '1,000 audits: live heap after the burst (what the stack retains), against 10 audits',
        value: round(largest.liveHeapMB, 0),
        unit: 'MB',
        against: 'after 10 audits',
        baseline: round(smallest.liveHeapMB, 0),
        baselineUnit: 'MB',
      }),
      figure({
        // The floor of the memory: the process at 10 audits, then what the services keep per audit.
        name: `1,000 audits: what the stack retains per audit (live heap growth from 10 audits), of which each execution's history, as GetExecutionHistory must serve it: ${round(largest.historyEventsPerExecution, 0)} events, ${round(largest.historyKBPerExecution, 0)} kB as the API's JSON; RSS at 10 audits ${round(smallest.peakRssMB, 0)} MB`,
        value: round(
          ((largest.liveHeapMB - smallest.liveHeapMB) * 1024) / (largest.audits - smallest.audits),
          0,
        ),
        unit: 'kB',
        against: 'what 300 MB leaves per audit above the RSS at 10 audits',
        baseline: round(((300 - smallest.peakRssMB) * 1024) / (largest.audits - smallest.audits), 0),
        baselineUnit: 'kB',
      }),
      figure({
        // What the wall time is made of: the product's own requests, each through a real SDK client
        // and the stack's HTTP endpoint. The bound is 30 s whatever the requests per audit.
        name: `1,000 audits: AWS requests the stack received (${round(largest.requests / 1000, 1)} per audit)`,
        value: round(largest.wallMs / largest.requests, 2),
        unit: 'ms',
        against: 'the wall per request that 30 s would allow',
        baseline: round(30_000 / largest.requests, 2),
        baselineUnit: 'ms',
      }),
      figure({
        name: `1,000 audits: the requests alone (${largest.requests}, each at the 10-at-once cost of a bare GetItem, ${round(roundTrip.concurrentMs, 2)} ms), against the wall time`,
        value: round((largest.requests * roundTrip.concurrentMs) / 1000, 1),
        unit: 's',
        against: "the burst's wall time",
        baseline: round(largest.wallMs / 1000, 1),
        baselineUnit: 's',
      }),
      ...(burstShares
        ? [
            figure({
              name: `1,000 audits: wall time less the local stack's own share of the burst's CPU profile (${percent(burstShares.share.stack)}; the product's functions with their SDK clients ${percent(burstShares.share.product)}, Node's HTTP internals, GC, idle and the bench's driver ${percent(burstShares.share.other)})`,
              value: round((largest.wallMs * (1 - burstShares.share.stack)) / 1000, 1),
              unit: 's',
              against: 'bound',
              baseline: 30,
              baselineUnit: 's',
            }),
          ]
        : []),
      figure({
        name: 'time per audit at 1,000 against at 100 (linear)',
        value: round(largest.wallMs / 1000, 2),
        unit: 'ms',
        against: 'per audit at 100',
        baseline: round((hundred as ScalingRun).wallMs / 100, 2),
        baselineUnit: 'ms',
        target: { op: '<=', ratio: 1.5 },
      }),
    );
    const plain = new Map(unverified.map((r) => [r.audits, r]));
    const [plain100, plain1000] = [plain.get(100), plain.get(1000)];
    if (plain100 && plain1000)
      figures.push(
        figure({
          name: 'verification off (info): 1,000 audits, wall time',
          value: round(plain1000.wallMs / 1000, 1),
          unit: 's',
          against: 'bound',
          baseline: 30,
          baselineUnit: 's',
        }),
        figure({
          name: 'verification off (info): 1,000 audits, peak RSS',
          value: round(plain1000.peakRssMB, 0),
          unit: 'MB',
          against: 'bound',
          baseline: 300,
          baselineUnit: 'MB',
        }),
        figure({
          name: 'verification off (info): time per audit at 1,000 against at 100',
          value: round(plain1000.wallMs / 1000, 2),
          unit: 'ms',
          against: 'per audit at 100',
          baseline: round(plain100.wallMs / 100, 2),
          baselineUnit: 'ms',
        }),
      );
  } else if (runs.length > 1) {
    figures.push(
      figure({
        name: `time per audit at ${largest.audits} against at ${smallest.audits} (quick run; info)`,
        value: round(largest.wallMs / largest.audits, 2),
        unit: 'ms',
        against: `per audit at ${smallest.audits}`,
        baseline: round(smallest.wallMs / smallest.audits, 2),
        baselineUnit: 'ms',
      }),
    );
  }
  for (const r of runs) {
    figures.push(
      figure({
        name: `${r.audits} audits${r.verify ? '' : ' (verification off)'}: every workflow succeeded, none dead-lettered`,
        value: r.audits - r.succeeded + r.deadLetters,
        unit: '',
        against: 'audits',
        baseline: r.audits,
        target: { op: '<=', ratio: 0 },
      }),
    );
  }
  figures.push(
    figure({
      name: `replay --local of ${replayCount} recorded events: wall time (${replay.ended}/${replayCount} COMPLETED, exit ${replay.code})`,
      value: round(replay.ms / 1000, 1),
      unit: 's',
      against: 'bound',
      baseline: 10,
      baselineUnit: 's',
      target: { op: '<=', ratio: 1 },
    }),
    ...(breakdown
      ? [
          figure({
            name: `replay --local of ${replayCount} events: its wall time less the local stack's own share of its CPU profile (${percent(breakdown.shares.share.stack)}; the product's functions and CLI with their SDK clients ${percent(breakdown.shares.share.product)}, Node's HTTP internals, GC and idle ${percent(breakdown.shares.share.other)})`,
            value: round(breakdown.withoutStackMs / 1000, 1),
            unit: 's',
            against: 'bound',
            baseline: 10,
            baselineUnit: 's',
          }),
          figure({
            name: `replay --local of ${replayCount} events: its floor (a replay of 1 event ${round(breakdown.floor.fixedMs / 1000, 2)} s; ${replay.requests} requests, each further one at ${round(roundTrip.concurrentMs, 2)} ms, ${round(breakdown.floor.requestsMs / 1000, 2)} s; ${round(replay.listAuditFindingsBytes / 1e6, 1)} MB of ListAuditFindings answers at ${round(breakdown.findingsCost.msPerMB, 1)} ms per MB read through the real IoT client, ${round(breakdown.floor.findingsMs / 1000, 2)} s), against its wall time`,
            value: round(breakdown.floorMs / 1000, 1),
            unit: 's',
            against: "the replay's wall time",
            baseline: round(replay.ms / 1000, 1),
            baselineUnit: 's',
          }),
        ]
      : []),
  );
  return benchResult(ctx, started, {
    name: 'local-scaling',
    title: 'Local stack scaling and replay --local',
    figures,
    details: {
      workload:
        "N audit-completion events put on the local bus 10 per simulated second (the Start quota), each audit one non-compliant check (the same check, its own resources) mapped to one action, task work uniform 0.5-2 min (seeded); the real bundled functions and config, real ASL, the dispatcher's queue, the emulator's quotas (10 concurrent tasks, 10 starts/s, 25 describes/s), virtual clock; one fresh process per size (RSS sampled every 50 ms). As deployed, every mitigated task is verified by an on-demand audit of its check, which finds every resource of the check in the account (about 12 per audit of the burst) and judged by looking each targeted resource up (ListAuditFindings with its resourceIdentifier) when that takes fewer calls than the listing's pages of 250 (verify: false rows: the same runs with the config's verify off). Live heap: heapUsed after a full collection (--expose-gc) once the burst is over. Replay: the built CLI as a subprocess, 100 event files of the same kind, --local --scenario",
      scaling: runs.map((r) => ({
        audits: r.audits,
        verify: r.verify,
        wallS: round(r.wallMs / 1000, 2),
        perAuditMs: round(r.wallMs / r.audits, 1),
        peakRssMB: round(r.peakRssMB, 0),
        liveHeapMB: round(r.liveHeapMB, 0),
        requests: r.requests,
        succeeded: r.succeeded,
        deadLetters: r.deadLetters,
        startCalls: r.startCalls,
        describeCalls: r.describeCalls,
        findingsListCalls: r.findingsListCalls,
        simulatedMin: round(r.virtualMin, 1),
      })),
    },
  });
}
