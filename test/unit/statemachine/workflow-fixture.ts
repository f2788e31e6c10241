import { readFileSync } from 'node:fs';
import type { VirtualClock } from '../../../src/local/clock';
import {
  type JsonValue,
  prepareWorkflow,
  runWorkflow,
  type TaskResourceHandler,
  type WorkflowRun,
} from '../../../src/local/step-functions/workflow-runner';
import { workflowSubstitutions } from '../../../src/local/step-functions/workflow-substitutions';
import { startTimeDriver, type TimeDriver } from '../../../src/local/time-driver';

// What the workflow tests share: the real ASL file and the resources its Task states call.

export const ASL_TEXT = readFileSync(
  new URL('../../../statemachine/mitigation-workflow.asl.json', import.meta.url),
  'utf8',
);
export const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:MitigationWorkflow';
export const START = 'arn:aws:states:::aws-sdk:iot:startAuditMitigationActionsTask';
export const DESCRIBE = 'arn:aws:states:::aws-sdk:iot:describeAuditMitigationActionsTask';
export const PUT_EVENTS = 'arn:aws:states:::events:putEvents';
export const START_EXECUTION = 'arn:aws:states:::states:startExecution';
/** A Lambda function invoked with the callback pattern (RequestApproval, WaitForSlot). */
export const CALLBACK = 'arn:aws:states:::lambda:invoke.waitForTaskToken';
/** A Lambda function invoked and waited for (WriteReport, ReleaseSlot, VerifyAudit, RetryFailedFindings). */
export const INVOKE = 'arn:aws:states:::lambda:invoke';

const SUBSTITUTIONS = workflowSubstitutions();
/** The time drivers of the executions still to stop (stopTestWorkflows, after each test). */
const drivers = new Set<TimeDriver>();

/**
 * Runs the real ASL (placeholders substituted as the local stack does) as the execution `name` of
 * the state machine, its Task states answered by `handlers`, on `clock`, with a time driver that
 * moves the clock whenever the execution waits. Stop the drivers with stopTestWorkflows.
 */
export function runTestWorkflow(options: {
  input: JsonValue;
  handlers: Readonly<Record<string, TaskResourceHandler>>;
  clock: VirtualClock;
  name: string;
  /** For FULL jitter; a fixed 0.5 unless a test seeds its own. */
  random?: () => number;
}): WorkflowRun {
  const execution = runWorkflow(prepareWorkflow(ASL_TEXT, SUBSTITUTIONS), {
    input: options.input,
    handlers: options.handlers,
    clock: options.clock,
    random: options.random ?? (() => 0.5),
    context: {
      Execution: {
        Id: `${STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${options.name}`,
        Name: options.name,
      },
      StateMachine: { Id: STATE_MACHINE_ARN, Name: 'MitigationWorkflow' },
    },
  });
  drivers.add(startTimeDriver({ clock: options.clock, isBusy: () => execution.working }));
  return execution;
}

/** Stops the time drivers runTestWorkflow started (afterEach). */
export function stopTestWorkflows(): void {
  for (const driver of drivers) driver.stop();
  drivers.clear();
}
