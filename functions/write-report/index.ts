import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { IoTClient } from '@aws-sdk/client-iot';
import { S3Client } from '@aws-sdk/client-s3';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { createIotFindingsApi, createIotMitigationResults } from '../../src/adapters/iot';
import { createS3ReportStore } from '../../src/adapters/s3';
import { createFindingsReport } from '../../src/app/findings-report';
import { REPORT_READ_BUDGET, WriteReportInputSchema } from '../../src/core';
import { requiredEnv } from '../../src/middleware/environment';
import { logFailure } from '../../src/middleware/log-failure';

/**
 * Entry point: the state machine's WriteReport state (lambda:invoke) -> the task's findings-level
 * report in the report bucket; returns the pointer the finished event carries. A failure fails the
 * invocation: the state's Catch puts the finished event anyway, saying why the report is missing.
 */

const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'write-report' });

// Time kept after the last execution read, to list, render and store the report.
const WRITE_MARGIN_MS = 30_000;
// The reads share account-wide quotas (10/s) with other reports: throttled calls back off longer.
const IOT_ATTEMPTS = 10;

// Clients are built once per container; AWS_ENDPOINT_URL points them at the local stack when set,
// where S3 is addressed path-style (S3_FORCE_PATH_STYLE) as the local endpoint has no bucket hosts.
const iot = new IoTClient({ maxAttempts: IOT_ATTEMPTS });
const s3 = new S3Client({ forcePathStyle: process.env.S3_FORCE_PATH_STYLE === 'true' });
const bucket = requiredEnv('REPORT_BUCKET');
const prefix = process.env.REPORT_PREFIX || 'reports';
const readBudget = Number(process.env.REPORT_READ_BUDGET || REPORT_READ_BUDGET);

export const handler = middy(async (event: unknown, context: Context) => {
  const input = WriteReportInputSchema.parse(event);
  logger.appendKeys({ taskId: input.taskId, auditTaskId: input.auditTaskId });
  const startedAt = Date.now();
  const remainingMs = context.getRemainingTimeInMillis();
  const writeReport = createFindingsReport({
    findings: createIotFindingsApi(iot),
    results: createIotMitigationResults(iot),
    store: createS3ReportStore(s3, bucket),
    prefix,
    logger,
    now: Date.now,
    // The global setTimeout, not node:timers: the local stack runs it on its virtual clock.
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    readBudget,
    readDeadline: () => startedAt + remainingMs - WRITE_MARGIN_MS,
  });
  const { pointer } = await writeReport(input);
  return pointer;
})
  .use(injectLambdaContext(logger, { clearState: true }))
  .use(logFailure(logger, 'Report not written'));
