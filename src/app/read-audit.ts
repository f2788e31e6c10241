import {
  type AuditCompletion,
  type AuditSummary,
  type DescribedAuditTask,
  summariseDescribedAudit,
  summariseNotification,
} from '../core';

/**
 * The audit an audit-completion input names: from the notification it carries, or, for a minimal
 * event (only the audit task id), read with DescribeAuditTask through `describeAudit`.
 */
export async function readAudit(
  completion: AuditCompletion,
  describeAudit: (auditTaskId: string) => Promise<DescribedAuditTask>,
): Promise<AuditSummary> {
  if (completion.kind === 'notification') return summariseNotification(completion.notification);
  return summariseDescribedAudit(completion.auditTaskId, await describeAudit(completion.auditTaskId));
}
