import { describe, expect, it } from 'vitest';
import type { Counters, Log, MitigationApi, VerificationRecords, WorkflowApi } from '../../../src/app/ports';
import { createStartMitigation } from '../../../src/app/start-mitigation';
import { type DescribedAuditTask, parseRemediationConfig, type WorkflowInput } from '../../../src/core';
import { readJson } from '../../fixtures';
import { allAuto, emptyDirectory, fakeFindings, recordingEvents } from './fakes';

// No remediation loop: a verification audit is recognised by the record the workflow wrote when it
// started it, never by anything the event says.

const ACCOUNT = '123456789012';
const AUDIT = 'a3aea009955e501a31b764abe1bebd3d';
const config = allAuto(parseRemediationConfig(readJson('config/remediation.json')));

type Notification = { detail: Record<string, unknown> & { auditDetails: Array<Record<string, unknown>> } };
const genuine = (): Notification =>
  structuredClone(readJson('events/scheduled-audit-non-compliant.json')) as Notification;

function describedByIot(): DescribedAuditTask {
  const { detail } = genuine();
  return {
    taskStatus: String(detail.taskStatus),
    taskType: 'SCHEDULED_AUDIT_TASK',
    scheduledAuditName: 'daily-fleet-audit',
    auditDetails: Object.fromEntries(
      detail.auditDetails.map(({ checkName, ...rest }) => [String(checkName), rest]),
    ),
  };
}

function harness(options: {
  records?: Record<string, string>;
  verify?: boolean;
  mode?: 'apply' | 'dry-run';
}) {
  const described: string[] = [];
  const started: string[] = [];
  const inputs: WorkflowInput[] = [];
  const counted: string[] = [];
  const lookups: string[] = [];
  const logger: Log = {
    info: () => undefined,
    warn: () => undefined,
    error: () => undefined,
    appendKeys: () => undefined,
  };
  const iot: MitigationApi = {
    async startTask(request) {
      started.push(request.taskId);
      return 'started';
    },
    async describeAudit(auditTaskId) {
      described.push(auditTaskId);
      return describedByIot();
    },
  };
  const workflows: WorkflowApi = {
    async startExecution(_name, input) {
      inputs.push(input);
      return 'started';
    },
    async describeExecution() {
      throw new Error('not used');
    },
  };
  const verifications: VerificationRecords = {
    async verifiedTaskOf(auditTaskId) {
      lookups.push(auditTaskId);
      return options.records?.[auditTaskId];
    },
    async record() {
      throw new Error('start-mitigation never records');
    },
  };
  const counters: Counters = { count: (name) => counted.push(name) };
  const run = createStartMitigation({
    iot,
    workflows,
    findings: fakeFindings(),
    directory: emptyDirectory,
    events: recordingEvents(),
    config: {
      ...config,
      ...(options.verify !== undefined ? { verify: options.verify } : {}),
      ...(options.mode ? { mode: options.mode } : {}),
    },
    logger,
    counters,
    pollDeadlineSeconds: 600,
    accountId: ACCOUNT,
    verifications,
  });
  return { run, described, started, inputs, counted, lookups };
}

describe('start-mitigation and verification audits', () => {
  it('recognises a recorded verification audit: nothing read, planned or started', async () => {
    // Prepare
    const h = harness({ records: { [AUDIT]: 'remediate-earlier-auto' } });

    // Act
    const outcome = await h.run(genuine());

    // Assess
    expect(outcome).toEqual({
      status: 'verification-audit',
      auditTaskId: AUDIT,
      verifiedTaskId: 'remediate-earlier-auto',
    });
    expect(h.lookups).toEqual([AUDIT]);
    expect([...h.described, ...h.started, ...h.inputs]).toEqual([]);
    expect(h.counted).toEqual(['VerificationAuditsRecognised']);
  });

  it.each([
    ['claims to be a verification', { verification: true, verifiedTaskId: 'remediate-x-auto' }],
    ['names a verification-like scheduled audit', { scheduledAuditName: 'verification-of-remediate-x' }],
  ])('remediates an audit with no record whose event %s', async (_name, claims) => {
    // Prepare: whatever the event says, only the record makes a verification audit.
    const h = harness({});
    const forged = genuine();
    Object.assign(forged.detail, claims);

    // Act
    const outcome = await h.run(forged);

    // Assess: handled as any audit, planned from IoT and started.
    expect(outcome).toMatchObject({ status: 'started' });
    expect(h.described).toEqual([AUDIT]);
    expect(h.started).toHaveLength(1);
    expect(h.lookups).toEqual([AUDIT]);
    expect(h.counted).not.toContain('VerificationAuditsRecognised');
  });

  it.each([
    ['apply mode, verify left out', undefined, 'apply', true],
    ['apply mode, verify false', false, 'apply', false],
  ] as const)('hands the workflow verify from the config: %s', async (_name, verify, mode, expected) => {
    // Prepare
    const h = harness({ verify, mode });

    // Act
    await h.run(genuine());

    // Assess
    expect(h.inputs.map((i) => i.verify)).toEqual([expected]);
  });
});
