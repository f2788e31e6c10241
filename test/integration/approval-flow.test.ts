import { DescribeAuditMitigationActionsTaskCommand, IoTClient } from '@aws-sdk/client-iot';
import {
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import {
  APPROVAL_REQUESTED_DETAIL_TYPE,
  type ApprovalDecision,
  FINDINGS_NOTIFIED_DETAIL_TYPE,
} from '../../src/core';
import {
  completionEvents,
  LOCAL_STATE_MACHINE_ARN,
  type LocalStack,
  startLocalStack,
} from '../../src/local/stack';
import { auditCompletedEvent, sharedCertificateFindings } from '../fixtures';

/**
 * The approval workflow through the whole local path: the audit event, start-mitigation (auto task
 * started, approve task handed to its workflow, notify check on the bus, a protected certificate
 * left alone), the real ASL's approval gate invoking the bundled request-approval function, and the
 * decision sent with the real SFN client (SendTaskSuccess / SendTaskFailure) after finding the token
 * through GetExecutionHistory, as an approver's CLI does.
 */

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const AUDIT = 'approvalflowaudit01';
const SHARED = 'DEVICE_CERTIFICATE_SHARED_CHECK';
const LOGGING = 'LOGGING_DISABLED_CHECK';
const EXPIRING = 'DEVICE_CERTIFICATE_EXPIRING_CHECK';
const PROTECTED_CERT = 'a'.repeat(64);
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

const scenario = {
  accountId: ACCOUNT,
  region: REGION,
  mitigationActions: [
    { name: 'DeactivateDeviceCertificate', type: 'UPDATE_DEVICE_CERTIFICATE' },
    { name: 'EnableIoTLogging', type: 'ENABLE_IOT_LOGGING' },
    { name: 'PublishFindingToSns', type: 'PUBLISH_FINDING_TO_SNS' },
  ],
  thingGroups: [{ name: 'critical-gateways' }],
  things: [{ name: 'gateway-1', thingGroups: ['critical-gateways'], certificateIds: [PROTECTED_CERT] }],
  audits: [
    {
      taskId: AUDIT,
      taskType: 'ON_DEMAND_AUDIT_TASK',
      taskStatus: 'COMPLETED',
      taskStartTime: 1764028800,
      checks: {
        [SHARED]: {
          checkRunStatus: 'COMPLETED_NON_COMPLIANT',
          totalResourcesCount: 100,
          findings: sharedCertificateFindings('shared'),
        },
        [LOGGING]: { checkRunStatus: 'COMPLETED_NON_COMPLIANT', totalResourcesCount: 1, generateFindings: 1 },
        [EXPIRING]: {
          checkRunStatus: 'COMPLETED_NON_COMPLIANT',
          totalResourcesCount: 10,
          findings: [
            {
              findingId: 'expiring-1',
              reasonCode: 'CERTIFICATE_PAST_EXPIRATION',
              resourceType: 'DEVICE_CERTIFICATE',
              resourceIdentifier: { deviceCertificateId: 'd'.repeat(64) },
            },
          ],
        },
      },
    },
  ],
};

const config = {
  mode: 'apply',
  acceptAuditStatuses: ['COMPLETED'],
  approvalTimeout: 'PT1H',
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
  protect: { thingGroups: ['critical-gateways'] },
};

const auditEvent = auditCompletedEvent('e-approval-1', { taskId: AUDIT, accountId: ACCOUNT });
const APPROVE_TASK = `remediate-${AUDIT}-approve-1`;
const AUTO_TASK = `remediate-${AUDIT}-auto`;

const decision = (kind: 'APPROVED' | 'REJECTED'): ApprovalDecision => ({
  decision: kind,
  decidedBy: `arn:aws:iam::${ACCOUNT}:user/local`,
  reason: kind === 'APPROVED' ? 'change 42' : 'not during the sale',
  decidedAt: '2026-01-01T00:30:00.000Z',
  via: 'cli',
});

let stack: LocalStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function open(holdPendingCallbacks: boolean): Promise<{ stack: LocalStack; sfn: SFNClient }> {
  stack = await startLocalStack({ scenario, config, holdPendingCallbacks });
  return { stack, sfn: new SFNClient({ endpoint: stack.url, region: REGION, credentials }) };
}

/** Resolves once `condition` holds (the stack runs on its own; time here is real, not asserted). */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(condition()).toBe(true);
}

