import { DescribeExecutionCommand, ExecutionDoesNotExist, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createStepFunctionsWorkflowApi } from '../../../src/adapters/step-functions';

// DescribeExecution: how a re-follow tells an execution that follows the task from one that ended.

const sfn = mockClient(SFNClient);
afterEach(() => sfn.reset());

const ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:MitigationWorkflow';
const api = () => createStepFunctionsWorkflowApi(new SFNClient({}), ARN);

describe('Step Functions adapter: DescribeExecution', () => {
  it('asks for the execution ARN of that name and answers its status, error and output', async () => {
    sfn.on(DescribeExecutionCommand).resolves({
      executionArn: 'x',
      stateMachineArn: ARN,
      status: 'FAILED',
      error: 'PollFailed',
      output: '{"a":1}',
      startDate: new Date(0),
    });

    expect(await api().describeExecution('remediate-a-auto__2')).toEqual({
      status: 'FAILED',
      error: 'PollFailed',
      output: '{"a":1}',
    });
    expect(sfn.commandCalls(DescribeExecutionCommand).map((c) => c.args[0].input)).toEqual([
      {
        executionArn:
          'arn:aws:states:us-east-1:123456789012:execution:MitigationWorkflow:remediate-a-auto__2',
      },
    ]);
  });

  it('answers UNKNOWN for an answer without a status, never a status it did not get', async () => {
    sfn.on(DescribeExecutionCommand).resolves({});
    expect(await api().describeExecution('n')).toEqual({
      status: 'UNKNOWN',
      error: undefined,
      output: undefined,
    });
  });

  it('lets an error through', async () => {
    const error = new ExecutionDoesNotExist({ $metadata: {}, message: 'no such execution' });
    sfn.on(DescribeExecutionCommand).rejects(error);
    await expect(api().describeExecution('n')).rejects.toBe(error);
  });
});
