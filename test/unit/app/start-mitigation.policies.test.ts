import { describe, expect, it } from 'vitest';
import type { Counters, MitigationApi, WorkflowApi } from '../../../src/app/ports';
import { createStartMitigation } from '../../../src/app/start-mitigation';
import {
  APPROVAL_REQUESTED_DETAIL_TYPE,
  type AuditFinding,
  FINDINGS_NOTIFIED_DETAIL_TYPE,
  parseRemediationConfig,
  type StartMitigationRequest,
  type WorkflowInput,
  WorkflowInputSchema,
} from '../../../src/core';
import { emptyDirectory, fakeFindings, recordingEvents } from './fakes';

// The start path by policy: auto tasks start now, approve tasks go to their workflow's approval
// gate and start nothing here, notify checks are put on the bus. Counts and resources come from
// IoT (DescribeAuditTask, ListAuditFindings), the policy from the config: never from the event.

const ACCOUNT = '123456789012';
const AUDIT = 'audit42';
const SHARED = 'DEVICE_CERTIFICATE_SHARED_CHECK';
const LOGGING = 'LOGGING_DISABLED_CHECK';
const EXPIRING = 'DEVICE_CERTIFICATE_EXPIRING_CHECK';

const config = parseRemediationConfig({
  mode: 'apply',
  acceptAuditStatuses: ['COMPLETED'],
  approvalTimeout: 'PT2H',
  actionTypes: {
    DeactivateDeviceCertificate: 'UPDATE_DEVICE_CERTIFICATE',
    EnableIoTLogging: 'ENABLE_IOT_LOGGING',
    PublishFindingToSns: 'PUBLISH_FINDING_TO_SNS',
  },
  checks: {
    [SHARED]: { actions: ['DeactivateDeviceCertificate'], policy: 'approve' },
    [LOGGING]: { actions: ['EnableIoTLogging'] },
    [EXPIRING]: { actions: ['PublishFindingToSns'], policy: 'notify' },
  },
});

/** DescribeAuditTask: what IoT records (the event may claim anything). */
const described = {
  taskStatus: 'COMPLETED',
  auditDetails: {
    [SHARED]: { checkRunStatus: 'COMPLETED_NON_COMPLIANT', nonCompliantResourcesCount: 12 },
    [LOGGING]: { checkRunStatus: 'COMPLETED_NON_COMPLIANT', nonCompliantResourcesCount: 1 },
    [EXPIRING]: { checkRunStatus: 'COMPLETED_NON_COMPLIANT', nonCompliantResourcesCount: 3 },
  },
};

function certificateFinding(check: string, i: number): AuditFinding {
  return {
    findingId: `${check.slice(0, 6).toLowerCase()}-${String(i).padStart(3, '0')}`,
    checkName: check,
    nonCompliantResource: {
      resourceType: 'DEVICE_CERTIFICATE',
      resourceIdentifier: { deviceCertificateId: String(i % 10).repeat(64) },
    },
  };
}

const findingsOf = (check: string, n: number) => ({
  findings: Array.from({ length: n }, (_, i) => certificateFinding(check, i + 1)),
  complete: true,
});

function event(auditTaskId = AUDIT) {
  return {
    source: 'custom.iot.devicedefender',
    'detail-type': 'Audit Task Completed',
    account: ACCOUNT,
    detail: { taskId: auditTaskId, accountId: ACCOUNT },
  };
}

function harness(options: { mode?: 'apply' | 'dry-run'; executionExists?: boolean } = {}) {
  const requests: StartMitigationRequest[] = [];
  const executions: Array<{ name: string; input: WorkflowInput }> = [];
  const counted: string[] = [];
  const logged: unknown[] = [];
  const iot: MitigationApi = {
    async startTask(request) {
      requests.push(request);
      return 'started';
    },
    async describeAudit() {
      return described;
    },
  };
  const running = new Set<string>();
  const workflows: WorkflowApi = {
    async startExecution(name, input) {
      if (running.has(name)) return 'already-exists';
      running.add(name);
      executions.push({ name, input });
      return 'started';
    },
    async describeExecution() {
      return { status: 'RUNNING' };
    },
  };
  const counters: Counters = { count: (name) => counted.push(name) };
  const events = recordingEvents();
  const findings = fakeFindings({ [SHARED]: findingsOf(SHARED, 12), [EXPIRING]: findingsOf(EXPIRING, 3) });
  const log = (...args: unknown[]) => logged.push(args);
  const run = createStartMitigation({
    iot,
    findings,
    directory: emptyDirectory,
    workflows,
    events,
    config: { ...config, mode: options.mode ?? 'apply' },
    logger: { info: log, warn: log, error: log, appendKeys: log },
    counters,
    pollDeadlineSeconds: 600,
    accountId: ACCOUNT,
  });
  return { run, requests, executions, counted, events, findings, logged };
}

