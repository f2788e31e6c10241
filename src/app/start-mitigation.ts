import {
  APPROVAL_PREVIEW_RESOURCES,
  type ApprovalRequest,
  ApprovalResourceSchema,
  type AuditSummary,
  accountDisagreements,
  type CheckPreview,
  EventMismatchError,
  expectedTaskSize,
  FINDINGS_NOTIFIED_DETAIL_TYPE,
  InvalidInputError,
  type MitigationPlan,
  type PlannedTask,
  parseAuditCompletionInput,
  planMitigation,
  type RemediationConfig,
  type ResourceRef,
  summariseNotification,
  toStepFunctionsStartRequest,
  unknownNonCompliantChecks,
  verificationEnabled,
  type WorkflowInput,
  workflowRetryOf,
} from '../core';
import { followTask } from './follow-task';
import { type PlanBudget, planAudit } from './plan-audit';
import {
  type Counters,
  type EventSink,
  type FindingsApi,
  type Log,
  type MitigationApi,
  type ResourceDirectory,
  StartBlockedError,
  type VerificationRecords,
  type WorkflowApi,
} from './ports';
import { auditTaskIdOf, readAudit } from './read-audit';

/** How one planned task was handed over. */
export interface TaskStartOutcome {
  /**
   * `started` / `deferred`: an `auto` task started now, or handed to the state machine's durable start;
   * `queued`: an `auto` task handed to its execution, which waits for a slot from the dispatcher;
   * `awaiting-approval`: an `approve` task, whose execution asks for approval before it starts it.
   */
  readonly status: 'started' | 'deferred' | 'queued' | 'awaiting-approval';
  readonly policy: 'auto' | 'approve';
  /** The mitigation task id, which is also the name of its first execution. */
  readonly taskId: string;
  /** True when IoT already had the task (a duplicate delivery, a retry or a re-follow); false for approve tasks. */
  readonly taskAlreadyStarted: boolean;
  /** True when no execution was started: one follows the task already, or its outcome was reported. */
  readonly executionAlreadyExisted: boolean;
  /** The execution that follows the task (`<taskId>` or `<taskId>__<n>`, src/core/follow.ts). */
  readonly executionName: string;
  /** Set when an earlier execution reported the task's outcome: nothing is followed again. */
  readonly reportedOutcome?: string;
}

/** What one audit-completion event led to. */
export type StartMitigationOutcome =
  | { readonly status: 'skipped' | 'dry-run'; readonly plan: MitigationPlan }
  /** The audit is a verification audit this product started (its ledger record): nothing is remediated. */
  | { readonly status: 'verification-audit'; readonly auditTaskId: string; readonly verifiedTaskId: string }
  | (TaskStartOutcome & {
      readonly plan: MitigationPlan;
      /** Every task of the plan, auto first; the top-level fields are the first one's (a one-task plan's). */
      readonly tasks: readonly TaskStartOutcome[];
    });

export interface StartMitigationDependencies {
  readonly iot: MitigationApi;
  /** The audit's findings (the preview, protected resources, notify checks), read from IoT. */
  readonly findings: FindingsApi;
  /** The registry, to resolve the config's protect selectors. */
  readonly directory: ResourceDirectory;
  readonly workflows: WorkflowApi;
  /** The bus the "Audit Findings Notified" event goes to. */
  readonly events: EventSink;
  readonly config: RemediationConfig;
  readonly logger: Log;
  readonly counters?: Counters;
  /** The poll loop's deadline, in seconds of waiting. */
  readonly pollDeadlineSeconds: number;
  /** The account the function runs in: events naming another account are refused. */
  readonly accountId: string;
  readonly budget?: PlanBudget;
  /**
   * The verification audits the workflows started (the outcome ledger): their own notifications are
   * recognised and never remediated. Without it no audit is taken for one.
   */
  readonly verifications?: VerificationRecords;
  /**
   * True when the stack has the dispatcher: no task is started here; every execution queues its task
   * (WaitForSlot) and the dispatcher starts the longest first as slots free.
   */
  readonly startThroughQueue?: boolean;
}

const noCounters: Counters = { count: () => undefined };

/** Used only if a planned approve task lacks its timeout: the config's own default, PT72H. */
const DEFAULT_APPROVAL_TIMEOUT_SECONDS = 72 * 3600;

type StartPlan = Extract<MitigationPlan, { action: 'start' }>;

/** Findings of the task's checks that the plan left alone because they touch a protected resource. */
function protectedCountOf(plan: StartPlan, task: PlannedTask): number {
  const checks = new Set(task.checks.map((c) => c.check));
  return plan.protected.filter((ref) => checks.has(ref.check)).length;
}

/**
 * What a person is asked to approve for `task`: per check, its actions and the resources they would
 * touch (how many and the first ones), from the plan's previews, which planAudit read from IoT. A
 * findingIds batch counts and lists only its own findings.
 */
