import {
  type AuditMitigationActionExecutionMetadata,
  DescribeAuditMitigationActionsTaskCommand,
  type IoTClient,
  ListAuditFindingsCommand,
  ListAuditMitigationActionsExecutionsCommand,
  ListAuditMitigationActionsTasksCommand,
} from '@aws-sdk/client-iot';
import { createDynamoDbMitigationQueue } from '../../adapters/dynamodb-queue';
import { type CheckStatisticsRow, compareQueued, toStatisticsRows } from '../../core';
import { type Command, stringOption } from '../command';
import { EXIT, UsageError } from '../errors';
import { parseTime } from '../inputs';
import { type Output, paint, table, writeLine } from '../output';
import { printReportSummary, readReport, reportBucketOf, reportJson } from '../reports';
import { OUTPUT_KEYS } from '../stack-outputs';
import { AWS_HELP, AWS_OPTIONS, openTarget, STACK_HELP, STACK_OPTIONS, type Target } from '../target';

interface TaskStatus {
  readonly taskId: string;
  readonly taskStatus: string;
  readonly startTime: string | null;
  readonly endTime: string | null;
  readonly auditTaskId: string | null;
  readonly statistics: CheckStatisticsRow[];
}

async function describeTask(iot: IoTClient, taskId: string) {
  try {
    return await iot.send(new DescribeAuditMitigationActionsTaskCommand({ taskId }));
  } catch (error) {
    if ((error as Error).name !== 'ResourceNotFoundException') throw error;
    throw new UsageError(`mitigation task ${taskId} does not exist`, { cause: error });
  }
}

async function taskStatus(iot: IoTClient, taskId: string): Promise<TaskStatus> {
  const task = await describeTask(iot, taskId);
  return {
    taskId,
    taskStatus: task.taskStatus ?? 'UNKNOWN',
    startTime: task.startTime?.toISOString() ?? null,
    endTime: task.endTime?.toISOString() ?? null,
    auditTaskId: task.target?.auditTaskId ?? null,
    statistics: toStatisticsRows(task.taskStatistics),
  };
}

async function listTaskIds(iot: IoTClient, since: Date, until: Date): Promise<string[]> {
  const ids: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await iot.send(
      new ListAuditMitigationActionsTasksCommand({
        startTime: since,
        endTime: until,
        maxResults: 250,
        nextToken,
      }),
    );
    for (const t of page.tasks ?? []) if (t.taskId) ids.push(t.taskId);
    nextToken = page.nextToken;
  } while (nextToken);
  return ids;
}

/**
 * The FAILED and SKIPPED action executions of a task. ListAuditMitigationActionsExecutions requires
 * a findingId, so the findings come first: the task's own findingIds, else its audit's findings of
 * the checks it mitigates (ListAuditFindings), then the executions of each.
 */
async function problemExecutions(
  iot: IoTClient,
  taskId: string,
): Promise<AuditMitigationActionExecutionMetadata[]> {
  const task = await describeTask(iot, taskId);
  const checks = new Set(Object.keys(task.auditCheckToActionsMapping ?? {}));
  let findingIds = task.target?.findingIds ?? [];
  const auditTaskId = task.target?.auditTaskId;
  if (findingIds.length === 0 && auditTaskId) {
    let nextToken: string | undefined;
    do {
      const page = await iot.send(
        new ListAuditFindingsCommand({
          taskId: auditTaskId,
          listSuppressedFindings: true,
          maxResults: 250,
          nextToken,
        }),
      );
      for (const f of page.findings ?? [])
        if (f.findingId && f.checkName && checks.has(f.checkName)) findingIds = [...findingIds, f.findingId];
      nextToken = page.nextToken;
    } while (nextToken);
  }
  const executions: AuditMitigationActionExecutionMetadata[] = [];
  for (const findingId of findingIds) {
    let nextToken: string | undefined;
    do {
      const page = await iot.send(
        new ListAuditMitigationActionsExecutionsCommand({ taskId, findingId, maxResults: 250, nextToken }),
      );
      for (const e of page.actionsExecutions ?? [])
        if (e.status === 'FAILED' || e.status === 'SKIPPED') executions.push(e);
      nextToken = page.nextToken;
    } while (nextToken);
  }
  return executions;
}

