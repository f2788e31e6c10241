import type { AuditFinding, FindingResource } from './finding';
import { toStatisticsRows } from './task-statistics';
import * as z from './zod';

/**
 * The verification audit: after a mitigation task mitigated findings, an on-demand audit of its
 * checks tells which of the resources it targeted are compliant now. Pure rules only; the reads are
 * in src/app/verify-audit.ts.
 */

/** detail-type of the event the state machine puts once a verification audit is judged. */
export const VERIFICATION_FINISHED_DETAIL_TYPE = 'Audit Verification Finished';

/** Still-non-compliant resources listed per check in the event: the rest are counted only. */
export const STILL_NON_COMPLIANT_SAMPLE = 5;

/**
 * Pages of ListAuditFindings (250 a page) read per check and audit: 10,000 findings. Past that the
 * check's result says `partial` instead of the function outrunning its timeout.
 */
export const VERIFICATION_FINDING_PAGES = 40;

/**
 * The outcome ledger key under which the state machine records a verification audit it started
 * (statemachine RecordVerificationAudit): start-mitigation reads it to recognise that audit's own
 * notification. Nothing an event says can make an audit a verification audit.
 */
export function verificationRecordKey(auditTaskId: string): string {
  return `verification#${auditTaskId}`;
}

/** The ledger key under which record-outcome claims a verification event (apart from the task's finished event). */
export function verificationEventKey(eventId: string): string {
  return `verification-event#${eventId}`;
}

/**
 * The checks a task mitigated something in (succeeded findings > 0), sorted: the verification
 * audit's targetCheckNames. Statistics in either casing (SDK or Step Functions).
 */
export function mitigatedChecks(taskStatistics: unknown): string[] {
  return toStatisticsRows(taskStatistics)
    .filter((row) => row.succeeded > 0)
    .map((row) => row.check);
}

/** JSON with object keys sorted, so that two identifiers with the same members compare equal. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * A resource's identity across audits: its type and identifier. Finding ids differ from audit to
 * audit; the resource they name does not. Certificate ids compare case-insensitively (hex).
 */
export function resourceKey(resource: FindingResource | undefined): string | undefined {
  if (resource?.resourceIdentifier === undefined) return undefined;
  const identifier = { ...resource.resourceIdentifier };
  for (const member of ['deviceCertificateId', 'caCertificateId']) {
    const value = identifier[member];
    if (typeof value === 'string') identifier[member] = value.toLowerCase();
  }
  return `${resource.resourceType ?? ''}|${canonical(identifier)}`;
}

/** Findings a ListAuditFindings page holds (maxResults 250). */
const FINDINGS_PER_PAGE = 250;

/**
 * Whether to judge a check by asking the verification audit about each targeted resource
 * (ListAuditFindings filtered by resourceIdentifier, one call each) rather than listing all its
 * findings of the check: when the task targeted fewer resources than the listing has pages. The
 * verification audit finds every non-compliant resource of the check in the account, so in a large
 * fleet the listing grows with the account while the lookups grow with the task; up to `maxPages`
 * lookups, each one complete, which also spares a large check the listing's `partial` cut.
 * Unknown count (the check did not report one): list.
 */
export function looksUpEachResource(
  targetedResources: number,
  nonCompliantAfter: number | undefined,
  maxPages: number,
): boolean {
  if (nonCompliantAfter === undefined) return false;
  const listingPages = Math.max(1, Math.ceil(nonCompliantAfter / FINDINGS_PER_PAGE));
  return targetedResources <= maxPages && targetedResources < listingPages;
}

/** The distinct resources of `findings`, by resourceKey, in first-seen order. */
export function distinctResources(findings: readonly AuditFinding[]): FindingResource[] {
  const byKey = new Map<string, FindingResource>();
  for (const finding of findings) {
    const key = resourceKey(finding.nonCompliantResource);
    if (key !== undefined && finding.nonCompliantResource && !byKey.has(key))
      byKey.set(key, finding.nonCompliantResource);
  }
  return [...byKey.values()];
}

/** The target of a mitigation task, as DescribeAuditMitigationActionsTask returns it. */
export interface MitigationTarget {
  readonly auditTaskId?: string;
  readonly findingIds?: readonly string[];
  readonly auditCheckToReasonCodeFilter?: Readonly<Record<string, readonly string[]>>;
}

/**
 * The findings of one check that a task targeted, among the remediated audit's findings of that
 * check: those in its findingIds, or (an audit target) the non-suppressed ones its reason-code
 * filter lets through. IoT never acts on a suppressed finding.
 */
export function targetedFindings(
  findings: readonly AuditFinding[],
  target: MitigationTarget,
  checkName: string,
): AuditFinding[] {
  const ofCheck = findings.filter((f) => f.checkName === checkName && !f.suppressed);
  if (target.findingIds !== undefined) {
    const ids = new Set(target.findingIds);
    return ofCheck.filter((f) => ids.has(f.findingId));
  }
  const filter = target.auditCheckToReasonCodeFilter;
  const codes = filter && Object.hasOwn(filter, checkName) ? filter[checkName] : undefined;
  return codes === undefined
    ? ofCheck
    : ofCheck.filter(
        (f) => f.reasonForNonComplianceCode !== undefined && codes.includes(f.reasonForNonComplianceCode),
      );
}

const ResourceSchema = z.object({
  resourceType: z.optional(z.string()),
  resourceIdentifier: z.record(z.string(), z.json()),
});

