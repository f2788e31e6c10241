import { type AuditSummary, type MitigationPlan, planMitigation, summariseNotification } from '../../core';
import { type Command, stringOption } from '../command';
import { EXIT, UsageError } from '../errors';
import { type EventFile, loadConfig, loadEvent } from '../inputs';
import { type Output, paint, table, writeLine } from '../output';

/** The plan as `plan --json` prints it: exactly one object, the request being the API input itself. */
export function planToJson(plan: MitigationPlan): Record<string, unknown> {
  return plan.action === 'start'
    ? { action: 'start', request: plan.request, skipped: plan.skipped }
    : { action: 'skip', reason: plan.reason };
}

/** The audit of an event file, when the event carries it (a minimal event does not). */
export function auditOfEvent(event: EventFile): AuditSummary | undefined {
  return event.completion.kind === 'notification'
    ? summariseNotification(event.completion.notification)
    : undefined;
}

/** Prints a plan for people: the checks, actions and target, or the reason nothing starts. */
export function printPlan(output: Output, audit: AuditSummary, plan: MitigationPlan, indent = '  '): void {
  const kind = [audit.taskType, audit.scheduledAuditName].filter(Boolean).join(' ');
  writeLine(output, `${indent}audit ${audit.auditTaskId} (${kind}, ${audit.taskStatus})`);
  if (plan.action === 'skip') {
    writeLine(output, `${indent}${paint(output, 'yellow', 'plan: skip')}: ${plan.reason}`);
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
  for (const skip of plan.skipped)
    writeLine(output, `${indent}${paint(output, 'dim', `skipped ${skip.check}: ${skip.reason}`)}`);
}

export const planCommand: Command = {
  name: 'plan',
  summary: 'print the mitigation request an event would start (touches nothing)',
  usage: 'iot-remediate plan <event.json> [--config FILE] [--local [--scenario FILE]] [--json]',
  help: `The event file may hold the EventBridge event, the raw audit notification, or an SNS event
carrying it. A minimal event (only the audit task id) needs the audit's checks: --local reads them
from the local stack's scenario through DescribeAuditTask.

Options:
  --config FILE     remediation config (default: ${'config/remediation.json'})
  --local           read a minimal event's audit from the embedded local stack
  --scenario FILE   scenario that seeds the local stack (default: scenarios/default.json)
  --json            print exactly one JSON object:
                    {"action":"start","request":{...},"skipped":[...]} or {"action":"skip","reason":"..."}

Examples:
  iot-remediate plan events/scheduled-audit-non-compliant.json
  iot-remediate plan events/minimal-audit-task-id.json --local --json`,
  options: {
    config: { type: 'string' },
    local: { type: 'boolean' },
    scenario: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(args, output) {
    if (args.positionals.length !== 1) throw new UsageError('plan takes exactly one event file');
    const config = loadConfig(stringOption(args, 'config'));
    const event = loadEvent(args.positionals[0] ?? '');
    let audit = auditOfEvent(event);
    if (audit === undefined) {
      if (event.completion.kind !== 'audit-task-id') throw new Error('unreachable');
      if (!args.values.local) {
        throw new UsageError(
          `${event.path} carries only the audit task id ${event.completion.auditTaskId}: add --local to read its checks from the local stack`,
        );
      }
      const { describeAuditOnLocalStack } = await import('../local-audit');
      audit = await describeAuditOnLocalStack(event.completion.auditTaskId, stringOption(args, 'scenario'));
    }
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
