import * as z from 'zod';
import { InvalidEventError, TaskFinishedDetailSchema, toStatisticsRows } from '../core';
import { toProblems } from '../core/zod-problems';
import type { Log } from './ports';

export interface OutcomeMetrics {
  count(name: 'TasksFinished' | 'TasksFailed', value: number): void;
  countForCheck(
    name: 'FindingsSucceeded' | 'FindingsFailed' | 'FindingsSkipped' | 'FindingsCanceled',
    checkName: string,
    value: number,
  ): void;
}

const TaskFinishedEventSchema = z.object({ detail: TaskFinishedDetailSchema });

/** Reports one finished workflow: a log line with its outcome and statistics, and per-check metrics. */
export function createRecordOutcome(deps: { logger: Log; metrics: OutcomeMetrics }) {
  return async function recordOutcome(event: unknown): Promise<{ outcome: string; checks: number }> {
    const parsed = TaskFinishedEventSchema.safeParse(event);
    if (!parsed.success) throw new InvalidEventError(toProblems(parsed.error));
    const { detail } = parsed.data;
    const rows = toStatisticsRows(detail.taskStatistics);
    deps.logger.appendKeys({ auditTaskId: detail.auditTaskId, mitigationTaskId: detail.taskId });
    deps.logger.info('Mitigation task finished', {
      outcome: detail.outcome,
      polls: detail.polls,
      statistics: rows,
    });
    deps.metrics.count('TasksFinished', 1);
    if (detail.outcome !== 'COMPLETED') deps.metrics.count('TasksFailed', 1);
    for (const row of rows) {
      deps.metrics.countForCheck('FindingsSucceeded', row.check, row.succeeded);
      deps.metrics.countForCheck('FindingsFailed', row.check, row.failed);
      deps.metrics.countForCheck('FindingsSkipped', row.check, row.skipped);
      deps.metrics.countForCheck('FindingsCanceled', row.check, row.canceled);
    }
    return { outcome: detail.outcome, checks: rows.length };
  };
}
