/**
 * Who spends a CPU profile's time (`node --cpu-prof`) in a run of the built CLI with the embedded
 * local stack: the product (the functions' bundles, which carry their SDK clients, and the CLI's own
 * code), the local stack (its emulators, the state machine's interpreter and what it calls), or
 * nobody in particular (Node's HTTP internals on both sides, the garbage collector, idle time).
 *
 * A sample goes to the first frame, from the innermost out, whose code is the product's or the
 * stack's: the SDK and Node's internals work for whoever called them (the stack's IoT client for the
 * state machine's tasks is the stack's), and Node's HTTP server for the stack, whose endpoint it is.
 * What no such frame calls (the HTTP clients' reading of answers, the garbage collector, module
 * loading, idle time) is nobody's in particular. The CLI is one bundle: its `// <source path>` comments
 * (esbuild's, unminified) say which source each line came from.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
    readonly children?: readonly number[];
  }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export type Owner = 'product' | 'stack' | 'other';

export interface ProfileShares {
  /** Microseconds of samples per owner. */
  readonly us: Readonly<Record<Owner, number>>;
  /** Fractions of the whole profile, idle included. */
  readonly share: Readonly<Record<Owner, number>>;
}

/** The source each line of a bundle came from, by esbuild's `// <path>` comments. */
export function bundleSources(bundleText: string): (line: number) => string | undefined {
  const starts: number[] = [];
  const paths: string[] = [];
  bundleText.split('\n').forEach((text, line) => {
    const marker = /^\/\/ (\S+\.(?:ts|js|mjs|cjs|json))$/.exec(text);
    if (marker) {
      starts.push(line);
      paths.push(marker[1] as string);
    }
  });
  return (line) => {
    let low = 0;
    let high = starts.length - 1;
    let found = -1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if ((starts[mid] as number) <= line) {
        found = mid;
        low = mid + 1;
      } else high = mid - 1;
    }
    return found < 0 ? undefined : paths[found];
  };
}

/** The local stack's own code and the packages only it runs (the interpreter and its validator). */
const STACK_SOURCES = [
  /^src\/local\//,
  /node_modules\/(aws-local-stepfunctions|jsonpath-plus|asl-validator|ajv[^/]*|fast-uri|jsonata)\//,
];
/** The product's own code in the CLI bundle (the functions' code is in their own bundles). */
const PRODUCT_SOURCES = [/^src\/(cli|app|core|adapters|middleware)\//, /^functions\//];

function ownerOfSource(source: string): Owner | undefined {
  if (STACK_SOURCES.some((pattern) => pattern.test(source))) return 'stack';
  if (PRODUCT_SOURCES.some((pattern) => pattern.test(source))) return 'product';
  return undefined;
}

function ownerOfFrame(
  frame: CpuProfile['nodes'][number]['callFrame'],
  cliBundle: string | undefined,
  sourceOf: ((line: number) => string | undefined) | undefined,
): Owner | undefined {
  if (frame.url.includes('/dist/functions/')) return 'product';
  // The HTTP server is the stack's endpoint: parsing its requests is its work.
  if (frame.url === 'node:_http_server') return 'stack';
  if (cliBundle !== undefined && sourceOf !== undefined && frame.url.endsWith(cliBundle)) {
    const source = sourceOf(frame.lineNumber);
    return source === undefined ? undefined : ownerOfSource(source);
  }
  // Sources run as they are (tsx): the path from the repository (or node_modules) on says whose.
  const path = frame.url.replace(/^file:\/\//, '');
  const at = ['/node_modules/', '/src/', '/functions/']
    .map((dir) => path.lastIndexOf(dir))
    .find((i) => i >= 0);
  return at === undefined ? undefined : ownerOfSource(path.slice(at + 1));
}

/**
 * Attributes every sample of `profile` (see above); `cliBundle` ends the CLI bundle's URL, when the
 * profile is of the built CLI (otherwise the sources ran as they are, under tsx).
 */
export function profileShares(
  profile: CpuProfile,
  cliBundle?: string,
  sourceOf?: (line: number) => string | undefined,
): ProfileShares {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const ownerOf = new Map<number, Owner>();
  const resolve = (id: number): Owner => {
    const known = ownerOf.get(id);
    if (known) return known;
    const node = byId.get(id);
    const own = node ? ownerOfFrame(node.callFrame, cliBundle, sourceOf) : undefined;
    const parent = parentOf.get(id);
    const owner = own ?? (parent === undefined ? 'other' : resolve(parent));
    ownerOf.set(id, owner);
    return owner;
  };
  const us: Record<Owner, number> = { product: 0, stack: 0, other: 0 };
  profile.samples.forEach((id, i) => {
    us[resolve(id)] += profile.timeDeltas[i] ?? 0;
  });
  const total = us.product + us.stack + us.other || 1;
  return {
    us,
    share: { product: us.product / total, stack: us.stack / total, other: us.other / total },
  };
}

/** profileShares of a profile file, and of the CLI bundle it ran if it ran the built CLI. */
export function profileFileShares(profilePath: string, cliBundlePath?: string): ProfileShares {
  const profile = JSON.parse(readFileSync(profilePath, 'utf8')) as CpuProfile;
  if (cliBundlePath === undefined) return profileShares(profile);
  const bundleName = cliBundlePath.split('/').slice(-3).join('/');
  return profileShares(profile, bundleName, bundleSources(readFileSync(cliBundlePath, 'utf8')));
}

/** The one profile `node --cpu-prof --cpu-prof-dir <dir>` wrote in `dir`. */
export function profileIn(dir: string): string {
  const [profile] = readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'));
  if (!profile) throw new Error(`no CPU profile was written in ${dir}`);
  return join(dir, profile);
}
