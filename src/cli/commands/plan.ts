import { createIotMitigationApi } from '../../adapters/iot';
import { AuditNotFoundError } from '../../app/ports';
import { readAudit } from '../../app/read-audit';
import {
  type AuditSummary,
  type DescribedAuditTask,
  type MitigationPlan,
  planMitigation,
  summariseNotification,
} from '../../core';
import { type Command, type CommandArgs, stringOption } from '../command';
import { EXIT, UsageError } from '../errors';
import { loadConfig, loadEvent, prefixed } from '../inputs';
import { type Output, paint, table, writeLine } from '../output';
import { AWS_HELP, AWS_OPTIONS, openTarget } from '../target';

/** The plan as `plan --json` prints it: exactly one object, the request being the API input itself. */
export function planToJson(plan: MitigationPlan): Record<string, unknown> {
  return plan.action === 'start'
    ? { action: 'start', request: plan.request, skipped: plan.skipped }
    : { action: 'skip', reason: plan.reason, skipped: plan.skipped };
}

/** The audit as IoT records it (DescribeAuditTask), from the account or the local stack. */
async function describeAudit(
  args: CommandArgs,
  path: string,
  auditTaskId: string,
): Promise<DescribedAuditTask> {
  const target = await openTarget(args);
  try {
    return await target.round(() => createIotMitigationApi(target.clients.iot).describeAudit(auditTaskId));
  } catch (error) {
    if (!(error instanceof AuditNotFoundError)) throw error;
    throw new UsageError(`audit ${auditTaskId} (${path}) does not exist on ${target.description}`, {
      cause: error,
    });
  } finally {
    await target.close();
  }
}

/**
 * The audit to plan. With --account or --local: IoT's record, as the function plans it (a
 * notification that disagrees with it is refused, as the function refuses it). Without: a preview
 * from the file's own counts, which only a minimal event cannot give.
 */
async function auditToPlan(
  args: CommandArgs,
  event: ReturnType<typeof loadEvent>,
): Promise<{ audit: AuditSummary; fromIot: boolean }> {
  if (args.values.account || args.values.local) {
    const audit = await readAudit(event.completion, (id) => describeAudit(args, event.path, id)).catch(
      (error: unknown) => prefixed(event.path, error),
    );
    return { audit, fromIot: true };
  }
  if (event.completion.kind === 'notification') {
    return { audit: summariseNotification(event.completion.notification), fromIot: false };
  }
  throw new UsageError(
    `${event.path} carries only the audit task id ${event.completion.auditTaskId}: add --account to read its checks with DescribeAuditTask (or --local)`,
  );
}

/** One line per check the plan left out: `<check> skipped: <reason>`. */
function printSkipped(output: Output, plan: MitigationPlan, indent: string): void {
  for (const skip of plan.skipped)
    writeLine(output, `${indent}${paint(output, 'dim', `${skip.check} skipped: ${skip.reason}`)}`);
}

/** Prints a plan for people: the checks, actions and target, or the reason nothing starts. */
export function printPlan(output: Output, audit: AuditSummary, plan: MitigationPlan, indent = '  '): void {
  const kind = [audit.taskType, audit.scheduledAuditName].filter(Boolean).join(' ');
  writeLine(output, `${indent}audit ${audit.auditTaskId} (${kind}, ${audit.taskStatus})`);
  if (plan.action === 'skip') {
    writeLine(output, `${indent}${paint(output, 'yellow', 'plan: skip')}: ${plan.reason}`);
    printSkipped(output, plan, indent);
    return;
  }
  const verb = plan.mode === 'dry-run' ? 'dry run (nothing is started)' : 'start';
  writeLine(
    output,
    `${indent}${paint(output, 'green', `plan: ${verb}`)} mitigation task ${plan.request.taskId}`,
  );
  const filter = plan.request.target.auditCheckToReasonCodeFilter;
  const filterText = filter
    ? `; reason codes: ${Object.entries(filter)
        .map(([check, codes]) => `${check}=${codes.join('|')}`)
        .join(', ')}`
    : '';
  writeLine(output, `${indent}target: audit ${plan.request.target.auditTaskId}${filterText}`);
  const rows: (string | number)[][] = [['check', 'non-compliant', 'actions (in order)']];
  for (const check of plan.included)
    rows.push([check.check, check.nonCompliantResourcesCount, check.actions.join(' -> ')]);
  writeLine(output, table(rows, `${indent}  `));
  printSkipped(output, plan, indent);
}

export const planCommand: Command = {
  name: 'plan',
  summary: 'print the mitigation request an event would start (starts nothing)',
  usage: 'iot-remediate plan <event.json> [--config FILE] [--account | --local] [--json]',
  help: `The event file may hold the EventBridge event, the raw audit notification, or an SNS event
carrying it. With --account (or --local: the embedded local stack's scenario) the plan is made as
the function makes it, from IoT's record of the audit (DescribeAuditTask), and a notification whose
status or counts disagree with IoT's is refused (exit 2). Without, a notification is previewed from
its own counts; a minimal event (only the audit task id) needs --account or --local.
Nothing is started either way.

Options:
  --config FILE     remediation config (default: config/remediation.json)
  --account         plan from IoT's DescribeAuditTask, as the function does (AWS options below)
  --json            print exactly one JSON object:
                    {"action":"start","request":{...},"skipped":[...]} or
                    {"action":"skip","reason":"...","skipped":[...]}

${AWS_HELP}

Examples:
  iot-remediate plan events/scheduled-audit-non-compliant.json
  iot-remediate plan events/minimal-audit-task-id.json --local --json
  iot-remediate plan events/minimal-audit-task-id.json --account --profile prod --region eu-west-1`,
  options: {
    ...AWS_OPTIONS,
    config: { type: 'string' },
    account: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run(args, output) {
    if (args.positionals.length !== 1) throw new UsageError('plan takes exactly one event file');
    const config = loadConfig(stringOption(args, 'config'));
    const event = loadEvent(args.positionals[0] ?? '');
    const { audit, fromIot } = await auditToPlan(args, event);
    const plan = planMitigation(audit, config);
    if (args.values.json) writeLine(output, JSON.stringify(planToJson(plan)));
    else {
      if (!fromIot) {
        writeLine(
          output,
          paint(
            output,
            'dim',
            "preview from the file's own counts: the function plans from IoT's (DescribeAuditTask); add --account or --local to plan from them",
          ),
        );
      }
      printPlan(output, audit, plan, '');
      if (plan.action === 'start') {
        writeLine(output, '\nStartAuditMitigationActionsTask request:');
        writeLine(output, JSON.stringify(plan.request, null, 2));
      }
    }
    return EXIT.ok;
  },
};
