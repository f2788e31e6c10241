import { WorkflowRetrySchema } from './retry';
import * as z from './zod';

/**
 * The contract between the start-mitigation function and the state machine
 * (statemachine/mitigation-workflow.asl.json): the execution input.
 *
 * `startRequest` is the StartAuditMitigationActionsTask input in the PascalCase that Step Functions'
 * aws-sdk integrations expect (map keys, i.e. check names, keep their case). The state machine uses
 * it only when `deferredStart` is true: the function could not start the task (throttled, or the
 * 10-concurrent-task quota was full) and hands the start over to the durable retry of the ASL.
 */
/** A non-compliant check that the plan left out, and why (`unknown check`, a guardrail, ...). */
export const SkippedCheckSchema = z.object({ check: z.string(), reason: z.string() });

/** One resource a finding targets, as the approval request previews it (src/core/planner.ts ResourceRef). */
export const ApprovalResourceSchema = z.object({
  findingId: z.string(),
  check: z.string(),
  reasonCode: z.optional(z.string()),
  resourceType: z.string(),
  resourceIdentifier: z.record(z.string(), z.json()),
  things: z.optional(z.array(z.string())),
});

/** Resources an approval request lists per check (the first ones; resourceCount says how many in all). */
export const APPROVAL_PREVIEW_RESOURCES = 10;

/** A check an approval is asked for: its actions and the resources they would touch. */
export const ApprovalCheckSchema = z.object({
  check: z.string(),
  actions: z.array(z.string()),
  reasonCodes: z.optional(z.array(z.string())),
  resourceCount: z.number().check(z.int(), z.nonnegative()),
  resources: z.array(ApprovalResourceSchema).check(z.maxLength(APPROVAL_PREVIEW_RESOURCES)),
  /** true when resourceCount is a lower bound (the findings could not all be read). */
  partial: z.optional(z.boolean()),
});
export type ApprovalCheck = z.infer<typeof ApprovalCheckSchema>;

/**
 * Set in the input of the execution of an `approve` task: the state machine asks for approval
 * (RequestApproval, `.waitForTaskToken`) before it starts the task. Counts and resources come from
 * IoT (planAudit), never from the triggering event.
 */
export const ApprovalRequestSchema = z.object({
  /** How long the approval waits (TimeoutSecondsPath): Step Functions' bounds for a Standard execution. */
  timeoutSeconds: z.number().check(z.int(), z.minimum(60), z.maximum(31_536_000)),
  checks: z.array(ApprovalCheckSchema).check(z.minLength(1)),
  protectedCount: z.number().check(z.int(), z.nonnegative()),
  policy: z.literal('approve'),
});
export type ApprovalRequest = z.infer<typeof ApprovalRequestSchema>;

/** Step Functions error of the rejection (SendTaskFailure) and of the Fail state it leads to. */
export const APPROVAL_REJECTED_ERROR = 'ApprovalRejected';

/**
 * A decision on an approval: the SendTaskSuccess output (APPROVED), or the SendTaskFailure cause
 * (REJECTED, error ApprovalRejected), as JSON text. decidedBy is the caller's ARN from STS.
 */
export const ApprovalDecisionSchema = z.object({
  decision: z.enum(['APPROVED', 'REJECTED']),
  decidedBy: z.string().check(z.minLength(1)),
  reason: z.optional(z.string()),
  decidedAt: z.string().check(z.minLength(1)),
  via: z.string().check(z.minLength(1)),
});
export type ApprovalDecision = z.infer<typeof ApprovalDecisionSchema>;

/**
 * The decision as the finished event carries it. Lenient: anyone allowed SendTaskSuccess /
 * SendTaskFailure (the console, another tool) may answer with another shape, and the state machine
 * reports what it was given rather than lose the event (only `decision: APPROVED` starts a task).
 */
export const ReportedDecisionSchema = z.nullable(
  z.catchall(z.object({ decision: z.optional(z.string()) }), z.json()),
);

