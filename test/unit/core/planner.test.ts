import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AUDIT_CHECK_NAMES,
  AUDIT_CHECKS,
  type AuditSummary,
  type MitigationPlan,
  parseAuditCompletionInput,
  parseRemediationConfig,
  planMitigation,
  type RemediationConfig,
  startRequestProblems,
  summariseNotification,
} from '../../../src/core';
import { readJson } from '../../fixtures';

const defaultConfig = parseRemediationConfig(readJson('config/remediation.json'));

function auditOf(path: string): AuditSummary {
  const completion = parseAuditCompletionInput(readJson(path));
  if (completion.kind !== 'notification') throw new Error(`${path} is not a full notification`);
  return summariseNotification(completion.notification);
}

function started(plan: MitigationPlan) {
  if (plan.action !== 'start') throw new Error(`expected a start, got skip: ${plan.reason}`);
  return plan;
}

describe('planMitigation on the sample events', () => {
  it('plans the scheduled audit: three checks, the guardrail leaves one out', () => {
    // Act
    const plan = started(planMitigation(auditOf('events/scheduled-audit-non-compliant.json'), defaultConfig));

    // Assess
    expect(plan.request.auditCheckToActionsMapping).toEqual({
      DEVICE_CERTIFICATE_SHARED_CHECK: ['QuarantineThings', 'DeactivateDeviceCertificate'],
      IOT_POLICY_OVERLY_PERMISSIVE_CHECK: ['ReplaceDefaultPolicyVersion', 'PublishFindingToSns'],
      REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK: ['DeactivateDeviceCertificate', 'PublishFindingToSns'],
    });
    expect(plan.request.target).toEqual({
      auditTaskId: 'a3aea009955e501a31b764abe1bebd3d',
      auditCheckToReasonCodeFilter: {
        DEVICE_CERTIFICATE_SHARED_CHECK: ['CERTIFICATE_SHARED_BY_MULTIPLE_DEVICES'],
      },
    });
    expect(plan.skipped).toEqual([
      {
        check: 'REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK',
        reason: '12 non-compliant resources exceed the guardrail maxNonCompliantResources=5',
      },
    ]);
    // The shipped config sends these three destructive checks through the approval gate (PT72H).
    expect(plan.request.taskId).toBe('remediate-a3aea009955e501a31b764abe1bebd3d-approve');
    expect(plan.request.clientRequestToken).toMatch(/^[0-9a-f]{64}$/);
    expect(plan.tasks.map((t) => [t.policy, t.group, t.approvalTimeoutSeconds])).toEqual([
      ['approve', 'approve', 72 * 3600],
    ]);
    expect(plan.tasks[0]?.request).toBe(plan.request);
  });

  it('skips an audit with nothing non-compliant', () => {
    const plan = planMitigation(auditOf('events/audit-all-compliant.json'), defaultConfig);
    expect(plan).toMatchObject({ action: 'skip', reason: expect.stringContaining('no non-compliant check') });
  });

  it('skips an audit whose status the config does not accept', () => {
    const plan = planMitigation(auditOf('events/audit-failed.json'), defaultConfig);
    expect(plan).toMatchObject({ action: 'skip', reason: expect.stringContaining('ended FAILED') });
  });

  it('mitigates a FAILED audit when the config accepts it, and reports the failed check', () => {
    // Prepare
    const config = { ...defaultConfig, acceptAuditStatuses: ['COMPLETED', 'FAILED'] } as RemediationConfig;

    // Act
    const plan = started(planMitigation(auditOf('events/audit-failed.json'), config));

    // Assess
    expect(Object.keys(plan.request.auditCheckToActionsMapping)).toEqual(['DEVICE_CERTIFICATE_SHARED_CHECK']);
    expect(plan.skipped).toEqual([
      { check: 'IOT_POLICY_OVERLY_PERMISSIVE_CHECK', reason: 'check run FAILED (INSUFFICIENT_PERMISSIONS)' },
    ]);
  });

  it('reports non-compliant checks without configured actions', () => {
    const config = parseRemediationConfig({
      checks: { LOGGING_DISABLED_CHECK: { actions: ['EnableIoTLogging'] } },
    });
    const plan = planMitigation(auditOf('events/scheduled-audit-non-compliant.json'), config);
    expect(plan.action).toBe('skip');
    expect(plan.skipped.map((s) => s.reason)).toEqual(Array(4).fill('no actions configured'));
  });

  it('keeps the mode for dry runs', () => {
    const config = { ...defaultConfig, mode: 'dry-run' } as RemediationConfig;
    expect(started(planMitigation(auditOf('events/scheduled-audit-non-compliant.json'), config)).mode).toBe(
      'dry-run',
    );
  });
});

