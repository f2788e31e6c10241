import { createIotFindingsApi, createIotMitigationApi, createIotResourceDirectory } from '../../adapters/iot';
import { planAudit } from '../../app/plan-audit';
import { AuditNotFoundError } from '../../app/ports';
import { readAudit } from '../../app/read-audit';
import {
  type AuditSummary,
  type CheckPreview,
  type MitigationPlan,
  type PlannedTask,
  planMitigation,
  type RemediationConfig,
  type ResourceRef,
  summariseNotification,
} from '../../core';
import { type Command, type CommandArgs, stringOption } from '../command';
import { EXIT, UsageError } from '../errors';
import { loadConfig, loadEvent, prefixed } from '../inputs';
import { type Output, paint, table, writeLine } from '../output';
import { AWS_HELP, AWS_OPTIONS, callerAccount, openTarget } from '../target';

function taskToJson(task: PlannedTask): Record<string, unknown> {
  return {
    policy: task.policy,
    group: task.group,
    taskId: task.request.taskId,
    request: task.request,
    checks: task.checks,
    ...(task.approvalTimeoutSeconds !== undefined
      ? { approvalTimeoutSeconds: task.approvalTimeoutSeconds }
      : {}),
  };
}

/**
 * The plan as `plan --json` prints it: exactly one object. `action`, `request` (the first task's
 * API input) and `skipped` keep their one-task meaning; `tasks`, `notify`, `protected` and
 * `previews` tell the rest.
 */
export function planToJson(plan: MitigationPlan): Record<string, unknown> {
  return plan.action === 'start'
    ? {
        action: 'start',
        request: plan.request,
        skipped: plan.skipped,
        tasks: plan.tasks.map(taskToJson),
        notify: plan.notify,
        protected: plan.protected,
        previews: plan.previews,
      }
    : {
        action: 'skip',
        reason: plan.reason,
        skipped: plan.skipped,
        notify: plan.notify,
        protected: plan.protected,
      };
}

/**
 * Plans from IoT, as the function plans (a notification that disagrees with IoT's record is
 * refused, as the function refuses it): DescribeAuditTask, then the findings and the protect
 * selectors through planAudit. One target for every call.
 */
async function planFromIot(
  args: CommandArgs,
  output: Output,
  event: ReturnType<typeof loadEvent>,
  config: RemediationConfig,
): Promise<{ audit: AuditSummary; plan: MitigationPlan }> {
  const target = await openTarget(args);
  try {
    const iot = target.clients.iot;
    const audit = await readAudit(event.completion, async (id) => {
      try {
        return await target.round(() => createIotMitigationApi(iot).describeAudit(id));
      } catch (error) {
        if (!(error instanceof AuditNotFoundError)) throw error;
        throw new UsageError(`audit ${id} (${event.path}) does not exist on ${target.description}`, {
          cause: error,
        });
      }
    }).catch((error: unknown) => prefixed(event.path, error));
    const accountId = await target.round(() => callerAccount(target));
    const { plan, reads } = await target.round(() =>
      planAudit({
        audit,
        config,
        findings: createIotFindingsApi(iot, { accountId }),
        directory: createIotResourceDirectory(iot),
      }),
    );
    if (reads.thingsUnavailable && !args.values.json)
      writeLine(
        output,
        paint(
          output,
          'dim',
          `the things of the previewed certificates could not be read (${reads.thingsUnavailable})`,
        ),
      );
    return { audit, plan };
  } finally {
    await target.close();
  }
}

/**
 * The audit to plan. With --account or --local: IoT's record and findings. Without: a preview
 * from the file's own counts, which only a minimal event cannot give (and which cannot see
 * protected resources: the findings are not read).
 */
