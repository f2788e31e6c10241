import {
  type AuditSummary,
  accountDisagreements,
  EventMismatchError,
  InvalidInputError,
  type MitigationPlan,
  parseAuditCompletionInput,
  planMitigation,
  type RemediationConfig,
  summariseNotification,
  toStepFunctionsStartRequest,
  unknownNonCompliantChecks,
  type WorkflowInput,
} from '../core';
import { followTask } from './follow-task';
import { type Counters, type Log, type MitigationApi, StartBlockedError, type WorkflowApi } from './ports';
import { readAudit } from './read-audit';

/** What one audit-completion event led to. */
export type StartMitigationOutcome =
  | { readonly status: 'skipped' | 'dry-run'; readonly plan: MitigationPlan }
  | {
      readonly status: 'started' | 'deferred';
      readonly plan: MitigationPlan;
      /** The mitigation task id, which is also the name of its first execution. */
      readonly taskId: string;
      /** True when IoT already had the task (a duplicate delivery, a retry or a re-follow). */
      readonly taskAlreadyStarted: boolean;
      /** True when no execution was started: one follows the task already, or its outcome was reported. */
      readonly executionAlreadyExisted: boolean;
      /** The execution that follows the task (`<taskId>` or `<taskId>__<n>`, src/core/follow.ts). */
      readonly executionName: string;
      /** Set when an earlier execution reported the task's outcome: nothing is followed again. */
      readonly reportedOutcome?: string;
    };

export interface StartMitigationDependencies {
  readonly iot: MitigationApi;
  readonly workflows: WorkflowApi;
  readonly config: RemediationConfig;
  readonly logger: Log;
  readonly counters?: Counters;
  /** The poll loop's deadline, in seconds of waiting. */
  readonly pollDeadlineSeconds: number;
  /** The account the function runs in: events naming another account are refused. */
  readonly accountId: string;
}

const noCounters: Counters = { count: () => undefined };

/**
 * The start-mitigation use case: event -> DescribeAuditTask -> plan -> StartAuditMitigationActionsTask
 * -> StartExecution. The plan is made from IoT's record of the audit, never from the event's counts:
 * an event that disagrees with IoT, or names another account, is refused (EventMismatchError).
 * Exactly once: every id comes from the plan, so a repeated event finds the task and the execution
 * already there. When IoT refuses the start for now (throttled, quota full), the execution is
 * started with `deferredStart` and the state machine retries the start durably.
 */
export function createStartMitigation(deps: StartMitigationDependencies) {
  const { iot, workflows, config, logger } = deps;
  const counters = deps.counters ?? noCounters;

  function describeAudit(auditTaskId: string) {
    logger.info('Reading the audit from IoT', { auditTaskId });
    return iot.describeAudit(auditTaskId);
  }

  /** A check newer than the catalog is skipped, not a rejection: counted so that it is noticed. */
  function countUnknownChecks(audit: AuditSummary): void {
    const unknown = unknownNonCompliantChecks(audit);
    for (const _ of unknown) counters.count('UnknownChecks');
    if (unknown.length > 0) logger.warn('Checks the catalog does not know were skipped', { checks: unknown });
  }

  function skipped(plan: MitigationPlan): StartMitigationOutcome {
    counters.count('TasksSkipped');
    logger.info('Nothing to mitigate', {
      reason: plan.action === 'skip' ? plan.reason : undefined,
      skipped: plan.skipped,
    });
    return { status: 'skipped', plan };
  }

  async function startTask(plan: Extract<MitigationPlan, { action: 'start' }>) {
    try {
      return { deferred: false, alreadyStarted: (await iot.startTask(plan.request)) === 'already-started' };
    } catch (error) {
      if (!(error instanceof StartBlockedError)) throw error;
      logger.warn('Start refused for now: deferring it to the state machine', { reason: error.message });
      return { deferred: true, alreadyStarted: false };
    }
  }

  return async function startMitigation(event: unknown): Promise<StartMitigationOutcome> {
    let audit: AuditSummary;
    let plan: MitigationPlan;
    try {
      const completion = parseAuditCompletionInput(event);
      const foreign = accountDisagreements(completion, deps.accountId);
      if (foreign.length > 0) throw new EventMismatchError(foreign);
      if (completion.kind === 'notification') {
        // The event's own counts may only skip work early: an event that leaves nothing to mitigate
        // can only suppress an action, never cause one (the genuine notification still arrives and
        // is planned from IoT), so it is skipped without a DescribeAuditTask call.
        const claimedAudit = summariseNotification(completion.notification);
        const claimed = planMitigation(claimedAudit, config);
        if (claimed.action === 'skip') {
          logger.appendKeys({ auditTaskId: claimed.auditTaskId });
          countUnknownChecks(claimedAudit);
          return skipped(claimed);
        }
      }
      audit = await readAudit(completion, describeAudit);
      plan = planMitigation(audit, config);
    } catch (error) {
      if (error instanceof EventMismatchError) {
        counters.count('EventsRefused');
        logger.error('Event refused: it disagrees with IoT or this account', {
          disagreements: error.disagreements,
        });
      } else if (error instanceof InvalidInputError) counters.count('PlanErrors');
      throw error;
    }
    logger.appendKeys({ auditTaskId: audit.auditTaskId });
    countUnknownChecks(audit);

    if (plan.action === 'skip') return skipped(plan);
    const { request } = plan;
    logger.appendKeys({ mitigationTaskId: request.taskId });
    if (plan.mode === 'dry-run') {
      counters.count('DryRuns');
      logger.info('Dry run: planned, not started', { request, skipped: plan.skipped });
      return { status: 'dry-run', plan };
    }

    const start = await startTask(plan);
    const input: WorkflowInput = {
      taskId: request.taskId,
      auditTaskId: audit.auditTaskId,
      deferredStart: start.deferred,
      startRequest: toStepFunctionsStartRequest(request),
      pollDeadlineSeconds: deps.pollDeadlineSeconds,
      skipped: [...plan.skipped],
      follow: 1,
    };
    // A workflow that ended without the task's outcome (StartFailed, PollFailed, deadline) is followed
    // again under the next follow number; the task itself was only (re)requested above, with its ids.
    const execution = await followTask(workflows, input);
    counters.count(start.deferred ? 'TasksDeferred' : 'TasksStarted');
    logger.info(start.deferred ? 'Start deferred to the workflow' : 'Mitigation task started', {
      checks: Object.keys(request.auditCheckToActionsMapping),
      taskAlreadyStarted: start.alreadyStarted,
      execution: execution.executionName,
      executionStatus: execution.status,
      ...(execution.outcome ? { reportedOutcome: execution.outcome } : {}),
    });
    return {
      status: start.deferred ? 'deferred' : 'started',
      plan,
      taskId: request.taskId,
      taskAlreadyStarted: start.alreadyStarted,
      executionAlreadyExisted: execution.status !== 'started',
      executionName: execution.executionName,
      ...(execution.outcome ? { reportedOutcome: execution.outcome } : {}),
    };
  };
}
