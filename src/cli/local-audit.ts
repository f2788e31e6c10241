import type { AuditSummary } from '../core';

/** Reads an audit through DescribeAuditTask on a short-lived local stack seeded from a scenario. */
export async function describeAuditOnLocalStack(
  _auditTaskId: string,
  _scenarioPath?: string,
): Promise<AuditSummary> {
  throw new Error('not wired yet');
}