/** The verification of one check. */
export const CheckVerificationSchema = z.object({
  check: z.string(),
  /** Non-compliant resources of the check in the remediated audit and in the verification audit (IoT's counts). */
  nonCompliantBefore: z.nullable(z.number().check(z.int(), z.nonnegative())),
  nonCompliantAfter: z.nullable(z.number().check(z.int(), z.nonnegative())),
  /** The check's run in the verification audit (COMPLETED_COMPLIANT, COMPLETED_NON_COMPLIANT, FAILED...). */
  checkRunStatus: z.nullable(z.string()),
  /** Findings the task succeeded on, from its statistics. */
  succeededFindings: z.number().check(z.int(), z.nonnegative()),
  /** Distinct resources the task targeted in this check (the remediated audit's findings). */
  mitigatedResources: z.number().check(z.int(), z.nonnegative()),
  /** Targeted resources the verification audit no longer reports. */
  fixed: z.number().check(z.int(), z.nonnegative()),
  /** Targeted resources the verification audit still reports non-compliant. */
  stillNonCompliant: z.number().check(z.int(), z.nonnegative()),
  /** Targeted resources that could not be judged (the check did not complete, or a read was cut short). */
  unverified: z.number().check(z.int(), z.nonnegative()),
  /** The first still-non-compliant resources, sorted by identity (at most STILL_NON_COMPLIANT_SAMPLE). */
  stillNonCompliantResources: z.array(ResourceSchema).check(z.maxLength(STILL_NON_COMPLIANT_SAMPLE)),
  /** True when a list of findings was cut at VERIFICATION_FINDING_PAGES pages. */
  partial: z.boolean(),
});
export type CheckVerification = z.infer<typeof CheckVerificationSchema>;

/** detail of the "Audit Verification Finished" event. */
export const VerificationDetailSchema = z.object({
  /** The mitigation workflow's execution name: one verification per finished task. */
  eventId: z.string().check(z.minLength(1), z.maxLength(80)),
  taskId: z.string().check(z.minLength(1)),
  auditTaskId: z.string().check(z.minLength(1)),
  verificationAuditTaskId: z.nullable(z.string()),
  /** VERIFIED: judged (whatever it found); VERIFICATION_FAILED: the audit could not be started or followed. */
  outcome: z.enum(['VERIFIED', 'VERIFICATION_FAILED']),
  verificationAuditStatus: z.nullable(z.string()),
  checks: z.array(CheckVerificationSchema),
  totals: z.object({
    fixed: z.number().check(z.int(), z.nonnegative()),
    stillNonCompliant: z.number().check(z.int(), z.nonnegative()),
    unverified: z.number().check(z.int(), z.nonnegative()),
  }),
  /** Why the verification failed (the caught Step Functions error). */
  error: z.optional(z.object({ Error: z.optional(z.string()), Cause: z.optional(z.string()) })),
});
export type VerificationDetail = z.infer<typeof VerificationDetailSchema>;

/** What is known of one check once both audits are read. */
export interface CheckVerificationInput {
  readonly check: string;
  readonly nonCompliantBefore: number | undefined;
  readonly nonCompliantAfter: number | undefined;
  readonly checkRunStatus: string | undefined;
  readonly succeededFindings: number;
  /** The task's findings of this check (targetedFindings of the remediated audit). */
  readonly targeted: readonly AuditFinding[];
  readonly targetedComplete: boolean;
  /** The verification audit's findings of this check. */
  readonly after: readonly AuditFinding[];
  readonly afterComplete: boolean;
}

const COMPLETED_RUNS = new Set(['COMPLETED_COMPLIANT', 'COMPLETED_NON_COMPLIANT']);

/**
 * Judges one check: each targeted resource is fixed when the completed verification audit no longer
 * reports it, still non-compliant when it does. When the check did not complete, or the verification
 * audit's findings were not all read, a resource not seen is unverified, never counted as fixed.
 */
export function verifyCheck(input: CheckVerificationInput): CheckVerification {
  const targeted = new Map<string, FindingResource>();
  for (const finding of input.targeted) {
    const key = resourceKey(finding.nonCompliantResource);
    if (key !== undefined && finding.nonCompliantResource) targeted.set(key, finding.nonCompliantResource);
  }
  const reported = new Set(input.after.map((f) => resourceKey(f.nonCompliantResource)));
  const completed = input.checkRunStatus !== undefined && COMPLETED_RUNS.has(input.checkRunStatus);
  const still: [string, FindingResource][] = [];
  let fixed = 0;
  let unverified = 0;
  for (const entry of targeted) {
    if (!completed) unverified++;
    else if (reported.has(entry[0])) still.push(entry);
    else if (input.afterComplete) fixed++;
    else unverified++;
  }
  still.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    check: input.check,
    nonCompliantBefore: input.nonCompliantBefore ?? null,
    nonCompliantAfter: input.nonCompliantAfter ?? null,
    checkRunStatus: input.checkRunStatus ?? null,
    succeededFindings: input.succeededFindings,
    mitigatedResources: targeted.size,
    fixed,
    stillNonCompliant: still.length,
    unverified,
    stillNonCompliantResources: still.slice(0, STILL_NON_COMPLIANT_SAMPLE).map(([, resource]) =>
      ResourceSchema.parse({
        ...(resource.resourceType !== undefined ? { resourceType: resource.resourceType } : {}),
        resourceIdentifier: resource.resourceIdentifier,
      }),
    ),
    partial: !input.targetedComplete || !input.afterComplete,
  };
}

/** The sums over checks that the event's `totals` and the CLI report. */
export function verificationTotals(checks: readonly CheckVerification[]): VerificationDetail['totals'] {
  return {
    fixed: checks.reduce((n, c) => n + c.fixed, 0),
    stillNonCompliant: checks.reduce((n, c) => n + c.stillNonCompliant, 0),
    unverified: checks.reduce((n, c) => n + c.unverified, 0),
  };
}