export const WorkflowInputSchema = z.object({
  taskId: z.string().check(z.minLength(1), z.maxLength(80)),
  auditTaskId: z.string().check(z.minLength(1), z.maxLength(40)),
  deferredStart: z.boolean(),
  startRequest: z.object({
    TaskId: z.string(),
    // EITHER AuditTaskId OR FindingIds (1..25), as src/core/start-request.ts derives them.
    Target: z.object({
      AuditTaskId: z.optional(z.string()),
      FindingIds: z.optional(z.array(z.string()).check(z.minLength(1), z.maxLength(25))),
      AuditCheckToReasonCodeFilter: z.optional(z.record(z.string(), z.array(z.string()))),
    }),
    AuditCheckToActionsMapping: z.record(z.string(), z.array(z.string())),
    ClientRequestToken: z.string(),
  }),
  /** The poll loop gives up (Fail DeadlineExceeded) once this many seconds of waiting have passed. */
  pollDeadlineSeconds: z.number().check(z.int(), z.positive()),
  /**
   * The checks the plan left out, carried into the finished event. Always present in what the
   * function starts; an older execution's input lacks it, hence the default.
   */
  skipped: z._default(z.array(SkippedCheckSchema), []),
  /**
   * This execution's follow number (src/core/follow.ts): 1 for the execution named after the task,
   * n for `<taskId>__<n>`. The state machine names its successor after follow + 1. Inputs of
   * executions started before follow numbers existed have none: they read as follow 1.
   */
  follow: z._default(z.number().check(z.int(), z.positive()), 1),
  /**
   * Set only in the input of a successor ("continue as new"): the predecessor's poll schedule and
   * counters (so the deadline counts across the whole chain) and its last describe.
   */
  poll: z.optional(z.record(z.string(), z.json())),
  task: z.optional(z.record(z.string(), z.json())),
  /*
   * The next three are always set by the function that starts the execution; inputs of executions
   * started before they existed lack them, and the state machine reads those as auto, 0 and null
   * (NormaliseInput), so they stay optional here.
   */
  /** `approve`: the execution asks for approval (see `approval`) before it starts the task. */
  policy: z.optional(z.enum(['auto', 'approve'])),
  /** Findings of the task's checks left alone because they touch a protected resource (a count, never names). */
  protectedCount: z.optional(z.number().check(z.int(), z.nonnegative())),
  /** The decision on the approval: null until there is one (the state machine sets it and carries it to a successor). */
  decision: z.optional(ReportedDecisionSchema),
  /** Set only for an `approve` task, whose execution is started with deferredStart true. */
  approval: z.optional(ApprovalRequestSchema),
  /**
   * After the finished event, verify the mitigation with an on-demand audit (config `verify`). Absent
   * (older inputs) means no verification.
   */
  verify: z.optional(z.boolean()),
  /**
   * Set when the task is started through the dispatcher's queue (WaitForSlot, ReleaseSlot): its
   * priority is the task's expected size (findings x actions, from IoT's counts). Inputs without it
   * (older ones) retry the start in the state machine instead.
   */
  queue: z.optional(z.object({ priority: z.number().check(z.int(), z.positive()) })),
  /**
   * Retry of the findings whose actions failed (config `retryFailedFindings`): attempt 0 for a task
   * the audit planned, n for the n-th follow-up. Absent (older inputs): no retry.
   */
  retryFailed: z.optional(WorkflowRetrySchema),
});

export type WorkflowInput = z.infer<typeof WorkflowInputSchema>;

/** detail-type of the event the state machine puts on the bus when a workflow ends, whatever the outcome. */
export const TASK_FINISHED_DETAIL_TYPE = 'Audit Mitigation Task Finished';

/** detail-type of the audit-completion events that trigger the workflow. */
export const AUDIT_COMPLETED_DETAIL_TYPE = 'Audit Task Completed';

/** Default event source of the audit-completion events (a template parameter in the cloud). */
export const DEFAULT_EVENT_SOURCE = 'custom.iot.devicedefender';

/** How a workflow ended, as the completion event's `detail.outcome` reports it. */
export const WORKFLOW_OUTCOMES = [
  'COMPLETED',
  'FAILED',
  'CANCELED',
  'DEADLINE_EXCEEDED',
  'START_FAILED',
  'POLL_FAILED',
  'REJECTED',
  'APPROVAL_EXPIRED',
] as const;
export type WorkflowOutcome = (typeof WORKFLOW_OUTCOMES)[number];

