import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AuditFinding,
  type AuditSummary,
  type CheckFindings,
  type MitigationPlan,
  parseRemediationConfig,
  planMitigation,
  protectedSet,
  protectionOf,
  type RemediationConfig,
} from '../../../src/core';

// Protected resources are never in a started task, for any audit and config: the properties below
// generate findings over small pools of names, so that protected and unprotected resources collide.

const CHECKS = [
  'DEVICE_CERTIFICATE_SHARED_CHECK',
  'REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK',
  'IOT_POLICY_OVERLY_PERMISSIVE_CHECK',
  'CONFLICTING_CLIENT_IDS_CHECK',
] as const;
const REASONS: Record<string, string[]> = {
  DEVICE_CERTIFICATE_SHARED_CHECK: ['CERTIFICATE_SHARED_BY_MULTIPLE_DEVICES'],
  REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK: ['REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE'],
  IOT_POLICY_OVERLY_PERMISSIVE_CHECK: [
    'ALLOWS_BROAD_ACCESS_TO_IOT_DATA_PLANE_ACTIONS',
    'ALLOWS_BROAD_ACCESS_TO_IOT_THING_ADMIN_READ_ACTIONS',
  ],
  CONFLICTING_CLIENT_IDS_CHECK: ['DUPLICATE_CLIENT_ID_ACROSS_CONNECTIONS'],
};
const cert = (n: number) => n.toString(16).padStart(64, '0');
const certArb = fc.integer({ min: 1, max: 8 }).map(cert);
const thingArb = fc.constantFrom('t1', 't2', 't3', 't4');
const policyArb = fc.constantFrom('p1', 'p2', 'p3');

const identifierArb = fc.oneof(
  certArb.map((id) => ({
    resourceType: 'DEVICE_CERTIFICATE',
    resourceIdentifier: { deviceCertificateId: id },
  })),
  certArb.map((id) => ({ resourceType: 'CA_CERTIFICATE', resourceIdentifier: { caCertificateId: id } })),
  thingArb.map((id) => ({ resourceType: 'CLIENT_ID', resourceIdentifier: { clientId: id } })),
  policyArb.map((name) => ({
    resourceType: 'IOT_POLICY',
    resourceIdentifier: { policyVersionIdentifier: { policyName: name, policyVersionId: '1' } },
  })),
);

const findingArb = fc.record({
  checkName: fc.constantFrom(...CHECKS),
  reasonPick: fc.nat(),
  nonCompliantResource: identifierArb,
  relatedResources: fc.array(identifierArb, { maxLength: 2 }),
});

const findingsArb = fc.array(findingArb, { minLength: 1, maxLength: 80 }).map((raw) =>
  raw.map(
    (f, i): AuditFinding => ({
      findingId: `f-${String(i).padStart(3, '0')}`,
      checkName: f.checkName,
      reasonForNonComplianceCode:
        REASONS[f.checkName]?.[f.reasonPick % (REASONS[f.checkName]?.length ?? 1)] ?? '',
      nonCompliantResource: f.nonCompliantResource,
      relatedResources: f.relatedResources,
    }),
  ),
);

const configArb = fc
  .record({
    policies: fc.array(fc.constantFrom('auto', 'approve', 'notify'), { minLength: 4, maxLength: 4 }),
    filterPolicy: fc.boolean(),
    protect: fc.record({
      things: fc.uniqueArray(thingArb, { maxLength: 2 }),
      certificateIds: fc.uniqueArray(certArb, { maxLength: 2 }),
      caCertificateIds: fc.uniqueArray(certArb, { maxLength: 1 }),
      policyNames: fc.uniqueArray(policyArb, { maxLength: 1 }),
    }),
  })
  .map(({ policies, filterPolicy, protect }) =>
    parseRemediationConfig({
      protect,
      checks: Object.fromEntries(
        CHECKS.map((check, i) => [
          check,
          {
            actions: ['ActionA', 'ActionB'],
            policy: policies[i],
            ...(check === 'IOT_POLICY_OVERLY_PERMISSIVE_CHECK' && filterPolicy
              ? { reasonCodes: ['ALLOWS_BROAD_ACCESS_TO_IOT_DATA_PLANE_ACTIONS'] }
              : {}),
          },
        ]),
      ),
    }),
  );

const resolvedArb = fc.record({
  thingsOfGroups: fc.uniqueArray(thingArb, { maxLength: 1 }),
  certificatesOfThings: fc.uniqueArray(certArb, { maxLength: 2 }),
});

