import { type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { WorkflowApi } from '../app/ports';
import type { WorkflowInput } from '../core';

/** Starting the poll workflow on Step Functions. */
export function createStepFunctionsWorkflowApi(client: SFNClient, stateMachineArn: string): WorkflowApi {
  return {
    async startExecution(name: string, input: WorkflowInput) {
      try {
        await client.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
        return 'started';
      } catch (error) {
        // The name is the task id: an execution of that name is this task's workflow, already under
        // way (its input may differ only in `deferredStart`). Step Functions keeps names for 90 days.
        if ((error as Error).name === 'ExecutionAlreadyExists') return 'already-exists';
        throw error;
      }
    },
  };
}
