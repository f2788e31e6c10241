import {
  FINAL_TASK_OUTCOMES,
  finishedEventId,
  InvalidEventError,
  TaskFinishedDetailSchema,
  toStatisticsRows,
  type WorkflowOutcome,
} from '../core';
import * as z from '../core/zod';
import { toProblems } from '../core/zod-problems';
import type { Log, OutcomeLedger } from './ports';

export interface OutcomeMetrics {
  count(
    name: 'TasksFinished' | 'TasksFailed' | 'TasksApproved' | 'TasksRejected' | 'ApprovalsExpired',
    value: number,
  ): void;
  countForCheck(
    name: 'FindingsSucceeded' | 'FindingsFailed' | 'FindingsSkipped' | 'FindingsCanceled',
    checkName: string,
    value: number,
  ): void;
}

const TaskFinishedEventSchema = z.object({ detail: TaskFinishedDetailSchema });

/**
 * The outcome's own counter besides TasksFinished: a rejection or an expired approval is an operator's
 * (non-)decision, not a failed task, so it is counted apart from TasksFailed.
 */
const OUTCOME_COUNTER: Partial<Record<WorkflowOutcome, 'TasksRejected' | 'ApprovalsExpired'>> = {
  REJECTED: 'TasksRejected',
  APPROVAL_EXPIRED: 'ApprovalsExpired',
};

/**
 * Reports one finished workflow: a log line with its outcome and statistics, and per-check metrics,
 * once per finished event (`recorded: false` for a duplicate, which publishes nothing).
 */
export function createRecordOutcome(deps: { logger: Log; metrics: OutcomeMetrics; ledger: OutcomeLedger }) {
  return async function recordOutcome(
    event: unknown,
  ): Promise<{ outcome: string; checks: number; recorded: boolean }> {
    const parsed = TaskFinishedEventSchema.safeParse(event);
    if (!parsed.success) throw new InvalidEventError(toProblems(parsed.error));
    const { detail } = parsed.data;
    const rows = toStatisticsRows(detail.taskStatistics);
    const eventId = finishedEventId(detail);
    deps.logger.appendKeys({ auditTaskId: detail.auditTaskId, mitigationTaskId: detail.taskId });
    // Claimed before anything is published: a crash after the claim loses this event's metrics, where
    // publishing first would count a retried event twice on the dashboard.
    if (!(await deps.ledger.claim(eventId))) {
      deps.logger.info('Duplicate finished event ignored', { eventId });
      return { outcome: detail.outcome, checks: rows.length, recorded: false };
    }
    deps.logger.info('Mitigation task finished', {
      eventId,
      outcome: detail.outcome,
      polls: detail.polls,
      statistics: rows,
      ...(detail.policy !== undefined ? { policy: detail.policy } : {}),
      ...(detail.protectedCount !== undefined ? { protectedCount: detail.protectedCount } : {}),
      // Who decided, why and when (the decision record carries no task token).
      ...(detail.decision ? { decision: detail.decision } : {}),
    });
    deps.metrics.count('TasksFinished', 1);
    const counter = OUTCOME_COUNTER[detail.outcome];
    if (counter !== undefined) deps.metrics.count(counter, 1);
    else if (detail.outcome !== 'COMPLETED') deps.metrics.count('TasksFailed', 1);
    if (detail.decision?.decision === 'APPROVED') deps.metrics.count('TasksApproved', 1);
    // A DEADLINE_EXCEEDED task is still running: its statistics are partial, and a workflow that
    // follows it again reports it once more when it ends, so only final statistics are counted.
    if (FINAL_TASK_OUTCOMES.includes(detail.outcome)) {
      for (const row of rows) {
        deps.metrics.countForCheck('FindingsSucceeded', row.check, row.succeeded);
        deps.metrics.countForCheck('FindingsFailed', row.check, row.failed);
        deps.metrics.countForCheck('FindingsSkipped', row.check, row.skipped);
        deps.metrics.countForCheck('FindingsCanceled', row.check, row.canceled);
      }
    }
    return { outcome: detail.outcome, checks: rows.length, recorded: true };
  };
}
