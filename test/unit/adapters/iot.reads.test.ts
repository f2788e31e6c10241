import {
  DescribeAuditTaskCommand,
  IoTClient,
  StartAuditMitigationActionsTaskCommand,
} from '@aws-sdk/client-iot';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createIotMitigationApi } from '../../../src/adapters/iot';

// The start-mitigation function reads audits through a client that retries longer than the one that
// starts tasks (functions/start-mitigation/index.ts): each call must go through its own client.
const starts = new IoTClient({ region: 'us-east-1' });
const reads = new IoTClient({ region: 'us-east-1' });
const startsMock = mockClient(starts);
const readsMock = mockClient(reads);
afterEach(() => {
  startsMock.reset();
  readsMock.reset();
});

describe('IoT adapter: reads and starts on their own clients', () => {
  it('reads the audit through the reads client and starts the task through the other', async () => {
    // Prepare
    readsMock.on(DescribeAuditTaskCommand).resolves({ taskStatus: 'COMPLETED', auditDetails: {} });
    startsMock.on(StartAuditMitigationActionsTaskCommand).resolves({ taskId: 't' });
    const api = createIotMitigationApi(starts, reads);

    // Act
    await api.describeAudit('audit-1');
    await api.startTask({
      taskId: 't',
      target: { auditTaskId: 'audit-1' },
      auditCheckToActionsMapping: { LOGGING_DISABLED_CHECK: ['EnableIoTLogging'] },
      clientRequestToken: 'token',
    });

    // Assess
    expect(readsMock.commandCalls(DescribeAuditTaskCommand)).toHaveLength(1);
    expect(startsMock.commandCalls(DescribeAuditTaskCommand)).toHaveLength(0);
    expect(startsMock.commandCalls(StartAuditMitigationActionsTaskCommand)).toHaveLength(1);
    expect(readsMock.commandCalls(StartAuditMitigationActionsTaskCommand)).toHaveLength(0);
  });

  it('uses one client for both when no reads client is given', async () => {
    // Prepare
    startsMock.on(DescribeAuditTaskCommand).resolves({ taskStatus: 'COMPLETED', auditDetails: {} });

    // Act
    await createIotMitigationApi(starts).describeAudit('audit-1');

    // Assess
    expect(startsMock.commandCalls(DescribeAuditTaskCommand)).toHaveLength(1);
  });
});
