import { describe, expect, it } from 'vitest';
import type { Log, VerificationApi, VerificationRecords } from '../../../src/app/ports';
import { createVerifyAudit } from '../../../src/app/verify-audit';
import { type AuditFinding, type FindingResource, InvalidInputError } from '../../../src/core';
import { fakeFindings } from './fakes';

const CHECK = 'DEVICE_CERTIFICATE_SHARED_CHECK';
const SNS_CHECK = 'IOT_POLICY_OVERLY_PERMISSIVE_CHECK';
const logger: Log = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  appendKeys: () => undefined,
};

function finding(check: string, id: string): AuditFinding {
  return {
    findingId: `f-${id}`,
    checkName: check,
    nonCompliantResource:
      check === CHECK
        ? { resourceType: 'DEVICE_CERTIFICATE', resourceIdentifier: { deviceCertificateId: id } }
        : {
            resourceType: 'IOT_POLICY',
            resourceIdentifier: { policyVersionIdentifier: { policyName: id, policyVersionId: '1' } },
          },
  };
}

function harness() {
  const recorded: Array<[string, string]> = [];
  const reads: Array<[string, string, number]> = [];
  const iot: VerificationApi = {
    async describeTask() {
      return {
        status: 'COMPLETED',
        statistics: {
          [CHECK]: { succeededFindingsCount: 2 },
          [SNS_CHECK]: { succeededFindingsCount: 1 },
          LOGGING_DISABLED_CHECK: { succeededFindingsCount: 0, failedFindingsCount: 1 },
        },
        target: { auditTaskId: 'before' },
      };
    },
    async describeAudit(auditTaskId) {
      const after = auditTaskId === 'after';
      return {
        taskStatus: 'COMPLETED',
        auditDetails: {
          [CHECK]: {
            checkRunStatus: after ? 'COMPLETED_COMPLIANT' : 'COMPLETED_NON_COMPLIANT',
            nonCompliantResourcesCount: after ? 0 : 2,
          },
          [SNS_CHECK]: { checkRunStatus: 'COMPLETED_NON_COMPLIANT', nonCompliantResourcesCount: 1 },
        },
      };
    },
  };
  const before = fakeFindings({
    [CHECK]: { findings: [finding(CHECK, 'a'), finding(CHECK, 'b')], complete: true },
    [SNS_CHECK]: { findings: [finding(SNS_CHECK, 'p')], complete: true },
  });
  const findings = {
    ...before,
    async listFindings(auditTaskId: string, checkName: string, maxPages: number) {
      reads.push([auditTaskId, checkName, maxPages]);
      if (auditTaskId === 'after')
        return checkName === SNS_CHECK
          ? { findings: [finding(SNS_CHECK, 'p')], complete: true }
          : { findings: [], complete: true };
      return before.listFindings(auditTaskId, checkName, maxPages);
    },
  };
  const records: VerificationRecords = {
    async verifiedTaskOf() {
      return undefined;
    },
    async record(auditTaskId, taskId) {
      recorded.push([auditTaskId, taskId]);
    },
  };
  return { run: createVerifyAudit({ iot, findings, records, logger }), recorded, reads };
}

describe('verify-audit', () => {
  it('plans the checks the task succeeded on, from IoT', async () => {
    await expect(harness().run({ action: 'plan', taskId: 't' })).resolves.toEqual({
      verify: true,
      checkNames: [CHECK, SNS_CHECK],
    });
  });

  it('records the verification audit under its id', async () => {
    const h = harness();
    await expect(h.run({ action: 'record', taskId: 't', verificationAuditTaskId: 'after' })).resolves.toEqual(
      {
        recorded: true,
      },
    );
    expect(h.recorded).toEqual([['after', 't']]);
  });

  it('judges each check against the verification audit, reading both audits under the page budget', async () => {
    // Prepare
    const h = harness();

    // Act
    const detail = await h.run({
      action: 'summarise',
      eventId: 'exec',
      taskId: 't',
      auditTaskId: 'before',
      verificationAuditTaskId: 'after',
      checkNames: [SNS_CHECK, CHECK, CHECK],
    });

    // Assess
    expect(detail).toMatchObject({
      eventId: 'exec',
      outcome: 'VERIFIED',
      verificationAuditStatus: 'COMPLETED',
      totals: { fixed: 2, stillNonCompliant: 1, unverified: 0 },
      checks: [
        { check: CHECK, nonCompliantBefore: 2, nonCompliantAfter: 0, succeededFindings: 2, fixed: 2 },
        {
          check: SNS_CHECK,
          stillNonCompliant: 1,
          stillNonCompliantResources: [{ resourceType: 'IOT_POLICY' }],
        },
      ],
    });
    expect(h.reads).toEqual([
      ['before', CHECK, 40],
      ['after', CHECK, 40],
      ['before', SNS_CHECK, 40],
      ['after', SNS_CHECK, 40],
    ]);
  });

  it('refuses a request naming no check, with the field', async () => {
    await expect(
      harness().run({
        action: 'summarise',
        eventId: 'e',
        taskId: 't',
        auditTaskId: 'a',
        verificationAuditTaskId: 'v',
        checkNames: [],
      }),
    ).rejects.toThrow(InvalidInputError);
    await expect(harness().run({ action: 'verify', taskId: 't' })).rejects.toThrow(/action/);
  });
});

