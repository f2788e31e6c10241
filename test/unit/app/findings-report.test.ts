import { describe, expect, it } from 'vitest';
import { createFindingsReport, readStoredReport } from '../../../src/app/findings-report';
import type { MitigationResults, MitigationTaskDescription, ReportStore } from '../../../src/app/ports';
import { type AuditFinding, type CheckFindings, parseJsonLines } from '../../../src/core';
import { silentLog } from '../../fixtures';

function finding(checkName: string, n: number, extra: Partial<AuditFinding> = {}): AuditFinding {
  return {
    findingId: `${checkName}-${String(n).padStart(3, '0')}`,
    checkName,
    reasonForNonComplianceCode: 'REASON',
    nonCompliantResource: {
      resourceType: 'DEVICE_CERTIFICATE',
      resourceIdentifier: { deviceCertificateId: `c${n}` },
    },
    ...extra,
  };
}

function memoryStore(): ReportStore & { objects: Map<string, string> } {
  const objects = new Map<string, string>();
  return {
    bucket: 'b',
    objects,
    async put(key, body) {
      objects.set(key, body);
    },
    async get(key) {
      return objects.get(key);
    },
  };
}

/** IoT's answers: a task, the findings per check, and the findings whose first action failed. */
function fakeIot(
  task: MitigationTaskDescription,
  findings: Record<string, AuditFinding[]>,
  failing: Set<string>,
) {
  const reads: string[] = [];
  const results: MitigationResults = {
    async describeTask() {
      return task;
    },
    async listExecutions(_taskId, findingId) {
      reads.push(findingId);
      const executions = failing.has(findingId)
        ? [
            {
              actionName: 'Deactivate',
              status: 'FAILED',
              errorCode: 'INVALID_STATE_OF_RESOURCE',
              message: 'no',
            },
            { actionName: 'Publish', status: 'SKIPPED' },
          ]
        : [
            { actionName: 'Deactivate', status: 'COMPLETED' },
            { actionName: 'Publish', status: 'COMPLETED' },
          ];
      return { executions, calls: 1 };
    },
  };
  const listFindings = async (_audit: string, check: string): Promise<CheckFindings> => ({
    findings: findings[check] ?? [],
    complete: true,
  });
  return { results, findings: { listFindings }, reads };
}

