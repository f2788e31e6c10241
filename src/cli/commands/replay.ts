import { performance } from 'node:perf_hooks';
import type { IoTClient } from '@aws-sdk/client-iot';
import { createEventPublisher } from '../../adapters/eventbridge';
import { createIotMitigationApi } from '../../adapters/iot';
import {
  AUDIT_COMPLETED_DETAIL_TYPE,
  type AuditSummary,
  DEFAULT_EVENT_SOURCE,
  planMitigation,
  type RemediationConfig,
  summariseDescribedAudit,
  summariseNotification,
} from '../../core';
import type { LocalStack } from '../../local/stack';
import { createAwsClients } from '../aws-clients';
import { type Command, stringOption } from '../command';
import { EXIT, UsageError } from '../errors';
import { type EventFile, loadConfig, loadEvents, readJsonFile } from '../inputs';
import { type Output, paint, table, writeLine } from '../output';
import { endedAsExpected, followWorkflows, type TrackedWorkflow } from '../workflows';
import { printPlan } from './plan';

const DEFAULT_SCENARIO = 'scenarios/default.json';

/** The detail an event file puts on the bus: the notification, or the minimal `{ taskId }`. */
function detailOf(event: EventFile): unknown {
  return event.completion.kind === 'notification'
    ? event.completion.notification
    : { taskId: event.completion.auditTaskId };
}

async function auditOf(event: EventFile, iot: IoTClient): Promise<AuditSummary> {
  if (event.completion.kind === 'notification') return summariseNotification(event.completion.notification);
  const id = event.completion.auditTaskId;
  return summariseDescribedAudit(id, await createIotMitigationApi(iot).describeAudit(id));
}

function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
}

function progressLine(w: TrackedWorkflow, elapsedMs: number): string {
  const head = `  [${formatElapsed(elapsedMs)}] audit ${w.auditTaskId.slice(0, 8)}…`;
  if (w.plan.action === 'skip' || !w.executionName) return `${head} ${w.end ?? 'waiting for its workflow'}`;
  const findings = w.findingsTotal !== undefined ? ` ${w.findingsDone}/${w.findingsTotal} findings` : '';
  const state = w.end ? `ended ${w.end}` : `workflow ${w.executionStatus ?? 'PENDING'}`;
  return `${head} task ${w.executionName} ${w.taskStatus ?? '-'}${findings} · ${state}`;
}

function printSummary(output: Output, workflows: readonly TrackedWorkflow[]): void {
  for (const w of workflows) {
    const ok = endedAsExpected(w);
    const mark = ok ? paint(output, 'green', 'ok') : paint(output, 'red', 'UNEXPECTED');
    const expected = w.expected ? ` (expected ${w.expected})` : '';
    writeLine(output, `\n${w.source}: ${paint(output, 'bold', w.end ?? 'STILL RUNNING')}${expected} ${mark}`);
    if (w.executionName)
      writeLine(output, `  mitigation task ${w.executionName}, task status ${w.taskStatus ?? '-'}`);
    if (w.error) writeLine(output, `  ${w.error}: ${w.cause ?? ''}`);
    if (w.plan.action === 'skip') writeLine(output, `  ${w.plan.reason}`);
    if (w.statistics && w.statistics.length > 0) {
      const rows: (string | number)[][] = [['check', 'total', 'succeeded', 'failed', 'skipped', 'canceled']];
      for (const r of w.statistics)
        rows.push([r.check, r.total, r.succeeded, r.failed, r.skipped, r.canceled]);
      writeLine(output, table(rows, '    '));
    }
  }
}

function toJson(w: TrackedWorkflow) {
  return {
    source: w.source,
    auditTaskId: w.auditTaskId,
    plan:
      w.plan.action === 'start'
        ? { action: 'start', request: w.plan.request, skipped: w.plan.skipped }
        : { action: 'skip', reason: w.plan.reason },
    taskId: w.executionName ?? null,
    end: w.end ?? null,
    expected: w.expected ?? null,
    asExpected: endedAsExpected(w),
    taskStatus: w.taskStatus ?? null,
    error: w.error ?? null,
    cause: w.cause ?? null,
    statistics: w.statistics ?? [],
  };
}

interface Target {
  readonly clients: ReturnType<typeof createAwsClients>;
  readonly busName: string;
  readonly stateMachineArn: string;
  readonly clock: LocalStack['clock'];
  readonly expectations: ReadonlyMap<string, string>;
  readonly describe: string;
  readonly round?: (work: () => Promise<void>) => Promise<void>;
  close(): Promise<void>;
}

