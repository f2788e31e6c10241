import {
  CancelAuditMitigationActionsTaskCommand,
  DescribeAuditMitigationActionsTaskCommand,
  type IoTClient,
  ListAuditMitigationActionsExecutionsCommand,
  ListAuditMitigationActionsTasksCommand,
  paginateListAuditFindings,
  paginateListAuditMitigationActionsTasks,
  StartAuditMitigationActionsTaskCommand,
  type StartAuditMitigationActionsTaskCommandInput,
} from '@aws-sdk/client-iot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { errorOf, type Harness, START_MS, startHarness } from './fixture';

const EXPIRING = 'DEVICE_CERTIFICATE_EXPIRING_CHECK';

function start(
  client: IoTClient,
  input: Partial<StartAuditMitigationActionsTaskCommandInput> & { taskId: string },
) {
  return client.send(
    new StartAuditMitigationActionsTaskCommand({
      target: { auditTaskId: 'audit-1' },
      auditCheckToActionsMapping: { [EXPIRING]: ['notify-sns', 'deactivate-cert'] },
      clientRequestToken: `token-${input.taskId}`,
      ...input,
    }),
  );
}

async function executions(client: IoTClient, taskId: string, findingId: string) {
  const out = await client.send(new ListAuditMitigationActionsExecutionsCommand({ taskId, findingId }));
  return (out.actionsExecutions ?? []).map((e) => [e.actionName, e.status, e.errorCode]);
}

