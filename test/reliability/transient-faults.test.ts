import { afterEach, describe, expect, it } from 'vitest';
import {
  auditsWithWorkflow,
  completionsByAudit,
  defaultAuditEvents,
  measure,
  putOnBus,
  type Run,
  report,
  seededFaults,
  startRun,
} from './harness';

// 30% throttling and 5% server errors on every IoT operation (the handler's and the state machine's)
// and on every Step Functions API call the handler makes: the SDK retries, the bus's Lambda retries
// and the ASL's Retry rules between them must still bring every workflow to its expected end.

const events = defaultAuditEvents();
const RATES = { throttleRate: 0.3, serverErrorRate: 0.05 } as const;
let run: Run | undefined;

afterEach(async () => {
  await run?.stack.close();
  run = undefined;
});

describe('reliability: transient faults everywhere', () => {
  it.each([401, 402, 403])('seed %i: every workflow still reaches its expected end', async (seed) => {
    // Prepare
    run = await startRun({
      seed,
      faults: { '*': RATES },
      decideStepFunctionsFault: seededFaults(seed, RATES),
    });
    const { stack } = run;

    // Act
    putOnBus(
      stack,
      events.map((e) => e.entry),
    );
    await stack.settled();

    // Assess
    const figures = measure(run, events, events.length);
    const operations = Object.values(stack.emulator.stats().operations);
    const iotFaults = operations.reduce((sum, o) => sum + o.throttled + o.serverErrors, 0);
    report(`transient-faults-seed-${seed}`, figures, {
      iotCalls: operations.reduce((sum, o) => sum + o.calls, 0),
      iotFaults,
      sfnCalls: Object.values(run.stepFunctions.calls).reduce((sum, n) => sum + n, 0),
      sfnFaults: run.stepFunctions.injected,
      deferred: run.handler.outcomes.filter((o) => o.status === 'deferred').length,
    });
    const workflows = auditsWithWorkflow(stack, events);
    expect(iotFaults).toBeGreaterThan(0);
    expect(figures).toMatchObject({
      tasks: workflows,
      executions: workflows,
      duplicates: 0,
      lost: 0,
      unexpected: 0,
      deadLetters: 0,
    });
    const expected = new Map(stack.scenario.audits.map((a) => [a.taskId, a.expectedOutcome]));
    for (const [audit, details] of completionsByAudit(stack)) {
      expect(details.map((d) => d.outcome)).toEqual([expected.get(audit)]);
    }
  });
});
