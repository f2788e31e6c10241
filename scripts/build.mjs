#!/usr/bin/env node
// Bundles every Lambda function (functions/<name>/index.ts -> dist/functions/<name>/index.mjs plus the
// chunks it loads on demand) with the options of scripts/esbuild-options.json, and the operator CLI
// (src/cli/iot-remediate.ts, which checks the Node version before it loads src/cli/main.ts ->
// dist/cli/iot-remediate.mjs).
//
// `node scripts/build.mjs --function <name> --outdir <dir>` builds one function into <dir>: what the
// Makefile runs for `sam build` (BuildMethod: makefile), so the deployed artefact is built by the same
// function with the same options as the dist/ bundle the cold-start benchmark measures.
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { buildFunction, productionBuildOptions } from './esbuild-config.mjs';

const { values } = parseArgs({
  options: {
    function: { type: 'string' },
    outdir: { type: 'string' },
    sizes: { type: 'boolean', default: false },
    'if-changed': { type: 'boolean', default: false },
  },
});

const functions = readdirSync('functions').filter((name) => existsSync(join('functions', name, 'index.ts')));

/** Newest (or, with `oldest`, oldest) modification time of the files under `paths` (0 / Infinity when none). */
function mtimeOf(paths, oldest = false) {
  let found = oldest ? Number.POSITIVE_INFINITY : 0;
  const visit = (path) => {
    if (!existsSync(path)) return;
    const stat = statSync(path);
    if (stat.isDirectory()) for (const entry of readdirSync(path)) visit(join(path, entry));
    else found = oldest ? Math.min(found, stat.mtimeMs) : Math.max(found, stat.mtimeMs);
  };
  for (const path of paths) visit(path);
  return found;
}

// `--if-changed` (npm run bench): dist/ is left as it is when every bundle was written after the last
// change to what goes into it (sources, config, build options, installed packages), as make would.
if (values['if-changed'] && values.function === undefined) {
  const outputs = [
    ...functions.map((name) => join('dist', 'functions', name, 'index.mjs')),
    'dist/cli/iot-remediate.mjs',
  ];
  const inputs = ['functions', 'src', 'config', 'scripts', 'package.json', 'node_modules/.package-lock.json'];
  if (outputs.every((path) => existsSync(path)) && mtimeOf(outputs, true) > mtimeOf(inputs)) {
    console.log('dist/ is newer than every source, config and package: not rebuilt');
    process.exit(0);
  }
}

/**
 * Builds one function into outdir, then removes the files of an earlier build that this one did not
 * write (chunks are named by content hash). Files are overwritten in place, never deleted first, so a
 * process that loads the bundle meanwhile (a test, the local stack) never finds it missing.
 */
async function buildInto(name, outdir) {
  const { metafile } = await buildFunction('.', name, outdir, { metafile: true });
  const written = new Set(Object.keys(metafile.outputs).map((path) => resolve(path)));
  const stale = (dir) =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const path = join(dir, entry.name);
      return entry.isDirectory() ? stale(path) : written.has(resolve(path)) ? [] : [path];
    });
  for (const path of stale(outdir)) rmSync(path);
}

if (values.function !== undefined || values.outdir !== undefined) {
  if (values.function === undefined || !functions.includes(values.function)) {
    console.error(
      `--function must name one of: ${functions.join(', ')} (got ${values.function ?? 'nothing'})`,
    );
    process.exit(2);
  }
  if (values.outdir === undefined || values.outdir === '') {
    console.error('--outdir is required with --function');
    process.exit(2);
  }
  await buildInto(values.function, values.outdir);
} else {
  const shared = productionBuildOptions();
  await Promise.all([
    ...functions.map((name) => buildInto(name, join('dist', 'functions', name))),
    existsSync('src/cli/iot-remediate.ts')
      ? build({
          ...shared,
          // One file: the CLI is run from dist/ or the package's bin, never cold-started per request.
          splitting: false,
          // Not cold-started either: the CLI keeps the SDK's schema modules as published.
          plugins: [],
          minify: false,
          entryPoints: { 'iot-remediate': 'src/cli/iot-remediate.ts' },
          outdir: join('dist', 'cli'),
          banner: { js: `#!/usr/bin/env node\n${shared.banner.js}` },
        })
      : Promise.resolve(),
  ]);
}

if (values.sizes) {
  for (const name of functions) {
    const size = statSync(join('dist', 'functions', name, 'index.mjs')).size;
    console.log(`${name}: ${(size / 1024).toFixed(1)} kB loaded at start`);
  }
}
