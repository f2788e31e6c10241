import { describe, expect, it } from 'vitest';
import { planAudit } from '../../../src/app/plan-audit';
import type { FindingsApi, ResourceDirectory } from '../../../src/app/ports';
import { type AuditFinding, type AuditSummary, parseRemediationConfig } from '../../../src/core';

const cert = (n: number) => n.toString(16).padStart(64, '0');
const REVOKED = 'REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK';
const LOGGING = 'LOGGING_DISABLED_CHECK';
const CLIENTS = 'CONFLICTING_CLIENT_IDS_CHECK';

function audit(counts: Record<string, number>): AuditSummary {
  return {
    auditTaskId: 'audit-1',
    taskStatus: 'COMPLETED',
    checks: Object.entries(counts).map(([checkName, n]) => ({
      checkName,
      known: true,
      checkRunStatus: 'COMPLETED_NON_COMPLIANT',
      nonCompliantResourcesCount: n,
      totalResourcesCount: n,
    })),
  };
}

function certFinding(i: number, id = cert(100 + i)): AuditFinding {
  return {
    findingId: `f${String(i).padStart(4, '0')}`,
    checkName: REVOKED,
    nonCompliantResource: {
      resourceType: 'DEVICE_CERTIFICATE',
      resourceIdentifier: { deviceCertificateId: id },
    },
  };
}

/** Fakes of the ports that record every call. */
function fakes(byCheck: Record<string, AuditFinding[]>, pageSize = 250) {
  const calls: string[] = [];
  const findings: FindingsApi = {
    async listFindings(auditTaskId, check, maxPages) {
      calls.push(`listFindings ${auditTaskId} ${check} ${maxPages}`);
      const all = byCheck[check] ?? [];
      return { findings: all.slice(0, maxPages * pageSize), complete: all.length <= maxPages * pageSize };
    },
    async findingsOfResource(auditTaskId, check) {
      // The planner reads whole checks: a lookup here would be a wrong turn the calls would show.
      calls.push(`findingsOfResource ${auditTaskId} ${check}`);
      return { findings: [], complete: true };
    },
    async thingsOfCertificate(id) {
      calls.push(`thingsOfCertificate ${id.slice(-3)}`);
      return [`thing-of-${id.slice(-3)}`];
    },
  };
  const directory: ResourceDirectory = {
    async thingsInGroup(name) {
      calls.push(`thingsInGroup ${name}`);
      return ['member-1', 'member-2'];
    },
    async certificatesOfThing(name) {
      calls.push(`certificatesOfThing ${name}`);
      return name === 'member-2' ? [cert(7)] : [];
    },
  };
  return { findings, directory, calls };
}

