import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { IoTClient, ListAuditFindingsCommand } from '@aws-sdk/client-iot';
import {
  DescribeExecutionCommand,
  type IncludedData,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_STATE_MACHINE_ARN, type LocalStack, startLocalStack } from '../../src/local/stack';
import { readJson } from '../fixtures';

/**
 * What AWS refuses, the local stack refuses the same way: each row is a request from the issue that the
 * local stack used to accept or answer with the wrong error, sent with the real SDK client.
 */
let stack: LocalStack;
let sfn: SFNClient;
let events: EventBridgeClient;
let ssm: SSMClient;
let iot: IoTClient;
const savedEnv = { ...process.env };

beforeAll(async () => {
  stack = await startLocalStack({ scenario: readJson('scenarios/default.json') });
  const config = {
    endpoint: stack.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  };
  sfn = new SFNClient(config);
  events = new EventBridgeClient(config);
  ssm = new SSMClient(config);
  iot = new IoTClient(config);
});

afterAll(async () => {
  for (const client of [sfn, events, ssm, iot]) client.destroy();
  await stack.close();
  process.env = savedEnv;
});

async function refusal(call: Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
  try {
    await call;
  } catch (error) {
    const e = error as Error & { $metadata?: { httpStatusCode?: number } };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('the request was accepted');
}

const EXECUTION_ARN = LOCAL_STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:');
const entry = (detail: string): PutEventsRequestEntry => ({
  Source: 'test.source',
  DetailType: 'Test',
  Detail: detail,
});
/** A JSON object whose UTF-8 size is exactly `bytes`. */
const detailOfBytes = (bytes: number): string => `{"a":"${'x'.repeat(bytes - 8)}"}`;

describe('Step Functions answers as the model and the service do', () => {
  it.each<[string, () => Promise<unknown>]>([
    [
      'DescribeExecution, a malformed ARN',
      () => sfn.send(new DescribeExecutionCommand({ executionArn: 'nope' })),
    ],
    [
      'StopExecution, a malformed ARN',
      () => sfn.send(new StopExecutionCommand({ executionArn: 'arn:aws:nope' })),
    ],
    [
      'StartExecution, a malformed state machine ARN',
      () => sfn.send(new StartExecutionCommand({ stateMachineArn: 'not-an-arn', name: 'n' })),
    ],
  ])('%s: InvalidArn', async (_, call) => {
    // Act
    const error = await refusal(call());
    // Assess
    expect(error).toMatchObject({ name: 'InvalidArn', status: 400 });
  });

  it.each<[string, () => Promise<unknown>, string]>([
    [
      'traceHeader outside ASCII',
      () =>
        sfn.send(
          new StartExecutionCommand({
            stateMachineArn: LOCAL_STATE_MACHINE_ARN,
            name: 'n',
            traceHeader: 'é',
          }),
        ),
      "Value 'é' at 'traceHeader' failed to satisfy constraint: Member must satisfy regular expression pattern: \\p{ASCII}*",
    ],
    [
      'includedData outside its enum',
      () =>
        sfn.send(
          new DescribeExecutionCommand({
            executionArn: `${EXECUTION_ARN}:x`,
            includedData: 'SOME' as IncludedData,
          }),
        ),
      "Value 'SOME' at 'includedData' failed to satisfy constraint: Member must satisfy enum value set: [ALL_DATA, METADATA_ONLY]",
    ],
    [
      'redriveFilter outside its enum',
      () =>
        sfn.send(
          new ListExecutionsCommand({
            stateMachineArn: LOCAL_STATE_MACHINE_ARN,
            redriveFilter: 'ALL' as 'REDRIVEN',
          }),
        ),
      "at 'redriveFilter' failed to satisfy constraint: Member must satisfy enum value set: [REDRIVEN, NOT_REDRIVEN]",
    ],
    [
      'an empty nextToken',
      () => sfn.send(new ListExecutionsCommand({ stateMachineArn: LOCAL_STATE_MACHINE_ARN, nextToken: '' })),
      "Value '' at 'nextToken' failed to satisfy constraint: Member must have length greater than or equal to 1",
    ],
    [
      'error over 256 characters and cause over 32768',
      () =>
        sfn.send(
          new StopExecutionCommand({
            executionArn: `${EXECUTION_ARN}:x`,
            error: 'e'.repeat(257),
            cause: 'c'.repeat(32_769),
          }),
        ),
      "2 validation errors detected: Value '",
    ],
  ])('%s: ValidationException naming the member', async (_, call, expected) => {
    // Act
    const error = await refusal(call());
    // Assess
    expect(error).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(error.message).toContain(expected);
  });
});

describe('EventBridge PutEvents answers as the model and the documented limits say', () => {
  it('refuses an entry over 256 KB with ValidationException, and puts nothing', async () => {
    // Prepare
    const before = stack.bus.events().length;
    // Act
    const error = await refusal(
      events.send(new PutEventsCommand({ Entries: [entry(detailOfBytes(256 * 1024))] })),
    );
    // Assess
    expect(error).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(error.message).toBe('Total size of the entries in the request is over the limit.');
    expect(stack.bus.events().length).toBe(before);
  });

  it('refuses entries of 200 KB and 100 KB together, and accepts an entry of exactly 256 KB', async () => {
    // Act
    const together = await refusal(
      events.send(
        new PutEventsCommand({
          Entries: [entry(detailOfBytes(200 * 1024)), entry(detailOfBytes(100 * 1024))],
        }),
      ),
    );
    const overhead = Buffer.byteLength('test.sourceTest');
    const atLimit = await events.send(
      new PutEventsCommand({ Entries: [entry(detailOfBytes(256 * 1024 - overhead))] }),
    );
    // Assess
    expect(together).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(atLimit.FailedEntryCount).toBe(0);
  });

  it.each<[string, PutEventsRequestEntry, string]>([
    [
      'an EventBusName outside its pattern',
      { ...entry('{}'), EventBusName: 'bad bus' },
      "at 'entries.1.member.eventBusName' failed to satisfy constraint: Member must satisfy regular expression pattern",
    ],
    [
      'a TraceHeader over 500 characters',
      { ...entry('{}'), TraceHeader: 't'.repeat(501) },
      "at 'entries.1.member.traceHeader' failed to satisfy constraint: Member must have length less than or equal to 500",
    ],
  ])('refuses %s with ValidationException', async (_, bad, expected) => {
    // Act
    const error = await refusal(events.send(new PutEventsCommand({ Entries: [bad] })));
    // Assess
    expect(error).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(error.message).toContain(expected);
  });
});

describe('SSM and IoT answer as their models do', () => {
  it('GetParameter with a name over 2,048 characters: ValidationException, not ParameterNotFound', async () => {
    // Act
    const error = await refusal(ssm.send(new GetParameterCommand({ Name: `/${'n'.repeat(2048)}` })));
    // Assess
    expect(error).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(error.message).toContain(
      "at 'name' failed to satisfy constraint: Member must have length less than or equal to 2048",
    );
  });

  it('ListAuditFindings checks the nested resourceIdentifier.issuerCertificateIdentifier members', async () => {
    // Act
    const error = await refusal(
      iot.send(
        new ListAuditFindingsCommand({
          taskId: 'a3aea009955e501a31b764abe1bebd3d',
          resourceIdentifier: {
            issuerCertificateIdentifier: { issuerId: 'not hex', issuerCertificateSerialNumber: 'zz' },
          },
        }),
      ),
    );
    // Assess
    expect(error).toMatchObject({ name: 'InvalidRequestException', status: 400 });
    expect(error.message).toContain("at 'resourceIdentifier.issuerCertificateIdentifier.issuerId'");
    expect(error.message).toContain(
      "at 'resourceIdentifier.issuerCertificateIdentifier.issuerCertificateSerialNumber'",
    );
  });
});
