/** What approvals, approve and reject share: options, the use case on a target, the local seeding, output. */
import { ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { createStepFunctionsApprovalGate } from '../adapters/step-functions';
import { createStsCallerIdentity } from '../adapters/sts';
import {
  ApprovalInputError,
  type Approvals,
  createApprovals,
  type DecisionResult,
  UnknownApprovalError,
} from '../app/approvals';
import { type ApprovalCheck, type ApprovalGateRecord, ApprovalNotPendingError } from '../app/ports';
import { executionArnFor, parseExecutionName } from '../core';
import { type Command, type CommandArgs, stringOption } from './command';
import { putEvents } from './commands/replay';
import { EXIT, InputError, UsageError } from './errors';
import { loadConfig, loadEvents, parseDuration, readJsonFile } from './inputs';
import { type Output, paint, table, writeLine } from './output';
import {
  AWS_HELP,
  AWS_OPTIONS,
  openTarget,
  STACK_HELP,
  STACK_OPTIONS,
  stackName,
  type Target,
} from './target';
import { followOptionsFor, followWorkflows, type TrackedWorkflow } from './workflows';

/** The options of approvals, approve and reject. */
export const APPROVAL_OPTIONS = {
  ...AWS_OPTIONS,
  ...STACK_OPTIONS,
  'state-machine': { type: 'string' },
  events: { type: 'string' },
  config: { type: 'string' },
  'poll-interval': { type: 'string' },
  json: { type: 'boolean' },
} as const;

const DEFAULT_EVENTS = 'events';

export const APPROVAL_HELP = `  --state-machine ARN    the workflow's state machine (default: the stack's MitigationStateMachineArn)
${STACK_HELP}
  --poll-interval DUR    between two looks at the workflows (default 10s)
  --json                 one JSON object on stdout

With --local (an embedded stack, gone when the command ends): the events are first put on its bus,
as \`replay --local\` does, and the workflows followed until each has ended or waits for approval.
  --events PATH          event file or folder replayed first (default: ${DEFAULT_EVENTS})
  --config FILE          remediation config of the local stack's function (default: the bundled one)

${AWS_HELP}`;

/** A task id as the CLI takes it: `<taskId>`, or the name of an execution of its chain. */
const TASK_ID = /^[a-zA-Z0-9_-]{1,80}$/;

/** The one positional of a command that takes a mitigation task id (or an execution name of its chain). */
export function taskIdArgument(args: CommandArgs, command: string): string {
  const [name, ...extra] = args.positionals;
  if (name === undefined) throw new UsageError('no mitigation task id given');
  if (extra.length > 0) throw new UsageError(`${command} takes one mitigation task id`);
  if (!TASK_ID.test(name)) throw new UsageError(`task id '${name}' must be 1-80 characters of [a-zA-Z0-9_-]`);
  return parseExecutionName(name).taskId;
}

/** Options that only make sense with --local, refused otherwise (nothing is replayed against AWS). */
function checkLocalOnly(args: CommandArgs): void {
  if (args.values.local) return;
  for (const option of ['events', 'config'] as const)
    if (args.values[option] !== undefined) throw new UsageError(`--${option} goes with --local`);
}

/** The approvals use case over the target's Step Functions and STS. */
function approvalsOn(target: Target, stateMachineArn: string): Approvals {
  return createApprovals({
    gate: createStepFunctionsApprovalGate(target.clients.sfn, stateMachineArn),
    identity: createStsCallerIdentity(target.clients.sts),
    now: () => target.clock.now(),
    via: 'cli',
  });
}

/**
 * With --local: puts the events on the embedded stack's bus and follows the workflows (the replay's
 * code) until every one has ended or waits for approval, and no other execution runs but those
 * waiting. The caller holds the clock (Target.hold) in the same turn it returns: the virtual clock
 * would otherwise jump to the next wake-up, an approval's timeout.
 */
async function seedLocal(
  target: Target,
  args: CommandArgs,
  stateMachineArn: string,
  approvals: Approvals,
  pollIntervalMs: number,
): Promise<void> {
  const events = loadEvents([stringOption(args, 'events') ?? DEFAULT_EVENTS]);
  const config = loadConfig(stringOption(args, 'config'));
  const busName = await stackName(target, undefined, 'bus');
  const workflows = await putEvents(target, events, config, busName, () => undefined);
  await followWorkflows(workflows, {
    ...followOptionsFor(target, stateMachineArn, pollIntervalMs),
    until: async (all) => {
      const waiting = new Set((await approvals.pending()).map((g) => g.executionName));
      const running = await target.clients.sfn.send(
        new ListExecutionsCommand({ stateMachineArn, statusFilter: 'RUNNING', maxResults: 1000 }),
      );
      const followed = all.every(
        (w) => w.end !== undefined || (w.executionName !== undefined && waiting.has(w.executionName)),
      );
      return followed && (running.executions ?? []).every((e) => e.name && waiting.has(e.name));
    },
  });
}

/** Opens the target, resolves the state machine, seeds a local stack, then runs `work` and closes. */
export async function withApprovals<T>(
  args: CommandArgs,
  work: (context: { target: Target; approvals: Approvals; stateMachineArn: string }) => Promise<T>,
): Promise<T> {
  checkLocalOnly(args);
  const pollIntervalMs = parseDuration(stringOption(args, 'poll-interval') ?? '10s', '--poll-interval');
  const configPath = stringOption(args, 'config');
  const target = await openTarget(args, { config: configPath ? readJsonFile(configPath) : undefined });
  try {
    const stateMachineArn = await stackName(target, stringOption(args, 'state-machine'), 'stateMachine');
    const approvals = approvalsOn(target, stateMachineArn);
    if (args.values.local) await seedLocal(target, args, stateMachineArn, approvals, pollIntervalMs);
    return await work({ target, approvals, stateMachineArn });
  } finally {
    await target.close();
  }
}

/** `in 71h 59m`, or `expired`: how long an approval still waits. */
function remaining(expiresAt: string, now: number): string {
  const minutes = Math.floor((Date.parse(expiresAt) - now) / 60_000);
  if (minutes < 0) return 'expired';
  return `in ${Math.floor(minutes / 60)}h ${minutes % 60}m`;
}

/** A resource identifier on one line: `deviceCertificateId=ab12…`, nested members flattened. */
export function formatIdentifier(identifier: Readonly<Record<string, unknown>>): string {
  return Object.entries(identifier)
    .map(([key, value]) =>
      value !== null && typeof value === 'object'
        ? formatIdentifier(value as Record<string, unknown>)
        : `${key}=${String(value)}`,
    )
    .join(' ');
}

/** The resources listed per check in the text output (all of them in --json). */
const RESOURCES_SHOWN = 3;

function printCheckResources(output: Output, check: ApprovalCheck): void {
  for (const r of check.resources.slice(0, RESOURCES_SHOWN)) {
    const things = r.things && r.things.length > 0 ? ` (things: ${r.things.join(', ')})` : '';
    writeLine(output, `      ${r.resourceType} ${formatIdentifier(r.resourceIdentifier)}${things}`);
  }
  const more = check.resourceCount - Math.min(check.resources.length, RESOURCES_SHOWN);
  if (more > 0) writeLine(output, `      ... and ${more}${check.partial ? '+' : ''} more`);
}

/** One pending approval for people: the task, its audit, its checks with their first resources. */
export function printApproval(output: Output, gate: ApprovalGateRecord, now: number): void {
  writeLine(output, `\n${paint(output, 'bold', gate.taskId)}`);
  writeLine(
    output,
    `  audit ${gate.auditTaskId} · requested ${gate.requestedAt} · expires ${gate.expiresAt} (${remaining(gate.expiresAt, now)})`,
  );
  const rows: (string | number)[][] = [['check', 'actions', 'resources']];
  for (const c of gate.checks)
    rows.push([c.check, c.actions.join(', '), `${c.resourceCount}${c.partial ? '+' : ''}`]);
  writeLine(output, table(rows, '    '));
  for (const c of gate.checks) {
    if (c.resources.length === 0) continue;
    writeLine(output, `    ${c.check}:`);
    printCheckResources(output, c);
  }
  if (gate.protectedCount > 0) writeLine(output, `  ${gate.protectedCount} protected resource(s) left alone`);
  writeLine(
    output,
    `  decide: iot-remediate approve ${gate.taskId} [--reason TEXT] | iot-remediate reject ${gate.taskId} --reason TEXT`,
  );
}

/** A pending approval in --json: the gate's request, without its state (pending by definition). */
export function approvalJson(gate: ApprovalGateRecord) {
  return {
    taskId: gate.taskId,
    auditTaskId: gate.auditTaskId,
    execution: gate.executionName,
    requestedAt: gate.requestedAt,
    expiresAt: gate.expiresAt,
    timeoutSeconds: gate.timeoutSeconds,
    protectedCount: gate.protectedCount,
    checks: gate.checks,
  };
}

/** The errors of a decision that changed nothing: exit 2 with the message alone. */
function asInputError(error: unknown): unknown {
  if (
    error instanceof UnknownApprovalError ||
    error instanceof ApprovalNotPendingError ||
    error instanceof ApprovalInputError
  )
    return new InputError(error.message, { cause: error });
  return error;
}

/** The end a decision leads to when the workflow goes as it should. */
const EXPECTED_END = { approve: 'COMPLETED', reject: 'REJECTED' } as const;

/** `approve` and `reject`: the same command but for the decision and whether a reason is required. */
export function decisionCommand(kind: 'approve' | 'reject'): Command {
  return {
    name: kind,
    summary:
      kind === 'approve'
        ? 'approve a pending mitigation task: its workflow starts it'
        : 'reject a pending mitigation task: its workflow ends REJECTED without starting it',
    usage:
      kind === 'approve'
        ? 'iot-remediate approve <taskId> [--reason TEXT] [--follow] [--json] [options]'
        : 'iot-remediate reject <taskId> --reason TEXT [--follow] [--json] [options]',
    help: `${kind === 'approve' ? 'Approves' : 'Rejects'} the approval the task's workflow waits for (its execution <taskId>, or
<taskId>__<n>): the caller's identity (STS GetCallerIdentity) is recorded with the decision,
${
  kind === 'approve'
    ? `which is sent with SendTaskSuccess; the workflow then starts the task through its usual start
path and reports COMPLETED, FAILED or CANCELED.`
    : `which is sent with SendTaskFailure (error ApprovalRejected); the workflow ends REJECTED and its
finished event carries who rejected it and why.`
}
Refused with exit 2, nothing changed: an unknown task, a task started without approval, an approval
already decided (by whom, when and why is shown), expired, or no longer awaited by Step Functions${kind === 'reject' ? ';\na rejection without --reason' : ''}.
Exit 1 when the followed workflow does not end ${EXPECTED_END[kind]}.

Options:
  --reason TEXT          why (recorded with the decision, at most 1000 characters)${kind === 'reject' ? '; required' : ''}
  --follow               follow the workflow to its end afterwards (always with --local)
${APPROVAL_HELP}

Examples:
  iot-remediate ${kind} remediate-a3aea009955e501a31b764abe1bebd3d-approve${kind === 'reject' ? ' --reason "fleet update first"' : ''}
  iot-remediate ${kind} remediate-a3aea009955e501a31b764abe1bebd3d-approve --reason "${kind === 'approve' ? 'change CHG-1234' : 'not during the sale'}" --stack prod --follow
  iot-remediate ${kind} remediate-a3aea009955e501a31b764abe1bebd3d-approve --local${kind === 'reject' ? ' --reason "test"' : ''}`,
    options: { ...APPROVAL_OPTIONS, reason: { type: 'string' }, follow: { type: 'boolean' } },
    async run(args, output) {
      const taskId = taskIdArgument(args, kind);
      const reason = stringOption(args, 'reason');
      if (kind === 'reject' && (reason === undefined || reason.trim() === ''))
        throw new UsageError('reject needs --reason TEXT (recorded with the decision)');
      const json = Boolean(args.values.json);
      const follow = Boolean(args.values.follow) || Boolean(args.values.local);
      const pollIntervalMs = parseDuration(stringOption(args, 'poll-interval') ?? '10s', '--poll-interval');
      return withApprovals(args, async ({ target, approvals, stateMachineArn }) => {
        let result: DecisionResult;
        try {
          result = await target.hold(() => approvals.decide({ taskId, decision: kind, reason }));
        } catch (error) {
          throw asInputError(error);
        }
        const { gate, decision } = result;
        if (!json)
          writeLine(
            output,
            `${paint(output, kind === 'approve' ? 'green' : 'yellow', decision.decision)} ${gate.taskId} (execution ${gate.executionName}) by ${decision.decidedBy} at ${decision.decidedAt}${decision.reason ? `: "${decision.reason}"` : ''}`,
          );
        const workflow: TrackedWorkflow = {
          source: `${kind} ${gate.taskId}`,
          auditTaskId: gate.auditTaskId,
          executionName: gate.executionName,
          executionArn: executionArnFor(stateMachineArn, gate.executionName),
          observations: 0,
        };
        if (follow)
          await followWorkflows([workflow], followOptionsFor(target, stateMachineArn, pollIntervalMs));
        // followWorkflows sets `end` (TypeScript narrows it to undefined from the literal above).
        const end = (workflow as TrackedWorkflow).end;
        if (json) {
          writeLine(
            output,
            JSON.stringify({
              taskId: gate.taskId,
              execution: gate.executionName,
              decision,
              end: end ?? null,
            }),
          );
        } else if (follow) {
          writeLine(
            output,
            `Execution ${gate.executionName} ended ${paint(output, end === EXPECTED_END[kind] ? 'green' : 'red', end ?? 'STILL RUNNING')}.`,
          );
          if (workflow.statistics && workflow.statistics.length > 0) {
            const rows: (string | number)[][] = [
              ['check', 'total', 'succeeded', 'failed', 'skipped', 'canceled'],
            ];
            for (const r of workflow.statistics)
              rows.push([r.check, r.total, r.succeeded, r.failed, r.skipped, r.canceled]);
            writeLine(output, table(rows, '    '));
          }
        }
        return follow && end !== EXPECTED_END[kind] ? EXIT.workflowFailed : EXIT.ok;
      });
    },
  };
}
