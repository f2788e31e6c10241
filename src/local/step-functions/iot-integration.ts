import {
  DescribeAuditMitigationActionsTaskCommand,
  type DescribeAuditMitigationActionsTaskCommandInput,
  DescribeAuditTaskCommand,
  type DescribeAuditTaskCommandInput,
  type IoTClient,
  IoTServiceException,
  StartAuditMitigationActionsTaskCommand,
  type StartAuditMitigationActionsTaskCommandInput,
  StartOnDemandAuditTaskCommand,
  type StartOnDemandAuditTaskCommandInput,
} from '@aws-sdk/client-iot';
import { type MapMembers, toSdkCasing, toStepFunctionsCasing } from './sdk-casing';
import { isProgrammingError, type JsonValue } from './workflow-runner';

/** The Task resource prefix of Step Functions' AWS SDK integration with IoT. */
export const IOT_SDK_RESOURCE_PREFIX = 'arn:aws:states:::aws-sdk:iot:';

interface IotAction {
  /**
   * Sends the request. Step Functions passes parameters through to IoT unchecked and IoT validates
   * them (the local emulator does too), hence the cast from the converted parameters.
   */
  send(iot: IoTClient, input: unknown): Promise<{ readonly $metadata: unknown }>;
  requestMaps: MapMembers;
  responseMaps: MapMembers;
}

const TASK_TARGET_MAPS: MapMembers = { auditCheckToReasonCodeFilter: 'map' };

/** The IoT actions the local facade can run: the ones the workflow uses. */
const IOT_ACTIONS: Readonly<Record<string, IotAction>> = {
  startAuditMitigationActionsTask: {
    send: (iot, input) =>
      iot.send(
        new StartAuditMitigationActionsTaskCommand(input as StartAuditMitigationActionsTaskCommandInput),
      ),
    requestMaps: { target: TASK_TARGET_MAPS, auditCheckToActionsMapping: 'map' },
    responseMaps: {},
  },
  describeAuditMitigationActionsTask: {
    send: (iot, input) =>
      iot.send(
        new DescribeAuditMitigationActionsTaskCommand(
          input as DescribeAuditMitigationActionsTaskCommandInput,
        ),
      ),
    requestMaps: {},
    responseMaps: { taskStatistics: 'map', target: TASK_TARGET_MAPS, auditCheckToActionsMapping: 'map' },
  },
  // The verification audit.
  startOnDemandAuditTask: {
    send: (iot, input) =>
      iot.send(new StartOnDemandAuditTaskCommand(input as StartOnDemandAuditTaskCommandInput)),
    requestMaps: {},
    responseMaps: {},
  },
  describeAuditTask: {
    send: (iot, input) => iot.send(new DescribeAuditTaskCommand(input as DescribeAuditTaskCommandInput)),
    requestMaps: {},
    responseMaps: { auditDetails: 'map' },
  },
};

/** Names an error the way Step Functions names errors of its IoT SDK integration, so Retry/Catch match. */
export class IotIntegrationError extends Error {
  constructor(name: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = name;
  }
}

/**
 * A local handler for `arn:aws:states:::aws-sdk:iot:<action>` that calls the real IoT client: PascalCase
 * parameters in, PascalCase result out, IoT exceptions rethrown as `Iot.<ExceptionName>`.
 * Give the client `maxAttempts: 1`: in the cloud the ASL's Retry is the only retry of these calls.
 */
export function createIotResourceHandler(
  resource: string,
  iot: IoTClient,
): (input: JsonValue) => Promise<JsonValue> {
  const actionName = resource.slice(IOT_SDK_RESOURCE_PREFIX.length);
  const action = resource.startsWith(IOT_SDK_RESOURCE_PREFIX) ? IOT_ACTIONS[actionName] : undefined;
  if (action === undefined) throw new Error(`The local Step Functions facade does not implement ${resource}`);
  return async (input) => {
    try {
      const { $metadata: _metadata, ...output } = await action.send(
        iot,
        toSdkCasing(input, action.requestMaps),
      );
      // The SDK's output is JSON apart from Dates, which the conversion renders as strings.
      return toStepFunctionsCasing(output, action.responseMaps) as JsonValue;
    } catch (error) {
      if (error instanceof IoTServiceException) {
        throw new IotIntegrationError(`Iot.${error.name}`, error.message, { cause: error });
      }
      // A bug of the local stack (or a Node without an API it uses): the runner reports it as such.
      if (isProgrammingError(error)) throw error;
      // Not an IoT answer (network, serialisation): Step Functions reports those as a task failure.
      const message = error instanceof Error ? error.message : String(error);
      throw new IotIntegrationError('States.TaskFailed', message, { cause: error });
    }
  };
}
