import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  DescribeArchiveCommand,
  DescribeReplayCommand,
  DisableRuleCommand,
  EnableRuleCommand,
  StartReplayCommand,
} from '@aws-sdk/client-eventbridge';
import { createEventPublisher } from '../../adapters/eventbridge';
import { createIotFindingsApi, createIotMitigationApi, createIotResourceDirectory } from '../../adapters/iot';
import { createStepFunctionsApprovalGate, readVerification } from '../../adapters/step-functions';
import { planAudit } from '../../app/plan-audit';
import { readAudit } from '../../app/read-audit';
import {
  AUDIT_COMPLETED_DETAIL_TYPE,
  type AuditSummary,
  DEFAULT_EVENT_SOURCE,
  parseExecutionName,
  type RemediationConfig,
  toAuditCompletedEventDetail,
  type VerificationDetail,
} from '../../core';
import { type Command, stringOption } from '../command';
import { EXIT, UsageError } from '../errors';
import { type EventFile, loadConfig, loadEvents, parseDuration, parseTime, readJsonFile } from '../inputs';
import { createLiveDisplay } from '../live-display';
import { type Output, paint, table, writeLine } from '../output';
import { printReportSummary, readReports, reportJson, type ShownReport } from '../reports';
import {
  AWS_HELP,
  AWS_OPTIONS,
  callerAccount,
  openTarget,
  STACK_HELP,
  STACK_OPTIONS,
  stackName,
  type Target,
} from '../target';
import {
  endedAsExpected,
  findExecutionsSince,
  followOptionsFor,
  followWorkflows,
  longestApprovalMs,
  type TrackedWorkflow,
  verifiedAsExpected,
} from '../workflows';
import { planToJson, printPlan } from './plan';

export function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
}

/** The mitigation task a workflow follows (its execution may be a later follow, `<taskId>__<n>`). */
const taskIdOf = (w: TrackedWorkflow) =>
  w.executionName === undefined ? undefined : parseExecutionName(w.executionName).taskId;

/** One line per workflow: audit, mitigation task, state, polls, elapsed. */
function progressLine(w: TrackedWorkflow, now: number) {
  const audit = `audit ${w.auditTaskId.slice(0, 8)}…`;
  if (!w.executionName) {
    const state = w.end ?? 'waiting for its workflow';
    return { id: w.source + w.auditTaskId, state, text: `  ${audit} ${state}` };
  }
  const findings = w.findingsTotal !== undefined ? ` ${w.findingsDone}/${w.findingsTotal} findings` : '';
  const state = `${w.taskStatus ?? '-'}${findings} · ${w.end ? `ended ${w.end}` : (w.executionStatus ?? 'PENDING')}`;
  const elapsed = w.startedAt ? formatElapsed((w.endedAt ?? now) - w.startedAt) : '--:--:--';
  return {
    id: taskIdOf(w) ?? w.executionName,
    state,
    text: `  ${audit} task ${taskIdOf(w)} ${state} · ${w.observations} polls · ${elapsed}`,
  };
}

/** How an approve task's approval ended, in words (undefined when there is nothing to say). */
function approvalLine(w: TrackedWorkflow): string | undefined {
  const state = w.approval;
  if (!state) return undefined;
  if (state.kind === 'decided') {
    const d = state.decision;
    const reason = d.reason ? `: ${d.reason}` : '';
    return `approval ${d.decision} by ${d.decidedBy} at ${d.decidedAt} (via ${d.via})${reason}`;
  }
  if (state.kind === 'expired') return `approval expired at ${state.at}: nobody decided in time`;
  if (state.kind === 'answered') return `approval answered at ${state.at}: ${state.detail}`;
  if (state.kind === 'closed') return `approval never decided (execution ${state.executionStatus})`;
  return 'approval pending';
}

