import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { type BusEvent, createEventPublisher, PutEventsFailedError } from '../../../src/adapters/eventbridge';

const eventBridge = mockClient(EventBridgeClient);
afterEach(() => eventBridge.reset());

/** A mock that refuses what the API refuses: Entries must hold 1 to 10 items (PutEvents model). */
function acceptAll(): void {
  eventBridge.on(PutEventsCommand).callsFake((input: { Entries?: unknown[] }) => {
    const n = input.Entries?.length ?? 0;
    if (n < 1 || n > 10)
      throw Object.assign(new Error(`Entries has ${n} items`), { name: 'ValidationException' });
    return { FailedEntryCount: 0, Entries: Array.from({ length: n }, (_, i) => ({ EventId: `e-${i}` })) };
  });
}
const batches = () => eventBridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries ?? []);

function events(n: number): BusEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    eventBusName: 'bus',
    source: 'custom.iot.devicedefender',
    detailType: 'Audit Task Completed',
    detail: { taskId: `audit-${i}` },
  }));
}

describe('EventBridge adapter: PutEvents entries', () => {
  it('sends every field of an entry', async () => {
    acceptAll();
    const time = new Date('2026-01-02T03:04:05Z');
    await createEventPublisher({ client: new EventBridgeClient({}) })([
      {
        eventBusName: 'audit-bus',
        source: 'custom.iot.devicedefender',
        detailType: 'Audit Task Completed',
        detail: { taskId: 'a', n: 1 },
        resources: ['arn:aws:iot:us-east-1:123456789012:audittask/a'],
        time,
      },
      { eventBusName: 'default', source: 's', detailType: 'd', detail: 'text' },
    ]);
    const expected: PutEventsRequestEntry[] = [
      {
        EventBusName: 'audit-bus',
        Source: 'custom.iot.devicedefender',
        DetailType: 'Audit Task Completed',
        Detail: '{"taskId":"a","n":1}',
        Resources: ['arn:aws:iot:us-east-1:123456789012:audittask/a'],
        Time: time,
      },
      { EventBusName: 'default', Source: 's', DetailType: 'd', Detail: '"text"' },
    ];
    expect(batches()).toEqual([expected]);
    expect(Object.keys(batches()[0]?.[1] ?? {})).toEqual(['EventBusName', 'Source', 'DetailType', 'Detail']);
  });

  it.each([
    [0, []],
    [1, [1]],
    [10, [10]],
    [11, [10, 1]],
    [20, [10, 10]],
    [25, [10, 10, 5]],
  ])('%i events: batches of %j, never an empty one, in order', async (n, sizes) => {
    acceptAll();
    await createEventPublisher({ client: new EventBridgeClient({}) })(events(n));
    expect(batches().map((b) => b.length)).toEqual(sizes);
    expect(
      batches()
        .flat()
        .map((e) => JSON.parse(e.Detail ?? '').taskId),
    ).toEqual(events(n).map((e) => (e.detail as { taskId: string }).taskId));
  });
});

describe('EventBridge adapter: partial failures', () => {
  it('re-sends only the refused entries, after a jittered, capped, growing delay', async () => {
    // Prepare: the second entry is refused twice, then accepted.
    let call = 0;
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => {
      call += 1;
      if (call <= 2) {
        const entries = input.Entries.map((_, i) =>
          i === input.Entries.length - 1
            ? { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow' }
            : { EventId: `e${i}` },
        );
        return { FailedEntryCount: 1, Entries: entries };
      }
      return { FailedEntryCount: 0, Entries: input.Entries.map((_, i) => ({ EventId: `r${i}` })) };
    });
    const sleeps: number[] = [];

    // Act
    await createEventPublisher({
      client: new EventBridgeClient({}),
      maxAttempts: 3,
      baseDelayMs: 100,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 0.5,
    })(events(2));

    // Assess
    expect(batches().map((b) => b.map((e) => JSON.parse(e.Detail ?? '').taskId))).toEqual([
      ['audit-0', 'audit-1'],
      ['audit-1'],
      ['audit-1'],
    ]);
    expect(sleeps).toEqual([50, 100]);
  });

  it('caps the delay at 5 s', async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'X', ErrorMessage: 'no' }] });
    const sleeps: number[] = [];
    const publish = createEventPublisher({
      client: new EventBridgeClient({}),
      maxAttempts: 4,
      baseDelayMs: 2_000,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 1,
    });
    await expect(publish(events(1))).rejects.toBeInstanceOf(PutEventsFailedError);
    expect(sleeps).toEqual([2_000, 4_000, 5_000]);
  });

  it('throws PutEventsFailedError naming the refused entries by their index in the input, after maxAttempts', async () => {
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
      FailedEntryCount: 1,
      // The batch's last result entry is missing altogether.
      Entries: input.Entries.slice(0, -1).map((_, i) => ({ EventId: `e${i}` })),
    }));
    const error = (await createEventPublisher({
      client: new EventBridgeClient({}),
      maxAttempts: 2,
      sleep: async () => undefined,
    })(events(12)).catch((e: unknown) => e)) as PutEventsFailedError;
    expect(error).toBeInstanceOf(PutEventsFailedError);
    expect(error.name).toBe('PutEventsFailedError');
    expect(error.refused).toEqual([
      { index: 9, errorCode: 'Unknown', errorMessage: 'no result entry returned' },
      { index: 11, errorCode: 'Unknown', errorMessage: 'no result entry returned' },
    ]);
    expect(error.message).toBe('EventBridge refused 2 event(s) after 2 attempt(s): Unknown');
    expect(batches().map((b) => b.length)).toEqual([10, 1, 2, 1]);
  });

  it('uses 3 attempts by default and names each distinct error code once', async () => {
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
      FailedEntryCount: input.Entries.length,
      Entries: input.Entries.map((_, i) => ({ ErrorCode: i === 0 ? 'A' : 'B', ErrorMessage: 'm' })),
    }));
    const error = (await createEventPublisher({
      client: new EventBridgeClient({}),
      sleep: async () => undefined,
    })(events(3)).catch((e: unknown) => e)) as PutEventsFailedError;
    expect(batches()).toHaveLength(3);
    expect(error.message).toBe('EventBridge refused 3 event(s) after 3 attempt(s): A, B');
  });
});
