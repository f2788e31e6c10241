import type { ProtectSelectors } from './config';
import { type AuditFinding, certificateIdOfArn, type FindingResource } from './finding';

/**
 * The protected resources of a plan, resolved once: the selectors' own names plus the things of the
 * protected groups and the certificates attached to every protected thing.
 */
export interface ProtectedSet {
  readonly things: ReadonlySet<string>;
  /** Normalised (lower case, no 0x prefix): IoT prints certificate ids in lower-case hex. */
  readonly certificateIds: ReadonlySet<string>;
  readonly caCertificateIds: ReadonlySet<string>;
  readonly policyNames: ReadonlySet<string>;
}

/** What the protect selectors resolve to through IoT (ListThingsInThingGroup, ListThingPrincipals). */
export interface ResolvedSelectors {
  /** Things of the protected thing groups (recursively). */
  readonly thingsOfGroups: readonly string[];
  /** Certificate ids (or certificate ARNs) attached to the protected things, those of the groups included. */
  readonly certificatesOfThings: readonly string[];
}

/** Whether the config protects anything at all. */
export function protectsAnything(selectors: ProtectSelectors | undefined): boolean {
  if (!selectors) return false;
  return Object.values(selectors).some((names) => (names?.length ?? 0) > 0);
}

/** A certificate id in the form findings carry it: lower case, without a 0x prefix. */
export function normaliseCertificateId(id: string): string {
  const lower = id.toLowerCase();
  return lower.startsWith('0x') ? lower.slice(2) : lower;
}

function certificateIdOf(value: string): string {
  return normaliseCertificateId(certificateIdOfArn(value) ?? value);
}

/** The protected set of a config's selectors and what IoT said about them. Pure. */
export function protectedSet(
  selectors: ProtectSelectors | undefined,
  resolved: ResolvedSelectors = { thingsOfGroups: [], certificatesOfThings: [] },
): ProtectedSet {
  return {
    things: new Set([...(selectors?.things ?? []), ...resolved.thingsOfGroups]),
    certificateIds: new Set(
      [...(selectors?.certificateIds ?? []), ...resolved.certificatesOfThings].map(certificateIdOf),
    ),
    caCertificateIds: new Set((selectors?.caCertificateIds ?? []).map(certificateIdOf)),
    policyNames: new Set(selectors?.policyNames ?? []),
  };
}

/** Every string anywhere in a value (identifier members are strings or objects of strings). */
function stringsIn(value: unknown, out: string[]): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) stringsIn(v, out);
  else if (value !== null && typeof value === 'object')
    for (const v of Object.values(value)) stringsIn(v, out);
  return out;
}

/** Why a resource is protected, or undefined. */
function protectionOfResource(resource: FindingResource, set: ProtectedSet): string | undefined {
  // Conservative on purpose: every string of the identifier and of additionalInfo is compared with
  // every kind of protected name, whatever member holds it (a certificate id under caCertificateId,
  // a thing name as a client id or in additionalInfo). A false match only leaves a finding alone;
  // a missed one would mitigate a protected resource.
  for (const text of stringsIn([resource.resourceIdentifier, resource.additionalInfo], [])) {
    if (set.things.has(text)) return `thing or client id '${text}' is protected`;
    if (set.policyNames.has(text)) return `policy '${text}' is protected`;
    const certificateId = certificateIdOf(text);
    if (set.certificateIds.has(certificateId)) return `certificate ${certificateId} is protected`;
    if (set.caCertificateIds.has(certificateId)) return `CA certificate ${certificateId} is protected`;
  }
  return undefined;
}

/** Why a finding touches a protected resource (its non-compliant resource or a related one), or undefined. */
export function protectionOf(finding: AuditFinding, set: ProtectedSet): string | undefined {
  for (const resource of [finding.nonCompliantResource ?? {}, ...(finding.relatedResources ?? [])]) {
    const reason = protectionOfResource(resource, set);
    if (reason) return reason;
  }
  return undefined;
}
