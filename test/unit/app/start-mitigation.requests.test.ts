import { describe, expect, it } from 'vitest';
import { type MitigationApi, StartBlockedError, type WorkflowApi } from '../../../src/app/ports';
import { createStartMitigation } from '../../../src/app/start-mitigation';
import {
  InvalidEventError,
  parseRemediationConfig,
  type StartMitigationRequest,
  type WorkflowInput,
} from '../../../src/core';
import { auditNotificationDetail, readJson } from '../../fixtures';
import { emptyDirectory, fakeFindings, recordingEvents } from './fakes';

// Every field of what the use case sends: the IoT start request, the execution name and the
// workflow input (direct and deferred start), pinned field by field.

const config = parseRemediationConfig({
  checks: {
    DEVICE_CERTIFICATE_SHARED_CHECK: {
      actions: ['QuarantineThings', 'DeactivateDeviceCertificate'],
      reasonCodes: ['CERTIFICATE_SHARED_BY_MULTIPLE_DEVICES'],
    },
    LOGGING_DISABLED_CHECK: { actions: ['EnableIoTLogging'] },
  },
});
const notification = auditNotificationDetail({ taskId: 'audit-42', taskStartTime: 1_700_000_000_000 }, [
  { checkName: 'LOGGING_DISABLED_CHECK', nonCompliantResourcesCount: 1, totalResourcesCount: 1 },
  { checkName: 'DEVICE_CERTIFICATE_SHARED_CHECK', nonCompliantResourcesCount: 3, totalResourcesCount: 9 },
]);
const event = {
  'detail-type': 'Audit Task Completed',
  source: 'custom.iot.devicedefender',
  detail: notification,
};
/** What IoT's DescribeAuditTask says of audit-42: the same as its notification (an event that disagrees is refused). */
const AUDIT_42 = {
  taskStatus: 'COMPLETED',
  auditDetails: {
    LOGGING_DISABLED_CHECK: {
      checkRunStatus: 'COMPLETED_NON_COMPLIANT',
      nonCompliantResourcesCount: 1,
      totalResourcesCount: 1,
    },
    DEVICE_CERTIFICATE_SHARED_CHECK: {
      checkRunStatus: 'COMPLETED_NON_COMPLIANT',
      nonCompliantResourcesCount: 3,
      totalResourcesCount: 9,
    },
  },
};

function harness(
  options: {
    startFails?: Error;
    startAnswer?: 'started' | 'already-started';
    execution?: 'started' | 'already-exists';
  } = {},
) {
  const requests: StartMitigationRequest[] = [];
  const executions: Array<{ name: string; input: WorkflowInput }> = [];
  const described: string[] = [];
  const logs: Array<[string, string, unknown]> = [];
  const keys: Record<string, unknown>[] = [];
  const iot: MitigationApi = {
    async startTask(request) {
      requests.push(request);
      if (options.startFails) throw options.startFails;
      return options.startAnswer ?? 'started';
    },
    async describeAudit(auditTaskId) {
      described.push(auditTaskId);
      if (auditTaskId === 'audit-42') return AUDIT_42;
      return {
        taskStatus: 'COMPLETED',
        auditDetails: {
          LOGGING_DISABLED_CHECK: {
            checkRunStatus: 'COMPLETED_NON_COMPLIANT',
            nonCompliantResourcesCount: 1,
          },
        },
      };
    },
  };
  const workflows: WorkflowApi = {
    async startExecution(name, input) {
      executions.push({ name, input });
      return options.execution ?? 'started';
    },
    async describeExecution() {
      // An execution of that name exists and follows the task (what 'already-exists' means here).
      return { status: 'RUNNING' };
    },
  };
  const logger = {
    info: (m: string, a?: unknown) => logs.push(['info', m, a]),
    warn: (m: string, a?: unknown) => logs.push(['warn', m, a]),
    error: (m: string, a?: unknown) => logs.push(['error', m, a]),
    appendKeys: (k: Record<string, unknown>) => keys.push(k),
  };
  const run = createStartMitigation({
    iot,
    workflows,
    findings: fakeFindings(),
    directory: emptyDirectory,
    events: recordingEvents(),
    config,
    logger,
    pollDeadlineSeconds: 3600,
    accountId: '123456789012',
  });
  return { run, requests, executions, described, logs, keys };
}

const FILTER = { DEVICE_CERTIFICATE_SHARED_CHECK: ['CERTIFICATE_SHARED_BY_MULTIPLE_DEVICES'] };
const MAPPING = {
  DEVICE_CERTIFICATE_SHARED_CHECK: ['QuarantineThings', 'DeactivateDeviceCertificate'],
  LOGGING_DISABLED_CHECK: ['EnableIoTLogging'],
};