/** One entry of the dispatcher's queue, as status shows it (never its task token). */
interface QueueRow {
  /** 1 for the next task the dispatcher starts; null for a task that holds a slot. */
  readonly position: number | null;
  readonly taskId: string;
  readonly state: string;
  readonly priority: number;
  readonly waitingSince: string;
  readonly executionName: string;
}

/**
 * The dispatcher's queue: the tasks holding a slot (STARTING, RUNNING) and the queued ones in the
 * order the dispatcher starts them (longest first, then oldest). Undefined when no queue table is
 * known (no --queue-table, --stack or --local).
 */
async function readQueue(target: Target, explicitTable: string | undefined, fromStack: boolean) {
  const table =
    explicitTable ?? (fromStack ? (await target.stackOutputs())[OUTPUT_KEYS.queueTable.key] : undefined);
  if (!table) return undefined;
  const entries = await target.round(() =>
    createDynamoDbMitigationQueue(target.clients.dynamoDb, table).active(),
  );
  const queued = entries.filter((e) => e.state === 'QUEUED').sort(compareQueued);
  const holding = entries.filter((e) => e.state !== 'QUEUED').sort(compareQueued);
  const row = (e: (typeof entries)[number], position: number | null): QueueRow => ({
    position,
    taskId: e.taskId,
    state: e.state,
    priority: e.priority,
    waitingSince: new Date(e.queuedAt).toISOString(),
    executionName: e.executionName,
  });
  return {
    table,
    entries: [...holding.map((e) => row(e, null)), ...queued.map((e, i) => row(e, i + 1))],
  };
}

function minutesSince(iso: string, now: number): string {
  const minutes = Math.max(0, Math.floor((now - Date.parse(iso)) / 60_000));
  return minutes < 120 ? `${minutes} min` : `${(minutes / 60).toFixed(1)} h`;
}

function printQueue(output: Output, queue: { table: string; entries: QueueRow[] }, now: number): void {
  const queued = queue.entries.filter((e) => e.position !== null).length;
  writeLine(
    output,
    `mitigation queue (${queue.table}): ${queued} queued, ${queue.entries.length - queued} holding a slot`,
  );
  if (queue.entries.length === 0) return;
  const rows: string[][] = [['position', 'task', 'state', 'priority', 'waiting since']];
  for (const e of queue.entries) {
    rows.push([
      e.position === null ? '-' : String(e.position),
      e.taskId,
      e.state,
      String(e.priority),
      `${e.waitingSince} (${minutesSince(e.waitingSince, now)})`,
    ]);
  }
  writeLine(output, table(rows, '  '));
}

function printTask(output: Output, task: TaskStatus): void {
  const colour =
    task.taskStatus === 'COMPLETED' ? 'green' : task.taskStatus === 'IN_PROGRESS' ? 'cyan' : 'red';
  writeLine(
    output,
    `${paint(output, 'bold', task.taskId)}  ${paint(output, colour, task.taskStatus)}  started ${task.startTime ?? '-'}  audit ${task.auditTaskId ?? '-'}`,
  );
  if (task.statistics.length === 0) return;
  const rows: (string | number)[][] = [['check', 'total', 'succeeded', 'failed', 'skipped', 'canceled']];
  for (const r of task.statistics)
    rows.push([r.check, r.total, r.succeeded, r.failed, r.skipped, r.canceled]);
  writeLine(output, table(rows, '    '));
}

