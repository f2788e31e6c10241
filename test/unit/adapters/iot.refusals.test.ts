import {
  DescribeAuditTaskCommand,
  InternalFailureException,
  InvalidRequestException,
  IoTClient,
  ResourceNotFoundException,
  StartAuditMitigationActionsTaskCommand,
} from '@aws-sdk/client-iot';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createIotMitigationApi } from '../../../src/adapters/iot';
import { AuditNotFoundError, StartRefusedError } from '../../../src/app/ports';
import type { StartMitigationRequest } from '../../../src/core';

// What IoT refuses for good, and an audit it does not have: each becomes the port's own error, named,
// with IoT's error as its cause; anything else passes through unchanged.

const iot = mockClient(IoTClient);
afterEach(() => iot.reset());

const meta = { $metadata: {}, message: 'm' };
const request: StartMitigationRequest = {
  taskId: 'remediate-audit-1-auto',
  target: { auditTaskId: 'audit-1' },
  auditCheckToActionsMapping: { LOGGING_DISABLED_CHECK: ['EnableIoTLogging'] },
  clientRequestToken: 'a'.repeat(64),
};

async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

describe('IoT adapter: refusals', () => {
  it('turns InvalidRequestException into StartRefusedError naming the task, keeping the cause', async () => {
    const error = new InvalidRequestException(meta);
    iot.on(StartAuditMitigationActionsTaskCommand).rejects(error);
    const thrown = await caught(createIotMitigationApi(new IoTClient({})).startTask(request));
    expect(thrown).toBeInstanceOf(StartRefusedError);
    expect((thrown as StartRefusedError).name).toBe('StartRefusedError');
    expect((thrown as StartRefusedError).message).toBe(
      'IoT refused to start mitigation task remediate-audit-1-auto (InvalidRequestException: m); no workflow was started',
    );
    expect((thrown as StartRefusedError).cause).toBe(error);
  });

  it('turns ResourceNotFoundException from DescribeAuditTask into AuditNotFoundError, keeping the cause', async () => {
    const error = new ResourceNotFoundException(meta);
    iot.on(DescribeAuditTaskCommand).rejects(error);
    const thrown = await caught(createIotMitigationApi(new IoTClient({})).describeAudit('audit-9'));
    expect(thrown).toBeInstanceOf(AuditNotFoundError);
    expect((thrown as AuditNotFoundError).name).toBe('AuditNotFoundError');
    expect((thrown as AuditNotFoundError).message).toBe('audit audit-9 does not exist');
    expect((thrown as AuditNotFoundError).cause).toBe(error);
  });

  it('lets any other DescribeAuditTask error through unchanged', async () => {
    const error = new InternalFailureException(meta);
    iot.on(DescribeAuditTaskCommand).rejects(error);
    await expect(createIotMitigationApi(new IoTClient({})).describeAudit('audit-9')).rejects.toBe(error);
  });
});
