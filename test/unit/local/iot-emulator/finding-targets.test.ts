import {
  DescribeAuditMitigationActionsTaskCommand,
  type IoTClient,
  ListAuditFindingsCommand,
  ListAuditMitigationActionsExecutionsCommand,
  ListAuditMitigationActionsTasksCommand,
  paginateListAuditFindings,
  StartAuditMitigationActionsTaskCommand,
  type StartAuditMitigationActionsTaskCommandInput,
} from '@aws-sdk/client-iot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ScenarioInput, ScenarioSchema } from '../../../../src/local/scenario';
import { errorOf, FIXTURE, type Harness, START_MS, startHarness } from './fixture';

const SHARED = 'DEVICE_CERTIFICATE_SHARED_CHECK';
const POLICY = 'IOT_POLICY_OVERLY_PERMISSIVE_CHECK';
const cert = (n: number) => n.toString(16).padStart(64, '0');

/** One audit of 40 certificate findings (f-0..f-39, one suppressed) and 2 policy findings. */
const SCENARIO: ScenarioInput = {
  ...FIXTURE,
  audits: [
    {
      taskId: 'audit-targets',
      taskType: 'SCHEDULED_AUDIT_TASK',
      taskStatus: 'COMPLETED',
      taskStartTime: START_MS / 1000 - 3600,
      checks: {
        [SHARED]: {
          checkRunStatus: 'COMPLETED_NON_COMPLIANT',
          findings: Array.from({ length: 40 }, (_, i) => ({
            findingId: `f-${i}`,
            reasonCode: 'CERTIFICATE_SHARED_BY_MULTIPLE_DEVICES',
            resourceIdentifier: { deviceCertificateId: cert(i) },
            suppressed: i === 39,
            ...(i === 0
              ? {
                  relatedResources: [
                    { resourceType: 'CLIENT_ID', resourceIdentifier: { clientId: 'press-1' } },
                    {
                      resourceType: 'CLIENT_ID',
                      resourceIdentifier: { clientId: 'robot-7' },
                      additionalInfo: { CONNECTION_TIME: '1700000000' },
                    },
                  ],
                }
              : {}),
          })),
        },
        [POLICY]: { checkRunStatus: 'COMPLETED_NON_COMPLIANT', generateFindings: 2 },
      },
    },
  ],
  actionOutcomes: [{ action: 'flaky-deactivate', findingIds: ['f-2'], status: 'FAILED' }],
};

function start(
  client: IoTClient,
  input: Partial<StartAuditMitigationActionsTaskCommandInput> & { taskId: string },
) {
  return client.send(
    new StartAuditMitigationActionsTaskCommand({
      target: { findingIds: ['f-1', 'f-3'] },
      auditCheckToActionsMapping: { [SHARED]: ['notify-sns', 'flaky-deactivate'] },
      clientRequestToken: `token-${input.taskId}`,
      ...input,
    }),
  );
}

async function executions(client: IoTClient, taskId: string, findingId: string) {
  const out = await client.send(new ListAuditMitigationActionsExecutionsCommand({ taskId, findingId }));
  return (out.actionsExecutions ?? []).map((e) => `${e.actionName}:${e.status}`);
}

