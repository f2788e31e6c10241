import { afterEach, describe, expect, it } from 'vitest';
import type { StepFunctionsFault } from '../../src/local/step-functions/local-step-functions';
import { defaultAuditEvents, measure, putOnBus, type Run, report, startRun } from './harness';

// The handler dies after StartAuditMitigationActionsTask and before StartExecution: the invocation
// fails and Lambda retries the asynchronous invocation (about 1 and 2 minutes later, kept here on
// the virtual clock). The retry must find the task already there and start the one execution.
// https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html

const scheduled = defaultAuditEvents().find((e) => e.source === 'scheduled-audit-non-compliant.json');
let run: Run | undefined;

afterEach(async () => {
  await run?.stack.close();
  run = undefined;
});

describe('reliability: handler dies between the task and the execution', () => {
  it.each<[string, StepFunctionsFault]>([
    ['a dropped connection', 'drop'],
    ['500 InternalFailure', 'serverError'],
    ['ThrottlingException', 'throttle'],
  ])('StartExecution fails with %s through the first invocation; the bus retry completes the workflow', async (_label, fault) => {
    // Prepare: every StartExecution attempt of the first invocation (SDK retries included) fails.
    if (scheduled === undefined) throw new Error('events/scheduled-audit-non-compliant.json is missing');
    run = await startRun({
      seed: 301,
      decideStepFunctionsFault: (operation) =>
        operation === 'StartExecution' && run?.handler.failures.length === 0 ? fault : undefined,
    });
    const probe = run.handler;
    const { stack } = run;

    // Act
    putOnBus(stack, [scheduled.entry]);
    await stack.settled();

    // Assess
    const figures = measure(run, [scheduled], 1);
    report(`handler-crash-${fault}`, figures, {
      startExecutionCalls: run.stepFunctions.calls.StartExecution ?? 0,
      injected: run.stepFunctions.injected,
    });
    expect(probe.failures).toHaveLength(1);
    expect(figures).toMatchObject({
      tasks: 1,
      executions: 1,
      duplicates: 0,
      lost: 0,
      unexpected: 0,
      retries: 1,
      deadLetters: 0,
    });
    // The retry's start was answered with the task the first invocation had started.
    expect(stack.emulator.stats().mitigationTasks).toMatchObject({ started: 1, existingTaskAnswers: 1 });
    // The task's own outcome, then the notification of its verification audit, recognised as such.
    expect(probe.outcomes).toEqual([
      expect.objectContaining({
        status: 'started',
        taskAlreadyStarted: false,
        executionAlreadyExisted: false,
      }),
      expect.objectContaining({ status: 'verification-audit', verifiedTaskId: expect.any(String) }),
    ]);
    const [execution] = stack.stepFunctions.executions();
    expect(execution?.status).toBe('SUCCEEDED');
    expect(stack.emulator.mitigationTasks()[0]?.status).toBe('COMPLETED');
  });
});
