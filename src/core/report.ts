import type { AuditFinding } from './finding';
import type { CheckStatisticsRow } from './task-statistics';
import * as z from './zod';

/**
 * The findings-level report of one mitigation task: one row per targeted finding, with, for the
 * findings whose actions were read, every action's execution (ListAuditMitigationActionsExecutions).
 *
 * ListAuditMitigationActionsExecutions requires a findingId and allows 10 calls a second, so a
 * task of 100,000 findings cannot be read finding by finding. The task's statistics say per check
 * how many findings succeeded, failed, were skipped or canceled: a check whose findings all ended
 * the same way (all succeeded, say) needs no read; only the findings of the other checks are read,
 * under a budget of calls, and the report says when that budget ran out (`partial`).
 */

/** A finding's outcome: its actions' statuses summed up, or the check's when all its findings agree. */
export const FINDING_OUTCOMES = ['FAILED', 'SKIPPED', 'CANCELED', 'PENDING', 'UNKNOWN', 'SUCCEEDED'] as const;
export type FindingOutcome = (typeof FINDING_OUTCOMES)[number];

/** One action execution of a finding, as ListAuditMitigationActionsExecutions returns it. */
export interface ActionExecution {
  readonly actionName: string;
  /** IN_PROGRESS | COMPLETED | FAILED | CANCELED | SKIPPED | PENDING */
  readonly status: string;
  readonly errorCode?: string;
  readonly message?: string;
}

/** One row of the report: a targeted finding. */
export interface ReportRow {
  readonly check: string;
  readonly findingId: string;
  readonly resourceType: string;
  /** The non-compliant resource, as text (a certificate id, `policy:version`, an ARN, ...). */
  readonly resource: string;
  readonly reasonCode: string;
  readonly outcome: FindingOutcome;
  /** The actions' executions, for the findings that were read (not for uniform checks). */
  readonly actions?: readonly ActionExecution[];
}

/** Defaults of the read plan: ListAuditMitigationActionsExecutions allows 10 calls a second. */
export const REPORT_READ_BUDGET = 2000;
export const EXECUTIONS_READS_PER_SECOND = 10;

/** What the statistics of a check say about its findings. */
export interface CheckReadPlan {
  readonly check: string;
  /** The outcome every finding of the check has, when the statistics leave no doubt and need no detail. */
  readonly uniformOutcome?: FindingOutcome;
}

/**
 * Which checks need their findings' executions read: those with failed or skipped findings (the
 * report gives their error codes) or whose findings did not all end the same way.
 */
export function planReportReads(statistics: readonly CheckStatisticsRow[]): CheckReadPlan[] {
  return statistics.map((s) => {
    if (s.failed > 0 || s.skipped > 0) return { check: s.check };
    if (s.total > 0 && s.succeeded === s.total) return { check: s.check, uniformOutcome: 'SUCCEEDED' };
    if (s.total > 0 && s.canceled === s.total) return { check: s.check, uniformOutcome: 'CANCELED' };
    // No finding processed yet (a task still running at its deadline): nothing to tell them apart.
    if (s.succeeded + s.canceled === 0) return { check: s.check, uniformOutcome: 'PENDING' };
    return { check: s.check };
  });
}

/** A finding's outcome from its actions' executions: the worst status wins; none means skipped. */
export function outcomeOfExecutions(executions: readonly ActionExecution[]): FindingOutcome {
  if (executions.length === 0) return 'SKIPPED';
  const statuses = new Set(executions.map((e) => e.status));
  if (statuses.has('FAILED')) return 'FAILED';
  if (statuses.has('IN_PROGRESS') || statuses.has('PENDING')) return 'PENDING';
  if (statuses.has('CANCELED')) return 'CANCELED';
  if (statuses.has('SKIPPED')) return 'SKIPPED';
  return 'SUCCEEDED';
}

/** The non-compliant resource of a finding as one line of text. */
export function resourceText(finding: AuditFinding): string {
  const id = finding.nonCompliantResource?.resourceIdentifier ?? {};
  const parts: string[] = [];
  for (const key of Object.keys(id).sort()) {
    const value = id[key];
    if (typeof value === 'string') parts.push(value);
    else if (typeof value === 'object' && value !== null)
      parts.push(
        Object.keys(value)
          .sort()
          .map((k) => String((value as Record<string, unknown>)[k]))
          .join(':'),
      );
  }
  return parts.join(' ');
}

