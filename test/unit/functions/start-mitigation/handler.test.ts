import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeAuditTaskCommand,
  type DescribeAuditTaskCommandOutput,
  InternalFailureException,
  IoTClient,
  LimitExceededException,
  StartAuditMitigationActionsTaskCommand,
  TaskAlreadyExistsException,
  ThrottlingException,
} from '@aws-sdk/client-iot';
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseRemediationConfig } from '../../../../src/core';
import { readJson } from '../../../fixtures';
import { allAuto } from '../../app/fakes';

const iot = mockClient(IoTClient);
const sfn = mockClient(SFNClient);
const ssm = mockClient(SSMClient);
// The ledger, where verification audits are recorded: these audits are none (no item).
const ledger = mockClient(DynamoDBClient);
/**
 * The shipped config with every check `auto`, served through SSM as an operator would: these tests
 * pin the start path of tasks started at once (the approve path: test/unit/app and test/integration).
 */
const CONFIG_PARAMETER = '/test/remediation-config';
const autoConfig = allAuto(parseRemediationConfig(readJson('config/remediation.json')));
const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:MitigationWorkflow';
const context = {
  functionName: 'start-mitigation',
  awsRequestId: 'req-1',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:start-mitigation',
} as Context;
const scheduled = readJson('events/scheduled-audit-non-compliant.json');
/** DescribeAuditTask's answer for the scheduled audit: what its notification says. */
const scheduledInIot: DescribeAuditTaskCommandOutput = (() => {
  const { detail } = scheduled as {
    detail: { taskStatus: string; auditDetails: Array<{ checkName: string }> };
  };
  return {
    taskStatus: detail.taskStatus,
    auditDetails: Object.fromEntries(detail.auditDetails.map(({ checkName, ...rest }) => [checkName, rest])),
  } as unknown as DescribeAuditTaskCommandOutput;
})();
const savedEnv = { ...process.env };

// The handler reads its environment when invoked; its clients are the mocked ones.
let handler: (event: unknown, context: Context) => Promise<unknown>;
beforeAll(async () => {
  process.env.STATE_MACHINE_ARN = STATE_MACHINE_ARN;
  process.env.POLL_DEADLINE_SECONDS = '3600';
  process.env.OUTCOME_LEDGER_TABLE = 'outcome-ledger';
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.REMEDIATION_CONFIG_PARAMETER = CONFIG_PARAMETER;
  ({ handler } = await import('../../../../functions/start-mitigation/index'));
});
afterAll(() => {
  process.env = savedEnv;
});
beforeEach(() => {
  iot.reset();
  sfn.reset();
  ssm.reset();
  ledger.reset();
  ledger.on(GetItemCommand).resolves({});
  ssm
    .on(GetParameterCommand, { Name: CONFIG_PARAMETER })
    .resolves({ Parameter: { Value: JSON.stringify(autoConfig) } });
  vi.restoreAllMocks();
  iot.on(DescribeAuditTaskCommand, { taskId: 'a3aea009955e501a31b764abe1bebd3d' }).resolves(scheduledInIot);
});

function startExecutionInput(): Record<string, unknown> {
  const call = sfn.commandCalls(StartExecutionCommand)[0];
  return JSON.parse(call?.args[0].input.input ?? 'null');
}

