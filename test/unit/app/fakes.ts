import type { DomainEvent, EventSink, FindingsApi, ResourceDirectory } from '../../../src/app/ports';
import { type RemediationConfig, resourceKey } from '../../../src/core';

/** Findings read from a fake IoT: none (every read complete), unless given per check. */
export function fakeFindings(
  byCheck: Readonly<
    Record<string, FindingsApi extends { listFindings: (...a: never[]) => Promise<infer R> } ? R : never>
  > = {},
): FindingsApi & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    async listFindings(_auditTaskId, checkName) {
      reads.push(checkName);
      return byCheck[checkName] ?? { findings: [], complete: true };
    },
    async findingsOfResource(_auditTaskId, checkName, resource) {
      reads.push(`${checkName} ${resourceKey(resource)}`);
      const read = byCheck[checkName] ?? { findings: [], complete: true };
      const key = resourceKey(resource);
      return {
        findings: read.findings.filter((f) => resourceKey(f.nonCompliantResource) === key),
        complete: true,
      };
    },
    async thingsOfCertificate() {
      return [];
    },
  };
}

/** A registry with nothing in it. */
export const emptyDirectory: ResourceDirectory = {
  thingsInGroup: async () => [],
  certificatesOfThing: async () => [],
};

/** An event sink that keeps what it was given. */
export function recordingEvents(): EventSink & { events: DomainEvent[] } {
  const events: DomainEvent[] = [];
  return {
    events,
    async put(batch) {
      events.push(...batch);
    },
  };
}

/**
 * The config with every check's policy `auto`: the tests of the start path's guarantees (ids, trust,
 * recovery) were written for one task started at once, which the shipped config's `approve` checks
 * would otherwise send through the approval gate.
 */
export function allAuto(config: RemediationConfig): RemediationConfig {
  return {
    ...config,
    defaultPolicy: 'auto',
    checks: Object.fromEntries(
      Object.entries(config.checks).map(([check, remediation]) => [
        check,
        { ...remediation, policy: 'auto' },
      ]),
    ) as RemediationConfig['checks'],
  };
}
