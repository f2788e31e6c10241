/**
 * Cold start: bundle sizes and the time a fresh Node process takes to load a handler module.
 *
 * Each variant is loaded in a new process (`process.execPath --input-type=module -e ...`); the child
 * prints `performance.now()` right after `await import(bundle)`, i.e. milliseconds from its process
 * start (performance.timeOrigin) to the module loaded. The parent also times the whole spawn with
 * process.hrtime (reported only). Variants run round-robin so drift hits each alike.
 *
 * Variants, all built with scripts/esbuild-options.json:
 * - production: dist/functions/start-mitigation/index.mjs as `node scripts/build.mjs` writes it;
 * - empty: a handler that does nothing (baseline a);
 * - naive: the same entry with every package external (SDK, zod, middy, powertools load from
 *   node_modules; baseline b);
 * - alternative builds: SDK external (provided by the nodejs22.x runtime), SSM client
 *   imported lazily (code splitting), and both.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BuildOptions, build, type Metafile } from 'esbuild';
import { productionBuildOptions } from '../scripts/esbuild-config.mjs';
import {
  type BenchContext,
  type BenchResult,
  benchResult,
  figure,
  median,
  quantile,
  round,
  sum,
} from './lib';

const KB = 1024;
const SIZE_BOUND_KB = 300;

interface Variant {
  readonly name: string;
  /** Built and timed in quick runs too. */
  readonly core: boolean;
  readonly description: string;
  /** The module to import. */
  readonly file: string;
  /** Bytes of the entry module plus the chunks it imports statically: what loads at start. */
  readonly entryBytes: number;
  /** Bytes of every file the variant ships (entry + chunks). */
  readonly totalBytes: number;
  readonly deployable: string;
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    total += statSync(path).isDirectory() ? dirBytes(path) : statSync(path).size;
  }
  return total;
}

/** The handler source with the SSM client imported only when the config comes from SSM. */
function lazySsmSource(source: string): string {
  const importLine = "import { SSMClient } from '@aws-sdk/client-ssm';\n";
  const use = 'new SSMClient({})';
  if (!source.includes(importLine) || !source.includes(use)) {
    throw new Error('functions/start-mitigation/index.ts changed: the lazy-SSM variant needs updating');
  }
  return source
    .replace(importLine, '')
    .replace(use, "new (await import('@aws-sdk/client-ssm')).SSMClient({})");
}

/** Bytes of an entry output and of every output it imports statically (dynamic imports excluded). */
function bytesLoadedAtStart(meta: Metafile, entryOutput: string): number {
  const seen = new Set<string>();
  const visit = (path: string): void => {
    const output = meta.outputs[path];
    if (seen.has(path) || output === undefined) return;
    seen.add(path);
    for (const i of output.imports) if (i.kind === 'import-statement' && !i.external) visit(i.path);
  };
  visit(entryOutput);
  return sum([...seen].map((path) => meta.outputs[path]?.bytes ?? 0));
}

