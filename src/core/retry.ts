import { parseIsoDurationSeconds } from './duration';
import {
  MAX_FINDING_IDS_PER_TASK,
  MAX_TASK_ID_LENGTH,
  type StartMitigationRequest,
  TASK_ID_PREFIX,
  withDerivedIds,
} from './start-request';
import * as z from './zod';

/**
 * Retry of failed findings: when a task ends with findings whose actions failed, a bounded
 * follow-up starts tasks that target only those findings (findingIds, 1 to 25 a task), after a
 * delay, with ids derived from the task, the attempt and the findings: never random, so a
 * redelivered or retried step starts nothing twice. After the last attempt nothing is started
 * again: the findings that still fail stay in the last report and are counted.
 */

/** Most follow-up attempts a config may ask for: every attempt is a task per 25 findings. */
export const MAX_RETRY_ATTEMPTS = 3;
/** Longest delay before a retry: one week (a Wait state's seconds; a Standard execution lasts a year). */
export const MAX_RETRY_DELAY_SECONDS = 604_800;
/** Findings one retry may target in all (10 tasks of 25): past it, the rest are left to the report. */
export const MAX_RETRIED_FINDINGS = 250;

/** `retryFailedFindings` in the config: how many follow-ups, and how long after the task ended. */
export const RetryFailedFindingsSchema = z.strictObject({
  attempts: z._default(z.number().check(z.int(), z.minimum(0), z.maximum(MAX_RETRY_ATTEMPTS)), 1),
  /** ISO-8601 duration of weeks, days, hours, minutes or seconds (PT15M). */
  delay: z._default(z.string(), 'PT15M').check(
    z.superRefine((text, ctx) => {
      const seconds = parseIsoDurationSeconds(text);
      if (seconds === undefined)
        ctx.addIssue({
          code: 'custom',
          message: `'${text}' is not an ISO-8601 duration (e.g. PT15M, PT1H)`,
        });
      else if (seconds > MAX_RETRY_DELAY_SECONDS)
        ctx.addIssue({
          code: 'custom',
          message: `'${text}' is ${seconds} s; at most ${MAX_RETRY_DELAY_SECONDS} s (P7D)`,
        });
    }),
  ),
});
export type RetryFailedFindings = z.infer<typeof RetryFailedFindingsSchema>;

/** The retry settings a workflow carries: which attempt it is (0 for the task the audit planned). */
export const WorkflowRetrySchema = z.object({
  attempt: z.number().check(z.int(), z.minimum(0), z.maximum(MAX_RETRY_ATTEMPTS)),
  attempts: z.number().check(z.int(), z.minimum(0), z.maximum(MAX_RETRY_ATTEMPTS)),
  delaySeconds: z.number().check(z.int(), z.minimum(0), z.maximum(MAX_RETRY_DELAY_SECONDS)),
});
export type WorkflowRetry = z.infer<typeof WorkflowRetrySchema>;

/** The settings of a task the audit planned (attempt 0). */
export function workflowRetryOf(config: RetryFailedFindings): WorkflowRetry {
  return {
    attempt: 0,
    attempts: config.attempts,
    delaySeconds: parseIsoDurationSeconds(config.delay) ?? 0,
  };
}

/** A finding whose action failed: its id and check (from the task's report). */
export interface FailedFinding {
  readonly findingId: string;
  readonly check: string;
}

const RETRY_SUFFIX = /-r\d+-\d+$/;

/**
 * The group a retry task belongs to: the original task's group (`auto`, `approve-2`, ...) without
 * any earlier retry suffix, so that attempt n of a retry is named after the original task.
 */
export function originalGroupOf(taskId: string, auditTaskId: string): string {
  const prefix = `${TASK_ID_PREFIX}${auditTaskId}-`;
  const group = taskId.startsWith(prefix) ? taskId.slice(prefix.length) : taskId;
  return group.replace(RETRY_SUFFIX, '');
}

/** What a retry step does: start these tasks, or give up on the findings that still fail. */
export type RetryPlan =
  | {
      readonly action: 'retry';
      readonly attempt: number;
      readonly requests: StartMitigationRequest[];
      readonly leftOut: number;
    }
  | { readonly action: 'give-up'; readonly reason: string; readonly stillFailing: number };

/**
 * Plans the retry of a task's failed findings: sorted, deduplicated finding ids (the ids feed the
 * token), batches of 25, each targeting only its findings with the original mapping of their
 * checks. Task ids: `remediate-<audit>-<group>-r<attempt>-<k>`.
 */
export function planRetry(input: {
  readonly taskId: string;
  readonly auditTaskId: string;
  readonly retry: WorkflowRetry;
  readonly failed: readonly FailedFinding[];
  readonly mapping: Readonly<Record<string, readonly string[]>>;
}): RetryPlan {
  const { retry } = input;
  const byId = new Map<string, FailedFinding>();
  for (const f of input.failed) if (input.mapping[f.check]) byId.set(f.findingId, f);
  const failed = [...byId.values()].sort((a, b) =>
    a.findingId < b.findingId ? -1 : a.findingId > b.findingId ? 1 : 0,
  );
  if (failed.length === 0)
    return { action: 'give-up', reason: 'no failed finding of a mitigated check', stillFailing: 0 };
  if (retry.attempt >= retry.attempts)
    return {
      action: 'give-up',
      reason: `${retry.attempts} retry attempt(s) made; these findings still fail`,
      stillFailing: failed.length,
    };
  const attempt = retry.attempt + 1;
  const retried = failed.slice(0, MAX_RETRIED_FINDINGS);
  const group = originalGroupOf(input.taskId, input.auditTaskId);
  const requests: StartMitigationRequest[] = [];
  for (let k = 0; k * MAX_FINDING_IDS_PER_TASK < retried.length; k++) {
    const batch = retried.slice(k * MAX_FINDING_IDS_PER_TASK, (k + 1) * MAX_FINDING_IDS_PER_TASK);
    const checks = [...new Set(batch.map((f) => f.check))].sort();
    const request = withDerivedIds(input.auditTaskId, `${group}-r${attempt}-${k + 1}`, {
      target: { findingIds: batch.map((f) => f.findingId) },
      auditCheckToActionsMapping: Object.fromEntries(checks.map((c) => [c, [...(input.mapping[c] ?? [])]])),
    });
    if (request.taskId.length > MAX_TASK_ID_LENGTH)
      throw new Error(`retry task id ${request.taskId} is longer than ${MAX_TASK_ID_LENGTH} characters`);
    requests.push(request);
  }
  return { action: 'retry', attempt, requests, leftOut: failed.length - retried.length };
}

/** The retry step's payload (RetryFailedFindings state): the task that ended, its retry settings and mapping. */
export const RetryStepInputSchema = z.object({
  taskId: z.string().check(z.minLength(1), z.maxLength(128)),
  auditTaskId: z.string().check(z.minLength(1), z.maxLength(40)),
  retry: WorkflowRetrySchema,
  /** The task's StartAuditMitigationActionsTask mapping (PascalCase input: check names as keys). */
  mapping: z.record(z.string(), z.array(z.string())),
  pollDeadlineSeconds: z.number().check(z.int(), z.positive()),
  verify: z.optional(z.boolean()),
});
export type RetryStepInput = z.infer<typeof RetryStepInputSchema>;
