import {
  CreateMitigationActionCommand,
  type CreateMitigationActionCommandInput,
  DescribeAuditTaskCommand,
  ListAuditFindingsCommand,
  ListAuditMitigationActionsExecutionsCommand,
  ListAuditMitigationActionsTasksCommand,
  ListMitigationActionsCommand,
  type MitigationActionType,
  StartAuditMitigationActionsTaskCommand,
  type StartAuditMitigationActionsTaskCommandInput,
} from '@aws-sdk/client-iot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, type Harness, START_MS, startHarness } from './fixture';

const VALID_START: StartAuditMitigationActionsTaskCommandInput = {
  taskId: 'task-ok',
  target: { auditTaskId: 'audit-1' },
  auditCheckToActionsMapping: { DEVICE_CERTIFICATE_EXPIRING_CHECK: ['notify-sns'] },
  clientRequestToken: 'token-ok',
};

describe('iot emulator: validation', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  // Each row breaks one model constraint of StartAuditMitigationActionsTask; the message must name
  // the member and the constraint kind in Coral style.
  it.each<[string, Partial<StartAuditMitigationActionsTaskCommandInput>, string]>([
    [
      'pattern',
      { taskId: 'x y' },
      "1 validation error detected: Value 'x y' at 'taskId' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_-]+",
    ],
    [
      'max length',
      { taskId: 'a'.repeat(129) },
      "at 'taskId' failed to satisfy constraint: Member must have length less than or equal to 128",
    ],
    [
      'token pattern',
      { clientRequestToken: 'bad token!' },
      "at 'clientRequestToken' failed to satisfy constraint: Member must satisfy regular expression pattern",
    ],
    [
      'token length',
      { clientRequestToken: 't'.repeat(65) },
      "at 'clientRequestToken' failed to satisfy constraint: Member must have length less than or equal to 64",
    ],
    [
      'required target',
      { target: undefined },
      "Value null at 'target' failed to satisfy constraint: Member must not be null",
    ],
    [
      'required mapping',
      { auditCheckToActionsMapping: undefined },
      "Value null at 'auditCheckToActionsMapping' failed to satisfy constraint: Member must not be null",
    ],
    [
      'audit id pattern',
      { target: { auditTaskId: 'audit_1' } },
      "at 'target.auditTaskId' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9\\-]+",
    ],
    [
      'audit id length',
      { target: { auditTaskId: 'a'.repeat(41) } },
      "at 'target.auditTaskId' failed to satisfy constraint: Member must have length less than or equal to 40",
    ],
    [
      'findingIds list max',
      { target: { findingIds: Array.from({ length: 26 }, (_, i) => `f${i}`) } },
      "at 'target.findingIds' failed to satisfy constraint: Member must have length less than or equal to 25",
    ],
    [
      'findingIds list min',
      { target: { findingIds: [] } },
      "at 'target.findingIds' failed to satisfy constraint: Member must have length greater than or equal to 1",
    ],
    [
      'findingId pattern',
      { target: { findingIds: ['f 1'] } },
      "Value 'f 1' at 'target.findingIds.1.member' failed to satisfy constraint",
    ],
    [
      'reason codes max',
      {
        target: {
          auditTaskId: 'audit-1',
          auditCheckToReasonCodeFilter: { DEVICE_CERTIFICATE_EXPIRING_CHECK: Array(26).fill('X') },
        },
      },
      "at 'target.auditCheckToReasonCodeFilter.DEVICE_CERTIFICATE_EXPIRING_CHECK' failed to satisfy constraint: Member must have length less than or equal to 25",
    ],
    [
      'reason codes min',
      {
        target: {
          auditTaskId: 'audit-1',
          auditCheckToReasonCodeFilter: { DEVICE_CERTIFICATE_EXPIRING_CHECK: [] },
        },
      },
      'Member must have length greater than or equal to 1',
    ],
    [
      'actions per check max',
      { auditCheckToActionsMapping: { DEVICE_CERTIFICATE_EXPIRING_CHECK: ['a', 'b', 'c', 'd', 'e', 'f'] } },
      "at 'auditCheckToActionsMapping.DEVICE_CERTIFICATE_EXPIRING_CHECK' failed to satisfy constraint: Member must have length less than or equal to 5",
    ],
    [
      'actions per check min',
      { auditCheckToActionsMapping: { DEVICE_CERTIFICATE_EXPIRING_CHECK: [] } },
      "at 'auditCheckToActionsMapping.DEVICE_CERTIFICATE_EXPIRING_CHECK' failed to satisfy constraint: Member must have length greater than or equal to 1",
    ],
    [
      'both targets',
      { target: { auditTaskId: 'audit-1', findingIds: ['f-exp-1'] } },
      'target must specify exactly one of auditTaskId or findingIds',
    ],
    ['no target member', { target: {} }, 'target must specify exactly one of auditTaskId or findingIds'],
    [
      'filter without audit',
      {
        target: {
          findingIds: ['f-exp-1'],
          auditCheckToReasonCodeFilter: { DEVICE_CERTIFICATE_EXPIRING_CHECK: ['X'] },
        },
      },
      'auditCheckToReasonCodeFilter can only be used with target.auditTaskId',
    ],
    [
      'empty mapping',
      { auditCheckToActionsMapping: {} },
      'auditCheckToActionsMapping must map at least one audit check',
    ],
    [
      'unknown audit',
      { target: { auditTaskId: 'no-such-audit' } },
      'Audit task no-such-audit does not exist',
    ],
    [
      'unknown finding',
      { target: { findingIds: ['no-such-finding'] } },
      'Findings not found: no-such-finding',
    ],
    [
      'unknown action',
      { auditCheckToActionsMapping: { DEVICE_CERTIFICATE_EXPIRING_CHECK: ['ghost'] } },
      'Mitigation action ghost does not exist',
    ],
    [
      'incompatible action',
      { auditCheckToActionsMapping: { DEVICE_CERTIFICATE_EXPIRING_CHECK: ['blank-policy'] } },
      'Mitigation action blank-policy of type REPLACE_DEFAULT_POLICY_VERSION cannot be applied to findings of check DEVICE_CERTIFICATE_EXPIRING_CHECK',
    ],
  ])('Start refuses %s with InvalidRequestException 400', async (_, change, expected) => {
    // Act
    const error = await errorOf(
      h.client.send(new StartAuditMitigationActionsTaskCommand({ ...VALID_START, ...change })),
    );
    // Assess
    expect(error).toMatchObject({ name: 'InvalidRequestException', status: 400 });
    expect(error.message).toContain(expected);
  });

  it('reports several problems in one message', async () => {
    // Act
    const error = await errorOf(
      h.client.send(
        new StartAuditMitigationActionsTaskCommand({
          ...VALID_START,
          taskId: 'x y',
          clientRequestToken: 'a b',
        }),
      ),
    );
    // Assess
    expect(error.message).toMatch(
      /^2 validation errors detected: Value 'x y' at 'taskId' .*; Value 'a b' at 'clientRequestToken' /,
    );
  });

  it.each<[string, () => Promise<unknown>, string]>([
    [
      'maxResults above 250',
      () => h.client.send(new ListMitigationActionsCommand({ maxResults: 251 })),
      "Value '251' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 250",
    ],
    [
      'maxResults below 1',
      () => h.client.send(new ListMitigationActionsCommand({ maxResults: 0 })),
      "at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1",
    ],
    [
      'enum',
      () => h.client.send(new ListMitigationActionsCommand({ actionType: 'REBOOT' as MitigationActionType })),
      "Value 'REBOOT' at 'actionType' failed to satisfy constraint: Member must satisfy enum value set",
    ],
    [
      'required query member',
      () => h.client.send(new ListAuditMitigationActionsExecutionsCommand({ taskId: 'task-1' } as never)),
      "Value null at 'findingId' failed to satisfy constraint: Member must not be null",
    ],
    [
      'required timestamps',
      () => h.client.send(new ListAuditMitigationActionsTasksCommand({} as never)),
      "2 validation errors detected: Value null at 'startTime'",
    ],
    [
      'retention',
      () =>
        h.client.send(
          new ListAuditMitigationActionsTasksCommand({
            startTime: new Date(START_MS - 91 * 86_400_000),
            endTime: new Date(START_MS),
          }),
        ),
      'startTime must not be more than 90 days in the past',
    ],
    [
      'label pattern (encoded)',
      () => h.client.send(new DescribeAuditTaskCommand({ taskId: 'bad id/x' })),
      "Value 'bad id/x' at 'taskId' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9\\-]+",
    ],
    [
      'findings: taskId and time range together',
      () =>
        h.client.send(
          new ListAuditFindingsCommand({
            taskId: 'audit-1',
            startTime: new Date(START_MS),
            endTime: new Date(START_MS),
          }),
        ),
      'Specify either taskId or startTime and endTime, not both',
    ],
    [
      'findings: certificate id length',
      () =>
        h.client.send(
          new ListAuditFindingsCommand({
            taskId: 'audit-1',
            resourceIdentifier: { deviceCertificateId: 'abc' },
          }),
        ),
      "at 'resourceIdentifier.deviceCertificateId' failed to satisfy constraint: Member must have length greater than or equal to 64",
    ],
    [
      'bad nextToken',
      () => h.client.send(new ListMitigationActionsCommand({ nextToken: 'garbage' })),
      'The nextToken is not valid',
    ],
  ])('%s gives InvalidRequestException naming the member', async (_, call, expected) => {
    // Act
    const error = await errorOf(call());
    // Assess
    expect(error).toMatchObject({ name: 'InvalidRequestException', status: 400 });
    expect(error.message).toContain(expected);
  });

  it.each<[string, Partial<CreateMitigationActionCommandInput>, string]>([
    [
      'roleArn too short',
      { roleArn: 'arn:short' },
      "Value 'arn:short' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20",
    ],
    [
      'no params member',
      { actionParams: {} },
      'actionParams must contain exactly one action parameters member',
    ],
    [
      'two params members',
      {
        actionParams: {
          updateDeviceCertificateParams: { action: 'DEACTIVATE' },
          publishFindingToSnsParams: { topicArn: 'arn:aws:sns:x' },
        },
      },
      'exactly one',
    ],
    [
      'thing groups max',
      {
        actionParams: {
          addThingsToThingGroupParams: { thingGroupNames: Array.from({ length: 11 }, (_, i) => `g${i}`) },
        },
      },
      "at 'actionParams.addThingsToThingGroupParams.thingGroupNames' failed to satisfy constraint: Member must have length less than or equal to 10",
    ],
    [
      'params enum',
      { actionParams: { updateDeviceCertificateParams: { action: 'REVOKE' as 'DEACTIVATE' } } },
      "Value 'REVOKE' at 'actionParams.updateDeviceCertificateParams.action' failed to satisfy constraint: Member must satisfy enum value set: [DEACTIVATE]",
    ],
    [
      'tag key',
      { tags: [{ Key: '', Value: 'v' }] },
      "at 'tags.1.member.key' failed to satisfy constraint: Member must have length greater than or equal to 1",
    ],
  ])('CreateMitigationAction refuses %s', async (_, change, expected) => {
    // Act
    const error = await errorOf(
      h.client.send(
        new CreateMitigationActionCommand({
          actionName: 'valid-name',
          roleArn: 'arn:aws:iam::111122223333:role/Mitigate',
          actionParams: { replaceDefaultPolicyVersionParams: { templateName: 'BLANK_POLICY' } },
          ...change,
        }),
      ),
    );
    // Assess
    expect(error).toMatchObject({ name: 'InvalidRequestException', status: 400 });
    expect(error.message).toContain(expected);
  });

  it('sends errors with the JSON content type, error type and request id headers', async () => {
    // Act
    const response = await fetch(`${h.url}/audit/tasks/bad_id`);
    const body = (await response.json()) as Record<string, unknown>;
    // Assess
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('x-amzn-errortype')).toBe('InvalidRequestException');
    expect(response.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(body).toEqual({ message: expect.stringContaining("at 'taskId'") });
  });
});
