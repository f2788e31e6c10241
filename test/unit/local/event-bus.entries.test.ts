import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BusEvent, createEventPublisher } from '../../../src/adapters/eventbridge';
import { VirtualClock } from '../../../src/local/clock';
import { createLocalEventBus } from '../../../src/local/event-bus';
import { createGateway } from '../../../src/local/gateway';

// The local EventBridge holds PutEvents to the model: Entries is a list of 1 to 10 items
// (PutEventsRequestEntryList, min 1, max 10, in the botocore events model), so a publisher that
// sent an empty trailing batch fails here as it would in AWS.

let gateway: ReturnType<typeof createGateway>;
let client: EventBridgeClient;

beforeAll(async () => {
  const bus = createLocalEventBus({
    clock: new VirtualClock(),
    accountId: '123456789012',
    region: 'us-east-1',
  });
  gateway = createGateway([{ name: 'events', targetPrefix: 'AWSEvents', handle: bus.handle }]);
  client = new EventBridgeClient({
    endpoint: await gateway.listen(0),
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
});
afterAll(async () => {
  client.destroy();
  await gateway.close();
});

const entry = { Source: 's', DetailType: 'd', Detail: '{}' };

describe('local EventBridge: PutEvents Entries 1..10', () => {
  it.each([0, 11])('refuses %i entries with a ValidationException', async (n) => {
    const error = await client
      .send(new PutEventsCommand({ Entries: Array.from({ length: n }, () => entry) }))
      .catch((e: unknown) => e);
    expect((error as Error).name).toBe('ValidationException');
    expect((error as Error).message).toContain("at 'entries' failed to satisfy constraint");
  });

  it.each([1, 10])('accepts %i entries', async (n) => {
    const out = await client.send(new PutEventsCommand({ Entries: Array.from({ length: n }, () => entry) }));
    expect(out.FailedEntryCount).toBe(0);
    expect(out.Entries).toHaveLength(n);
  });

  it.each([10, 20, 21])('the publisher puts %i events without an empty batch', async (n) => {
    const events: BusEvent[] = Array.from({ length: n }, (_, i) => ({
      eventBusName: 'default',
      source: 's',
      detailType: 'd',
      detail: { i },
    }));
    await expect(createEventPublisher({ client })(events)).resolves.toBeUndefined();
  });
});
