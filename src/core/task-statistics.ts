/** Findings of one check in a mitigation task, as the final table shows them. */
export interface CheckStatisticsRow {
  readonly check: string;
  readonly total: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly skipped: number;
  readonly canceled: number;
}

const FIELDS = {
  total: 'totalFindingsCount',
  succeeded: 'succeededFindingsCount',
  failed: 'failedFindingsCount',
  skipped: 'skippedFindingsCount',
  canceled: 'canceledFindingsCount',
} as const;

function readCount(stats: Record<string, unknown>, camel: string): number {
  // The SDK answers in camelCase; Step Functions' aws-sdk integration in PascalCase.
  const pascal = camel[0]?.toUpperCase() + camel.slice(1);
  const value = stats[camel] ?? stats[pascal];
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/** Rows per check, sorted by check name, from `taskStatistics` in either casing. */
export function toStatisticsRows(taskStatistics: unknown): CheckStatisticsRow[] {
  if (typeof taskStatistics !== 'object' || taskStatistics === null) return [];
  return Object.entries(taskStatistics as Record<string, unknown>)
    .filter(
      (entry): entry is [string, Record<string, unknown>] =>
        typeof entry[1] === 'object' && entry[1] !== null,
    )
    .map(([check, stats]) => ({
      check,
      total: readCount(stats, FIELDS.total),
      succeeded: readCount(stats, FIELDS.succeeded),
      failed: readCount(stats, FIELDS.failed),
      skipped: readCount(stats, FIELDS.skipped),
      canceled: readCount(stats, FIELDS.canceled),
    }))
    .sort((a, b) => (a.check < b.check ? -1 : 1));
}
