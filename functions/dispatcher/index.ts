import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IoTClient } from '@aws-sdk/client-iot';
import { SFNClient } from '@aws-sdk/client-sfn';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import bundledConfig from '../../config/remediation.json';
import { createDynamoDbMitigationQueue } from '../../src/adapters/dynamodb-queue';
import { createIotMitigationApi } from '../../src/adapters/iot';
import { lazySsmClient, readParameter } from '../../src/adapters/ssm';
import { createStepFunctionsSlotCallbacks } from '../../src/adapters/step-functions';
import { createConfigSource } from '../../src/app/config-source';
import { createDispatcher, type DispatchOutcome } from '../../src/app/dispatch';
import { parseRemediationConfig, parseStrictJson, type RemediationConfig } from '../../src/core';
import { requiredEnv } from '../../src/middleware/environment';
import { logFailure } from '../../src/middleware/log-failure';

/**
 * Entry point: the state machine's WaitForSlot (lambda:invoke.waitForTaskToken: queue the task) and
 * ReleaseSlot (lambda:invoke: free its slot), and the schedule's tick -> start queued tasks, longest
 * first, while fewer than maxConcurrentTasks of ours run. The WaitForSlot payload holds the task
 * token: the event is never logged (no logEvent).
 */

const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'dispatcher' });
const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'IotAuditRemediation',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'dispatcher',
  logger,
});
// Clients are built once per container; AWS_ENDPOINT_URL points them at the local stack when set.
// The default 3 attempts: a throttled Start goes back to the queue rather than being waited for.
const iot = new IoTClient({});
const sfn = new SFNClient({ maxAttempts: 6 });
// A throttled table (on-demand tables throttle a sudden burst above twice the previous peak) is
// retried with backoff: 8 attempts, about 10 s in all, inside the 30 s timeout.
const dynamoDb = new DynamoDBClient({ maxAttempts: 8 });
const ssm = lazySsmClient();

/** The config (only maxConcurrentTasks is read here): the SSM parameter when one is set, else the bundled one. */
async function loadConfig(): Promise<RemediationConfig> {
  const parameter = process.env.REMEDIATION_CONFIG_PARAMETER;
  const document = parameter ? parseStrictJson(await readParameter(await ssm(), parameter)) : bundledConfig;
  return parseRemediationConfig(document);
}

const config = createConfigSource({ load: loadConfig, now: Date.now });

async function dispatch(event: unknown, context: Context): Promise<DispatchOutcome> {
  const run = createDispatcher({
    queue: createDynamoDbMitigationQueue(dynamoDb, requiredEnv('MITIGATION_QUEUE_TABLE')),
    iot: createIotMitigationApi(iot),
    slots: createStepFunctionsSlotCallbacks(sfn),
    maxConcurrentTasks: (await config.get()).maxConcurrentTasks,
    owner: context.awsRequestId,
    now: Date.now,
    logger,
    metrics: {
      gauge: (name, value) =>
        metrics.addMetric(
          name,
          name === 'OldestQueuedAgeSeconds' ? MetricUnit.Seconds : MetricUnit.Count,
          value,
        ),
      count: (name) => metrics.addMetric(name, MetricUnit.Count, 1),
    },
  });
  return run(event);
}

// A failure fails the invocation: WaitForSlot and ReleaseSlot retry it, the schedule ticks again.
export const handler = middy(dispatch)
  .use(injectLambdaContext(logger, { clearState: true }))
  .use(logMetrics(metrics))
  .use(logFailure(logger, 'Dispatch failed'));
