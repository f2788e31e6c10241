import {
  DescribeAuditTaskCommand,
  type IoTClient,
  StartAuditMitigationActionsTaskCommand,
} from '@aws-sdk/client-iot';
import { AuditNotFoundError, type MitigationApi, StartBlockedError, StartRefusedError } from '../app/ports';
import type { DescribedAuditTask, StartMitigationRequest } from '../core';

// Both are retried by the SDK (LimitExceededException is on its throttling list); when they still
// come back, the start is handed to the state machine's durable retry instead of being lost.
const BLOCKING_ERRORS = new Set(['ThrottlingException', 'LimitExceededException']);

/**
 * The IoT calls of the start-mitigation function. Reads may go through their own client (`reads`),
 * configured to outlast a burst of the read quota; starts keep theirs.
 */
export function createIotMitigationApi(client: IoTClient, reads: IoTClient = client): MitigationApi {
  return {
    async startTask(request: StartMitigationRequest) {
      try {
        await client.send(
          new StartAuditMitigationActionsTaskCommand({
            taskId: request.taskId,
            target: {
              auditTaskId: request.target.auditTaskId,
              auditCheckToReasonCodeFilter: request.target.auditCheckToReasonCodeFilter as
                | Record<string, string[]>
                | undefined,
            },
            auditCheckToActionsMapping: request.auditCheckToActionsMapping as Record<string, string[]>,
            // Always explicit: left out, the SDK would fill in a random token per send.
            clientRequestToken: request.clientRequestToken,
          }),
        );
        return 'started';
      } catch (error) {
        const name = (error as Error).name;
        // Same task id with another token: the task exists, which is all this step needs.
        if (name === 'TaskAlreadyExistsException') return 'already-started';
        if (BLOCKING_ERRORS.has(name))
          throw new StartBlockedError(`${name}: ${(error as Error).message}`, { cause: error });
        if (name === 'InvalidRequestException')
          throw new StartRefusedError(
            `IoT refused to start mitigation task ${request.taskId} (${name}: ${(error as Error).message}); no workflow was started`,
            { cause: error },
          );
        throw error;
      }
    },

    async describeAudit(auditTaskId: string): Promise<DescribedAuditTask> {
      const out = await reads.send(new DescribeAuditTaskCommand({ taskId: auditTaskId })).catch((error) => {
        if ((error as Error).name !== 'ResourceNotFoundException') throw error;
        throw new AuditNotFoundError(`audit ${auditTaskId} does not exist`, { cause: error });
      });
      return {
        taskStatus: out.taskStatus,
        taskType: out.taskType,
        scheduledAuditName: out.scheduledAuditName,
        auditDetails: out.auditDetails,
      };
    },
  };
}
