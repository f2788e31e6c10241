import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AUDIT_CHECK_NAMES,
  AUDIT_CHECKS,
  type AuditSummary,
  type CheckResult,
  type MitigationPlan,
  PlanConstraintError,
  parseRemediationConfig,
  planMitigation,
  type RemediationConfig,
} from '../../../src/core';

// The inclusion rule at its edges: a check is mitigated when its run is COMPLETED_NON_COMPLIANT,
// it has at least one non-compliant resource, the config names actions for it and the guardrail
// holds (count <= maxNonCompliantResources). Explicit examples first, then properties in both
// directions over generators that land on the edges often.

const LIMIT = 10;
const config = parseRemediationConfig({
  checks: {
    DEVICE_CERTIFICATE_SHARED_CHECK: {
      actions: ['QuarantineThings', 'DeactivateDeviceCertificate'],
      reasonCodes: ['CERTIFICATE_SHARED_BY_MULTIPLE_DEVICES'],
      maxNonCompliantResources: LIMIT,
    },
    LOGGING_DISABLED_CHECK: { actions: ['EnableIoTLogging'] },
    CONFLICTING_CLIENT_IDS_CHECK: { actions: ['PublishFindingToSns'], maxNonCompliantResources: 0 },
  },
});

function check(
  checkName: string,
  count: number,
  status = 'COMPLETED_NON_COMPLIANT',
  extra: Partial<CheckResult> = {},
): CheckResult {
  return {
    checkName,
    known: true,
    checkRunStatus: status,
    nonCompliantResourcesCount: count,
    totalResourcesCount: count + 5,
    ...extra,
  };
}

function audit(...checks: CheckResult[]): AuditSummary {
  return { auditTaskId: 'audit-1', taskStatus: 'COMPLETED', checks };
}

function mapped(plan: MitigationPlan): string[] {
  return plan.action === 'start' ? Object.keys(plan.request.auditCheckToActionsMapping) : [];
}

