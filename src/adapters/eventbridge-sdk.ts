// What lazyEventSink (./lazy-event-sink.ts) imports on demand: the EventBridge client and the adapter.
// A dynamic import of '@aws-sdk/client-eventbridge' itself would keep every command of the service.
export { EventBridgeClient } from '@aws-sdk/client-eventbridge';
export { createEventPublisher, createEventSink } from './eventbridge';
