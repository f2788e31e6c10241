import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createAuditNotificationBridge,
  RejectedNotificationsError,
} from '../../../../functions/audit-notification-bridge/bridge';
import { createEventPublisher, PutEventsFailedError } from '../../../../src/adapters/eventbridge';
import { InvalidEventError, parseAuditCompletionInput } from '../../../../src/core';
import { readJson } from '../../../fixtures';

const eventBridge = mockClient(EventBridgeClient);

const settings = { eventBusName: 'audit-bus', source: 'test.iot.audit', detailType: 'Audit Task Completed' };

/** The SNS event of events/sns-audit-notification.json, and its record. */
const snsEvent = readJson('events/sns-audit-notification.json') as {
  Records: Array<{ Sns: Record<string, unknown> }>;
};
const goodRecord = snsEvent.Records[0];
const notification = JSON.parse(String(goodRecord?.Sns.Message)) as Record<string, unknown>;

function snsRecord(messageId: string, message: unknown) {
  return {
    ...goodRecord,
    Sns: {
      ...goodRecord?.Sns,
      MessageId: messageId,
      Message: typeof message === 'string' ? message : JSON.stringify(message),
    },
  };
}

function setup(options: { maxAttempts?: number } = {}) {
  const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn(), appendKeys: vi.fn() };
  const metrics = { count: vi.fn(), nonCompliantResources: vi.fn() };
  const sleep = vi.fn(async () => {});
  const publish = createEventPublisher({
    client: new EventBridgeClient({ region: 'us-east-1' }),
    sleep,
    ...options,
  });
  const bridge = createAuditNotificationBridge({ publish, settings, logger, metrics });
  return { bridge, logger, metrics, sleep };
}

const putCalls = () => eventBridge.commandCalls(PutEventsCommand).map((call) => call.args[0].input);

