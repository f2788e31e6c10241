import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { createEventPublisher } from '../../src/adapters/eventbridge';
import { AUDIT_COMPLETED_DETAIL_TYPE, DEFAULT_EVENT_SOURCE } from '../../src/core';
import { logFailure } from '../../src/middleware/log-failure';
import { createAuditNotificationBridge } from './bridge';

/** Entry point: a Device Defender audit notification from SNS -> a normalised audit-completion event on EventBridge. */

const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'audit-notification-bridge';
const logger = new Logger({ serviceName });
const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'IoTAuditRemediation',
  serviceName,
});

const bridge = createAuditNotificationBridge({
  // Built once per container; AWS_ENDPOINT_URL points the client at a local endpoint when set.
  publish: createEventPublisher({ client: new EventBridgeClient({}) }),
  settings: {
    eventBusName: process.env.EVENT_BUS_NAME || 'default',
    source: process.env.EVENT_SOURCE || DEFAULT_EVENT_SOURCE,
    detailType: process.env.EVENT_DETAIL_TYPE || AUDIT_COMPLETED_DETAIL_TYPE,
  },
  logger,
  metrics: {
    count: (name, value) => metrics.addMetric(name, MetricUnit.Count, value),
    nonCompliantResources: (checkName, count) => {
      const single = metrics.singleMetric();
      single.addDimension('CheckName', checkName);
      single.addMetric('NonCompliantResources', MetricUnit.Count, count);
    },
  },
});

export const handler = middy(async (event: unknown, _context: Context) => bridge(event))
  .use(injectLambdaContext(logger, { clearState: true }))
  .use(logMetrics(metrics))
  // Last, so that its onError runs first, while the logger still has the invocation's keys.
  .use(logFailure(logger, 'Audit notification not bridged'));
