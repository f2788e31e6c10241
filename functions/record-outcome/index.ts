import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { createDynamoDbOutcomeLedger } from '../../src/adapters/dynamodb';
import { createRecordOutcome } from '../../src/app/record-outcome';
import { createRecordVerification } from '../../src/app/record-verification';
import { VERIFICATION_FINISHED_DETAIL_TYPE } from '../../src/core';
import { logFailure } from '../../src/middleware/log-failure';

/**
 * Entry point: an "Audit Mitigation Task Finished" event -> one structured report line and the
 * per-check findings metrics of the dashboard (FindingsSucceeded / FindingsFailed by CheckName); an
 * "Audit Verification Finished" event -> its line and ResourcesVerifiedFixed /
 * ResourcesStillNonCompliant by CheckName. Once per event (the outcome ledger table).
 */

const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'record-outcome';
const logger = new Logger({ serviceName });
const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'IoTAuditRemediation',
  serviceName,
  logger,
});

const ledgerTable = process.env.OUTCOME_LEDGER_TABLE;
if (!ledgerTable) throw new Error('environment variable OUTCOME_LEDGER_TABLE is not set');

// The client is built once per container; AWS_ENDPOINT_URL points it at the local stack when set.
const ledger = createDynamoDbOutcomeLedger(new DynamoDBClient({}), ledgerTable, Date.now);
const countMetrics = {
  count: (name: string, value: number) => metrics.addMetric(name, MetricUnit.Count, value),
  countForCheck: (name: string, checkName: string, value: number) => {
    const single = metrics.singleMetric();
    single.addDimension('CheckName', checkName);
    single.addMetric(name, MetricUnit.Count, value);
  },
};
const recordOutcome = createRecordOutcome({ logger, ledger, metrics: countMetrics });
const recordVerification = createRecordVerification({ logger, ledger, metrics: countMetrics });

function isVerificationEvent(event: unknown): boolean {
  return (
    typeof event === 'object' &&
    event !== null &&
    (event as Record<string, unknown>)['detail-type'] === VERIFICATION_FINISHED_DETAIL_TYPE
  );
}

export const handler = middy(async (event: unknown, _context: Context) =>
  isVerificationEvent(event) ? recordVerification(event) : recordOutcome(event),
)
  .use(injectLambdaContext(logger, { clearState: true }))
  .use(logMetrics(metrics))
  .use(logFailure(logger, 'Outcome not recorded'));