describe('start-mitigation: what it sends, field by field', () => {
  it('sends IoT the planned request with the reason-code filter in its target', async () => {
    const { run, requests } = harness();
    await run(event);
    expect(requests).toHaveLength(1);
    const [request] = requests;
    expect(request?.target).toEqual({ auditTaskId: 'audit-42', auditCheckToReasonCodeFilter: FILTER });
    expect(request?.auditCheckToActionsMapping).toEqual(MAPPING);
    // One automatic task per audit: the id comes from the audit alone, the token from the request.
    expect(request?.taskId).toBe('remediate-audit-42-auto');
    expect(request?.clientRequestToken).toMatch(/^[0-9a-f]{64}$/);
    expect(Object.keys(request ?? {}).sort()).toEqual([
      'auditCheckToActionsMapping',
      'clientRequestToken',
      'target',
      'taskId',
    ]);
  });

  it('starts the execution named after the task, with every field of the input', async () => {
    const { run, requests, executions } = harness();
    const outcome = await run(event);
    const request = requests[0] as StartMitigationRequest;
    expect(executions).toEqual([
      {
        name: request.taskId,
        input: {
          taskId: request.taskId,
          auditTaskId: 'audit-42',
          deferredStart: false,
          startRequest: {
            TaskId: request.taskId,
            Target: { AuditTaskId: 'audit-42', AuditCheckToReasonCodeFilter: FILTER },
            AuditCheckToActionsMapping: MAPPING,
            ClientRequestToken: request.clientRequestToken,
          },
          pollDeadlineSeconds: 3600,
          skipped: [],
          follow: 1,
          policy: 'auto',
          protectedCount: 0,
          decision: null,
          // The shipped config runs in apply mode without `verify`: verified.
          verify: true,
          // And retries failed findings once, 15 minutes after the task ended (the default).
          retryFailed: { attempt: 0, attempts: 1, delaySeconds: 900 },
        },
      },
    ]);
    expect(outcome).toMatchObject({
      status: 'started',
      taskId: request.taskId,
      taskAlreadyStarted: false,
      executionAlreadyExisted: false,
      executionName: request.taskId,
    });
  });

  it('hands the deferred start the same request, reason-code filter included', async () => {
    const { run, requests, executions, logs } = harness({
      startFails: new StartBlockedError('ThrottlingException: slow down'),
    });
    const outcome = await run(event);
    const request = requests[0] as StartMitigationRequest;
    expect(executions[0]?.input).toEqual({
      taskId: request.taskId,
      auditTaskId: 'audit-42',
      deferredStart: true,
      startRequest: {
        TaskId: request.taskId,
        Target: { AuditTaskId: 'audit-42', AuditCheckToReasonCodeFilter: FILTER },
        AuditCheckToActionsMapping: MAPPING,
        ClientRequestToken: request.clientRequestToken,
      },
      pollDeadlineSeconds: 3600,
      skipped: [],
      follow: 1,
      policy: 'auto',
      protectedCount: 0,
      decision: null,
      verify: true,
      retryFailed: { attempt: 0, attempts: 1, delaySeconds: 900 },
    });
    expect(outcome).toMatchObject({
      status: 'deferred',
      taskAlreadyStarted: false,
      executionAlreadyExisted: false,
    });
    expect(logs).toContainEqual([
      'warn',
      'Start refused for now: deferring it to the state machine',
      { reason: 'ThrottlingException: slow down' },
    ]);
    expect(logs).toContainEqual(['info', 'Start deferred to the workflow', expect.anything()]);
  });

  it('reports a task and an execution that already existed, in its answer and its log', async () => {
    const { run, logs } = harness({ startAnswer: 'already-started', execution: 'already-exists' });
    expect(await run(event)).toMatchObject({
      status: 'started',
      taskAlreadyStarted: true,
      executionAlreadyExisted: true,
    });
    // The existing execution is RUNNING (describeExecution): it follows the task, none is started.
    expect(logs).toContainEqual([
      'info',
      'Mitigation task started',
      expect.objectContaining({ taskAlreadyStarted: true, executionStatus: 'under-way' }),
    ]);
  });

  it('logs the started task with its checks and appends the correlation keys', async () => {
    const { run, logs, keys, requests } = harness();
    await run(event);
    expect(keys).toEqual([{ auditTaskId: 'audit-42' }, { mitigationTaskId: requests[0]?.taskId }]);
    expect(logs).toContainEqual([
      'info',
      'Mitigation task started',
      {
        policy: 'auto',
        checks: ['DEVICE_CERTIFICATE_SHARED_CHECK', 'LOGGING_DISABLED_CHECK'],
        taskAlreadyStarted: false,
        execution: requests[0]?.taskId,
        executionStatus: 'started',
      },
    ]);
  });

  it('rethrows a start error that is not a refusal-for-now, and starts no execution', async () => {
    const failure = new Error('AccessDenied');
    const { run, executions } = harness({ startFails: failure });
    await expect(run(event)).rejects.toBe(failure);
    expect(executions).toEqual([]);
  });

  it('reads the audit of a minimal event (with its accountId) through DescribeAuditTask', async () => {
    const { run, described, requests, logs } = harness();
    await run({ ...event, detail: { taskId: 'audit-7', accountId: '123456789012' } });
    expect(described).toEqual(['audit-7']);
    expect(requests[0]?.target).toEqual({ auditTaskId: 'audit-7' });
    expect(requests[0]?.auditCheckToActionsMapping).toEqual({ LOGGING_DISABLED_CHECK: ['EnableIoTLogging'] });
    expect(logs[0]).toEqual(['info', 'Reading the audit from IoT', { auditTaskId: 'audit-7' }]);
  });

  it('refuses a bad event before calling anything', async () => {
    const { run, requests, executions, described } = harness();
    await expect(run({ ...event, detail: { ...notification, taskStatus: 'DONE' } })).rejects.toBeInstanceOf(
      InvalidEventError,
    );
    expect([...requests, ...executions, ...described]).toEqual([]);
  });

  it('logs a skip with its reason', async () => {
    const { run, logs } = harness();
    const outcome = await run({ ...event, detail: { ...notification, auditDetails: [] } });
    expect(outcome.status).toBe('skipped');
    expect(logs).toEqual([
      [
        'info',
        'Nothing to mitigate',
        { reason: 'audit audit-42 has no non-compliant check with configured actions', skipped: [] },
      ],
    ]);
  });
});

