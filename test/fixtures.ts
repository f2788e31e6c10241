import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Log } from '../src/app/ports';

/** Reads a JSON file relative to the repository root. */
export function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** The sample events of events/, by file name. */
export function sampleEvents(): Array<[string, unknown]> {
  return readdirSync('events')
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => [f, readJson(join('events', f))]);
}

/**
 * The shipped config (config/remediation.json) with every check's policy `auto` and no retry of
 * failed findings: for the tests of the start and follow path, written for one task per audit,
 * started at once; the shipped config sends its destructive checks through the approval gate
 * instead (test/integration/approval-flow.test.ts), and retries failed findings once
 * (test/integration/retry-failed-findings.test.ts).
 */
export function allAutoConfig(): Record<string, unknown> {
  const config = readJson('config/remediation.json') as {
    checks: Record<string, Record<string, unknown>>;
  } & Record<string, unknown>;
  return {
    ...config,
    defaultPolicy: 'auto',
    retryFailedFindings: { attempts: 0, delay: 'PT15M' },
    checks: Object.fromEntries(
      Object.entries(config.checks).map(([check, remediation]) => [
        check,
        { ...remediation, policy: 'auto' },
      ]),
    ),
  };
}

/**
 * `allAutoConfig()` written to a new temporary file, for the CLI's `--config`: the commands plan with
 * the shipped config by default, whose destructive checks wait for an approval.
 */
export function allAutoConfigFile(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'iot-remediate-config-')), 'all-auto.json');
  writeFileSync(path, JSON.stringify(allAutoConfig()));
  return path;
}

/** A logger that says nothing: the use-case tests assert on what the ports were asked, not on logs. */
export const silentLog: Log = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  appendKeys: () => undefined,
};

/**
 * An "Audit Task Completed" event as the bridge puts it on the default bus: EventBridge's envelope
 * (account from the detail's accountId) around `detail`.
 */
export function auditCompletedEvent(
  id: string,
  detail: { readonly accountId?: string } & Record<string, unknown>,
) {
  return {
    version: '0',
    id,
    source: 'custom.iot.devicedefender',
    'detail-type': 'Audit Task Completed',
    account: detail.accountId ?? '123456789012',
    region: 'us-east-1',
    time: '2026-01-01T00:00:00Z',
    resources: [],
    detail,
  };
}

/**
 * Three DEVICE_CERTIFICATE_SHARED_CHECK findings, ids `<prefix>-1` to `-3`, on the certificates
 * 'a' x 64, 'b' x 64 and 'c' x 64, as a scenario audit lists them.
 */
export function sharedCertificateFindings(prefix: string) {
  return ['a', 'b', 'c'].map((c, i) => ({
    findingId: `${prefix}-${i + 1}`,
    reasonCode: 'CERTIFICATE_SHARED_BY_MULTIPLE_DEVICES',
    resourceType: 'DEVICE_CERTIFICATE',
    resourceIdentifier: { deviceCertificateId: c.repeat(64) },
  }));
}

/** One check of an audit-completion notification (`auditDetails[]`). */
export interface NotifiedCheck {
  readonly checkName: string;
  readonly checkRunStatus?: string;
  readonly nonCompliantResourcesCount: number;
  readonly totalResourcesCount: number;
}

/**
 * The detail of an audit-completion event as IoT's notification gives it, its counts derived from
 * its checks (a check's status: non-compliant when it has non-compliant resources, unless given).
 */
export function auditNotificationDetail(
  audit: {
    readonly taskId: string;
    readonly taskStartTime: number;
    readonly accountId?: string;
    readonly taskType?: string;
    readonly scheduledAuditName?: string;
  },
  checks: readonly NotifiedCheck[],
) {
  const details = checks.map((c) => ({
    checkName: c.checkName,
    checkRunStatus:
      c.checkRunStatus ??
      (c.nonCompliantResourcesCount > 0 ? 'COMPLETED_NON_COMPLIANT' : 'COMPLETED_COMPLIANT'),
    nonCompliantResourcesCount: c.nonCompliantResourcesCount,
    totalResourcesCount: c.totalResourcesCount,
  }));
  const count = (status: string) => details.filter((d) => d.checkRunStatus === status).length;
  return {
    accountId: audit.accountId ?? '123456789012',
    taskId: audit.taskId,
    taskStatus: 'COMPLETED',
    taskType: audit.taskType ?? 'ON_DEMAND_AUDIT_TASK',
    ...(audit.scheduledAuditName ? { scheduledAuditName: audit.scheduledAuditName } : {}),
    failedChecksCount: count('FAILED'),
    canceledChecksCount: count('CANCELED'),
    nonCompliantChecksCount: count('COMPLETED_NON_COMPLIANT'),
    compliantChecksCount: count('COMPLETED_COMPLIANT'),
    totalChecksCount: details.length,
    taskStartTime: audit.taskStartTime,
    auditDetails: details,
  };
}
