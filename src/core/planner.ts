import type { AuditSummary } from './audit-summary';
import { type AuditCheckName, isAuditCheckName } from './check-catalog';
import { type RemediationConfig, remediationFor } from './config';
import { PlanConstraintError, type Problem } from './errors';
import type { AuditFinding, CheckFindings } from './finding';
import { approvalTimeoutSeconds, effectivePolicy } from './policy';
import { type ProtectedSet, protectionOf, protectsAnything } from './protection';
import {
  canonicalJson,
  MAX_FINDING_IDS_PER_TASK,
  type StartMitigationRequest,
  startRequestProblems,
  withDerivedIds,
} from './start-request';
import type { SkippedCheckSchema } from './workflow-input';
import type * as z from './zod';

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

export type TaskPolicy = 'auto' | 'approve';

/** One resource a finding targets, as the preview and the protected list show it. */
export interface ResourceRef {
  readonly findingId: string;
  readonly check: string;
  readonly reasonCode?: string;
  readonly resourceType: string;
  /** IoT's resourceIdentifier (camelCase), e.g. { deviceCertificateId }, { policyVersionIdentifier: { policyName, policyVersionId } } */
  readonly resourceIdentifier: Readonly<Record<string, unknown>>;
  /** Things attached to a certificate finding (ListPrincipalThings), for the first resources only. */
  readonly things?: readonly string[];
}

/** The resources of one check: how many, and the first ones. */
export interface CheckPreview {
  readonly check: string;
  readonly resourceCount: number;
  readonly resources: readonly ResourceRef[];
  /** true when the count is a lower bound (read budget hit) */
  readonly partial?: boolean;
}

/** One mitigation task of the plan. */
export interface PlannedTask {
  readonly policy: TaskPolicy;
  /** 'auto' | 'approve' for an auditTaskId target; 'auto-<k>' | 'approve-<k>' (k from 1) for findingIds batches. */
  readonly group: string;
  /** taskId `remediate-<auditTaskId>-<group>`; token = SHA-256 of canonical {group, target, mapping}. */
  readonly request: StartMitigationRequest;
  readonly checks: readonly IncludedCheck[];
  /** approve only: seconds the approval waits (from approvalTimeout). */
  readonly approvalTimeoutSeconds?: number;
}

/**
 * What IoT said about the findings, for the checks that were read: their findings (after paging,
 * within a budget) and the protected set resolved from the config's selectors.
 */
export interface PlanEvidence {
  readonly findings: ReadonlyMap<string, CheckFindings>;
  readonly protected: ProtectedSet;
}

/** The planner's answer: start these exact requests, or start nothing and say why. */
export type MitigationPlan =
  | {
      readonly action: 'start';
      /** `dry-run`: the requests are planned and reported, never sent. */
      readonly mode: 'apply' | 'dry-run';
      readonly auditTaskId: string;
      /** tasks[0].request, kept for the callers of the one-task plan. */
      readonly request: StartMitigationRequest;
      /** Every check some task mitigates. */
      readonly included: readonly IncludedCheck[];
      readonly skipped: readonly SkippedCheck[];
      /** auto first, then approve; each ordered by group. */
      readonly tasks: readonly PlannedTask[];
      /** notify-policy checks: reported, never mitigated. */
      readonly notify: readonly CheckPreview[];
      /** Findings left alone because they touch a protected resource. */
      readonly protected: readonly ResourceRef[];
      /** Per planned check, when its findings were read. */
      readonly previews: readonly CheckPreview[];
    }
  | {
      readonly action: 'skip';
      readonly auditTaskId: string;
      readonly reason: string;
      readonly skipped: readonly SkippedCheck[];
      readonly notify: readonly CheckPreview[];
      readonly protected: readonly ResourceRef[];
    };

/** Resources a preview lists per check (the approval request shows the same). */
export const PREVIEW_RESOURCES = 10;

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

/** The ref of a finding's non-compliant resource. */
export function resourceRefOf(finding: AuditFinding): ResourceRef {
  return {
    findingId: finding.findingId,
    check: finding.checkName,
    ...(finding.reasonForNonComplianceCode !== undefined
      ? { reasonCode: finding.reasonForNonComplianceCode }
      : {}),
    resourceType: finding.nonCompliantResource?.resourceType ?? 'UNKNOWN',
    resourceIdentifier: finding.nonCompliantResource?.resourceIdentifier ?? {},
  };
}

