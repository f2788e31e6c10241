import type { AuditNotification } from './audit-event';
import { type AuditCheckName, isAuditCheckName, toApiCheckName } from './check-catalog';

/** The result of one check of an audit, whatever source it was read from. */
export interface CheckResult {
  /** API name, or the raw name when the catalog does not know it (reported as skipped). */
  readonly checkName: string;
  readonly known: boolean;
  readonly checkRunStatus: string;
  readonly nonCompliantResourcesCount: number;
  readonly totalResourcesCount: number;
  readonly errorCode?: string;
}

/** What the planner needs to know of an audit. */
export interface AuditSummary {
  readonly auditTaskId: string;
  readonly taskStatus: string;
  readonly taskType?: string;
  readonly scheduledAuditName?: string;
  readonly checks: readonly CheckResult[];
}

/** The audit as the completion notification reports it. */
export function summariseNotification(notification: AuditNotification): AuditSummary {
  return {
    auditTaskId: notification.taskId,
    taskStatus: notification.taskStatus,
    taskType: notification.taskType,
    scheduledAuditName: notification.scheduledAuditName,
    checks: notification.auditDetails.map((detail) => ({
      checkName: detail.checkName,
      known: isAuditCheckName(detail.checkName),
      checkRunStatus: detail.checkRunStatus,
      nonCompliantResourcesCount: detail.nonCompliantResourcesCount,
      totalResourcesCount: detail.totalResourcesCount,
      errorCode: detail.errorCode,
    })),
  };
}

/** The fields of a DescribeAuditTask answer that the planner reads (plain data, no SDK types). */
export interface DescribedAuditTask {
  readonly taskStatus?: string;
  readonly taskType?: string;
  readonly scheduledAuditName?: string;
  readonly auditDetails?: Readonly<
    Record<
      string,
      {
        readonly checkRunStatus?: string;
        readonly nonCompliantResourcesCount?: number;
        readonly totalResourcesCount?: number;
        readonly errorCode?: string;
      }
    >
  >;
}

/** The audit as DescribeAuditTask reports it: how a minimal event (only the audit task id) is filled in. */
export function summariseDescribedAudit(auditTaskId: string, described: DescribedAuditTask): AuditSummary {
  return {
    auditTaskId,
    taskStatus: described.taskStatus ?? 'UNKNOWN',
    taskType: described.taskType,
    scheduledAuditName: described.scheduledAuditName,
    checks: Object.entries(described.auditDetails ?? {}).map(([name, detail]) => {
      const apiName: AuditCheckName | undefined = toApiCheckName(name);
      return {
        checkName: apiName ?? name,
        known: apiName !== undefined,
        checkRunStatus: detail.checkRunStatus ?? 'UNKNOWN',
        nonCompliantResourcesCount: detail.nonCompliantResourcesCount ?? 0,
        totalResourcesCount: detail.totalResourcesCount ?? 0,
        errorCode: detail.errorCode,
      };
    }),
  };
}

/**
 * The non-compliant checks of the audit that the catalog does not know: what the plan skips as
 * `unknown check` and the `UnknownChecks` metric counts.
 */
export function unknownNonCompliantChecks(audit: AuditSummary): string[] {
  return audit.checks
    .filter(
      (c) => !c.known && c.checkRunStatus === 'COMPLETED_NON_COMPLIANT' && c.nonCompliantResourcesCount > 0,
    )
    .map((c) => c.checkName);
}
