import {
  type AuditFinding,
  type CheckFindings,
  type CheckVerification,
  distinctResources,
  InvalidInputError,
  looksUpEachResource,
  mitigatedChecks,
  targetedFindings,
  toStatisticsRows,
  VERIFICATION_FINDING_PAGES,
  type VerificationDetail,
  verificationTotals,
  verifyCheck,
} from '../core';
import * as z from '../core/zod';
import { toProblems } from '../core/zod-problems';
import type { FindingsApi, Log, VerificationApi, VerificationRecords } from './ports';

/** The state machine's request to plan a verification (PlanVerification). */
export const PlanVerificationInputSchema = z.object({
  action: z.literal('plan'),
  taskId: z.string().check(z.minLength(1), z.maxLength(128)),
});

/** The state machine's request to judge a finished verification audit (SummariseVerification). */
export const SummariseVerificationInputSchema = z.object({
  action: z.literal('summarise'),
  eventId: z.string().check(z.minLength(1), z.maxLength(80)),
  taskId: z.string().check(z.minLength(1), z.maxLength(128)),
  auditTaskId: z.string().check(z.minLength(1), z.maxLength(40)),
  verificationAuditTaskId: z.string().check(z.minLength(1), z.maxLength(40)),
  checkNames: z.array(z.string().check(z.minLength(1))).check(z.minLength(1)),
});

/** The state machine's request to record the verification audit it started (RecordVerificationAudit). */
export const RecordVerificationInputSchema = z.object({
  action: z.literal('record'),
  taskId: z.string().check(z.minLength(1), z.maxLength(128)),
  verificationAuditTaskId: z.string().check(z.minLength(1), z.maxLength(40)),
});

export const VerifyAuditInputSchema = z.discriminatedUnion('action', [
  PlanVerificationInputSchema,
  RecordVerificationInputSchema,
  SummariseVerificationInputSchema,
]);
export type VerifyAuditInput = z.infer<typeof VerifyAuditInputSchema>;

/** What PlanVerification answers: the checks to audit again (sorted), none when nothing was mitigated. */
export interface VerificationPlan {
  readonly verify: boolean;
  readonly checkNames: string[];
}

export interface VerifyAuditDependencies {
  readonly iot: VerificationApi;
  readonly findings: FindingsApi;
  /** Where the verification audits are recorded, so that their notifications are recognised. */
  readonly records: VerificationRecords;
  readonly logger: Log;
  /** Pages of ListAuditFindings per check and audit (VERIFICATION_FINDING_PAGES by default). */
  readonly maxPages?: number;
}

/**
 * The verification audit's steps in the workflow, reading IoT's own records (never the finished
 * event, which anyone allowed to put events could forge):
 * - plan: the checks the task mitigated something in (DescribeAuditMitigationActionsTask statistics);
 * - record: the audit just started is a verification audit (the record start-mitigation reads);
 * - summarise: per check, IoT's non-compliant counts before and after, and each resource the task
 *   targeted (the remediated audit's findings) judged against the verification audit's findings.
 */
export function createVerifyAudit(deps: VerifyAuditDependencies) {
  const { iot, findings, logger } = deps;
  const maxPages = deps.maxPages ?? VERIFICATION_FINDING_PAGES;

  async function plan(taskId: string): Promise<VerificationPlan> {
    const task = await iot.describeTask(taskId);
    const checkNames = mitigatedChecks(task.statistics);
    logger.info('Verification planned', { taskStatus: task.status, checkNames });
    return { verify: checkNames.length > 0, checkNames };
  }

  /**
   * The verification audit's findings of a check that can name the targeted resources: one lookup
   * per resource when that takes fewer calls than listing the check (looksUpEachResource), else the
   * listing. One call at a time: ListAuditFindings allows 10 calls per second per account.
   */
  async function readVerificationFindings(
    verificationAuditTaskId: string,
    check: string,
    targeted: readonly AuditFinding[],
    nonCompliantAfter: number | undefined,
  ): Promise<CheckFindings> {
    const resources = distinctResources(targeted);
    if (!looksUpEachResource(resources.length, nonCompliantAfter, maxPages))
      return findings.listFindings(verificationAuditTaskId, check, maxPages);
    const found: AuditFinding[] = [];
    let complete = true;
    for (const resource of resources) {
      const read = await findings.findingsOfResource(verificationAuditTaskId, check, resource);
      found.push(...read.findings);
      // A resource found is judged whatever else remained; one not found on a cut page is not.
      if (!read.complete && read.findings.length === 0) complete = false;
    }
    return { findings: found, complete };
  }

  async function summarise(
    input: z.infer<typeof SummariseVerificationInputSchema>,
  ): Promise<VerificationDetail> {
    const checkNames = [...new Set(input.checkNames)].sort();
    const [task, before, after] = await Promise.all([
      iot.describeTask(input.taskId),
      iot.describeAudit(input.auditTaskId),
      iot.describeAudit(input.verificationAuditTaskId),
    ]);
    const succeeded = new Map(toStatisticsRows(task.statistics).map((row) => [row.check, row.succeeded]));
    const checks: CheckVerification[] = [];
    // One check at a time: ListAuditFindings allows 10 calls per second per account.
    for (const check of checkNames) {
      const targetedRead = await findings.listFindings(input.auditTaskId, check, maxPages);
      const targeted = targetedFindings(targetedRead.findings, task.target, check);
      const nonCompliantAfter = after.auditDetails?.[check]?.nonCompliantResourcesCount;
      const afterRead = await readVerificationFindings(
        input.verificationAuditTaskId,
        check,
        targeted,
        nonCompliantAfter,
      );
      checks.push(
        verifyCheck({
          check,
          nonCompliantBefore: before.auditDetails?.[check]?.nonCompliantResourcesCount,
          nonCompliantAfter,
          checkRunStatus: after.auditDetails?.[check]?.checkRunStatus,
          succeededFindings: succeeded.get(check) ?? 0,
          targeted,
          targetedComplete: targetedRead.complete,
          // Suppressed findings are still non-compliant resources: they count as not fixed.
          after: afterRead.findings,
          afterComplete: afterRead.complete,
        }),
      );
    }
    const detail: VerificationDetail = {
      eventId: input.eventId,
      taskId: input.taskId,
      auditTaskId: input.auditTaskId,
      verificationAuditTaskId: input.verificationAuditTaskId,
      outcome: 'VERIFIED',
      verificationAuditStatus: after.taskStatus ?? null,
      checks,
      totals: verificationTotals(checks),
    };
    logger.info('Verification judged', {
      verificationAuditTaskId: input.verificationAuditTaskId,
      totals: detail.totals,
    });
    return detail;
  }

  async function record(taskId: string, verificationAuditTaskId: string): Promise<{ recorded: true }> {
    await deps.records.record(verificationAuditTaskId, taskId);
    logger.info('Verification audit recorded', { verificationAuditTaskId });
    return { recorded: true };
  }

  return async function verifyAudit(
    event: unknown,
  ): Promise<VerificationPlan | VerificationDetail | { recorded: true }> {
    const parsed = VerifyAuditInputSchema.safeParse(event);
    if (!parsed.success)
      throw new InvalidInputError('invalid verification request', toProblems(parsed.error));
    const input = parsed.data;
    logger.appendKeys({ mitigationTaskId: input.taskId });
    if (input.action === 'plan') return plan(input.taskId);
    if (input.action === 'record') return record(input.taskId, input.verificationAuditTaskId);
    return summarise(input);
  };
}