export const statusCommand: Command = {
  name: 'status',
  summary: "list the mitigation tasks with per-check statistics, or one task's failed and skipped actions",
  usage:
    'iot-remediate status [--since 24h] [--task ID [--bucket NAME]] [--queue-table NAME | --stack NAME] [--json]',
  help: `Without --task: the audit mitigation actions tasks started in the window
(ListAuditMitigationActionsTasks), each with its status and per-check statistics
(DescribeAuditMitigationActionsTask). With --task: that task, and its FAILED and SKIPPED action
executions with their error codes (ListAuditMitigationActionsExecutions, per finding of the task's
audit: the API requires a findingId, listed with ListAuditFindings), and where its findings-level
report is with its summary (the stack's ReportBucketName; iot-remediate report prints it whole).
With --task, exit 1 when the task ended FAILED or CANCELED.

Without --task, with --local, --queue-table or --stack: the dispatcher's queue too (its table,
Query on the ActiveByRank index): the tasks holding one of the maxConcurrentTasks slots, then the
queued ones in the order the dispatcher starts them (position 1 next: longest first, then oldest),
with their priority (expected size: findings x actions) and since when they wait.

Options:
  --since TIME        start of the window: a duration ago (24h, 7d; default 24h) or ISO 8601;
                      IoT keeps tasks 90 days
  --task ID           one mitigation task
  --bucket NAME       the report bucket, with --task (default: the stack's ReportBucketName)
  --queue-table NAME  the dispatcher's queue table (default with --stack: its MitigationQueueTableName)
  --json              one JSON object: {"tasks":[...],"queue":{...}} or
                      {"task":{...},"executions":[...],"report":{...}}

${AWS_HELP}
${STACK_HELP}

Examples:
  iot-remediate status
  iot-remediate status --since 7d --profile prod --json
  iot-remediate status --stack iot-audit-remediation
  iot-remediate status --local --since 2025-12-01T00:00:00Z
  iot-remediate status --task remediate-7d1c0e5b9a8f4c2e8b6a4d2f0e1c3b5a-auto
  iot-remediate status --endpoint-url http://127.0.0.1:4566 --since 2026-01-01T00:00:00Z`,
  options: {
    ...AWS_OPTIONS,
    ...STACK_OPTIONS,
    since: { type: 'string' },
    task: { type: 'string' },
    'queue-table': { type: 'string' },
    json: { type: 'boolean' },
    bucket: { type: 'string' },
  },
  async run(args, output) {
    if (args.positionals.length > 0) throw new UsageError('status takes no positional argument');
    const taskId = stringOption(args, 'task');
    if (taskId !== undefined && args.values.since !== undefined)
      throw new UsageError('--since and --task exclude each other');
    const queueTable = stringOption(args, 'queue-table');
    if (taskId !== undefined && queueTable !== undefined)
      throw new UsageError('--queue-table and --task exclude each other');
    const target = await openTarget(args);
    try {
      const iot = target.clients.iot;
      if (taskId === undefined) {
        const now = target.clock.now();
        const since = parseTime(stringOption(args, 'since') ?? '24h', '--since', now);
        const tasks = await target.round(async () => {
          const ids = await listTaskIds(iot, since, new Date(now));
          const all: TaskStatus[] = [];
          for (const id of ids) all.push(await taskStatus(iot, id));
          return all;
        });
        const queue = await readQueue(
          target,
          queueTable,
          args.values.local === true || args.values.stack !== undefined,
        );
        if (args.values.json)
          writeLine(
            output,
            JSON.stringify({ since: since.toISOString(), tasks, ...(queue ? { queue } : {}) }),
          );
        else {
          writeLine(
            output,
            `${tasks.length} mitigation task(s) since ${since.toISOString()} on ${target.description}`,
          );
          for (const task of tasks) printTask(output, task);
          if (queue) printQueue(output, queue, target.clock.now());
        }
        return EXIT.ok;
      }
      const [task, executions] = await target.round(
        async () => [await taskStatus(iot, taskId), await problemExecutions(iot, taskId)] as const,
      );
      // The findings-level report the workflow wrote when the task ended (when the stack has a bucket).
      const bucket = await reportBucketOf(target, stringOption(args, 'bucket'));
      const report = bucket === undefined ? undefined : await readReport(target, bucket, taskId);
      const rows = executions.map((e) => ({
        findingId: e.findingId ?? '',
        actionName: e.actionName ?? '',
        status: e.status ?? '',
        errorCode: e.errorCode ?? null,
        message: e.message ?? null,
      }));
      if (args.values.json)
        writeLine(output, JSON.stringify({ task, executions: rows, report: reportJson(report) }));
      else {
        printTask(output, task);
        if (report) {
          printReportSummary(output, report);
          writeLine(output, `  full report: iot-remediate report ${taskId}`);
        } else if (bucket !== undefined)
          writeLine(output, '  no findings-level report yet (written when the task ends)');
        if (rows.length === 0) writeLine(output, '  no failed or skipped action execution');
        else {
          writeLine(output, `  ${rows.length} failed or skipped action execution(s):`);
          const cells: string[][] = [['finding', 'action', 'status', 'error code', 'message']];
          for (const r of rows)
            cells.push([r.findingId, r.actionName, r.status, r.errorCode ?? '-', r.message ?? '']);
          writeLine(output, table(cells, '    '));
        }
      }
      return task.taskStatus === 'FAILED' || task.taskStatus === 'CANCELED' ? EXIT.workflowFailed : EXIT.ok;
    } finally {
      await target.close();
    }
  },
};
