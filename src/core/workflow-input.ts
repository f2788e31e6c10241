import * as z from 'zod';

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

export const WorkflowInputSchema = z.object({
  taskId: z.string().min(1).max(80),
  auditTaskId: z.string().min(1).max(40),
  deferredStart: z.boolean(),
  startRequest: z.object({
    TaskId: z.string(),
    // EITHER AuditTaskId OR FindingIds (1..25), as src/core/start-request.ts derives them.
    Target: z.object({
      AuditTaskId: z.string().optional(),
      FindingIds: z.array(z.string()).min(1).max(25).optional(),
      AuditCheckToReasonCodeFilter: z.record(z.string(), z.array(z.string())).optional(),
    }),
    AuditCheckToActionsMapping: z.record(z.string(), z.array(z.string())),
    ClientRequestToken: z.string(),
  }),
  /** The poll loop gives up (Fail DeadlineExceeded) once this many seconds of waiting have passed. */
  pollDeadlineSeconds: z.number().int().positive(),
  /**
   * The checks the plan left out, carried into the finished event. Always present in what the
   * function starts; an older execution's input lacks it, hence the default.
   */
  skipped: z.array(SkippedCheckSchema).default([]),
  /**
   * This execution's follow number (src/core/follow.ts): 1 for the execution named after the task,
   * n for `<taskId>__<n>`. The state machine names its successor after follow + 1. Inputs of
   * executions started before follow numbers existed have none: they read as follow 1.
   */
  follow: z.number().int().positive().default(1),
  /**
   * Set only in the input of a successor ("continue as new"): the predecessor's poll schedule and
   * counters (so the deadline counts across the whole chain) and its last describe.
   */
  poll: z.record(z.string(), z.json()).optional(),
  task: z.record(z.string(), z.json()).optional(),
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
  eventId: z.string().min(1).max(80).optional(),
  taskId: z.string().min(1),
  auditTaskId: z.string().min(1),
  outcome: z.enum(WORKFLOW_OUTCOMES),
  taskStatus: z.string().nullable().optional(),
  /** Per check, in Step Functions' PascalCase (`TotalFindingsCount`, ...); null when unknown. */
  taskStatistics: z.record(z.string(), z.record(z.string(), z.unknown())).nullable().optional(),
  polls: z.number().int().nonnegative().optional(),
  /** The checks the plan left out; absent from the events of executions started before it existed. */
  skipped: z.array(SkippedCheckSchema).optional(),
});

export type TaskFinishedDetail = z.infer<typeof TaskFinishedDetailSchema>;

/** The id a finished event is recorded under: its eventId, or the task id for older events. */
export function finishedEventId(detail: Pick<TaskFinishedDetail, 'eventId' | 'taskId'>): string {
  return detail.eventId ?? detail.taskId;
}

/** The task statuses that end a mitigation task: only their statistics are final. */
export const FINAL_TASK_OUTCOMES: readonly WorkflowOutcome[] = ['COMPLETED', 'FAILED', 'CANCELED'];
