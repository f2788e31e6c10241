#!/usr/bin/env node
// Generates test/fixtures/check-catalog.reference.json from the API facts the project keeps
// (docs/reference/device-defender-api.md, section 5): a second source for the check catalog,
// written by hand neither there nor here, so that a typo in src/core/check-catalog.ts (which
// Stryker cannot mutate: it is `as const` data) fails test/unit/core/check-catalog.reference.test.ts.
// Usage: node scripts/generate-check-catalog-reference.mjs [reference.md] [out.json]
import { readFileSync, writeFileSync } from 'node:fs';

const [source = 'docs/reference/device-defender-api.md', out = 'test/fixtures/check-catalog.reference.json'] =
  process.argv.slice(2);
const text = readFileSync(source, 'utf8');

const section = text.split(/^## 5\. /m)[1]?.split(/^## 6\. /m)[0];
if (section === undefined) throw new Error(`${source}: section "## 5." not found`);

/** Text without parenthesised notes ("(2023 list; ...)", "(disabled by default; ...)"). */
const withoutNotes = (cell) => cell.replace(/\([^)]*\)/g, '');
const names = (cell) => withoutNotes(cell).match(/[A-Z0-9][A-Z0-9_-]*[A-Z0-9]/g) ?? [];

const checks = {};
for (const line of section.split('\n')) {
  const cells = line
    .split('|')
    .slice(1, -1)
    .map((c) => c.trim());
  if (cells.length !== 4 || !/^[A-Z]/.test(cells[0]) || cells[0] === 'API check name') continue;
  const [checkCell, severityCell, codesCell, actionsCell] = cells;
  const [check] = names(checkCell);
  // A cell that says the value is not in the table is recorded as unknown (null), not guessed.
  const actions = /not in the/i.test(actionsCell) ? null : names(actionsCell);
  checks[check] = {
    severity: severityCell.toUpperCase(),
    reasonCodes: names(codesCell),
    compatibleActionTypes: actions,
  };
}

// The legacy names the reference lists in its "Name trap" paragraph; each maps to the API name
// that the reference's naming rule gives (CERT -> CERTIFICATE, APPROACHING_EXPIRATION -> EXPIRING,
// REVOKED_x_CERT -> REVOKED_x_CERTIFICATE_STILL_ACTIVE), which must be a check of the table.
const trap = section.split('**Name trap')[1]?.split('\n\n')[0];
if (trap === undefined) throw new Error(`${source}: the "Name trap" paragraph is missing`);
const legacy = [...new Set(trap.match(/`[A-Z_]+_CERT_[A-Z_]*CHECK`/g)?.map((n) => n.slice(1, -1)))].sort();
const legacyCheckNames = {};
for (const name of legacy) {
  const apiName = name
    .replace(/^REVOKED_(CA|DEVICE)_CERT_CHECK$/, 'REVOKED_$1_CERTIFICATE_STILL_ACTIVE_CHECK')
    .replace('_CERT_APPROACHING_EXPIRATION_', '_CERTIFICATE_EXPIRING_');
  if (!Object.hasOwn(checks, apiName)) throw new Error(`legacy name ${name}: ${apiName} is not in the table`);
  legacyCheckNames[name] = apiName;
}

const sorted = Object.fromEntries(Object.entries(checks).sort(([a], [b]) => (a < b ? -1 : 1)));
const reference = {
  source: 'docs/reference/device-defender-api.md, section 5',
  generatedBy: 'node scripts/generate-check-catalog-reference.mjs',
  checks: sorted,
  legacyCheckNames,
};
writeFileSync(out, `${JSON.stringify(reference, null, 2)}\n`);
console.log(`${out}: ${Object.keys(sorted).length} checks, ${legacy.length} legacy names`);
