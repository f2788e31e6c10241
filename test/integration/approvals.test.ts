import { DescribeAuditMitigationActionsTaskCommand, IoTClient } from '@aws-sdk/client-iot';
import { SFNClient } from '@aws-sdk/client-sfn';
import { STSClient } from '@aws-sdk/client-sts';
import { afterEach, describe, expect, it } from 'vitest';
import { createStepFunctionsApprovalGate } from '../../src/adapters/step-functions';
import { createStsCallerIdentity } from '../../src/adapters/sts';
import { type Approvals, createApprovals, UnknownApprovalError } from '../../src/app/approvals';
import { type ApprovalGateRecord, ApprovalNotPendingError } from '../../src/app/ports';
import {
  completionEvents,
  LOCAL_STATE_MACHINE_ARN,
  type LocalStack,
  startLocalStack,
} from '../../src/local/stack';
import { APPROVAL_ACCOUNT, APPROVAL_REGION, approvalAudit, SHARED } from '../approval-fixture';

/**
 * The approvals use case (what `iot-remediate approvals | approve | reject` run) through the real SFN
 * and STS clients against the local stack: the real ASL's gate, the bundled request-approval function,
 * the local STS identity.
 */

/** detail-type of the request-approval function's event. */
const APPROVAL_REQUESTED_DETAIL_TYPE = 'Audit Mitigation Approval Requested';

const ACCOUNT = APPROVAL_ACCOUNT;
const REGION = APPROVAL_REGION;
const AUDIT = 'approvalsclitest01';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const LOCAL_USER = `arn:aws:iam::${ACCOUNT}:user/local`;

const { scenario, config, auditEvent } = approvalAudit(AUDIT, 'e-approvals-cli-1');
const APPROVE_TASK = `remediate-${AUDIT}-approve`;
const AUTO_TASK = `remediate-${AUDIT}-auto`;

let stack: LocalStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

interface Opened {
  readonly local: LocalStack;
  readonly approvals: Approvals;
  /** The pending approvals as listed the instant the request was made (the clock held meanwhile). */
  readonly requested: Promise<ApprovalGateRecord[]>;
}

/**
 * A local stack that has handled the audit event. The pending approvals are listed by a rule on the
 * approval-requested event, with the clock held, so that the gate is seen waiting whatever the
 * virtual clock does next (without holdPendingCallbacks it jumps to the approval's timeout).
 */
async function open(options: { holdPendingCallbacks: boolean; scenario?: object }): Promise<Opened> {
  const local = await startLocalStack({
    scenario: options.scenario ?? scenario,
    config,
    holdPendingCallbacks: options.holdPendingCallbacks,
  });
  stack = local;
  const clientConfig = { endpoint: local.url, region: REGION, credentials };
  const approvals = createApprovals({
    gate: createStepFunctionsApprovalGate(new SFNClient(clientConfig), LOCAL_STATE_MACHINE_ARN),
    identity: createStsCallerIdentity(new STSClient(clientConfig)),
    now: () => local.clock.now(),
    via: 'cli',
  });
  const requested = new Promise<ApprovalGateRecord[]>((resolve, reject) => {
    local.bus.addRule({
      name: 'test-list-on-request',
      busName: 'default',
      pattern: { 'detail-type': [APPROVAL_REQUESTED_DETAIL_TYPE] },
      target: () => local.holdClock(() => approvals.pending()).then(resolve, reject),
    });
  });
  await local.invokeStartMitigation(auditEvent);
  return { local, approvals, requested };
}