/** A clock that only moves when slept on. */
function fakeClock() {
  let now = 1_767_225_600_000;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

const A = 'CHECK_A';
const B = 'CHECK_B';

function task(overrides: Partial<MitigationTaskDescription> = {}): MitigationTaskDescription {
  return {
    status: 'FAILED',
    checks: [A, B],
    target: { auditTaskId: 'audit-1' },
    statistics: [
      { check: A, total: 10, succeeded: 8, failed: 2, skipped: 0, canceled: 0 },
      { check: B, total: 3, succeeded: 3, failed: 0, skipped: 0, canceled: 0 },
    ],
    ...overrides,
  };
}

const FINDINGS = {
  [A]: Array.from({ length: 10 }, (_, i) => finding(A, i)),
  [B]: Array.from({ length: 3 }, (_, i) => finding(B, i)),
};
const FAILING = new Set([`${A}-003`, `${A}-007`]);

describe('createFindingsReport', () => {
  it('reads only the findings of the check with failures, paced at 10 a second, and stores rows and summary', async () => {
    // Prepare
    const iot = fakeIot(task(), FINDINGS, FAILING);
    const store = memoryStore();
    const clock = fakeClock();
    const write = createFindingsReport({ ...iot, store, prefix: 'reports', logger: silentLog, ...clock });

    // Act
    const report = await write({ taskId: 't-1', auditTaskId: 'audit-1' });

    // Assess
    expect(iot.reads).toEqual(FINDINGS[A].map((f) => f.findingId));
    // 10 reads, 100 ms apart on the clock: nine waits.
    expect(clock.sleeps).toEqual(Array.from({ length: 9 }, () => 100));
    expect(report.pointer).toEqual({
      bucket: 'b',
      key: 'reports/t-1/findings.jsonl',
      summaryKey: 'reports/t-1/summary.json',
      rows: 13,
      failed: 2,
      partial: false,
      errorCodes: { INVALID_STATE_OF_RESOURCE: 2 },
    });
    const rows = parseJsonLines(store.objects.get('reports/t-1/findings.jsonl') ?? '');
    expect(rows.slice(0, 2).map((r) => [r.findingId, r.outcome])).toEqual([
      [`${A}-003`, 'FAILED'],
      [`${A}-007`, 'FAILED'],
    ]);
    expect(
      rows.filter((r) => r.check === B).every((r) => r.outcome === 'SUCCEEDED' && r.actions === undefined),
    ).toBe(true);
    const stored = await readStoredReport(store, 'reports', 't-1');
    expect(stored?.summary).toMatchObject({ rows: 13, failed: 2, executionReads: 10 });
  });

  it('stops at the read budget: the rest are UNKNOWN and the report says it is partial, and why', async () => {
    // Prepare
    const iot = fakeIot(task(), FINDINGS, FAILING);
    const store = memoryStore();
    const write = createFindingsReport({
      ...iot,
      store,
      prefix: 'reports',
      logger: silentLog,
      ...fakeClock(),
      readBudget: 4,
    });

    // Act
    const report = await write({ taskId: 't-1', auditTaskId: 'audit-1' });

    // Assess
    expect(iot.reads).toHaveLength(4);
    expect(report.pointer).toMatchObject({ partial: true, failed: 1 });
    expect(report.summary.partial).toEqual({
      reason: 'execution read budget of 4 calls spent',
      unreadFindings: 6,
    });
    expect(report.summary.byCheck[A]).toEqual({ FAILED: 1, UNKNOWN: 6, SUCCEEDED: 3 });
  });

  it('stops at the read deadline (the function running out of time)', async () => {
    // Prepare
    const iot = fakeIot(task(), FINDINGS, FAILING);
    const clock = fakeClock();
    const deadline = clock.now() + 250;
    const write = createFindingsReport({
      ...iot,
      store: memoryStore(),
      prefix: 'reports',
      logger: silentLog,
      ...clock,
      readDeadline: () => deadline,
    });

    // Act
    const report = await write({ taskId: 't-1', auditTaskId: 'audit-1' });

    // Assess: reads at 0, 100 and 200 ms, then the deadline.
    expect(iot.reads).toHaveLength(3);
    expect(report.summary.partial).toEqual({ reason: 'time limit reached', unreadFindings: 7 });
  });

  it('reports a findingIds task on those findings only, never a suppressed one', async () => {
    // Prepare
    const findings = {
      [A]: [finding(A, 1), finding(A, 2), finding(A, 3, { suppressed: true }), finding(A, 4)],
    };
    const iot = fakeIot(
      task({
        checks: [A],
        target: { findingIds: [`${A}-001`, `${A}-004`] },
        statistics: [{ check: A, total: 2, succeeded: 2, failed: 0, skipped: 0, canceled: 0 }],
      }),
      findings,
      new Set(),
    );

    // Act
    const report = await createFindingsReport({
      ...iot,
      store: memoryStore(),
      prefix: 'r',
      logger: silentLog,
      ...fakeClock(),
    })({
      taskId: 't-2',
      auditTaskId: 'audit-1',
    });

    // Assess: the audit comes from the workflow (a findingIds target names none); no read needed.
    expect(report.rows.map((r) => r.findingId)).toEqual([`${A}-001`, `${A}-004`]);
    expect(iot.reads).toEqual([]);
  });

  it('reads nothing for a task whose checks all succeeded', async () => {
    // Prepare
    const iot = fakeIot(
      task({
        status: 'COMPLETED',
        checks: [B],
        statistics: [{ check: B, total: 3, succeeded: 3, failed: 0, skipped: 0, canceled: 0 }],
      }),
      FINDINGS,
      new Set(),
    );
    const clock = fakeClock();

    // Act
    const report = await createFindingsReport({
      ...iot,
      store: memoryStore(),
      prefix: 'r',
      logger: silentLog,
      ...clock,
    })({
      taskId: 't-3',
      auditTaskId: 'audit-1',
    });

    // Assess
    expect(iot.reads).toEqual([]);
    expect(clock.sleeps).toEqual([]);
    expect(report.summary).toMatchObject({ rows: 3, failed: 0, executionReads: 0 });
  });

  it('answers undefined for a task without a stored report', async () => {
    expect(await readStoredReport(memoryStore(), 'reports', 'none')).toBeUndefined();
  });
});
