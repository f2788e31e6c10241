import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../src/local/scenario';
import { LOCAL_STATE_MACHINE_ARN } from '../../src/local/stack';
import { runCli } from '../e2e/helpers';
import {
  type AuditEvent,
  completionsByAudit,
  DEFAULT_SCENARIO,
  defaultAuditEvents,
  putOnBus,
  type Run,
  startRun,
} from './harness';

// Recovery of the workflows that ended without the task's outcome (README, "Recovery"): each end
// state is reached on the local stack, then the same event is replayed (put on the bus again, as
// `iot-remediate replay` does) and the task must be followed to its end by a new execution named
// after the next follow number, with the mitigation task started once.
// These scenarios pin the start path without the dispatcher (start-mitigation starts the task, the
// state machine retries a blocked start): the path an execution of an older input still takes.
// The dispatcher's own failure scenarios are in dispatcher.test.ts.
const OLDER_PATH = { dispatcher: false } as const;

const AUDIT = 'a3aea009955e501a31b764abe1bebd3d';
const event = defaultAuditEvents().find((e) => e.auditTaskId === AUDIT) as AuditEvent;
let run: Run | undefined;
const recovered: string[] = [];
const attempted: string[] = [];

afterEach(async () => {
  await run?.stack.close();
  run = undefined;
});

afterAll(() => {
  console.log(`reliability[recovery]: remediations recovered: ${recovered.length} of ${attempted.length}`);
});

/** The default scenario with every action on every finding taking `seconds`. */
function scenarioTaking(seconds: number): ScenarioInput {
  return { ...DEFAULT_SCENARIO, workSecondsPerFinding: seconds };
}

/** Puts the audit's event on the bus and waits until every delivery and execution has ended. */
async function deliver(current: Run): Promise<void> {
  putOnBus(current.stack, [event.entry]);
  await current.stack.settled();
}

function executionsOf(current: Run) {
  return current.stack.stepFunctions
    .executions()
    .map((e) => ({ name: e.name, status: e.status, error: e.error, polls: e.polls }));
}

function outcomes(current: Run): unknown[] {
  return (completionsByAudit(current.stack).get(AUDIT) ?? []).map((d) => d.outcome);
}

/** Replays the event and checks the task was followed to COMPLETED by `<taskId>__2`, started once. */
async function replayRecovers(current: Run, endState: string): Promise<void> {
  attempted.push(endState);
  const [first] = current.stack.stepFunctions.executions();
  const taskId = String((first?.input as { taskId?: string }).taskId);
  await deliver(current);
  const tasks = current.stack.emulator.mitigationTasks();
  expect(tasks.map((t) => [t.taskId, t.status])).toEqual([[taskId, 'COMPLETED']]);
  expect(current.stack.emulator.stats().mitigationTasks.started).toBe(1);
  const second = current.stack.stepFunctions.executions().find((e) => e.name === `${taskId}__2`);
  expect(second).toMatchObject({ status: 'SUCCEEDED', input: { taskId, follow: 2, deferredStart: false } });
  expect(outcomes(current)).toEqual([endState, 'COMPLETED']);
  expect(current.handler.failures).toEqual([]);
  recovered.push(endState);
}

