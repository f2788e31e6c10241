import { describe, expect, it } from 'vitest';
import { AuditNotFoundError, type MitigationApi, type WorkflowApi } from '../../../src/app/ports';
import { createStartMitigation } from '../../../src/app/start-mitigation';
import {
  type DescribedAuditTask,
  EventMismatchError,
  type ExecutionState,
  parseRemediationConfig,
} from '../../../src/core';
import { auditNotificationDetail } from '../../fixtures';
import { emptyDirectory, fakeFindings, recordingEvents } from './fakes';

// The paths of start-mitigation past the first plan: IoT's record leaves nothing to do, IoT has no
// such audit or cannot be read, IoT's audit holds a check the catalog does not know, a task whose
// outcome an earlier execution reported, and a notification skipped early.

const config = parseRemediationConfig({
  checks: { LOGGING_DISABLED_CHECK: { actions: ['EnableIoTLogging'] } },
});
const minimal = (taskId: string) => ({
  'detail-type': 'Audit Task Completed',
  source: 'custom.iot.devicedefender',
  detail: { taskId },
});
const nonCompliant = (count: number) => ({
  checkRunStatus: 'COMPLETED_NON_COMPLIANT',
  nonCompliantResourcesCount: count,
  totalResourcesCount: count,
});

function harness(options: {
  describe: (auditTaskId: string) => Promise<DescribedAuditTask>;
  config?: typeof config;
  findings?: Parameters<typeof fakeFindings>[0];
  startExecution?: 'started' | 'already-exists';
  execution?: ExecutionState;
}) {
  const started: string[] = [];
  const counted: string[] = [];
  const logs: Array<[string, string, unknown]> = [];
  const keys: Record<string, unknown>[] = [];
  const iot: MitigationApi = {
    async startTask(request) {
      started.push(request.taskId);
      return 'started';
    },
    describeAudit: options.describe,
  };
  const workflows: WorkflowApi = {
    startExecution: async () => options.startExecution ?? 'started',
    describeExecution: async () => options.execution ?? { status: 'RUNNING' },
  };
  const run = createStartMitigation({
    iot,
    workflows,
    findings: fakeFindings(options.findings),
    directory: emptyDirectory,
    events: recordingEvents(),
    config: options.config ?? config,
    logger: {
      info: (m: string, a?: unknown) => logs.push(['info', m, a]),
      warn: (m: string, a?: unknown) => logs.push(['warn', m, a]),
      error: (m: string, a?: unknown) => logs.push(['error', m, a]),
      appendKeys: (k: Record<string, unknown>) => keys.push(k),
    },
    counters: { count: (name) => counted.push(name) },
    pollDeadlineSeconds: 3600,
    accountId: '123456789012',
  });
  return { run, started, counted, logs, keys };
}