describe('planMitigation: guardrail and eligibility edges', () => {
  it('includes a check whose count equals the guardrail', () => {
    const plan = planMitigation(audit(check('DEVICE_CERTIFICATE_SHARED_CHECK', LIMIT)), config);
    expect(plan).toMatchObject({ action: 'start', skipped: [] });
    expect(mapped(plan)).toEqual(['DEVICE_CERTIFICATE_SHARED_CHECK']);
    expect(plan.action === 'start' && plan.included).toEqual([
      {
        check: 'DEVICE_CERTIFICATE_SHARED_CHECK',
        actions: ['QuarantineThings', 'DeactivateDeviceCertificate'],
        nonCompliantResourcesCount: LIMIT,
        reasonCodes: ['CERTIFICATE_SHARED_BY_MULTIPLE_DEVICES'],
      },
    ]);
  });

  it('skips a check one above the guardrail, saying so', () => {
    const plan = planMitigation(
      audit(check('DEVICE_CERTIFICATE_SHARED_CHECK', LIMIT + 1), check('LOGGING_DISABLED_CHECK', 1)),
      config,
    );
    expect(mapped(plan)).toEqual(['LOGGING_DISABLED_CHECK']);
    expect(plan.skipped).toEqual([
      {
        check: 'DEVICE_CERTIFICATE_SHARED_CHECK',
        reason: `${LIMIT + 1} non-compliant resources exceed the guardrail maxNonCompliantResources=${LIMIT}`,
      },
    ]);
  });

  it('a guardrail of 0 leaves out every non-compliant resource count above 0', () => {
    const plan = planMitigation(audit(check('CONFLICTING_CLIENT_IDS_CHECK', 1)), config);
    expect(plan).toMatchObject({
      action: 'skip',
      reason:
        'no check can be mitigated: CONFLICTING_CLIENT_IDS_CHECK: 1 non-compliant resources exceed the guardrail maxNonCompliantResources=0',
    });
  });

  it('leaves out, without a skip entry, a non-compliant check with 0 resources', () => {
    const plan = planMitigation(
      audit(check('LOGGING_DISABLED_CHECK', 0), check('CONFLICTING_CLIENT_IDS_CHECK', 0)),
      config,
    );
    expect(plan).toEqual({
      action: 'skip',
      auditTaskId: 'audit-1',
      reason: 'audit audit-1 has no non-compliant check with configured actions',
      skipped: [],
      notify: [],
      protected: [],
    });
  });

  it('includes a check with exactly 1 resource and no guardrail', () => {
    expect(mapped(planMitigation(audit(check('LOGGING_DISABLED_CHECK', 1)), config))).toEqual([
      'LOGGING_DISABLED_CHECK',
    ]);
  });

  it.each([
    ['FAILED', undefined, 'check run FAILED'],
    ['CANCELED', undefined, 'check run CANCELED'],
    ['FAILED', 'AUDIT_CHECK_DISABLED', 'check run FAILED (AUDIT_CHECK_DISABLED)'],
  ])('reports a configured check whose run is %s (%s) as skipped', (status, errorCode, reason) => {
    const plan = planMitigation(
      audit(check('LOGGING_DISABLED_CHECK', 3, status, errorCode ? { errorCode } : {})),
      config,
    );
    expect(plan).toEqual({
      action: 'skip',
      auditTaskId: 'audit-1',
      reason: `no check can be mitigated: LOGGING_DISABLED_CHECK: ${reason}`,
      skipped: [{ check: 'LOGGING_DISABLED_CHECK', reason }],
      notify: [],
      protected: [],
    });
  });

  it('says nothing of compliant checks, nor of failed checks the config does not name', () => {
    const plan = planMitigation(
      audit(
        check('LOGGING_DISABLED_CHECK', 0, 'COMPLETED_COMPLIANT'),
        check('IOT_POLICY_OVERLY_PERMISSIVE_CHECK', 2, 'FAILED'),
      ),
      config,
    );
    expect(plan).toMatchObject({ action: 'skip', skipped: [] });
  });

  it('reports an unknown check and a check without actions, and mitigates the rest', () => {
    const plan = planMitigation(
      audit(
        check('SOME_NEW_CHECK', 4, 'COMPLETED_NON_COMPLIANT', { known: false }),
        check('IOT_POLICY_OVERLY_PERMISSIVE_CHECK', 2),
        check('LOGGING_DISABLED_CHECK', 1),
      ),
      config,
    );
    expect(mapped(plan)).toEqual(['LOGGING_DISABLED_CHECK']);
    expect(plan.skipped).toEqual([
      { check: 'IOT_POLICY_OVERLY_PERMISSIVE_CHECK', reason: 'no actions configured' },
      { check: 'SOME_NEW_CHECK', reason: 'unknown check' },
    ]);
  });

  it('lists every skipped check, sorted, in the reason of a skip', () => {
    const plan = planMitigation(
      audit(check('LOGGING_DISABLED_CHECK', 1, 'FAILED'), check('IOT_POLICY_OVERLY_PERMISSIVE_CHECK', 2)),
      config,
    );
    expect(plan).toMatchObject({
      action: 'skip',
      reason:
        'no check can be mitigated: IOT_POLICY_OVERLY_PERMISSIVE_CHECK: no actions configured; LOGGING_DISABLED_CHECK: check run FAILED',
    });
  });

  it('skips an audit whose status is not accepted, naming the accepted statuses', () => {
    const accepting = { ...config, acceptAuditStatuses: ['COMPLETED', 'CANCELED'] } as RemediationConfig;
    const plan = planMitigation(
      { ...audit(check('LOGGING_DISABLED_CHECK', 1)), taskStatus: 'FAILED' },
      accepting,
    );
    expect(plan).toEqual({
      action: 'skip',
      auditTaskId: 'audit-1',
      reason: 'audit audit-1 ended FAILED; the config accepts only COMPLETED, CANCELED',
      skipped: [],
      notify: [],
      protected: [],
    });
  });

  it('filters by reason code only the checks that configure reason codes', () => {
    const plan = planMitigation(
      audit(check('LOGGING_DISABLED_CHECK', 1), check('DEVICE_CERTIFICATE_SHARED_CHECK', 1)),
      config,
    );
    if (plan.action !== 'start') throw new Error(plan.reason);
    expect(plan.request.target).toEqual({
      auditTaskId: 'audit-1',
      auditCheckToReasonCodeFilter: {
        DEVICE_CERTIFICATE_SHARED_CHECK: ['CERTIFICATE_SHARED_BY_MULTIPLE_DEVICES'],
      },
    });
    expect(plan.included.map((c) => c.check)).toEqual([
      'DEVICE_CERTIFICATE_SHARED_CHECK',
      'LOGGING_DISABLED_CHECK',
    ]);
    expect('reasonCodes' in (plan.included[1] ?? {})).toBe(false);
  });

  it('sends no filter at all when no included check configures reason codes', () => {
    const plan = planMitigation(audit(check('LOGGING_DISABLED_CHECK', 1)), config);
    if (plan.action !== 'start') throw new Error(plan.reason);
    expect(plan.request.target).toEqual({ auditTaskId: 'audit-1' });
    expect(Object.keys(plan.request.target)).toEqual(['auditTaskId']);
  });

  it('refuses to plan a request that breaks an API constraint (never sent)', () => {
    // An audit task id read from DescribeAuditTask is not validated by the event schema.
    const bad = { ...audit(check('LOGGING_DISABLED_CHECK', 1)), auditTaskId: 'audit_1' };
    expect(() => planMitigation(bad, config)).toThrow(PlanConstraintError);
    expect(() => planMitigation(bad, config)).toThrow(/target\.auditTaskId: must match/);
  });
});

// Generators that land on the edges: counts of 0, 1, limit - 1, limit and limit + 1 are as likely
// as any other count; a guardrail of 0 and no guardrail at all are common.
const limitArb = fc.oneof(fc.constant(undefined), fc.constant(0), fc.integer({ min: 1, max: 20 }));
const checkNames = AUDIT_CHECK_NAMES.slice(0, 6);

