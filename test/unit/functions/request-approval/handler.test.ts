import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

const events = mockClient(EventBridgeClient);
const sns = mockClient(SNSClient);
const TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAfake-token-never-to-be-seen';
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:approvals';
const context = {
  functionName: 'request-approval',
  awsRequestId: 'req-1',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:request-approval',
} as Context;
const payload = {
  taskToken: TOKEN,
  executionName: 'remediate-audit1-approve',
  requestedAt: '2026-01-01T00:00:00.000Z',
  taskId: 'remediate-audit1-approve',
  auditTaskId: 'audit1',
  approval: {
    timeoutSeconds: 3600,
    policy: 'approve',
    protectedCount: 0,
    checks: [
      { check: 'LOGGING_DISABLED_CHECK', actions: ['EnableLogging'], resourceCount: 1, resources: [] },
    ],
  },
};
const savedEnv = { ...process.env };

let handler: (event: unknown, context: Context) => Promise<unknown>;
let output: string[] = [];
beforeAll(async () => {
  process.env.EVENT_BUS_NAME = 'audit-bus';
  process.env.EVENT_SOURCE = 'custom.iot.remediation';
  process.env.APPROVAL_TOPIC_ARN = TOPIC;
  // DEBUG: even the most verbose logger must not print the token.
  process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
  process.env.POWERTOOLS_DEV = 'true';
  ({ handler } = await import('../../../../functions/request-approval/index'));
});
afterAll(() => {
  process.env = savedEnv;
});
beforeEach(() => {
  events.reset();
  sns.reset();
  vi.restoreAllMocks();
  output = [];
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void output.push(args.join(' ')));
  }
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    output.push(String(chunk));
    return true;
  });
});

describe('functions/request-approval', () => {
  it('puts the event on the configured bus, publishes to the topic, and logs no token', async () => {
    // Prepare
    events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e1' }] });
    sns.on(PublishCommand).resolves({ MessageId: 'm1' });

    // Act
    const result = await handler(payload, context);

    // Assess
    expect(result).toEqual({ expiresAt: '2026-01-01T01:00:00.000Z' });
    const entry = events.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
    expect(entry).toMatchObject({
      EventBusName: 'audit-bus',
      Source: 'custom.iot.remediation',
      DetailType: 'Audit Mitigation Approval Requested',
    });
    expect(entry?.Detail).not.toContain(TOKEN);
    const published = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(published?.TopicArn).toBe(TOPIC);
    expect(published?.Message).not.toContain(TOKEN);
    expect(output.join('\n')).toContain('Approval requested');
    expect(output.join('\n')).not.toContain(TOKEN);
  });

  it('fails on a payload without approval, naming the path, and logs no token', async () => {
    // Act
    const error = await handler({ ...payload, approval: undefined }, context).catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({ name: 'InvalidEventError' });
    expect(events.commandCalls(PutEventsCommand)).toHaveLength(0);
    expect(output.join('\n')).toContain('approval');
    expect(output.join('\n')).not.toContain(TOKEN);
  });
});
