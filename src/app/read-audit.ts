import {
  type AuditCompletion,
  type AuditSummary,
  auditDisagreements,
  type DescribedAuditTask,
  EventMismatchError,
  summariseDescribedAudit,
  summariseNotification,
} from '../core';
import { AuditNotFoundError } from './ports';

/** The audit task id an audit-completion input names. */
export function auditTaskIdOf(completion: AuditCompletion): string {
  return completion.kind === 'notification' ? completion.notification.taskId : completion.auditTaskId;
}

/**
 * The audit an audit-completion input names, as IoT records it (DescribeAuditTask through
 * `describeAudit`): what the plan is made from, since anyone allowed to put events can forge one.
 * A notification must say what IoT says (status, checks, run statuses, non-compliant counts);
 * otherwise EventMismatchError lists every difference.
 */
export async function readAudit(
  completion: AuditCompletion,
  describeAudit: (auditTaskId: string) => Promise<DescribedAuditTask>,
): Promise<AuditSummary> {
  const auditTaskId = auditTaskIdOf(completion);
  const described = await describeAudit(auditTaskId).catch((error: unknown) => {
    if (!(error instanceof AuditNotFoundError)) throw error;
    throw new EventMismatchError([{ field: 'taskId', event: auditTaskId, actual: 'no such audit' }], {
      cause: error,
    });
  });
  const audit = summariseDescribedAudit(auditTaskId, described);
  if (completion.kind === 'notification') {
    const disagreements = auditDisagreements(summariseNotification(completion.notification), audit);
    if (disagreements.length > 0) throw new EventMismatchError(disagreements);
  }
  return audit;
}