/** A report row for a finding, with its actions when they were read. */
export function reportRow(
  finding: AuditFinding,
  outcome: FindingOutcome,
  actions?: readonly ActionExecution[],
): ReportRow {
  return {
    check: finding.checkName,
    findingId: finding.findingId,
    resourceType: finding.nonCompliantResource?.resourceType ?? '',
    resource: resourceText(finding),
    reasonCode: finding.reasonForNonComplianceCode ?? '',
    outcome,
    ...(actions === undefined ? {} : { actions }),
  };
}

/** Why a report leaves findings unread. */
export interface ReportPartial {
  readonly reason: string;
  /** Findings of checks that needed a read and did not get one (outcome UNKNOWN). */
  readonly unreadFindings: number;
}

/** The report's header: what it covers and how it was read. Small: the finished event carries its counts. */
export interface ReportSummary {
  readonly taskId: string;
  readonly auditTaskId: string;
  readonly taskStatus: string;
  readonly generatedAt: string;
  readonly rows: number;
  readonly failed: number;
  /** Findings per check and outcome. */
  readonly byCheck: Readonly<Record<string, Readonly<Partial<Record<FindingOutcome, number>>>>>;
  /** Failed findings per error code (the first failed action's), over every check. */
  readonly errorCodes: Readonly<Record<string, number>>;
  /** ListAuditMitigationActionsExecutions calls made. */
  readonly executionReads: number;
  readonly partial?: ReportPartial;
}

