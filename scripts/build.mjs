#!/usr/bin/env node
// Bundles every Lambda function (functions/<name>/index.ts -> dist/functions/<name>/index.mjs) with
// the options of scripts/esbuild-options.json, which template.yaml's esbuild BuildProperties mirror,
// and the operator CLI (src/cli/iot-remediate.ts, which checks the Node version before it loads
// src/cli/main.ts -> dist/cli/iot-remediate.mjs).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { productionBuildOptions } from './esbuild-config.mjs';

const shared = productionBuildOptions();

const functions = readdirSync('functions').filter((name) => existsSync(join('functions', name, 'index.ts')));
await Promise.all([
  ...functions.map((name) =>
    build({
      ...shared,
      entryPoints: [join('functions', name, 'index.ts')],
      outdir: join('dist', 'functions', name),
    }),
  ),
  existsSync('src/cli/iot-remediate.ts')
    ? build({
        ...shared,
        minify: false,
        entryPoints: { 'iot-remediate': 'src/cli/iot-remediate.ts' },
        outdir: join('dist', 'cli'),
        banner: { js: `#!/usr/bin/env node\n${shared.banner.js}` },
      })
    : Promise.resolve(),
]);

if (process.argv.includes('--sizes')) {
  for (const name of functions) {
    const size = statSync(join('dist', 'functions', name, `index${shared.outExtension['.js']}`)).size;
    console.log(`${name}: ${(size / 1024).toFixed(1)} kB`);
  }
}