describe('start-mitigation past the first plan', () => {
  it('skips a minimal event whose audit IoT records as compliant, starting nothing', async () => {
    const { run, started, counted } = harness({
      describe: async () => ({
        taskStatus: 'COMPLETED',
        auditDetails: {
          LOGGING_DISABLED_CHECK: { checkRunStatus: 'COMPLETED_COMPLIANT', nonCompliantResourcesCount: 0 },
        },
      }),
    });
    const outcome = await run(minimal('audit-7'));
    expect(outcome.status).toBe('skipped');
    expect(started).toEqual([]);
    expect(counted).toEqual(['TasksSkipped']);
  });

  it('refuses an event naming an audit IoT does not have, as a disagreement on the taskId', async () => {
    const notFound = new AuditNotFoundError('audit audit-7 does not exist');
    const { run, started, counted } = harness({
      describe: async () => {
        throw notFound;
      },
    });
    const error = await run(minimal('audit-7')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EventMismatchError);
    expect((error as EventMismatchError).disagreements).toEqual([
      { field: 'taskId', event: 'audit-7', actual: 'no such audit' },
    ]);
    expect((error as EventMismatchError).cause).toBe(notFound);
    expect(started).toEqual([]);
    expect(counted).toEqual(['EventsRefused']);
  });

  it('lets any other failure to read the audit through unchanged', async () => {
    const denied = new Error('AccessDeniedException');
    const { run } = harness({
      describe: async () => {
        throw denied;
      },
    });
    await expect(run(minimal('audit-7'))).rejects.toBe(denied);
  });

  it('warns of and counts a non-compliant check of IoT that the catalog does not know, and mitigates the rest', async () => {
    const { run, started, counted, logs } = harness({
      describe: async () => ({
        taskStatus: 'COMPLETED',
        auditDetails: { LOGGING_DISABLED_CHECK: nonCompliant(1), SOME_NEW_CHECK: nonCompliant(2) },
      }),
    });
    await run(minimal('audit-7'));
    expect(started).toEqual(['remediate-audit-7-auto']);
    expect(counted).toEqual(['UnknownChecks', 'TasksStarted']);
    expect(logs).toContainEqual([
      'warn',
      'Checks the catalog does not know were skipped',
      { checks: ['SOME_NEW_CHECK'] },
    ]);
  });

  it('does not warn when every check is known', async () => {
    const { run, logs } = harness({
      describe: async () => ({
        taskStatus: 'COMPLETED',
        auditDetails: { LOGGING_DISABLED_CHECK: nonCompliant(1) },
      }),
    });
    await run(minimal('audit-7'));
    expect(logs.filter(([level]) => level === 'warn')).toEqual([]);
  });

  it('reports the outcome an earlier execution reported, and starts no execution', async () => {
    const { run, logs } = harness({
      describe: async () => ({
        taskStatus: 'COMPLETED',
        auditDetails: { LOGGING_DISABLED_CHECK: nonCompliant(1) },
      }),
      startExecution: 'already-exists',
      execution: { status: 'SUCCEEDED' },
    });
    const outcome = await run(minimal('audit-7'));
    expect(outcome).toMatchObject({
      status: 'started',
      executionAlreadyExisted: true,
      executionName: 'remediate-audit-7-auto',
      reportedOutcome: 'COMPLETED',
    });
    expect(logs).toContainEqual([
      'info',
      'Mitigation task started',
      expect.objectContaining({ executionStatus: 'reported', reportedOutcome: 'COMPLETED' }),
    ]);
  });

  it('does not skip a non-compliant notification early because the config protects something (the findings are read after)', async () => {
    const protecting = parseRemediationConfig({
      protect: { things: ['kept-thing'] },
      checks: { LOGGING_DISABLED_CHECK: { actions: ['EnableIoTLogging'] } },
    });
    const { run, started } = harness({
      config: protecting,
      findings: {
        LOGGING_DISABLED_CHECK: {
          findings: [
            {
              findingId: 'f1',
              checkName: 'LOGGING_DISABLED_CHECK',
              nonCompliantResource: {
                resourceType: 'ACCOUNT_SETTINGS',
                resourceIdentifier: { account: '123456789012' },
              },
            },
          ],
          complete: true,
        },
      },
      describe: async () => ({
        taskStatus: 'COMPLETED',
        taskType: 'ON_DEMAND_AUDIT_TASK',
        auditDetails: { LOGGING_DISABLED_CHECK: nonCompliant(1) },
      }),
    });
    const outcome = await run({
      'detail-type': 'Audit Task Completed',
      source: 'custom.iot.devicedefender',
      detail: auditNotificationDetail({ taskId: 'audit-9', taskStartTime: 1_700_000_000_000 }, [
        { checkName: 'LOGGING_DISABLED_CHECK', ...nonCompliant(1) },
      ]),
    });
    expect(outcome.status).toBe('started');
    expect(started).toEqual(['remediate-audit-9-auto']);
  });

  it('skips a notification that leaves nothing to mitigate without reading IoT, keyed by its audit', async () => {
    const described: string[] = [];
    const { run, keys, counted } = harness({
      describe: async (auditTaskId) => {
        described.push(auditTaskId);
        return {};
      },
    });
    const outcome = await run({
      'detail-type': 'Audit Task Completed',
      source: 'custom.iot.devicedefender',
      detail: auditNotificationDetail({ taskId: 'audit-8', taskStartTime: 1_700_000_000_000 }, [
        { checkName: 'LOGGING_DISABLED_CHECK', nonCompliantResourcesCount: 0, totalResourcesCount: 1 },
      ]),
    });
    expect(outcome.status).toBe('skipped');
    expect(described).toEqual([]);
    expect(keys).toEqual([{ auditTaskId: 'audit-8' }]);
    expect(counted).toEqual(['TasksSkipped']);
  });
});
