import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { createEventPublisher, createEventSink } from '../../src/adapters/eventbridge';
import { createSecretsManagerLinkSecret } from '../../src/adapters/secrets-manager';
import { createSnsNotifier } from '../../src/adapters/sns';
import { createRequestApproval } from '../../src/app/request-approval';
import { DEFAULT_EVENT_SOURCE } from '../../src/core';
import { logFailure } from '../../src/middleware/log-failure';

/**
 * Entry point: the state machine's RequestApproval state (lambda:invoke.waitForTaskToken) -> the
 * "Audit Mitigation Approval Requested" event and, when APPROVAL_TOPIC_ARN is set, one SNS message
 * (with a signed link to the approval page when APPROVAL_PAGE_URL and APPROVAL_LINK_SECRET_ARN are set).
 * The payload holds the task token: the event is never logged (no logEvent), and the use case keeps
 * the token out of every log line and error.
 */

const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'request-approval' });

// Clients are built once per container; AWS_ENDPOINT_URL points them at the local stack when set.
const topicArn = process.env.APPROVAL_TOPIC_ARN;
// Both set when the approval page is deployed: the message then carries a signed link to it.
const pageUrl = process.env.APPROVAL_PAGE_URL;
const linkSecretId = process.env.APPROVAL_LINK_SECRET_ARN;
const requestApproval = createRequestApproval({
  events: createEventSink(createEventPublisher({ client: new EventBridgeClient({}) }), {
    eventBusName: process.env.EVENT_BUS_NAME || 'default',
    source: process.env.EVENT_SOURCE || DEFAULT_EVENT_SOURCE,
  }),
  ...(topicArn ? { notifier: createSnsNotifier(new SNSClient({}), topicArn) } : {}),
  ...(pageUrl && linkSecretId
    ? {
        link: {
          baseUrl: pageUrl,
          secret: createSecretsManagerLinkSecret(new SecretsManagerClient({}), linkSecretId),
        },
      }
    : {}),
  logger,
});

// A failure fails the invocation: Step Functions' Catch reports START_FAILED (a replay asks again).
export const handler = middy(async (event: unknown, _context: Context) => requestApproval(event))
  .use(injectLambdaContext(logger, { clearState: true }))
  .use(logFailure(logger, 'Approval not requested'));
