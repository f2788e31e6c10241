import { ExecutionAlreadyExists, InvalidName, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createStepFunctionsWorkflowApi } from '../../../src/adapters/step-functions';
import type { WorkflowInput } from '../../../src/core';

const sfn = mockClient(SFNClient);
afterEach(() => sfn.reset());

const ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:MitigationWorkflow';
const input: WorkflowInput = {
  taskId: 'remediate-a-0123456789ab',
  auditTaskId: 'a',
  deferredStart: true,
  startRequest: {
    TaskId: 'remediate-a-0123456789ab',
    Target: {
      AuditTaskId: 'a',
      AuditCheckToReasonCodeFilter: { LOGGING_DISABLED_CHECK: ['LOGGING_DISABLED'] },
    },
    AuditCheckToActionsMapping: { LOGGING_DISABLED_CHECK: ['EnableIoTLogging'] },
    ClientRequestToken: 'abc',
  },
  pollDeadlineSeconds: 21600,
  follow: 1,
  skipped: [],
};

describe('Step Functions adapter: StartExecution', () => {
  it('sends the state machine ARN, the name and the whole input as JSON', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'x', startDate: new Date(0) });
    const answer = await createStepFunctionsWorkflowApi(new SFNClient({}), ARN).startExecution(
      input.taskId,
      input,
    );
    expect(answer).toBe('started');
    const sent = sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input);
    expect(sent).toEqual([
      { stateMachineArn: ARN, name: 'remediate-a-0123456789ab', input: JSON.stringify(input) },
    ]);
    expect(JSON.parse(sent[0]?.input ?? '')).toEqual(input);
  });

  it('takes ExecutionAlreadyExists as the workflow already under way', async () => {
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ $metadata: {}, message: 'exists' }));
    expect(await createStepFunctionsWorkflowApi(new SFNClient({}), ARN).startExecution('n', input)).toBe(
      'already-exists',
    );
  });

  it('lets any other error through', async () => {
    const error = new InvalidName({ $metadata: {}, message: 'bad' });
    sfn.on(StartExecutionCommand).rejects(error);
    await expect(
      createStepFunctionsWorkflowApi(new SFNClient({}), ARN).startExecution('n', input),
    ).rejects.toBe(error);
  });
});
