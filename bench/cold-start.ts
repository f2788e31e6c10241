/**
 * Cold start of the three functions: what loads at start, the time a fresh Node process takes to load
 * the handler module, and the time to load it AND answer its first invocation (the cost a user pays:
 * credential chain, the client's schema, zod parsing, the first HTTP round trip).
 *
 * Each sample is a new process (`process.execPath --input-type=module -e ...`). The child imports the
 * module, notes performance.now() (ms since its process start), invokes the handler once with a real
 * event against the local stack (credentials from the environment, as in Lambda), notes
 * performance.now() again and prints both with its RSS. The parent runs one local stack for all of them
 * on the system clock (started workflows wait in real time and cost nothing meanwhile). Variants run
 * round-robin (one sample of each per round) so that load from other processes hits each alike.
 *
 * Variants, all built by buildFunction (scripts/esbuild-config.mjs), the function `sam build` runs:
 * - production: dist/functions/<name>/ as `node scripts/build.mjs` writes it (what is deployed);
 * - empty: a handler that does nothing, same options (baseline a: its load, and load + a no-op call);
 * - naive: the same entry with every package external, loaded from node_modules (baseline b);
 * - start-mitigation, full run only: the SDK external (the nodejs22.x runtime's SDK), and diagnostics
 *   that load one group of dependencies alone.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { buildFunction, productionBuildOptions } from '../scripts/esbuild-config.mjs';
import { AUDIT_COMPLETED_DETAIL_TYPE, DEFAULT_EVENT_SOURCE, TASK_FINISHED_DETAIL_TYPE } from '../src/core';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION, startLocalStack } from '../src/local/stack';
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
  sum,
} from './lib';

const KB = 1024;
const SIZE_BOUND_KB = 300;
/** The targets: load <= 2.5 x empty, load + first call <= 3.5 x empty, naive / production >= 2. */
const LOAD_RATIO = 2.5;
const FIRST_CALL_RATIO = 3.5;
const NAIVE_RATIO = 2;

export const FUNCTIONS = ['start-mitigation', 'audit-notification-bridge', 'record-outcome'] as const;
type FunctionName = (typeof FUNCTIONS)[number];

/** The directory whose index.mjs (and chunks/) the benchmark measures: the one `sam build` deploys. */
export function productionBundleDir(root: string, name: string): string {
  return join(root, 'dist', 'functions', name);
}

interface Variant {
  readonly name: string;
  readonly fn: FunctionName | 'none';
  readonly description: string;
  readonly file: string;
  /** Bytes of the entry module plus the chunks it imports statically: what loads at start. */
  readonly startBytes: number;
  /** Bytes of every file the variant ships (entry + chunks). */
  readonly totalBytes: number;
  readonly deployable: string;
  /** Invoke the handler once after the import (diagnostics only load). */
  readonly invoke: boolean;
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    total += statSync(path).isDirectory() ? dirBytes(path) : statSync(path).size;
  }
  return total;
}

/** Bytes of an entry output and of every output it imports statically (dynamic imports excluded). */
function bytesLoadedAtStart(meta: Metafile): number {
  const entry = Object.keys(meta.outputs).find((p) => p.endsWith('/index.mjs')) ?? '';
  return sum([...staticOutputs(meta, entry)].map((path) => meta.outputs[path]?.bytes ?? 0));
}

function staticOutputs(meta: Metafile, entryOutput: string): Set<string> {
  const seen = new Set<string>();
  const visit = (path: string): void => {
    const output = meta.outputs[path];
    if (seen.has(path) || output === undefined) return;
    seen.add(path);
    for (const i of output.imports) if (i.kind === 'import-statement' && !i.external) visit(i.path);
  };
  visit(entryOutput);
  return seen;
}