const ScheduledParametersSchema = z.object({ Payload: z.object({ taskToken: z.string() }) });

/** The pending approval's token, found as an approver finds it: ListExecutions -> GetExecutionHistory. */
async function pendingToken(local: LocalStack, sfn: SFNClient, executionName: string): Promise<string> {
  return local.runAsClient(async () => {
    const running = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: LOCAL_STATE_MACHINE_ARN, statusFilter: 'RUNNING' }),
    );
    const execution = running.executions?.find((e) => e.name === executionName);
    expect(execution).toBeDefined();
    const history = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn: execution?.executionArn, reverseOrder: true }),
    );
    const events = history.events ?? [];
    const scheduled = events.find(
      (e) =>
        e.type === 'TaskScheduled' && e.taskScheduledEventDetails?.resource === 'invoke.waitForTaskToken',
    );
    // Nothing answered it yet: no TaskSucceeded/Failed/TimedOut after it (the history is newest first).
    const later = scheduled ? events.slice(0, events.indexOf(scheduled)) : [];
    expect(later.map((e) => e.type)).not.toContain('TaskSucceeded');
    const parameters = ScheduledParametersSchema.parse(
      JSON.parse(scheduled?.taskScheduledEventDetails?.parameters ?? '{}'),
    );
    return parameters.Payload.taskToken;
  });
}

function approvalRequested(local: LocalStack) {
  return local.bus.events().filter((e) => e['detail-type'] === APPROVAL_REQUESTED_DETAIL_TYPE);
}

