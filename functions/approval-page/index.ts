import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { createSecretsManagerLinkSecret } from '../../src/adapters/secrets-manager';
import { createStepFunctionsApprovalGate } from '../../src/adapters/step-functions';
import { createApprovalPage } from '../../src/app/approval-page';
import { logFailure } from '../../src/middleware/log-failure';

/**
 * Entry point: the approval page (HTTP API, payload 2.0): GET /approvals/{id} shows the plan of the
 * approval a signed link grants, POST /approvals/{id} decides it. The link (the path) is a capability:
 * the event is never logged.
 */

const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'approval-page' });

const stateMachineArn = process.env.STATE_MACHINE_ARN;
const secretId = process.env.APPROVAL_LINK_SECRET_ARN;
if (!stateMachineArn) throw new Error('environment variable STATE_MACHINE_ARN is not set');
if (!secretId) throw new Error('environment variable APPROVAL_LINK_SECRET_ARN is not set');

// Clients are built once per container; AWS_ENDPOINT_URL points them at the local stack when set.
const gate = createStepFunctionsApprovalGate(new SFNClient({}), stateMachineArn);
const secret = createSecretsManagerLinkSecret(new SecretsManagerClient({}), secretId);
const recipient = process.env.APPROVER_EMAIL || undefined;

function lowerCased(headers: APIGatewayProxyEventV2['headers']): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
}

/**
 * The handler over a clock: the system's in Lambda; the local stack, which loads this bundle, passes
 * its virtual one (links expire in the stack's time).
 */
export function createPageHandler(now: () => number) {
  const page = createApprovalPage({ gate, secret, now, ...(recipient ? { recipient } : {}) });
  return middy(
    async (event: APIGatewayProxyEventV2, _context: Context): Promise<APIGatewayProxyStructuredResultV2> => {
      const body = event.body ?? '';
      const answer = await page.handle({
        method: event.requestContext.http.method,
        token: event.pathParameters?.id ?? '',
        headers: lowerCased(event.headers),
        body: event.isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body,
      });
      logger.info('Approval page answered', {
        method: event.requestContext.http.method,
        statusCode: answer.status,
      });
      return { statusCode: answer.status, headers: { ...answer.headers }, body: answer.body };
    },
  )
    .use(injectLambdaContext(logger, { clearState: true }))
    .use(logFailure(logger, 'Approval page failed'));
}

export const handler = createPageHandler(Date.now);
