// The esbuild options of every Lambda bundle, from scripts/esbuild-options.json, and the one function
// that builds a Lambda function with them: used by scripts/build.mjs (dist/, and the Makefile that
// `sam build` runs) and by the cold-start benchmark, so the bytes measured are the bytes deployed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { sdkSchemaKeysPlugin } from './sdk-schema-keys-plugin.mjs';

/** esbuild BuildOptions for the production bundles (entry points and output left to the caller). */
export function productionBuildOptions() {
  const options = JSON.parse(readFileSync(new URL('./esbuild-options.json', import.meta.url), 'utf8'));
  return {
    bundle: options.bundle,
    minify: options.minify,
    sourcemap: options.sourcemap,
    platform: options.platform,
    target: options.target,
    format: options.format,
    outExtension: { '.js': options.outExtension },
    banner: { js: options.banner },
    external: options.external,
    // ESM entry points of the SDK tree-shake far better than its CommonJS ones.
    mainFields: options.mainFields,
    // Dynamic imports (the SSM client, the SDK's rarely used credential providers) become chunks of
    // their own that load on first use instead of at cold start.
    splitting: options.splitting,
    chunkNames: options.chunkNames,
    // Literal keys in the SDK clients' schema modules, so that unused schemas shake (see the plugin).
    plugins: [sdkSchemaKeysPlugin()],
    logLevel: 'warning',
    legalComments: 'none',
  };
}

/**
 * Bundles functions/<name>/index.ts into outdir (index.mjs plus its chunks) with the production options.
 * `root` is the repository root; extra options (e.g. `metafile`, `write`) are merged in.
 */
export function buildFunction(root, name, outdir, extra = {}) {
  return build({
    ...productionBuildOptions(),
    entryPoints: [join(root, 'functions', name, 'index.ts')],
    entryNames: 'index',
    outdir,
    ...extra,
  });
}
