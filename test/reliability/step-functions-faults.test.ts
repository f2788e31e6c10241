import { ListExecutionsCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it } from 'vitest';
import { LOCAL_STATE_MACHINE_ARN } from '../../src/local/stack';
import type { StepFunctionsFault } from '../../src/local/step-functions/local-step-functions';
import { type Run, startRun } from './harness';

// The fault hook of the local Step Functions endpoint (LocalStepFunctionsOptions.faults, the stack's
// `stepFunctionsFaults`): what a client sees for each injected fault, and that a faulted request
// changes nothing.

let run: Run | undefined;

afterEach(async () => {
  await run?.stack.close();
  run = undefined;
});

describe('local Step Functions fault hook', () => {
  it.each<[StepFunctionsFault, string, number | undefined]>([
    ['throttle', 'ThrottlingException', 400],
    ['serverError', 'InternalFailure', 500],
    ['drop', 'socket hang up', undefined],
  ])('%s: StartExecution fails with %s and starts nothing', async (fault, expected, status) => {
    // Prepare
    run = await startRun({
      decideStepFunctionsFault: (operation) => (operation === 'StartExecution' ? fault : undefined),
    });
    const sfn = new SFNClient({
      endpoint: run.stack.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });

    // Act
    const error = await sfn
      .send(new StartExecutionCommand({ stateMachineArn: LOCAL_STATE_MACHINE_ARN, name: 'x', input: '{}' }))
      .then(
        () => undefined,
        (thrown: Error & { $metadata?: { httpStatusCode?: number } }) => thrown,
      );
    const listed = await sfn.send(new ListExecutionsCommand({ stateMachineArn: LOCAL_STATE_MACHINE_ARN }));
    sfn.destroy();

    // Assess
    expect(`${error?.name} ${error?.message}`).toContain(expected);
    expect(error?.$metadata?.httpStatusCode).toBe(status);
    expect(listed.executions).toEqual([]);
    expect(run.stepFunctions.calls).toEqual({ StartExecution: 1, ListExecutions: 1 });
    expect(run.stepFunctions.injected).toBe(1);
  });
});