interface Case {
  readonly findings: AuditFinding[];
  readonly config: RemediationConfig;
  readonly resolved: { thingsOfGroups: string[]; certificatesOfThings: string[] };
  readonly incomplete: readonly string[];
}

const caseArb = fc.record({
  findings: findingsArb,
  config: configArb,
  resolved: resolvedArb,
  incomplete: fc.subarray([...CHECKS], { maxLength: 1 }),
});

function auditOf(findings: readonly AuditFinding[]): AuditSummary {
  return {
    auditTaskId: 'audit-1',
    taskStatus: 'COMPLETED',
    checks: CHECKS.filter((c) => findings.some((f) => f.checkName === c)).map((checkName) => ({
      checkName,
      known: true,
      checkRunStatus: 'COMPLETED_NON_COMPLIANT',
      nonCompliantResourcesCount: findings.filter((f) => f.checkName === checkName).length,
      totalResourcesCount: 100,
    })),
  };
}

function plan(c: Case, order: (xs: AuditFinding[]) => AuditFinding[] = (xs) => xs): MitigationPlan {
  const findings = new Map<string, CheckFindings>(
    CHECKS.map((check) => [
      check,
      {
        findings: order(c.findings.filter((f) => f.checkName === check)),
        complete: !c.incomplete.includes(check),
      },
    ]),
  );
  return planMitigation(auditOf(c.findings), c.config, {
    findings,
    protected: protectedSet(c.config.protect, c.resolved),
  });
}

describe('planMitigation with protected resources (properties)', () => {
  it('never targets a protected finding: findingIds leave them out, auditTaskId targets only checks without any', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const result = plan(c);
        const set = protectedSet(c.config.protect, c.resolved);
        const byId = new Map(c.findings.map((f) => [f.findingId, f]));
        for (const task of result.action === 'start' ? result.tasks : []) {
          const { findingIds, auditCheckToReasonCodeFilter: filter } = task.request.target;
          if (findingIds) {
            for (const id of findingIds)
              expect(protectionOf(byId.get(id) as AuditFinding, set)).toBeUndefined();
            continue;
          }
          // An auditTaskId target touches every finding of its checks that passes the filter.
          for (const check of Object.keys(task.request.auditCheckToActionsMapping)) {
            // With anything protected, a check read only in part is never targeted whole.
            if (Object.values(set).some((names: ReadonlySet<string>) => names.size > 0))
              expect(c.incomplete).not.toContain(check);
            const touched = c.findings.filter(
              (f) =>
                f.checkName === check &&
                (!filter?.[check] || filter[check]?.includes(f.reasonForNonComplianceCode ?? '')),
            );
            for (const f of touched) expect(protectionOf(f, set)).toBeUndefined();
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('gives the same plan, ids and tokens included, whatever the order of the findings and checks', () => {
    fc.assert(
      fc.property(caseArb, fc.nat(), (c, seed) => {
        const rotate = (xs: AuditFinding[]) => [
          ...xs.slice(seed % (xs.length || 1)),
          ...xs.slice(0, seed % (xs.length || 1)),
        ];
        const reversed = { ...c, findings: [...c.findings].reverse() };
        expect(plan(reversed, rotate)).toEqual(plan(c));
      }),
      { numRuns: 200 },
    );
  });

  it('cuts findingIds into batches of 1 to 25 sorted ids, and the batches, protected and filtered-out findings make up each check', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const result = plan(c);
        if (result.action !== 'start') return;
        const byId = new Map(c.findings.map((f) => [f.findingId, f]));
        const batched = new Map<string, string[]>();
        for (const task of result.tasks) {
          const ids = task.request.target.findingIds;
          if (!ids) {
            expect(task.group).toBe(task.policy);
            continue;
          }
          expect(task.group).toMatch(new RegExp(`^${task.policy}-[1-9][0-9]*$`));
          expect(ids.length).toBeGreaterThanOrEqual(1);
          expect(ids.length).toBeLessThanOrEqual(25);
          expect([...ids].sort()).toEqual(ids);
          // The mapping names exactly the checks of the batch.
          expect(Object.keys(task.request.auditCheckToActionsMapping).sort()).toEqual(
            [...new Set(ids.map((id) => byId.get(id)?.checkName ?? ''))].sort(),
          );
          for (const id of ids) {
            const check = byId.get(id)?.checkName ?? '';
            batched.set(check, [...(batched.get(check) ?? []), id]);
          }
        }
        for (const [check, ids] of batched) {
          const filter = c.config.checks[check]?.reasonCodes;
          const filteredOut = c.findings
            .filter(
              (f) => f.checkName === check && filter && !filter.includes(f.reasonForNonComplianceCode ?? ''),
            )
            .map((f) => f.findingId);
          const protectedIds = result.protected.filter((r) => r.check === check).map((r) => r.findingId);
          expect(protectedIds.length).toBeGreaterThan(0);
          expect([...ids, ...protectedIds, ...filteredOut].sort()).toEqual(
            c.findings
              .filter((f) => f.checkName === check)
              .map((f) => f.findingId)
              .sort(),
          );
        }
      }),
      { numRuns: 300 },
    );
  });

  it('gives every task its own id within the execution-name budget', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const result = plan(c);
        if (result.action !== 'start') return;
        const ids = result.tasks.map((t) => t.request.taskId);
        expect(new Set(ids).size).toBe(ids.length);
        for (const t of result.tasks) expect(t.request.taskId).toBe(`remediate-audit-1-${t.group}`);
      }),
    );
  });
});

