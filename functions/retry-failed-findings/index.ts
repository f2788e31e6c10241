import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import middy from '@middy/core';
import { createS3ReportStore } from '../../src/adapters/s3';
import { createStepFunctionsWorkflowApi } from '../../src/adapters/step-functions';
import { createRetryFailedFindings } from '../../src/app/retry-failed-findings';
import { RetryStepInputSchema } from '../../src/core';
import { requiredEnv } from '../../src/middleware/environment';
import { logFailure } from '../../src/middleware/log-failure';

/**
 * Entry point: the state machine's RetryFailedFindings state (lambda:invoke), once a task ended with
 * failed findings -> one workflow per retry task (findingIds of the failed findings, read from the
 * task's report), or, after the last attempt, the count of findings that still fail.
 */

const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'retry-failed-findings' });
const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'IotAuditRemediation',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'retry-failed-findings',
  logger,
});

// Clients are built once per container; AWS_ENDPOINT_URL points them at the local stack when set.
const s3 = new S3Client({ forcePathStyle: process.env.S3_FORCE_PATH_STYLE === 'true' });
const sfn = new SFNClient({});

const retryFailedFindings = createRetryFailedFindings({
  reports: createS3ReportStore(s3, requiredEnv('REPORT_BUCKET')),
  prefix: process.env.REPORT_PREFIX || 'reports',
  workflows: createStepFunctionsWorkflowApi(sfn, requiredEnv('STATE_MACHINE_ARN')),
  logger,
  counters: { count: (name, value) => metrics.addMetric(name, MetricUnit.Count, value) },
});

export const handler = middy(async (event: unknown) => {
  const input = RetryStepInputSchema.parse(event);
  logger.appendKeys({ taskId: input.taskId, auditTaskId: input.auditTaskId });
  return retryFailedFindings(input);
})
  .use(injectLambdaContext(logger, { clearState: true }))
  .use(logMetrics(metrics))
  .use(logFailure(logger, 'Retry of failed findings failed'));
