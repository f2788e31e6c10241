import { type Channel, channel } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';

export interface ClientRequestCounter {
  /** HTTP requests of this process to the endpoint, from their creation until they close. */
  readonly inFlight: number;
  stop(): void;
}

const created: Channel = channel('http.client.request.created');

/**
 * Counts the HTTP requests this process makes to `url` (the local stack's endpoint), seen from the
 * client: from the moment a request is created, before its connection is open, to the moment its
 * response has been read. The functions run in this process, so this is what tells a handler waiting
 * for an answer (busy: time must not jump) from a handler whose SDK is backing off on a real timer
 * (not busy: virtual time passes as it would in the cloud, so throttling buckets refill).
 */
export function countClientRequests(url: string): ClientRequestCounter {
  const host = new URL(url).host;
  let inFlight = 0;
  const onCreated = (message: unknown): void => {
    const request = (message as { request: ClientRequest }).request;
    if (request.getHeader('host') !== host) return;
    inFlight += 1;
    request.once('close', () => {
      inFlight -= 1;
    });
  };
  created.subscribe(onCreated);
  return {
    get inFlight() {
      return inFlight;
    },
    stop() {
      created.unsubscribe(onCreated);
    },
  };
}