describe('iot emulator: ListAuditFindings filters, paging and rules', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ scenario: ScenarioSchema.parse(SCENARIO) });
  });
  afterEach(async () => {
    await h.close();
  });

  it('filters to one resource with resourceIdentifier, and carries nonCompliantResource and relatedResources', async () => {
    // Act
    const one = await h.client.send(
      new ListAuditFindingsCommand({
        taskId: 'audit-targets',
        checkName: SHARED,
        resourceIdentifier: { deviceCertificateId: cert(0) },
      }),
    );
    const none = await h.client.send(
      new ListAuditFindingsCommand({ taskId: 'audit-targets', resourceIdentifier: { clientId: 'nobody' } }),
    );
    // Assess
    expect(one.findings).toHaveLength(1);
    expect(one.findings?.[0]?.nonCompliantResource).toEqual({
      resourceType: 'DEVICE_CERTIFICATE',
      resourceIdentifier: { deviceCertificateId: cert(0) },
      additionalInfo: {},
    });
    expect(one.findings?.[0]?.relatedResources).toEqual([
      { resourceType: 'CLIENT_ID', resourceIdentifier: { clientId: 'press-1' }, additionalInfo: {} },
      {
        resourceType: 'CLIENT_ID',
        resourceIdentifier: { clientId: 'robot-7' },
        additionalInfo: { CONNECTION_TIME: '1700000000' },
      },
    ]);
    expect(none.findings).toEqual([]);
  });

  it('hides suppressed findings unless listSuppressedFindings, and filters by checkName', async () => {
    // Act
    const visible = await h.client.send(
      new ListAuditFindingsCommand({ taskId: 'audit-targets', checkName: SHARED, maxResults: 250 }),
    );
    const all = await h.client.send(
      new ListAuditFindingsCommand({
        taskId: 'audit-targets',
        checkName: SHARED,
        maxResults: 250,
        listSuppressedFindings: true,
      }),
    );
    const policy = await h.client.send(
      new ListAuditFindingsCommand({ taskId: 'audit-targets', checkName: POLICY }),
    );
    // Assess
    expect(visible.findings).toHaveLength(39);
    expect(visible.findings?.some((f) => f.findingId === 'f-39')).toBe(false);
    expect(all.findings).toHaveLength(40);
    expect(all.findings?.find((f) => f.findingId === 'f-39')?.isSuppressed).toBe(true);
    expect(policy.findings?.map((f) => f.checkName)).toEqual([POLICY, POLICY]);
  });

  it('pages by maxResults with an opaque nextToken, which the SDK paginator follows', async () => {
    // Act
    const pageSizes: number[] = [];
    const ids: string[] = [];
    for await (const page of paginateListAuditFindings(
      { client: h.client, pageSize: 10 },
      { taskId: 'audit-targets', checkName: SHARED },
    )) {
      pageSizes.push(page.findings?.length ?? 0);
      ids.push(...(page.findings ?? []).map((f) => f.findingId ?? ''));
    }
    const bad = await errorOf(
      h.client.send(new ListAuditFindingsCommand({ taskId: 'audit-targets', nextToken: 'not-a-token' })),
    );
    // Assess
    expect(pageSizes).toEqual([10, 10, 10, 9]);
    expect(new Set(ids).size).toBe(39);
    expect(bad).toMatchObject({ name: 'InvalidRequestException', status: 400 });
  });

  it('bounds maxResults to 1..250 as the model does', async () => {
    // Act
    const max = await h.client.send(
      new ListAuditFindingsCommand({ taskId: 'audit-targets', maxResults: 250 }),
    );
    const over = await errorOf(
      h.client.send(new ListAuditFindingsCommand({ taskId: 'audit-targets', maxResults: 251 })),
    );
    const zero = await errorOf(
      h.client.send(new ListAuditFindingsCommand({ taskId: 'audit-targets', maxResults: 0 })),
    );
    // Assess
    expect(max.findings).toHaveLength(41);
    expect(over.message).toContain("Value '251' at 'maxResults' failed to satisfy constraint");
    expect(zero).toMatchObject({ name: 'InvalidRequestException', status: 400 });
  });

  it('takes either taskId or startTime and endTime, not both and not neither', async () => {
    // Act
    const both = await errorOf(
      h.client.send(
        new ListAuditFindingsCommand({
          taskId: 'audit-targets',
          startTime: new Date(START_MS - 7200_000),
          endTime: new Date(START_MS),
        }),
      ),
    );
    const neither = await errorOf(h.client.send(new ListAuditFindingsCommand({ checkName: SHARED })));
    const half = await errorOf(
      h.client.send(new ListAuditFindingsCommand({ startTime: new Date(START_MS - 7200_000) })),
    );
    const range = await h.client.send(
      new ListAuditFindingsCommand({
        startTime: new Date(START_MS - 7200_000),
        endTime: new Date(START_MS),
        checkName: POLICY,
      }),
    );
    // Assess
    expect(both).toMatchObject({ name: 'InvalidRequestException', status: 400 });
    expect(neither).toMatchObject({ name: 'InvalidRequestException', status: 400 });
    expect(half).toMatchObject({ name: 'InvalidRequestException', status: 400 });
    expect(range.findings).toHaveLength(2);
  });
});