/** Reads how the approval of every approve workflow that ended went (its execution history). */
async function readApprovals(
  target: Target,
  stateMachineArn: string,
  workflows: readonly TrackedWorkflow[],
): Promise<void> {
  const gate = createStepFunctionsApprovalGate(target.clients.sfn, stateMachineArn);
  for (const w of workflows) {
    const taskId = taskIdOf(w);
    if (w.policy !== 'approve' || w.end === undefined || taskId === undefined) continue;
    const { gates } = await target.round(() => gate.gatesOf(taskId));
    const last = gates.at(-1);
    if (last) w.approval = last.state;
  }
}

/** Reads the verification each ended workflow put (its last execution's history). */
async function readVerifications(target: Target, workflows: readonly TrackedWorkflow[]): Promise<void> {
  for (const w of workflows) {
    if (w.end === undefined || w.executionArn === undefined) continue;
    const arn = w.executionArn;
    const verification = await target.round(() => readVerification(target.clients.sfn, arn));
    if (verification) w.verification = verification;
  }
}

/** A resource in a few words: its type and identifier values. */
function resourceText(resource: VerificationDetail['checks'][number]['stillNonCompliantResources'][number]) {
  const values = (value: unknown): string[] =>
    typeof value === 'object' && value !== null ? Object.values(value).flatMap(values) : [String(value)];
  return `${resource.resourceType ?? 'resource'} ${values(resource.resourceIdentifier).join('/')}`;
}

/** The verification result: per check, the counts before and after and what became of the mitigated resources. */
function printVerification(output: Output, v: VerificationDetail): void {
  if (v.outcome === 'VERIFICATION_FAILED') {
    const audit = v.verificationAuditTaskId ? ` (audit ${v.verificationAuditTaskId})` : '';
    writeLine(
      output,
      `  verification ${paint(output, 'red', 'FAILED')}${audit}: ${v.error?.Error ?? ''} ${v.error?.Cause ?? ''}`.trimEnd(),
    );
    return;
  }
  const { fixed, stillNonCompliant, unverified } = v.totals;
  const still =
    stillNonCompliant > 0
      ? paint(output, 'red', `${stillNonCompliant} still non-compliant`)
      : '0 still non-compliant';
  writeLine(
    output,
    `  verification audit ${v.verificationAuditTaskId} ${v.verificationAuditStatus ?? ''}: ${paint(output, 'green', `${fixed} fixed`)}, ${still}${unverified > 0 ? `, ${unverified} unverified` : ''}`,
  );
  const rows: (string | number)[][] = [
    ['check', 'non-compliant before', 'after', 'mitigated', 'fixed', 'still non-compliant'],
  ];
  for (const c of v.checks)
    rows.push([
      c.check,
      c.nonCompliantBefore ?? '-',
      c.nonCompliantAfter ?? '-',
      c.mitigatedResources,
      c.fixed,
      `${c.stillNonCompliant}${c.partial ? ' (partial)' : ''}`,
    ]);
  writeLine(output, table(rows, '    '));
  for (const c of v.checks) {
    for (const r of c.stillNonCompliantResources)
      writeLine(output, `    still non-compliant: ${c.check} ${resourceText(r)}`);
    const more = c.stillNonCompliant - c.stillNonCompliantResources.length;
    if (more > 0) writeLine(output, `    ... and ${more} more of ${c.check}`);
  }
}

