import { afterEach, describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../src/local/scenario';
import {
  type AuditEvent,
  DEFAULT_SCENARIO,
  defaultAuditEvents,
  measure,
  putOnBus,
  type Run,
  report,
  startRun,
  toAuditEvent,
} from './harness';

// A burst of 50 audit events (a replay of a busy week, say) against IoT's 10 concurrent audit
// mitigation tasks and 10 StartAuditMitigationActionsTask calls per second: starts that cannot happen
// now are deferred to the state machine's durable retry, and every task still runs, exactly once.
// https://docs.aws.amazon.com/general/latest/gr/iot_device_defender.html (quotas)

const BURST = 50;
const QUOTA = 10;

/**
 * The default scenario with its audits replaced by `count` new ones, each a copy (with a new id) of
 * one of the default audits that the default config mitigates to COMPLETED, and the matching events
 * in each of their shapes: full EventBridge detail, SNS message, minimal `{ taskId }` detail.
 */
function burstOf(count: number): { scenario: ScenarioInput; events: AuditEvent[] } {
  const templates = defaultAuditEvents().flatMap((event) => {
    const audit = DEFAULT_SCENARIO.audits?.find((a) => a.taskId === event.auditTaskId);
    return audit?.expectedOutcome === 'COMPLETED' ? [{ audit, event }] : [];
  });
  const burst = Array.from({ length: count }, (_, i) => {
    const template = templates[i % templates.length];
    if (template === undefined) throw new Error('the default scenario has no COMPLETED audit');
    const taskId = `burst-${String(i).padStart(3, '0')}-${template.audit.taskId.slice(0, 12)}`;
    const input = JSON.parse(JSON.stringify(template.event.input).replaceAll(template.audit.taskId, taskId));
    return {
      audit: { ...template.audit, taskId },
      event: toAuditEvent(`${template.event.source}#${i}`, input),
    };
  });
  return {
    scenario: { ...DEFAULT_SCENARIO, audits: burst.map((b) => b.audit) },
    events: burst.map((b) => b.event),
  };
}

let run: Run | undefined;

afterEach(async () => {
  await run?.stack.close();
  run = undefined;
});

describe('reliability: burst against the concurrent-task quota', () => {
  it(`${BURST} audit events at once: all mitigated, none failed or dead-lettered, no duplicates`, async () => {
    // Prepare
    const { scenario, events } = burstOf(BURST);
    run = await startRun({ scenario, seed: 501, quotas: { maxConcurrentMitigationTasks: QUOTA } });
    const { stack } = run;
    expect(new Set(events.map((e) => e.auditTaskId)).size).toBe(BURST);

    // Act
    putOnBus(
      stack,
      events.map((e) => e.entry),
    );
    await stack.settled();

    // Assess
    const figures = measure(run, events, BURST);
    const counters = stack.emulator.stats().mitigationTasks;
    const executions = stack.stepFunctions.executions();
    const deferred = executions.filter((e) => Reflect.get(Object(e.input), 'deferredStart') === true);
    const tasks = stack.emulator.mitigationTasks();
    const lastEnd = Math.max(...tasks.map((t) => t.endTime ?? Number.NaN));
    // The quota's bound: the tasks' total run time spread over 10 slots.
    const quotaBoundMs = tasks.reduce((sum, t) => sum + (t.endTime ?? t.startTime) - t.startTime, 0) / QUOTA;
    report('burst-50', figures, {
      peakConcurrent: counters.peakConcurrent,
      deferredStarts: deferred.length,
      limitExceeded: counters.limitExceeded,
      drain: `${Math.round((lastEnd - run.clockStartMs) / 1000)}s`,
      quotaBound: `${Math.round(quotaBoundMs / 1000)}s`,
    });
    expect(figures).toMatchObject({
      events: BURST,
      tasks: BURST,
      executions: BURST,
      duplicates: 0,
      lost: 0,
      unexpected: 0,
      deadLetters: 0,
    });
    // Each event is checked against IoT's DescribeAuditTask (25 per second): in a burst, some reads
    // are still throttled after the SDK's retries; the invocation fails and the bus's retry (Lambda's
    // asynchronous retry in the cloud) runs it again, so none is lost (deadLetters 0 above).
    expect(run.handler.failures.filter((e) => (e as Error).name !== 'ThrottlingException')).toEqual([]);
    expect(tasks.filter((t) => t.status !== 'COMPLETED')).toEqual([]);
    expect(executions.filter((e) => e.status !== 'SUCCEEDED')).toEqual([]);
    expect(counters.peakConcurrent).toBeLessThanOrEqual(QUOTA);
    expect(deferred.length).toBeGreaterThan(0);
  });

  it('100 audit events at once: invocations throttled past their SDK retries succeed when the bus retries them', async () => {
    // Prepare: 100 handlers read DescribeAuditTask (25 per second) at the same instant. While their
    // SDKs back off between two requests, virtual time must pass as it does in the cloud, so the
    // bucket refills; an invocation still throttled after its retries is run again by the bus.
    const { scenario, events } = burstOf(100);
    run = await startRun({ scenario, seed: 502, quotas: { maxConcurrentMitigationTasks: QUOTA } });
    const { stack } = run;

    // Act
    putOnBus(
      stack,
      events.map((e) => e.entry),
    );
    await stack.settled();

    // Assess
    const figures = measure(run, events, 100);
    expect(figures).toMatchObject({ tasks: 100, executions: 100, duplicates: 0, lost: 0, deadLetters: 0 });
    expect(run.handler.failures.filter((e) => (e as Error).name !== 'ThrottlingException')).toEqual([]);
    expect(stack.emulator.stats().operations.DescribeAuditTask?.throttled).toBeGreaterThan(0);
  });
});
