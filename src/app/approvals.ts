import type { ApprovalDecision, ApprovalGate, ApprovalGateRecord, CallerIdentity } from './ports';
import { ApprovalNotPendingError } from './ports';

/** A decision asked for: approve, or reject (which needs a reason). */
export interface DecisionRequest {
  readonly taskId: string;
  readonly decision: 'approve' | 'reject';
  readonly reason?: string;
}

/** What a decision did: the gate it answered and the decision recorded there. */
export interface DecisionResult {
  readonly gate: ApprovalGateRecord;
  readonly decision: ApprovalDecision;
}

export interface ApprovalsDependencies {
  readonly gate: ApprovalGate;
  readonly identity: CallerIdentity;
  /** Epoch milliseconds: the system clock, or the local stack's virtual one. */
  readonly now: () => number;
  /** Recorded with every decision: `cli`, or `scenario` for the local stack's scripted ones. */
  readonly via: string;
}

/** The longest reason kept with a decision (SendTaskFailure's cause holds 32,768 characters). */
export const MAX_REASON_LENGTH = 1000;

/** No workflow of that task ever waited for approval (unknown task, or one started without a gate). */
export class UnknownApprovalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UnknownApprovalError';
  }
}

/** A decision that cannot be sent as asked (a rejection without a reason, a reason too long). */
export class ApprovalInputError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ApprovalInputError';
  }
}

/** Orders pending approvals oldest request first, then by task id, so that listings are stable. */
function byRequest(a: ApprovalGateRecord, b: ApprovalGateRecord): number {
  return a.requestedAt.localeCompare(b.requestedAt) || a.executionName.localeCompare(b.executionName);
}

/** Why a gate that is not pending cannot take a decision, in the operator's words. */
export function notPendingReason(gate: ApprovalGateRecord): string {
  const { state } = gate;
  switch (state.kind) {
    case 'decided': {
      const verb = state.decision.decision === 'APPROVED' ? 'approved' : 'rejected';
      const reason = state.decision.reason ? `: "${state.decision.reason}"` : '';
      return `already ${verb} by ${state.decision.decidedBy} at ${state.decision.decidedAt} (via ${state.decision.via})${reason}`;
    }
    case 'expired':
      return `its approval expired at ${state.at} (nobody decided within ${gate.timeoutSeconds} s)`;
    case 'answered':
      return `its approval was answered at ${state.at}: ${state.detail}`;
    case 'closed':
      return `its execution ${gate.executionName} ended ${state.executionStatus} before any decision`;
    case 'pending':
      return 'it waits for a decision';
  }
}

/**
 * The approvals use case: lists the workflows that wait for a person, and records a decision on one
 * of them with the caller's identity. A decision is sent only to a gate that waits now; anything else
 * (unknown task, decided, expired) is refused with the reason and changes nothing.
 */
export function createApprovals({ gate, identity, now, via }: ApprovalsDependencies) {
  return {
    /** The pending approvals, oldest request first. */
    async pending(): Promise<ApprovalGateRecord[]> {
      return [...(await gate.pendingApprovals())].sort(byRequest);
    },

    /**
     * Approves or rejects the pending approval of a task. Throws UnknownApprovalError,
     * ApprovalNotPendingError or ApprovalInputError (nothing sent) when it cannot.
     */
    async decide(request: DecisionRequest): Promise<DecisionResult> {
      const reason = request.reason?.trim() ?? '';
      if (request.decision === 'reject' && reason === '')
        throw new ApprovalInputError('a rejection needs a reason (--reason TEXT)');
      if (reason.length > MAX_REASON_LENGTH)
        throw new ApprovalInputError(
          `the reason has ${reason.length} characters; at most ${MAX_REASON_LENGTH} are kept`,
        );
      const { executions, gates } = await gate.gatesOf(request.taskId);
      if (executions === 0)
        throw new UnknownApprovalError(`no workflow of mitigation task ${request.taskId}`);
      const last = gates.at(-1);
      if (last === undefined)
        throw new UnknownApprovalError(
          `mitigation task ${request.taskId} has no approval gate: its workflow started it without approval`,
        );
      const pending = gates.find((g) => g.state.kind === 'pending');
      if (pending === undefined)
        throw new ApprovalNotPendingError(
          `mitigation task ${request.taskId} does not wait for approval: ${notPendingReason(last)}`,
        );
      const at = now();
      if (Date.parse(pending.expiresAt) <= at)
        throw new ApprovalNotPendingError(
          `the approval of mitigation task ${request.taskId} expired at ${pending.expiresAt}: a decision now changes nothing`,
        );
      const decision: ApprovalDecision = {
        decision: request.decision === 'approve' ? 'APPROVED' : 'REJECTED',
        decidedBy: await identity.whoAmI(),
        ...(reason !== '' ? { reason } : {}),
        decidedAt: new Date(at).toISOString(),
        via,
      };
      await gate.answer(pending, decision);
      return { gate: pending, decision };
    },
  };
}

export type Approvals = ReturnType<typeof createApprovals>;