describe('reliability: recovery of workflows that ended without the task outcome', () => {
  it('START_FAILED (deferred start throttled for its 600 attempts): a replay starts the task once and follows it', async () => {
    // Prepare: IoT throttles every start, so the handler defers and the state machine gives up.
    run = await startRun({ ...OLDER_PATH, faults: { StartAuditMitigationActionsTask: { throttleRate: 1 } } });
    await deliver(run);
    expect(executionsOf(run)).toMatchObject([{ status: 'FAILED', error: 'StartFailed' }]);
    expect(run.stack.emulator.mitigationTasks()).toEqual([]);
    run.stack.emulator.setFaults(undefined);

    // Act + Assess
    await replayRecovers(run, 'START_FAILED');
  });

  it('START_FAILED, recovered by the operator: `iot-remediate replay` (a subprocess) follows the new execution to COMPLETED', async () => {
    // Prepare
    run = await startRun({ ...OLDER_PATH, faults: { StartAuditMitigationActionsTask: { throttleRate: 1 } } });
    await deliver(run);
    expect(executionsOf(run)).toMatchObject([{ status: 'FAILED', error: 'StartFailed' }]);
    run.stack.emulator.setFaults(undefined);
    attempted.push('START_FAILED (CLI)');

    // Act
    const cli = await runCli([
      'replay',
      'events/scheduled-audit-non-compliant.json',
      '--endpoint-url',
      run.stack.url,
      '--bus',
      'default',
      '--state-machine',
      LOCAL_STATE_MACHINE_ARN,
      '--poll-interval',
      '1s',
      '--json',
    ]);

    // Assess
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    const [workflow] = (JSON.parse(cli.stdout) as { workflows: Record<string, unknown>[] }).workflows;
    const taskId = run.stack.emulator.mitigationTasks()[0]?.taskId;
    expect(workflow).toMatchObject({ end: 'COMPLETED', taskId, execution: `${taskId}__2` });
    expect(run.stack.emulator.stats().mitigationTasks.started).toBe(1);
    recovered.push('START_FAILED (CLI)');
  });

  it('POLL_FAILED (describe failing past its retries while the task runs): a replay follows the running task', async () => {
    // Prepare: a task of hours; every describe fails with a 500.
    run = await startRun({
      ...OLDER_PATH,
      scenario: scenarioTaking(600),
      faults: { DescribeAuditMitigationActionsTask: { serverErrorRate: 1 } },
    });
    await deliver(run);
    expect(executionsOf(run)).toMatchObject([{ status: 'FAILED', error: 'PollFailed' }]);
    expect(run.stack.emulator.mitigationTasks().map((t) => t.status)).toEqual(['IN_PROGRESS']);
    run.stack.emulator.setFaults(undefined);

    // Act + Assess
    await replayRecovers(run, 'POLL_FAILED');
  });

  it('POLL_FAILED, recovered by task id: `iot-remediate refollow <taskId>` (a subprocess) follows the task in <taskId>__2', async () => {
    // Prepare
    run = await startRun({
      ...OLDER_PATH,
      scenario: scenarioTaking(600),
      faults: { DescribeAuditMitigationActionsTask: { serverErrorRate: 1 } },
    });
    await deliver(run);
    expect(executionsOf(run)).toMatchObject([{ status: 'FAILED', error: 'PollFailed' }]);
    run.stack.emulator.setFaults(undefined);
    const taskId = String(run.stack.emulator.mitigationTasks()[0]?.taskId);
    attempted.push('POLL_FAILED (refollow)');
    const cli = (...more: string[]) =>
      runCli([
        'refollow',
        taskId,
        '--endpoint-url',
        (run as Run).stack.url,
        '--state-machine',
        LOCAL_STATE_MACHINE_ARN,
        '--poll-interval',
        '1s',
        '--json',
        ...more,
      ]);

    // Act
    const first = await cli();
    await run.stack.settled();
    const again = await cli();

    // Assess: followed once to COMPLETED; a second refollow finds the outcome reported.
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({
      taskId,
      execution: `${taskId}__2`,
      status: 'started',
      end: 'COMPLETED',
    });
    expect(JSON.parse(again.stdout)).toEqual({
      taskId,
      execution: `${taskId}__2`,
      status: 'reported',
      end: 'COMPLETED',
    });
    expect(again.code).toBe(0);
    expect(run.stack.emulator.stats().mitigationTasks.started).toBe(1);
    expect(run.stack.stepFunctions.executions()).toHaveLength(2);
    expect(outcomes(run)).toEqual(['POLL_FAILED', 'COMPLETED']);
    recovered.push('POLL_FAILED (refollow)');
  });

  it('DEADLINE_EXCEEDED (task longer than the poll deadline): a replay follows it on to COMPLETED', async () => {
    // Prepare: the task (18 action executions of 75 s: 1350 s) lasts longer than one deadline, less than two.
    run = await startRun({ ...OLDER_PATH, scenario: scenarioTaking(75), pollDeadlineSeconds: 900 });
    await deliver(run);
    expect(executionsOf(run)).toMatchObject([{ status: 'FAILED', error: 'PollDeadlineExceeded' }]);
    const [task] = run.stack.emulator.mitigationTasks();
    expect(task?.status).toBe('IN_PROGRESS');

    // Act + Assess
    await replayRecovers(run, 'DEADLINE_EXCEEDED');
  });

  it('a task IoT already completed after its workflow gave up: the re-follow reports it on its first poll', async () => {
    // Prepare: DEADLINE_EXCEEDED as above, then the task completes with no workflow following it.
    run = await startRun({ ...OLDER_PATH, scenario: scenarioTaking(75), pollDeadlineSeconds: 900 });
    await deliver(run);
    const stack = run.stack;
    await stack.clock.sleep(3600_000);
    expect(stack.emulator.mitigationTasks().map((t) => t.status)).toEqual(['COMPLETED']);

    // Act + Assess
    await replayRecovers(run, 'DEADLINE_EXCEEDED');
    const [, second] = stack.stepFunctions.executions();
    expect(second?.polls).toBe(1);
  });

  it('a task that ended FAILED was reported: a replay follows nothing again', async () => {
    // Prepare: audit 7d1c... ends FAILED in the default scenario.
    const failing = defaultAuditEvents().find((e) => e.auditTaskId === '7d1c0e5b9a8f4c2e8b6a4d2f0e1c3b5a');
    run = await startRun(OLDER_PATH);
    putOnBus(run.stack, [failing?.entry as AuditEvent['entry']]);
    await run.stack.settled();
    expect(executionsOf(run)).toMatchObject([{ status: 'FAILED', error: 'MitigationTaskFailed' }]);

    // Act
    putOnBus(run.stack, [failing?.entry as AuditEvent['entry']]);
    await run.stack.settled();

    // Assess
    expect(run.stack.stepFunctions.executions()).toHaveLength(1);
    expect(run.handler.outcomes.at(-1)).toMatchObject({
      executionAlreadyExisted: true,
      reportedOutcome: 'FAILED',
    });
    expect(run.stack.emulator.stats().mitigationTasks.started).toBe(1);
  });

  it('a task IoT refuses for good (an action missing): the invocation fails clearly and starts no workflow', async () => {
    // Prepare: the account lacks the policy action the config maps.
    const scenario = {
      ...DEFAULT_SCENARIO,
      mitigationActions: (DEFAULT_SCENARIO.mitigationActions ?? []).filter(
        (a) => a.name !== 'ReplaceDefaultPolicyVersion',
      ),
    };
    run = await startRun({ ...OLDER_PATH, scenario });

    // Act
    await deliver(run);

    // Assess: every delivery (the bus's retries included) fails with the same clear error.
    expect(run.handler.failures.length).toBeGreaterThan(0);
    for (const failure of run.handler.failures) {
      expect(failure).toMatchObject({ name: 'StartRefusedError' });
      expect(String((failure as Error).message)).toMatch(
        /^IoT refused to start mitigation task remediate-a3aea009955e501a31b764abe1bebd3d-auto \(InvalidRequestException: Mitigation action ReplaceDefaultPolicyVersion does not exist\); no workflow was started$/,
      );
    }
    expect(run.stack.stepFunctions.executions()).toEqual([]);
    expect(run.stack.emulator.mitigationTasks()).toEqual([]);
    expect(run.stack.bus.deadLetters()).toHaveLength(1);
  });
});
