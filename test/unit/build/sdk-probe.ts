// Bundled twice by sdk-schema-keys-plugin.test.ts (with and without the plugin): every SDK request the
// functions send, through the real adapters and clients, against a request handler that records the
// serialised request and answers a canned response. Nothing here goes to the network.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IoTClient } from '@aws-sdk/client-iot';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SSMClient } from '@aws-sdk/client-ssm';
import { createDynamoDbOutcomeLedger } from '../../../src/adapters/dynamodb';
import { createEventPublisher } from '../../../src/adapters/eventbridge';
import { createIotMitigationApi } from '../../../src/adapters/iot';
import { readParameter } from '../../../src/adapters/ssm';
import { createStepFunctionsWorkflowApi } from '../../../src/adapters/step-functions';
import type { WorkflowInput } from '../../../src/core';

export interface Canned {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body: string;
}

export interface Exchange {
  readonly step: string;
  readonly request: {
    method: string;
    hostname: string;
    path: string;
    query: unknown;
    headers: Record<string, string>;
    body: string;
  };
  /** What the adapter returned, or the error it threw (name and message). */
  readonly outcome: unknown;
}

export async function probe(): Promise<Exchange[]> {
  const exchanges: Exchange[] = [];
  let next: Canned = { status: 200, body: '{}' };
  let captured: Exchange['request'] | undefined;
  const requestHandler = {
    async handle(request: {
      method: string;
      hostname: string;
      path: string;
      query?: unknown;
      headers: Record<string, string>;
      body?: unknown;
    }) {
      const headers = { ...request.headers };
      captured = {
        method: request.method,
        hostname: request.hostname,
        path: request.path,
        query: request.query ?? {},
        headers,
        body: typeof request.body === 'string' ? request.body : String(request.body ?? ''),
      };
      const { Readable } = await import('node:stream');
      return {
        // The shape of @smithy/protocol-http's HttpResponse, which is what the SDK checks for.
        response: {
          statusCode: next.status,
          headers: { 'content-type': 'application/json', ...next.headers },
          body: Readable.from([Buffer.from(next.body)]),
        },
      };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
  };
  const config = {
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDPROBE', secretAccessKey: 'probe-secret' },
    requestHandler,
    maxAttempts: 1,
  };
  let sends = 0;
  // The SDK draws a random invocation id per send and signs it: a counter instead, set just before
  // signing, so that two builds sign the same request alike.
  const fixed = <C extends { middlewareStack: { addRelativeTo: (...args: never[]) => void } }>(
    client: C,
  ): C => {
    const stack = client.middlewareStack as unknown as {
      addRelativeTo(
        middleware: (next: (args: unknown) => Promise<unknown>) => (args: unknown) => Promise<unknown>,
        options: { relation: 'before'; toMiddleware: string; name: string },
      ): void;
    };
    stack.addRelativeTo(
      (next) => async (args) => {
        const { request } = args as { request: { headers: Record<string, string> } };
        request.headers['amz-sdk-invocation-id'] =
          `00000000-0000-4000-8000-${String(++sends).padStart(12, '0')}`;
        return next(args);
      },
      { relation: 'before', toMiddleware: 'httpSigningMiddleware', name: 'probeInvocationId' },
    );
    return client;
  };
  const iot = createIotMitigationApi(fixed(new IoTClient(config)));
  const sfn = createStepFunctionsWorkflowApi(
    fixed(new SFNClient(config)),
    'arn:aws:states:us-east-1:123456789012:stateMachine:MitigationWorkflow',
  );
  const publish = createEventPublisher({ client: fixed(new EventBridgeClient(config)), maxAttempts: 1 });
  const ledger = createDynamoDbOutcomeLedger(
    fixed(new DynamoDBClient(config)),
    'ledger',
    () => 1_767_225_600_000,
  );
  const ssm = fixed(new SSMClient(config));

  const step = async (name: string, answer: Canned, call: () => Promise<unknown>): Promise<void> => {
    next = answer;
    captured = undefined;
    const outcome = await call().then(
      (value) => ({ value }),
      (error: Error) => ({ error: error.name, message: error.message }),
    );
    if (captured === undefined) throw new Error(`${name}: no request was sent`);
    exchanges.push({ step: name, request: captured, outcome });
  };
  const request = {
    taskId: 'remediate-audit1-abc123',
    target: {
      auditTaskId: 'audit1',
      auditCheckToReasonCodeFilter: { CA_CERTIFICATE_EXPIRING_CHECK: ['A', 'B'] },
    },
    auditCheckToActionsMapping: {
      CA_CERTIFICATE_EXPIRING_CHECK: ['UpdateCaCert'],
      CONFLICTING_CLIENT_IDS_CHECK: ['PublishFindingToSns', 'Quarantine'],
    },
    clientRequestToken: 'token-abc123',
  };
  const error = (status: number, type: string) => ({
    status,
    headers: { 'x-amzn-errortype': type },
    body: JSON.stringify({ message: `${type} from the probe` }),
  });

  await step('iot start', { status: 200, body: '{"taskId":"remediate-audit1-abc123"}' }, () =>
    iot.startTask(request),
  );
  await step('iot start, task exists', error(400, 'TaskAlreadyExistsException'), () =>
    iot.startTask(request),
  );
  await step('iot start, limit', error(410, 'LimitExceededException'), () => iot.startTask(request));
  await step('iot start, throttled', error(429, 'ThrottlingException'), () => iot.startTask(request));
  await step('iot start, invalid', error(400, 'InvalidRequestException'), () => iot.startTask(request));
  await step(
    'iot describe audit',
    {
      status: 200,
      body: JSON.stringify({
        taskStatus: 'COMPLETED',
        taskType: 'SCHEDULED_AUDIT_TASK',
        taskStartTime: 1767225600,
        scheduledAuditName: 'daily',
        auditDetails: {
          CONFLICTING_CLIENT_IDS_CHECK: {
            checkRunStatus: 'COMPLETED_NON_COMPLIANT',
            checkCompliant: false,
            totalResourcesCount: 10,
            nonCompliantResourcesCount: 2,
            suppressedNonCompliantResourcesCount: 0,
          },
        },
      }),
    },
    () => iot.describeAudit('audit1'),
  );
  await step('iot describe audit, missing', error(404, 'ResourceNotFoundException'), () =>
    iot.describeAudit('audit2'),
  );
  const input = { taskId: request.taskId, auditTaskId: 'audit1', pollDeadlineSeconds: 21600 };
  await step(
    'sfn start execution',
    {
      status: 200,
      body: '{"executionArn":"arn:aws:states:us-east-1:123456789012:execution:MitigationWorkflow:x","startDate":1767225600.5}',
    },
    () => sfn.startExecution(request.taskId, input as unknown as WorkflowInput),
  );
  await step(
    'sfn start execution, exists',
    { status: 400, body: '{"__type":"ExecutionAlreadyExists","message":"exists"}' },
    () => sfn.startExecution(request.taskId, input as unknown as WorkflowInput),
  );
  await step(
    'sfn describe execution',
    {
      status: 200,
      body: '{"executionArn":"arn:aws:states:us-east-1:123456789012:execution:MitigationWorkflow:x","stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:MitigationWorkflow","status":"FAILED","startDate":1767225600,"error":"PollDeadlineExceeded","output":"{}"}',
    },
    () => sfn.describeExecution(request.taskId),
  );
  await step(
    'eventbridge put events',
    { status: 200, body: '{"FailedEntryCount":0,"Entries":[{"EventId":"e1"}]}' },
    () =>
      publish([
        {
          eventBusName: 'default',
          source: 'custom.iot.devicedefender',
          detailType: 'Audit Task Completed',
          detail: { taskId: 'audit1', nested: { a: [1, 2] } },
          resources: ['arn:aws:iot:us-east-1:123456789012:audittask/audit1'],
          time: new Date(1_767_225_600_000),
        },
      ]),
  );
  await step('dynamodb claim', { status: 200, body: '{}' }, () => ledger.claim('execution-1'));
  await step(
    'dynamodb claim, taken',
    {
      status: 400,
      body: '{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed"}',
    },
    () => ledger.claim('execution-1'),
  );
  await step(
    'ssm get parameter',
    {
      status: 200,
      body: '{"Parameter":{"Name":"/cfg","Type":"SecureString","Value":"{\\"mode\\":\\"apply\\"}","Version":3}}',
    },
    () => readParameter(ssm, '/cfg'),
  );
  return exchanges;
}
