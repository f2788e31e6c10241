import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { expect } from 'vitest';
import type { StartMitigationOutcome } from '../../src/app/start-mitigation';
import {
  AUDIT_COMPLETED_DETAIL_TYPE,
  DEFAULT_EVENT_SOURCE,
  parseAuditCompletionInput,
  TASK_FINISHED_DETAIL_TYPE,
  VERIFICATION_FINISHED_DETAIL_TYPE,
} from '../../src/core';
import { derivedRandom } from '../../src/local/prng';
import type { ScenarioInput } from '../../src/local/scenario';
import {
  type LambdaHandler,
  type LocalStack,
  type LocalStackOptions,
  repositoryRoot,
  startLocalStack,
} from '../../src/local/stack';
import type {
  StepFunctionsFault,
  StepFunctionsFaultHook,
} from '../../src/local/step-functions/local-step-functions';
import { allAutoConfig, readJson, sampleEvents } from '../fixtures';

/**
 * The reliability harness: a local stack running the BUILT start-mitigation bundle and the real ASL,
 * with probes on the handler (invocations, failures, outcomes) and on the Step Functions API (calls,
 * injected faults), and the figures every scenario prints and asserts.
 */

export const DEFAULT_SCENARIO = readJson('scenarios/default.json') as ScenarioInput;

/** An EventBridge PutEvents entry, as the local bus takes it. */
export interface BusEntry {
  readonly Source: string;
  readonly DetailType: string;
  readonly Detail: string;
}

/** One audit-completion event: as it arrives (EventBridge or SNS shape) and as the bus carries it. */
export interface AuditEvent {
  readonly source: string;
  readonly auditTaskId: string;
  readonly input: unknown;
  /** The normalised audit-completion event, as the notification bridge puts it on the bus. */
  readonly entry: BusEntry;
}

/** Reads one sample event with the core's parser (the one the bridge uses) to build its bus entry. */
export function toAuditEvent(source: string, input: unknown): AuditEvent {
  const completion = parseAuditCompletionInput(input);
  const [auditTaskId, detail] =
    completion.kind === 'notification'
      ? [completion.notification.taskId, completion.notification]
      : [completion.auditTaskId, { taskId: completion.auditTaskId }];
  return {
    source,
    auditTaskId,
    input,
    entry: {
      Source: DEFAULT_EVENT_SOURCE,
      DetailType: AUDIT_COMPLETED_DETAIL_TYPE,
      Detail: JSON.stringify(detail),
    },
  };
}

/** The sample events of events/, one per audit of scenarios/default.json. */
export function defaultAuditEvents(): AuditEvent[] {
  return sampleEvents().map(([file, input]) => toAuditEvent(file, input));
}

/** Puts the entries on the default bus, 10 per PutEvents as the API allows; every one must be accepted. */
export function putOnBus(stack: LocalStack, entries: readonly BusEntry[]): void {
  for (let i = 0; i < entries.length; i += 10) {
    const result = stack.bus.putEvents(entries.slice(i, i + 10).map((entry) => ({ ...entry })));
    expect(result.FailedEntryCount).toBe(0);
  }
}

/** Observes the real handler bundle without changing it. */
export interface HandlerProbe {
  readonly handler: LambdaHandler;
  readonly invocations: number;
  readonly failures: readonly unknown[];
  readonly outcomes: readonly StartMitigationOutcome[];
}

let bundleInstances = 0;

/**
 * The built handler (dist/, exactly as deployed), counted. It is imported at its first invocation,
 * once the stack has set the environment its module reads, as a fresh instance as the stack does.
 */
export function probeBundledHandler(): HandlerProbe {
  const bundle = pathToFileURL(resolve(repositoryRoot(), 'dist/functions/start-mitigation/index.mjs'));
  let loaded: Promise<LambdaHandler> | undefined;
  const failures: unknown[] = [];
  const outcomes: StartMitigationOutcome[] = [];
  let invocations = 0;
  return {
    async handler(event, context) {
      invocations++;
      loaded ??= import(`${bundle.href}?reliability=${++bundleInstances}`).then(
        (module: { handler: LambdaHandler }) => module.handler,
      );
      try {
        const outcome = (await (await loaded)(event, context)) as StartMitigationOutcome;
        outcomes.push(outcome);
        return outcome;
      } catch (error) {
        failures.push(error);
        throw error;
      }
    },
    get invocations() {
      return invocations;
    },
    failures,
    outcomes,
  };
}

