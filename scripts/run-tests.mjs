#!/usr/bin/env node
// `npm test`: runs the whole vitest suite, then prints the plain closing line `N passed, N failed`
// (with `, N skipped` when any) that CI reads, computed from vitest's JSON report. Skipped tests are
// listed just before it, with their reason: a test that skips names it in its title, `(skipped: ...)`.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';

const report = 'test-results/vitest.json';
mkdirSync('test-results', { recursive: true });
const args = [
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${report}`,
  ...process.argv.slice(2),
];
const run = spawnSync('vitest', args, { stdio: 'inherit', shell: false });

let passed = 0;
let failed = 0;
let skipped = 0;
const skippedTests = [];
try {
  const results = JSON.parse(readFileSync(report, 'utf8'));
  passed = results.numPassedTests;
  failed = results.numFailedTests;
  skipped = results.numPendingTests + results.numTodoTests;
  for (const file of results.testResults) {
    for (const test of file.assertionResults) {
      if (['pending', 'skipped', 'todo'].includes(test.status)) {
        skippedTests.push({ file: relative(process.cwd(), file.name), name: test.fullName });
      }
    }
  }
  // A file that fails to load has no test results: count it as a failure, never as nothing.
  failed += results.testResults.filter(
    (file) => file.status === 'failed' && file.assertionResults.length === 0,
  ).length;
} catch (error) {
  console.error(`could not read ${report}: ${error.message}`);
  failed = Math.max(failed, 1);
}
/** Splits `title (skipped: reason (with parentheses))` into the title and the reason. */
function skipReason(name) {
  const start = name.indexOf(' (skipped: ');
  if (start === -1) return { title: name, reason: 'no reason in the test title' };
  let depth = 1;
  let end = start + ' (skipped: '.length;
  for (; end < name.length && depth > 0; end++) {
    if (name[end] === '(') depth++;
    else if (name[end] === ')') depth--;
  }
  return {
    title: name.slice(0, start) + name.slice(end),
    reason: name.slice(start + ' (skipped: '.length, end - 1),
  };
}

// Grouped by reason, so that one missing tool is one line however many tests it skips.
const byReason = new Map();
for (const { file, name } of skippedTests) {
  const { title, reason } = skipReason(name);
  byReason.set(reason, [...(byReason.get(reason) ?? []), `${file} > ${title}`]);
}
for (const [reason, names] of byReason) {
  console.log(`skipped ${names.length}: ${reason}`);
  for (const name of names) console.log(`  - ${name}`);
}
const code = run.status ?? 1;
if (code !== 0 && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
process.exit(code);