/** The summary of a set of rows. */
export function summarise(
  rows: readonly ReportRow[],
  header: Pick<ReportSummary, 'taskId' | 'auditTaskId' | 'taskStatus' | 'generatedAt' | 'executionReads'> & {
    partial?: ReportPartial;
  },
): ReportSummary {
  const byCheck: Record<string, Partial<Record<FindingOutcome, number>>> = {};
  const errorCodes: Record<string, number> = {};
  let failed = 0;
  for (const row of rows) {
    const counts = byCheck[row.check] ?? {};
    counts[row.outcome] = (counts[row.outcome] ?? 0) + 1;
    byCheck[row.check] = counts;
    if (row.outcome !== 'FAILED') continue;
    failed++;
    const code = row.actions?.find((a) => a.status === 'FAILED')?.errorCode ?? 'UNKNOWN';
    errorCodes[code] = (errorCodes[code] ?? 0) + 1;
  }
  return {
    taskId: header.taskId,
    auditTaskId: header.auditTaskId,
    taskStatus: header.taskStatus,
    generatedAt: header.generatedAt,
    rows: rows.length,
    failed,
    byCheck: sortKeys(byCheck),
    errorCodes: sortKeys(errorCodes),
    executionReads: header.executionReads,
    ...(header.partial ? { partial: header.partial } : {}),
  };
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

const OUTCOME_RANK: Record<FindingOutcome, number> = Object.fromEntries(
  FINDING_OUTCOMES.map((o, i) => [o, i]),
) as Record<FindingOutcome, number>;

/** Rows in report order: by check, failures first (then skipped, canceled, ...), then by finding id. */
export function sortRows(rows: readonly ReportRow[]): ReportRow[] {
  return [...rows].sort(
    (a, b) =>
      compare(a.check, b.check) ||
      OUTCOME_RANK[a.outcome] - OUTCOME_RANK[b.outcome] ||
      compare(a.findingId, b.findingId),
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** JSON Lines: one row a line, newline-terminated. */
export function toJsonLines(rows: readonly ReportRow[]): string {
  return rows.map((row) => `${JSON.stringify(row)}\n`).join('');
}

const ActionExecutionSchema = z.object({
  actionName: z.string(),
  status: z.string(),
  errorCode: z.optional(z.string()),
  message: z.optional(z.string()),
});

/** A stored row, as toJsonLines writes it. */
export const ReportRowSchema = z.object({
  check: z.string(),
  findingId: z.string(),
  resourceType: z.string(),
  resource: z.string(),
  reasonCode: z.string(),
  outcome: z.enum(FINDING_OUTCOMES),
  actions: z.optional(z.array(ActionExecutionSchema)),
});

/** A stored summary (summary.json). */
export const ReportSummarySchema = z.object({
  taskId: z.string(),
  auditTaskId: z.string(),
  taskStatus: z.string(),
  generatedAt: z.string(),
  rows: z.number().check(z.int(), z.nonnegative()),
  failed: z.number().check(z.int(), z.nonnegative()),
  byCheck: z.record(z.string(), z.partialRecord(z.enum(FINDING_OUTCOMES), z.number())),
  errorCodes: z.record(z.string(), z.number()),
  executionReads: z.number().check(z.int(), z.nonnegative()),
  partial: z.optional(
    z.object({ reason: z.string(), unreadFindings: z.number().check(z.int(), z.nonnegative()) }),
  ),
});

/** Parses JSON Lines written by toJsonLines (blank lines ignored); a bad line names its number. */
export function parseJsonLines(text: string): ReportRow[] {
  const rows: ReportRow[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const parsed = ReportRowSchema.safeParse(JSON.parse(line));
    if (!parsed.success) throw new Error(`report line ${i + 1} is not a report row: ${parsed.error.message}`);
    rows.push(parsed.data);
  });
  return rows;
}

export const CSV_COLUMNS = [
  'check',
  'findingId',
  'resourceType',
  'resource',
  'reasonCode',
  'outcome',
  'action',
  'actionStatus',
  'errorCode',
  'message',
] as const;

/**
 * RFC 4180 field: quoted when it holds a comma, a quote, CR or LF (quotes doubled). A field that
 * starts with `=`, `+`, `-`, `@` or a tab is prefixed with `'`, so that a spreadsheet does not run
 * an error message as a formula.
 */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** CSV with a header line: one line per action execution, or one per finding without executions. */
export function toCsv(rows: readonly ReportRow[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const row of rows) {
    const base = [row.check, row.findingId, row.resourceType, row.resource, row.reasonCode, row.outcome];
    const actions = row.actions ?? [];
    if (actions.length === 0) lines.push([...base, '', '', '', ''].map(csvField).join(','));
    for (const a of actions)
      lines.push(
        [...base, a.actionName, a.status, a.errorCode ?? '', a.message ?? ''].map(csvField).join(','),
      );
  }
  return `${lines.join('\r\n')}\r\n`;
}

/**
 * The terminal table: grouped by check (a heading with the check's counts), failures first, one
 * line per finding with its failed action's error code and message.
 */
export function renderReportTable(summary: ReportSummary, rows: readonly ReportRow[]): string {
  const out: string[] = [
    `Task ${summary.taskId} (audit ${summary.auditTaskId}): ${summary.taskStatus}, ${summary.rows} findings, ${summary.failed} failed`,
  ];
  if (summary.partial)
    out.push(`PARTIAL: ${summary.partial.reason} (${summary.partial.unreadFindings} findings not read)`);
  const sorted = sortRows(rows);
  let check: string | undefined;
  for (const row of sorted) {
    if (row.check !== check) {
      check = row.check;
      const counts = summary.byCheck[check] ?? {};
      const text = FINDING_OUTCOMES.filter((o) => (counts[o] ?? 0) > 0)
        .map((o) => `${counts[o]} ${o.toLowerCase()}`)
        .join(', ');
      out.push('', `${check}: ${text || 'no findings listed'}`);
    }
    const failedAction = row.actions?.find((a) => a.status === 'FAILED');
    const detail = failedAction
      ? `  ${failedAction.actionName}: ${failedAction.errorCode ?? ''}${failedAction.message ? ` ${oneLine(failedAction.message)}` : ''}`
      : '';
    out.push(
      `  ${row.outcome.padEnd(9)} ${row.findingId}  ${row.resourceType} ${row.resource}  ${row.reasonCode}${detail}`,
    );
  }
  return `${out.join('\n')}\n`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** The prefix of the reports in the report bucket (template.yaml's REPORT_PREFIX and lifecycle rule). */
export const DEFAULT_REPORT_PREFIX = 'reports';

/** The report's S3 keys, derived from the task id (a re-follow rewrites the same objects). */
export function reportKeys(prefix: string, taskId: string): { rows: string; summary: string } {
  const base = `${prefix.replace(/\/+$/, '')}/${taskId}`;
  return { rows: `${base}/findings.jsonl`, summary: `${base}/summary.json` };
}

/** What the finished event says about the report: a pointer and counts, whatever the audit's size. */
export interface ReportPointer {
  readonly bucket: string;
  readonly key: string;
  readonly summaryKey: string;
  readonly rows: number;
  readonly failed: number;
  readonly partial: boolean;
  readonly errorCodes: Readonly<Record<string, number>>;
}

/** The WriteReport state's payload: the task whose report to write and its audit. */
export const WriteReportInputSchema = z.object({
  taskId: z.string().check(z.minLength(1), z.maxLength(128)),
  auditTaskId: z.string().check(z.minLength(1), z.maxLength(40)),
});
export type WriteReportInput = z.infer<typeof WriteReportInputSchema>;
