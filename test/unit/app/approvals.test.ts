import { describe, expect, it } from 'vitest';
import {
  ApprovalInputError,
  createApprovals,
  MAX_REASON_LENGTH,
  notPendingReason,
  UnknownApprovalError,
} from '../../../src/app/approvals';
import {
  type ApprovalDecision,
  type ApprovalGate,
  type ApprovalGateRecord,
  type ApprovalGateState,
  ApprovalNotPendingError,
} from '../../../src/app/ports';

const TASK = 'remediate-a3aea009955e501a31b764abe1bebd3d-approve';
const CALLER = 'arn:aws:sts::123456789012:assumed-role/Operator/alice';
const NOW = Date.parse('2026-01-01T01:00:00.000Z');

function gateRecord(
  state: ApprovalGateState,
  overrides: Partial<ApprovalGateRecord> = {},
): ApprovalGateRecord {
  return {
    executionName: TASK,
    executionStatus: state.kind === 'pending' ? 'RUNNING' : 'SUCCEEDED',
    taskId: TASK,
    auditTaskId: 'a3aea009955e501a31b764abe1bebd3d',
    requestedAt: '2026-01-01T00:00:00.000Z',
    expiresAt: '2026-01-04T00:00:00.000Z',
    timeoutSeconds: 259200,
    checks: [
      {
        check: 'REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK',
        actions: ['DeactivateCACertificate'],
        resourceCount: 1,
        resources: [],
      },
    ],
    protectedCount: 0,
    state,
    ...overrides,
  };
}

/** A gate over fixed records: the chain of each task, the pending list, and the answers it got. */
function fakeGate(chains: Record<string, { executions: number; gates: ApprovalGateRecord[] }>) {
  const answers: Array<{ gate: ApprovalGateRecord; decision: ApprovalDecision }> = [];
  let refuse: Error | undefined;
  const gate: ApprovalGate = {
    async pendingApprovals() {
      return Object.values(chains).flatMap((c) => c.gates.filter((g) => g.state.kind === 'pending'));
    },
    async gatesOf(taskId) {
      return chains[taskId] ?? { executions: 0, gates: [] };
    },
    async answer(record, decision) {
      if (refuse) throw refuse;
      answers.push({ gate: record, decision });
    },
  };
  const refuseWith = (error: Error) => {
    refuse = error;
  };
  return { gate, answers, refuseWith };
}

function approvalsOver(gate: ApprovalGate, whoAmICalls: { n: number } = { n: 0 }) {
  return createApprovals({
    gate,
    identity: {
      async whoAmI() {
        whoAmICalls.n++;
        return CALLER;
      },
    },
    now: () => NOW,
    via: 'cli',
  });
}