describe('planMitigation with protected resources (examples)', () => {
  const config = parseRemediationConfig({
    approvalTimeout: 'PT1H',
    protect: { certificateIds: [cert(7)] },
    checks: {
      REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK: { actions: ['Deactivate'], policy: 'approve' },
      CONFLICTING_CLIENT_IDS_CHECK: { actions: ['Publish'] },
    },
  });
  const certFinding = (i: number, id: string): AuditFinding => ({
    findingId: `f${String(i).padStart(4, '0')}`,
    checkName: 'REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK',
    nonCompliantResource: {
      resourceType: 'DEVICE_CERTIFICATE',
      resourceIdentifier: { deviceCertificateId: id },
    },
  });
  const audit = (count: number): AuditSummary => ({
    auditTaskId: 'audit-1',
    taskStatus: 'COMPLETED',
    checks: [
      {
        checkName: 'REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK',
        known: true,
        checkRunStatus: 'COMPLETED_NON_COMPLIANT',
        nonCompliantResourcesCount: count,
        totalResourcesCount: count,
      },
    ],
  });

  it('1,000 findings of one check and 1 protected: 40 findingIds tasks of 25, 25, ..., 24, the protected one reported', () => {
    const findings = Array.from({ length: 1000 }, (_, i) =>
      certFinding(i, i === 500 ? cert(7) : cert(1000 + i)),
    );
    const result = planMitigation(audit(1000), config, {
      findings: new Map([['REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK', { findings, complete: true }]]),
      protected: protectedSet(config.protect),
    });
    if (result.action !== 'start') throw new Error(`expected a start plan, got ${JSON.stringify(result)}`);
    expect(result.tasks).toHaveLength(40);
    expect(result.tasks.map((t) => t.group)).toEqual(
      Array.from({ length: 40 }, (_, k) => `approve-${k + 1}`),
    );
    expect(result.tasks.map((t) => t.request.target.findingIds?.length)).toEqual([...Array(39).fill(25), 24]);
    expect(result.tasks.every((t) => t.approvalTimeoutSeconds === 3600)).toBe(true);
    expect(result.protected.map((r) => r.findingId)).toEqual(['f0500']);
    expect(result.previews).toEqual([
      expect.objectContaining({ check: 'REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK', resourceCount: 999 }),
    ]);
    expect(result.request.taskId).toBe('remediate-audit-1-approve-1');
  });

  it('sees a suppressed finding on a protected certificate: the check is targeted by findingIds that exclude it and every other suppressed one', () => {
    const findings = [
      { ...certFinding(1, cert(7)), suppressed: true },
      certFinding(2, cert(2)),
      { ...certFinding(3, cert(3)), suppressed: true },
      certFinding(4, cert(4)),
    ];
    const result = planMitigation(audit(4), config, {
      findings: new Map([['REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK', { findings, complete: true }]]),
      protected: protectedSet(config.protect),
    });
    if (result.action !== 'start') throw new Error(`expected a start plan, got ${JSON.stringify(result)}`);
    expect(result.tasks.map((t) => t.request.target)).toEqual([{ findingIds: ['f0002', 'f0004'] }]);
    expect(result.protected.map((r) => r.findingId)).toEqual(['f0001']);
    // The preview shows what a task touches: the non-suppressed, unprotected findings.
    expect(result.previews).toEqual([
      expect.objectContaining({
        resourceCount: 2,
        resources: [
          expect.objectContaining({ findingId: 'f0002' }),
          expect.objectContaining({ findingId: 'f0004' }),
        ],
      }),
    ]);
  });

  it('keeps the auditTaskId target when no finding is protected', () => {
    const result = planMitigation(audit(2), config, {
      findings: new Map([
        [
          'REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK',
          { findings: [certFinding(1, cert(1)), certFinding(2, cert(2))], complete: true },
        ],
      ]),
      protected: protectedSet(config.protect),
    });
    expect(result).toMatchObject({
      action: 'start',
      request: { taskId: 'remediate-audit-1-approve', target: { auditTaskId: 'audit-1' } },
      protected: [],
    });
  });

  it('skips a check with protected resources configured when its findings were not read, or not all of them', () => {
    const unread = planMitigation(audit(2), config);
    expect(unread).toMatchObject({
      action: 'skip',
      skipped: [{ reason: expect.stringMatching(/not read: never mitigated blindly/) }],
    });
    const partial = planMitigation(audit(300), config, {
      findings: new Map([
        [
          'REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK',
          { findings: [certFinding(1, cert(7))], complete: false },
        ],
      ]),
      protected: protectedSet(config.protect),
    });
    expect(partial).toMatchObject({
      action: 'skip',
      skipped: [{ reason: expect.stringMatching(/could not all be read .* 1 protected/) }],
      protected: [{ findingId: 'f0001' }],
    });
  });

  it('skips a check whose every finding is protected', () => {
    const result = planMitigation(audit(1), config, {
      findings: new Map([
        [
          'REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK',
          { findings: [certFinding(1, cert(7).toUpperCase())], complete: true },
        ],
      ]),
      protected: protectedSet(config.protect),
    });
    expect(result).toMatchObject({
      action: 'skip',
      skipped: [{ reason: expect.stringMatching(/every finding .* protected resource \(1\)/) }],
    });
  });

  it('reports notify checks and starts nothing for them', () => {
    const notifyOnly = parseRemediationConfig({
      defaultPolicy: 'notify',
      checks: { CONFLICTING_CLIENT_IDS_CHECK: { actions: ['Publish'] } },
    });
    const result = planMitigation(
      {
        auditTaskId: 'audit-1',
        taskStatus: 'COMPLETED',
        checks: [
          {
            checkName: 'CONFLICTING_CLIENT_IDS_CHECK',
            known: true,
            checkRunStatus: 'COMPLETED_NON_COMPLIANT',
            nonCompliantResourcesCount: 3,
            totalResourcesCount: 9,
          },
        ],
      },
      notifyOnly,
    );
    expect(result).toEqual({
      action: 'skip',
      auditTaskId: 'audit-1',
      reason:
        'no check can be mitigated: CONFLICTING_CLIENT_IDS_CHECK: policy notify (reported, never mitigated)',
      skipped: [],
      notify: [{ check: 'CONFLICTING_CLIENT_IDS_CHECK', resourceCount: 3, resources: [] }],
      protected: [],
    });
  });
});