/** Bytes by top-level package, of what loads at start and of everything shipped. */
function bytesByPackage(meta: Metafile, onlyAtStart: boolean): Record<string, number> {
  const entry = Object.keys(meta.outputs).find((p) => p.endsWith('/index.mjs')) ?? '';
  const outputs = onlyAtStart ? staticOutputs(meta, entry) : new Set(Object.keys(meta.outputs));
  const totals: Record<string, number> = {};
  for (const path of outputs) {
    for (const [input, { bytesInOutput }] of Object.entries(meta.outputs[path]?.inputs ?? {})) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
      const name = match ? (match[1] as string) : 'project code + config';
      const group =
        name.startsWith('@smithy/') || name.startsWith('@aws-crypto/') ? '@smithy/* + @aws-crypto/*' : name;
      totals[group] = (totals[group] ?? 0) + bytesInOutput;
    }
  }
  return Object.fromEntries(
    Object.entries(totals)
      .sort(([, a], [, b]) => b - a)
      .map(([k, v]) => [k, round(v / KB, 1)]),
  );
}

/**
 * The diagnostic sdk-floor variants: each function's SDK work of a first invocation (its clients and
 * one call of each operation it makes on every first invocation), and nothing of the product.
 */
const SDK_FLOOR: Readonly<Record<FunctionName, { readonly calls: string; readonly handler: string }>> = {
  'start-mitigation': {
    calls:
      'IoT, DynamoDB and SFN clients: GetItem (ledger), DescribeAuditTask, ListAuditFindings, ListExecutions',
    handler: `
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeAuditTaskCommand, IoTClient, ListAuditFindingsCommand } from '@aws-sdk/client-iot';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
const iot = new IoTClient({});
const dynamoDb = new DynamoDBClient({});
const sfn = new SFNClient({});
export const handler = async (event: { detail: { taskId: string } }) => {
  const taskId = event.detail.taskId;
  await dynamoDb.send(
    new GetItemCommand({ TableName: process.env.OUTCOME_LEDGER_TABLE, Key: { pk: { S: 'verification#' + taskId } } }),
  );
  const audit = await iot.send(new DescribeAuditTaskCommand({ taskId }));
  const checkName = Object.keys(audit.auditDetails ?? {})[0];
  await iot.send(new ListAuditFindingsCommand({ taskId, checkName, listSuppressedFindings: true, maxResults: 250 }));
  await sfn.send(new ListExecutionsCommand({ stateMachineArn: process.env.STATE_MACHINE_ARN, maxResults: 1 }));
  return taskId;
};
`,
  },
  'audit-notification-bridge': {
    calls: 'EventBridge client: PutEvents of the notification',
    handler: `
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
const events = new EventBridgeClient({});
export const handler = async (event: { Records: { Sns: { Message: string } }[] }) => {
  const Detail = event.Records[0]?.Sns.Message ?? '{}';
  await events.send(
    new PutEventsCommand({
      Entries: [{ EventBusName: process.env.EVENT_BUS_NAME, Source: process.env.EVENT_SOURCE, DetailType: process.env.EVENT_DETAIL_TYPE, Detail }],
    }),
  );
  return Detail.length;
};
`,
  },
  'record-outcome': {
    calls: 'DynamoDB client: the PutItem that claims the event in the ledger',
    handler: `
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
const dynamoDb = new DynamoDBClient({});
export const handler = async (event: { detail: { eventId: string } }) => {
  await dynamoDb.send(
    new PutItemCommand({
      TableName: process.env.OUTCOME_LEDGER_TABLE,
      Item: { pk: { S: 'sdk-floor#' + event.detail.eventId } },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
  return event.detail.eventId;
};
`,
  },
};