describe('audit-notification bridge', () => {
  beforeEach(() => {
    eventBridge.reset();
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('puts one normalised audit-completion event per valid notification', async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
    const { bridge, metrics } = setup();

    // Act
    const result = await bridge(snsEvent);

    // Assess
    expect(result).toEqual({ bridged: 1 });
    const calls = putCalls();
    expect(calls).toHaveLength(1);
    const entries = calls[0]?.Entries ?? [];
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      EventBusName: 'audit-bus',
      Source: 'test.iot.audit',
      DetailType: 'Audit Task Completed',
    });
    const expected = parseAuditCompletionInput(goodRecord);
    expect(expected.kind).toBe('notification');
    const detail = JSON.parse(String(entries[0]?.Detail));
    expect(detail).toEqual(expected.kind === 'notification' ? expected.notification : undefined);
    expect(detail.taskId).toBe(notification.taskId);
    expect(metrics.count).toHaveBeenCalledWith('NotificationsBridged', 1);
    expect(metrics.nonCompliantResources).toHaveBeenCalledWith('LOGGING_DISABLED_CHECK', 1);
  });

  it('puts the good records of a batch and fails the invocation with the bad one and its problems', async () => {
    // Prepare
    eventBridge
      .on(PutEventsCommand)
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'a' }, { EventId: 'b' }] });
    const { bridge, logger, metrics } = setup();
    const bad = snsRecord('bad-1', { ...notification, taskId: 'not a valid id!', auditDetails: 'nope' });
    const event = {
      Records: [
        snsRecord('good-1', notification),
        bad,
        snsRecord('good-2', { ...notification, taskId: 'abcdef0123456789' }),
      ],
    };

    // Act
    const failure = await bridge(event).catch((error: unknown) => error);

    // Assess
    expect(failure).toBeInstanceOf(RejectedNotificationsError);
    const error = failure as RejectedNotificationsError;
    expect(error.name).toBe('RejectedNotificationsError');
    expect(error.rejected.map((r) => r.messageId)).toEqual(['bad-1']);
    expect(error.message).toContain('1 of 3 audit notification(s) rejected');
    expect(error.message).toContain('bad-1');
    expect(error.message).toContain('Sns.Message.taskId');
    expect(error.message).toContain('Sns.Message.auditDetails');
    const entries = putCalls()[0]?.Entries ?? [];
    expect(entries.map((e) => JSON.parse(String(e.Detail)).taskId)).toEqual([
      notification.taskId,
      'abcdef0123456789',
    ]);
    expect(logger.error).toHaveBeenCalledWith(
      'Audit notification rejected',
      expect.objectContaining({ messageId: 'bad-1' }),
    );
    expect(metrics.count).toHaveBeenCalledWith('NotificationsRejected', 1);
  });

  it.each([
    ['a message that is not JSON', snsRecord('m-1', '{not json')],
    [
      'a message without auditDetails',
      snsRecord('m-2', { taskId: 'abc', accountId: '123456789012', extra: 1 }),
    ],
  ])('rejects %s without putting anything', async (_name, record) => {
    const { bridge } = setup();

    await expect(bridge({ Records: [record] })).rejects.toThrow(RejectedNotificationsError);

    expect(putCalls()).toHaveLength(0);
  });

  it('refuses an event that is not an SNS event', async () => {
    const { bridge } = setup();

    await expect(bridge({ detail: {} })).rejects.toThrow(InvalidEventError);
    expect(putCalls()).toHaveLength(0);
  });

  it('re-sends only the refused entries when PutEvents partly fails', async () => {
    // Prepare: the second entry is throttled once.
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 1,
        Entries: [{ EventId: 'a' }, { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }],
      })
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'b' }] });
    const { bridge, sleep } = setup();
    const event = {
      Records: [snsRecord('m-1', notification), snsRecord('m-2', { ...notification, taskId: 'ffff' })],
    };

    // Act
    await bridge(event);

    // Assess
    const calls = putCalls();
    expect(calls).toHaveLength(2);
    expect(calls[1]?.Entries?.map((e) => JSON.parse(String(e.Detail)).taskId)).toEqual(['ffff']);
    expect(sleep).toHaveBeenCalledTimes(1);
  });

  it('retries a refused entry, then fails loudly with its error code', async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'internal error' }],
    });
    const { bridge, metrics } = setup({ maxAttempts: 3 });

    // Act
    const failure = await bridge(snsEvent).catch((error: unknown) => error);

    // Assess
    expect(failure).toBeInstanceOf(PutEventsFailedError);
    const error = failure as PutEventsFailedError;
    expect(error.name).toBe('PutEventsFailedError');
    expect(error.message).toBe('EventBridge refused 1 event(s) after 3 attempt(s): InternalFailure');
    expect(error.refused).toEqual([
      { index: 0, errorCode: 'InternalFailure', errorMessage: 'internal error' },
    ]);
    expect(putCalls()).toHaveLength(3);
    expect(metrics.count).not.toHaveBeenCalledWith('NotificationsBridged', expect.anything());
  });

  it('lets a PutEvents request error through (the SDK has already retried it)', async () => {
    eventBridge
      .on(PutEventsCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    const { bridge } = setup();

    await expect(bridge(snsEvent)).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });
});

describe('createEventPublisher', () => {
  beforeEach(() => {
    eventBridge.reset();
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
      FailedEntryCount: 0,
      Entries: input.Entries.map((_, i) => ({ EventId: `e-${i}` })),
    }));
  });

  it('sends at most 10 entries per PutEvents request', async () => {
    const publish = createEventPublisher({ client: new EventBridgeClient({ region: 'us-east-1' }) });
    const events = Array.from({ length: 23 }, (_, i) => ({
      eventBusName: 'default',
      source: 's',
      detailType: 'd',
      detail: { i },
    }));

    await publish(events);

    expect(putCalls().map((call) => call.Entries?.length)).toEqual([10, 10, 3]);
  });
});