describe('protectionOf', () => {
  const set = protectedSet(
    { things: ['gw-1'], caCertificateIds: [cert(9)], policyNames: ['Fleet'] },
    {
      thingsOfGroups: ['member-1'],
      certificatesOfThings: [`arn:aws:iot:eu-west-1:123456789012:cert/${cert(3)}`],
    },
  );
  const f = (resource: Record<string, unknown>, related: Record<string, unknown>[] = []): AuditFinding => ({
    findingId: 'f',
    checkName: 'X',
    nonCompliantResource: { resourceType: 'T', resourceIdentifier: resource },
    relatedResources: related.map((r) => ({ resourceType: 'T', resourceIdentifier: r })),
  });

  it.each([
    ['a client id equal to a protected thing', f({ clientId: 'gw-1' })],
    ['a client id equal to a thing of a protected group', f({ clientId: 'member-1' })],
    ['a certificate attached to a protected thing (from its ARN)', f({ deviceCertificateId: cert(3) })],
    ['a protected CA certificate', f({ caCertificateId: cert(9).toUpperCase() })],
    [
      'a protected CA in a related resource',
      f({ deviceCertificateId: cert(1) }, [{ caCertificateId: cert(9) }]),
    ],
    ['a protected policy', f({ policyVersionIdentifier: { policyName: 'Fleet', policyVersionId: '2' } })],
  ])('protects %s', (_name, finding) => {
    expect(protectionOf(finding, set)).toBeDefined();
  });

  it('leaves other resources unprotected', () => {
    expect(protectionOf(f({ deviceCertificateId: cert(1) }, [{ clientId: 'gw-2' }]), set)).toBeUndefined();
    expect(protectionOf({ findingId: 'f', checkName: 'X' }, set)).toBeUndefined();
  });
});
