import {
  type FailedFinding,
  parseJsonLines,
  planRetry,
  type RetryStepInput,
  reportKeys,
  toStepFunctionsStartRequest,
  type WorkflowInput,
} from '../core';
import { followTask } from './follow-task';
import type { Log, ReportStore, RetryCounters, WorkflowApi } from './ports';

/** What the retry step did, for the workflow's output and the logs. */
export type RetryStepOutcome =
  | {
      readonly action: 'retry';
      readonly attempt: number;
      readonly findings: number;
      readonly taskIds: string[];
      readonly leftOut: number;
    }
  | { readonly action: 'give-up'; readonly reason: string; readonly stillFailing: number };

export interface RetryFailedFindingsDependencies {
  readonly reports: ReportStore;
  readonly prefix: string;
  readonly workflows: WorkflowApi;
  readonly logger: Log;
  readonly counters?: RetryCounters;
}

/**
 * The retry step of a workflow whose task ended with failed findings: reads them from the task's
 * report (never from the event), plans the follow-up (src/core/retry.ts) and starts one workflow per
 * retry task, with a deferred start so that the state machine starts it under the same back-pressure
 * as any other. Execution names are the retry task ids: a repeated step finds them and starts nothing.
 */
export function createRetryFailedFindings(deps: RetryFailedFindingsDependencies) {
  const { logger } = deps;
  return async function retryFailedFindings(input: RetryStepInput): Promise<RetryStepOutcome> {
    const key = reportKeys(deps.prefix, input.taskId).rows;
    const text = await deps.reports.get(key);
    if (text === undefined) throw new Error(`no report of task ${input.taskId} at ${key}`);
    const failed: FailedFinding[] = parseJsonLines(text)
      .filter((row) => row.outcome === 'FAILED')
      .map((row) => ({ findingId: row.findingId, check: row.check }));
    const plan = planRetry({
      taskId: input.taskId,
      auditTaskId: input.auditTaskId,
      retry: input.retry,
      failed,
      mapping: input.mapping,
    });
    if (plan.action === 'give-up') {
      if (plan.stillFailing > 0) deps.counters?.count('FindingsStillFailing', plan.stillFailing);
      logger.warn('Failed findings not retried', { reason: plan.reason, stillFailing: plan.stillFailing });
      return plan;
    }
    const taskIds: string[] = [];
    for (const request of plan.requests) {
      const workflow: WorkflowInput = {
        taskId: request.taskId,
        auditTaskId: input.auditTaskId,
        deferredStart: true,
        startRequest: toStepFunctionsStartRequest(request),
        pollDeadlineSeconds: input.pollDeadlineSeconds,
        skipped: [],
        follow: 1,
        // The original task was automatic or approved: its retry runs without asking again.
        policy: 'auto',
        protectedCount: 0,
        decision: null,
        ...(input.verify !== undefined ? { verify: input.verify } : {}),
        retryFailed: { ...input.retry, attempt: plan.attempt },
      };
      const execution = await followTask(deps.workflows, workflow);
      taskIds.push(request.taskId);
      logger.info('Retry of failed findings handed to the workflow', {
        retryTaskId: request.taskId,
        attempt: plan.attempt,
        findings: 'findingIds' in request.target ? request.target.findingIds?.length : undefined,
        execution: execution.executionName,
        executionStatus: execution.status,
      });
    }
    const findings = plan.requests.reduce(
      (n, r) => n + ('findingIds' in r.target ? (r.target.findingIds?.length ?? 0) : 0),
      0,
    );
    deps.counters?.count('FindingsRetried', findings);
    return { action: 'retry', attempt: plan.attempt, findings, taskIds, leftOut: plan.leftOut };
  };
}
