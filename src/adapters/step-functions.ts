import { DescribeExecutionCommand, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { WorkflowApi } from '../app/ports';
import { type ExecutionState, executionArnFor, type WorkflowInput } from '../core';

/** Starting and describing the poll workflow's executions on Step Functions. */
export function createStepFunctionsWorkflowApi(client: SFNClient, stateMachineArn: string): WorkflowApi {
  return {
    async startExecution(name: string, input: WorkflowInput) {
      try {
        await client.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
        return 'started';
      } catch (error) {
        // Step Functions keeps names for 90 days: an open execution with another input, or any closed
        // one, answers ExecutionAlreadyExists (an identical request for an open one succeeds).
        if ((error as Error).name === 'ExecutionAlreadyExists') return 'already-exists';
        throw error;
      }
    },
    async describeExecution(name: string): Promise<ExecutionState> {
      const out = await client.send(
        new DescribeExecutionCommand({ executionArn: executionArnFor(stateMachineArn, name) }),
      );
      return { status: out.status ?? 'UNKNOWN', error: out.error, output: out.output };
    },
  };
}
