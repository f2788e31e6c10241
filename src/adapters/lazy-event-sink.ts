import type { EventSink } from '../app/ports';

/**
 * An EventSink over EventBridge whose client is imported and built on the first put, then kept. For a
 * function that puts events only now and then (start-mitigation: the notify-policy checks' event), so
 * that the EventBridge client (about 15 kB of SDK code, a chunk of its own in the bundle) stays out
 * of the cold start of the invocations that never put one.
 */
export function lazyEventSink(bus: { eventBusName: string; source: string }): EventSink {
  let sink: Promise<EventSink> | undefined;
  return {
    async put(events) {
      sink ??= import('./eventbridge-sdk').then(
        ({ EventBridgeClient, createEventPublisher, createEventSink }) =>
          createEventSink(createEventPublisher({ client: new EventBridgeClient({}) }), bus),
      );
      return (await sink).put(events);
    },
  };
}
