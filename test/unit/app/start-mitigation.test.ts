import { describe, expect, it } from 'vitest';
import {
  type Counters,
  type MitigationApi,
  StartBlockedError,
  type WorkflowApi,
} from '../../../src/app/ports';
import { createStartMitigation } from '../../../src/app/start-mitigation';
import {
  InvalidEventError,
  parseRemediationConfig,
  type RemediationConfig,
  type WorkflowInput,
} from '../../../src/core';
import { readJson, silentLog } from '../../fixtures';
import { allAuto, emptyDirectory, fakeFindings, recordingEvents } from './fakes';

// Every check auto: these tests pin the start path of tasks started at once (approvals: start-mitigation.policies.test.ts).
const config = allAuto(parseRemediationConfig(readJson('config/remediation.json')));
const scheduled = readJson('events/scheduled-audit-non-compliant.json');
/** DescribeAuditTask's answer for the scheduled audit: what its notification says. */
const describedScheduled = (() => {
  const { detail } = scheduled as {
    detail: { taskStatus: string; auditDetails: Array<{ checkName: string }> };
  };
  return {
    taskStatus: detail.taskStatus,
    auditDetails: Object.fromEntries(detail.auditDetails.map(({ checkName, ...rest }) => [checkName, rest])),
  };
})();

/** Fakes of the ports that record what they were asked. */
function harness(options: { config?: RemediationConfig; startFails?: Error } = {}) {
  const started: string[] = [];
  const executions: Array<{ name: string; input: WorkflowInput }> = [];
  const counted: string[] = [];
  const iot: MitigationApi = {
    async startTask(request) {
      if (options.startFails) throw options.startFails;
      started.push(request.taskId);
      return 'started';
    },
    async describeAudit() {
      return describedScheduled;
    },
  };
  const workflows: WorkflowApi = {
    async startExecution(name, input) {
      executions.push({ name, input });
      return 'started';
    },
    async describeExecution() {
      throw new Error('not used: every start succeeds');
    },
  };
  const counters: Counters = { count: (name) => counted.push(name) };
  const run = createStartMitigation({
    iot,
    workflows,
    findings: fakeFindings(),
    directory: emptyDirectory,
    events: recordingEvents(),
    config: options.config ?? config,
    logger: silentLog,
    counters,
    pollDeadlineSeconds: 600,
    accountId: '123456789012',
  });
  return { run, started, executions, counted };
}

describe('createStartMitigation', () => {
  it('starts the task, then the execution named after it, and counts it', async () => {
    const { run, started, executions, counted } = harness();
    const outcome = await run(scheduled);
    expect(outcome.status).toBe('started');
    expect(executions.map((e) => e.name)).toEqual(started);
    expect(executions[0]?.input).toMatchObject({ deferredStart: false, pollDeadlineSeconds: 600 });
    expect(counted).toEqual(['TasksStarted']);
  });

  it('plans but starts nothing in dry-run mode', async () => {
    const { run, started, executions, counted } = harness({ config: { ...config, mode: 'dry-run' } });
    expect((await run(scheduled)).status).toBe('dry-run');
    expect([...started, ...executions]).toEqual([]);
    expect(counted).toEqual(['DryRuns']);
  });

  it('hands a blocked start to the state machine with the request attached', async () => {
    const { run, executions, counted } = harness({
      startFails: new StartBlockedError('LimitExceededException'),
    });
    expect((await run(scheduled)).status).toBe('deferred');
    expect(executions[0]?.input.deferredStart).toBe(true);
    expect(executions[0]?.input.startRequest.TaskId).toBe(executions[0]?.name);
    expect(counted).toEqual(['TasksDeferred']);
  });

  it('counts a refused event as a plan error and starts nothing', async () => {
    const { run, started, executions, counted } = harness();
    await expect(run({ detail: 'nope', 'detail-type': 'Audit Task Completed', source: 's' })).rejects.toThrow(
      InvalidEventError,
    );
    expect([...started, ...executions]).toEqual([]);
    expect(counted).toEqual(['PlanErrors']);
  });

  it('counts a skipped audit', async () => {
    const { run, counted } = harness();
    expect((await run(readJson('events/audit-all-compliant.json'))).status).toBe('skipped');
    expect(counted).toEqual(['TasksSkipped']);
  });
});
