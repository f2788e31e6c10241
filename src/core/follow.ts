import { RemediationError } from './errors';
import { MAX_EXECUTION_NAME_LENGTH } from './start-request';
import { outcomeOfFailError, type WorkflowOutcome } from './workflow-input';
import * as z from './zod';

/**
 * Follow numbers: the n-th execution that follows a mitigation task is named `<taskId>` for n = 1
 * (the name every execution had before recovery existed, so those stay valid) and `<taskId>__<n>`
 * from n = 2. Task ids are `remediate-<auditTaskId>-<hex>` ([a-zA-Z0-9-], see withDerivedIds), so they
 * never contain the separator and a name parses back to exactly one (taskId, n).
 */
export const FOLLOW_SEPARATOR = '__';

const FOLLOW_SUFFIX = /^(.+)__([1-9][0-9]*)$/;

/** A follow number or execution name that cannot be used. */
export class FollowNameError extends RemediationError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FollowNameError';
  }
}

/** The name of the `follow`-th execution that follows task `taskId`. */
export function executionNameFor(taskId: string, follow: number): string {
  if (!Number.isSafeInteger(follow) || follow < 1)
    throw new FollowNameError(`follow number must be a positive integer, got ${follow}`);
  if (taskId.length === 0 || taskId.includes(FOLLOW_SEPARATOR))
    throw new FollowNameError(
      `task id '${taskId}' must be non-empty and must not contain '${FOLLOW_SEPARATOR}'`,
    );
  const name = follow === 1 ? taskId : `${taskId}${FOLLOW_SEPARATOR}${follow}`;
  if (name.length > MAX_EXECUTION_NAME_LENGTH)
    throw new FollowNameError(
      `execution name '${name}' is longer than ${MAX_EXECUTION_NAME_LENGTH} characters`,
    );
  return name;
}

/** The ARN of the execution `name` of a state machine (arn:...:stateMachine:<sm> -> arn:...:execution:<sm>:<name>). */
export function executionArnFor(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

/** The task id and follow number an execution name stands for (the inverse of executionNameFor). */
export function parseExecutionName(name: string): { readonly taskId: string; readonly follow: number } {
  const match = FOLLOW_SUFFIX.exec(name);
  if (match?.[1] !== undefined && match[2] !== undefined && !match[1].includes(FOLLOW_SEPARATOR)) {
    return { taskId: match[1], follow: Number(match[2]) };
  }
  return { taskId: name, follow: 1 };
}

/**
 * Output of an execution that handed its follow over to a successor ("continue as new", before its
 * 25,000-event history ran out): the successor's name, so that callers can follow the chain.
 */
export const ContinuedOutputSchema = z.object({
  continuedAs: z.string().check(z.minLength(1)),
  taskId: z.string().check(z.minLength(1)),
});

/** What DescribeExecution says about an execution, as far as following its task goes. */
export interface ExecutionState {
  /** RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED or PENDING_REDRIVE. */
  readonly status: string;
  readonly error?: string;
  /** The execution output (JSON text), when it succeeded. */
  readonly output?: string;
}

/**
 * What an existing execution of a task's follow means:
 * - `under-way`: it is running (or being redriven): it follows the task;
 * - `reported`: it ended with the task's own outcome (COMPLETED, FAILED, CANCELED) or a final
 *   decision on its approval (REJECTED, APPROVAL_EXPIRED) and put the finished event: nothing more
 *   to follow;
 * - `next`: look at the next follow number, because this execution ended without a final task
 *   outcome (StartFailed, PollFailed, PollDeadlineExceeded, any other error, TIMED_OUT, ABORTED:
 *   the task may be followed again) or because it continued as a successor.
 */
export type ExistingExecutionVerdict =
  | { readonly kind: 'under-way' }
  | { readonly kind: 'reported'; readonly outcome: WorkflowOutcome }
  | { readonly kind: 'next' };

/**
 * Fail outcomes that are final: the task ended (FAILED, CANCELED), or a person rejected it, or nobody
 * approved it in time (REJECTED, APPROVAL_EXPIRED: following it again would ask again, and a replayed
 * event must not reopen a decision).
 */
const REPORTED_FAILURES: ReadonlySet<WorkflowOutcome> = new Set([
  'FAILED',
  'CANCELED',
  'REJECTED',
  'APPROVAL_EXPIRED',
]);

/** Decides on an execution found under a follow's name (pure: the same answer for every caller). */
export function judgeExistingExecution(execution: ExecutionState): ExistingExecutionVerdict {
  if (execution.status === 'RUNNING' || execution.status === 'PENDING_REDRIVE') return { kind: 'under-way' };
  if (execution.status === 'SUCCEEDED') {
    return successorOf(execution.output) === undefined
      ? { kind: 'reported', outcome: 'COMPLETED' }
      : { kind: 'next' };
  }
  const outcome = execution.status === 'FAILED' ? outcomeOfFailError(execution.error) : undefined;
  return outcome !== undefined && REPORTED_FAILURES.has(outcome)
    ? { kind: 'reported', outcome }
    : { kind: 'next' };
}

/** The successor an execution's output names, if it continued as new. */
export function successorOf(output: string | undefined): string | undefined {
  if (output === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(output);
  } catch {
    return undefined;
  }
  const continued = ContinuedOutputSchema.safeParse(parsed);
  return continued.success ? continued.data.continuedAs : undefined;
}