describe('iot emulator: StartAuditMitigationActionsTask with target.findingIds', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ scenario: ScenarioSchema.parse(SCENARIO) });
  });
  afterEach(async () => {
    await h.close();
  });

  it('acts on exactly the listed findings: statistics and executions reflect only them', async () => {
    // Act
    await start(h.client, { taskId: 'by-ids' });
    h.clock.advanceBy(3_600_000);
    const task = await h.client.send(new DescribeAuditMitigationActionsTaskCommand({ taskId: 'by-ids' }));
    // Assess
    expect(task.taskStatus).toBe('COMPLETED');
    expect(task.target).toEqual({ findingIds: ['f-1', 'f-3'] });
    expect(task.taskStatistics).toEqual({
      [SHARED]: {
        totalFindingsCount: 2,
        succeededFindingsCount: 2,
        failedFindingsCount: 0,
        skippedFindingsCount: 0,
        canceledFindingsCount: 0,
      },
    });
    expect(await executions(h.client, 'by-ids', 'f-1')).toEqual([
      'notify-sns:COMPLETED',
      'flaky-deactivate:COMPLETED',
    ]);
    expect(await executions(h.client, 'by-ids', 'f-2')).toEqual([]);
  });

  it('leaves alone a listed finding whose check the mapping does not name', async () => {
    // Act
    await start(h.client, {
      taskId: 'mixed',
      target: { findingIds: ['f-1', `audit-targets-${POLICY}-1`] },
    });
    h.clock.advanceBy(3_600_000);
    const task = await h.client.send(new DescribeAuditMitigationActionsTaskCommand({ taskId: 'mixed' }));
    // Assess
    expect(Object.keys(task.taskStatistics ?? {})).toEqual([SHARED]);
    expect(task.taskStatistics?.[SHARED]?.totalFindingsCount).toBe(1);
    expect(await executions(h.client, 'mixed', `audit-targets-${POLICY}-1`)).toEqual([]);
  });

  it('refuses unknown finding ids with InvalidRequestException and starts nothing', async () => {
    // Act
    const error = await errorOf(
      start(h.client, { taskId: 'unknown', target: { findingIds: ['f-1', 'nope'] } }),
    );
    const tasks = await h.client.send(
      new ListAuditMitigationActionsTasksCommand({
        startTime: new Date(START_MS - 1000),
        endTime: new Date(START_MS + 1000),
      }),
    );
    // Assess
    expect(error).toMatchObject({ name: 'InvalidRequestException', status: 400 });
    expect(error.message).toContain('nope');
    expect(tasks.tasks).toEqual([]);
  });

  it('bounds findingIds to 1..25 members of the model pattern', async () => {
    // Act
    const tooMany = await errorOf(
      start(h.client, {
        taskId: 'too-many',
        target: { findingIds: Array.from({ length: 26 }, (_, i) => `f-${i}`) },
      }),
    );
    const empty = await errorOf(start(h.client, { taskId: 'empty', target: { findingIds: [] } }));
    const badId = await errorOf(start(h.client, { taskId: 'bad-id', target: { findingIds: ['f 1'] } }));
    const max = await start(h.client, {
      taskId: 'max',
      target: { findingIds: Array.from({ length: 25 }, (_, i) => `f-${i}`) },
    });
    // Assess
    expect(tooMany.message).toContain(
      "at 'target.findingIds' failed to satisfy constraint: Member must have length less than or equal to 25",
    );
    expect(empty.message).toContain('Member must have length greater than or equal to 1');
    expect(badId.message).toContain("at 'target.findingIds.1.member' failed to satisfy constraint");
    expect(max.taskId).toBe('max');
  });

  it('refuses findingIds together with auditTaskId or a reason-code filter', async () => {
    // Act
    const withAudit = await errorOf(
      start(h.client, { taskId: 'both', target: { auditTaskId: 'audit-targets', findingIds: ['f-1'] } }),
    );
    const withFilter = await errorOf(
      start(h.client, {
        taskId: 'filter',
        target: { findingIds: ['f-1'], auditCheckToReasonCodeFilter: { [SHARED]: ['X'] } },
      }),
    );
    // Assess
    expect(withAudit).toMatchObject({ name: 'InvalidRequestException', status: 400 });
    expect(withFilter).toMatchObject({ name: 'InvalidRequestException', status: 400 });
  });

  it('answers a retry (same id and token) with the same task, another token with TaskAlreadyExistsException', async () => {
    // Act
    await start(h.client, { taskId: 'retry' });
    const again = await start(h.client, { taskId: 'retry', target: { findingIds: ['f-1', 'f-3'] } });
    const other = await errorOf(start(h.client, { taskId: 'retry', clientRequestToken: 'another' }));
    const stats = h.emulator.stats().mitigationTasks;
    // Assess
    expect(again.taskId).toBe('retry');
    expect(other).toMatchObject({ name: 'TaskAlreadyExistsException', status: 400 });
    expect(stats).toMatchObject({ started: 1, existingTaskAnswers: 1, taskAlreadyExists: 1 });
  });

  it('is listed under the audit of its findings (ListAuditMitigationActionsTasks auditTaskId)', async () => {
    // Act
    await start(h.client, { taskId: 'by-ids' });
    const listed = await h.client.send(
      new ListAuditMitigationActionsTasksCommand({
        startTime: new Date(START_MS - 1000),
        endTime: new Date(START_MS + 1000),
        auditTaskId: 'audit-targets',
      }),
    );
    const elsewhere = await h.client.send(
      new ListAuditMitigationActionsTasksCommand({
        startTime: new Date(START_MS - 1000),
        endTime: new Date(START_MS + 1000),
        auditTaskId: 'audit-1',
      }),
    );
    // Assess
    expect(listed.tasks?.map((t) => t.taskId)).toEqual(['by-ids']);
    expect(elsewhere.tasks).toEqual([]);
    expect(h.emulator.mitigationTasks()[0]?.auditTaskId).toBe('audit-targets');
  });

  it('records the actions that completed per finding: a deactivated certificate is INACTIVE, a failed one is not', async () => {
    // Prepare
    await start(h.client, { taskId: 'deactivate', target: { findingIds: ['f-1', 'f-2'] } });
    // Act
    const before = h.emulator.certificateStatus(cert(1));
    h.clock.advanceBy(3_600_000);
    const applied = h.emulator.appliedActions();
    // Assess
    expect(before).toBe('ACTIVE');
    expect(applied.map((a) => `${a.findingId}:${a.actionName}`)).toEqual([
      'f-1:notify-sns',
      'f-1:flaky-deactivate',
      'f-2:notify-sns',
    ]);
    expect(applied[1]).toMatchObject({
      taskId: 'deactivate',
      checkName: SHARED,
      actionType: 'UPDATE_DEVICE_CERTIFICATE',
      resourceType: 'DEVICE_CERTIFICATE',
      resourceIdentifier: { deviceCertificateId: cert(1) },
      completedAt: START_MS + 20_000,
    });
    expect(h.emulator.certificateStatus(cert(1))).toBe('INACTIVE');
    expect(h.emulator.certificateStatus(cert(2))).toBe('ACTIVE');
    expect(h.emulator.certificateStatus(cert(99))).toBeUndefined();
  });
});
