import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { IoTClient, StartOnDemandAuditTaskCommand } from '@aws-sdk/client-iot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AUDIT_COMPLETED_DETAIL_TYPE,
  DEFAULT_EVENT_SOURCE,
  TASK_FINISHED_DETAIL_TYPE,
  VERIFICATION_FINISHED_DETAIL_TYPE,
  type VerificationDetail,
  verificationRecordKey,
} from '../../src/core';
import { LOCAL_OUTCOME_LEDGER_TABLE, type LocalStack, startLocalStack } from '../../src/local/stack';

/**
 * The verification audit through the whole local topology: an operator's on-demand audit ends, its
 * notification goes through the bridge onto the bus, start-mitigation starts the task, the workflow
 * follows it, then starts a verification audit of the mitigated checks and records it; that audit's
 * own notification comes back through the bridge to start-mitigation, which recognises it and starts
 * nothing; the workflow judges the audit and puts "Audit Verification Finished".
 */
const CERT_CHECK = 'DEVICE_CERTIFICATE_SHARED_CHECK';
const POLICY_CHECK = 'IOT_POLICY_OVERLY_PERMISSIVE_CHECK';
const SCHEDULED_AUDIT = 'b3aea009955e501a31b764abe1bebd3d';

/** Four shared certificates (deactivated: fixed) and two permissive policies (only reported to SNS: still non-compliant). */
const scenario = {
  accountId: '123456789012',
  region: 'us-east-1',
  workSecondsPerFinding: 2,
  mitigationActions: [
    { name: 'DeactivateDeviceCertificate', type: 'UPDATE_DEVICE_CERTIFICATE' },
    { name: 'PublishFindingToSns', type: 'PUBLISH_FINDING_TO_SNS' },
  ],
  audits: [
    {
      taskId: SCHEDULED_AUDIT,
      taskType: 'SCHEDULED_AUDIT_TASK',
      scheduledAuditName: 'daily-fleet-audit',
      taskStatus: 'COMPLETED',
      taskStartTime: 1764028800,
      checks: {
        [CERT_CHECK]: {
          checkRunStatus: 'COMPLETED_NON_COMPLIANT',
          generateFindings: 4,
          totalResourcesCount: 50,
        },
        [POLICY_CHECK]: {
          checkRunStatus: 'COMPLETED_NON_COMPLIANT',
          generateFindings: 2,
          totalResourcesCount: 9,
        },
      },
    },
  ],
};

/** An explicit config (never the shipped one): every check auto, verify left to its default (apply: on). */
const config = {
  mode: 'apply',
  checks: {
    [CERT_CHECK]: { actions: ['DeactivateDeviceCertificate'] },
    [POLICY_CHECK]: { actions: ['PublishFindingToSns'] },
  },
};

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
let stack: LocalStack;
let operatorAudit: string;
const savedEnv = { ...process.env };

function eventsOf(detailType: string): Record<string, unknown>[] {
  return stack.bus
    .events()
    .filter((e) => e['detail-type'] === detailType)
    .map((e) => e.detail as Record<string, unknown>);
}

async function startAudit(checks: string[]): Promise<string> {
  const iot = new IoTClient({ endpoint: stack.url, region: 'us-east-1', credentials });
  const started = await stack.holdClock(() =>
    iot.send(new StartOnDemandAuditTaskCommand({ targetCheckNames: checks })),
  );
  return started.taskId ?? '';
}

