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
import { createDynamoDbVerificationRecords } from '../../src/adapters/dynamodb';
import {
  createIotFindingsApi,
  createIotMitigationApi,
  createIotResourceDirectory,
} from '../../src/adapters/iot';
import { lazyEventSink } from '../../src/adapters/lazy-event-sink';
import { perCallRetryStrategy } from '../../src/adapters/per-call-retry';
import { lazySsmClient, readParameter } from '../../src/adapters/ssm';
import { createStepFunctionsWorkflowApi } from '../../src/adapters/step-functions';
import { createConfigSource } from '../../src/app/config-source';
import { createStartMitigation, type StartMitigationOutcome } from '../../src/app/start-mitigation';
import {
  DEFAULT_EVENT_SOURCE,
  parseRemediationConfig,
  parseStrictJson,
  type RemediationConfig,
} from '../../src/core';
import { requiredEnv } from '../../src/middleware/environment';
import { logFailure } from '../../src/middleware/log-failure';

/**
 * Entry point: an audit-completion event from EventBridge -> plan (findings, protected resources,
 * policies) -> auto tasks started, approve tasks handed to their workflow (which asks for approval),
 * notify checks reported on the bus.
 */

const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'start-mitigation' });
const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'IotAuditRemediation',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'start-mitigation',
  // Its warnings (e.g. an invocation that published no metric) go through the structured logger.
  logger,
});
// Clients are built once per container; AWS_ENDPOINT_URL points them at the local stack when set.
const iot = new IoTClient({});
// The audit is read (DescribeAuditTask, 25/s per account) by every invocation before it plans: a
// burst of hundreds of audits at once is several seconds of that quota, more than the SDK's default
// 3 attempts (about 1.5 s) and Lambda's 2 async retries absorb. 8 attempts back off (full jitter,
// 0.5 s doubling, at most 20 s each) for about 26 s on average and at most 52 s, inside the
// function's 60 s timeout; each call has its own budget (per-call-retry.ts says why the SDK's shared
// retry quota is not enough). The start keeps the default: a throttled start is handed to the state
// machine, not waited for here.
const iotReads = new IoTClient({ retryStrategy: perCallRetryStrategy({ maxAttempts: 8 }) });
const sfn = new SFNClient({});
// The notify-policy checks' event ("Audit Findings Notified") goes to the stack's bus. Only those
// checks put one: the EventBridge client is imported on the first put, not at cold start.
const events = lazyEventSink({
  eventBusName: process.env.EVENT_BUS_NAME || 'default',
  source: process.env.EVENT_SOURCE || DEFAULT_EVENT_SOURCE,
});
// The verification audits the workflows started, recorded in the outcome ledger table.
const verifications = createDynamoDbVerificationRecords(
  new DynamoDBClient({}),
  requiredEnv('OUTCOME_LEDGER_TABLE'),
);
// SSM only when the config is read from it: imported on first use, not at cold start.
const ssm = lazySsmClient();

const pollDeadlineSeconds = Number(process.env.POLL_DEADLINE_SECONDS ?? '21600');

/** The config: the SSM parameter when one is set (an operator's change without redeploying), else the bundled one. */
async function loadConfig(): Promise<RemediationConfig> {
  const parameter = process.env.REMEDIATION_CONFIG_PARAMETER;
  const document = parameter ? parseStrictJson(await readParameter(await ssm(), parameter)) : bundledConfig;
  return parseRemediationConfig(document);
}

// Kept for CONFIG_TTL_MS, then read again, so that a change reaches every warm container quickly.
// A failed load (bad config, SSM unreachable) is not kept: the next invocation tries again.
const config = createConfigSource({ load: loadConfig, now: Date.now });

/** The account the function runs in: the fifth field of its ARN (arn:aws:lambda:<region>:<account>:function:<name>). */
function accountOf(context: Context): string {
  const account = context.invokedFunctionArn?.split(':')[4];
  if (account === undefined || !/^\d{12}$/.test(account)) {
    throw new Error(
      `cannot read the function's account from invokedFunctionArn '${context.invokedFunctionArn}'`,
    );
  }
  return account;
}

async function startMitigation(event: unknown, context: Context): Promise<StartMitigationOutcome> {
  const accountId = accountOf(context);
  const run = createStartMitigation({
    iot: createIotMitigationApi(iot, iotReads),
    // Findings and registry reads share DescribeAuditTask's patient client: a burst shares their quotas too.
    findings: createIotFindingsApi(iotReads, { accountId }),
    directory: createIotResourceDirectory(iotReads),
    workflows: createStepFunctionsWorkflowApi(sfn, requiredEnv('STATE_MACHINE_ARN')),
    events,
    config: await config.get(),
    logger,
    counters: { count: (name) => metrics.addMetric(name, MetricUnit.Count, 1) },
    pollDeadlineSeconds,
    accountId,
    verifications,
    // Set when the stack has the dispatcher (template.yaml): tasks are queued, never started here.
    startThroughQueue: process.env.START_THROUGH_QUEUE === 'true',
  });
  return run(event);
}

// A failure is logged with its problems, then fails the invocation: EventBridge retries it and the
// failure queue keeps it. Nothing was started half-way (see createStartMitigation).
export const handler = middy(startMitigation)
  .use(injectLambdaContext(logger, { clearState: true }))
  .use(logMetrics(metrics))
  .use(logFailure(logger, 'Start mitigation failed'));
