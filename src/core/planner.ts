import type * as z from 'zod';
import type { AuditSummary } from './audit-summary';
import { isAuditCheckName } from './check-catalog';
import { type RemediationConfig, remediationFor } from './config';
import { PlanConstraintError } from './errors';
import { type StartMitigationRequest, startRequestProblems, withDerivedIds } from './start-request';
import type { SkippedCheckSchema } from './workflow-input';

/** A non-compliant check that the plan leaves out, and why. */
export type SkippedCheck = z.infer<typeof SkippedCheckSchema>;

/** Why a check the catalog does not know is left out (operators read `skipped: unknown check`). */
export const UNKNOWN_CHECK_REASON = 'unknown check';

/** A check the task will mitigate. */
export interface IncludedCheck {
  readonly check: string;
  readonly actions: readonly string[];
  readonly nonCompliantResourcesCount: number;
  readonly reasonCodes?: readonly string[];
}

/** The planner's answer: start this exact request, or start nothing and say why. */
export type MitigationPlan =
  | {
      readonly action: 'start';
      /** `dry-run`: the request is planned and reported, never sent. */
      readonly mode: 'apply' | 'dry-run';
      readonly auditTaskId: string;
      readonly request: StartMitigationRequest;
      readonly included: readonly IncludedCheck[];
      readonly skipped: readonly SkippedCheck[];
    }
  | {
      readonly action: 'skip';
      readonly auditTaskId: string;
      readonly reason: string;
      readonly skipped: readonly SkippedCheck[];
    };

function byCheck(a: { check: string }, b: { check: string }): number {
  return a.check < b.check ? -1 : a.check > b.check ? 1 : 0;
}

/** The distinct strings of `values`, sorted: the canonical form of an array that means a set. */
function sortedSet(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}

function describeRun(check: AuditSummary['checks'][number]): string {
  return check.errorCode ? `${check.checkRunStatus} (${check.errorCode})` : check.checkRunStatus;
}

/**
 * Decides what to mitigate for a finished audit. Pure: the same audit and config always give the
 * same plan, ids included. A check is included when its run is COMPLETED_NON_COMPLIANT with at
 * least one non-compliant resource, the config names actions for it, and its guardrail holds.
 */
export function planMitigation(audit: AuditSummary, config: RemediationConfig): MitigationPlan {
  const auditTaskId = audit.auditTaskId;
  const accepted: readonly string[] = config.acceptAuditStatuses;
  if (!accepted.includes(audit.taskStatus)) {
    return {
      action: 'skip',
      auditTaskId,
      reason: `audit ${auditTaskId} ended ${audit.taskStatus}; the config accepts only ${accepted.join(', ')}`,
      skipped: [],
    };
  }

  const included: IncludedCheck[] = [];
  const skipped: SkippedCheck[] = [];
  for (const check of audit.checks) {
    const remediation = isAuditCheckName(check.checkName)
      ? remediationFor(config, check.checkName)
      : undefined;
    if (check.checkRunStatus !== 'COMPLETED_NON_COMPLIANT') {
      if (remediation && check.checkRunStatus !== 'COMPLETED_COMPLIANT') {
        skipped.push({ check: check.checkName, reason: `check run ${describeRun(check)}` });
      }
      continue;
    }
    if (check.nonCompliantResourcesCount === 0) continue;
    if (!check.known) {
      skipped.push({ check: check.checkName, reason: UNKNOWN_CHECK_REASON });
      continue;
    }
    if (!remediation) {
      skipped.push({ check: check.checkName, reason: 'no actions configured' });
      continue;
    }
    const limit = remediation.maxNonCompliantResources;
    if (limit !== undefined && check.nonCompliantResourcesCount > limit) {
      skipped.push({
        check: check.checkName,
        reason: `${check.nonCompliantResourcesCount} non-compliant resources exceed the guardrail maxNonCompliantResources=${limit}`,
      });
      continue;
    }
    included.push({
      check: check.checkName,
      // Kept in the config's order, repeated names and all: IoT applies the actions of a finding in
      // the order given and skips the later ones when one fails, so another order is another request
      // (and rightly another task). The schema refuses an action named twice.
      actions: remediation.actions,
      nonCompliantResourcesCount: check.nonCompliantResourcesCount,
      // A filter is a set: sorted and deduplicated, so that its order cannot change the ids.
      ...(remediation.reasonCodes ? { reasonCodes: sortedSet(remediation.reasonCodes) } : {}),
    });
  }

  // Sorted so that the order of auditDetails cannot change the plan (nor the request's hash).
  skipped.sort(byCheck);
  included.sort(byCheck);
  if (included.length === 0) {
    const reason =
      skipped.length > 0
        ? `no check can be mitigated: ${skipped.map((s) => `${s.check}: ${s.reason}`).join('; ')}`
        : `audit ${auditTaskId} has no non-compliant check with configured actions`;
    return { action: 'skip', auditTaskId, reason, skipped };
  }

  const filtered = included.filter((c) => c.reasonCodes !== undefined);
  const request = withDerivedIds({
    target: {
      auditTaskId,
      ...(filtered.length > 0
        ? {
            auditCheckToReasonCodeFilter: Object.fromEntries(
              filtered.map((c) => [c.check, [...(c.reasonCodes ?? [])]]),
            ),
          }
        : {}),
    },
    auditCheckToActionsMapping: Object.fromEntries(included.map((c) => [c.check, [...c.actions]])),
  });
  const problems = startRequestProblems(request);
  if (problems.length > 0) throw new PlanConstraintError(problems);
  return { action: 'start', mode: config.mode, auditTaskId, request, included, skipped };
}
