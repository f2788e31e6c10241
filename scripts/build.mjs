#!/usr/bin/env node
// Bundles every Lambda function (functions/<name>/index.ts -> dist/functions/<name>/index.mjs) with
// the options of scripts/esbuild-options.json, which template.yaml's esbuild BuildProperties mirror,
// and the operator CLI (src/cli/main.ts -> dist/cli/iot-remediate.mjs).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const options = JSON.parse(readFileSync(new URL('./esbuild-options.json', import.meta.url), 'utf8'));
const shared = {
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

const functions = readdirSync('functions').filter((name) => existsSync(join('functions', name, 'index.ts')));
await Promise.all([
  ...functions.map((name) =>
    build({
      ...shared,
      entryPoints: [join('functions', name, 'index.ts')],
      outdir: join('dist', 'functions', name),
    }),
  ),
  existsSync('src/cli/main.ts')
    ? build({
        ...shared,
        minify: false,
        entryPoints: { 'iot-remediate': 'src/cli/main.ts' },
        outdir: join('dist', 'cli'),
        banner: { js: `#!/usr/bin/env node\n${options.banner}` },
      })
    : Promise.resolve(),
]);

if (process.argv.includes('--sizes')) {
  for (const name of functions) {
    const size = statSync(join('dist', 'functions', name, `index${options.outExtension}`)).size;
    console.log(`${name}: ${(size / 1024).toFixed(1)} kB`);
  }
}
