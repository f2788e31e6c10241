import { executionNameFor, judgeExistingExecution, type WorkflowInput, type WorkflowOutcome } from '../core';
import type { WorkflowApi } from './ports';

/** Which execution follows a task after `followTask`. */
export interface FollowResult {
  /**
   * `started`: this call started the execution; `under-way`: one is running already; `reported`:
   * the task's outcome was reported by an earlier execution, nothing was started.
   */
  readonly status: 'started' | 'under-way' | 'reported';
  readonly executionName: string;
  readonly follow: number;
  /** For `reported`: the outcome the finished event carried. */
  readonly outcome?: WorkflowOutcome;
}

/**
 * Starts the execution that follows the task, or finds the one that does. Walks the follow numbers
 * from 1: an execution that ended without a final task outcome (or continued as a successor) sends
 * the walk to the next number, whose execution is started with this input. Deterministic: concurrent
 * callers walk the same names, and the loser of a race on a new name finds it RUNNING.
 */
export async function followTask(workflows: WorkflowApi, input: WorkflowInput): Promise<FollowResult> {
  for (let follow = 1; ; follow++) {
    // executionNameFor throws past 80 characters: the walk always ends.
    const executionName = executionNameFor(input.taskId, follow);
    const started = await workflows.startExecution(executionName, { ...input, follow });
    if (started === 'started') return { status: 'started', executionName, follow };
    const verdict = judgeExistingExecution(await workflows.describeExecution(executionName));
    if (verdict.kind === 'under-way') return { status: 'under-way', executionName, follow };
    if (verdict.kind === 'reported')
      return { status: 'reported', executionName, follow, outcome: verdict.outcome };
  }
}