const caseArb = fc
  .record({
    configured: fc.subarray(checkNames),
    limits: fc.array(limitArb, { minLength: checkNames.length, maxLength: checkNames.length }),
    withCodes: fc.array(fc.boolean(), { minLength: checkNames.length, maxLength: checkNames.length }),
  })
  .chain(({ configured, limits, withCodes }) => {
    const checks: Record<string, unknown> = {};
    for (const name of configured) {
      const i = checkNames.indexOf(name);
      const limit = limits[i];
      checks[name] = {
        actions: [`Action${i}`],
        ...(limit !== undefined ? { maxNonCompliantResources: limit } : {}),
        ...(withCodes[i] ? { reasonCodes: [AUDIT_CHECKS[name].reasonCodes[0]] } : {}),
      };
    }
    const parsed = parseRemediationConfig({ checks });
    const countArb = (name: string) => {
      const limit = parsed.checks[name]?.maxNonCompliantResources ?? 5;
      return fc.oneof(fc.constantFrom(0, 1, Math.max(0, limit - 1), limit, limit + 1), fc.nat(limit + 3));
    };
    const auditArb = fc.uniqueArray(
      fc.constantFrom(...checkNames, 'UNKNOWN_NEW_CHECK').chain((name) =>
        fc.record({
          checkName: fc.constant(name),
          known: fc.constant(name !== 'UNKNOWN_NEW_CHECK'),
          checkRunStatus: fc.constantFrom(
            'COMPLETED_NON_COMPLIANT',
            'COMPLETED_NON_COMPLIANT',
            'COMPLETED_COMPLIANT',
            'FAILED',
            'CANCELED',
          ),
          nonCompliantResourcesCount: countArb(name),
          totalResourcesCount: fc.nat(50),
        }),
      ),
      { selector: (c) => c.checkName, minLength: 1, maxLength: checkNames.length + 1 },
    );
    return fc.record({ config: fc.constant(parsed), checks: auditArb });
  });

/** The rule, written independently of the planner. */
function eligible(result: CheckResult, config: RemediationConfig): boolean {
  const remediation = config.checks[result.checkName];
  return (
    result.known &&
    result.checkRunStatus === 'COMPLETED_NON_COMPLIANT' &&
    result.nonCompliantResourcesCount >= 1 &&
    remediation !== undefined &&
    (remediation.maxNonCompliantResources === undefined ||
      result.nonCompliantResourcesCount <= remediation.maxNonCompliantResources)
  );
}

describe('planMitigation properties at the edges', () => {
  it('what is included is eligible, and what is eligible is included (with its reason codes)', () => {
    fc.assert(
      fc.property(caseArb, ({ config: cfg, checks }) => {
        const plan = planMitigation(audit(...checks), cfg);
        const expected = checks
          .filter((c) => eligible(c, cfg))
          .map((c) => c.checkName)
          .sort();
        expect(mapped(plan)).toEqual(expected);
        expect(plan.action).toBe(expected.length > 0 ? 'start' : 'skip');
        if (plan.action !== 'start') return;
        const filtered = expected.filter((name) => cfg.checks[name]?.reasonCodes !== undefined);
        expect(Object.keys(plan.request.target.auditCheckToReasonCodeFilter ?? {}).sort()).toEqual(filtered);
        for (const name of expected) {
          expect(plan.request.auditCheckToActionsMapping[name]).toEqual(cfg.checks[name]?.actions);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('every non-compliant check that is not included is reported as skipped, and no other', () => {
    fc.assert(
      fc.property(caseArb, ({ config: cfg, checks }) => {
        const plan = planMitigation(audit(...checks), cfg);
        const expected = checks
          .filter(
            (c) =>
              (c.checkRunStatus === 'COMPLETED_NON_COMPLIANT' &&
                c.nonCompliantResourcesCount > 0 &&
                !eligible(c, cfg)) ||
              (c.known &&
                cfg.checks[c.checkName] !== undefined &&
                c.checkRunStatus !== 'COMPLETED_NON_COMPLIANT' &&
                c.checkRunStatus !== 'COMPLETED_COMPLIANT'),
          )
          .map((c) => c.checkName)
          .sort();
        expect(plan.skipped.map((s) => s.check)).toEqual(expected);
      }),
      { numRuns: 400 },
    );
  });

  it('the generators reach the edges often (count == limit, limit + 1, 0 resources)', () => {
    // Prepare
    const seen = { atLimit: 0, overByOne: 0, zero: 0, checks: 0 };

    // Act
    for (const { config: cfg, checks } of fc.sample(caseArb, { numRuns: 300 })) {
      for (const c of checks) {
        const limit = cfg.checks[c.checkName]?.maxNonCompliantResources;
        seen.checks += 1;
        if (c.nonCompliantResourcesCount === 0) seen.zero += 1;
        if (limit !== undefined && c.nonCompliantResourcesCount === limit) seen.atLimit += 1;
        if (limit !== undefined && c.nonCompliantResourcesCount === limit + 1) seen.overByOne += 1;
      }
    }

    // Assess: each edge in at least 1 check of 25.
    expect(seen.atLimit * 25).toBeGreaterThan(seen.checks);
    expect(seen.overByOne * 25).toBeGreaterThan(seen.checks);
    expect(seen.zero * 25).toBeGreaterThan(seen.checks);
  });
});
