import { writeFileSync } from 'node:fs';
import { DescribeAuditMitigationActionsTaskCommand } from '@aws-sdk/client-iot';
import { createS3ReportStore } from '../../adapters/s3';
import { readStoredReport } from '../../app/findings-report';
import { DEFAULT_REPORT_PREFIX, renderReportTable, toCsv } from '../../core';
import { taskIdArgument } from '../approvals';
import { type Command, stringOption } from '../command';
import { EXIT, UsageError } from '../errors';
import { loadConfig, loadEvents, parseDuration, readJsonFile } from '../inputs';
import { writeLine } from '../output';
import {
  AWS_HELP,
  AWS_OPTIONS,
  openTarget,
  STACK_HELP,
  STACK_OPTIONS,
  stackName,
  type Target,
} from '../target';
import { followOptionsFor, followWorkflows } from '../workflows';
import { putEvents } from './replay';

const DEFAULT_EVENTS = 'events';

/** Whether IoT knows the task: tells an unknown task id (exit 2) from a report not written yet. */
async function taskStatusOf(target: Target, taskId: string): Promise<string | undefined> {
  try {
    const task = await target.round(() =>
      target.clients.iot.send(new DescribeAuditMitigationActionsTaskCommand({ taskId })),
    );
    return task.taskStatus ?? 'UNKNOWN';
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

/** With --local: the events replayed on the embedded stack and their workflows followed to the end. */
async function seedLocal(target: Target, eventsPath: string, configPath: string | undefined): Promise<void> {
  const events = loadEvents([eventsPath]);
  const config = loadConfig(configPath);
  const busName = await stackName(target, undefined, 'bus');
  const stateMachineArn = await stackName(target, undefined, 'stateMachine');
  const workflows = await putEvents(target, events, config, busName, () => undefined);
  await followWorkflows(workflows, followOptionsFor(target, stateMachineArn, parseDuration('10s', 'poll')));
}

export const reportCommand: Command = {
  name: 'report',
  summary: "print a mitigation task's findings-level report: every finding, failures and their error codes",
  usage: 'iot-remediate report <taskId> [--json|--csv] [--failed] [--out FILE]',
  help: `Reads the findings-level report the workflow wrote when the task ended (S3: the stack's
ReportBucketName, reports/<taskId>/findings.jsonl and summary.json) and prints it: by default a
table grouped by check, failed findings first, each with its resource, reason code and the failed
action's error code and message. A report marked PARTIAL left some findings unread (the read budget
of ListAuditMitigationActionsExecutions, 10 calls a second); they show as UNKNOWN.

Options:
  --json               one JSON object: {"summary":{...},"rows":[...]}
  --csv                CSV (RFC 4180): one line per action execution, or per finding without any
  --failed             only the failed findings
  --out FILE           write to FILE instead of stdout
  --bucket NAME        the report bucket (default: the stack's ReportBucketName)
${STACK_HELP}

With --local (an embedded stack, gone when the command ends): the events are first put on its bus,
as \`replay --local\` does, and their workflows followed to the end.
  --events PATH        event file or folder replayed first (default: ${DEFAULT_EVENTS})
  --config FILE        remediation config of the local stack's function (default: the bundled one)

${AWS_HELP}

Examples:
  iot-remediate report remediate-a3aea009955e501a31b764abe1bebd3d-auto
  iot-remediate report remediate-a3aea009955e501a31b764abe1bebd3d-auto --failed --csv --out failed.csv
  iot-remediate report remediate-a3aea009955e501a31b764abe1bebd3d-auto --local --json

Exit 1 when the task has no report yet or its report has failed findings; 2 when no such task.`,
  options: {
    ...AWS_OPTIONS,
    ...STACK_OPTIONS,
    json: { type: 'boolean' },
    csv: { type: 'boolean' },
    failed: { type: 'boolean' },
    out: { type: 'string' },
    bucket: { type: 'string' },
    events: { type: 'string' },
    config: { type: 'string' },
  },
  async run(args, output) {
    const taskId = taskIdArgument(args, 'report');
    if (args.values.json && args.values.csv) throw new UsageError('--json and --csv exclude each other');
    if (!args.values.local)
      for (const option of ['events', 'config'] as const)
        if (args.values[option] !== undefined) throw new UsageError(`--${option} goes with --local`);
    const configPath = stringOption(args, 'config');
    const eventsPath = stringOption(args, 'events') ?? DEFAULT_EVENTS;
    // Read before anything starts: a bad file is exit 2 with nothing replayed.
    if (args.values.local) {
      loadEvents([eventsPath]);
      loadConfig(configPath);
    }
    // The local stack's function runs the same config the seeding plans with.
    const target = await openTarget(args, { config: configPath ? readJsonFile(configPath) : undefined });
    try {
      if (args.values.local) await seedLocal(target, eventsPath, configPath);
      const bucket = await stackName(target, stringOption(args, 'bucket'), 'reportBucket');
      const store = createS3ReportStore(target.clients.s3, bucket);
      const report = await target.round(() => readStoredReport(store, DEFAULT_REPORT_PREFIX, taskId));
      if (report === undefined) {
        const status = await taskStatusOf(target, taskId);
        if (status === undefined) throw new UsageError(`mitigation task ${taskId} does not exist`);
        writeLine(
          output,
          `no report for task ${taskId} yet (task ${status}): the workflow writes it when the task ends`,
        );
        return EXIT.workflowFailed;
      }
      const rows = args.values.failed ? report.rows.filter((r) => r.outcome === 'FAILED') : report.rows;
      const text = args.values.json
        ? `${JSON.stringify({ location: `s3://${bucket}/${report.key}`, summary: report.summary, rows })}\n`
        : args.values.csv
          ? toCsv(rows)
          : `${renderReportTable(report.summary, rows)}report: s3://${bucket}/${report.key}\n`;
      const out = stringOption(args, 'out');
      if (out !== undefined) writeFileSync(out, text);
      else output.out.write(text);
      return report.summary.failed > 0 ? EXIT.workflowFailed : EXIT.ok;
    } finally {
      await target.close();
    }
  },
};
