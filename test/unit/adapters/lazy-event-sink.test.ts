import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { lazyEventSink } from '../../../src/adapters/lazy-event-sink';

const eventBridge = mockClient(EventBridgeClient);
afterEach(() => eventBridge.reset());

describe('lazyEventSink', () => {
  it('puts each batch on its bus with its source, through one client built on the first put', async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries?: unknown[] }) => ({
      FailedEntryCount: 0,
      Entries: (input.Entries ?? []).map((_, i) => ({ EventId: `e-${i}` })),
    }));
    const sink = lazyEventSink({ eventBusName: 'audit-bus', source: 'custom.iot.devicedefender' });

    // Act
    await sink.put([{ detailType: 'Audit Findings Notified', detail: { eventId: 'notify-a1' } }]);
    await sink.put([{ detailType: 'Audit Findings Notified', detail: { eventId: 'notify-a2' } }]);

    // Assess
    const calls = eventBridge.commandCalls(PutEventsCommand);
    expect(calls.map((c) => c.args[0].input.Entries)).toEqual([
      [
        {
          EventBusName: 'audit-bus',
          Source: 'custom.iot.devicedefender',
          DetailType: 'Audit Findings Notified',
          Detail: '{"eventId":"notify-a1"}',
        },
      ],
      [
        {
          EventBusName: 'audit-bus',
          Source: 'custom.iot.devicedefender',
          DetailType: 'Audit Findings Notified',
          Detail: '{"eventId":"notify-a2"}',
        },
      ],
    ]);
    expect(new Set(calls.map((c) => c.thisValue)).size).toBe(1);
  });

  it('fails the put when EventBridge refuses an entry for good', async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }],
    });
    const sink = lazyEventSink({ eventBusName: 'default', source: 's' });

    // Act + Assess
    await expect(sink.put([{ detailType: 'd', detail: {} }])).rejects.toThrow(/InternalFailure/);
  });
});
