import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createEventPublisher, PutEventsFailedError } from '../../../src/adapters/eventbridge';

// PutEvents answers the SDK types allow but the happy path never shows: no result entries at all, and
// a FailedEntryCount that its entries do not bear out. Neither may drop an event or send an empty
// request (the API refuses Entries of 0 items).

const eventBridge = mockClient(EventBridgeClient);
afterEach(() => eventBridge.reset());

const event = {
  eventBusName: 'bus',
  source: 'custom.iot.devicedefender',
  detailType: 'Audit Task Completed',
  detail: { taskId: 'audit-1' },
};
const sentBatches = () =>
  eventBridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries?.length ?? 0);

describe('EventBridge adapter: unusual PutEvents answers', () => {
  it('takes an answer with FailedEntryCount and no Entries as every entry refused', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 2 });
    const error = await createEventPublisher({
      client: new EventBridgeClient({}),
      maxAttempts: 2,
      sleep: async () => undefined,
    })([event, event]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PutEventsFailedError);
    expect((error as PutEventsFailedError).refused).toEqual([
      { index: 0, errorCode: 'Unknown', errorMessage: 'no result entry returned' },
      { index: 1, errorCode: 'Unknown', errorMessage: 'no result entry returned' },
    ]);
    expect(sentBatches()).toEqual([2, 2]);
  });

  it('sends nothing more when every entry has an EventId despite a FailedEntryCount', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ EventId: 'e-0' }] });
    await createEventPublisher({
      client: new EventBridgeClient({}),
      maxAttempts: 3,
      sleep: async () => undefined,
    })([event]);
    expect(sentBatches()).toEqual([1]);
  });
});
