import {
  type AuditFinding,
  EXECUTIONS_READS_PER_SECOND,
  type FindingOutcome,
  outcomeOfExecutions,
  parseJsonLines,
  planReportReads,
  REPORT_READ_BUDGET,
  type ReportPartial,
  type ReportPointer,
  type ReportRow,
  type ReportSummary,
  ReportSummarySchema,
  reportKeys,
  reportRow,
  sortRows,
  summarise,
  toJsonLines,
} from '../core';
import type { FindingsApi, Log, MitigationResults, ReportStore } from './ports';

/** ListAuditFindings pages (250 findings each) read per check: 250,000 findings. */
const MAX_FINDINGS_PAGES = 1000;
/** Error codes named in the finished event; the report itself has them all. */
const MAX_EVENT_ERROR_CODES = 20;

export interface FindingsReportDeps {
  readonly findings: Pick<FindingsApi, 'listFindings'>;
  readonly results: MitigationResults;
  readonly store: ReportStore;
  readonly prefix: string;
  readonly logger: Log;
  /** Epoch ms; the Lambda passes Date.now, the local stack its virtual clock's. */
  readonly now: () => number;
  /** Waits between execution reads (the 10-per-second quota); on the local stack, virtual time. */
  readonly sleep: (ms: number) => Promise<void>;
  /** Execution reads (ListAuditMitigationActionsExecutions calls) allowed per report. */
  readonly readBudget?: number;
  readonly readsPerSecond?: number;
  /** Epoch ms after which no more executions are read (the Lambda's remaining time, less a margin). */
  readonly readDeadline?: () => number;
}

export interface FindingsReport {
  readonly summary: ReportSummary;
  readonly rows: readonly ReportRow[];
  readonly pointer: ReportPointer;
}

/**
 * Writes the findings-level report of a mitigation task to the report bucket: the rows as JSON Lines
 * (`reports/<taskId>/findings.jsonl`) and the summary (`summary.json`), and returns the pointer the
 * finished event carries. Only the findings of checks whose statistics show failures, skips or mixed
 * outcomes are read one by one (ListAuditMitigationActionsExecutions needs a findingId, 10 a second),
 * in finding id order, under a budget of calls and a deadline; past either, the rest stay UNKNOWN and
 * the report is marked partial with the reason.
 */
export function createFindingsReport(deps: FindingsReportDeps) {
  const budget = deps.readBudget ?? REPORT_READ_BUDGET;
  const intervalMs = 1000 / (deps.readsPerSecond ?? EXECUTIONS_READS_PER_SECOND);

  async function targetedFindings(
    auditTaskId: string,
    check: string,
    findingIds: ReadonlySet<string> | undefined,
  ): Promise<AuditFinding[]> {
    const { findings, complete } = await deps.findings.listFindings(auditTaskId, check, MAX_FINDINGS_PAGES);
    if (!complete) deps.logger.warn('Findings listing truncated', { check, auditTaskId });
    // Suppressed findings are never mitigated; a findingIds task targets those findings only.
    return findings
      .filter((f) => !f.suppressed && (findingIds === undefined || findingIds.has(f.findingId)))
      .sort((a, b) => (a.findingId < b.findingId ? -1 : a.findingId > b.findingId ? 1 : 0));
  }

  return async function writeReport(input: { taskId: string; auditTaskId: string }): Promise<FindingsReport> {
    const { taskId } = input;
    const task = await deps.results.describeTask(taskId);
    const auditTaskId = task.target.auditTaskId ?? input.auditTaskId;
    const findingIds = task.target.findingIds ? new Set(task.target.findingIds) : undefined;
    const plans = new Map(planReportReads(task.statistics).map((p) => [p.check, p]));

    const rows: ReportRow[] = [];
    let reads = 0;
    let unread = 0;
    let stopReason: string | undefined;
    let lastReadAt: number | undefined;
    for (const check of task.checks) {
      const findings = await targetedFindings(auditTaskId, check, findingIds);
      const uniform: FindingOutcome | undefined =
        plans.get(check)?.uniformOutcome ?? (plans.has(check) ? undefined : 'UNKNOWN');
      for (const finding of findings) {
        if (uniform !== undefined) {
          rows.push(reportRow(finding, uniform));
          continue;
        }
        if (stopReason === undefined && reads >= budget)
          stopReason = `execution read budget of ${budget} calls spent`;
        if (stopReason === undefined) {
          // Paced from the last read's start, never from a schedule: the clock the function reads
          // (Date.now) and the one it sleeps on may differ (the local stack's is virtual).
          const wait = lastReadAt === undefined ? 0 : lastReadAt + intervalMs - deps.now();
          if (wait > 0) await deps.sleep(wait);
          if (deps.readDeadline && deps.now() >= deps.readDeadline()) stopReason = 'time limit reached';
        }
        if (stopReason !== undefined) {
          unread++;
          rows.push(reportRow(finding, 'UNKNOWN'));
          continue;
        }
        lastReadAt = deps.now();
        const { executions, calls } = await deps.results.listExecutions(taskId, finding.findingId);
        reads += calls;
        rows.push(reportRow(finding, outcomeOfExecutions(executions), executions));
      }
    }

    const partial: ReportPartial | undefined =
      stopReason === undefined ? undefined : { reason: stopReason, unreadFindings: unread };
    const sorted = sortRows(rows);
    const summary = summarise(sorted, {
      taskId,
      auditTaskId,
      taskStatus: task.status,
      generatedAt: new Date(deps.now()).toISOString(),
      executionReads: reads,
      partial,
    });
    const keys = reportKeys(deps.prefix, taskId);
    await deps.store.put(keys.rows, toJsonLines(sorted), 'application/x-ndjson');
    await deps.store.put(keys.summary, `${JSON.stringify(summary)}\n`, 'application/json');
    deps.logger.info('Report written', {
      taskId,
      key: keys.rows,
      rows: summary.rows,
      failed: summary.failed,
      executionReads: reads,
      partial: partial !== undefined,
    });
    const errorCodes = Object.fromEntries(
      Object.entries(summary.errorCodes)
        .sort(([, a], [, b]) => b - a)
        .slice(0, MAX_EVENT_ERROR_CODES),
    );
    return {
      summary,
      rows: sorted,
      pointer: {
        bucket: deps.store.bucket,
        key: keys.rows,
        summaryKey: keys.summary,
        rows: summary.rows,
        failed: summary.failed,
        partial: partial !== undefined,
        errorCodes,
      },
    };
  };
}

/** Reads a stored report; undefined when the task has none. */
export async function readStoredReport(
  store: ReportStore,
  prefix: string,
  taskId: string,
): Promise<{ summary: ReportSummary; rows: ReportRow[]; key: string } | undefined> {
  const keys = reportKeys(prefix, taskId);
  const [summaryText, rowsText] = await Promise.all([store.get(keys.summary), store.get(keys.rows)]);
  if (summaryText === undefined || rowsText === undefined) return undefined;
  return {
    summary: ReportSummarySchema.parse(JSON.parse(summaryText)),
    rows: parseJsonLines(rowsText),
    key: keys.rows,
  };
}