function byFinding(a: AuditFinding, b: AuditFinding): number {
  if (a.checkName !== b.checkName) return a.checkName < b.checkName ? -1 : 1;
  if (a.findingId !== b.findingId) return a.findingId < b.findingId ? -1 : 1;
  const [x, y] = [canonicalJson(a), canonicalJson(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}

/** How the findings of one check divide: those a task may target, those protected, those filtered out. */
interface CheckSplit {
  readonly targetable: readonly AuditFinding[];
  readonly protected: readonly AuditFinding[];
  readonly filteredOut: readonly AuditFinding[];
  readonly complete: boolean;
}

/**
 * Divides the findings read for a check. Only findings of that check count (trust nothing else
 * the read returns); a finding id read twice counts once, protected if any copy is; sorted by
 * findingId so that the order IoT pages them in cannot change the plan.
 */
export function splitFindings(
  check: string,
  read: CheckFindings,
  reasonCodes: readonly string[] | undefined,
  set: ProtectedSet,
): CheckSplit {
  const byId = new Map<string, { first: AuditFinding; isProtected: boolean }>();
  for (const finding of [...read.findings].filter((f) => f.checkName === check).sort(byFinding)) {
    const seen = byId.get(finding.findingId);
    const isProtected = protectionOf(finding, set) !== undefined;
    if (seen) seen.isProtected ||= isProtected;
    else byId.set(finding.findingId, { first: finding, isProtected });
  }
  const targetable: AuditFinding[] = [];
  const protectedFindings: AuditFinding[] = [];
  const filteredOut: AuditFinding[] = [];
  for (const { first, isProtected } of byId.values()) {
    const code = first.reasonForNonComplianceCode;
    // The filter applies first: a finding it leaves out is never touched, protected or not.
    if (reasonCodes && (code === undefined || !reasonCodes.includes(code))) filteredOut.push(first);
    // Protected even when suppressed: an auditTaskId target may still reach it in IoT.
    else if (isProtected) protectedFindings.push(first);
    // Suppressed: never targeted by findingIds (IoT would not act on it) nor previewed.
    else if (first.suppressed) filteredOut.push(first);
    else targetable.push(first);
  }
  return { targetable, protected: protectedFindings, filteredOut, complete: read.complete };
}

function previewOf(check: string, findings: readonly AuditFinding[], complete: boolean): CheckPreview {
  return {
    check,
    resourceCount: findings.length,
    resources: findings.slice(0, PREVIEW_RESOURCES).map(resourceRefOf),
    ...(complete ? {} : { partial: true }),
  };
}

/** A check to mitigate, with its policy and, when it has protected findings, the findings to target. */
interface PlannedCheck {
  readonly included: IncludedCheck;
  readonly policy: TaskPolicy;
  readonly timeoutSeconds: number;
  /** Set when the check is targeted by findingIds (it has protected findings). */
  readonly findings?: readonly AuditFinding[];
}

/** The tasks of one policy: its whole checks under one auditTaskId target, then findingIds batches. */
function tasksOf(auditTaskId: string, policy: TaskPolicy, checks: readonly PlannedCheck[]): PlannedTask[] {
  const mine = checks.filter((c) => c.policy === policy);
  const timeout = (included: readonly IncludedCheck[]) =>
    policy === 'approve'
      ? {
          // A task waits for one decision: the shortest timeout of its checks, so that no check
          // waits longer than its config allows.
          approvalTimeoutSeconds: Math.min(
            ...mine
              .filter((c) => included.some((i) => i.check === c.included.check))
              .map((c) => c.timeoutSeconds),
          ),
        }
      : {};
  const tasks: PlannedTask[] = [];
  const whole = mine.filter((c) => c.findings === undefined).map((c) => c.included);
  if (whole.length > 0) {
    const filtered = whole.filter((c) => c.reasonCodes !== undefined);
    const request = withDerivedIds(auditTaskId, policy, {
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
      auditCheckToActionsMapping: Object.fromEntries(whole.map((c) => [c.check, [...c.actions]])),
    });
    tasks.push({ policy, group: policy, request, checks: whole, ...timeout(whole) });
  }
  // Sorted by check then findingId (the checks are sorted, their findings too).
  const findings = mine.flatMap((c) => c.findings ?? []);
  for (let k = 1; (k - 1) * MAX_FINDING_IDS_PER_TASK < findings.length; k++) {
    const batch = findings.slice((k - 1) * MAX_FINDING_IDS_PER_TASK, k * MAX_FINDING_IDS_PER_TASK);
    const group = `${policy}-${k}`;
    const batchChecks = mine
      .filter((c) => batch.some((f) => f.checkName === c.included.check))
      .map((c) => ({
        ...c.included,
        nonCompliantResourcesCount: batch.filter((f) => f.checkName === c.included.check).length,
      }));
    const request = withDerivedIds(auditTaskId, group, {
      // Chosen in check-then-id order, sent sorted: the canonical form of a set of ids.
      target: { findingIds: batch.map((f) => f.findingId).sort() },
      auditCheckToActionsMapping: Object.fromEntries(batchChecks.map((c) => [c.check, [...c.actions]])),
    });
    tasks.push({ policy, group, request, checks: batchChecks, ...timeout(batchChecks) });
  }
  return tasks;
}

/**
 * Decides what to mitigate for a finished audit. Pure: the same audit, config and evidence always
 * give the same plan, ids included, whatever the order of their arrays. A check is included when
 * its run is COMPLETED_NON_COMPLIANT with at least one non-compliant resource, the config names
 * actions for it, its policy is not `notify`, and its guardrail holds; the included checks are
 * grouped by policy into tasks.
 *
 * With `protect` in the config, a check is planned only from its findings (`evidence`): with no
 * protected finding it keeps the auditTaskId target; with some, its other findings are targeted by
 * findingIds, 25 a task; when its findings were not read, or not all of them, it is skipped: a
 * protected resource may hide in what was not read.
 */
export function planMitigation(
  audit: AuditSummary,
  config: RemediationConfig,
  evidence?: PlanEvidence,
): MitigationPlan {
  const auditTaskId = audit.auditTaskId;
  const accepted: readonly string[] = config.acceptAuditStatuses;
  if (!accepted.includes(audit.taskStatus)) {
    return {
      action: 'skip',
      auditTaskId,
      reason: `audit ${auditTaskId} ended ${audit.taskStatus}; the config accepts only ${accepted.join(', ')}`,
      skipped: [],
      notify: [],
      protected: [],
    };
  }

  // The evidence's set counts too: a resolved set is never ignored, whatever the config says.
  const protecting =
    protectsAnything(config.protect) ||
    (evidence !== undefined &&
      Object.values(evidence.protected).some((names: ReadonlySet<string>) => names.size > 0));
  const planned: PlannedCheck[] = [];
  const skipped: SkippedCheck[] = [];
  const notify: CheckPreview[] = [];
  const previews: CheckPreview[] = [];
  const protectedRefs: ResourceRef[] = [];
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
    const checkName = check.checkName as AuditCheckName;
    const policy = effectivePolicy(config, checkName);
    // A filter is a set: sorted and deduplicated, so that its order cannot change the ids.
    const reasonCodes = remediation.reasonCodes ? sortedSet(remediation.reasonCodes) : undefined;
    const read = evidence?.findings.get(check.checkName);
    const split =
      read && evidence ? splitFindings(check.checkName, read, reasonCodes, evidence.protected) : undefined;
    if (policy === 'notify') {
      notify.push(
        split
          ? previewOf(check.checkName, [...split.targetable, ...split.protected], split.complete)
          : { check: check.checkName, resourceCount: check.nonCompliantResourcesCount, resources: [] },
      );
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
    const included: IncludedCheck = {
      check: check.checkName,
      // Kept in the config's order, repeated names and all: IoT applies the actions of a finding in
      // the order given and skips the later ones when one fails, so another order is another request
      // (and rightly another task). The schema refuses an action named twice.
      actions: remediation.actions,
      nonCompliantResourcesCount: check.nonCompliantResourcesCount,
      ...(reasonCodes ? { reasonCodes } : {}),
    };
    const base = { included, policy, timeoutSeconds: approvalTimeoutSeconds(config, checkName) };
    if (split) protectedRefs.push(...split.protected.map(resourceRefOf));
    if (protecting && !split) {
      skipped.push({
        check: check.checkName,
        reason:
          'resources are protected and the findings of this check were not read: never mitigated blindly',
      });
      continue;
    }
    if (protecting && split && !split.complete) {
      skipped.push({
        check: check.checkName,
        reason: `its findings could not all be read within the read budget (${split.targetable.length + split.protected.length + split.filteredOut.length} read, ${split.protected.length} protected): a protected resource may be among the others, never mitigated blindly`,
      });
      continue;
    }
    if (split) previews.push(previewOf(check.checkName, split.targetable, split.complete));
    if (!split || split.protected.length === 0) {
      planned.push(base);
    } else if (split.targetable.length === 0) {
      skipped.push({
        check: check.checkName,
        reason: `every finding to mitigate touches a protected resource (${split.protected.length})`,
      });
    } else {
      planned.push({ ...base, findings: split.targetable });
    }
  }

  // Sorted so that the order of auditDetails cannot change the plan (nor the requests' hashes).
  skipped.sort(byCheck);
  notify.sort(byCheck);
  previews.sort(byCheck);
  planned.sort((a, b) => byCheck(a.included, b.included));
  protectedRefs.sort(
    (a, b) => byCheck(a, b) || (a.findingId < b.findingId ? -1 : a.findingId > b.findingId ? 1 : 0),
  );
  if (planned.length === 0) {
    const reasons = [
      ...skipped.map((s) => `${s.check}: ${s.reason}`),
      ...notify.map((n) => `${n.check}: policy notify (reported, never mitigated)`),
    ];
    const reason =
      reasons.length > 0
        ? `no check can be mitigated: ${reasons.join('; ')}`
        : `audit ${auditTaskId} has no non-compliant check with configured actions`;
    return { action: 'skip', auditTaskId, reason, skipped, notify, protected: protectedRefs };
  }

  const tasks = [...tasksOf(auditTaskId, 'auto', planned), ...tasksOf(auditTaskId, 'approve', planned)];
  const problems: Problem[] = tasks.flatMap((task) =>
    startRequestProblems(task.request).map((p) =>
      tasks.length === 1 ? p : { path: `tasks.${task.group}.${p.path}`, message: p.message },
    ),
  );
  if (problems.length > 0) throw new PlanConstraintError(problems);
  const [first] = tasks;
  if (!first) throw new Error('a plan with planned checks has tasks');
  return {
    action: 'start',
    mode: config.mode,
    auditTaskId,
    request: first.request,
    included: planned.map((c) => c.included),
    skipped,
    tasks,
    notify,
    protected: protectedRefs,
    previews,
  };
}