/** Counts Step Functions API calls by operation and injects the faults `decide` asks for. */
export interface StepFunctionsProbe {
  readonly hook: StepFunctionsFaultHook;
  readonly calls: Readonly<Record<string, number>>;
  readonly injected: number;
}

/** `call` is the 1-based number of this call of `operation`. */
export type FaultDecider = (operation: string, call: number) => StepFunctionsFault | undefined;

export function probeStepFunctions(decide: FaultDecider = () => undefined): StepFunctionsProbe {
  const calls: Record<string, number> = {};
  let injected = 0;
  return {
    hook(operation) {
      calls[operation] = (calls[operation] ?? 0) + 1;
      const fault = decide(operation, calls[operation]);
      if (fault !== undefined) injected++;
      return fault;
    },
    calls,
    get injected() {
      return injected;
    },
  };
}

/** Seeded fault rates on every Step Functions operation, drawn as the IoT emulator draws its own. */
export function seededFaults(
  seed: number,
  rates: { readonly throttleRate: number; readonly serverErrorRate: number },
): FaultDecider {
  const random = derivedRandom(seed, 'step-functions-faults');
  return () => {
    const [throttle, serverError] = [random(), random()];
    if (throttle < rates.throttleRate) return 'throttle';
    if (serverError < rates.serverErrorRate) return 'serverError';
    return undefined;
  };
}

/** A local stack with both probes, and the marks its figures are measured from. */
export interface Run {
  readonly stack: LocalStack;
  readonly handler: HandlerProbe;
  readonly stepFunctions: StepFunctionsProbe;
  readonly wallStartMs: number;
  readonly clockStartMs: number;
}

export type RunOptions = Partial<Omit<LocalStackOptions, 'handler' | 'stepFunctionsFaults'>> & {
  readonly decideStepFunctionsFault?: FaultDecider;
};

export async function startRun(options: RunOptions = {}): Promise<Run> {
  const wallStartMs = performance.now();
  const { decideStepFunctionsFault, ...stackOptions } = options;
  const handler = probeBundledHandler();
  const stepFunctions = probeStepFunctions(decideStepFunctionsFault);
  const stack = await startLocalStack({
    scenario: DEFAULT_SCENARIO,
    seed: 1,
    // These scenarios exercise the start and follow path: every task starts at once.
    config: allAutoConfig(),
    ...stackOptions,
    handler: handler.handler,
    stepFunctionsFaults: stepFunctions.hook,
  });
  return { stack, handler, stepFunctions, wallStartMs, clockStartMs: stack.clock.now() };
}

/** The figures a scenario prints and asserts. */
export interface Figures {
  /** Distinct audit-completion events. */
  readonly events: number;
  /** Handler invocations the scenario asked for (redeliveries and replays included). */
  readonly deliveries: number;
  readonly tasks: number;
  readonly executions: number;
  /** Tasks minus distinct audits mitigated, plus executions minus distinct audits followed. */
  readonly duplicates: number;
  /** Events whose expected workflow never ended (no ended execution or no completion event). */
  readonly lost: number;
  /** Events that ended otherwise than their scenario expects. */
  readonly unexpected: number;
  /** Handler invocations retried by the bus (Lambda asynchronous retries). */
  readonly retries: number;
  readonly deadLetters: number;
  /** Retry attempts taken by the state machine's Retry rules. */
  readonly workflowRetries: number;
  readonly simulatedMs: number;
  readonly wallMs: number;
}

const WORKFLOW_OUTCOMES = new Set(['COMPLETED', 'FAILED', 'CANCELED']);

function auditTaskIdOf(input: unknown): string | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const id: unknown = Reflect.get(input, 'auditTaskId');
  return typeof id === 'string' ? id : undefined;
}

/** Completion events ("Audit Mitigation Task Finished") by audit task id, duplicates kept. */
export function completionsByAudit(stack: LocalStack): Map<string, Record<string, unknown>[]> {
  const byAudit = new Map<string, Record<string, unknown>[]>();
  for (const event of stack.bus.events()) {
    if (event['detail-type'] !== TASK_FINISHED_DETAIL_TYPE) continue;
    const detail = event.detail as Record<string, unknown>;
    const audit = String(detail.auditTaskId);
    byAudit.set(audit, [...(byAudit.get(audit) ?? []), detail]);
  }
  return byAudit;
}