describe('start-mitigation by policy', () => {
  it('starts the auto task, hands the approve task to its approval gate, and reports the notify check', async () => {
    // Prepare
    const { run, requests, executions, counted, events } = harness();

    // Act
    const outcome = await run(event());

    // Assess: one start, for the auto task only.
    expect(requests.map((r) => r.taskId)).toEqual([`remediate-${AUDIT}-auto`]);
    expect(Object.keys(requests[0]?.auditCheckToActionsMapping ?? {})).toEqual([LOGGING]);
    expect(executions.map((e) => e.name)).toEqual([`remediate-${AUDIT}-auto`, `remediate-${AUDIT}-approve`]);
    const [auto, approve] = executions.map((e) => e.input);
    expect(auto).toMatchObject({ deferredStart: false, policy: 'auto', protectedCount: 0, decision: null });
    expect(auto?.approval).toBeUndefined();
    expect(approve).toMatchObject({
      deferredStart: true,
      policy: 'approve',
      protectedCount: 0,
      decision: null,
      startRequest: { TaskId: `remediate-${AUDIT}-approve`, Target: { AuditTaskId: AUDIT } },
      approval: {
        timeoutSeconds: 7200,
        policy: 'approve',
        protectedCount: 0,
        checks: [{ check: SHARED, actions: ['DeactivateDeviceCertificate'], resourceCount: 12 }],
      },
    });
    // The first 10 resources, from IoT's findings.
    expect(approve?.approval?.checks[0]?.resources).toHaveLength(10);
    expect(approve?.approval?.checks[0]?.resources[0]).toMatchObject({
      findingId: 'device-001',
      resourceType: 'DEVICE_CERTIFICATE',
    });
    // What the state machine is given parses as its input.
    for (const input of [auto, approve]) expect(WorkflowInputSchema.safeParse(input).success).toBe(true);
    expect(events.events).toEqual([
      {
        detailType: FINDINGS_NOTIFIED_DETAIL_TYPE,
        detail: {
          eventId: `notify-${AUDIT}`,
          auditTaskId: AUDIT,
          checks: [expect.objectContaining({ check: EXPIRING, resourceCount: 3 })],
        },
      },
    ]);
    expect(events.events.map((e) => e.detailType)).not.toContain(APPROVAL_REQUESTED_DETAIL_TYPE);
    expect(counted).toEqual(['ChecksNotified', 'TasksStarted', 'ApprovalsRequested']);
    expect(outcome).toMatchObject({
      status: 'started',
      taskId: `remediate-${AUDIT}-auto`,
      tasks: [
        { status: 'started', policy: 'auto' },
        { status: 'awaiting-approval', policy: 'approve', taskAlreadyStarted: false },
      ],
    });
  });

  it('a duplicate delivery while the approval is pending starts no second execution and no task', async () => {
    // Prepare
    const { run, requests, executions } = harness();
    await run(event());

    // Act
    const again = await run(event());

    // Assess: the auto start is re-requested with the same ids (IoT answers with the same task); the
    // approve task is never started here, and both executions are found running.
    expect(requests.map((r) => r.taskId)).toEqual([`remediate-${AUDIT}-auto`, `remediate-${AUDIT}-auto`]);
    expect(requests[0]).toEqual(requests[1]);
    expect(executions).toHaveLength(2);
    expect(again).toMatchObject({
      tasks: [
        { policy: 'auto', executionAlreadyExisted: true },
        { policy: 'approve', status: 'awaiting-approval', executionAlreadyExisted: true },
      ],
    });
  });

  it('dry-run plans every task and the notify check, and starts, asks and puts nothing', async () => {
    // Prepare
    const { run, requests, executions, events, counted } = harness({ mode: 'dry-run' });

    // Act
    const outcome = await run(event());

    // Assess
    expect(outcome.status).toBe('dry-run');
    expect([...requests, ...executions, ...events.events]).toEqual([]);
    expect(counted).toEqual(['DryRuns']);
  });

  it('reads findings only for the approve and notify checks (the preview), not for the auto one', async () => {
    // Prepare
    const { run, findings } = harness();

    // Act
    await run(event());

    // Assess
    expect([...findings.reads].sort()).toEqual([EXPIRING, SHARED]);
  });

  it('a forged event cannot turn an approve check into auto, nor change what is previewed', async () => {
    // Prepare: an event that names a policy and counts of its own (the policy is not an event field,
    // and the counts that matter are IoT's).
    const { run, requests, executions } = harness();
    const forged = {
      ...event(),
      detail: { taskId: AUDIT, accountId: ACCOUNT, policy: 'auto', checks: { [SHARED]: { policy: 'auto' } } },
    };

    // Act
    const outcome = await run(forged).catch((error: unknown) => error);

    // Assess: refused outright, or planned from IoT and the config: never an approve check started.
    const startedChecks = requests.flatMap((r) => Object.keys(r.auditCheckToActionsMapping));
    expect(startedChecks).not.toContain(SHARED);
    const approve = executions.find((e) => e.name.endsWith('-approve'));
    if (outcome instanceof Error) expect(executions).toEqual([]);
    else expect(approve?.input.approval?.checks[0]?.resourceCount).toBe(12);
  });

  it('never logs more than counts of protected findings, and nothing about tokens', async () => {
    // Prepare
    const { run, logged } = harness();

    // Act
    await run(event());

    // Assess
    expect(JSON.stringify(logged)).not.toMatch(/taskToken/i);
  });
});