async function buildVariants(
  root: string,
  work: string,
  quick: boolean,
): Promise<{ variants: Variant[]; meta: Metafile }> {
  const shared: BuildOptions = { ...productionBuildOptions(), logLevel: 'error' };
  const entry = join(root, 'functions/start-mitigation/index.ts');
  const handlerSource = readFileSync(entry, 'utf8');
  const resolveDir = join(root, 'functions/start-mitigation');
  const variants: Variant[] = [];

  const production = join(root, 'dist/functions/start-mitigation/index.mjs');
  const productionBytes = statSync(production).size;
  variants.push({
    name: 'production',
    core: true,
    description: 'dist/ bundle as built (SDK, zod, middy, powertools bundled)',
    file: production,
    entryBytes: productionBytes,
    totalBytes: productionBytes,
    deployable: 'yes (current)',
  });

  // Metafile of the production options, to say where the bytes go.
  const metaBuild = await build({
    ...shared,
    entryPoints: [entry],
    write: false,
    metafile: true,
    outdir: work,
  });

  const one = async (
    name: string,
    description: string,
    deployable: string,
    options: BuildOptions,
    core = false,
  ): Promise<void> => {
    if (quick && !core) return;
    const outdir = join(work, name);
    mkdirSync(outdir, { recursive: true });
    const result = await build({
      ...shared,
      ...options,
      outdir,
      entryNames: 'index',
      chunkNames: 'chunk-[hash]',
      metafile: true,
    });
    const file = join(outdir, 'index.mjs');
    const entryOutput = Object.keys(result.metafile.outputs).find((p) => p.endsWith('/index.mjs')) ?? '';
    variants.push({
      name,
      core,
      description,
      file,
      entryBytes: bytesLoadedAtStart(result.metafile, entryOutput),
      totalBytes: dirBytes(outdir),
      deployable,
    });
  };
  const only = (name: string, description: string, contents: string) =>
    one(name, description, 'no (diagnostic)', {
      stdin: { contents, loader: 'ts', resolveDir, sourcefile: `${name}.ts` },
    });

  await one(
    'empty',
    'empty handler, same options (baseline a)',
    'n/a',
    {
      stdin: {
        contents: 'export const handler = async () => ({ ok: true });\n',
        loader: 'ts',
        resolveDir,
        sourcefile: 'empty.ts',
      },
    },
    true,
  );
  await one(
    'naive',
    'same entry, every package external: loaded from node_modules (baseline b)',
    'needs node_modules in the zip',
    {
      entryPoints: [entry],
      packages: 'external',
    },
    true,
  );
  await one(
    'sdk-external',
    '@aws-sdk/* external (the nodejs22.x runtime provides SDK v3), rest bundled',
    'yes: runtime SDK version not pinned',
    { entryPoints: [entry], external: ['@aws-sdk/*'] },
  );
  const lazy = {
    contents: lazySsmSource(handlerSource),
    loader: 'ts' as const,
    resolveDir,
    sourcefile: 'index.ts',
  };
  await one(
    'lazy-ssm',
    'SSM client imported on first use (code splitting), rest as production',
    'yes: 2+ files (needs splitting in the build)',
    { stdin: lazy, splitting: true },
  );
  await one('sdk-external+lazy-ssm', 'both of the above', 'yes: runtime SDK version not pinned', {
    stdin: lazy,
    splitting: true,
    external: ['@aws-sdk/*'],
  });
  // Diagnostics: what each dependency costs alone (same options), to show where the load time goes.
  await only(
    'only-core+zod',
    'diagnostic: src/core + the bundled config parsed (zod), no SDK, no powertools',
    "import { parseRemediationConfig } from '../../src/core';\nimport config from '../../config/remediation.json';\nexport const parsed = parseRemediationConfig(config);\nexport const handler = async () => parsed.mode;\n",
  );
  await only(
    'only-sdk-clients',
    'diagnostic: IoT + SFN clients constructed, SSM imported',
    "import { IoTClient } from '@aws-sdk/client-iot';\nimport { SFNClient } from '@aws-sdk/client-sfn';\nimport { SSMClient } from '@aws-sdk/client-ssm';\nexport const clients = [new IoTClient({}), new SFNClient({}), SSMClient];\nexport const handler = async () => clients.length;\n",
  );
  await only(
    'only-powertools+middy',
    'diagnostic: Logger + Metrics + their middy middlewares',
    "import { Logger } from '@aws-lambda-powertools/logger';\nimport { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';\nimport { Metrics } from '@aws-lambda-powertools/metrics';\nimport { logMetrics } from '@aws-lambda-powertools/metrics/middleware';\nimport middy from '@middy/core';\nconst logger = new Logger();\nconst metrics = new Metrics({ namespace: 'x', serviceName: 'x' });\nexport const handler = middy(async () => 1).use(injectLambdaContext(logger)).use(logMetrics(metrics));\n",
  );
  return { variants, meta: metaBuild.metafile };
}

/** Bytes of the production bundle by top-level package (from esbuild's metafile). */
function bytesByPackage(meta: Metafile): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const output of Object.values(meta.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
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

interface LoadSample {
  /** Child: performance.now() after the import (ms since its process start). */
  readonly loadedMs: number;
  /** Parent: spawn to exit. */
  readonly spawnMs: number;
}

function loadOnce(file: string, cwd: string): Promise<LoadSample> {
  const code = `await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(String(performance.now()));`;
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
      cwd,
      env: {
        PATH: process.env.PATH ?? '',
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'bench',
        AWS_SECRET_ACCESS_KEY: 'bench',
        STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:MitigationWorkflow',
        POWERTOOLS_LOG_LEVEL: 'SILENT',
        POWERTOOLS_METRICS_DISABLED: 'true',
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
      const loadedMs = Number(out);
      if (status !== 0 || !Number.isFinite(loadedMs)) {
        reject(new Error(`loading ${file} failed (exit ${status}): ${err.slice(0, 500)}`));
      } else {
        resolve({ loadedMs, spawnMs });
      }
    });
  });
}