function printSummary(
  output: Output,
  workflows: readonly TrackedWorkflow[],
  reports: ReadonlyMap<TrackedWorkflow, ShownReport>,
): void {
  for (const w of workflows) {
    const mark = endedAsExpected(w) ? paint(output, 'green', 'ok') : paint(output, 'red', 'UNEXPECTED');
    const expected = w.expected ? ` (expected ${w.expected})` : '';
    writeLine(output, `\n${w.source}: ${paint(output, 'bold', w.end ?? 'STILL RUNNING')}${expected} ${mark}`);
    if (w.executionName)
      writeLine(
        output,
        `  mitigation task ${taskIdOf(w)}, execution ${w.executionName}, task status ${w.taskStatus ?? '-'}`,
      );
    if (w.error) writeLine(output, `  ${w.error}: ${w.cause ?? ''}`);
    const approval = approvalLine(w);
    if (approval) writeLine(output, `  ${approval}`);
    if (w.plan?.action === 'skip') writeLine(output, `  ${w.plan.reason}`);
    if (w.statistics && w.statistics.length > 0) {
      const rows: (string | number)[][] = [['check', 'total', 'succeeded', 'failed', 'skipped', 'canceled']];
      for (const r of w.statistics)
        rows.push([r.check, r.total, r.succeeded, r.failed, r.skipped, r.canceled]);
      writeLine(output, table(rows, '    '));
    }
    const report = reports.get(w);
    if (report) printReportSummary(output, report);
    if (w.verification) printVerification(output, w.verification);
    const totals = w.expectedVerification;
    if (totals) {
      const verdict = verifiedAsExpected(w)
        ? paint(output, 'green', 'ok')
        : paint(output, 'red', 'UNEXPECTED');
      writeLine(
        output,
        `  verification expected: ${totals.fixed} fixed, ${totals.stillNonCompliant} still non-compliant ${verdict}`,
      );
    }
  }
}

function workflowJson(w: TrackedWorkflow, report?: ShownReport) {
  return {
    source: w.source,
    auditTaskId: w.auditTaskId,
    plan: w.plan ? planToJson(w.plan) : null,
    taskId: taskIdOf(w) ?? null,
    execution: w.executionName ?? null,
    end: w.end ?? null,
    policy: w.policy ?? null,
    expected: w.expected ?? null,
    asExpected: endedAsExpected(w),
    approval: w.approval ?? null,
    taskStatus: w.taskStatus ?? null,
    polls: w.observations,
    error: w.error ?? null,
    cause: w.cause ?? null,
    statistics: w.statistics ?? [],
    report: reportJson(report),
    verification: w.verification ?? null,
    expectedVerification: w.expectedVerification ?? null,
  };
}

interface ReplayInfo {
  readonly name: string;
  readonly archive: string;
  readonly from: string;
  readonly to: string;
  state: string;
  reason?: string;
  startTime?: Date;
}

/** Plans every file (to know its workflow) and puts them all on the bus, batched, none dropped. */
export async function putEvents(
  target: Target,
  events: readonly EventFile[],
  config: RemediationConfig,
  busName: string,
  print: (audit: AuditSummary, event: EventFile, plan: TrackedWorkflow['plan']) => void,
): Promise<TrackedWorkflow[]> {
  const workflows: TrackedWorkflow[] = [];
  for (const event of events) {
    const iot = createIotMitigationApi(target.clients.iot);
    const audit = await target.round(() => readAudit(event.completion, iot.describeAudit));
    // As the function plans: IoT's findings and the protect selectors give the tasks (their ids).
    const accountId = await target.round(() => callerAccount(target));
    const { plan } = await target.round(() =>
      planAudit({
        audit,
        config,
        findings: createIotFindingsApi(target.clients.iot, { accountId }),
        directory: createIotResourceDirectory(target.clients.iot),
      }),
    );
    print(audit, event, plan);
    // One workflow per planned task: an audit may start an auto task and wait for an approve one.
    const tasks = plan.action === 'start' ? plan.tasks : [undefined];
    for (const task of tasks) {
      const taskId = task?.request.taskId;
      workflows.push({
        source: task ? `${event.path} [${task.group}]` : event.path,
        auditTaskId: audit.auditTaskId,
        plan,
        ...(task ? { taskId, policy: task.policy } : {}),
        expected: target.expectedEnd(audit.auditTaskId, taskId),
        expectedVerification: target.expectedVerification(audit.auditTaskId, taskId),
        observations: 0,
      });
    }
  }
  await target.round(() =>
    createEventPublisher({ client: target.clients.events })(
      events.map((event) => ({
        eventBusName: busName,
        source: DEFAULT_EVENT_SOURCE,
        detailType: AUDIT_COMPLETED_DETAIL_TYPE,
        detail: toAuditCompletedEventDetail(event.completion),
      })),
    ),
  );
  return workflows;
}

