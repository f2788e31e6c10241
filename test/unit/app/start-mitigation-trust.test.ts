import { describe, expect, it } from 'vitest';
import type { Counters, Log, MitigationApi, WorkflowApi } from '../../../src/app/ports';
import { createStartMitigation } from '../../../src/app/start-mitigation';
import { type DescribedAuditTask, EventMismatchError, parseRemediationConfig } from '../../../src/core';
import { readJson } from '../../fixtures';
import { allAuto, emptyDirectory, fakeFindings, recordingEvents } from './fakes';

// Trust nothing the event says when it decides what gets mitigated: the plan is made from IoT's
// DescribeAuditTask, and an event that disagrees with IoT (or comes from another account) is refused.

const ACCOUNT = '123456789012';
const CA_CHECK = 'REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK';
// Every check auto: these tests pin the start path of tasks started at once (approvals: start-mitigation.policies.test.ts).
const config = allAuto(parseRemediationConfig(readJson('config/remediation.json')));

interface Detail {
  checkName: string;
  checkRunStatus: string;
  nonCompliantResourcesCount: number;
  totalResourcesCount: number;
}
type ScheduledEvent = {
  account: string;
  detail: { accountId: string; taskStatus: string; auditDetails: Detail[] };
};

/** The genuine notification of audit a3aea009…: its counts are IoT's. */
const genuine = (): ScheduledEvent =>
  structuredClone(readJson('events/scheduled-audit-non-compliant.json')) as ScheduledEvent;

/** What DescribeAuditTask answers for that audit. */
function describedByIot(): DescribedAuditTask {
  const { detail } = genuine();
  return {
    taskStatus: detail.taskStatus,
    taskType: 'SCHEDULED_AUDIT_TASK',
    scheduledAuditName: 'daily-fleet-audit',
    auditDetails: Object.fromEntries(detail.auditDetails.map(({ checkName, ...rest }) => [checkName, rest])),
  };
}

function harness(iotView: DescribedAuditTask = describedByIot()) {
  const described: string[] = [];
  const started: Array<{ taskId: string; checks: string[] }> = [];
  const executions: string[] = [];
  const counted: string[] = [];
  const logged: Array<{ message: string; attributes: Record<string, unknown>[] }> = [];
  const record = (message: string, ...attributes: Record<string, unknown>[]) => {
    logged.push({ message, attributes });
  };
  const logger: Log = { info: record, warn: record, error: record, appendKeys: () => undefined };
  const iot: MitigationApi = {
    async startTask(request) {
      started.push({ taskId: request.taskId, checks: Object.keys(request.auditCheckToActionsMapping) });
      return 'started';
    },
    async describeAudit(auditTaskId) {
      described.push(auditTaskId);
      return iotView;
    },
  };
  const workflows: WorkflowApi = {
    async startExecution(name) {
      executions.push(name);
      return 'started';
    },
    async describeExecution() {
      throw new Error('not used: every execution starts');
    },
  };
  const counters: Counters = { count: (name) => counted.push(name) };
  const run = createStartMitigation({
    iot,
    workflows,
    findings: fakeFindings(),
    directory: emptyDirectory,
    events: recordingEvents(),
    config,
    logger,
    counters,
    pollDeadlineSeconds: 600,
    accountId: ACCOUNT,
  });
  return { run, described, started, executions, counted, logged };
}

function withCaCount(event: ScheduledEvent, count: number): ScheduledEvent {
  for (const d of event.detail.auditDetails)
    if (d.checkName === CA_CHECK) d.nonCompliantResourcesCount = count;
  return event;
}

describe('start-mitigation trusts IoT, not the event', () => {
  it('accepts an event whose counts equal IoT’s and plans from them (the CA check stays over its guardrail)', async () => {
    // Prepare
    const { run, described, started, executions, counted } = harness();
    // Act
    const outcome = await run(genuine());
    // Assess
    expect(outcome.status).toBe('started');
    expect(described).toEqual(['a3aea009955e501a31b764abe1bebd3d']);
    expect(started).toHaveLength(1);
    expect(started[0]?.checks).not.toContain(CA_CHECK);
    expect(executions).toEqual([started[0]?.taskId]);
    expect(counted).toEqual(['TasksStarted']);
  });

  it('refuses a forged lower count: EventMismatchError, EventsRefused, a log naming the check and both counts, nothing started', async () => {
    // Prepare: 12 CA certificates in IoT, the guardrail at 5, the event claims 1.
    const { run, started, executions, counted, logged } = harness();
    // Act
    const refused = run(withCaCount(genuine(), 1));
    // Assess
    await expect(refused).rejects.toThrow(EventMismatchError);
    await expect(refused).rejects.toThrow(
      /REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK.*event says 1, IoT says 12/,
    );
    expect([...started, ...executions]).toEqual([]);
    expect(counted).toEqual(['EventsRefused']);
    const log = logged.find((l) => /refused/i.test(l.message));
    expect(log?.attributes[0]).toMatchObject({
      disagreements: [{ check: CA_CHECK, field: 'nonCompliantResourcesCount', event: 1, actual: 12 }],
    });
  });

  it('refuses a forged audit status: IoT says the audit FAILED, the event COMPLETED', async () => {
    // Prepare
    const { run, started, executions, counted } = harness({ ...describedByIot(), taskStatus: 'FAILED' });
    // Act / Assess
    await expect(run(genuine())).rejects.toThrow(/taskStatus: the event says COMPLETED, IoT says FAILED/);
    expect([...started, ...executions]).toEqual([]);
    expect(counted).toEqual(['EventsRefused']);
  });

  it('refuses a forged check run status', async () => {
    // Prepare: IoT found the logging check compliant; the event claims one non-compliant resource.
    const { run, started, executions, counted } = harness();
    const forged = genuine();
    const logging = forged.detail.auditDetails.find((d) => d.checkName === 'LOGGING_DISABLED_CHECK');
    Object.assign(logging ?? {}, {
      checkRunStatus: 'COMPLETED_NON_COMPLIANT',
      nonCompliantResourcesCount: 1,
    });
    // Act / Assess
    await expect(run(forged)).rejects.toThrow(/LOGGING_DISABLED_CHECK\.checkRunStatus/);
    expect([...started, ...executions]).toEqual([]);
    expect(counted).toEqual(['EventsRefused']);
  });

  it('skips an event that says nothing is non-compliant without calling IoT (it can only suppress)', async () => {
    // Prepare
    const { run, described, started, counted } = harness();
    const event = withCaCount(genuine(), 0);
    for (const d of event.detail.auditDetails) {
      d.checkRunStatus = 'COMPLETED_COMPLIANT';
      d.nonCompliantResourcesCount = 0;
    }
    // Act
    const outcome = await run(event);
    // Assess
    expect(outcome.status).toBe('skipped');
    expect(described).toEqual([]);
    expect(started).toEqual([]);
    expect(counted).toEqual(['TasksSkipped']);
  });

  it.each([
    [
      'the notification accountId',
      (e: ScheduledEvent) => Object.assign(e.detail, { accountId: '210987654321' }),
    ],
    [
      'the EventBridge envelope account',
      (e: ScheduledEvent) => Object.assign(e, { account: '210987654321' }),
    ],
  ])('refuses an event whose account (%s) is not the function’s, before calling IoT', async (_what, forge) => {
    const { run, described, started, counted } = harness();
    const event = genuine();
    forge(event);
    await expect(run(event)).rejects.toThrow(EventMismatchError);
    expect([...described, ...started]).toEqual([]);
    expect(counted).toEqual(['EventsRefused']);
  });
});