export async function coldStart(ctx: BenchContext): Promise<BenchResult> {
  const started = Date.now();
  const work = mkdtempSync(join(tmpdir(), 'iot-bench-cold-'));
  try {
    // Unbundled variants resolve their packages from here, as they would from a zip's node_modules.
    symlinkSync(join(ctx.root, 'node_modules'), join(work, 'node_modules'), 'dir');
    const { variants, meta } = await buildVariants(ctx.root, work, ctx.quick);

    const runs = ctx.quick ? 20 : 40;
    const samples = new Map<string, LoadSample[]>(variants.map((v) => [v.name, []]));
    // Warm the OS file cache once per variant, untimed.
    for (const v of variants) await loadOnce(v.file, work);
    for (let i = 0; i < runs; i++) {
      for (const v of variants) samples.get(v.name)?.push(await loadOnce(v.file, work));
    }
    ctx.log(`  cold start: ${runs} fresh processes per variant, ${variants.length} variants`);

    const table = variants.map((v) => {
      const s = samples.get(v.name) ?? [];
      return {
        variant: v.name,
        description: v.description,
        deployable: v.deployable,
        startKB: round(v.entryBytes / KB, 1),
        totalKB: round(v.totalBytes / KB, 1),
        loadMedianMs: round(median(s.map((x) => x.loadedMs))),
        loadP90Ms: round(
          quantile(
            s.map((x) => x.loadedMs),
            0.9,
          ),
        ),
        spawnToExitMedianMs: round(median(s.map((x) => x.spawnMs))),
        runs: s.length,
      };
    });
    const row = (name: string) => {
      const r = table.find((t) => t.variant === name);
      if (!r) throw new Error(`no variant ${name}`);
      return r;
    };
    const prod = row('production');
    const empty = row('empty');
    const naive = row('naive');

    const functionSizes = Object.fromEntries(
      readdirSync(join(ctx.root, 'dist/functions')).map((name) => [
        name,
        round(statSync(join(ctx.root, 'dist/functions', name, 'index.mjs')).size / KB, 1),
      ]),
    );

    const figures = [
      figure({
        name: 'start-mitigation bundle size',
        value: prod.startKB,
        unit: 'kB',
        against: 'bound',
        baseline: SIZE_BOUND_KB,
        target: { op: '<=', ratio: 1 },
      }),
      ...Object.entries(functionSizes)
        .filter(([name]) => name !== 'start-mitigation')
        .map(([name, kb]) =>
          figure({
            name: `${name} bundle size`,
            value: kb,
            unit: 'kB',
            against: 'bound (info)',
            baseline: SIZE_BOUND_KB,
          }),
        ),
      figure({
        name: 'load time, production bundle (median)',
        value: prod.loadMedianMs,
        unit: 'ms',
        against: 'empty handler',
        baseline: empty.loadMedianMs,
        target: { op: '<=', ratio: 1.5 },
      }),
      figure({
        name: 'speed-up over the naive (unbundled) build',
        value: naive.loadMedianMs,
        unit: 'ms',
        against: 'production',
        baseline: prod.loadMedianMs,
        ratioOf: 'naive / production',
        target: { op: '>=', ratio: 2 },
      }),
      ...table
        .filter(
          (t) => !['production', 'empty', 'naive'].includes(t.variant) && !t.variant.startsWith('only-'),
        )
        .map((t) =>
          figure({
            name: `alternative ${t.variant}: size loaded at start (${t.totalKB} kB shipped)`,
            value: t.startKB,
            unit: 'kB',
            against: 'bound (info)',
            baseline: SIZE_BOUND_KB,
            note: t.description,
          }),
        ),
      ...table
        .filter((t) => !['production', 'empty', 'naive'].includes(t.variant))
        .map((t) =>
          figure({
            name: `${t.variant.startsWith('only-') ? 'diagnostic' : 'alternative'} ${t.variant}: load time (${t.startKB} kB loaded at start)`,
            value: t.loadMedianMs,
            unit: 'ms',
            against: 'empty handler',
            baseline: empty.loadMedianMs,
            note: t.description,
          }),
        ),
    ];

    return benchResult(ctx, started, {
      name: 'cold-start',
      title: 'Cold start: bundle size and module load time',
      figures,
      details: {
        method:
          'fresh `node --input-type=module -e "await import(bundle)"` per run; load time = performance.now() in the child right after the import (ms since its process start); spawn-to-exit timed by the parent with process.hrtime; median of the runs; variants interleaved; kB = 1024 bytes',
        functionBundlesKB: functionSizes,
        variants: table,
        productionKBByPackage: bytesByPackage(meta),
      },
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
