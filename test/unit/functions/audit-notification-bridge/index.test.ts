import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { readJson } from '../../../fixtures';

const eventBridge = mockClient(EventBridgeClient);

const context = {
  functionName: 'audit-notification-bridge',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:audit-notification-bridge',
  memoryLimitInMB: '256',
  awsRequestId: 'request-1',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

describe('audit-notification-bridge handler', () => {
  let handler: (event: unknown, context: Context) => Promise<unknown>;

  beforeAll(async () => {
    vi.stubEnv('EVENT_BUS_NAME', 'audit-bus');
    vi.stubEnv('EVENT_SOURCE', 'custom.iot.devicedefender');
    vi.stubEnv('EVENT_DETAIL_TYPE', 'Audit Task Completed');
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
    ({ handler } = await import('../../../../functions/audit-notification-bridge/index'));
  });
  afterAll(() => {
    vi.unstubAllEnvs();
  });
  beforeEach(() => {
    eventBridge.reset();
  });

  it('puts the notification on the bus named by its environment', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });

    const result = await handler(readJson('events/sns-audit-notification.json'), context);

    expect(result).toEqual({ bridged: 1 });
    const [entry] = eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries ?? [];
    expect(entry).toMatchObject({
      EventBusName: 'audit-bus',
      Source: 'custom.iot.devicedefender',
      DetailType: 'Audit Task Completed',
    });
    expect(JSON.parse(String(entry?.Detail))).toMatchObject({ taskId: '5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e' });
  });

  it('fails the invocation on an invalid notification, so Lambda sends it to the DLQ with the error', async () => {
    const event = {
      Records: [{ EventSource: 'aws:sns', Sns: { MessageId: 'm-1', Message: '{"taskId": 1}' } }],
    };

    await expect(handler(event, context)).rejects.toMatchObject({ name: 'RejectedNotificationsError' });
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });
});
