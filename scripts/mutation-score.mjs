#!/usr/bin/env node
// Reads Stryker's JSON report and prints the mutation score per folder; exits 1 when a folder is
// below its target. Stryker's own `thresholds.break` only checks the overall score.
// Usage: node scripts/mutation-score.mjs [--list] [report] [folder...]   (default: every folder below)
// --list also prints every surviving (or uncovered) mutant: file:line, mutator, replacement.
import { readFileSync } from 'node:fs';

/** Per-folder targets (issue 17): the pure core is held higher than the code around it. */
export const targets = { 'src/core': 90, 'src/app': 85, 'src/adapters': 85 };

const argv = process.argv.slice(2);
const list = argv.includes('--list');
const [reportPath = 'reports/mutation/mutation.json', ...only] = argv.filter((a) => a !== '--list');
// Stryker's definition: detected (killed, timeout) over valid (detected, survived, no coverage);
// compile and runtime errors and ignored mutants are not counted.
const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);

let report;
try {
  report = JSON.parse(readFileSync(reportPath, 'utf8'));
} catch (error) {
  console.error(`mutation-score: cannot read ${reportPath}: ${error.message}`);
  process.exit(2);
}

const tally = Object.fromEntries(
  Object.keys(targets).map((folder) => [folder, { detected: 0, undetected: 0 }]),
);
for (const [file, { mutants }] of Object.entries(report.files)) {
  const folder = Object.keys(targets).find((f) => file.replaceAll('\\', '/').startsWith(`${f}/`));
  if (folder === undefined) continue;
  for (const { status, mutatorName, replacement, location } of mutants) {
    if (DETECTED.has(status)) tally[folder].detected += 1;
    else if (UNDETECTED.has(status)) {
      tally[folder].undetected += 1;
      if (list && (only.length === 0 || only.includes(folder))) {
        console.log(
          `${status} ${file}:${location.start.line} ${mutatorName}: ${JSON.stringify(replacement)}`,
        );
      }
    }
  }
}

let failed = false;
for (const [folder, target] of Object.entries(targets)) {
  if (only.length > 0 && !only.includes(folder)) continue;
  const { detected, undetected } = tally[folder];
  const total = detected + undetected;
  if (total === 0) {
    console.log(`${folder.padEnd(14)} not measured (no mutants in ${reportPath})`);
    failed = true;
    continue;
  }
  const score = (100 * detected) / total;
  const ok = score >= target;
  if (!ok) failed = true;
  console.log(
    `${folder.padEnd(14)} ${score.toFixed(2).padStart(6)}%  (${detected}/${total} detected, ${undetected} undetected)  target ${target}%  ${ok ? 'ok' : 'BELOW TARGET'}`,
  );
}
process.exit(failed ? 1 : 0);
