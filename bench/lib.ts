/**
 * Shared pieces of the benchmarks: the result format, the machine description, seeded randomness and
 * a few statistics. Every benchmark module returns a BenchResult; bench/run.ts writes them to
 * bench/results/<name>.json and renders the tables of BENCHMARKS.md from those files.
 */
import { cpus } from 'node:os';

export interface Machine {
  readonly cpuModel: string;
  readonly cores: number;
  readonly node: string;
  readonly platform: string;
}

export function machine(): Machine {
  const list = cpus();
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

/** A target on a figure's ratio to its baseline or bound. */
export interface Target {
  readonly op: '<=' | '>=';
  readonly ratio: number;
}

/** One figure of a benchmark, compared in the same run with its baseline or bound. */
export interface Figure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** What the figure is compared with, e.g. "empty handler" or "bound (quotas)". */
  readonly against: string;
  readonly baseline: number;
  readonly baselineUnit?: string;
  /** value / baseline, unless `ratioOf` says otherwise. */
  readonly ratio: number;
  /** How the ratio is formed, when not value / baseline (e.g. "baseline / value"). */
  readonly ratioOf?: string;
  /** Absent for figures reported for information only. */
  readonly target?: Target;
  readonly met?: boolean;
  readonly note?: string;
}

export interface BenchResult {
  readonly name: string;
  readonly title: string;
  readonly quick: boolean;
  readonly seed: number;
  readonly machine: Machine;
  readonly startedAt: string;
  /** Real time the benchmark took, in ms (reported, never asserted). */
  readonly wallMs: number;
  readonly figures: readonly Figure[];
  /** Benchmark-specific detail (per-variant tables, distributions, formulas). */
  readonly details: Record<string, unknown>;
}

export interface BenchContext {
  readonly quick: boolean;
  readonly seed: number;
  readonly root: string;
  log(line: string): void;
}

/** A benchmark's result: its figures and details, stamped with the run (machine, seed, times). */
export function benchResult(
  ctx: BenchContext,
  startedMs: number,
  result: Pick<BenchResult, 'name' | 'title' | 'figures' | 'details'>,
): BenchResult {
  return {
    ...result,
    quick: ctx.quick,
    seed: ctx.seed,
    machine: machine(),
    startedAt: new Date(startedMs).toISOString(),
    wallMs: Date.now() - startedMs,
  };
}

/** A figure with its ratio and target evaluated. */
export function figure(options: {
  name: string;
  value: number;
  unit: string;
  against: string;
  baseline: number;
  baselineUnit?: string;
  /** Defaults to value / baseline. */
  ratio?: number;
  ratioOf?: string;
  target?: Target;
  note?: string;
}): Figure {
  const ratio = options.ratio ?? options.value / options.baseline;
  const met =
    options.target === undefined
      ? undefined
      : options.target.op === '<='
        ? ratio <= options.target.ratio
        : ratio >= options.target.ratio;
  return { ...options, ratio, ...(met === undefined ? {} : { met }) };
}

/** mulberry32: small, fast, seeded; good enough for workloads and jitter. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Runs `work` with Math.random replaced by a seeded generator (the local stack's jitter uses it). */
export async function withSeededMathRandom<T>(seed: number, work: () => Promise<T>): Promise<T> {
  const original = Math.random;
  Math.random = seededRandom(seed);
  try {
    return await work();
  } finally {
    Math.random = original;
  }
}

export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  // Nearest rank: the smallest value with at least q of the sample at or below it.
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] as number;
}

export const median = (values: readonly number[]): number => quantile(values, 0.5);

export function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Formats a number for tables: up to 3 significant decimals, thousands kept readable. */
export function fmt(value: number, unit = ''): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  const text =
    abs >= 1000
      ? Math.round(value).toLocaleString('en-US')
      : abs >= 100
        ? value.toFixed(0)
        : abs >= 10
          ? value.toFixed(1)
          : abs >= 1
            ? value.toFixed(2)
            : value.toPrecision(3);
  return unit ? `${text} ${unit}` : text;
}

export function markdownTable(rows: readonly (readonly string[])[]): string {
  const [head, ...body] = rows;
  if (head === undefined) return '';
  const line = (cells: readonly string[]) => `| ${cells.map((c) => c.replaceAll('|', '\\|')).join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...body.map(line)].join('\n');
}

export function describeTarget(target: Target | undefined): string {
  return target === undefined ? 'info' : `ratio ${target.op} ${target.ratio}`;
}

export function verdict(f: Figure): string {
  return f.met === undefined ? '-' : f.met ? 'met' : 'MISSED';
}

/** The table of a result's figures, as BENCHMARKS.md and the console show it. */
export function figuresTable(result: BenchResult): string {
  const rows: string[][] = [['figure', 'value', 'baseline / bound', 'ratio', 'target', 'result']];
  for (const f of result.figures) {
    rows.push([
      f.name,
      fmt(f.value, f.unit),
      `${f.against}: ${fmt(f.baseline, f.baselineUnit ?? f.unit)}`,
      `${fmt(f.ratio)}${f.ratioOf ? ` (${f.ratioOf})` : ''}`,
      describeTarget(f.target),
      verdict(f),
    ]);
  }
  return markdownTable(rows);
}