describe('planAudit', () => {
  it('reads nothing for auto checks when nothing is protected: the plan of the audit alone', async () => {
    const config = parseRemediationConfig({ checks: { [LOGGING]: { actions: ['EnableIoTLogging'] } } });
    const { findings, directory, calls } = fakes({});
    const { plan } = await planAudit({ audit: audit({ [LOGGING]: 1 }), config, findings, directory });
    expect(calls).toEqual([]);
    expect(plan).toMatchObject({
      action: 'start',
      request: { taskId: 'remediate-audit-1-auto' },
      previews: [],
    });
  });

  it('previews approve and notify checks: the first 10 resources, with the things of their certificates', async () => {
    const config = parseRemediationConfig({
      checks: {
        [REVOKED]: { actions: ['Deactivate'], policy: 'approve' },
        [CLIENTS]: { actions: ['Publish'], policy: 'notify' },
        [LOGGING]: { actions: ['EnableIoTLogging'] },
      },
    });
    const revoked = Array.from({ length: 12 }, (_, i) => certFinding(i));
    const clients: AuditFinding[] = [
      {
        findingId: 'c1',
        checkName: CLIENTS,
        nonCompliantResource: { resourceType: 'CLIENT_ID', resourceIdentifier: { clientId: 'x' } },
      },
    ];
    const { findings, directory, calls } = fakes({ [REVOKED]: revoked, [CLIENTS]: clients });

    const { plan } = await planAudit({
      audit: audit({ [REVOKED]: 12, [CLIENTS]: 1, [LOGGING]: 1 }),
      config,
      findings,
      directory,
    });

    if (plan.action !== 'start') throw new Error('expected a start plan');
    expect(plan.tasks.map((t) => [t.policy, t.group])).toEqual([
      ['auto', 'auto'],
      ['approve', 'approve'],
    ]);
    expect(plan.previews).toHaveLength(1);
    expect(plan.previews[0]).toMatchObject({ check: REVOKED, resourceCount: 12 });
    expect(plan.previews[0]?.resources).toHaveLength(10);
    expect(plan.previews[0]?.resources[0]?.things).toEqual([`thing-of-${cert(100).slice(-3)}`]);
    expect(plan.notify).toEqual([
      {
        check: CLIENTS,
        resourceCount: 1,
        resources: [expect.objectContaining({ findingId: 'c1', resourceIdentifier: { clientId: 'x' } })],
      },
    ]);
    // Things are read for the 10 previewed certificates only; LOGGING (auto) is not read.
    expect(calls.filter((c) => c.startsWith('thingsOfCertificate'))).toHaveLength(10);
    expect(calls.filter((c) => c.startsWith('listFindings'))).toEqual([
      `listFindings audit-1 ${CLIENTS} 40`,
      `listFindings audit-1 ${REVOKED} 40`,
    ]);
  });

  it('resolves the selectors once and targets findingIds around the protected ones: 1,000 findings, 1 protected -> 40 tasks', async () => {
    const config = parseRemediationConfig({
      protect: { thingGroups: ['critical'] },
      checks: { [REVOKED]: { actions: ['Deactivate'] } },
    });
    // member-2 of the protected group holds cert(7): finding 500 is on it.
    const revoked = Array.from({ length: 1000 }, (_, i) => certFinding(i, i === 500 ? cert(7) : undefined));
    const { findings, directory, calls } = fakes({ [REVOKED]: revoked });

    const { plan, reads } = await planAudit({
      audit: audit({ [REVOKED]: 1000 }),
      config,
      findings,
      directory,
    });

    if (plan.action !== 'start') throw new Error('expected a start plan');
    expect(plan.tasks).toHaveLength(40);
    expect(plan.tasks.every((t) => t.policy === 'auto' && t.request.target.findingIds !== undefined)).toBe(
      true,
    );
    expect(plan.protected.map((r) => r.findingId)).toEqual(['f0500']);
    expect(reads).toEqual({ checksRead: [REVOKED], protectedThings: 2, protectedCertificates: 1 });
    // One call per selector and per protected thing, whatever the number of findings.
    expect(calls.filter((c) => !c.startsWith('thingsOfCertificate'))).toEqual([
      'thingsInGroup critical',
      'certificatesOfThing member-1',
      'certificatesOfThing member-2',
      `listFindings audit-1 ${REVOKED} 40`,
    ]);
  });

  it('skips a check read only in part while resources are protected', async () => {
    const config = parseRemediationConfig({
      protect: { things: ['gw-1'] },
      checks: { [REVOKED]: { actions: ['Deactivate'] } },
    });
    const revoked = Array.from({ length: 30 }, (_, i) => certFinding(i));
    const { findings, directory } = fakes({ [REVOKED]: revoked }, 10);
    const { plan } = await planAudit({
      audit: audit({ [REVOKED]: 30 }),
      config,
      findings,
      directory,
      budget: { maxPagesPerCheck: 2 },
    });
    expect(plan).toMatchObject({
      action: 'skip',
      skipped: [{ check: REVOKED, reason: expect.stringMatching(/could not all be read/) }],
    });
  });
});

describe('planAudit: the things of the preview', () => {
  it('leaves the things out, and says why, when they cannot be read: the plan does not depend on them', async () => {
    const config = parseRemediationConfig({
      checks: { [REVOKED]: { actions: ['Deactivate'], policy: 'approve' } },
    });
    const { findings, directory } = fakes({ [REVOKED]: [certFinding(1)] });
    const failing: FindingsApi = {
      ...findings,
      thingsOfCertificate: async () => {
        throw Object.assign(new Error('no such operation'), { name: 'UnknownOperationException' });
      },
    };
    const { plan, reads } = await planAudit({
      audit: audit({ [REVOKED]: 1 }),
      config,
      findings: failing,
      directory,
    });
    if (plan.action !== 'start') throw new Error('expected a start plan');
    expect(plan.previews[0]?.resources[0]).not.toHaveProperty('things');
    expect(reads.thingsUnavailable).toBe('UnknownOperationException: no such operation');
  });
});