describe('approvals use case: decide', () => {
  it('approves the pending gate with the caller from STS, the reason and the time', async () => {
    // Prepare
    const pending = gateRecord({ kind: 'pending' });
    const { gate, answers } = fakeGate({ [TASK]: { executions: 1, gates: [pending] } });
    // Act
    const result = await approvalsOver(gate).decide({ taskId: TASK, decision: 'approve', reason: ' CHG-1 ' });
    // Assess
    const decision = {
      decision: 'APPROVED',
      decidedBy: CALLER,
      reason: 'CHG-1',
      decidedAt: '2026-01-01T01:00:00.000Z',
      via: 'cli',
    };
    expect(answers).toEqual([{ gate: pending, decision }]);
    expect(result).toEqual({ gate: pending, decision });
  });

  it('approves without a reason (none recorded)', async () => {
    const { gate, answers } = fakeGate({
      [TASK]: { executions: 1, gates: [gateRecord({ kind: 'pending' })] },
    });
    await approvalsOver(gate).decide({ taskId: TASK, decision: 'approve' });
    expect(answers[0]?.decision).not.toHaveProperty('reason');
    expect(answers[0]?.decision.decision).toBe('APPROVED');
  });

  it('rejects with the reason', async () => {
    const { gate, answers } = fakeGate({
      [TASK]: { executions: 1, gates: [gateRecord({ kind: 'pending' })] },
    });
    await approvalsOver(gate).decide({ taskId: TASK, decision: 'reject', reason: 'not now' });
    expect(answers.map((a) => [a.decision.decision, a.decision.reason])).toEqual([['REJECTED', 'not now']]);
  });

  it.each([
    ['no reason', undefined],
    ['a blank reason', '   '],
  ])('refuses a rejection with %s, before asking anything', async (_, reason) => {
    const { gate, answers } = fakeGate({
      [TASK]: { executions: 1, gates: [gateRecord({ kind: 'pending' })] },
    });
    const calls = { n: 0 };
    await expect(
      approvalsOver(gate, calls).decide({ taskId: TASK, decision: 'reject', reason }),
    ).rejects.toThrow(ApprovalInputError);
    expect(answers).toEqual([]);
    expect(calls.n).toBe(0);
  });

  it('refuses a reason longer than the limit', async () => {
    const { gate, answers } = fakeGate({
      [TASK]: { executions: 1, gates: [gateRecord({ kind: 'pending' })] },
    });
    const reason = 'x'.repeat(MAX_REASON_LENGTH + 1);
    await expect(approvalsOver(gate).decide({ taskId: TASK, decision: 'approve', reason })).rejects.toThrow(
      /1001 characters; at most 1000/,
    );
    expect(answers).toEqual([]);
  });

  it('refuses an unknown task', async () => {
    const { gate } = fakeGate({});
    await expect(
      approvalsOver(gate).decide({ taskId: 'remediate-x-auto', decision: 'approve' }),
    ).rejects.toThrow(new UnknownApprovalError('no workflow of mitigation task remediate-x-auto'));
  });

  it('refuses a task whose workflow had no gate', async () => {
    const { gate } = fakeGate({ [TASK]: { executions: 1, gates: [] } });
    const error = await approvalsOver(gate)
      .decide({ taskId: TASK, decision: 'approve' })
      .catch((e: Error) => e);
    expect(error).toBeInstanceOf(UnknownApprovalError);
    expect((error as Error).message).toMatch(/has no approval gate/);
  });

  const decided: ApprovalDecision = {
    decision: 'APPROVED',
    decidedBy: 'arn:aws:iam::123456789012:user/bob',
    reason: 'CHG-7',
    decidedAt: '2026-01-01T00:30:00.000Z',
    via: 'cli',
  };
  it.each<[string, ApprovalGateState, RegExp]>([
    [
      'already approved',
      { kind: 'decided', decision: decided },
      /already approved by arn:aws:iam::123456789012:user\/bob at 2026-01-01T00:30:00.000Z \(via cli\): "CHG-7"/,
    ],
    [
      'already rejected',
      { kind: 'decided', decision: { ...decided, decision: 'REJECTED' } },
      /already rejected by arn:aws:iam::123456789012:user\/bob/,
    ],
    ['expired', { kind: 'expired', at: '2026-01-04T00:00:00.000Z' }, /expired at 2026-01-04T00:00:00.000Z/],
    [
      'answered otherwise',
      { kind: 'answered', at: 't', detail: 'Lambda.Unknown' },
      /answered at t: Lambda.Unknown/,
    ],
    ['closed', { kind: 'closed', executionStatus: 'ABORTED' }, /ended ABORTED before any decision/],
  ])('refuses a gate %s, saying so, and sends nothing', async (_, state, message) => {
    const { gate, answers } = fakeGate({ [TASK]: { executions: 1, gates: [gateRecord(state)] } });
    const error = await approvalsOver(gate)
      .decide({ taskId: TASK, decision: 'approve' })
      .catch((e: Error) => e);
    expect(error).toBeInstanceOf(ApprovalNotPendingError);
    expect((error as Error).message).toMatch(message);
    expect(answers).toEqual([]);
  });

  it('answers the pending gate of a later execution of the chain', async () => {
    const first = gateRecord({ kind: 'closed', executionStatus: 'ABORTED' });
    const second = gateRecord({ kind: 'pending' }, { executionName: `${TASK}__2` });
    const { gate, answers } = fakeGate({ [TASK]: { executions: 2, gates: [first, second] } });
    await approvalsOver(gate).decide({ taskId: TASK, decision: 'approve' });
    expect(answers.map((a) => a.gate.executionName)).toEqual([`${TASK}__2`]);
  });

  it('refuses a pending gate whose expiry has passed: a late decision changes nothing', async () => {
    const late = gateRecord({ kind: 'pending' }, { expiresAt: '2026-01-01T00:59:59.000Z' });
    const { gate, answers } = fakeGate({ [TASK]: { executions: 1, gates: [late] } });
    await expect(approvalsOver(gate).decide({ taskId: TASK, decision: 'approve' })).rejects.toThrow(
      /expired at 2026-01-01T00:59:59.000Z: a decision now changes nothing/,
    );
    expect(answers).toEqual([]);
  });

  it("passes the gate's refusal on (Step Functions no longer waits)", async () => {
    const { gate, refuseWith } = fakeGate({
      [TASK]: { executions: 1, gates: [gateRecord({ kind: 'pending' })] },
    });
    refuseWith(new ApprovalNotPendingError('timed out'));
    await expect(approvalsOver(gate).decide({ taskId: TASK, decision: 'approve' })).rejects.toThrow(
      ApprovalNotPendingError,
    );
  });
});

describe('approvals use case: pending', () => {
  it('lists the pending gates oldest request first, then by execution name', async () => {
    const a = gateRecord(
      { kind: 'pending' },
      { executionName: 'b', requestedAt: '2026-01-01T00:00:02.000Z' },
    );
    const b = gateRecord(
      { kind: 'pending' },
      { executionName: 'c', requestedAt: '2026-01-01T00:00:01.000Z' },
    );
    const c = gateRecord(
      { kind: 'pending' },
      { executionName: 'a', requestedAt: '2026-01-01T00:00:02.000Z' },
    );
    const { gate } = fakeGate({ x: { executions: 3, gates: [a, b, c] } });
    expect((await approvalsOver(gate).pending()).map((g) => g.executionName)).toEqual(['c', 'a', 'b']);
  });
});

describe('notPendingReason', () => {
  it('leaves the reason out of a decision that had none', () => {
    const record = gateRecord({
      kind: 'decided',
      decision: { decision: 'APPROVED', decidedBy: 'me', decidedAt: 't', via: 'scenario' },
    });
    expect(notPendingReason(record)).toBe('already approved by me at t (via scenario)');
  });
});