function notFound(error: unknown, message: string): never {
  if ((error as Error).name === 'ResourceNotFoundException') throw new UsageError(message, { cause: error });
  throw error;
}

/** Last segment of an ARN: a rule's or a bus's name. */
const nameOfArn = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);

export const replayCommand: Command = {
  name: 'replay',
  summary: 'put audit events on the bus, or replay the archive, and follow every workflow to its end',
  usage:
    'iot-remediate replay <files or folders...> [--bus NAME] | replay --archive NAME [--from TIME] [--to TIME] [options]',
  help: `Two ways to start workflows, then the same live follow-up:
  files    each file holds the EventBridge event, the raw audit notification, or an SNS event
           carrying it (a folder stands for its *.json files); every file is checked first, then
           all go on the bus (PutEvents batches of 10, refused entries retried, none dropped)
  archive  --archive NAME (or --from alone: the stack's archive) starts an EventBridge replay of
           the archive's events between --from and --to to the start-mitigation rule, and waits
           for it to complete; the executions it starts are followed
Each workflow (the state machine executions named after its mitigation task: <taskId>, then
<taskId>__2... when a long follow continued or a replay followed a failed one again) is followed
through DescribeExecution and DescribeAuditMitigationActionsTask to its end, one live line per workflow,
then a table per check. With --local the embedded local stack runs everything on a virtual clock
(hours in a second) and each end is compared with the one its scenario expects. Its archive starts
empty: with --archive, --local first records the given files in it (the start-mitigation rule
disabled meanwhile, as when the function was down), then replays them.

Options:
  --bus NAME             bus to put the events on (default: the stack's EventBusName)
  --archive NAME         replay this archive (default with --from: the stack's AuditEventArchiveName)
  --from TIME            start of the window: ISO 8601, or a duration ago such as 24h (default 24h)
  --to TIME              end of the window (default: now)
  --state-machine ARN    state machine to follow (default: the stack's MitigationStateMachineArn)
${STACK_HELP}
  --config FILE          remediation config used to plan the files (default: config/remediation.json;
                         with --local, the local stack's function uses it too)
  --no-follow            return once the events are put or the replay started
  --poll-interval DUR    between two looks at the workflows (default 10s)
  --json                 one JSON object: {"workflows":[...],"asExpected":true|false, "replay"?:{...}}

${AWS_HELP}

Examples:
  iot-remediate replay events --local
  iot-remediate replay --local --archive iot-audit-remediation-audit-events --from 1h events
  iot-remediate replay events/scheduled-audit-non-compliant.json --stack iot-audit-remediation
  iot-remediate replay --from 2026-11-01T00:00:00Z --to 2026-11-02T00:00:00Z --profile prod
  iot-remediate replay events --endpoint-url http://127.0.0.1:4566 --bus default \\
      --state-machine arn:aws:states:us-east-1:123456789012:stateMachine:MitigationWorkflow`,
  options: {
    ...AWS_OPTIONS,
    ...STACK_OPTIONS,
    bus: { type: 'string' },
    archive: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    'state-machine': { type: 'string' },
    config: { type: 'string' },
    'no-follow': { type: 'boolean' },
    'poll-interval': { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(args, output) {
    const wallStart = performance.now();
    const fromArchive = args.values.archive !== undefined || args.values.from !== undefined;
    if (args.values.to !== undefined && !fromArchive)
      throw new UsageError('--to goes with --archive or --from');
    if (!fromArchive && args.positionals.length === 0) throw new UsageError('no event file or folder given');
    if (fromArchive && args.positionals.length > 0 && !args.values.local) {
      throw new UsageError(
        'event files go with --archive only with --local (to seed its empty archive); the cloud archive holds its events',
      );
    }
    if (fromArchive && args.values.bus !== undefined)
      throw new UsageError('--bus goes with files, not --archive');
    const follow = !args.values['no-follow'];
    const pollIntervalMs = parseDuration(stringOption(args, 'poll-interval') ?? '10s', '--poll-interval');
    const configPath = stringOption(args, 'config');
    const config = loadConfig(configPath);
    const events = args.positionals.length > 0 ? loadEvents(args.positionals) : [];
    const json = Boolean(args.values.json);
    const say = (line = '') => {
      if (!json) writeLine(output, line);
    };
    const printPlanned = (audit: AuditSummary, event: EventFile, plan: TrackedWorkflow['plan']) => {
      say(`\n${paint(output, 'cyan', event.path)}`);
      if (!json && plan) printPlan(output, audit, plan);
    };

    const target = await openTarget(args, { config: configPath ? readJsonFile(configPath) : undefined });
    try {
      // Every name is resolved before anything is put or replayed: a wrong stack changes nothing.
      const stateMachineArn = follow
        ? await stackName(target, stringOption(args, 'state-machine'), 'stateMachine')
        : undefined;
      say(paint(output, 'bold', `iot-remediate replay on ${target.description}`));

      let workflows: TrackedWorkflow[] = [];
      let replay: ReplayInfo | undefined;
      if (!fromArchive) {
        const busName = await stackName(target, stringOption(args, 'bus'), 'bus');
        workflows = await putEvents(target, events, config, busName, printPlanned);
        say(`\nPut ${events.length} event(s) on bus ${busName}.`);
      } else {
        const explicitArchive = stringOption(args, 'archive');
        const archiveName = await stackName(target, explicitArchive, 'archive');
        const archive = await target
          .round(() => target.clients.events.send(new DescribeArchiveCommand({ ArchiveName: archiveName })))
          .catch((error) => notFound(error, `archive ${archiveName} does not exist`));
        const busArn = archive.EventSourceArn ?? '';
        // Replayed to the start-mitigation rule only (FilterArns), when the stack names it.
        const ruleArn =
          explicitArchive && !args.values.stack && !args.values.local
            ? undefined
            : await stackName(target, undefined, 'rule');
        if (events.length > 0 && ruleArn) {
          const rule = { Name: nameOfArn(ruleArn), EventBusName: nameOfArn(busArn) };
          await target.round(() => target.clients.events.send(new DisableRuleCommand(rule)));
          await putEvents(target, events, config, nameOfArn(busArn), printPlanned);
          await target.round(() => target.clients.events.send(new EnableRuleCommand(rule)));
          say(
            `\nRecorded ${events.length} event(s) in archive ${archiveName} (rule ${rule.Name} disabled meanwhile).`,
          );
        }
        const now = target.clock.now();
        const from = parseTime(stringOption(args, 'from') ?? '24h', '--from', now);
        const toText = stringOption(args, 'to');
        const to = toText ? parseTime(toText, '--to', now) : new Date(now);
        if (from >= to) throw new UsageError('--from must be before --to');
        const stamp = new Date(now).toISOString().replace(/\D/g, '').slice(0, 14);
        replay = {
          name: `iot-remediate-${stamp}-${randomBytes(3).toString('hex')}`,
          archive: archiveName,
          from: from.toISOString(),
          to: to.toISOString(),
          state: 'STARTING',
        };
        const started = await target.round(() =>
          target.clients.events.send(
            new StartReplayCommand({
              ReplayName: replay?.name,
              EventSourceArn: archive.ArchiveArn,
              EventStartTime: from,
              EventEndTime: to,
              Destination: { Arn: busArn, ...(ruleArn ? { FilterArns: [ruleArn] } : {}) },
            }),
          ),
        );
        replay.startTime = started.ReplayStartTime ?? new Date(now);
        say(`\nReplay ${replay.name} of archive ${archiveName}, events from ${replay.from} to ${replay.to}.`);
        if (follow) await waitForReplay(target, replay, pollIntervalMs, say);
      }

      if (!follow || !stateMachineArn) {
        if (json)
          writeLine(
            output,
            JSON.stringify({ replay: replay ?? null, workflows: workflows.map((w) => workflowJson(w)) }),
          );
        else say('Not following (--no-follow).');
        return EXIT.ok;
      }
      if (replay && replay.state !== 'COMPLETED') {
        if (json) writeLine(output, JSON.stringify({ replay, workflows: [], asExpected: false }));
        else
          writeLine(
            output,
            paint(output, 'red', `replay ${replay.name} ended ${replay.state}: ${replay.reason ?? ''}`),
          );
        return EXIT.workflowFailed;
      }

      say('Following the workflows:');
      const display = createLiveDisplay(output);
      const clockStart = target.clock.now();
      const since = replay?.startTime;
      let quietRounds = 0;
      await followWorkflows(workflows, {
        ...followOptionsFor(target, stateMachineArn, pollIntervalMs, longestApprovalMs(workflows)),
        onRound: (all) => {
          if (!json) display.render(all.map((w) => progressLine(w, target.clock.now())));
        },
        // An archive replay's executions appear as the function handles the replayed events: they
        // are looked for until two rounds in a row find no new one.
        discover: since
          ? async () => {
              const known = new Set(workflows.flatMap((w) => (w.executionName ? [w.executionName] : [])));
              const found = await findExecutionsSince(
                target.clients.sfn,
                stateMachineArn,
                since,
                known,
                `replay ${replay?.name}`,
              );
              quietRounds = found.length > 0 ? 0 : quietRounds + 1;
              const expected = (w: TrackedWorkflow) => target.expectedEnd(w.auditTaskId, taskIdOf(w));
              const verification = (w: TrackedWorkflow) =>
                target.expectedVerification(w.auditTaskId, taskIdOf(w));
              return {
                workflows: found.map((w) => ({
                  ...w,
                  expected: expected(w),
                  expectedVerification: verification(w),
                })),
                done: quietRounds >= 2,
              };
            }
          : undefined,
      });

      await readApprovals(target, stateMachineArn, workflows);
      const reports = await readReports(target, workflows);
      await readVerifications(target, workflows);
      const failures = workflows.filter((w) => !endedAsExpected(w));
      const wallSeconds = ((performance.now() - wallStart) / 1000).toFixed(1);
      if (json) {
        writeLine(
          output,
          JSON.stringify({
            ...(replay ? { replay } : {}),
            workflows: workflows.map((w) => workflowJson(w, reports.get(w))),
            asExpected: failures.length === 0,
            ...(target.localWork ? { localStack: target.localWork() } : {}),
          }),
        );
      } else {
        printSummary(output, workflows, reports);
        const elapsed = formatElapsed(target.clock.now() - clockStart);
        const verdict =
          failures.length === 0
            ? paint(output, 'green', 'every workflow ended as expected')
            : paint(output, 'red', `${failures.length} workflow(s) did not end as expected`);
        writeLine(
          output,
          `\n${workflows.length} workflow(s): ${verdict} (${elapsed} followed, ${wallSeconds} s wall time)`,
        );
      }
      return failures.length === 0 ? EXIT.ok : EXIT.workflowFailed;
    } finally {
      await target.close();
    }
  },
};

/** Polls DescribeReplay until the replay leaves STARTING / RUNNING. */
async function waitForReplay(
  target: Target,
  replay: ReplayInfo,
  pollIntervalMs: number,
  say: (line: string) => void,
): Promise<void> {
  while (replay.state === 'STARTING' || replay.state === 'RUNNING' || replay.state === 'CANCELLING') {
    await target.clock.sleep(Math.min(pollIntervalMs, 5000));
    const described = await target.round(() =>
      target.clients.events.send(new DescribeReplayCommand({ ReplayName: replay.name })),
    );
    if (described.State !== replay.state) say(`  replay ${replay.name}: ${described.State}`);
    replay.state = described.State ?? 'UNKNOWN';
    replay.reason = described.StateReason;
  }
}
