import { SFNClient } from '@aws-sdk/client-sfn';
import { STSClient } from '@aws-sdk/client-sts';
import * as z from 'zod';
import { createStepFunctionsApprovalGate } from '../adapters/step-functions';
import { createStsCallerIdentity } from '../adapters/sts';
import { createApprovals, UnknownApprovalError } from '../app/approvals';
import { ApprovalNotPendingError } from '../app/ports';
import { APPROVAL_REQUESTED_DETAIL_TYPE, DEFAULT_EVENT_SOURCE } from '../core';
import type { Clock } from './clock';
import type { LocalEventBus } from './event-bus';
import type { ScenarioApproval } from './scenario';

/** What one scripted decision did. */
export interface ScriptedDecisionResult {
  readonly taskId: string;
  readonly decision: 'approve' | 'reject';
  /** The virtual time it was sent at. */
  readonly at: string;
  /**
   * `decided`: the gate took it; `refused`: no gate waited for it (decided, expired, none);
   * `error`: the decision could not be sent (a fault of the stack).
   */
  readonly status: 'decided' | 'refused' | 'error';
  readonly message?: string;
}

export interface ScriptedDecisionsOptions {
  readonly approvals: readonly ScenarioApproval[];
  /** The local stack's endpoint: the decisions go through the real SDK clients, as the CLI's do. */
  readonly url: string;
  readonly region: string;
  readonly stateMachineArn: string;
  readonly clock: Clock;
  /** Runs the decision's API calls as the stack runs its functions' (SDK backoff on its clock). */
  readonly run: <T>(work: () => Promise<T>) => Promise<T>;
}

/** The part of the "Audit Mitigation Approval Requested" detail a scripted decision matches on. */
const RequestedSchema = z.object({
  taskId: z.string(),
  requestedAt: z.string(),
  checks: z.array(z.object({ check: z.string() })),
});

/**
 * The local stack's scripted decisions: a target of the approval-requested events that, for the
 * first scenario entry matching the request, waits until `afterSeconds` after it on the stack's clock
 * and decides through the approvals use case (SendTaskSuccess / SendTaskFailure over HTTP, the caller's
 * identity from the local STS), recording what happened.
 */
export function createScriptedDecisions(options: ScriptedDecisionsOptions) {
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const config = { endpoint: options.url, region: options.region, credentials };
  const approvals = createApprovals({
    gate: createStepFunctionsApprovalGate(new SFNClient(config), options.stateMachineArn),
    identity: createStsCallerIdentity(new STSClient(config)),
    now: () => options.clock.now(),
    via: 'scenario',
  });
  const results: ScriptedDecisionResult[] = [];

  return {
    results: results as readonly ScriptedDecisionResult[],
    /** The bus target: never throws (a refused decision is a result, not a failed delivery to retry). */
    async onApprovalRequested(event: { detail?: unknown }): Promise<void> {
      const requested = RequestedSchema.safeParse(event.detail);
      if (!requested.success) return;
      const { taskId, requestedAt, checks } = requested.data;
      const script = options.approvals.find(
        (a) =>
          (a.taskId === undefined || a.taskId === taskId) &&
          (a.check === undefined || checks.some((c) => c.check === a.check)),
      );
      if (!script) return;
      const at = Date.parse(requestedAt) + script.afterSeconds * 1000;
      await options.clock.sleep(at - options.clock.now());
      const sentAt = new Date(options.clock.now()).toISOString();
      try {
        await options.run(() =>
          approvals.decide({ taskId, decision: script.decision, reason: script.reason }),
        );
        results.push({ taskId, decision: script.decision, at: sentAt, status: 'decided' });
      } catch (error) {
        const refused = error instanceof ApprovalNotPendingError || error instanceof UnknownApprovalError;
        results.push({
          taskId,
          decision: script.decision,
          at: sentAt,
          status: refused ? 'refused' : 'error',
          message: (error as Error).message,
        });
      }
    },
  };
}

/**
 * Wires the scenario's scripted decisions into a stack's bus: a rule on the approval requests whose
 * target decides as `createScriptedDecisions` does. No rule when the scenario scripts nothing.
 */
export function addScriptedDecisions(bus: LocalEventBus, options: ScriptedDecisionsOptions) {
  const scripted = createScriptedDecisions(options);
  if (options.approvals.length > 0)
    bus.addRule({
      name: 'iot-audit-remediation-scripted-decisions',
      busName: 'default',
      pattern: { source: [DEFAULT_EVENT_SOURCE], 'detail-type': [APPROVAL_REQUESTED_DETAIL_TYPE] },
      target: (event) => scripted.onApprovalRequested(event as { detail?: unknown }),
    });
  return scripted;
}
