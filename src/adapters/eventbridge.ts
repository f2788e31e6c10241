import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
  type PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge';
import type { EventSink } from '../app/ports';

/** One event to put on a bus; `detail` is serialised to JSON. */
export interface BusEvent {
  readonly eventBusName: string;
  readonly source: string;
  readonly detailType: string;
  readonly detail: unknown;
  readonly resources?: readonly string[];
  readonly time?: Date;
}

/** An entry EventBridge refused for good, with the error code it answered. */
export interface RefusedEntry {
  readonly index: number;
  readonly errorCode: string;
  readonly errorMessage: string;
}

/** Some entries were still refused after every attempt; `refused` names them by their index in the input. */
export class PutEventsFailedError extends Error {
  readonly refused: readonly RefusedEntry[];

  constructor(refused: readonly RefusedEntry[], attempts: number, options?: { cause?: unknown }) {
    const codes = [...new Set(refused.map((r) => r.errorCode))].join(', ');
    super(`EventBridge refused ${refused.length} event(s) after ${attempts} attempt(s): ${codes}`, options);
    this.name = 'PutEventsFailedError';
    this.refused = refused;
  }
}

/** Puts events on EventBridge; resolves once every event is accepted, otherwise throws PutEventsFailedError. */
export type PublishEvents = (events: readonly BusEvent[]) => Promise<void>;

export interface EventPublisherOptions {
  readonly client: EventBridgeClient;
  /** Attempts per entry for partial failures (FailedEntryCount > 0); default 3. */
  readonly maxAttempts?: number;
  /** Base of the capped exponential backoff between attempts, full jitter; default 200 ms. */
  readonly baseDelayMs?: number;
  /** Injected for tests. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

// PutEvents accepts at most 10 entries per request.
// https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html
const MAX_ENTRIES_PER_REQUEST = 10;
const MAX_DELAY_MS = 5_000;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function toRequestEntry(event: BusEvent): PutEventsRequestEntry {
  return {
    EventBusName: event.eventBusName,
    Source: event.source,
    DetailType: event.detailType,
    Detail: JSON.stringify(event.detail),
    ...(event.resources ? { Resources: [...event.resources] } : {}),
    ...(event.time ? { Time: event.time } : {}),
  };
}

/**
 * Builds the publisher over an EventBridge client.
 *
 * The SDK retries a request that fails as a whole (throttling, 5xx). A PutEvents answer of 200 with
 * FailedEntryCount > 0 is a partial failure that the SDK does not retry: the refused entries (and
 * only those) are sent again here, with capped exponential backoff and full jitter, as the API
 * reference asks. Entries still refused after the last attempt make the call throw, so the caller's
 * invocation fails and its retry / dead-letter path takes over; nothing is dropped silently.
 */
export function createEventPublisher(options: EventPublisherOptions): PublishEvents {
  const { client, maxAttempts = 3, baseDelayMs = 200, sleep = defaultSleep, random = Math.random } = options;

  async function putBatch(
    entries: readonly PutEventsRequestEntry[],
    offset: number,
  ): Promise<RefusedEntry[]> {
    let pending = entries.map((entry, i) => ({ entry, index: offset + i }));
    let refused: RefusedEntry[] = [];
    for (let attempt = 1; attempt <= maxAttempts && pending.length > 0; attempt++) {
      if (attempt > 1) await sleep(random() * Math.min(MAX_DELAY_MS, baseDelayMs * 2 ** (attempt - 2)));
      const output = await client.send(new PutEventsCommand({ Entries: pending.map((p) => p.entry) }));
      if (!output.FailedEntryCount) return [];
      const results: (PutEventsResultEntry | undefined)[] = output.Entries ?? [];
      const stillPending: typeof pending = [];
      refused = [];
      pending.forEach((p, i) => {
        const result = results[i];
        // Result entries are in request order; one without an EventId was refused.
        if (result?.EventId) return;
        stillPending.push(p);
        refused.push({
          index: p.index,
          errorCode: result?.ErrorCode ?? 'Unknown',
          errorMessage: result?.ErrorMessage ?? 'no result entry returned',
        });
      });
      pending = stillPending;
    }
    return refused;
  }

  return async function publish(events) {
    const entries = events.map(toRequestEntry);
    const refused: RefusedEntry[] = [];
    for (let offset = 0; offset < entries.length; offset += MAX_ENTRIES_PER_REQUEST) {
      refused.push(...(await putBatch(entries.slice(offset, offset + MAX_ENTRIES_PER_REQUEST), offset)));
    }
    if (refused.length > 0) throw new PutEventsFailedError(refused, maxAttempts);
  };
}

/** The EventSink of a use case: its events on one bus with one source, through a publisher. */
export function createEventSink(
  publish: PublishEvents,
  bus: { eventBusName: string; source: string },
): EventSink {
  return {
    put: (events) =>
      publish(
        events.map((event) => ({
          eventBusName: bus.eventBusName,
          source: bus.source,
          detailType: event.detailType,
          detail: event.detail,
        })),
      ),
  };
}
