import { describe, expect, it } from 'vitest';
import type { Counters, MitigationApi, WorkflowApi } from '../../../src/app/ports';
import { createStartMitigation } from '../../../src/app/start-mitigation';
import { type DescribedAuditTask, parseRemediationConfig, type WorkflowInput } from '../../../src/core';
import { readJson, silentLog } from '../../fixtures';
import { allAuto, emptyDirectory, fakeFindings, recordingEvents } from './fakes';

// Every check auto: these tests pin the start path of tasks started at once (approvals: start-mitigation.policies.test.ts).
const config = allAuto(parseRemediationConfig(readJson('config/remediation.json')));
const NEW_CHECK = 'SOME_CHECK_AWS_ADDED_LATER_CHECK';

/** The sample scheduled audit with extra checks appended to its auditDetails. */
function scheduledWith(...extra: Record<string, unknown>[]) {
  const event = readJson('events/scheduled-audit-non-compliant.json') as {
    detail: { auditDetails: Record<string, unknown>[] };
  };
  event.detail.auditDetails.push(...extra);
  return event;
}

function onlyUnknown() {
  const event = scheduledWith();
  event.detail.auditDetails = [
    {
      checkName: NEW_CHECK,
      checkRunStatus: 'COMPLETED_NON_COMPLIANT',
      nonCompliantResourcesCount: 3,
      totalResourcesCount: 9,
    },
  ];
  return event;
}

/** What DescribeAuditTask answers for the audit of `event`: the same checks and counts (a genuine event). */
function describedByIot(event: ReturnType<typeof scheduledWith>): DescribedAuditTask {
  const detail = event.detail as unknown as {
    taskStatus: string;
    auditDetails: Array<{ checkName: string } & Record<string, unknown>>;
  };
  return {
    taskStatus: detail.taskStatus,
    taskType: 'SCHEDULED_AUDIT_TASK',
    scheduledAuditName: 'daily-fleet-audit',
    auditDetails: Object.fromEntries(detail.auditDetails.map(({ checkName, ...rest }) => [checkName, rest])),
  } as DescribedAuditTask;
}

function harness(event: ReturnType<typeof scheduledWith>) {
  const started: string[] = [];
  const executions: Array<{ name: string; input: WorkflowInput }> = [];
  const counted: string[] = [];
  const iot: MitigationApi = {
    async startTask(request) {
      started.push(request.taskId);
      return 'started';
    },
    async describeAudit() {
      return describedByIot(event);
    },
  };
  const workflows: WorkflowApi = {
    async startExecution(name, input) {
      executions.push({ name, input });
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
    logger: silentLog,
    counters,
    pollDeadlineSeconds: 600,
    accountId: '123456789012',
  });
  return { run, started, executions, counted };
}

describe('start-mitigation with a check the catalog does not know', () => {
  it('starts the known checks, counts the unknown one and carries it in the workflow input', async () => {
    // Prepare
    const event = scheduledWith({
      checkName: NEW_CHECK,
      checkRunStatus: 'COMPLETED_NON_COMPLIANT',
      nonCompliantResourcesCount: 3,
      totalResourcesCount: 9,
    });
    const { run, started, executions, counted } = harness(event);

    // Act
    const outcome = await run(event);

    // Assess
    expect(outcome.status).toBe('started');
    expect(started).toHaveLength(1);
    expect(counted.sort()).toEqual(['TasksStarted', 'UnknownChecks']);
    expect(executions[0]?.input.skipped).toContainEqual({ check: NEW_CHECK, reason: 'unknown check' });
  });

  it('an audit whose only non-compliant check is unknown: skipped, nothing started, counted', async () => {
    // Prepare
    const event = onlyUnknown();
    const { run, started, executions, counted } = harness(event);

    // Act
    const outcome = await run(event);

    // Assess
    expect(outcome.status).toBe('skipped');
    if (!('plan' in outcome)) throw new Error('a skip has a plan');
    expect(outcome.plan.skipped).toEqual([{ check: NEW_CHECK, reason: 'unknown check' }]);
    expect([...started, ...executions]).toEqual([]);
    expect(counted.sort()).toEqual(['TasksSkipped', 'UnknownChecks']);
  });

  it('the workflow input always has skipped, empty when the plan left nothing out', async () => {
    // Prepare
    const event = scheduledWith();
    event.detail.auditDetails = event.detail.auditDetails.filter(
      (d) => d.checkName === 'DEVICE_CERTIFICATE_SHARED_CHECK',
    );
    const { run, executions } = harness(event);

    // Act
    await run(event);

    // Assess
    expect(executions[0]?.input.skipped).toEqual([]);
  });
});
