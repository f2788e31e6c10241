import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createAuditNotificationBridge,
  RejectedNotificationsError,
} from '../../../../functions/audit-notification-bridge/bridge';
import { createEventPublisher } from '../../../../src/adapters/eventbridge';
import { readJson } from '../../../fixtures';

const eventBridge = mockClient(EventBridgeClient);
const settings = { eventBusName: 'audit-bus', source: 'test.iot.audit', detailType: 'Audit Task Completed' };
const snsEvent = readJson('events/sns-audit-notification.json') as {
  Records: Array<{ Sns: Record<string, unknown> }>;
};
const goodRecord = snsEvent.Records[0];
const notification = JSON.parse(String(goodRecord?.Sns.Message)) as {
  auditDetails: Record<string, unknown>[];
};

function eventWithMessage(message: string) {
  return { Records: [{ ...goodRecord, Sns: { ...goodRecord?.Sns, MessageId: 'm-1', Message: message } }] };
}

function setup() {
  const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn(), appendKeys: vi.fn() };
  const metrics = { count: vi.fn(), nonCompliantResources: vi.fn() };
  const publish = createEventPublisher({
    client: new EventBridgeClient({ region: 'us-east-1' }),
    sleep: async () => {},
  });
  return { bridge: createAuditNotificationBridge({ publish, settings, logger, metrics }), metrics };
}

const NEW_CHECK = 'SOME_CHECK_AWS_ADDED_LATER_CHECK';
const SHARED = {
  checkName: 'DEVICE_CERTIFICATE_SHARED_CHECK',
  checkRunStatus: 'COMPLETED_NON_COMPLIANT',
  nonCompliantResourcesCount: 3,
  totalResourcesCount: 100,
};

describe('audit-notification bridge, hostile and unexpected notifications', () => {
  beforeEach(() => {
    eventBridge.reset();
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
  });

  it('bridges a notification with an unknown check and counts it in UnknownChecks', async () => {
    // Prepare
    const { bridge, metrics } = setup();
    const message = JSON.stringify({
      ...notification,
      auditDetails: [
        ...notification.auditDetails,
        {
          checkName: NEW_CHECK,
          checkRunStatus: 'COMPLETED_NON_COMPLIANT',
          nonCompliantResourcesCount: 2,
          totalResourcesCount: 5,
        },
      ],
    });

    // Act
    const result = await bridge(eventWithMessage(message));

    // Assess
    expect(result).toEqual({ bridged: 1 });
    expect(metrics.count).toHaveBeenCalledWith('UnknownChecks', 1);
    const detail = JSON.parse(
      String(eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0]?.Detail),
    );
    expect(detail.auditDetails.map((d: { checkName: string }) => d.checkName)).toContain(NEW_CHECK);
  });

  it('does not count UnknownChecks when every check is known', async () => {
    const { bridge, metrics } = setup();
    await bridge(eventWithMessage(String(goodRecord?.Sns.Message)));
    expect(metrics.count).not.toHaveBeenCalledWith('UnknownChecks', expect.anything());
  });

  it('rejects the same check twice (split counts, each under a guardrail), naming both positions', async () => {
    // Prepare
    const { bridge } = setup();
    const message = JSON.stringify({ ...notification, auditDetails: [SHARED, { ...SHARED }] });

    // Act
    const act = bridge(eventWithMessage(message));

    // Assess
    await expect(act).rejects.toThrow(RejectedNotificationsError);
    await expect(act).rejects.toThrow(
      'Sns.Message.auditDetails[1].checkName: DEVICE_CERTIFICATE_SHARED_CHECK appears twice (also auditDetails[0])',
    );
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('rejects a duplicate JSON key in the SNS Message, naming the key and its path', async () => {
    // Prepare: JSON.parse would keep the last count (1) and hide the first (12).
    const { bridge } = setup();
    const text = JSON.stringify({ ...notification, auditDetails: [SHARED] }).replace(
      '"nonCompliantResourcesCount":3',
      '"nonCompliantResourcesCount":12,"nonCompliantResourcesCount":1',
    );

    // Act
    const act = bridge(eventWithMessage(text));

    // Assess
    await expect(act).rejects.toThrow(
      "Sns.Message.auditDetails[0].nonCompliantResourcesCount: duplicate key 'nonCompliantResourcesCount'",
    );
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });
});
