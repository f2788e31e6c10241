import { InvalidEventError, VerificationDetailSchema, verificationEventKey } from '../core';
import * as z from '../core/zod';
import { toProblems } from '../core/zod-problems';
import type { Log, OutcomeLedger } from './ports';

export interface VerificationMetrics {
  count(name: 'VerificationsFailed' | 'ResourcesStillNonCompliant', value: number): void;
  countForCheck(
    name: 'ResourcesVerifiedFixed' | 'ResourcesStillNonCompliant',
    checkName: string,
    value: number,
  ): void;
}

const VerificationEventSchema = z.object({ detail: VerificationDetailSchema });

/**
 * Reports one "Audit Verification Finished" event: a log line with the per-check result and the
 * ResourcesVerifiedFixed / ResourcesStillNonCompliant metrics per check, once per event (claimed in the
 * outcome ledger under its own key, apart from the task's finished event of the same execution).
 */
export function createRecordVerification(deps: {
  logger: Log;
  metrics: VerificationMetrics;
  ledger: OutcomeLedger;
}) {
  return async function recordVerification(
    event: unknown,
  ): Promise<{ outcome: string; checks: number; recorded: boolean }> {
    const parsed = VerificationEventSchema.safeParse(event);
    if (!parsed.success) throw new InvalidEventError(toProblems(parsed.error));
    const { detail } = parsed.data;
    deps.logger.appendKeys({ auditTaskId: detail.auditTaskId, mitigationTaskId: detail.taskId });
    const result = { outcome: detail.outcome, checks: detail.checks.length };
    if (!(await deps.ledger.claim(verificationEventKey(detail.eventId)))) {
      deps.logger.info('Duplicate verification event ignored', { eventId: detail.eventId });
      return { ...result, recorded: false };
    }
    deps.logger.info('Mitigation verified', {
      eventId: detail.eventId,
      outcome: detail.outcome,
      verificationAuditTaskId: detail.verificationAuditTaskId,
      totals: detail.totals,
      checks: detail.checks.map(({ stillNonCompliantResources: _, ...counts }) => counts),
      ...(detail.error ? { error: detail.error } : {}),
    });
    if (detail.outcome === 'VERIFICATION_FAILED') deps.metrics.count('VerificationsFailed', 1);
    // The total as well, without CheckName: what the alarm watches (an alarm cannot SEARCH dimensions).
    deps.metrics.count('ResourcesStillNonCompliant', detail.totals.stillNonCompliant);
    for (const check of detail.checks) {
      deps.metrics.countForCheck('ResourcesVerifiedFixed', check.check, check.fixed);
      deps.metrics.countForCheck('ResourcesStillNonCompliant', check.check, check.stillNonCompliant);
    }
    return { ...result, recorded: true };
  };
}
