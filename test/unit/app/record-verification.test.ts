import { describe, expect, it } from 'vitest';
import type { Log, OutcomeLedger } from '../../../src/app/ports';
import { createRecordVerification } from '../../../src/app/record-verification';
import { InvalidEventError } from '../../../src/core';

const logger: Log = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  appendKeys: () => undefined,
};

function harness() {
  const claimed = new Set<string>();
  const ledger: OutcomeLedger = {
    async claim(id) {
      if (claimed.has(id)) return false;
      claimed.add(id);
      return true;
    },
  };
  const metrics: Array<[string, string | undefined, number]> = [];
  const run = createRecordVerification({
    logger,
    ledger,
    metrics: {
      count: (name, value) => metrics.push([name, undefined, value]),
      countForCheck: (name, check, value) => metrics.push([name, check, value]),
    },
  });
  return { run, metrics, claimed };
}

const check = (name: string, fixed: number, still: number) => ({
  check: name,
  nonCompliantBefore: fixed + still,
  nonCompliantAfter: still,
  checkRunStatus: still > 0 ? 'COMPLETED_NON_COMPLIANT' : 'COMPLETED_COMPLIANT',
  succeededFindings: fixed + still,
  mitigatedResources: fixed + still,
  fixed,
  stillNonCompliant: still,
  unverified: 0,
  stillNonCompliantResources: [],
  partial: false,
});

const event = {
  'detail-type': 'Audit Verification Finished',
  detail: {
    eventId: 'remediate-a-auto',
    taskId: 'remediate-a-auto',
    auditTaskId: 'a',
    verificationAuditTaskId: 'v',
    outcome: 'VERIFIED',
    verificationAuditStatus: 'COMPLETED',
    checks: [check('CHECK_A', 4, 0), check('CHECK_B', 0, 2)],
    totals: { fixed: 4, stillNonCompliant: 2, unverified: 0 },
  },
};

describe('record-outcome on a verification event', () => {
  it('publishes fixed and still-non-compliant per check and the total, once per event', async () => {
    // Prepare
    const h = harness();

    // Act
    const first = await h.run(event);
    const again = await h.run(event);

    // Assess
    expect(first).toEqual({ outcome: 'VERIFIED', checks: 2, recorded: true });
    expect(again).toEqual({ outcome: 'VERIFIED', checks: 2, recorded: false });
    expect(h.metrics).toEqual([
      ['ResourcesStillNonCompliant', undefined, 2],
      ['ResourcesVerifiedFixed', 'CHECK_A', 4],
      ['ResourcesStillNonCompliant', 'CHECK_A', 0],
      ['ResourcesVerifiedFixed', 'CHECK_B', 0],
      ['ResourcesStillNonCompliant', 'CHECK_B', 2],
    ]);
    // Its own key: the task's finished event of the same execution is claimed apart.
    expect([...h.claimed]).toEqual(['verification-event#remediate-a-auto']);
  });

  it('counts a failed verification', async () => {
    const h = harness();
    await h.run({
      detail: {
        ...event.detail,
        outcome: 'VERIFICATION_FAILED',
        checks: [],
        totals: { fixed: 0, stillNonCompliant: 0, unverified: 0 },
      },
    });
    expect(h.metrics).toEqual([
      ['VerificationsFailed', undefined, 1],
      ['ResourcesStillNonCompliant', undefined, 0],
    ]);
  });

  it('refuses an event without a detail, naming the field', async () => {
    await expect(harness().run({ detail: { eventId: 'x' } })).rejects.toThrow(InvalidEventError);
    await expect(harness().run({ detail: { eventId: 'x' } })).rejects.toThrow(/taskId/);
  });
});
