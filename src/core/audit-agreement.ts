import type { AuditCompletion } from './audit-event';
import type { AuditSummary, CheckResult } from './audit-summary';
import type { Disagreement } from './errors';

/**
 * What the event claims of the audit that IoT's record contradicts, among what decides the plan:
 * the audit's status, the set of checks, each check's run status and non-compliant count. A check
 * the event names twice is compared twice, so a count split in two cannot pass.
 */
export function auditDisagreements(claimed: AuditSummary, actual: AuditSummary): Disagreement[] {
  const found: Disagreement[] = [];
  if (claimed.taskStatus !== actual.taskStatus) {
    found.push({ field: 'taskStatus', event: claimed.taskStatus, actual: actual.taskStatus });
  }
  const actualChecks = new Map<string, CheckResult>(actual.checks.map((c) => [c.checkName, c]));
  const claimedNames = new Set<string>();
  for (const check of claimed.checks) {
    claimedNames.add(check.checkName);
    const fact = actualChecks.get(check.checkName);
    if (fact === undefined) {
      found.push({ field: 'checkName', check: check.checkName, event: 'present', actual: 'absent' });
      continue;
    }
    if (check.checkRunStatus !== fact.checkRunStatus) {
      found.push({
        field: 'checkRunStatus',
        check: check.checkName,
        event: check.checkRunStatus,
        actual: fact.checkRunStatus,
      });
    }
    if (check.nonCompliantResourcesCount !== fact.nonCompliantResourcesCount) {
      found.push({
        field: 'nonCompliantResourcesCount',
        check: check.checkName,
        event: check.nonCompliantResourcesCount,
        actual: fact.nonCompliantResourcesCount,
      });
    }
  }
  for (const fact of actual.checks) {
    if (!claimedNames.has(fact.checkName)) {
      found.push({ field: 'checkName', check: fact.checkName, event: 'absent', actual: 'present' });
    }
  }
  return found;
}

/**
 * The accounts an audit-completion input names that are not `accountId` (the function's own): the
 * EventBridge envelope's `account` (the account that put the event) and the detail's `accountId`.
 */
export function accountDisagreements(completion: AuditCompletion, accountId: string): Disagreement[] {
  const claimed: Array<[field: string, value: string | undefined]> = [
    ['account', completion.envelopeAccount],
    [
      'accountId',
      completion.kind === 'notification' ? completion.notification.accountId : completion.accountId,
    ],
  ];
  return claimed
    .filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== accountId)
    .map(([field, value]) => ({ field, event: value, actual: accountId }));
}
