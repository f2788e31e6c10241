import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AuditFinding,
  distinctResources,
  looksUpEachResource,
  mitigatedChecks,
  resourceKey,
  STILL_NON_COMPLIANT_SAMPLE,
  targetedFindings,
  VerificationDetailSchema,
  verificationRecordKey,
  verificationTotals,
  verifyCheck,
} from '../../../src/core';

const CHECK = 'DEVICE_CERTIFICATE_SHARED_CHECK';

function cert(id: string, extra: Partial<AuditFinding> = {}): AuditFinding {
  return {
    findingId: `f-${id}`,
    checkName: CHECK,
    reasonForNonComplianceCode: 'CERTIFICATE_SHARED_BY_MULTIPLE_DEVICES',
    nonCompliantResource: {
      resourceType: 'DEVICE_CERTIFICATE',
      resourceIdentifier: { deviceCertificateId: id },
    },
    ...extra,
  };
}

const base = {
  check: CHECK,
  nonCompliantBefore: 3,
  nonCompliantAfter: 1,
  checkRunStatus: 'COMPLETED_NON_COMPLIANT',
  succeededFindings: 3,
  targetedComplete: true,
  afterComplete: true,
};

describe('verification rules', () => {
  it('verifies the checks with succeeded findings, sorted, from statistics in either casing', () => {
    expect(
      mitigatedChecks({
        Z_CHECK: { SucceededFindingsCount: 2 },
        A_CHECK: { succeededFindingsCount: 1 },
        NONE_CHECK: { succeededFindingsCount: 0, failedFindingsCount: 4 },
      }),
    ).toEqual(['A_CHECK', 'Z_CHECK']);
    expect(mitigatedChecks(null)).toEqual([]);
  });

  it('names a resource by type and identifier, whatever the key order or the certificate id case', () => {
    const a = resourceKey({
      resourceType: 'IOT_POLICY',
      resourceIdentifier: { policyVersionIdentifier: { policyName: 'p', policyVersionId: '1' } },
    });
    const b = resourceKey({
      resourceType: 'IOT_POLICY',
      resourceIdentifier: { policyVersionIdentifier: { policyVersionId: '1', policyName: 'p' } },
    });
    expect(a).toBe(b);
    expect(resourceKey(cert('ABC').nonCompliantResource)).toBe(resourceKey(cert('abc').nonCompliantResource));
    expect(resourceKey({ resourceType: 'DEVICE_CERTIFICATE' })).toBeUndefined();
  });

  it('keys the record of a verification audit by its audit task id', () => {
    expect(verificationRecordKey('abc')).toBe('verification#abc');
  });

  it.each([
    ['an audit target: every non-suppressed finding of the check', { auditTaskId: 'a' }, ['f-1', 'f-2']],
    [
      'a reason-code filter',
      { auditTaskId: 'a', auditCheckToReasonCodeFilter: { [CHECK]: ['OTHER_CODE'] } },
      ['f-2'],
    ],
    ['findingIds', { findingIds: ['f-2', 'f-3'] }, ['f-2']],
  ])('targets the findings of %s', (_name, target, ids) => {
    const findings = [
      cert('1'),
      cert('2', { reasonForNonComplianceCode: 'OTHER_CODE' }),
      cert('3', { suppressed: true }),
      { ...cert('4'), checkName: 'OTHER_CHECK' },
    ];
    expect(targetedFindings(findings, target, CHECK).map((f) => f.findingId)).toEqual(ids);
  });

  it('counts a resource the verification audit no longer reports as fixed, one it reports as still non-compliant', () => {
    // Act
    const result = verifyCheck({
      ...base,
      targeted: [cert('1'), cert('2'), cert('3'), cert('3')],
      after: [cert('2', { findingId: 'g-2' })],
    });

    // Assess: certificate 3 twice is one resource.
    expect(result).toEqual({
      check: CHECK,
      nonCompliantBefore: 3,
      nonCompliantAfter: 1,
      checkRunStatus: 'COMPLETED_NON_COMPLIANT',
      succeededFindings: 3,
      mitigatedResources: 3,
      fixed: 2,
      stillNonCompliant: 1,
      unverified: 0,
      stillNonCompliantResources: [
        { resourceType: 'DEVICE_CERTIFICATE', resourceIdentifier: { deviceCertificateId: '2' } },
      ],
      partial: false,
    });
  });

  it('never counts a resource as fixed when the check did not complete or the findings were not all read', () => {
    const failed = verifyCheck({ ...base, checkRunStatus: 'FAILED', targeted: [cert('1')], after: [] });
    expect(failed).toMatchObject({ fixed: 0, stillNonCompliant: 0, unverified: 1, partial: false });
    const cut = verifyCheck({
      ...base,
      afterComplete: false,
      targeted: [cert('1'), cert('2')],
      after: [cert('2')],
    });
    expect(cut).toMatchObject({ fixed: 0, stillNonCompliant: 1, unverified: 1, partial: true });
    const missing = verifyCheck({
      ...base,
      checkRunStatus: undefined,
      nonCompliantAfter: undefined,
      targeted: [],
      after: [],
    });
    expect(missing).toMatchObject({ checkRunStatus: null, nonCompliantAfter: null, mitigatedResources: 0 });
  });

  it('keeps the event small for any size: at most a few resources per check, every count exact', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 400 }),
        fc.integer({ min: 0, max: 400 }),
        (fixedCount, stillCount) => {
          // Prepare
          const targeted = Array.from({ length: fixedCount + stillCount }, (_, i) => cert(`c${i}`));
          const after = targeted.slice(fixedCount);

          // Act
          const result = verifyCheck({ ...base, targeted, after });

          // Assess
          expect(result.fixed).toBe(fixedCount);
          expect(result.stillNonCompliant).toBe(stillCount);
          expect(result.stillNonCompliantResources).toHaveLength(
            Math.min(stillCount, STILL_NON_COMPLIANT_SAMPLE),
          );
          const detail = VerificationDetailSchema.parse({
            eventId: 'e',
            taskId: 't',
            auditTaskId: 'a',
            verificationAuditTaskId: 'v',
            outcome: 'VERIFIED',
            verificationAuditStatus: 'COMPLETED',
            checks: [result],
            totals: verificationTotals([result]),
          });
          expect(JSON.stringify(detail).length).toBeLessThan(2_000);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('how the verification audit is read', () => {
  it('looks up each resource only when that takes fewer calls than the listing, within the page budget', () => {
    // [targeted resources, non-compliant after, page budget] -> look up
    const cases: Array<[number, number | undefined, number, boolean]> = [
      [3, 12_000, 40, true], // 48 pages (cut at 40) against 3 lookups
      [0, 5, 40, true], // nothing to judge: no call at all
      [1, 250, 40, false], // one page either way: list
      [1, 251, 40, true], // two pages against one lookup
      [3, 1_000, 40, true], // 4 pages against 3 lookups
      [4, 1_000, 40, false], // 4 pages against 4 lookups: list
      [41, 100_000, 40, false], // more lookups than the budget allows: list (partial)
      [40, 100_000, 40, true],
      [2, undefined, 40, false], // no count to weigh: list
    ];
    for (const [targeted, after, budget, expected] of cases) {
      expect(looksUpEachResource(targeted, after, budget), `${targeted} ${after} ${budget}`).toBe(expected);
    }
  });

  it('counts a resource named by several findings once, case-insensitively for certificate ids', () => {
    const resources = distinctResources([
      cert('AB'),
      cert('ab', { findingId: 'f-2' }),
      cert('cd'),
      { findingId: 'x', checkName: CHECK },
    ]);
    expect(resources.map((r) => r.resourceIdentifier)).toEqual([
      { deviceCertificateId: 'AB' },
      { deviceCertificateId: 'cd' },
    ]);
  });
});