export function approvalRequestOf(plan: StartPlan, task: PlannedTask): ApprovalRequest {
  const findingIds = task.request.target.findingIds ? new Set(task.request.target.findingIds) : undefined;
  const checks = task.checks.map((included) => {
    const preview: CheckPreview | undefined = plan.previews.find((p) => p.check === included.check);
    const resources: ResourceRef[] = (preview?.resources ?? []).filter(
      (ref) => findingIds === undefined || findingIds.has(ref.findingId),
    );
    // Whole check: the preview's count (after the reason-code filter); a batch, or a check whose
    // findings were not read: the planner's count for the task (IoT's DescribeAuditTask count).
    const resourceCount =
      findingIds === undefined && preview ? preview.resourceCount : included.nonCompliantResourcesCount;
    return {
      check: included.check,
      actions: [...included.actions],
      ...(included.reasonCodes ? { reasonCodes: [...included.reasonCodes] } : {}),
      resourceCount,
      // Parsed into the workflow input's JSON shape (IoT's identifiers are JSON already).
      resources: resources
        .slice(0, APPROVAL_PREVIEW_RESOURCES)
        .map((ref) => ApprovalResourceSchema.parse(ref)),
      ...(findingIds === undefined && preview?.partial ? { partial: true } : {}),
    };
  });
  return {
    timeoutSeconds: task.approvalTimeoutSeconds ?? DEFAULT_APPROVAL_TIMEOUT_SECONDS,
    checks,
    protectedCount: protectedCountOf(plan, task),
    policy: 'approve',
  };
}

/** Protected findings per check, for the log: counts only, never the resources' names. */
function protectedCounts(refs: readonly ResourceRef[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const ref of refs) counts[ref.check] = (counts[ref.check] ?? 0) + 1;
  return counts;
}

