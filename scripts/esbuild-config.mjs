// The esbuild options of every Lambda bundle, from scripts/esbuild-options.json (which template.yaml's
// esbuild BuildProperties mirror): shared by scripts/build.mjs and the cold-start benchmark.
import { readFileSync } from 'node:fs';

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
    logLevel: 'warning',
    legalComments: 'none',
  };
}
