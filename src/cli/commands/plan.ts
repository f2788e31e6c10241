import { createIotMitigationApi } from '../../adapters/iot';
import { readAudit } from '../../app/read-audit';
import { type AuditSummary, type DescribedAuditTask, type MitigationPlan, planMitigation } from '../../core';
import { type Command, type CommandArgs, stringOption } from '../command';
import { EXIT, UsageError } from '../errors';
import { loadConfig, loadEvent } from '../inputs';
import { type Output, paint, table, writeLine } from '../output';
import { AWS_HELP, AWS_OPTIONS, openTarget } from '../target';

/** The plan as `plan --json` prints it: exactly one object, the request being the API input itself. */
export function planToJson(plan: MitigationPlan): Record<string, unknown> {
  return plan.action === 'start'
    ? { action: 'start', request: plan.request, skipped: plan.skipped }
    : { action: 'skip', reason: plan.reason, skipped: plan.skipped };
}

/** A minimal event's audit, read with DescribeAuditTask from the account (or the local stack). */
async function describeAudit(
  args: CommandArgs,
  path: string,
  auditTaskId: string,
): Promise<DescribedAuditTask> {
  if (!args.values.account && !args.values.local) {
    throw new UsageError(
      `${path} carries only the audit task id ${auditTaskId}: add --account to read its checks with DescribeAuditTask (or --local)`,
    );
  }
  const target = await openTarget(args);
  try {
    return await target.round(() => createIotMitigationApi(target.clients.iot).describeAudit(auditTaskId));
  } catch (error) {
    if ((error as Error).name !== 'ResourceNotFoundException') throw error;
    throw new UsageError(`audit ${auditTaskId} (${path}) does not exist on ${target.description}`, {
      cause: error,
    });
  } finally {
    await target.close();
  }
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
carrying it. A minimal event (only the audit task id) needs the audit's checks: --account reads
them with DescribeAuditTask from the account (--local: from the embedded local stack's scenario).
Nothing is started either way.

Options:
  --config FILE     remediation config (default: config/remediation.json)
  --account         fill a minimal event's checks from DescribeAuditTask (AWS options below)
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
    const audit = await readAudit(event.completion, (id) => describeAudit(args, event.path, id));
    const plan = planMitigation(audit, config);
    if (args.values.json) writeLine(output, JSON.stringify(planToJson(plan)));
    else {
      printPlan(output, audit, plan, '');
      if (plan.action === 'start') {
        writeLine(output, '\nStartAuditMitigationActionsTask request:');
        writeLine(output, JSON.stringify(plan.request, null, 2));
      }
    }
    return EXIT.ok;
  },
};