/**
 * The start-mitigation use case: event -> DescribeAuditTask -> plan (planAudit: findings, protected
 * resources, policies) -> per task: an `auto` task is started now (StartAuditMitigationActionsTask,
 * deferred to the state machine when throttled or over quota) and followed; an `approve` task is
 * handed to its execution, which asks for approval first (nothing starts before it); `notify`
 * checks are put on the bus as one "Audit Findings Notified" event.
 * The plan is made from IoT's record of the audit and its findings, never from the event's counts:
 * an event that disagrees with IoT, or names another account, is refused (EventMismatchError).
 * Exactly once: every id comes from the plan, so a repeated event finds each task and execution
 * already there (an approval pending included: no second request, no second task).
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

  /** One event for the notify-policy checks: what they found, never acted on. */
  async function notifyChecks(auditTaskId: string, notify: readonly CheckPreview[]): Promise<void> {
    if (notify.length === 0) return;
    await deps.events.put([
      {
        detailType: FINDINGS_NOTIFIED_DETAIL_TYPE,
        // eventId: the same for every delivery of this audit, so that consumers can count it once.
        detail: { eventId: `notify-${auditTaskId}`, auditTaskId, checks: notify },
      },
    ]);
    for (const _ of notify) counters.count('ChecksNotified');
    logger.info('Checks reported, not mitigated (policy notify)', {
      checks: notify.map((n) => ({ check: n.check, resourceCount: n.resourceCount })),
    });
  }

  async function startTask(task: PlannedTask) {
    try {
      return { deferred: false, alreadyStarted: (await iot.startTask(task.request)) === 'already-started' };
    } catch (error) {
      if (!(error instanceof StartBlockedError)) throw error;
      logger.warn('Start refused for now: deferring it to the state machine', { reason: error.message });
      return { deferred: true, alreadyStarted: false };
    }
  }

  async function handOver(
    plan: StartPlan,
    audit: AuditSummary,
    task: PlannedTask,
  ): Promise<TaskStartOutcome> {
    const { request } = task;
    // Each task's log lines carry its id (the next task's replaces it).
    logger.appendKeys({ mitigationTaskId: request.taskId });
    const approve = task.policy === 'approve';
    const queued = deps.startThroughQueue === true;
    // An approve task is never started here: its execution starts it once approved. Through the
    // queue, no task is: the dispatcher starts it when a slot is free.
    const start = approve || queued ? { deferred: true, alreadyStarted: false } : await startTask(task);
    const input: WorkflowInput = {
      taskId: request.taskId,
      auditTaskId: audit.auditTaskId,
      deferredStart: start.deferred,
      startRequest: toStepFunctionsStartRequest(request),
      pollDeadlineSeconds: deps.pollDeadlineSeconds,
      skipped: [...plan.skipped],
      follow: 1,
      policy: task.policy,
      protectedCount: protectedCountOf(plan, task),
      decision: null,
      verify: verificationEnabled(config),
      retryFailed: workflowRetryOf(config.retryFailedFindings),
      ...(approve ? { approval: approvalRequestOf(plan, task) } : {}),
      ...(queued ? { queue: { priority: expectedTaskSize(task) } } : {}),
    };
    // A workflow that ended without the task's outcome (StartFailed, PollFailed, deadline) is followed
    // again under the next follow number; the task itself was only (re)requested above, with its ids.
    const execution = await followTask(workflows, input);
    const status = approve
      ? 'awaiting-approval'
      : queued
        ? 'queued'
        : start.deferred
          ? 'deferred'
          : 'started';
    counters.count(
      status === 'awaiting-approval'
        ? 'ApprovalsRequested'
        : status === 'queued'
          ? 'TasksQueued'
          : start.deferred
            ? 'TasksDeferred'
            : 'TasksStarted',
    );
    logger.info(
      status === 'awaiting-approval'
        ? 'Approval requested through the workflow'
        : status === 'queued'
          ? 'Task queued for a slot through the workflow'
          : start.deferred
            ? 'Start deferred to the workflow'
            : 'Mitigation task started',
      {
        policy: task.policy,
        checks: Object.keys(request.auditCheckToActionsMapping),
        taskAlreadyStarted: start.alreadyStarted,
        execution: execution.executionName,
        executionStatus: execution.status,
        ...(execution.outcome ? { reportedOutcome: execution.outcome } : {}),
      },
    );
    return {
      status,
      policy: task.policy,
      taskId: request.taskId,
      taskAlreadyStarted: start.alreadyStarted,
      executionAlreadyExisted: execution.status !== 'started',
      executionName: execution.executionName,
      ...(execution.outcome ? { reportedOutcome: execution.outcome } : {}),
    };
  }

  return async function startMitigation(event: unknown): Promise<StartMitigationOutcome> {
    let audit: AuditSummary;
    let plan: MitigationPlan;
    try {
      const completion = parseAuditCompletionInput(event);
      const foreign = accountDisagreements(completion, deps.accountId);
      if (foreign.length > 0) throw new EventMismatchError(foreign);
      // A verification audit's notification comes back through the bridge like any audit's: only the
      // record the workflow wrote when it started that audit tells it apart, never the event itself.
      const auditTaskId = auditTaskIdOf(completion);
      const verifiedTaskId = await deps.verifications?.verifiedTaskOf(auditTaskId);
      if (verifiedTaskId !== undefined) {
        logger.appendKeys({ auditTaskId });
        counters.count('VerificationAuditsRecognised');
        logger.info('Verification audit recognised: not remediated', { verifiedTaskId });
        return { status: 'verification-audit', auditTaskId, verifiedTaskId };
      }
      if (completion.kind === 'notification') {
        // The event's own counts may only skip work early: an event that leaves nothing to mitigate
        // or report can only suppress an action, never cause one (the genuine notification still
        // arrives and is planned from IoT), so it is skipped without a DescribeAuditTask call.
        // Planned without protection: protection only takes findings away, and without the
        // findings (read below) it would skip every check of a config that protects something.
        const claimedAudit = summariseNotification(completion.notification);
        const claimed = planMitigation(claimedAudit, { ...config, protect: undefined });
        if (claimed.action === 'skip' && claimed.notify.length === 0) {
          logger.appendKeys({ auditTaskId: claimed.auditTaskId });
          countUnknownChecks(claimedAudit);
          return skipped(claimed);
        }
      }
      audit = await readAudit(completion, describeAudit);
      logger.appendKeys({ auditTaskId: audit.auditTaskId });
      ({ plan } = await planAudit({
        audit,
        config,
        findings: deps.findings,
        directory: deps.directory,
        ...(deps.budget ? { budget: deps.budget } : {}),
      }));
    } catch (error) {
      if (error instanceof EventMismatchError) {
        counters.count('EventsRefused');
        logger.error('Event refused: it disagrees with IoT or this account', {
          disagreements: error.disagreements,
        });
      } else if (error instanceof InvalidInputError) counters.count('PlanErrors');
      throw error;
    }
    countUnknownChecks(audit);
    if (plan.protected.length > 0) {
      logger.info('Protected findings left alone', {
        protectedCount: plan.protected.length,
        byCheck: protectedCounts(plan.protected),
      });
    }

    if (plan.action === 'skip') {
      if (config.mode === 'apply') await notifyChecks(audit.auditTaskId, plan.notify);
      return skipped(plan);
    }
    if (plan.mode === 'dry-run') {
      counters.count('DryRuns');
      logger.info('Dry run: planned, not started', {
        request: plan.request,
        skipped: plan.skipped,
        // A one-task plan logs as it always did; more tasks, or notify checks, are listed too.
        ...(plan.tasks.length > 1
          ? { tasks: plan.tasks.map((t) => ({ policy: t.policy, request: t.request })) }
          : {}),
        ...(plan.notify.length > 0
          ? { notify: plan.notify.map((n) => ({ check: n.check, resourceCount: n.resourceCount })) }
          : {}),
      });
      return { status: 'dry-run', plan };
    }
    await notifyChecks(audit.auditTaskId, plan.notify);

    const tasks: TaskStartOutcome[] = [];
    for (const task of plan.tasks) tasks.push(await handOver(plan, audit, task));
    const [first] = tasks;
    if (!first) throw new Error('a start plan has at least one task');
    return { ...first, plan, tasks };
  };
}
