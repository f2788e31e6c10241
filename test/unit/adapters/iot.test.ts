import {
  DescribeAuditTaskCommand,
  InternalFailureException,
  IoTClient,
  LimitExceededException,
  StartAuditMitigationActionsTaskCommand,
  TaskAlreadyExistsException,
  ThrottlingException,
} from '@aws-sdk/client-iot';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createIotMitigationApi } from '../../../src/adapters/iot';
import { StartBlockedError } from '../../../src/app/ports';
import type { StartMitigationRequest } from '../../../src/core';

const iot = mockClient(IoTClient);
afterEach(() => iot.reset());

const request: StartMitigationRequest = {
  taskId: 'remediate-audit-1-0123456789ab',
  target: {
    auditTaskId: 'audit-1',
    auditCheckToReasonCodeFilter: {
      DEVICE_CERTIFICATE_SHARED_CHECK: ['CERTIFICATE_SHARED_BY_MULTIPLE_DEVICES'],
    },
  },
  auditCheckToActionsMapping: {
    DEVICE_CERTIFICATE_SHARED_CHECK: ['QuarantineThings', 'DeactivateDeviceCertificate'],
    LOGGING_DISABLED_CHECK: ['EnableIoTLogging'],
  },
  clientRequestToken: 'f'.repeat(64),
};
const meta = { $metadata: {}, message: 'm' };

describe('IoT adapter: StartAuditMitigationActionsTask', () => {
  it('sends every field of the request, the reason-code filter and the explicit token included', async () => {
    iot.on(StartAuditMitigationActionsTaskCommand).resolves({ taskId: request.taskId });
    const api = createIotMitigationApi(new IoTClient({}));

    expect(await api.startTask(request)).toBe('started');

    const sent = iot.commandCalls(StartAuditMitigationActionsTaskCommand).map((c) => c.args[0].input);
    expect(sent).toEqual([
      {
        taskId: 'remediate-audit-1-0123456789ab',
        target: {
          auditTaskId: 'audit-1',
          auditCheckToReasonCodeFilter: {
            DEVICE_CERTIFICATE_SHARED_CHECK: ['CERTIFICATE_SHARED_BY_MULTIPLE_DEVICES'],
          },
        },
        auditCheckToActionsMapping: {
          DEVICE_CERTIFICATE_SHARED_CHECK: ['QuarantineThings', 'DeactivateDeviceCertificate'],
          LOGGING_DISABLED_CHECK: ['EnableIoTLogging'],
        },
        clientRequestToken: 'f'.repeat(64),
      },
    ]);
  });

  it('sends no filter when the request has none', async () => {
    iot.on(StartAuditMitigationActionsTaskCommand).resolves({ taskId: request.taskId });
    await createIotMitigationApi(new IoTClient({})).startTask({
      ...request,
      target: { auditTaskId: 'audit-1' },
    });
    const [call] = iot.commandCalls(StartAuditMitigationActionsTaskCommand);
    expect(call?.args[0].input.target?.auditCheckToReasonCodeFilter).toBeUndefined();
    expect(call?.args[0].input.target?.auditTaskId).toBe('audit-1');
  });

  it('takes TaskAlreadyExistsException as already started', async () => {
    iot.on(StartAuditMitigationActionsTaskCommand).rejects(new TaskAlreadyExistsException(meta));
    expect(await createIotMitigationApi(new IoTClient({})).startTask(request)).toBe('already-started');
  });

  it.each([
    ['ThrottlingException', new ThrottlingException(meta)],
    ['LimitExceededException', new LimitExceededException(meta)],
  ])('turns %s into StartBlockedError, keeping the cause', async (name, error) => {
    iot.on(StartAuditMitigationActionsTaskCommand).rejects(error);
    const thrown = await createIotMitigationApi(new IoTClient({}))
      .startTask(request)
      .catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(StartBlockedError);
    expect((thrown as StartBlockedError).name).toBe('StartBlockedError');
    expect((thrown as StartBlockedError).message).toBe(`${name}: m`);
    expect((thrown as StartBlockedError).cause).toBe(error);
  });

  it('lets any other error through unchanged', async () => {
    const error = new InternalFailureException(meta);
    iot.on(StartAuditMitigationActionsTaskCommand).rejects(error);
    await expect(createIotMitigationApi(new IoTClient({})).startTask(request)).rejects.toBe(error);
  });
});

describe('IoT adapter: DescribeAuditTask', () => {
  it('asks for the audit task id and returns the fields the planner reads', async () => {
    iot.on(DescribeAuditTaskCommand).resolves({
      taskStatus: 'COMPLETED',
      taskType: 'SCHEDULED_AUDIT_TASK',
      scheduledAuditName: 'weekly',
      taskStartTime: new Date(0),
      auditDetails: {
        LOGGING_DISABLED_CHECK: { checkRunStatus: 'COMPLETED_NON_COMPLIANT', nonCompliantResourcesCount: 1 },
      },
    });
    const described = await createIotMitigationApi(new IoTClient({})).describeAudit('audit-1');
    expect(iot.commandCalls(DescribeAuditTaskCommand).map((c) => c.args[0].input)).toEqual([
      { taskId: 'audit-1' },
    ]);
    expect(described).toEqual({
      taskStatus: 'COMPLETED',
      taskType: 'SCHEDULED_AUDIT_TASK',
      scheduledAuditName: 'weekly',
      auditDetails: {
        LOGGING_DISABLED_CHECK: { checkRunStatus: 'COMPLETED_NON_COMPLIANT', nonCompliantResourcesCount: 1 },
      },
    });
  });
});