/**
 * The Error of each Fail state of the state machine and the outcome it ends with: how a caller that
 * sees only DescribeExecution (no completion event) tells the outcomes apart.
 */
export const OUTCOME_BY_FAIL_ERROR = {
  MitigationTaskFailed: 'FAILED',
  MitigationTaskCanceled: 'CANCELED',
  PollDeadlineExceeded: 'DEADLINE_EXCEEDED',
  StartFailed: 'START_FAILED',
  PollFailed: 'POLL_FAILED',
  ApprovalRejected: 'REJECTED',
  ApprovalExpired: 'APPROVAL_EXPIRED',
} as const satisfies Record<string, WorkflowOutcome>;

/** The outcome a Fail state's Error stands for, or undefined for any other error. */
export function outcomeOfFailError(error: string | undefined): WorkflowOutcome | undefined {
  return error !== undefined && Object.hasOwn(OUTCOME_BY_FAIL_ERROR, error)
    ? OUTCOME_BY_FAIL_ERROR[error as keyof typeof OUTCOME_BY_FAIL_ERROR]
    : undefined;
}

/** detail of the "Audit Mitigation Task Finished" event (statemachine/mitigation-workflow.asl.json). */
export const TaskFinishedDetailSchema = z.object({
  /**
   * The execution name (`$$.Execution.Name`): the same for every PutEvents of one execution, so a
   * retried put is recognised. Events of executions started before it existed have none.
   */
  eventId: z.optional(z.string().check(z.minLength(1), z.maxLength(80))),
  taskId: z.string().check(z.minLength(1)),
  auditTaskId: z.string().check(z.minLength(1)),
  outcome: z.enum(WORKFLOW_OUTCOMES),
  taskStatus: z.optional(z.nullable(z.string())),
  /** Per check, in Step Functions' PascalCase (`TotalFindingsCount`, ...); null when unknown. */
  taskStatistics: z.optional(z.nullable(z.record(z.string(), z.record(z.string(), z.unknown())))),
  polls: z.optional(z.number().check(z.int(), z.nonnegative())),
  /** The checks the plan left out; absent from the events of executions started before it existed. */
  skipped: z.optional(z.array(SkippedCheckSchema)),
  /** The decision on the approval of an `approve` task (null for an `auto` task, absent from older events). */
  decision: z.optional(ReportedDecisionSchema),
  policy: z.optional(z.enum(['auto', 'approve'])),
  protectedCount: z.optional(z.number().check(z.int(), z.nonnegative())),
  /** Where the findings-level report is (WriteReport): a task that ended or reached its deadline. */
  report: z.optional(
    z.object({
      bucket: z.string(),
      key: z.string(),
      summaryKey: z.string(),
      rows: z.number().check(z.int(), z.nonnegative()),
      failed: z.number().check(z.int(), z.nonnegative()),
      partial: z.boolean(),
      errorCodes: z.record(z.string(), z.number()),
    }),
  ),
  /** Why the report is missing (WriteReport's caught error), instead of `report`. */
  reportError: z.optional(z.object({ Error: z.string(), Cause: z.optional(z.string()) })),
});

export type TaskFinishedDetail = z.infer<typeof TaskFinishedDetailSchema>;

/** The id a finished event is recorded under: its eventId, or the task id for older events. */
export function finishedEventId(detail: Pick<TaskFinishedDetail, 'eventId' | 'taskId'>): string {
  return detail.eventId ?? detail.taskId;
}

/** detail-type of the event the request-approval function puts when an approval is asked for. */
export const APPROVAL_REQUESTED_DETAIL_TYPE = 'Audit Mitigation Approval Requested';

/** detail-type of the event start-mitigation puts for the checks whose policy is `notify`. */
export const FINDINGS_NOTIFIED_DETAIL_TYPE = 'Audit Findings Notified';

/** The task statuses that end a mitigation task: only their statistics are final. */
export const FINAL_TASK_OUTCOMES: readonly WorkflowOutcome[] = ['COMPLETED', 'FAILED', 'CANCELED'];