async function localTarget(
  scenarioPath: string,
  configDocument: unknown,
  configGiven: boolean,
): Promise<Target> {
  const scenario = readJsonFile(scenarioPath);
  const { startLocalStack, LOCAL_STATE_MACHINE_ARN } = await import('../../local/stack');
  const stack = await startLocalStack({ scenario, ...(configGiven ? { config: configDocument } : {}) });
  const expectations = new Map(
    stack.scenario.audits.flatMap((a) => (a.expectedOutcome ? [[a.taskId, a.expectedOutcome] as const] : [])),
  );
  return {
    clients: createAwsClients({
      endpoint: stack.url,
      region: stack.scenario.region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
    busName: 'default',
    stateMachineArn: LOCAL_STATE_MACHINE_ARN,
    clock: stack.clock,
    expectations,
    describe: `embedded local stack ${stack.url} (virtual clock, scenario ${scenarioPath})`,
    round: (work) => stack.holdClock(work),
    close: () => stack.close(),
  };
}

export const replayCommand: Command = {
  name: 'replay',
  summary: 'put audit events on the bus and follow every resulting workflow to its end',
  usage: 'iot-remediate replay <files or folders...> --local [--scenario FILE] [--config FILE] [--json]',
  help: `Each file may hold the EventBridge event, the raw audit notification, or an SNS event carrying
it; a folder stands for its *.json files. Every file is checked before anything is put on the bus.
With --local, the embedded local stack runs the events through the real start-mitigation handler
and the real state machine (statemachine/mitigation-workflow.asl.json) on a virtual clock, and each
workflow's end is compared with the one its scenario expects.

Options:
  --local            run on the embedded local stack
  --scenario FILE    seeds the local IoT emulator (default: ${DEFAULT_SCENARIO})
  --config FILE      remediation config (default: config/remediation.json, the bundled one)
  --json             print one JSON object with every workflow instead of the report

Examples:
  iot-remediate replay events --local
  iot-remediate replay events/scheduled-audit-non-compliant.json --local --config my-config.json`,
  options: {
    local: { type: 'boolean' },
    scenario: { type: 'string' },
    config: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(args, output) {
    const wallStart = performance.now();
    if (!args.values.local) throw new UsageError('replay needs --local (the embedded local stack)');
    const configPath = stringOption(args, 'config');
    const config: RemediationConfig = loadConfig(configPath);
    const events = loadEvents(args.positionals);
    const scenarioPath = stringOption(args, 'scenario') ?? DEFAULT_SCENARIO;
    const target = await localTarget(
      scenarioPath,
      configPath ? readJsonFile(configPath) : undefined,
      configPath !== undefined,
    );
    const json = Boolean(args.values.json);
    const say = (line = '') => {
      if (!json) writeLine(output, line);
    };
    try {
      say(paint(output, 'bold', `iot-remediate replay: ${events.length} event(s) on the ${target.describe}`));
      const workflows: TrackedWorkflow[] = [];
      for (const event of events) {
        const audit = await auditOf(event, target.clients.iot);
        const plan = planMitigation(audit, config);
        say(`\n${paint(output, 'cyan', event.path)}`);
        if (!json) printPlan(output, audit, plan);
        workflows.push({
          source: event.path,
          auditTaskId: audit.auditTaskId,
          plan,
          expected: target.expectations.get(audit.auditTaskId),
          observations: 0,
        });
      }

      await createEventPublisher({ client: target.clients.events })(
        events.map((event) => ({
          eventBusName: target.busName,
          source: DEFAULT_EVENT_SOURCE,
          detailType: AUDIT_COMPLETED_DETAIL_TYPE,
          detail: detailOf(event),
        })),
      );
      say(`\nPut ${events.length} event(s) on bus ${target.busName}; following the workflows:`);

      const clockStart = target.clock.now();
      await followWorkflows(workflows, {
        iot: target.clients.iot,
        sfn: target.clients.sfn,
        stateMachineArn: target.stateMachineArn,
        clock: target.clock,
        pollIntervalMs: 10_000,
        timeoutMs: 24 * 3600_000,
        round: target.round,
        onChange: (w) => say(progressLine(w, target.clock.now() - clockStart)),
      });

      const failures = workflows.filter((w) => !endedAsExpected(w));
      const wallSeconds = ((performance.now() - wallStart) / 1000).toFixed(1);
      if (json) {
        writeLine(
          output,
          JSON.stringify({ workflows: workflows.map(toJson), asExpected: failures.length === 0 }),
        );
      } else {
        printSummary(output, workflows);
        const simulated = formatElapsed(target.clock.now() - clockStart);
        const verdict =
          failures.length === 0
            ? paint(output, 'green', 'every workflow ended as expected')
            : paint(output, 'red', `${failures.length} workflow(s) did not end as expected`);
        writeLine(
          output,
          `\n${workflows.length} workflow(s): ${verdict} (${simulated} simulated, ${wallSeconds} s wall time)`,
        );
      }
      return failures.length === 0 ? EXIT.ok : EXIT.workflowFailed;
    } finally {
      await target.close();
    }
  },
};