/**
 * A task that targeted `targeted` device certificates of CHECK, and a verification audit that still
 * reports `stillReported` of them among `nonCompliantAfter` non-compliant resources of the check
 * (the rest of the account's fleet). Each lookup answers with `lookupComplete`.
 */
function largeCheckHarness(options: {
  targeted: string[];
  stillReported: string[];
  nonCompliantAfter: number;
  lookupComplete?: boolean;
}) {
  const calls: string[] = [];
  const iot: VerificationApi = {
    async describeTask() {
      return {
        status: 'COMPLETED',
        statistics: { [CHECK]: { succeededFindingsCount: options.targeted.length } },
        target: { auditTaskId: 'before' },
      };
    },
    async describeAudit(auditTaskId) {
      const after = auditTaskId === 'after';
      return {
        taskStatus: 'COMPLETED',
        auditDetails: {
          [CHECK]: {
            checkRunStatus: 'COMPLETED_NON_COMPLIANT',
            nonCompliantResourcesCount: after ? options.nonCompliantAfter : options.targeted.length,
          },
        },
      };
    },
  };
  const findings = {
    ...fakeFindings(),
    async listFindings(auditTaskId: string, checkName: string, maxPages: number) {
      calls.push(`list ${auditTaskId}`);
      if (auditTaskId === 'before')
        return { findings: options.targeted.map((id) => finding(checkName, id)), complete: true };
      // The listing of a fleet-sized check: cut at the page budget.
      return { findings: [], complete: options.nonCompliantAfter <= maxPages * 250 };
    },
    async findingsOfResource(auditTaskId: string, checkName: string, resource: FindingResource) {
      const id = String(resource.resourceIdentifier?.deviceCertificateId);
      calls.push(`lookup ${auditTaskId} ${id}`);
      const found = options.stillReported.includes(id) ? [finding(checkName, id)] : [];
      return { findings: found, complete: options.lookupComplete ?? true };
    },
  };
  const records: VerificationRecords = { verifiedTaskOf: async () => undefined, record: async () => {} };
  const run = createVerifyAudit({ iot, findings, records, logger });
  const summarise = () =>
    run({
      action: 'summarise',
      eventId: 'exec',
      taskId: 't',
      auditTaskId: 'before',
      verificationAuditTaskId: 'after',
      checkNames: [CHECK],
    });
  return { calls, summarise };
}

describe('verify-audit in a fleet larger than the task', () => {
  it('asks the verification audit about each targeted resource instead of listing the whole check', async () => {
    // Prepare: 3 targeted certificates in a check with 12,000 non-compliant resources (48 pages, past the budget)
    const h = largeCheckHarness({
      targeted: ['c', 'a', 'b', 'a'],
      stillReported: ['b'],
      nonCompliantAfter: 12_000,
    });

    // Act
    const detail = await h.summarise();

    // Assess: three lookups, not 40 pages; every resource judged, nothing cut short
    expect(h.calls).toEqual(['list before', 'lookup after c', 'lookup after a', 'lookup after b']);
    expect(detail).toMatchObject({
      totals: { fixed: 2, stillNonCompliant: 1, unverified: 0 },
      checks: [
        {
          mitigatedResources: 3,
          nonCompliantAfter: 12_000,
          stillNonCompliantResources: [{ resourceIdentifier: { deviceCertificateId: 'b' } }],
          partial: false,
        },
      ],
    });
  });

  it('lists the check when that takes fewer calls than the lookups', async () => {
    const h = largeCheckHarness({ targeted: ['a', 'b', 'c'], stillReported: [], nonCompliantAfter: 500 });
    const detail = await h.summarise();
    expect(h.calls).toEqual(['list before', 'list after']);
    expect(detail).toMatchObject({ totals: { fixed: 3, stillNonCompliant: 0, unverified: 0 } });
  });

  it('counts a resource not found on a cut lookup as unverified, never as fixed', async () => {
    const h = largeCheckHarness({
      targeted: ['a', 'b'],
      stillReported: ['b'],
      nonCompliantAfter: 12_000,
      lookupComplete: false,
    });
    const detail = await h.summarise();
    expect(detail).toMatchObject({
      totals: { fixed: 0, stillNonCompliant: 1, unverified: 1 },
      checks: [{ partial: true }],
    });
  });
});
