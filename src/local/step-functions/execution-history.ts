/**
 * The execution history the local Step Functions records (GetExecutionHistory): one event per state
 * entered and exited, per Task scheduled, started, submitted and ended, and the execution's start and
 * end, ids from 1 in order, timestamps from the stack's clock.
 */

import type { JsonValue } from './json-value';

/**
 * Events that keep their input or output, per execution. Older events keep everything else and
 * answer `truncated: true` without the data: a deferred start retried hundreds of times in each of
 * a thousand executions would otherwise keep every attempt's state in memory. The events a caller
 * looks for in a running execution (the TaskScheduled of the callback it waits on) are recent, and
 * TaskScheduled's parameters are always kept. 200, not less: the approval's answer is read once the
 * execution ended, after the verification audit's states (about 80 events for an audit of a minute).
 */
export const HISTORY_DATA_WINDOW = 200;

/** One recorded event; its id is its position in the history plus one. */
export interface HistoryEvent {
  /** The API's HistoryEventType: ExecutionStarted, TaskStateEntered, TaskScheduled... */
  readonly type: string;
  /** Clock milliseconds. */
  readonly timestamp: number;
  /** The state (State events) or the Task state (Task events) it belongs to. */
  readonly state: string | undefined;
  /** Input (ExecutionStarted, <Type>StateEntered) or output (the others that carry one). */
  data: JsonValue | undefined;
  /** TaskScheduled's parameters and limits, Task/Execution errors and causes. */
  readonly details: Readonly<Record<string, string | number>> | undefined;
}

/** Which details member of the API's HistoryEvent each type fills, and which data member it has. */
const SHAPES: Readonly<Record<string, readonly [string, ('input' | 'output')?]>> = {
  ExecutionStarted: ['executionStartedEventDetails', 'input'],
  ExecutionSucceeded: ['executionSucceededEventDetails', 'output'],
  ExecutionFailed: ['executionFailedEventDetails'],
  ExecutionAborted: ['executionAbortedEventDetails'],
  ExecutionTimedOut: ['executionTimedOutEventDetails'],
  TaskScheduled: ['taskScheduledEventDetails'],
  TaskStarted: ['taskStartedEventDetails'],
  TaskSubmitted: ['taskSubmittedEventDetails', 'output'],
  TaskSucceeded: ['taskSucceededEventDetails', 'output'],
  TaskFailed: ['taskFailedEventDetails'],
  TaskTimedOut: ['taskTimedOutEventDetails'],
};

function shapeOf(type: string): readonly [string, ('input' | 'output')?] {
  const known = SHAPES[type];
  if (known) return known;
  if (type.endsWith('StateEntered')) return ['stateEnteredEventDetails', 'input'];
  if (type.endsWith('StateExited')) return ['stateExitedEventDetails', 'output'];
  throw new Error(`No history shape for the event type ${type}`);
}

/** A history being written: events in order, the data of old ones dropped (HISTORY_DATA_WINDOW). */
export interface HistoryRecorder {
  readonly events: readonly HistoryEvent[];
  record(
    type: string,
    timestamp: number,
    fields?: { state?: string; data?: JsonValue; details?: Record<string, string | number> },
  ): void;
}

/** A recorder; a disabled one records nothing (runs that nobody will ask about). */
export function createHistoryRecorder(enabled: boolean): HistoryRecorder {
  const events: HistoryEvent[] = [];
  // The details last recorded per event type and state: a deferred start retried hundreds of times
  // schedules the same parameters and fails with the same error each time, and the events of every
  // attempt share one object instead of holding copies of the same strings.
  const lastDetails = new Map<string, Record<string, string | number>>();
  const shared = (key: string, details: Record<string, string | number> | undefined) => {
    if (details === undefined) return undefined;
    const last = lastDetails.get(key);
    const keys = Object.keys(details);
    if (last && Object.keys(last).length === keys.length && keys.every((k) => last[k] === details[k]))
      return last;
    lastDetails.set(key, details);
    return details;
  };
  return {
    events,
    record(type, timestamp, fields = {}) {
      if (!enabled) return;
      const details = shared(`${type}\n${fields.state ?? ''}`, fields.details);
      // One object shape for every event keeps them small.
      events.push({ type, timestamp, state: fields.state, data: fields.data, details });
      const old = events[events.length - 1 - HISTORY_DATA_WINDOW];
      if (old) old.data = undefined;
    },
  };
}

/**
 * The Task resource as history events name it: `arn:aws:states:::lambda:invoke.waitForTaskToken` is
 * resourceType `lambda`, resource `invoke.waitForTaskToken`; `arn:aws:states:::aws-sdk:iot:describe…`
 * is `aws-sdk:iot`, `describe…`.
 */
export function taskResourceOf(resourceArn: string): { resourceType: string; resource: string } {
  const path = resourceArn.replace(/^arn:aws[a-z-]*:states:::/, '');
  const split = path.lastIndexOf(':');
  return split < 0
    ? { resourceType: path, resource: path }
    : { resourceType: path.slice(0, split), resource: path.slice(split + 1) };
}

export interface HistoryOutputOptions {
  /** Whether inputs and outputs are included (GetExecutionHistory's includeExecutionData). */
  readonly includeData: boolean;
  /** The region of TaskScheduled events. */
  readonly region: string;
  /** ExecutionStarted's roleArn. */
  readonly roleArn: string;
  /** The Resource of each Task state, by state name. */
  readonly resources: Readonly<Record<string, string>>;
}

/** An event as GetExecutionHistory answers it (awsJson: timestamps in epoch seconds). */
export function historyEventOutput(
  event: HistoryEvent,
  id: number,
  options: HistoryOutputOptions,
): Record<string, unknown> {
  const [detailsMember, dataMember] = shapeOf(event.type);
  const details: Record<string, unknown> = {};
  if (event.type.startsWith('Task') && !event.type.startsWith('TaskState')) {
    Object.assign(details, taskResourceOf(options.resources[event.state ?? ''] ?? ''));
    if (event.type === 'TaskScheduled') details.region = options.region;
  } else if (event.state !== undefined) {
    details.name = event.state;
  }
  if (event.type === 'ExecutionStarted') details.roleArn = options.roleArn;
  Object.assign(details, event.details);
  if (dataMember !== undefined && options.includeData) {
    const dropped = event.data === undefined;
    if (!dropped) details[dataMember] = JSON.stringify(event.data);
    details[`${dataMember}Details`] = { truncated: dropped };
  }
  return {
    timestamp: event.timestamp / 1000,
    type: event.type,
    id,
    previousEventId: id - 1,
    [detailsMember]: details,
  };
}