describe('approvals through the local stack', () => {
  it('lists the pending approval: task, audit, checks with resources, requested and expiry times', async () => {
    const { local, requested } = await open({ holdPendingCallbacks: true });
    const pending = await requested;
    expect(pending).toHaveLength(1);
    const [gate] = pending;
    expect(gate).toMatchObject({
      executionName: APPROVE_TASK,
      executionStatus: 'RUNNING',
      taskId: APPROVE_TASK,
      auditTaskId: AUDIT,
      timeoutSeconds: 3600,
      protectedCount: 0,
      state: { kind: 'pending' },
      checks: [{ check: SHARED, actions: ['DeactivateDeviceCertificate'], resourceCount: 3 }],
    });
    expect(gate?.checks[0]?.resources.map((r) => r.findingId)).toEqual(['shared-1', 'shared-2', 'shared-3']);
    expect(Date.parse(gate?.expiresAt ?? '') - Date.parse(gate?.requestedAt ?? '')).toBe(3600_000);
    // The auto task starts through the dispatcher, a moment after its workflow asked for a slot.
    for (let i = 0; i < 500 && local.emulator.mitigationTasks().length === 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(local.emulator.mitigationTasks().map((t) => t.taskId)).toEqual([AUTO_TASK]);
  });

  it('approve: the decision with the local STS identity starts the task; deciding again is refused, saying by whom', async () => {
    const { local, approvals, requested } = await open({ holdPendingCallbacks: true });
    await requested;
    const result = await local.holdClock(() =>
      approvals.decide({ taskId: APPROVE_TASK, decision: 'approve', reason: 'CHG-42' }),
    );
    expect(result.decision).toMatchObject({
      decision: 'APPROVED',
      decidedBy: LOCAL_USER,
      reason: 'CHG-42',
      via: 'cli',
    });
    await local.settled();
    expect(completionEvents(local.bus).get(APPROVE_TASK)).toMatchObject({
      outcome: 'COMPLETED',
      decision: result.decision,
    });
    const again = await local
      .runAsClient(() => approvals.decide({ taskId: APPROVE_TASK, decision: 'reject', reason: 'too late' }))
      .catch((e: Error) => e);
    expect(again).toBeInstanceOf(ApprovalNotPendingError);
    expect((again as Error).message).toContain(`already approved by ${LOCAL_USER}`);
    expect(await local.runAsClient(() => approvals.pending())).toEqual([]);
  });

  it('reject: REJECTED with who and why, the task never started; approving afterwards is refused', async () => {
    const { local, approvals, requested } = await open({ holdPendingCallbacks: true });
    await requested;
    await local.holdClock(() =>
      approvals.decide({ taskId: APPROVE_TASK, decision: 'reject', reason: 'not during the sale' }),
    );
    await local.settled();
    expect(completionEvents(local.bus).get(APPROVE_TASK)).toMatchObject({
      outcome: 'REJECTED',
      decision: { decision: 'REJECTED', decidedBy: LOCAL_USER, reason: 'not during the sale' },
    });
    expect(local.emulator.mitigationTasks().map((t) => t.taskId)).toEqual([AUTO_TASK]);
    const again = await local
      .runAsClient(() => approvals.decide({ taskId: APPROVE_TASK, decision: 'approve' }))
      .catch((e: Error) => e);
    expect((again as Error).message).toMatch(/already rejected by .*: "not during the sale"/);
  });

  it('expired: nobody decided within the timeout; a decision then is refused and changes nothing', async () => {
    const { local, approvals, requested } = await open({ holdPendingCallbacks: false });
    const [gate] = await requested;
    await local.settled();
    expect(completionEvents(local.bus).get(APPROVE_TASK)).toMatchObject({ outcome: 'APPROVAL_EXPIRED' });
    // Through the use case: the history says it expired.
    const refused = await local
      .runAsClient(() => approvals.decide({ taskId: APPROVE_TASK, decision: 'approve' }))
      .catch((e: Error) => e);
    expect(refused).toBeInstanceOf(ApprovalNotPendingError);
    expect((refused as Error).message).toMatch(
      /its approval expired at \S+ \(nobody decided within 3600 s\)/,
    );
    // With the token read while it waited: Step Functions answers TaskTimedOut, nothing changes.
    if (!gate) throw new Error('no pending approval was listed');
    const gateApi = createStepFunctionsApprovalGate(
      new SFNClient({ endpoint: local.url, region: REGION, credentials }),
      LOCAL_STATE_MACHINE_ARN,
    );
    const late = await local
      .runAsClient(() =>
        gateApi.answer(gate, {
          decision: 'APPROVED',
          decidedBy: LOCAL_USER,
          decidedAt: new Date(local.clock.now()).toISOString(),
          via: 'cli',
        }),
      )
      .catch((e: Error) => e);
    expect(late).toBeInstanceOf(ApprovalNotPendingError);
    await local.settled();
    expect(completionEvents(local.bus).get(APPROVE_TASK)).toMatchObject({ outcome: 'APPROVAL_EXPIRED' });
    const iot = new IoTClient({ endpoint: local.url, region: REGION, credentials });
    await expect(
      local.runAsClient(() =>
        iot.send(new DescribeAuditMitigationActionsTaskCommand({ taskId: APPROVE_TASK })),
      ),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('unknown task and a task without approval: refused, nothing sent', async () => {
    const { local, approvals, requested } = await open({ holdPendingCallbacks: true });
    await requested;
    await expect(
      local.holdClock(() =>
        approvals.decide({ taskId: 'remediate-nosuchaudit-approve', decision: 'approve' }),
      ),
    ).rejects.toThrow(UnknownApprovalError);
    await expect(
      local.holdClock(() => approvals.decide({ taskId: AUTO_TASK, decision: 'approve' })),
    ).rejects.toThrow(/has no approval gate/);
    expect((await local.holdClock(() => approvals.pending())).map((g) => g.taskId)).toEqual([APPROVE_TASK]);
  });
});
