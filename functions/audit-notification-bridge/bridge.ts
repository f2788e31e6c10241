import type { BusEvent, PublishEvents } from '../../src/adapters/eventbridge';
import type { Log } from '../../src/app/ports';
import {
  type AuditCompletion,
  describeError,
  InvalidEventError,
  parseAuditCompletionInput,
  summariseNotification,
  toAuditCompletedEventDetail,
  unknownNonCompliantChecks,
} from '../../src/core';

/** Where the normalised audit-completion events go (from the function's environment). */
export interface BridgeSettings {
  readonly eventBusName: string;
  readonly source: string;
  readonly detailType: string;
}

/** The bridge's metrics (Powertools' Metrics in the cloud). */
export interface BridgeMetrics {
  count(name: 'NotificationsBridged' | 'NotificationsRejected' | 'UnknownChecks', value: number): void;
  /** Non-compliant resources that the audit found for one check (dimension CheckName). */
  nonCompliantResources(checkName: string, count: number): void;
}

export interface BridgeDependencies {
  readonly publish: PublishEvents;
  readonly settings: BridgeSettings;
  readonly logger: Log;
  readonly metrics: BridgeMetrics;
}

/** One SNS record that is not an audit notification, with the reason. */
export interface RejectedNotification {
  readonly messageId: string;
  readonly error: Record<string, unknown>;
}

/**
 * Some records of the SNS event were not audit notifications. Thrown after the valid ones were put
 * on the bus, so that the invocation fails and its on-failure destination (the bridge DLQ) keeps the
 * event with this message, which names every rejected record and its problems.
 */
export class RejectedNotificationsError extends Error {
  readonly rejected: readonly RejectedNotification[];

  constructor(rejected: readonly RejectedNotification[], total: number) {
    const details = rejected.map((r) => `${r.messageId}: ${String(r.error.message)}`).join(' | ');
    super(`${rejected.length} of ${total} audit notification(s) rejected: ${details}`);
    this.name = 'RejectedNotificationsError';
    this.rejected = rejected;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function messageIdOf(record: unknown, index: number): string {
  const sns = isObject(record) ? record.Sns : undefined;
  return isObject(sns) && typeof sns.MessageId === 'string' ? sns.MessageId : `Records[${index}]`;
}

/**
 * The bridge: every SNS record is validated with the core's schema; the valid ones become one
 * normalised audit-completion event each, put on the bus in one call; the invalid ones make the
 * invocation fail after that (RejectedNotificationsError). A PutEvents failure propagates
 * (PutEventsFailedError). SNS delivers one record per invocation, so in practice an invocation is
 * either bridged or rejected as a whole.
 */
export function createAuditNotificationBridge(deps: BridgeDependencies) {
  const { publish, settings, logger, metrics } = deps;

  return async function bridge(event: unknown): Promise<{ bridged: number }> {
    const records = isObject(event) ? event.Records : undefined;
    if (!Array.isArray(records) || records.length === 0) {
      throw new InvalidEventError([
        { path: 'Records', message: 'expected an SNS event with at least one record' },
      ]);
    }

    const accepted: { messageId: string; completion: AuditCompletion }[] = [];
    const rejected: RejectedNotification[] = [];
    records.forEach((record: unknown, index) => {
      const messageId = messageIdOf(record, index);
      try {
        accepted.push({ messageId, completion: parseAuditCompletionInput(record) });
      } catch (error) {
        if (!(error instanceof InvalidEventError)) throw error;
        rejected.push({ messageId, error: describeError(error) });
        logger.error('Audit notification rejected', { messageId, error: describeError(error) });
      }
    });

    if (accepted.length > 0) {
      const events: BusEvent[] = accepted.map(({ completion }) => ({
        eventBusName: settings.eventBusName,
        source: settings.source,
        detailType: settings.detailType,
        detail: toAuditCompletedEventDetail(completion),
      }));
      await publish(events);
      for (const { messageId, completion } of accepted) {
        const auditTaskId =
          completion.kind === 'notification' ? completion.notification.taskId : completion.auditTaskId;
        logger.info('Audit notification bridged', { messageId, auditTaskId, kind: completion.kind });
        if (completion.kind === 'notification') {
          for (const check of completion.notification.auditDetails) {
            metrics.nonCompliantResources(check.checkName, check.nonCompliantResourcesCount);
          }
          // Bridged, not rejected: the planner skips them; counted so that a catalog behind AWS is noticed.
          const unknown = unknownNonCompliantChecks(summariseNotification(completion.notification));
          if (unknown.length > 0) metrics.count('UnknownChecks', unknown.length);
        }
      }
      metrics.count('NotificationsBridged', accepted.length);
    }

    if (rejected.length > 0) {
      metrics.count('NotificationsRejected', rejected.length);
      throw new RejectedNotificationsError(rejected, records.length);
    }
    return { bridged: accepted.length };
  };
}