/**
 * Measures a settled run. `deliveries` is how many handler invocations the scenario caused itself;
 * any more were the bus's retries.
 */
export function measure(run: Run, events: readonly AuditEvent[], deliveries: number): Figures {
  const { stack } = run;
  const expected = new Map(stack.scenario.audits.map((a) => [a.taskId, a.expectedOutcome]));
  const tasks = stack.emulator.mitigationTasks();
  const executions = stack.stepFunctions.executions();
  const completions = completionsByAudit(stack);
  const auditIds = new Set(events.map((e) => e.auditTaskId));
  let lost = 0;
  let unexpected = 0;
  for (const audit of auditIds) {
    const outcome = expected.get(audit);
    const ends = completions.get(audit) ?? [];
    const runs = executions.filter((e) => auditTaskIdOf(e.input) === audit);
    if (outcome !== undefined && WORKFLOW_OUTCOMES.has(outcome)) {
      const ended = runs.length > 0 && runs.every((e) => e.status !== 'RUNNING');
      if (!ended || ends.length === 0) lost++;
      else if (ends.some((detail) => detail.outcome !== outcome)) unexpected++;
    } else if (runs.length > 0 || tasks.some((t) => t.auditTaskId === audit)) {
      // SKIPPED or DRY_RUN: nothing may be started.
      unexpected++;
    }
  }
  // Each verification audit's notification reaches the handler once through the bridge (recognised,
  // nothing started): a delivery the product caused itself, not a retry.
  const verificationAudits = new Set(
    stack.bus
      .events()
      .filter((e) => e['detail-type'] === VERIFICATION_FINISHED_DETAIL_TYPE)
      .map((e) => String((e.detail as Record<string, unknown>).verificationAuditTaskId)),
  );
  const verificationDeliveries = stack.bus
    .events()
    .filter(
      (e) =>
        e['detail-type'] === AUDIT_COMPLETED_DETAIL_TYPE &&
        verificationAudits.has(String((e.detail as Record<string, unknown>).taskId)),
    ).length;
  const distinctTaskAudits = new Set(tasks.map((t) => t.auditTaskId)).size;
  const distinctExecutionAudits = new Set(executions.map((e) => auditTaskIdOf(e.input))).size;
  return {
    events: auditIds.size,
    deliveries,
    tasks: tasks.length,
    executions: executions.length,
    duplicates: tasks.length - distinctTaskAudits + (executions.length - distinctExecutionAudits),
    lost,
    unexpected,
    retries: run.handler.invocations - deliveries - verificationDeliveries,
    deadLetters: stack.bus.deadLetters().length,
    workflowRetries: executions.reduce((sum, e) => sum + e.retries, 0),
    simulatedMs: stack.clock.now() - run.clockStartMs,
    wallMs: performance.now() - run.wallStartMs,
  };
}

function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
}

/** Prints the scenario's one figures line. */
export function report(
  name: string,
  figures: Figures,
  extra: Readonly<Record<string, string | number>> = {},
): void {
  const f = figures;
  const more = Object.entries(extra).map(([key, value]) => ` ${key}=${value}`);
  console.log(
    `reliability[${name}]: events=${f.events} tasks=${f.tasks} executions=${f.executions} ` +
      `duplicates=${f.duplicates} lost=${f.lost} retries=${f.retries} | deliveries=${f.deliveries} ` +
      `unexpected=${f.unexpected} deadLetters=${f.deadLetters} workflowRetries=${f.workflowRetries}` +
      `${more.join('')} simulated=${formatDuration(f.simulatedMs)} wall=${(f.wallMs / 1000).toFixed(1)}s`,
  );
}

/** Audits of the scenario whose events should lead to a workflow (not SKIPPED, not DRY_RUN). */
export function auditsWithWorkflow(stack: LocalStack, events: readonly AuditEvent[]): number {
  const expected = new Map(stack.scenario.audits.map((a) => [a.taskId, a.expectedOutcome]));
  return new Set(
    events.map((e) => e.auditTaskId).filter((id) => WORKFLOW_OUTCOMES.has(String(expected.get(id)))),
  ).size;
}
