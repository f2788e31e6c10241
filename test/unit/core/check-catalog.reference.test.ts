import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AUDIT_CHECK_NAMES,
  AUDIT_CHECKS,
  isActionTypeCompatible,
  LEGACY_CHECK_NAMES,
  MITIGATION_ACTION_TYPES,
  toApiCheckName,
} from '../../../src/core';
import { readJson } from '../../fixtures';

// The catalog is `as const` data that mutation testing cannot change: it is checked against a
// second source, the table generated from the reference (scripts/generate-check-catalog-reference.mjs).

interface ReferenceCheck {
  severity: string;
  reasonCodes: string[];
  compatibleActionTypes: string[] | null;
}
const reference = readJson('test/fixtures/check-catalog.reference.json') as {
  checks: Record<string, ReferenceCheck>;
  legacyCheckNames: Record<string, string>;
};
const referenceFile = 'docs/reference/device-defender-api.md';
const sorted = (list: readonly string[]) => [...list].sort();

describe('check catalog against the reference table', () => {
  it('names exactly the checks of the reference, spelt as IoT sends them', () => {
    expect(AUDIT_CHECK_NAMES).toEqual(Object.keys(reference.checks).sort());
    expect(AUDIT_CHECK_NAMES).toContain('IOT_POLICY_POTENTIAL_MIS_CONFIGURATION_CHECK');
  });

  it.each(
    Object.entries(reference.checks),
  )('%s: severity, reason codes and action types', (name, expected) => {
    const check = AUDIT_CHECKS[name as keyof typeof AUDIT_CHECKS];
    expect(check, `${name} is not in the catalog`).toBeDefined();
    expect(check.severity).toBe(expected.severity);
    expect(sorted(check.reasonCodes)).toEqual(sorted(expected.reasonCodes));
    if (expected.compatibleActionTypes === null) {
      // Not in AWS's table: at least what every check supports.
      expect(check.compatibleActionTypes).toContain('PUBLISH_FINDING_TO_SNS');
    } else {
      expect(sorted(check.compatibleActionTypes)).toEqual(sorted(expected.compatibleActionTypes));
    }
    for (const type of MITIGATION_ACTION_TYPES) {
      expect(isActionTypeCompatible(name, type)).toBe(
        (check.compatibleActionTypes as readonly string[]).includes(type),
      );
    }
  });

  it('maps exactly the legacy names of the reference to their API names', () => {
    expect(LEGACY_CHECK_NAMES).toEqual(reference.legacyCheckNames);
    for (const [legacy, api] of Object.entries(reference.legacyCheckNames)) {
      expect(toApiCheckName(legacy)).toBe(api);
      expect(isActionTypeCompatible(legacy, 'PUBLISH_FINDING_TO_SNS')).toBe(true);
    }
    expect(toApiCheckName('NO_SUCH_CHECK')).toBeUndefined();
    expect(toApiCheckName('toString')).toBeUndefined();
    expect(isActionTypeCompatible('NO_SUCH_CHECK', 'PUBLISH_FINDING_TO_SNS')).toBe(false);
  });

  const missing = existsSync(referenceFile) ? undefined : `${referenceFile} is not next to this checkout`;
  if (missing) console.warn(`check-catalog.reference: skipping the regeneration check: ${missing}`);
  it.skipIf(missing !== undefined)(
    `the committed table is what the script generates from the reference${missing ? ` (skipped: ${missing})` : ''}`,
    () => {
      const out = join(mkdtempSync(join(tmpdir(), 'catalog-')), 'reference.json');
      execFileSync(process.execPath, ['scripts/generate-check-catalog-reference.mjs', referenceFile, out]);
      expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(reference);
    },
  );
});
