import type { IoTClient } from '@aws-sdk/client-iot';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it } from 'vitest';
import type { WorkflowInput } from '../../../../src/core/workflow-input';
import { VirtualClock } from '../../../../src/local/clock';
import { createLocalStepFunctions, type LocalStepFunctions } from '../../../../src/local/step-functions';
import { createIotResourceHandler } from '../../../../src/local/step-functions/iot-integration';
import {
  LOCAL_INTERNAL_ERROR,
  prepareWorkflow,
  runWorkflow,
} from '../../../../src/local/step-functions/workflow-runner';
import { workflowSubstitutions } from '../../../../src/local/step-functions/workflow-substitutions';
import { startTimeDriver, type TimeDriver } from '../../../../src/local/time-driver';
import { VERIFICATION_NOT_REACHED } from '../../statemachine/verification-not-reached';
import { ASL_TEXT, DESCRIBE, PUT_EVENTS, START } from '../../statemachine/workflow-fixture';

/**
 * A programming error inside the local stack (a TypeError in a task handler, or in the interpreter
 * itself, as aws-local-stepfunctions hits on Node 20) ends the execution as a local stack internal
 * error, not as a workflow outcome (PollFailed after the ASL's Catch).
 */

const SUBSTITUTIONS = workflowSubstitutions({
  eventBusName: 'default',
  eventSource: 'custom.iot.devicedefender',
});
const CONTINUE_AS_NEW = 'arn:aws:states:::states:startExecution';
const TASK_ID = 'remediate-audit1-abc';
const INPUT: WorkflowInput = {
  taskId: TASK_ID,
  auditTaskId: 'audit1',
  deferredStart: false,
  startRequest: {
    TaskId: TASK_ID,
    Target: { AuditTaskId: 'audit1' },
    AuditCheckToActionsMapping: { LOGGING_DISABLED_CHECK: ['EnableIoTLogging'] },
    ClientRequestToken: 'token',
  },
  pollDeadlineSeconds: 3600,
  skipped: [],
  follow: 1,
};

let driver: TimeDriver | undefined;
let stepFunctions: LocalStepFunctions | undefined;
afterEach(async () => {
  driver?.stop();
  await stepFunctions?.close();
  driver = undefined;
  stepFunctions = undefined;
});

describe('local stack internal errors', () => {
  it('fails the execution as a local stack internal error when a task handler throws a TypeError', async () => {
    // Prepare
    const clock = new VirtualClock();
    const puts: unknown[] = [];
    const run = runWorkflow(prepareWorkflow(ASL_TEXT, SUBSTITUTIONS), {
      input: INPUT,
      clock,
      context: { Execution: { Id: `execution:${TASK_ID}`, Name: TASK_ID } },
      handlers: {
        ...VERIFICATION_NOT_REACHED,
        [START]: () => ({}),
        [DESCRIBE]: () => {
          throw new TypeError("Cannot read properties of undefined (reading 'TaskStatus')");
        },
        // The approval gate: never reached by an auto task's input.
        'arn:aws:states:::lambda:invoke.waitForTaskToken': () => {
          throw new Error('not reached');
        },
        // WriteReport: not reached either, the execution fails before the task ends; ReleaseSlot: only
        // an input with `queue` reaches it.
        'arn:aws:states:::lambda:invoke': () => {
          throw new Error('not reached');
        },
        [PUT_EVENTS]: (input) => {
          puts.push(input);
          return { Entries: [{ EventId: 'e1' }], FailedEntryCount: 0 };
        },
        [CONTINUE_AS_NEW]: () => {
          throw new Error('not reached: the first describe fails');
        },
      },
    });
    driver = startTimeDriver({ clock, isBusy: () => run.working });

    // Act
    const result = await run.result;

    // Assess: no PollFailed outcome, no finished event
    expect(result).toEqual({
      status: 'FAILED',
      error: LOCAL_INTERNAL_ERROR,
      cause:
        "local stack internal error: TypeError: Cannot read properties of undefined (reading 'TaskStatus')",
    });
    expect(puts).toEqual([]);
    expect(run.statesEntered).not.toContain('PollFailed');
  });

  it('passes a TypeError of the IoT integration through instead of naming it a task failure', async () => {
    const iot = { send: () => Promise.reject(new TypeError('Promise.withResolvers is not a function')) };
    const handler = createIotResourceHandler(DESCRIBE, iot as unknown as IoTClient);
    await expect(handler({ TaskId: TASK_ID })).rejects.toBeInstanceOf(TypeError);
  });

  it('still names an unreachable IoT endpoint a task failure (States.TaskFailed), as Step Functions does', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const iot = { send: () => Promise.reject(refused) };
    const handler = createIotResourceHandler(DESCRIBE, iot as unknown as IoTClient);
    await expect(handler({ TaskId: TASK_ID })).rejects.toMatchObject({ name: 'States.TaskFailed' });
  });

  it('reports the internal error through DescribeExecution (error and cause) and puts no finished event', async () => {
    // Prepare: an IoT client that breaks the way a missing Node API breaks it
    const clock = new VirtualClock();
    const puts: unknown[] = [];
    const iot = { send: () => Promise.reject(new TypeError('Promise.withResolvers is not a function')) };
    stepFunctions = createLocalStepFunctions({
      definition: ASL_TEXT,
      substitutions: SUBSTITUTIONS,
      iot: iot as unknown as IoTClient,
      clock,
      onPutEvents: (entries) => {
        puts.push(entries);
      },
    });
    const local = stepFunctions;
    driver = startTimeDriver({ clock, isBusy: () => local.inFlight > 0 });
    const { url } = await stepFunctions.listen();
    const sfn = new SFNClient({
      endpoint: url,
      region: 'us-east-1',
      credentials: { accessKeyId: 't', secretAccessKey: 't' },
    });

    // Act
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:MitigationWorkflow',
        name: TASK_ID,
        input: JSON.stringify(INPUT),
      }),
    );
    await stepFunctions.waitForAll();
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));

    // Assess
    expect(described.status).toBe('FAILED');
    expect(described.error).toBe(LOCAL_INTERNAL_ERROR);
    expect(described.cause).toBe(
      'local stack internal error: TypeError: Promise.withResolvers is not a function',
    );
    expect(puts).toEqual([]);
  });
});