// Arbitraries: any audit over the catalog's checks, any valid config.
const checkNameArb = fc.constantFrom(...AUDIT_CHECK_NAMES);
const actionNameArb = fc.stringMatching(/^[a-zA-Z0-9_-]{1,128}$/);
const auditArb: fc.Arbitrary<AuditSummary> = fc.record({
  auditTaskId: fc.stringMatching(/^[a-zA-Z0-9-]{1,40}$/),
  taskStatus: fc.constantFrom('COMPLETED', 'FAILED', 'CANCELED'),
  checks: fc.uniqueArray(
    fc.record({
      checkName: checkNameArb,
      known: fc.constant(true),
      checkRunStatus: fc.constantFrom('COMPLETED_NON_COMPLIANT', 'COMPLETED_COMPLIANT', 'FAILED', 'CANCELED'),
      nonCompliantResourcesCount: fc.nat(1000),
      totalResourcesCount: fc.nat(5000),
    }),
    { selector: (c) => c.checkName, maxLength: AUDIT_CHECK_NAMES.length },
  ),
});
const configArb: fc.Arbitrary<RemediationConfig> = fc
  .record({
    mode: fc.constantFrom('apply' as const, 'dry-run' as const),
    acceptAuditStatuses: fc.subarray(['COMPLETED', 'FAILED', 'CANCELED'] as const, { minLength: 1 }),
    checks: fc.dictionary(
      checkNameArb,
      fc.record(
        {
          actions: fc.uniqueArray(actionNameArb, { minLength: 1, maxLength: 5 }),
          reasonCodes: fc.constant(undefined),
          maxNonCompliantResources: fc.nat(1000),
        },
        { requiredKeys: ['actions'] },
      ),
    ),
  })
  .chain((config) =>
    // Reason codes must belong to the check: pick them from the catalog.
    fc
      .tuple(
        ...Object.keys(config.checks).map((check) =>
          fc.option(
            fc.subarray([...AUDIT_CHECKS[check as keyof typeof AUDIT_CHECKS].reasonCodes], { minLength: 1 }),
            {
              nil: undefined,
            },
          ),
        ),
      )
      .map((codes) => {
        const checks = Object.fromEntries(
          Object.entries(config.checks).map(([check, remediation], i) => [
            check,
            codes[i] ? { ...remediation, reasonCodes: codes[i] } : { ...remediation, reasonCodes: undefined },
          ]),
        );
        return parseRemediationConfig(JSON.parse(JSON.stringify({ ...config, checks })));
      }),
  );

describe('planMitigation properties', () => {
  it('every planned request satisfies every API constraint', () => {
    fc.assert(
      fc.property(auditArb, configArb, (audit, config) => {
        const plan = planMitigation(audit, config);
        if (plan.action === 'start') expect(startRequestProblems(plan.request)).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  it('only includes non-compliant checks with resources, configured actions and the guardrail held', () => {
    fc.assert(
      fc.property(auditArb, configArb, (audit, config) => {
        const plan = planMitigation(audit, config);
        if (plan.action !== 'start') return;
        for (const check of Object.keys(plan.request.auditCheckToActionsMapping)) {
          const result = audit.checks.find((c) => c.checkName === check);
          const remediation = config.checks[check];
          expect(result?.checkRunStatus).toBe('COMPLETED_NON_COMPLIANT');
          expect(result?.nonCompliantResourcesCount).toBeGreaterThan(0);
          expect(remediation).toBeDefined();
          expect(result?.nonCompliantResourcesCount).toBeLessThanOrEqual(
            remediation?.maxNonCompliantResources ?? Infinity,
          );
        }
      }),
      { numRuns: 500 },
    );
  });

  it('the same input gives the same ids, whatever the order of the checks', () => {
    fc.assert(
      fc.property(auditArb, configArb, (audit, config) => {
        const first = planMitigation(audit, config);
        const again = planMitigation({ ...audit, checks: [...audit.checks].reverse() }, config);
        expect(again).toEqual(first);
      }),
      { numRuns: 300 },
    );
  });

  it('a changed config gives a new token for the same taskId (one automatic task per audit)', () => {
    fc.assert(
      fc.property(auditArb, configArb, actionNameArb, (audit, config, extraAction) => {
        const plan = planMitigation(audit, config);
        if (plan.action !== 'start') return;
        const [check, actions] = Object.entries(plan.request.auditCheckToActionsMapping)[0] ?? [];
        if (!check || !actions || actions.length >= 5 || actions.includes(extraAction)) return;
        const remediation = config.checks[check];
        const changed = {
          ...config,
          checks: { ...config.checks, [check]: { ...remediation, actions: [...actions, extraAction] } },
        };
        const replanned = planMitigation(audit, changed as RemediationConfig);
        expect(replanned.action).toBe('start');
        if (replanned.action !== 'start') return;
        expect(replanned.request.taskId).toBe(plan.request.taskId);
        expect(replanned.request.clientRequestToken).not.toBe(plan.request.clientRequestToken);
      }),
      { numRuns: 300 },
    );
  });
});
