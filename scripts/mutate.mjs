#!/usr/bin/env node
// `npm run mutate [-- <stryker options>]`: Stryker (stryker.config.json, incremental), then the
// per-folder targets from its JSON report. `npm run mutate -- --mutate 'src/core/**/*.ts'` mutates
// one folder and checks only that folder's target.
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const started = Date.now();
const stryker = spawnSync('stryker', ['run', ...args], { stdio: 'inherit', shell: false });
console.log(`stryker: ${((Date.now() - started) / 1000).toFixed(0)} s wall`);
const only = [];
const at = args.indexOf('--mutate');
if (at !== -1) {
  for (const folder of ['src/core', 'src/app', 'src/adapters']) {
    if (args[at + 1]?.includes(folder)) only.push(folder);
  }
}
const score = spawnSync(
  process.execPath,
  ['scripts/mutation-score.mjs', 'reports/mutation/mutation.json', ...only],
  {
    stdio: 'inherit',
  },
);
process.exit(stryker.status !== 0 ? (stryker.status ?? 1) : (score.status ?? 1));