describe('start-mitigation handler', () => {
  it('starts the planned task with its derived token, then the execution named after it', async () => {
    // Prepare
    iot.on(StartAuditMitigationActionsTaskCommand).resolves({ taskId: 'x' });
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn', startDate: new Date() });

    // Act
    const outcome = (await handler(scheduled, context)) as { status: string; taskId: string };

    // Assess
    const start = iot.commandCalls(StartAuditMitigationActionsTaskCommand)[0]?.args[0].input;
    expect(outcome.status).toBe('started');
    expect(start?.taskId).toBe(outcome.taskId);
    expect(start?.clientRequestToken).toMatch(/^[0-9a-f]{64}$/);
    const execution = sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input;
    expect(execution).toMatchObject({ stateMachineArn: STATE_MACHINE_ARN, name: outcome.taskId });
    expect(startExecutionInput()).toMatchObject({
      taskId: outcome.taskId,
      deferredStart: false,
      pollDeadlineSeconds: 3600,
      startRequest: { TaskId: outcome.taskId, ClientRequestToken: start?.clientRequestToken },
    });
  });

  it('the same event twice gives the same ids', async () => {
    iot.on(StartAuditMitigationActionsTaskCommand).resolves({});
    sfn.on(StartExecutionCommand).resolves({});
    await handler(scheduled, context);
    await handler(scheduled, context);
    const [first, second] = iot
      .commandCalls(StartAuditMitigationActionsTaskCommand)
      .map((c) => c.args[0].input);
    expect(second).toEqual(first);
  });

  it.each([
    ['ThrottlingException', new ThrottlingException({ message: 'Rate exceeded', $metadata: {} })],
    ['LimitExceededException', new LimitExceededException({ message: '10 tasks running', $metadata: {} })],
  ])('defers the start to the state machine on %s', async (_name, error) => {
    // Prepare
    iot.on(StartAuditMitigationActionsTaskCommand).rejects(error);
    sfn.on(StartExecutionCommand).resolves({});

    // Act
    const outcome = (await handler(scheduled, context)) as { status: string };

    // Assess
    expect(outcome.status).toBe('deferred');
    expect(startExecutionInput()).toMatchObject({ deferredStart: true });
  });

  it('treats TaskAlreadyExistsException and a RUNNING execution of the name as already started', async () => {
    iot
      .on(StartAuditMitigationActionsTaskCommand)
      .rejects(new TaskAlreadyExistsException({ message: 'exists', $metadata: {} }));
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });
    const outcome = (await handler(scheduled, context)) as { taskId: string };
    expect(outcome).toMatchObject({
      status: 'started',
      taskAlreadyStarted: true,
      executionAlreadyExisted: true,
      executionName: outcome.taskId,
    });
    expect(sfn.commandCalls(DescribeExecutionCommand)[0]?.args[0].input).toEqual({
      executionArn: `${STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${outcome.taskId}`,
    });
  });

  it('follows the task again under <taskId>__2 when the execution of its name ended StartFailed', async () => {
    // Prepare
    iot.on(StartAuditMitigationActionsTaskCommand).resolves({});
    sfn
      .on(StartExecutionCommand)
      .rejectsOnce(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }))
      .resolves({ executionArn: 'arn', startDate: new Date() });
    sfn.on(DescribeExecutionCommand).resolves({ status: 'FAILED', error: 'StartFailed' });

    // Act
    const outcome = (await handler(scheduled, context)) as { taskId: string };

    // Assess
    const names = sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.name);
    expect(names).toEqual([outcome.taskId, `${outcome.taskId}__2`]);
    expect(outcome).toMatchObject({ executionAlreadyExisted: false, executionName: `${outcome.taskId}__2` });
  });

  it('fails the invocation on any other IoT error, starting no execution', async () => {
    iot
      .on(StartAuditMitigationActionsTaskCommand)
      .rejects(new InternalFailureException({ message: 'boom', $metadata: {} }));
    await expect(handler(scheduled, context)).rejects.toThrow('boom');
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('fails a malformed event naming the field, calling nothing', async () => {
    const bad = { ...(scheduled as object), detail: { taskId: 'a b c', auditDetails: 'none' } };
    await expect(handler(bad, context)).rejects.toThrow(/detail\.taskId/);
    expect(iot.calls()).toHaveLength(0);
    expect(sfn.calls()).toHaveLength(0);
  });

  it('fills a minimal event from DescribeAuditTask', async () => {
    // Prepare
    iot.on(DescribeAuditTaskCommand).resolves({
      taskStatus: 'COMPLETED',
      auditDetails: {
        LOGGING_DISABLED_CHECK: { checkRunStatus: 'COMPLETED_NON_COMPLIANT', nonCompliantResourcesCount: 1 },
      },
    });
    iot.on(StartAuditMitigationActionsTaskCommand).resolves({});
    sfn.on(StartExecutionCommand).resolves({});

    // Act
    await handler(readJson('events/minimal-audit-task-id.json'), context);

    // Assess
    expect(iot.commandCalls(DescribeAuditTaskCommand)[0]?.args[0].input).toEqual({
      taskId: 'f0e1d2c3b4a5968778695a4b3c2d1e0f',
    });
    expect(
      iot.commandCalls(StartAuditMitigationActionsTaskCommand)[0]?.args[0].input.auditCheckToActionsMapping,
    ).toEqual({
      LOGGING_DISABLED_CHECK: ['EnableIoTLogging'],
    });
  });

  it('starts nothing for an audit with nothing to mitigate', async () => {
    const outcome = await handler(readJson('events/audit-all-compliant.json'), context);
    expect(outcome).toMatchObject({ status: 'skipped' });
    expect(iot.calls()).toHaveLength(0);
    expect(sfn.calls()).toHaveLength(0);
  });
});