async function buildVariants(
  root: string,
  work: string,
  functions: readonly FunctionName[],
  full: boolean,
): Promise<{ variants: Variant[]; meta: Record<string, Metafile> }> {
  const variants: Variant[] = [];
  const meta: Record<string, Metafile> = {};
  const built = async (
    name: string,
    fn: FunctionName | 'none',
    description: string,
    deployable: string,
    run: (outdir: string) => Promise<{ metafile: Metafile }>,
    invoke = true,
  ): Promise<void> => {
    const outdir = join(work, name);
    const result = await run(outdir);
    variants.push({
      name,
      fn,
      description,
      file: join(outdir, 'index.mjs'),
      startBytes: bytesLoadedAtStart(result.metafile),
      totalBytes: dirBytes(outdir),
      deployable,
      invoke,
    });
  };
  const quiet = { logLevel: 'error' as const, metafile: true as const };
  const resolveDir = join(root, 'functions/start-mitigation');
  const stdinBuild = (contents: string, sourcefile: string) => (outdir: string) =>
    build({
      ...productionBuildOptions(),
      ...quiet,
      // esbuild splits entry points only; a one-file diagnostic has nothing to split.
      splitting: false,
      stdin: { contents, loader: 'ts', resolveDir, sourcefile },
      outdir,
      entryNames: 'index',
    });

  await built(
    'empty',
    'none',
    'empty handler, same options (baseline a)',
    'n/a',
    stdinBuild('export const handler = async () => ({ ok: true });\n', 'empty.ts'),
  );
  for (const fn of functions) {
    // The same build function and options as dist/, into memory: where the bytes of dist/ go.
    const production = await buildFunction(root, fn, join(work, `meta-${fn}`), { ...quiet, write: false });
    meta[fn] = production.metafile;
    const dir = productionBundleDir(root, fn);
    variants.push({
      name: `${fn}: production`,
      fn,
      description: `${dir.slice(root.length + 1)}/ as built by scripts/build.mjs (what sam build deploys)`,
      file: join(dir, 'index.mjs'),
      startBytes: bytesLoadedAtStart(production.metafile),
      totalBytes: dirBytes(dir),
      deployable: 'yes (deployed)',
      invoke: true,
    });
    await built(
      `${fn}: naive`,
      fn,
      'same entry, every package external: loaded from node_modules (baseline b)',
      'needs node_modules in the zip',
      (outdir) => buildFunction(root, fn, outdir, { ...quiet, packages: 'external' }),
    );
  }
  // The floor of each function's first invocation with the real SDK: its clients and calls alone.
  for (const fn of full ? functions : []) {
    await built(
      `diagnostic ${fn} sdk-floor`,
      fn,
      `the first invocation's SDK work alone (${SDK_FLOOR[fn].calls}); no product code, no zod, no powertools; same build options, not split`,
      'no (diagnostic)',
      stdinBuild(SDK_FLOOR[fn].handler, `${fn}-sdk-floor.ts`),
    );
  }
  if (full && functions.includes('start-mitigation')) {
    const fn = 'start-mitigation';
    await built(
      `${fn}: sdk-external`,
      fn,
      '@aws-sdk/* external (the nodejs22.x runtime provides SDK v3), rest bundled and split',
      'yes: runtime SDK version not pinned',
      (outdir) => buildFunction(root, fn, outdir, { ...quiet, external: ['@aws-sdk/*'] }),
    );
    const diagnostic = (name: string, description: string, contents: string) =>
      built(
        `diagnostic ${name}`,
        'none',
        description,
        'no (diagnostic)',
        stdinBuild(contents, `${name}.ts`),
        false,
      );
    await diagnostic(
      'only-core+zod',
      'src/core + the bundled config parsed (zod), no SDK, no powertools',
      "import { parseRemediationConfig } from '../../src/core';\nimport config from '../../config/remediation.json';\nexport const parsed = parseRemediationConfig(config);\nexport const handler = async () => parsed.mode;\n",
    );
    await diagnostic(
      'only-sdk-clients',
      'IoT + SFN clients constructed (no call)',
      "import { IoTClient } from '@aws-sdk/client-iot';\nimport { SFNClient } from '@aws-sdk/client-sfn';\nexport const clients = [new IoTClient({}), new SFNClient({})];\nexport const handler = async () => clients.length;\n",
    );
    await diagnostic(
      'only-powertools+middy',
      'Logger + Metrics + their middy middlewares',
      "import { Logger } from '@aws-lambda-powertools/logger';\nimport { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';\nimport { Metrics } from '@aws-lambda-powertools/metrics';\nimport { logMetrics } from '@aws-lambda-powertools/metrics/middleware';\nimport middy from '@middy/core';\nconst logger = new Logger();\nconst metrics = new Metrics({ namespace: 'x', serviceName: 'x' });\nexport const handler = middy(async () => 1).use(injectLambdaContext(logger)).use(logMetrics(metrics));\n",
    );
  }
  return { variants, meta };
}

