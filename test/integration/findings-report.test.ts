import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJsonLines, TASK_FINISHED_DETAIL_TYPE } from '../../src/core';
import {
  completionEvents,
  LOCAL_REPORT_BUCKET,
  type LocalStack,
  startLocalStack,
} from '../../src/local/stack';
import { putOnBus, toAuditEvent } from '../reliability/harness';

/**
 * The findings-level report through the whole local stack: an audit whose mitigation fails on a
 * share of its findings (injected by the IoT emulator), the real state machine's WriteReport state,
 * the built write-report function reading IoT over HTTP and writing to the local S3, and the
 * finished event pointing to the report.
 */

const AUDIT = 'b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6';
const REVOKED = 'REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK';
const POLICY = 'IOT_POLICY_OVERLY_PERMISSIVE_CHECK';
const FAILURE_MESSAGE = 'Certificate "in use", cannot deactivate';

const SCENARIO = {
  workSecondsPerFinding: 1,
  mitigationActions: [
    { name: 'DeactivateDeviceCertificate', type: 'UPDATE_DEVICE_CERTIFICATE' },
    { name: 'PublishFindingToSns', type: 'PUBLISH_FINDING_TO_SNS' },
    { name: 'ReplaceDefaultPolicyVersion', type: 'REPLACE_DEFAULT_POLICY_VERSION' },
  ],
  audits: [
    {
      taskId: AUDIT,
      taskType: 'ON_DEMAND_AUDIT_TASK',
      taskStatus: 'COMPLETED',
      taskStartTime: 1764028800,
      checks: {
        [REVOKED]: {
          checkRunStatus: 'COMPLETED_NON_COMPLIANT',
          generateFindings: 40,
          totalResourcesCount: 900,
        },
        [POLICY]: { checkRunStatus: 'COMPLETED_NON_COMPLIANT', generateFindings: 3, totalResourcesCount: 20 },
      },
    },
  ],
  actionOutcomes: [
    {
      action: 'DeactivateDeviceCertificate',
      fraction: 0.25,
      status: 'FAILED',
      errorCode: 'INVALID_STATE_OF_RESOURCE',
      message: FAILURE_MESSAGE,
    },
  ],
};

/** An explicit config: both checks automatic, nothing protected. */
const CONFIG = {
  mode: 'apply',
  acceptAuditStatuses: ['COMPLETED'],
  defaultPolicy: 'auto',
  // One task: its failures are retried elsewhere (retry-failed-findings.test.ts).
  retryFailedFindings: { attempts: 0 },
  actionTypes: {
    DeactivateDeviceCertificate: 'UPDATE_DEVICE_CERTIFICATE',
    PublishFindingToSns: 'PUBLISH_FINDING_TO_SNS',
    ReplaceDefaultPolicyVersion: 'REPLACE_DEFAULT_POLICY_VERSION',
  },
  checks: {
    [REVOKED]: { actions: ['DeactivateDeviceCertificate', 'PublishFindingToSns'] },
    [POLICY]: { actions: ['ReplaceDefaultPolicyVersion'] },
  },
};

let stack: LocalStack;
let detail: Record<string, unknown>;
const savedEnv = { ...process.env };

beforeAll(async () => {
  // Prepare
  stack = await startLocalStack({ scenario: SCENARIO, config: CONFIG, seed: 3 });

  // Act
  putOnBus(stack, [toAuditEvent('test', { taskId: AUDIT }).entry]);
  await stack.settled();
  const [only] = [...completionEvents(stack.bus).values()];
  if (!only) throw new Error('no finished event');
  detail = only;
}, 120_000);

afterAll(async () => {
  await stack.close();
  process.env = savedEnv;
});

describe('the findings-level report on the local stack', () => {
  it('is pointed to from the finished event, with its counts', () => {
    const task = stack.emulator.mitigationTasks()[0];
    expect(detail).toMatchObject({
      taskId: task?.taskId,
      outcome: 'FAILED',
      report: {
        bucket: LOCAL_REPORT_BUCKET,
        key: `reports/${task?.taskId}/findings.jsonl`,
        summaryKey: `reports/${task?.taskId}/summary.json`,
        rows: 43,
        partial: false,
      },
    });
    expect(detail).not.toHaveProperty('reportError');
    expect(stack.bus.events().filter((e) => e['detail-type'] === TASK_FINISHED_DETAIL_TYPE)).toHaveLength(1);
  });

  it('lists every failed finding in local S3 with the action, error code and message IoT gave', () => {
    // Prepare
    const report = detail.report as { key: string; failed: number; errorCodes: Record<string, number> };
    const rows = parseJsonLines(stack.s3.getText(LOCAL_REPORT_BUCKET, report.key) ?? '');
    const failed = rows.filter((r) => r.outcome === 'FAILED');
    const statistics = (detail.taskStatistics as Record<string, Record<string, number>>)[REVOKED];

    // Assess: the statistics IoT gave and the rows agree, finding by finding.
    expect(failed.length).toBeGreaterThan(0);
    expect(failed).toHaveLength(statistics?.FailedFindingsCount ?? -1);
    expect(report.failed).toBe(failed.length);
    expect(report.errorCodes).toEqual({ INVALID_STATE_OF_RESOURCE: failed.length });
    for (const row of failed) {
      expect(row.check).toBe(REVOKED);
      expect(row.resourceType).toBe('DEVICE_CERTIFICATE');
      expect(row.resource).toMatch(/^[0-9a-f]{64}$/);
      // The failed action, then the action IoT skipped after it.
      expect(row.actions).toEqual([
        {
          actionName: 'DeactivateDeviceCertificate',
          status: 'FAILED',
          errorCode: 'INVALID_STATE_OF_RESOURCE',
          message: FAILURE_MESSAGE,
        },
        { actionName: 'PublishFindingToSns', status: 'SKIPPED' },
      ]);
    }
    // Grouped by check, failures first within it.
    const revoked = rows.filter((r) => r.check === REVOKED);
    expect(revoked.map((r) => r.outcome)).toEqual([
      ...failed.map(() => 'FAILED'),
      ...Array.from({ length: 40 - failed.length }, () => 'SUCCEEDED'),
    ]);
  });

  it('reads executions only for the check with failures: the other is reported from its statistics', () => {
    // Prepare
    const key = (detail.report as { summaryKey: string }).summaryKey;
    const summary = JSON.parse(stack.s3.getText(LOCAL_REPORT_BUCKET, key) ?? '{}') as Record<string, unknown>;
    const rows = parseJsonLines(
      stack.s3.getText(LOCAL_REPORT_BUCKET, (detail.report as { key: string }).key) ?? '',
    );

    // Assess
    expect(summary).toMatchObject({ executionReads: 40, rows: 43, byCheck: { [POLICY]: { SUCCEEDED: 3 } } });
    for (const row of rows.filter((r) => r.check === POLICY)) expect(row.actions).toBeUndefined();
    expect(stack.s3.keys(LOCAL_REPORT_BUCKET)).toEqual([
      (detail.report as { key: string }).key,
      (detail.report as { summaryKey: string }).summaryKey,
    ]);
  });
});