it('the sample event still plans with the default config (smoke)', async () => {
  const { run } = harness();
  await expect(run(readJson('events/minimal-audit-task-id.json'))).resolves.toMatchObject({
    status: 'started',
  });
});

describe('start-mitigation: counters', () => {
  function counted(options: { startFails?: Error; describeFails?: Error; mode?: 'apply' | 'dry-run' }) {
    const names: string[] = [];
    const logs: Array<[string, unknown]> = [];
    const run = createStartMitigation({
      iot: {
        async startTask() {
          if (options.startFails) throw options.startFails;
          return 'started';
        },
        async describeAudit() {
          if (options.describeFails) throw options.describeFails;
          return AUDIT_42;
        },
      },
      workflows: {
        startExecution: async () => 'started',
        describeExecution: async () => {
          throw new Error('not used: every execution starts');
        },
      },
      findings: fakeFindings(),
      directory: emptyDirectory,
      events: recordingEvents(),
      config: { ...config, mode: options.mode ?? 'apply' },
      logger: {
        info: (m: string, a?: unknown) => logs.push([m, a]),
        warn: () => undefined,
        error: () => undefined,
        appendKeys: () => undefined,
      },
      counters: { count: (name) => names.push(name) },
      pollDeadlineSeconds: 60,
      accountId: '123456789012',
    });
    return { run, names, logs };
  }

  it('counts a deferred start as TasksDeferred only', async () => {
    const { run, names } = counted({ startFails: new StartBlockedError('LimitExceededException') });
    await run(event);
    expect(names).toEqual(['TasksDeferred']);
  });

  it('does not count a failure to read the audit as a plan error', async () => {
    const { run, names } = counted({ describeFails: new Error('AccessDenied') });
    await expect(run({ ...event, detail: { taskId: 'audit-1' } })).rejects.toThrow('AccessDenied');
    expect(names).toEqual([]);
  });

  it('counts a refused event as a plan error', async () => {
    const { run, names } = counted({});
    await expect(run({ nonsense: true })).rejects.toBeInstanceOf(InvalidEventError);
    expect(names).toEqual(['PlanErrors']);
  });

  it('logs the request of a dry run with what it leaves out', async () => {
    const { run, names, logs } = counted({ mode: 'dry-run' });
    const outcome = await run(event);
    expect(names).toEqual(['DryRuns']);
    if (!('plan' in outcome)) throw new Error('a dry run has a plan');
    expect(outcome.plan.action === 'start' && outcome.plan.request.target).toEqual({
      auditTaskId: 'audit-42',
      auditCheckToReasonCodeFilter: FILTER,
    });
    expect(logs).toEqual([
      ['Reading the audit from IoT', { auditTaskId: 'audit-42' }],
      [
        'Dry run: planned, not started',
        { request: outcome.plan.action === 'start' ? outcome.plan.request : undefined, skipped: [] },
      ],
    ]);
  });
});
