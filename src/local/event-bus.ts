import { randomUUID } from 'node:crypto';
import { AwsJsonError, awsJsonHandler } from './aws-json-server';
import type { Clock } from './clock';
import { type EventPattern, matchesPattern } from './event-pattern';
import { validateRequest } from './model/validate';

/** An event as EventBridge delivers it to targets. */
export interface BusEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: unknown;
  readonly 'replay-name'?: string;
}

export interface LocalRule {
  readonly name: string;
  readonly busName: string;
  readonly pattern: EventPattern;
  /** The target, invoked asynchronously as EventBridge invokes a Lambda function. */
  readonly target: (event: BusEvent) => Promise<unknown>;
}

interface Archive {
  readonly name: string;
  readonly busName: string;
  readonly pattern: EventPattern;
  readonly events: { event: BusEvent; at: number }[];
}

interface Replay {
  readonly name: string;
  readonly archiveArn: string;
  state: 'STARTING' | 'RUNNING' | 'COMPLETED' | 'FAILED';
  readonly startTime: number;
  endTime?: number;
  lastReplayed?: number;
  readonly from: number;
  readonly to: number;
}

export interface DeadLetter {
  readonly rule: string;
  readonly event: BusEvent;
  readonly error: string;
}

export interface LocalEventBusOptions {
  readonly clock: Clock;
  readonly accountId: string;
  readonly region: string;
  /**
   * Delays before each retry of a failed target invocation. Lambda retries a failed asynchronous
   * invocation twice (about 1 and 2 minutes later) before its failure destination takes it.
   */
  readonly retryDelaysMs?: readonly number[];
}

/**
 * "The total entry size must be less than 256KB", an entry counting 14 bytes for Time when given and
 * the UTF-8 bytes of Source, DetailType, Detail and each of Resources
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html). A request over it
 * is refused whole with ValidationException (the limit is not in the API model).
 */
const MAX_REQUEST_ENTRIES_BYTES = 256 * 1024;

function entrySize(entry: Record<string, unknown>): number {
  const bytes = (value: unknown) => (typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : 0);
  const resources = Array.isArray(entry.Resources) ? entry.Resources : [];
  return (
    (entry.Time === undefined ? 0 : 14) +
    bytes(entry.Source) +
    bytes(entry.DetailType) +
    bytes(entry.Detail) +
    resources.reduce((total: number, resource) => total + bytes(resource), 0)
  );
}

/**
 * EventBridge in memory: PutEvents onto buses, rules that invoke in-process targets (ListRules,
 * DisableRule, EnableRule), archives (ListArchives, DescribeArchive), and StartReplay /
 * DescribeReplay, whose events carry `replay-name` as EventBridge sets it and go only to the
 * replay's FilterArns when it names some.
 */