describe('iot emulator: mitigation tasks', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  describe('idempotency', () => {
    it('answers a retry with the same token with the existing task and starts nothing new', async () => {
      // Act
      const first = await start(h.client, { taskId: 't1', clientRequestToken: 'tok' });
      const retry = await start(h.client, { taskId: 't1', clientRequestToken: 'tok' });
      // Assess
      expect(retry.taskId).toBe(first.taskId);
      expect(h.emulator.mitigationTasks()).toHaveLength(1);
      expect(h.emulator.stats().mitigationTasks).toMatchObject({
        started: 1,
        existingTaskAnswers: 1,
        taskAlreadyExists: 0,
      });
    });

    it('refuses the same task id with another token: TaskAlreadyExistsException 400', async () => {
      // Prepare
      await start(h.client, { taskId: 't1', clientRequestToken: 'tok' });
      // Act
      const error = await errorOf(start(h.client, { taskId: 't1', clientRequestToken: 'other' }));
      // Assess
      expect(error).toMatchObject({ name: 'TaskAlreadyExistsException', status: 400 });
      expect(h.emulator.stats().mitigationTasks.taskAlreadyExists).toBe(1);
    });
  });

  describe('concurrency limit', () => {
    it('refuses the 11th in-progress task with LimitExceededException 410, and accepts it once one ends', async () => {
      // Prepare: 30 findings x 10 s each keeps every task running for 300 s.
      const big = {
        target: { auditTaskId: 'audit-big' },
        auditCheckToActionsMapping: { DEVICE_CERTIFICATE_SHARED_CHECK: ['notify-sns'] },
      };
      for (let i = 1; i <= 10; i++) await start(h.client, { taskId: `t${i}`, ...big });
      // Act
      const error = await errorOf(start(h.client, { taskId: 't11', ...big }));
      h.clock.advanceBy(300_000);
      const later = await start(h.client, { taskId: 't11', ...big });
      // Assess
      expect(error).toMatchObject({ name: 'LimitExceededException', status: 410 });
      expect(later.taskId).toBe('t11');
      expect(h.emulator.stats().mitigationTasks).toMatchObject({
        started: 11,
        limitExceeded: 1,
        peakConcurrent: 10,
      });
    });

    it('honours a configured limit', async () => {
      // Prepare
      await h.close();
      h = await startHarness({ quotas: { rates: false, maxConcurrentMitigationTasks: 1 } });
      await start(h.client, { taskId: 'only' });
      // Act
      const error = await errorOf(start(h.client, { taskId: 'second' }));
      // Assess
      expect(error.status).toBe(410);
    });
  });

  describe('progression over simulated time', () => {
    it('runs IN_PROGRESS finding by finding and ends COMPLETED', async () => {
      // Prepare
      await start(h.client, { taskId: 'ok' });
      const describe = () => h.client.send(new DescribeAuditMitigationActionsTaskCommand({ taskId: 'ok' }));
      // Act
      const atStart = await describe();
      h.clock.advanceBy(25_000);
      const midway = await describe();
      const midwayExecutions = await executions(h.client, 'ok', 'f-exp-2');
      h.clock.advanceBy(15_000);
      const done = await describe();
      // Assess: 2 findings x 2 actions x 10 s = 40 s.
      expect(atStart.taskStatus).toBe('IN_PROGRESS');
      expect(midway.taskStatistics?.[EXPIRING]).toMatchObject({
        totalFindingsCount: 2,
        succeededFindingsCount: 1,
      });
      expect(midwayExecutions).toEqual([
        ['notify-sns', 'IN_PROGRESS', undefined],
        ['deactivate-cert', 'PENDING', undefined],
      ]);
      expect(done.taskStatus).toBe('COMPLETED');
      expect(done.endTime).toEqual(new Date(START_MS + 40_000));
      expect(done.taskStatistics?.[EXPIRING]).toEqual({
        totalFindingsCount: 2,
        failedFindingsCount: 0,
        succeededFindingsCount: 2,
        skippedFindingsCount: 0,
        canceledFindingsCount: 0,
      });
    });

    it('ends FAILED when an action fails, with the later actions of that finding SKIPPED', async () => {
      // Prepare: flaky-deactivate fails on f-exp-1 (fixture actionOutcomes).
      await start(h.client, {
        taskId: 'bad',
        auditCheckToActionsMapping: { [EXPIRING]: ['flaky-deactivate', 'notify-sns'] },
      });
      // Act
      h.clock.advanceBy(30_000);
      const done = await h.client.send(new DescribeAuditMitigationActionsTaskCommand({ taskId: 'bad' }));
      const failedFinding = await executions(h.client, 'bad', 'f-exp-1');
      const okFinding = await executions(h.client, 'bad', 'f-exp-2');
      const onlyFailed = await h.client.send(
        new ListAuditMitigationActionsExecutionsCommand({
          taskId: 'bad',
          findingId: 'f-exp-1',
          actionStatus: 'FAILED',
        }),
      );
      // Assess
      expect(done.taskStatus).toBe('FAILED');
      expect(done.taskStatistics?.[EXPIRING]).toMatchObject({
        totalFindingsCount: 2,
        failedFindingsCount: 1,
        succeededFindingsCount: 1,
      });
      expect(failedFinding).toEqual([
        ['flaky-deactivate', 'FAILED', 'INVALID_STATE_OF_RESOURCE'],
        ['notify-sns', 'SKIPPED', undefined],
      ]);
      expect(okFinding).toEqual([
        ['flaky-deactivate', 'COMPLETED', undefined],
        ['notify-sns', 'COMPLETED', undefined],
      ]);
      expect(onlyFailed.actionsExecutions?.[0]?.message).toBe('certificate already revoked');
    });

    it('cancels: remaining findings CANCELED, task CANCELED, and a second cancel is refused', async () => {
      // Prepare
      await start(h.client, { taskId: 'c' });
      h.clock.advanceBy(15_000);
      // Act
      await h.client.send(new CancelAuditMitigationActionsTaskCommand({ taskId: 'c' }));
      h.clock.advanceBy(60_000);
      const done = await h.client.send(new DescribeAuditMitigationActionsTaskCommand({ taskId: 'c' }));
      const first = await executions(h.client, 'c', 'f-exp-1');
      const again = await errorOf(
        h.client.send(new CancelAuditMitigationActionsTaskCommand({ taskId: 'c' })),
      );
      const missing = await errorOf(
        h.client.send(new CancelAuditMitigationActionsTaskCommand({ taskId: 'nope' })),
      );
      // Assess
      expect(done.taskStatus).toBe('CANCELED');
      expect(done.endTime).toEqual(new Date(START_MS + 15_000));
      expect(done.taskStatistics?.[EXPIRING]).toMatchObject({
        totalFindingsCount: 2,
        canceledFindingsCount: 2,
        succeededFindingsCount: 0,
      });
      expect(first).toEqual([
        ['notify-sns', 'COMPLETED', undefined],
        ['deactivate-cert', 'CANCELED', undefined],
      ]);
      expect(again).toMatchObject({ name: 'InvalidRequestException', status: 400 });
      expect(missing).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
    });

    it('never mitigates suppressed findings, whether targeted by audit or by id', async () => {
      // Act
      await start(h.client, { taskId: 'by-audit' });
      await start(h.client, { taskId: 'by-id', target: { findingIds: ['f-exp-2', 'f-exp-suppressed'] } });
      const byAudit = await h.client.send(
        new DescribeAuditMitigationActionsTaskCommand({ taskId: 'by-audit' }),
      );
      const byId = await h.client.send(new DescribeAuditMitigationActionsTaskCommand({ taskId: 'by-id' }));
      const suppressed = await executions(h.client, 'by-audit', 'f-exp-suppressed');
      // Assess
      expect(byAudit.taskStatistics?.[EXPIRING]?.totalFindingsCount).toBe(2);
      expect(byId.taskStatistics?.[EXPIRING]?.totalFindingsCount).toBe(1);
      expect(suppressed).toEqual([]);
    });

    it('counts findings left out by the reason-code filter as skipped', async () => {
      // Prepare
      await start(h.client, {
        taskId: 'filtered',
        target: {
          auditTaskId: 'audit-1',
          auditCheckToReasonCodeFilter: { [EXPIRING]: ['CERTIFICATE_PAST_EXPIRATION'] },
        },
      });
      // Act
      h.clock.advanceBy(20_000);
      const done = await h.client.send(new DescribeAuditMitigationActionsTaskCommand({ taskId: 'filtered' }));
      const filteredOut = await executions(h.client, 'filtered', 'f-exp-2');
      // Assess
      expect(done.taskStatus).toBe('COMPLETED');
      expect(done.taskStatistics?.[EXPIRING]).toMatchObject({
        totalFindingsCount: 2,
        succeededFindingsCount: 1,
        skippedFindingsCount: 1,
      });
      expect(filteredOut).toEqual([]);
    });

    it('reports tasks with epoch-ms times through mitigationTasks()', async () => {
      // Prepare
      await start(h.client, { taskId: 'ok' });
      h.clock.advanceBy(40_000);
      // Act
      const tasks = h.emulator.mitigationTasks();
      // Assess
      expect(tasks).toEqual([
        expect.objectContaining({
          taskId: 'ok',
          auditTaskId: 'audit-1',
          status: 'COMPLETED',
          startTime: START_MS,
          endTime: START_MS + 40_000,
        }),
      ]);
    });
  });

  describe('pagination', () => {
    it('pages findings with maxResults and nextToken (default page size 25)', async () => {
      // Act
      const pages: number[] = [];
      for await (const page of paginateListAuditFindings(
        { client: h.client, pageSize: 7 },
        { taskId: 'audit-big' },
      )) {
        pages.push(page.findings?.length ?? 0);
      }
      const defaultPages: number[] = [];
      for await (const page of paginateListAuditFindings({ client: h.client }, { taskId: 'audit-big' })) {
        defaultPages.push(page.findings?.length ?? 0);
      }
      // Assess
      expect(pages).toEqual([7, 7, 7, 7, 2]);
      expect(defaultPages).toEqual([25, 5]);
    });

    it('pages mitigation tasks, and filters them by status', async () => {
      // Prepare
      for (let i = 1; i <= 5; i++) await start(h.client, { taskId: `p${i}` });
      const range = { startTime: new Date(START_MS - 1000), endTime: new Date(START_MS + 1000) };
      // Act
      const ids: string[] = [];
      for await (const page of paginateListAuditMitigationActionsTasks(
        { client: h.client, pageSize: 2 },
        range,
      )) {
        ids.push(...(page.tasks ?? []).map((t) => t.taskId ?? ''));
      }
      const completed = await h.client.send(
        new ListAuditMitigationActionsTasksCommand({ ...range, taskStatus: 'COMPLETED' }),
      );
      // Assess
      expect(ids).toEqual(['p1', 'p2', 'p3', 'p4', 'p5']);
      expect(completed.tasks).toEqual([]);
    });
  });
});