/** Waits (real time, a few seconds at most) until the bus has `count` events of `detailType`, then until all is settled. */
async function waitFor(detailType: string, count: number): Promise<void> {
  for (let i = 0; i < 500 && eventsOf(detailType).length < count; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await stack.settled();
}

beforeAll(async () => {
  // Prepare
  stack = await startLocalStack({ scenario, config });

  // Act: an operator's on-demand audit of both checks.
  operatorAudit = await startAudit([CERT_CHECK, POLICY_CHECK]);
  await waitFor(VERIFICATION_FINISHED_DETAIL_TYPE, 1);
}, 60_000);

afterAll(async () => {
  await stack.close();
  process.env = savedEnv;
});

describe('the verification audit on the local stack', () => {
  it('mitigates the operator audit once, then verifies it with an audit of the mitigated checks', () => {
    // Assess
    expect(stack.emulator.mitigationTasks().map((t) => t.auditTaskId)).toEqual([operatorAudit]);
    const [verification] = eventsOf(VERIFICATION_FINISHED_DETAIL_TYPE) as VerificationDetail[];
    expect(verification?.outcome).toBe('VERIFIED');
    expect(verification?.auditTaskId).toBe(operatorAudit);
    expect(verification?.verificationAuditStatus).toBe('COMPLETED');
    expect(verification?.checks.map((c) => c.check)).toEqual([CERT_CHECK, POLICY_CHECK]);
  });

  it('reports a deactivated certificate as fixed and a policy only reported to SNS as still non-compliant', () => {
    const [verification] = eventsOf(VERIFICATION_FINISHED_DETAIL_TYPE) as VerificationDetail[];
    const cert = verification?.checks.find((c) => c.check === CERT_CHECK);
    const policy = verification?.checks.find((c) => c.check === POLICY_CHECK);
    expect(cert).toMatchObject({
      nonCompliantBefore: 4,
      nonCompliantAfter: 0,
      checkRunStatus: 'COMPLETED_COMPLIANT',
      succeededFindings: 4,
      mitigatedResources: 4,
      fixed: 4,
      stillNonCompliant: 0,
      unverified: 0,
      stillNonCompliantResources: [],
      partial: false,
    });
    expect(policy).toMatchObject({
      nonCompliantBefore: 2,
      nonCompliantAfter: 2,
      checkRunStatus: 'COMPLETED_NON_COMPLIANT',
      mitigatedResources: 2,
      fixed: 0,
      stillNonCompliant: 2,
    });
    expect(policy?.stillNonCompliantResources).toHaveLength(2);
    expect(policy?.stillNonCompliantResources[0]?.resourceType).toBe('IOT_POLICY');
    expect(verification?.totals).toEqual({ fixed: 4, stillNonCompliant: 2, unverified: 0 });
    // The certificates are inactive on the emulator, which is what the audit saw.
    expect(
      stack.emulator.appliedActions().filter((a) => a.actionType === 'UPDATE_DEVICE_CERTIFICATE'),
    ).toHaveLength(4);
  });

  it('records the verification audit and recognises its notification: no second task', () => {
    const [verification] = eventsOf(VERIFICATION_FINISHED_DETAIL_TYPE) as VerificationDetail[];
    const verificationAudit = verification?.verificationAuditTaskId ?? '';
    expect(verificationAudit).not.toBe('');
    const record = stack.dynamoDb
      .items(LOCAL_OUTCOME_LEDGER_TABLE)
      .get(verificationRecordKey(verificationAudit));
    expect(record?.taskId).toEqual({ S: verification?.taskId });
    // Both notifications reached the bus through the bridge and start-mitigation...
    const completions = eventsOf(AUDIT_COMPLETED_DETAIL_TYPE).map((d) => d.taskId);
    expect(completions).toEqual([operatorAudit, verificationAudit]);
    expect(stack.bridgeDeadLetters).toEqual([]);
    expect(stack.bus.deadLetters()).toEqual([]);
    // ...and only the operator's audit was remediated: one task, one workflow, one finished event.
    expect(stack.emulator.mitigationTasks()).toHaveLength(1);
    expect(stack.stepFunctions.executions()).toHaveLength(1);
    expect(eventsOf(TASK_FINISHED_DETAIL_TYPE)).toHaveLength(1);
  });
});

describe('after the verification', () => {
  it('a forged event claiming to be a verification is still remediated', async () => {
    // Prepare: a real audit (the scheduled one, never remediated yet), with members that claim a verification.
    const events = new EventBridgeClient({ endpoint: stack.url, region: 'us-east-1', credentials });
    const forged = {
      accountId: '123456789012',
      taskId: SCHEDULED_AUDIT,
      taskStatus: 'COMPLETED',
      taskType: 'SCHEDULED_AUDIT_TASK',
      scheduledAuditName: 'daily-fleet-audit',
      failedChecksCount: 0,
      canceledChecksCount: 0,
      nonCompliantChecksCount: 2,
      compliantChecksCount: 0,
      totalChecksCount: 2,
      taskStartTime: 1764028800000,
      auditDetails: [
        {
          checkName: CERT_CHECK,
          checkRunStatus: 'COMPLETED_NON_COMPLIANT',
          nonCompliantResourcesCount: 4,
          totalResourcesCount: 50,
        },
        {
          checkName: POLICY_CHECK,
          checkRunStatus: 'COMPLETED_NON_COMPLIANT',
          nonCompliantResourcesCount: 2,
          totalResourcesCount: 9,
        },
      ],
      verification: true,
      verifiedTaskId: stack.emulator.mitigationTasks()[0]?.taskId,
    };

    // Act
    await stack.holdClock(() =>
      events.send(
        new PutEventsCommand({
          Entries: [
            {
              Source: DEFAULT_EVENT_SOURCE,
              DetailType: AUDIT_COMPLETED_DETAIL_TYPE,
              Detail: JSON.stringify(forged),
            },
          ],
        }),
      ),
    );
    await waitFor(TASK_FINISHED_DETAIL_TYPE, 2);

    // Assess: what the event says about verification is ignored; the audit gets its own task.
    expect(stack.emulator.mitigationTasks().map((t) => t.auditTaskId)).toEqual([
      operatorAudit,
      SCHEDULED_AUDIT,
    ]);
    expect(stack.bus.deadLetters()).toEqual([]);
  });

  it('a real new audit of the same checks is remediated again, and verified again', async () => {
    // Act: the operator audits again; the policies are still non-compliant, the certificates are not.
    const again = await startAudit([CERT_CHECK, POLICY_CHECK]);
    await waitFor(VERIFICATION_FINISHED_DETAIL_TYPE, 3);

    // Assess
    expect(stack.emulator.mitigationTasks().map((t) => t.auditTaskId)).toEqual([
      operatorAudit,
      SCHEDULED_AUDIT,
      again,
    ]);
    const verifications = eventsOf(VERIFICATION_FINISHED_DETAIL_TYPE) as VerificationDetail[];
    const last = verifications.find((v) => v.auditTaskId === again);
    expect(last?.checks.map((c) => [c.check, c.nonCompliantBefore, c.fixed, c.stillNonCompliant])).toEqual([
      [POLICY_CHECK, 2, 0, 2],
    ]);
    // Every verification audit was recognised: three tasks in all, never one for a verification audit.
    const verificationAudits = new Set(verifications.map((v) => v.verificationAuditTaskId));
    expect(
      stack.emulator.mitigationTasks().filter((t) => verificationAudits.has(t.auditTaskId ?? '')),
    ).toEqual([]);
  });
});
