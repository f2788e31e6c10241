import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CancelAuditMitigationActionsTaskCommand,
  CreateMitigationActionCommand,
  DescribeAccountAuditConfigurationCommand,
  DescribeAuditFindingCommand,
  DescribeAuditMitigationActionsTaskCommand,
  DescribeAuditTaskCommand,
  DescribeMitigationActionCommand,
  IoTClient,
  ListAuditFindingsCommand,
  ListAuditMitigationActionsExecutionsCommand,
  ListAuditMitigationActionsTasksCommand,
  ListAuditTasksCommand,
  ListMitigationActionsCommand,
  StartAuditMitigationActionsTaskCommand,
  StartOnDemandAuditTaskCommand,
} from '@aws-sdk/client-iot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditNotification } from '../../../../src/local/iot-emulator';
import { ScenarioSchema } from '../../../../src/local/scenario';
import { AUDIT_START_S, errorOf, FIXTURE, type Harness, START_MS, startHarness } from './fixture';

describe('iot emulator: happy path of every operation', () => {
  let h: Harness;
  const notifications: AuditNotification[] = [];

  beforeEach(async () => {
    notifications.length = 0;
    h = await startHarness({ onAuditCompleted: (n) => notifications.push(n), onDemandAuditSeconds: 120 });
  });
  afterEach(async () => {
    await h.close();
  });

  const startTask = (taskId = 'task-1') =>
    h.client.send(
      new StartAuditMitigationActionsTaskCommand({
        taskId,
        target: { auditTaskId: 'audit-1' },
        auditCheckToActionsMapping: { DEVICE_CERTIFICATE_EXPIRING_CHECK: ['notify-sns', 'deactivate-cert'] },
        clientRequestToken: 'token-1',
      }),
    );

  it('StartAuditMitigationActionsTask answers with the task id', async () => {
    // Act
    const out = await startTask();
    // Assess
    expect(out.taskId).toBe('task-1');
    expect(out.$metadata.httpStatusCode).toBe(200);
    expect(out.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('DescribeAuditMitigationActionsTask returns status, epoch-second times, statistics and definitions', async () => {
    // Prepare
    await startTask();
    // Act
    const out = await h.client.send(new DescribeAuditMitigationActionsTaskCommand({ taskId: 'task-1' }));
    // Assess
    expect(out.taskStatus).toBe('IN_PROGRESS');
    expect(out.startTime).toEqual(new Date(START_MS));
    expect(out.endTime).toBeUndefined();
    expect(out.taskStatistics?.DEVICE_CERTIFICATE_EXPIRING_CHECK?.totalFindingsCount).toBe(2);
    expect(out.target).toEqual({ auditTaskId: 'audit-1' });
    expect(out.actionsDefinition?.map((a) => a.name)).toEqual(['notify-sns', 'deactivate-cert']);
    expect(out.actionsDefinition?.[1]?.actionParams).toEqual({
      updateDeviceCertificateParams: { action: 'DEACTIVATE' },
    });
  });

  it('ListAuditMitigationActionsTasks lists tasks in the time range (ISO query timestamps)', async () => {
    // Prepare
    await startTask();
    // Act
    const out = await h.client.send(
      new ListAuditMitigationActionsTasksCommand({
        startTime: new Date(START_MS - 1000),
        endTime: new Date(START_MS + 1000),
      }),
    );
    const outside = await h.client.send(
      new ListAuditMitigationActionsTasksCommand({
        startTime: new Date(START_MS + 1000),
        endTime: new Date(START_MS + 2000),
      }),
    );
    // Assess
    expect(out.tasks).toEqual([
      { taskId: 'task-1', startTime: new Date(START_MS), taskStatus: 'IN_PROGRESS' },
    ]);
    expect(outside.tasks).toEqual([]);
  });

  it('CancelAuditMitigationActionsTask cancels an in-progress task', async () => {
    // Prepare
    await startTask();
    // Act
    const out = await h.client.send(new CancelAuditMitigationActionsTaskCommand({ taskId: 'task-1' }));
    const described = await h.client.send(
      new DescribeAuditMitigationActionsTaskCommand({ taskId: 'task-1' }),
    );
    // Assess
    expect(out.$metadata.httpStatusCode).toBe(200);
    expect(described.taskStatus).toBe('CANCELED');
  });

  it('ListAuditMitigationActionsExecutions lists the executions of one finding', async () => {
    // Prepare
    await startTask();
    // Act
    const out = await h.client.send(
      new ListAuditMitigationActionsExecutionsCommand({ taskId: 'task-1', findingId: 'f-exp-1' }),
    );
    // Assess
    expect(out.actionsExecutions?.map((e) => [e.actionName, e.status])).toEqual([
      ['notify-sns', 'IN_PROGRESS'],
      ['deactivate-cert', 'PENDING'],
    ]);
    expect(out.actionsExecutions?.[0]?.actionId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('ListAuditFindings (POST /audit/findings) lists the non-suppressed findings of an audit', async () => {
    // Act
    const out = await h.client.send(
      new ListAuditFindingsCommand({ taskId: 'audit-1', checkName: 'DEVICE_CERTIFICATE_EXPIRING_CHECK' }),
    );
    const withSuppressed = await h.client.send(
      new ListAuditFindingsCommand({
        taskId: 'audit-1',
        checkName: 'DEVICE_CERTIFICATE_EXPIRING_CHECK',
        listSuppressedFindings: true,
      }),
    );
    // Assess
    expect(out.findings?.map((f) => f.findingId)).toEqual(['f-exp-1', 'f-exp-2']);
    expect(out.findings?.[0]).toMatchObject({
      taskId: 'audit-1',
      severity: 'MEDIUM',
      reasonForNonComplianceCode: 'CERTIFICATE_PAST_EXPIRATION',
      isSuppressed: false,
      taskStartTime: new Date(AUDIT_START_S * 1000),
    });
    expect(withSuppressed.findings).toHaveLength(3);
  });

  it('counts the bytes of each answer it serves, per operation: the body the client receives', async () => {
    // Act: the raw answer, as the SDK's HTTP handler receives it (the emulator checks no signature)
    const answer = await fetch(`${h.url}/audit/findings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ taskId: 'audit-1', checkName: 'DEVICE_CERTIFICATE_EXPIRING_CHECK' }),
    });
    const body = Buffer.from(await answer.arrayBuffer());
    await errorOf(h.client.send(new DescribeAuditTaskCommand({ taskId: 'no-such-audit' })));
    // Assess
    expect(answer.status).toBe(200);
    expect(JSON.parse(body.toString('utf8')).findings.length).toBeGreaterThan(0);
    const operations = h.emulator.stats().operations;
    expect(operations.ListAuditFindings?.answeredBytes).toBe(body.byteLength);
    // An error answer is not counted: only what served a request.
    expect(operations.DescribeAuditTask).toMatchObject({ calls: 1, answeredBytes: 0 });
  });

  it('ListAuditFindings by time range and generated findings with catalog reason codes', async () => {
    // Act
    const out = await h.client.send(
      new ListAuditFindingsCommand({
        startTime: new Date(AUDIT_START_S * 1000 - 1),
        endTime: new Date(AUDIT_START_S * 1000 + 1),
        checkName: 'IOT_POLICY_OVERLY_PERMISSIVE_CHECK',
      }),
    );
    // Assess
    expect(out.findings?.map((f) => f.findingId)).toEqual([
      'audit-1-IOT_POLICY_OVERLY_PERMISSIVE_CHECK-1',
      'audit-1-IOT_POLICY_OVERLY_PERMISSIVE_CHECK-2',
      'audit-1-IOT_POLICY_OVERLY_PERMISSIVE_CHECK-3',
    ]);
    expect(out.findings?.[0]?.reasonForNonComplianceCode).toBe(
      'ALLOWS_BROAD_ACCESS_TO_IOT_DATA_PLANE_ACTIONS',
    );
    expect(out.findings?.[0]?.nonCompliantResource?.resourceType).toBe('IOT_POLICY');
  });

  it('DescribeAuditFinding returns one finding, and 404 for an unknown one', async () => {
    // Act
    const out = await h.client.send(new DescribeAuditFindingCommand({ findingId: 'f-exp-2' }));
    const missing = await errorOf(h.client.send(new DescribeAuditFindingCommand({ findingId: 'nope' })));
    // Assess
    expect(out.finding?.checkName).toBe('DEVICE_CERTIFICATE_EXPIRING_CHECK');
    expect(missing).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
  });

  it('DescribeAuditTask returns the audit details as a map and check counts', async () => {
    // Act
    const out = await h.client.send(new DescribeAuditTaskCommand({ taskId: 'audit-1' }));
    // Assess
    expect(out.taskStatus).toBe('COMPLETED');
    expect(out.taskType).toBe('ON_DEMAND_AUDIT_TASK');
    expect(out.taskStartTime).toEqual(new Date(AUDIT_START_S * 1000));
    expect(out.taskStatistics).toEqual({
      totalChecks: 3,
      inProgressChecks: 0,
      waitingForDataCollectionChecks: 0,
      compliantChecks: 1,
      nonCompliantChecks: 2,
      failedChecks: 0,
      canceledChecks: 0,
    });
    expect(out.auditDetails?.DEVICE_CERTIFICATE_EXPIRING_CHECK).toMatchObject({
      checkRunStatus: 'COMPLETED_NON_COMPLIANT',
      checkCompliant: false,
      totalResourcesCount: 10,
      nonCompliantResourcesCount: 3,
      suppressedNonCompliantResourcesCount: 1,
    });
  });

  it('ListAuditTasks filters by time range and type', async () => {
    // Act
    const out = await h.client.send(
      new ListAuditTasksCommand({ startTime: new Date(START_MS - 86_400_000), endTime: new Date(START_MS) }),
    );
    const scheduled = await h.client.send(
      new ListAuditTasksCommand({
        startTime: new Date(START_MS - 86_400_000),
        endTime: new Date(START_MS),
        taskType: 'SCHEDULED_AUDIT_TASK',
      }),
    );
    // Assess
    expect(out.tasks?.map((t) => t.taskId)).toEqual(['audit-1', 'audit-big']);
    expect(scheduled.tasks).toEqual([
      { taskId: 'audit-big', taskStatus: 'COMPLETED', taskType: 'SCHEDULED_AUDIT_TASK' },
    ]);
  });

  it('ListMitigationActions and DescribeMitigationAction', async () => {
    // Act
    const list = await h.client.send(
      new ListMitigationActionsCommand({ actionType: 'UPDATE_DEVICE_CERTIFICATE' }),
    );
    const described = await h.client.send(new DescribeMitigationActionCommand({ actionName: 'quarantine' }));
    // Assess
    expect(list.actionIdentifiers?.map((a) => a.actionName)).toEqual(['deactivate-cert', 'flaky-deactivate']);
    expect(list.actionIdentifiers?.[0]?.actionArn).toBe(
      'arn:aws:iot:us-east-1:111122223333:mitigationaction/deactivate-cert',
    );
    expect(list.actionIdentifiers?.[0]?.creationDate).toEqual(new Date(START_MS));
    expect(described).toMatchObject({
      actionName: 'quarantine',
      actionType: 'ADD_THINGS_TO_THING_GROUP',
      actionParams: { addThingsToThingGroupParams: { thingGroupNames: ['quarantine'] } },
    });
  });

  it('CreateMitigationAction creates, repeats idempotently, and refuses other params with 409', async () => {
    // Prepare
    const create = (topicArn: string) =>
      h.client.send(
        new CreateMitigationActionCommand({
          actionName: 'new-sns',
          roleArn: 'arn:aws:iam::111122223333:role/Mitigate',
          actionParams: { publishFindingToSnsParams: { topicArn } },
        }),
      );
    // Act
    const first = await create('arn:aws:sns:us-east-1:111122223333:t');
    const again = await create('arn:aws:sns:us-east-1:111122223333:t');
    const conflict = await errorOf(create('arn:aws:sns:us-east-1:111122223333:other'));
    const described = await h.client.send(new DescribeMitigationActionCommand({ actionName: 'new-sns' }));
    // Assess
    expect(first.actionArn).toBe('arn:aws:iot:us-east-1:111122223333:mitigationaction/new-sns');
    expect(again.actionId).toBe(first.actionId);
    expect(conflict).toMatchObject({ name: 'ResourceAlreadyExistsException', status: 409 });
    expect(described.actionType).toBe('PUBLISH_FINDING_TO_SNS');
  });

  it('StartOnDemandAuditTask runs an audit over simulated time and then notifies', async () => {
    // Act
    const started = await h.client.send(
      new StartOnDemandAuditTaskCommand({
        targetCheckNames: ['DEVICE_CERTIFICATE_EXPIRING_CHECK', 'CA_CERTIFICATE_EXPIRING_CHECK'],
      }),
    );
    const taskId = started.taskId ?? '';
    const during = await h.client.send(new DescribeAuditTaskCommand({ taskId }));
    h.clock.advanceBy(120_000);
    await new Promise((resolve) => setImmediate(resolve));
    const after = await h.client.send(new DescribeAuditTaskCommand({ taskId }));
    const findings = await h.client.send(new ListAuditFindingsCommand({ taskId }));
    // Assess
    expect(taskId).toMatch(/^[0-9a-f]{32}$/);
    expect(during.taskStatus).toBe('IN_PROGRESS');
    expect(after.taskStatus).toBe('COMPLETED');
    expect(after.auditDetails?.CA_CERTIFICATE_EXPIRING_CHECK?.checkRunStatus).toBe('COMPLETED_COMPLIANT');
    expect(findings.findings?.map((f) => f.findingId)).toEqual([
      `${taskId}-DEVICE_CERTIFICATE_EXPIRING_CHECK-1`,
      `${taskId}-DEVICE_CERTIFICATE_EXPIRING_CHECK-2`,
    ]);
    expect(notifications).toHaveLength(1);
    expect(notifications[0]).toMatchObject({
      accountId: '111122223333',
      taskId,
      taskStatus: 'COMPLETED',
      taskType: 'ON_DEMAND_AUDIT_TASK',
      taskStartTime: START_MS,
      totalChecksCount: 2,
      nonCompliantChecksCount: 1,
      compliantChecksCount: 1,
    });
    expect(Array.isArray(notifications[0]?.auditDetails)).toBe(true);
  });

  it('an on-demand audit answers a resourceIdentifier filter with the finding its listing has', async () => {
    // Prepare: a verification-like audit of the shared-certificate check (30 resources), listed
    const { taskId } = await h.client.send(
      new StartOnDemandAuditTaskCommand({ targetCheckNames: ['DEVICE_CERTIFICATE_SHARED_CHECK'] }),
    );
    h.clock.advanceBy(120_000);
    const listed =
      (
        await h.client.send(
          new ListAuditFindingsCommand({ taskId, listSuppressedFindings: true, maxResults: 250 }),
        )
      ).findings ?? [];
    const lookUp = async (resourceIdentifier: object) =>
      (
        await h.client.send(
          new ListAuditFindingsCommand({
            taskId,
            checkName: 'DEVICE_CERTIFICATE_SHARED_CHECK',
            resourceIdentifier,
            listSuppressedFindings: true,
          }),
        )
      ).findings ?? [];

    // Act: one lookup per listed finding's resource
    const answers = [];
    for (const f of listed) answers.push(await lookUp(f.nonCompliantResource?.resourceIdentifier ?? {}));
    const unknown = await lookUp({ deviceCertificateId: 'f'.repeat(64) });

    // Assess: each lookup answers exactly the listed finding (same id, same resource)
    expect(listed).toHaveLength(30);
    expect(answers).toEqual(listed.map((f) => [f]));
    expect(unknown).toEqual([]);
  });

  it('an on-demand audit finds each resource once however many audits came before, by id and by page', async () => {
    // Prepare: two on-demand audits of the same checks, one after the other (a verification audit per
    // task does this, once per task of a burst).
    const audit = async () => {
      const { taskId } = await h.client.send(
        new StartOnDemandAuditTaskCommand({
          targetCheckNames: ['DEVICE_CERTIFICATE_SHARED_CHECK', 'DEVICE_CERTIFICATE_EXPIRING_CHECK'],
        }),
      );
      h.clock.advanceBy(120_000);
      return taskId ?? '';
    };
    const first = await audit();
    const second = await audit();
    const list = async (taskId: string, maxResults: number) => {
      const ids: string[] = [];
      let nextToken: string | undefined;
      do {
        const page = await h.client.send(
          new ListAuditFindingsCommand({ taskId, listSuppressedFindings: true, maxResults, nextToken }),
        );
        ids.push(...(page.findings ?? []).map((f) => f.findingId ?? ''));
        nextToken = page.nextToken;
      } while (nextToken);
      return ids;
    };
    // Act
    const firstIds = await list(first, 250);
    const secondIds = await list(second, 250);
    const secondByPages = await list(second, 7);
    const described = await h.client.send(new DescribeAuditFindingCommand({ findingId: secondIds[5] }));
    const unknown = await errorOf(
      h.client.send(
        new DescribeAuditFindingCommand({ findingId: `${second}-DEVICE_CERTIFICATE_SHARED_CHECK-31` }),
      ),
    );
    const details = await h.client.send(new DescribeAuditTaskCommand({ taskId: second }));
    const started = await h.client.send(
      new StartAuditMitigationActionsTaskCommand({
        taskId: 'on-demand-findings',
        target: { findingIds: secondIds.slice(0, 3) },
        auditCheckToActionsMapping: { DEVICE_CERTIFICATE_SHARED_CHECK: ['notify-sns'] },
        clientRequestToken: 'token-on-demand',
      }),
    );
    // Assess: 30 shared-certificate resources and 3 expiring ones (one suppressed), in the second
    // audit as in the first: the first audit's copies are not resources of their own.
    expect(firstIds).toHaveLength(33);
    expect(secondIds).toHaveLength(33);
    expect(secondIds.slice(0, 30)).toEqual(
      Array.from({ length: 30 }, (_, i) => `${second}-DEVICE_CERTIFICATE_SHARED_CHECK-${i + 1}`),
    );
    expect(secondByPages).toEqual(secondIds);
    expect(described.finding).toMatchObject({
      findingId: `${second}-DEVICE_CERTIFICATE_SHARED_CHECK-6`,
      taskId: second,
      checkName: 'DEVICE_CERTIFICATE_SHARED_CHECK',
      findingTime: new Date(START_MS + 120_000 + 6000),
    });
    expect(unknown).toMatchObject({ name: 'ResourceNotFoundException' });
    expect(details.auditDetails?.DEVICE_CERTIFICATE_EXPIRING_CHECK).toMatchObject({
      nonCompliantResourcesCount: 3,
      suppressedNonCompliantResourcesCount: 1,
      totalResourcesCount: 10,
    });
    expect(started.taskId).toBe('on-demand-findings');
  });

  it('StartOnDemandAuditTask refuses a check that is not enabled', async () => {
    // Prepare
    await h.close();
    h = await startHarness({
      scenario: ScenarioSchema.parse({ ...FIXTURE, enabledChecks: ['LOGGING_DISABLED_CHECK'] }),
    });
    // Act
    const error = await errorOf(
      h.client.send(
        new StartOnDemandAuditTaskCommand({ targetCheckNames: ['CA_CERTIFICATE_EXPIRING_CHECK'] }),
      ),
    );
    // Assess
    expect(error).toMatchObject({ name: 'InvalidRequestException', status: 400 });
    expect(error.message).toContain('CA_CERTIFICATE_EXPIRING_CHECK');
  });

  it('DescribeAccountAuditConfiguration reports every catalog check as enabled by default', async () => {
    // Act
    const out = await h.client.send(new DescribeAccountAuditConfigurationCommand({}));
    // Assess
    expect(Object.keys(out.auditCheckConfigurations ?? {})).toHaveLength(17);
    expect(out.auditCheckConfigurations?.LOGGING_DISABLED_CHECK?.enabled).toBe(true);
    expect(out.auditNotificationTargetConfigurations?.SNS?.enabled).toBe(true);
  });

  it('an unknown path answers 404 with a JSON error body', async () => {
    // Act
    const response = await fetch(`${h.url}/no/such/operation`);
    const body = (await response.json()) as { message: string };
    // Assess
    expect(response.status).toBe(404);
    expect(response.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(body.message).toContain('/no/such/operation');
  });
});

describe('iot emulator: mounted in another server through handle', () => {
  it('answers SDK calls and counts them like its own listener', async () => {
    // Prepare
    const h = await startHarness();
    const server = createServer(h.emulator.handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const client = new IoTClient({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    try {
      // Act
      const out = await client.send(new DescribeAuditTaskCommand({ taskId: 'audit-1' }));
      // Assess
      expect(out.taskStatus).toBe('COMPLETED');
      expect(h.emulator.stats().operations.DescribeAuditTask?.calls).toBe(1);
    } finally {
      client.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await h.close();
    }
  });
});