describe('the approval workflow on the local stack', () => {
  it('approve: the auto task runs at once, the approve task only after the decision, the protected certificate never', async () => {
    // Prepare
    const { stack: local, sfn } = await open(true);
    await local.invokeStartMitigation(auditEvent);
    await until(() => approvalRequested(local).length === 1);
    // The auto task starts through the dispatcher, a moment after its workflow asked for a slot.
    await until(() => local.emulator.mitigationTasks().length === 1);
    const token = await pendingToken(local, sfn, APPROVE_TASK);
    // While the approval waits: no approve task in IoT, and a duplicate delivery changes nothing.
    expect(local.emulator.mitigationTasks().map((t) => t.taskId)).toEqual([AUTO_TASK]);
    await local.invokeStartMitigation(auditEvent);
    expect(
      local.stepFunctions
        .executions()
        .map((e) => e.name)
        .sort(),
    ).toEqual([APPROVE_TASK, AUTO_TASK]);
    expect(local.emulator.mitigationTasks().map((t) => t.taskId)).toEqual([AUTO_TASK]);

    // Act
    await local.runAsClient(() =>
      sfn.send(
        new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(decision('APPROVED')) }),
      ),
    );
    await local.settled();

    // Assess
    const ends = completionEvents(local.bus);
    expect(ends.get(AUTO_TASK)).toMatchObject({ outcome: 'COMPLETED', policy: 'auto', decision: null });
    expect(ends.get(APPROVE_TASK)).toMatchObject({
      outcome: 'COMPLETED',
      policy: 'approve',
      protectedCount: 1,
      decision: decision('APPROVED'),
    });
    const iot = new IoTClient({ endpoint: local.url, region: REGION, credentials });
    const approved = await local.runAsClient(() =>
      iot.send(new DescribeAuditMitigationActionsTaskCommand({ taskId: APPROVE_TASK })),
    );
    // The protected certificate's finding (shared-1) is not targeted.
    expect(approved.target?.findingIds).toEqual(['shared-2', 'shared-3']);
    const [requested] = approvalRequested(local);
    expect(requested?.detail).toMatchObject({
      executionName: APPROVE_TASK,
      taskId: APPROVE_TASK,
      auditTaskId: AUDIT,
      protectedCount: 1,
      checks: [{ check: SHARED, resourceCount: 2, actions: ['DeactivateDeviceCertificate'] }],
    });
    const notified = local.bus.events().filter((e) => e['detail-type'] === FINDINGS_NOTIFIED_DETAIL_TYPE);
    // One per delivery (the event was delivered twice), each with the same eventId to count it once.
    expect(notified.map((e) => e.detail)).toEqual([
      expect.objectContaining({
        eventId: `notify-${AUDIT}`,
        checks: [expect.objectContaining({ check: EXPIRING })],
      }),
      notified[0]?.detail,
    ]);
    // The token is in no event and no execution record but the history.
    expect(JSON.stringify(local.bus.events())).not.toContain(token);
    const approveExecution = local.stepFunctions.executions().find((e) => e.name === APPROVE_TASK);
    expect(JSON.stringify({ ...approveExecution, historyEvents: undefined })).not.toContain(token);
    console.log(
      `approval round trip: ${approveExecution?.transitions} transitions, ${approveExecution?.polls} polls, ${approveExecution?.historyEvents} history events`,
    );
  });

  it('reject: REJECTED with who and why, and the approve task is never started', async () => {
    // Prepare
    const { stack: local, sfn } = await open(true);
    await local.invokeStartMitigation(auditEvent);
    await until(() => approvalRequested(local).length === 1);
    const token = await pendingToken(local, sfn, APPROVE_TASK);

    // Act
    await local.runAsClient(() =>
      sfn.send(
        new SendTaskFailureCommand({
          taskToken: token,
          error: 'ApprovalRejected',
          cause: JSON.stringify(decision('REJECTED')),
        }),
      ),
    );
    await local.settled();

    // Assess
    expect(completionEvents(local.bus).get(APPROVE_TASK)).toMatchObject({
      outcome: 'REJECTED',
      decision: decision('REJECTED'),
    });
    expect(local.emulator.mitigationTasks().map((t) => t.taskId)).toEqual([AUTO_TASK]);
    const execution = local.stepFunctions.executions().find((e) => e.name === APPROVE_TASK);
    expect(execution).toMatchObject({ status: 'FAILED', error: 'ApprovalRejected' });

    // A replayed event afterwards reopens nothing: the rejection is final.
    await local.invokeStartMitigation(auditEvent);
    await local.settled();
    expect(local.stepFunctions.executions().filter((e) => e.name.startsWith(APPROVE_TASK))).toHaveLength(1);
  });

  it('no decision: APPROVAL_EXPIRED after the timeout on the virtual clock; a late decision changes nothing', async () => {
    // Prepare
    const { stack: local, sfn } = await open(false);
    const started = local.clock.now();
    await local.invokeStartMitigation(auditEvent);
    await until(() => approvalRequested(local).length === 1);
    const token = await pendingToken(local, sfn, APPROVE_TASK);

    // Act
    await local.settled();
    const late = await local
      .runAsClient(() =>
        sfn.send(
          new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(decision('APPROVED')) }),
        ),
      )
      .catch((error: Error) => error);

    // Assess
    expect(completionEvents(local.bus).get(APPROVE_TASK)).toMatchObject({ outcome: 'APPROVAL_EXPIRED' });
    expect(local.clock.now() - started).toBeGreaterThanOrEqual(3600 * 1000);
    expect(late).toMatchObject({ name: expect.stringMatching(/^(TaskTimedOut|TaskDoesNotExist)$/) });
    expect(local.emulator.mitigationTasks().map((t) => t.taskId)).toEqual([AUTO_TASK]);
  });
});