interface Sample {
  /** Child: performance.now() after the import (ms since its process start). */
  readonly loadedMs: number;
  /** Child: performance.now() after the first invocation answered. */
  readonly invokedMs: number;
  readonly rssMiB: number;
  /** Parent: spawn to exit. */
  readonly spawnMs: number;
}

const CHILD = `
const module = await import(process.env.BENCH_MODULE);
const loadedMs = performance.now();
if (process.env.BENCH_EVENT) {
  await module.handler(JSON.parse(process.env.BENCH_EVENT), {
    functionName: 'bench', functionVersion: '$LATEST', memoryLimitInMB: '256',
    invokedFunctionArn: 'arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:function:bench',
    awsRequestId: process.env.BENCH_REQUEST_ID, logGroupName: 'bench', logStreamName: 'bench',
    callbackWaitsForEmptyEventLoop: true, getRemainingTimeInMillis: () => 60000,
  });
}
const invokedMs = performance.now();
process.stdout.write(JSON.stringify({ loadedMs, invokedMs, rss: process.memoryUsage().rss }));
process.exit(0);
`;

function runOnce(
  file: string,
  cwd: string,
  env: Record<string, string>,
  event: unknown,
  requestId: string,
): Promise<Sample> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD], {
      cwd,
      env: {
        ...env,
        PATH: process.env.PATH ?? '',
        BENCH_MODULE: pathToFileURL(file).href,
        BENCH_EVENT: event === undefined ? '' : JSON.stringify(event),
        BENCH_REQUEST_ID: requestId,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('error', reject);
    child.on('close', (status) => {
      const spawnMs = Number(process.hrtime.bigint() - started) / 1e6;
      try {
        if (status !== 0) throw new Error(`exit ${status}`);
        const r = JSON.parse(out) as { loadedMs: number; invokedMs: number; rss: number };
        resolve({ loadedMs: r.loadedMs, invokedMs: r.invokedMs, rssMiB: r.rss / KB / KB, spawnMs });
      } catch (error) {
        reject(new Error(`running ${file} failed: ${(error as Error).message} ${err.slice(0, 800)}`));
      }
    });
  });
}

/** The events of one sample, fresh ids each time so every first invocation does the real work. */
function eventFactory(workload: ReturnType<typeof burstWorkload>, run: number) {
  const audits = workload.events;
  let nextAudit = 0;
  const notification = (): Record<string, unknown> => {
    const entry = audits[nextAudit++ % audits.length] as { Detail: string };
    return JSON.parse(entry.Detail) as Record<string, unknown>;
  };
  return (fn: FunctionName | 'none', i: number): unknown => {
    const id = `cold-${run}-${i}`;
    if (fn === 'start-mitigation') {
      return {
        version: '0',
        id,
        'detail-type': AUDIT_COMPLETED_DETAIL_TYPE,
        source: DEFAULT_EVENT_SOURCE,
        account: LOCAL_ACCOUNT_ID,
        time: '2026-01-01T00:00:00Z',
        region: LOCAL_REGION,
        resources: [],
        detail: notification(),
      };
    }
    if (fn === 'audit-notification-bridge') {
      const topicArn = `arn:aws:sns:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:AuditNotificationTopic`;
      return {
        Records: [
          {
            EventSource: 'aws:sns',
            EventVersion: '1.0',
            EventSubscriptionArn: `${topicArn}:bench`,
            Sns: {
              Type: 'Notification',
              MessageId: id,
              TopicArn: topicArn,
              Message: JSON.stringify(notification()),
            },
          },
        ],
      };
    }
    if (fn === 'record-outcome') {
      return {
        version: '0',
        id,
        'detail-type': TASK_FINISHED_DETAIL_TYPE,
        source: DEFAULT_EVENT_SOURCE,
        account: LOCAL_ACCOUNT_ID,
        time: '2026-01-01T00:00:00Z',
        region: LOCAL_REGION,
        resources: [],
        detail: {
          eventId: id,
          taskId: `task-${id}`,
          auditTaskId: `audit-${id}`,
          outcome: 'COMPLETED',
          taskStatus: 'COMPLETED',
          taskStatistics: {
            CONFLICTING_CLIENT_IDS_CHECK: { TotalFindingsCount: 3, SucceededFindingsCount: 3 },
          },
          polls: 2,
        },
      };
    }
    return {};
  };
}

