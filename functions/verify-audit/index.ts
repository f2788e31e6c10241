import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IoTClient } from '@aws-sdk/client-iot';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { createDynamoDbVerificationRecords } from '../../src/adapters/dynamodb';
import { createIotFindingsApi, createIotVerificationApi } from '../../src/adapters/iot';
import { createVerifyAudit } from '../../src/app/verify-audit';
import { logFailure } from '../../src/middleware/log-failure';

/**
 * Entry point: the state machine's verification steps (lambda:invoke). `plan`: the checks the task
 * mitigated something in; `record`: the verification audit in the outcome ledger; `summarise`: per check, the counts before and after and each targeted
 * resource judged against the verification audit. Both read IoT only.
 */

const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'verify-audit' });

// Built once per container; AWS_ENDPOINT_URL points it at the local stack when set. ListAuditFindings
// allows 10 calls per second: a patient client rides out a burst of verifications.
const iot = new IoTClient({ maxAttempts: 10 });
const ledgerTable = process.env.OUTCOME_LEDGER_TABLE;
if (!ledgerTable) throw new Error('environment variable OUTCOME_LEDGER_TABLE is not set');
const verifyAudit = createVerifyAudit({
  iot: createIotVerificationApi(iot),
  findings: createIotFindingsApi(iot),
  records: createDynamoDbVerificationRecords(new DynamoDBClient({}), ledgerTable),
  logger,
});

// A failure fails the invocation: the state machine retries it, then reports VERIFICATION_FAILED.
export const handler = middy(async (event: unknown, _context: Context) => verifyAudit(event))
  .use(injectLambdaContext(logger, { clearState: true }))
  .use(logFailure(logger, 'Verification step failed'));