async function auditToPlan(
  args: CommandArgs,
  output: Output,
  event: ReturnType<typeof loadEvent>,
  config: RemediationConfig,
): Promise<{ audit: AuditSummary; plan: MitigationPlan; fromIot: boolean }> {
  if (args.values.account || args.values.local) {
    return { ...(await planFromIot(args, output, event, config)), fromIot: true };
  }
  if (event.completion.kind === 'notification') {
    const audit = summariseNotification(event.completion.notification);
    return { audit, plan: planMitigation(audit, config), fromIot: false };
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

function describeResource(ref: ResourceRef): string {
  const id = Object.entries(ref.resourceIdentifier)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  const things = ref.things && ref.things.length > 0 ? ` (things: ${ref.things.join(', ')})` : '';
  return `${ref.findingId} ${ref.resourceType} ${id}${things}`;
}

/** `<check>: <n> resource(s)` and the first resources, one a line. */
function printPreviews(output: Output, previews: readonly CheckPreview[], indent: string): void {
  for (const preview of previews) {
    const count = `${preview.resourceCount}${preview.partial ? '+' : ''}`;
    writeLine(output, `${indent}${preview.check}: ${count} resource(s)`);
    for (const ref of preview.resources) writeLine(output, `${indent}  ${describeResource(ref)}`);
    const more = preview.resourceCount - preview.resources.length;
    if (more > 0)
      writeLine(output, paint(output, 'dim', `${indent}  ... and ${more}${preview.partial ? '+' : ''} more`));
  }
}

function printTask(output: Output, task: PlannedTask, indent: string): void {
  const waits =
    task.approvalTimeoutSeconds !== undefined
      ? `, waits up to ${task.approvalTimeoutSeconds} s for approval`
      : '';
  const { auditTaskId, findingIds, auditCheckToReasonCodeFilter: filter } = task.request.target;
  const filterText = filter
    ? `; reason codes: ${Object.entries(filter)
        .map(([check, codes]) => `${check}=${codes.join('|')}`)
        .join(', ')}`
    : '';
  const targetText = findingIds ? `${findingIds.length} finding(s)` : `audit ${auditTaskId}${filterText}`;
  writeLine(output, `${indent}${paint(output, 'bold', task.request.taskId)} (${task.policy}${waits})`);
  writeLine(output, `${indent}  target: ${targetText}`);
  const rows: (string | number)[][] = [
    ['check', findingIds ? 'findings' : 'non-compliant', 'actions (in order)'],
  ];
  for (const check of task.checks)
    rows.push([check.check, check.nonCompliantResourcesCount, check.actions.join(' -> ')]);
  writeLine(output, table(rows, `${indent}    `));
}

/** Prints a plan for people: the tasks by policy, the preview, notify checks and protected resources, or the reason nothing starts. */
export function printPlan(output: Output, audit: AuditSummary, plan: MitigationPlan, indent = '  '): void {
  const kind = [audit.taskType, audit.scheduledAuditName].filter(Boolean).join(' ');
  writeLine(output, `${indent}audit ${audit.auditTaskId} (${kind}, ${audit.taskStatus})`);
  if (plan.action === 'skip') {
    writeLine(output, `${indent}${paint(output, 'yellow', 'plan: skip')}: ${plan.reason}`);
  } else {
    const verb = plan.mode === 'dry-run' ? 'dry run (nothing is started)' : 'start';
    const count = plan.tasks.length === 1 ? 'mitigation task' : `${plan.tasks.length} mitigation tasks`;
    writeLine(output, `${indent}${paint(output, 'green', `plan: ${verb}`)} ${count}`);
    for (const policy of ['auto', 'approve'] as const) {
      const tasks = plan.tasks.filter((t) => t.policy === policy);
      if (tasks.length === 0) continue;
      writeLine(
        output,
        `${indent}${policy === 'auto' ? 'auto (started at once):' : 'approve (started once approved):'}`,
      );
      for (const task of tasks) printTask(output, task, `${indent}  `);
    }
    if (plan.previews.length > 0) {
      writeLine(output, `${indent}preview (resources each check would touch):`);
      printPreviews(output, plan.previews, `${indent}  `);
    }
  }
  if (plan.notify.length > 0) {
    writeLine(output, `${indent}notify (reported, never mitigated):`);
    printPreviews(output, plan.notify, `${indent}  `);
  }
  if (plan.protected.length > 0) {
    writeLine(output, `${indent}protected (left alone): ${plan.protected.length} finding(s)`);
    for (const ref of plan.protected.slice(0, 10)) writeLine(output, `${indent}  ${describeResource(ref)}`);
    if (plan.protected.length > 10)
      writeLine(output, `${indent}  ... and ${plan.protected.length - 10} more`);
  }
  printSkipped(output, plan, indent);
}

export const planCommand: Command = {
  name: 'plan',
  summary: 'print the mitigation request an event would start (starts nothing)',
  usage: 'iot-remediate plan <event.json> [--config FILE] [--account | --local] [--json]',
  help: `The event file may hold the EventBridge event, the raw audit notification, or an SNS event
carrying it. With --account (or --local: the embedded local stack's scenario) the plan is made as
the function makes it, from IoT's record of the audit (DescribeAuditTask), and a notification whose
status or counts disagree with IoT's is refused (exit 2); the findings of approve and notify checks
(of every check when the config protects resources) are read (ListAuditFindings) for the preview
and the protected resources. Without, a notification is previewed from
its own counts; a minimal event (only the audit task id) needs --account or --local.
Nothing is started either way.

Options:
  --config FILE     remediation config (default: config/remediation.json)
  --account         plan from IoT's DescribeAuditTask, as the function does (AWS options below)
  --json            print exactly one JSON object:
                    {"action":"start","request":{...},"skipped":[...],"tasks":[...],
                     "notify":[...],"protected":[...],"previews":[...]} or
                    {"action":"skip","reason":"...","skipped":[...],"notify":[...],"protected":[...]}
                    (request is the first task's; tasks lists each with its policy,
                    group, taskId, request, checks and approvalTimeoutSeconds)

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
    const { audit, plan, fromIot } = await auditToPlan(args, output, event, config);
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
        writeLine(
          output,
          `\nStartAuditMitigationActionsTask request${plan.tasks.length > 1 ? ' (first task)' : ''}:`,
        );
        writeLine(output, JSON.stringify(plan.request, null, 2));
      }
    }
    return EXIT.ok;
  },
};