export async function coldStart(ctx: BenchContext): Promise<BenchResult> {
  const started = Date.now();
  const work = mkdtempSync(join(tmpdir(), 'iot-bench-cold-'));
  const rounds = ctx.quick ? 15 : 20;
  const functions: readonly FunctionName[] = ctx.quick ? ['start-mitigation'] : FUNCTIONS;
  const workload = burstWorkload((rounds + 1) * 4, ctx.seed, 'cold');
  // System clock: the workflows the first invocations start wait in real time, idle, until close().
  // Concurrent tasks unbounded, so that every first call takes the start path, not the deferred one.
  const stack = await startLocalStack({
    scenario: workload.scenario,
    clock: 'system',
    seed: ctx.seed,
    quotas: { maxConcurrentMitigationTasks: 100_000 },
  });
  try {
    // Unbundled variants resolve their packages from here, as they would from a zip's node_modules.
    symlinkSync(join(ctx.root, 'node_modules'), join(work, 'node_modules'), 'dir');
    const { variants, meta } = await buildVariants(ctx.root, work, functions, !ctx.quick);
    const env: Record<string, string> = {
      ...stack.handlerEnvironment,
      // The bridge's events go to a source no rule of the stack matches: the put is the same call,
      // and the parent does not start a remediation per sample.
      EVENT_BUS_NAME: 'default',
      EVENT_SOURCE: 'bench.cold-start',
      EVENT_DETAIL_TYPE: AUDIT_COMPLETED_DETAIL_TYPE,
    };
    const eventOf = eventFactory(workload, ctx.seed);
    let sampleNo = 0;
    const sample = (v: Variant) =>
      runOnce(v.file, work, env, v.invoke ? eventOf(v.fn, sampleNo) : undefined, `bench-${++sampleNo}`);
    const samples = new Map<string, Sample[]>(variants.map((v) => [v.name, []]));
    // Warm the OS file cache once per variant, untimed.
    for (const v of variants) await sample(v);
    for (let i = 0; i < rounds; i++) {
      for (const v of variants) samples.get(v.name)?.push(await sample(v));
    }
    ctx.log(`  cold start: ${rounds} interleaved rounds of ${variants.length} variants`);

    const table = variants.map((v) => {
      const s = samples.get(v.name) ?? [];
      const loads = s.map((x) => x.loadedMs);
      const firsts = s.map((x) => x.invokedMs);
      return {
        variant: v.name,
        description: v.description,
        deployable: v.deployable,
        startKB: round(v.startBytes / KB, 1),
        totalKB: round(v.totalBytes / KB, 1),
        loadMedianMs: round(median(loads)),
        loadP90Ms: round(quantile(loads, 0.9)),
        loadPlusFirstCallMedianMs: round(median(firsts)),
        loadPlusFirstCallP90Ms: round(quantile(firsts, 0.9)),
        rssMedianMiB: round(median(s.map((x) => x.rssMiB)), 1),
        spawnToExitMedianMs: round(median(s.map((x) => x.spawnMs))),
        runs: s.length,
      };
    });
    const row = (name: string) => {
      const r = table.find((t) => t.variant === name);
      if (!r) throw new Error(`no variant ${name}`);
      return r;
    };
    const empty = row('empty');

    const figures: Figure[] = [];
    for (const fn of functions) {
      const prod = row(`${fn}: production`);
      const naive = row(`${fn}: naive`);
      figures.push(
        figure({
          name: `${fn}: loaded at start (${prod.totalKB} kB shipped)`,
          value: prod.startKB,
          unit: 'kB',
          against: 'bound',
          baseline: SIZE_BOUND_KB,
          target: { op: '<=', ratio: 1 },
        }),
        figure({
          name: `${fn}: load (median)`,
          value: prod.loadMedianMs,
          unit: 'ms',
          against: 'empty handler',
          baseline: empty.loadMedianMs,
          target: { op: '<=', ratio: LOAD_RATIO },
        }),
        figure({
          name: `${fn}: load + first invocation (median)`,
          value: prod.loadPlusFirstCallMedianMs,
          unit: 'ms',
          against: 'empty handler + no-op call',
          baseline: empty.loadPlusFirstCallMedianMs,
          target: { op: '<=', ratio: FIRST_CALL_RATIO },
        }),
        figure({
          name: `${fn}: naive build, load + first invocation`,
          value: naive.loadPlusFirstCallMedianMs,
          unit: 'ms',
          against: 'production',
          baseline: prod.loadPlusFirstCallMedianMs,
          ratioOf: 'naive / production',
          target: { op: '>=', ratio: NAIVE_RATIO },
        }),
      );
    }
    for (const t of table.filter(
      (t) => t.variant.includes('sdk-external') || t.variant.startsWith('diagnostic'),
    )) {
      // A variant that answers an invocation is measured on it; the others on their load.
      const invoked = variants.find((v) => v.name === t.variant)?.invoke === true;
      figures.push(
        figure({
          name: `${t.variant}: load${invoked ? ' + first invocation' : ''} (${t.startKB} kB at start)`,
          value: invoked ? t.loadPlusFirstCallMedianMs : t.loadMedianMs,
          unit: 'ms',
          against: invoked ? 'empty handler + no-op call' : 'empty handler',
          baseline: invoked ? empty.loadPlusFirstCallMedianMs : empty.loadMedianMs,
          note: t.description,
        }),
      );
      if (t.variant.endsWith('sdk-floor'))
        figures.push(
          figure({
            name: `${t.variant}: load (the SDK clients alone, against the 2.5 x target)`,
            value: t.loadMedianMs,
            unit: 'ms',
            against: 'empty handler',
            baseline: empty.loadMedianMs,
            note: t.description,
          }),
        );
    }

    return benchResult(ctx, started, {
      name: 'cold-start',
      title: 'Cold start: bytes loaded at start, load, and load plus the first invocation',
      figures,
      details: {
        method: `${rounds} interleaved rounds (one fresh \`node --input-type=module -e\` process per variant per round, after one untimed warm-up each); load = performance.now() in the child right after \`await import(index.mjs)\` (ms since its process start); load + first invocation = performance.now() after the handler answered one real event against the local stack (served by the parent, system clock, credentials from the environment; every sample a fresh audit or event id, so every first call does the real work: StartAuditMitigationActionsTask + StartExecution, PutEvents, DynamoDB PutItem); empty baseline = an empty handler's load, and its load plus a no-op call; medians; kB = 1024 bytes; the machine is shared (2 cores, another process may be running), which the interleaving spreads evenly over the variants`,
        variants: table,
        ...(meta['start-mitigation']
          ? {
              startMitigationKBAtStartByPackage: bytesByPackage(meta['start-mitigation'], true),
              startMitigationKBShippedByPackage: bytesByPackage(meta['start-mitigation'], false),
            }
          : {}),
      },
    });
  } finally {
    await stack.close();
    rmSync(work, { recursive: true, force: true });
  }
}