export function createLocalEventBus(options: LocalEventBusOptions) {
  const { clock, accountId, region } = options;
  const retryDelays = options.retryDelaysMs ?? [60_000, 120_000];
  const rules: LocalRule[] = [];
  // Rules disabled through DisableRule, by ARN: their events are still archived, not delivered.
  const disabled = new Set<string>();
  const archives = new Map<string, Archive>();
  const replays = new Map<string, Replay>();
  const delivered: BusEvent[] = [];
  const deadLetters: DeadLetter[] = [];
  const pending = new Set<Promise<void>>();
  let inFlight = 0;

  const busArn = (name: string) => `arn:aws:events:${region}:${accountId}:event-bus/${name}`;
  const archiveArn = (name: string) => `arn:aws:events:${region}:${accountId}:archive/${name}`;
  // EventBridge leaves the bus out of the ARN of a rule on the default bus.
  const ruleArn = (busName: string, name: string) =>
    `arn:aws:events:${region}:${accountId}:rule/${busName === 'default' ? '' : `${busName}/`}${name}`;

  async function invoke(rule: LocalRule, event: BusEvent): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      inFlight++;
      try {
        await rule.target(event);
        return;
      } catch (error) {
        if (attempt >= retryDelays.length) {
          deadLetters.push({ rule: rule.name, event, error: (error as Error).message });
          return;
        }
      } finally {
        inFlight--;
      }
      await clock.sleep(retryDelays[attempt] ?? 0);
    }
  }

  /** Routes an event to the rules of its bus; a replay only to its FilterArns, when it has some. */
  function route(busName: string, event: BusEvent, filterArns?: readonly string[]): void {
    delivered.push(event);
    if (event['replay-name'] === undefined) {
      for (const archive of archives.values()) {
        if (archive.busName === busName && matchesPattern(archive.pattern, event))
          archive.events.push({ event, at: clock.now() });
      }
    }
    for (const rule of rules) {
      if (rule.busName !== busName || !matchesPattern(rule.pattern, event)) continue;
      const arn = ruleArn(rule.busName, rule.name);
      if (disabled.has(arn) || (filterArns && !filterArns.includes(arn))) continue;
      const delivery = invoke(rule, event).finally(() => pending.delete(delivery));
      pending.add(delivery);
    }
  }

  function busNameOf(value: unknown): string {
    if (value === undefined || value === '') return 'default';
    const text = String(value);
    return text.startsWith('arn:') ? text.slice(text.lastIndexOf('/') + 1) : text;
  }

  /** Puts one entry; the per-entry error EventBridge would report, or the event id. */
  function putEntry(
    entry: Record<string, unknown>,
  ): { EventId: string } | { ErrorCode: string; ErrorMessage: string } {
    if (
      typeof entry.Source !== 'string' ||
      typeof entry.DetailType !== 'string' ||
      typeof entry.Detail !== 'string'
    ) {
      return {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: 'Parameters Source, DetailType and Detail are required.',
      };
    }
    let detail: unknown;
    try {
      detail = JSON.parse(entry.Detail);
    } catch {
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    }
    if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    }
    const event: BusEvent = {
      version: '0',
      id: randomUUID(),
      'detail-type': entry.DetailType,
      source: entry.Source,
      account: accountId,
      time: new Date(typeof entry.Time === 'number' ? entry.Time * 1000 : clock.now())
        .toISOString()
        .replace(/\.\d{3}Z$/, 'Z'),
      region,
      resources: Array.isArray(entry.Resources) ? (entry.Resources as string[]) : [],
      detail,
    };
    route(busNameOf(entry.EventBusName), event);
    return { EventId: event.id };
  }

  /** PutEvents as the service takes it: the request is checked against the model, then its size. */
  function putEvents(entries: readonly Record<string, unknown>[]) {
    validateRequest('events', 'PutEvents', { Entries: entries });
    return putValidEvents(entries);
  }

  function putValidEvents(entries: readonly Record<string, unknown>[]) {
    const size = entries.reduce((total, entry) => total + entrySize(entry), 0);
    if (size > MAX_REQUEST_ENTRIES_BYTES) {
      throw new AwsJsonError(
        'ValidationException',
        'Total size of the entries in the request is over the limit.',
      );
    }
    const results = entries.map(putEntry);
    return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
  }

  function startReplay(input: Record<string, unknown>) {
    const name = String(input.ReplayName);
    const source = String(input.EventSourceArn);
    const archive = [...archives.values()].find((a) => archiveArn(a.name) === source);
    if (!archive) throw new AwsJsonError('ResourceNotFoundException', `Archive ${source} does not exist.`);
    if (replays.has(name))
      throw new AwsJsonError('ResourceAlreadyExistsException', `Replay ${name} already exists.`);
    const from = Number(input.EventStartTime) * 1000;
    const to = Number(input.EventEndTime) * 1000;
    if (!Number.isFinite(from) || !Number.isFinite(to) || from >= to) {
      throw new AwsJsonError('ValidationException', 'EventStartTime must be before EventEndTime.');
    }
    const replay: Replay = { name, archiveArn: source, state: 'STARTING', startTime: clock.now(), from, to };
    replays.set(name, replay);
    const target = (input.Destination ?? {}) as { Arn?: string; FilterArns?: unknown };
    const destination = busNameOf(target.Arn ?? archive.busName);
    const filterArns = Array.isArray(target.FilterArns) ? target.FilterArns.map(String) : undefined;
    // Replays run in the background, as in EventBridge: DescribeReplay reports their progress.
    void (async () => {
      await clock.sleep(1000);
      replay.state = 'RUNNING';
      // Both ends inclusive: an event archived at the very second of EventEndTime is replayed.
      for (const { event, at } of archive.events.filter((e) => e.at >= from && e.at <= to)) {
        route(destination, { ...event, id: randomUUID(), 'replay-name': name }, filterArns);
        replay.lastReplayed = at;
      }
      replay.state = 'COMPLETED';
      replay.endTime = clock.now();
    })();
    return {
      ReplayArn: `arn:aws:events:${region}:${accountId}:replay/${name}`,
      State: 'STARTING',
      StateReason: 'Replay started',
      ReplayStartTime: replay.startTime / 1000,
    };
  }

  function setRuleState(input: Record<string, unknown>, enabled: boolean): Record<string, never> {
    const name = String(input.Name);
    const busName = busNameOf(input.EventBusName);
    if (!rules.some((r) => r.name === name && r.busName === busName))
      throw new AwsJsonError(
        'ResourceNotFoundException',
        `Rule ${name} does not exist on EventBus ${busName}.`,
      );
    if (enabled) disabled.delete(ruleArn(busName, name));
    else disabled.add(ruleArn(busName, name));
    return {};
  }

  const handle = awsJsonHandler('AWSEvents', 'application/x-amz-json-1.1', {
    PutEvents: (input) => putValidEvents(input.Entries as Record<string, unknown>[]),
    StartReplay: startReplay,
    DescribeReplay(input) {
      const name = String(input.ReplayName);
      const replay = replays.get(name);
      if (!replay) throw new AwsJsonError('ResourceNotFoundException', `Replay ${name} does not exist.`);
      return {
        ReplayName: name,
        ReplayArn: `arn:aws:events:${region}:${accountId}:replay/${name}`,
        EventSourceArn: replay.archiveArn,
        State: replay.state,
        EventStartTime: replay.from / 1000,
        EventEndTime: replay.to / 1000,
        ReplayStartTime: replay.startTime / 1000,
        ...(replay.endTime ? { ReplayEndTime: replay.endTime / 1000 } : {}),
        ...(replay.lastReplayed ? { EventLastReplayedTime: replay.lastReplayed / 1000 } : {}),
      };
    },
    DisableRule: (input) => setRuleState(input, false),
    EnableRule: (input) => setRuleState(input, true),
    ListRules(input) {
      const busName = busNameOf(input.EventBusName);
      const prefix = typeof input.NamePrefix === 'string' ? input.NamePrefix : '';
      return {
        Rules: rules
          .filter((r) => r.busName === busName && r.name.startsWith(prefix))
          .map((r) => ({
            Name: r.name,
            Arn: ruleArn(r.busName, r.name),
            EventBusName: r.busName,
            EventPattern: JSON.stringify(r.pattern),
            State: disabled.has(ruleArn(r.busName, r.name)) ? 'DISABLED' : 'ENABLED',
          })),
      };
    },
    ListArchives(input) {
      const prefix = typeof input.NamePrefix === 'string' ? input.NamePrefix : '';
      return {
        Archives: [...archives.values()]
          .filter((a) => a.name.startsWith(prefix))
          .map((a) => ({
            ArchiveName: a.name,
            EventSourceArn: busArn(a.busName),
            State: 'ENABLED',
            EventCount: a.events.length,
          })),
      };
    },
    DescribeArchive(input) {
      const name = String(input.ArchiveName);
      const archive = archives.get(name);
      if (!archive) throw new AwsJsonError('ResourceNotFoundException', `Archive ${name} does not exist.`);
      return {
        ArchiveName: name,
        ArchiveArn: archiveArn(name),
        EventSourceArn: busArn(archive.busName),
        EventPattern: JSON.stringify(archive.pattern),
        State: 'ENABLED',
        EventCount: archive.events.length,
      };
    },
  });

  return {
    handle,
    /** PutEvents from inside the local stack (the state machine's completion events). */
    putEvents,
    busArn,
    archiveArn,
    ruleArn,
    addRule(rule: LocalRule): void {
      rules.push(rule);
    },
    addArchive(archive: { name: string; busName: string; pattern: EventPattern }): void {
      archives.set(archive.name, { ...archive, events: [] });
    },
    /** Every event put on any bus, replays included. */
    events: (): readonly BusEvent[] => delivered,
    deadLetters: (): readonly DeadLetter[] => deadLetters,
    /** Target invocations running now (not those waiting on the clock to retry). */
    get inFlight(): number {
      return inFlight;
    },
    /** Resolves when every delivery, retries included, has ended. */
    async drained(): Promise<void> {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}

export type LocalEventBus = ReturnType<typeof createLocalEventBus>;
