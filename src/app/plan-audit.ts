import {
  type AuditSummary,
  type CheckFindings,
  type CheckPreview,
  type MitigationPlan,
  normaliseCertificateId,
  planMitigation,
  protectedSet,
  protectsAnything,
  type RemediationConfig,
  type ResourceRef,
} from '../core';
import type { FindingsApi, ResourceDirectory } from './ports';

/** How much of IoT a plan may read. */
export interface PlanBudget {
  /** ListAuditFindings pages (250 findings each) per check. */
  readonly maxPagesPerCheck: number;
}

/** 40 pages: 10,000 findings per check, 4 s of ListAuditFindings at its 10 TPS. */
export const DEFAULT_PLAN_BUDGET: PlanBudget = { maxPagesPerCheck: 40 };

export interface PlanAuditInput {
  readonly audit: AuditSummary;
  readonly config: RemediationConfig;
  readonly findings: FindingsApi;
  readonly directory: ResourceDirectory;
  readonly budget?: PlanBudget;
}

/** What the reads cost, for operators and the figures of the note. */
export interface PlanReads {
  readonly checksRead: readonly string[];
  readonly protectedThings: number;
  readonly protectedCertificates: number;
  /** Why the things of the previewed certificates could not all be read, when they could not. */
  readonly thingsUnavailable?: string;
}

/**
 * The checks whose findings a plan needs: every check that would be mitigated or reported when
 * something is protected (a protected finding may be in any of them), otherwise the approve and
 * notify checks, for the preview a person reads before deciding.
 */
function checksToRead(audit: AuditSummary, config: RemediationConfig): string[] {
  const unprotected = planMitigation(audit, { ...config, protect: undefined });
  const notify = unprotected.notify.map((n) => n.check);
  if (unprotected.action === 'skip') return notify;
  const planned = unprotected.tasks
    .filter((t) => protectsAnything(config.protect) || t.policy === 'approve')
    .flatMap((t) => t.checks.map((c) => c.check));
  return [...new Set([...planned, ...notify])].sort();
}

/** Resolves the protect selectors once: calls in proportion to the protected set, not to the findings. */
async function resolveSelectors(config: RemediationConfig, directory: ResourceDirectory) {
  const groups = config.protect?.thingGroups ?? [];
  const thingsOfGroups: string[] = [];
  for (const group of groups) thingsOfGroups.push(...(await directory.thingsInGroup(group)));
  const things = [...new Set([...(config.protect?.things ?? []), ...thingsOfGroups])].sort();
  const certificatesOfThings: string[] = [];
  for (const thing of things) certificatesOfThings.push(...(await directory.certificatesOfThing(thing)));
  return { thingsOfGroups, certificatesOfThings, things };
}

/** Adds the things of each certificate resource of the previews (ListPrincipalThings), once per certificate. */
async function withThings(
  previews: readonly CheckPreview[],
  findings: FindingsApi,
  cache: Map<string, string[] | Error>,
): Promise<CheckPreview[]> {
  const out: CheckPreview[] = [];
  for (const preview of previews) {
    const resources: ResourceRef[] = [];
    for (const ref of preview.resources) {
      const id = ref.resourceIdentifier.deviceCertificateId;
      if (typeof id !== 'string') {
        resources.push(ref);
        continue;
      }
      const key = normaliseCertificateId(id);
      let things = cache.get(key);
      if (!things) {
        // The things only inform the person who reads the preview; the plan never depends on them,
        // so a failed read leaves them out (and is reported) instead of failing the plan.
        things = await findings.thingsOfCertificate(id).then(
          (names) => [...names].sort(),
          (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
        );
        cache.set(key, things);
      }
      resources.push(things instanceof Error ? ref : { ...ref, things });
    }
    out.push({ ...preview, resources });
  }
  return out;
}

/**
 * Plans an audit from IoT's findings: resolves the protect selectors, reads the findings of the
 * checks that need them (within the budget), plans (src/core/planner.ts: protected findings left
 * alone, checks read only in part skipped), then previews the first resources of each check with
 * the things of its certificates. Starts nothing.
 */
export async function planAudit(input: PlanAuditInput): Promise<{ plan: MitigationPlan; reads: PlanReads }> {
  const { audit, config, findings, directory } = input;
  const budget = input.budget ?? DEFAULT_PLAN_BUDGET;
  const protecting = protectsAnything(config.protect);
  const resolved = protecting
    ? await resolveSelectors(config, directory)
    : { thingsOfGroups: [], certificatesOfThings: [], things: [] };
  const checks = checksToRead(audit, config);
  const read = new Map<string, CheckFindings>();
  // One check after the other: ListAuditFindings allows 10 TPS, and the SDK's retries handle throttling.
  for (const check of checks)
    read.set(check, await findings.listFindings(audit.auditTaskId, check, budget.maxPagesPerCheck));
  const set = protectedSet(config.protect, resolved);
  const plan = planMitigation(audit, config, { findings: read, protected: set });
  const cache = new Map<string, string[] | Error>();
  const notify = await withThings(plan.notify, findings, cache);
  const previews = plan.action === 'start' ? await withThings(plan.previews, findings, cache) : [];
  const failed = [...cache.values()].find((v): v is Error => v instanceof Error);
  const reads: PlanReads = {
    checksRead: checks,
    protectedThings: set.things.size,
    protectedCertificates: set.certificateIds.size,
    ...(failed ? { thingsUnavailable: `${failed.name}: ${failed.message}` } : {}),
  };
  return { plan: plan.action === 'skip' ? { ...plan, notify } : { ...plan, notify, previews }, reads };
}
