import { createS3ReportStore } from '../adapters/s3';
import { readStoredReport } from '../app/findings-report';
import { DEFAULT_REPORT_PREFIX, FINDING_OUTCOMES, type ReportRow, type ReportSummary } from '../core';
import { type Output, paint, writeLine } from './output';
import { stackName, type Target } from './target';
import type { TrackedWorkflow } from './workflows';

/** A task's stored report, as replay and status show it. */
export interface ShownReport {
  readonly location: string;
  readonly summary: ReportSummary;
  /** The failed findings (the report's first rows of each check). */
  readonly failed: readonly ReportRow[];
}

/** Ends after which the workflow has written a report (WriteReport runs on these paths only). */
const REPORTED_ENDS = new Set(['COMPLETED', 'FAILED', 'CANCELED', 'DEADLINE_EXCEEDED']);

/** The report bucket of the target (the stack's ReportBucketName); undefined when the stack has none. */
export async function reportBucketOf(target: Target, explicit?: string): Promise<string | undefined> {
  try {
    return await stackName(target, explicit, 'reportBucket');
  } catch {
    return undefined;
  }
}

/** A task's stored report, or undefined when it has none (yet). */
export async function readReport(
  target: Target,
  bucket: string,
  taskId: string,
): Promise<ShownReport | undefined> {
  const store = createS3ReportStore(target.clients.s3, bucket);
  const report = await target.round(() => readStoredReport(store, DEFAULT_REPORT_PREFIX, taskId));
  if (report === undefined) return undefined;
  return {
    location: `s3://${bucket}/${report.key}`,
    summary: report.summary,
    failed: report.rows.filter((r) => r.outcome === 'FAILED'),
  };
}

/** Reads the report of every followed workflow that wrote one. */
export async function readReports(
  target: Target,
  workflows: readonly TrackedWorkflow[],
): Promise<Map<TrackedWorkflow, ShownReport>> {
  const reports = new Map<TrackedWorkflow, ShownReport>();
  const bucket = await reportBucketOf(target);
  if (bucket === undefined) return reports;
  for (const w of workflows) {
    const taskId = w.taskId ?? w.executionName?.split('__')[0];
    if (taskId === undefined || w.end === undefined || !REPORTED_ENDS.has(w.end)) continue;
    const report = await readReport(target, bucket, taskId);
    if (report) reports.set(w, report);
  }
  return reports;
}

/** Failed findings listed one by one under a report summary; the rest are counted. */
const FAILURES_SHOWN = 10;

/** The report summary: where it is, findings per check and outcome, failures with their error codes. */
export function printReportSummary(output: Output, report: ShownReport, indent = '  '): void {
  const { summary } = report;
  const codes = Object.entries(summary.errorCodes)
    .map(([code, n]) => `${code} x${n}`)
    .join(', ');
  writeLine(
    output,
    `${indent}report ${report.location}: ${summary.rows} finding(s), ${summary.failed} failed${codes ? ` (${codes})` : ''}`,
  );
  if (summary.partial)
    writeLine(
      output,
      `${indent}  ${paint(output, 'red', 'PARTIAL')}: ${summary.partial.reason}, ${summary.partial.unreadFindings} finding(s) not read`,
    );
  for (const [check, counts] of Object.entries(summary.byCheck)) {
    const text = FINDING_OUTCOMES.filter((o) => (counts[o] ?? 0) > 0)
      .map((o) => `${counts[o]} ${o.toLowerCase()}`)
      .join(', ');
    writeLine(output, `${indent}  ${check}: ${text}`);
  }
  for (const row of report.failed.slice(0, FAILURES_SHOWN)) {
    const action = row.actions?.find((a) => a.status === 'FAILED');
    writeLine(
      output,
      `${indent}  ${paint(output, 'red', 'FAILED')} ${row.resourceType} ${row.resource}: ${action?.actionName ?? '-'} ${action?.errorCode ?? ''}${action?.message ? ` (${action.message})` : ''}`,
    );
  }
  if (report.failed.length > FAILURES_SHOWN)
    writeLine(
      output,
      `${indent}  ... and ${report.failed.length - FAILURES_SHOWN} more: iot-remediate report ${summary.taskId} --failed`,
    );
}

/** The report as JSON for --json outputs: its location and summary. */
export function reportJson(report: ShownReport | undefined) {
  return report ? { location: report.location, summary: report.summary } : null;
}
