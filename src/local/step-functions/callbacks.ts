import { AwsJsonError } from '../aws-json-server';
import { isWellFormedTaskToken } from './task-token';
import type { JsonValue, TaskCall } from './workflow-runner';

/** The error SendTaskFailure gives a callback task: `error` (possibly none) and `cause`. */
export class TaskFailureError extends Error {
  constructor(error: string | undefined, cause: string | undefined) {
    super(cause ?? '');
    // No error name: only States.ALL and States.TaskFailed match it.
    this.name = error ?? '';
  }
}

interface Waiting {
  readonly call: TaskCall;
  readonly resolve: (output: JsonValue) => void;
  readonly reject: (error: Error) => void;
}

/** A token whose task has ended (answered, timed out, retried, its execution stopped). */
const CLOSED = 'closed';

/**
 * The callback tokens of every execution: SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat find
 * the waiting task by its token. A closed token stays known (memory: one entry per callback task), so
 * that a late answer is told TaskTimedOut ("the task associated with the token has already been
 * closed", as the API model says) rather than TaskDoesNotExist.
 */
export function createCallbackRegistry() {
  const tokens = new Map<string, Waiting | typeof CLOSED>();

  const waiting = (token: string): Waiting => {
    if (!isWellFormedTaskToken(token))
      throw new AwsJsonError('InvalidToken', 'Invalid Token: The provided token is not valid');
    const entry = tokens.get(token);
    if (entry === undefined)
      throw new AwsJsonError('TaskDoesNotExist', 'Task Does Not Exist: the task token names no task');
    if (entry === CLOSED)
      throw new AwsJsonError('TaskTimedOut', 'Task Timed Out: Provided task does not exist anymore');
    return entry;
  };

  return {
    /**
     * Waits for the answer to `call`'s token: the output of SendTaskSuccess, or the error of
     * SendTaskFailure. Registered before the task's work runs, which may answer at once; closed when
     * the call ends otherwise (TaskCall.signal).
     */
    open(call: TaskCall): Promise<JsonValue> {
      const token = call.token;
      if (token === undefined) throw new Error(`The state ${call.state} has no task token`);
      return new Promise<JsonValue>((resolve, reject) => {
        tokens.set(token, { call, resolve, reject });
        call.signal.addEventListener('abort', () => tokens.set(token, CLOSED), { once: true });
      });
    },
    succeed(token: string, outputText: string): void {
      const entry = waiting(token);
      let output: JsonValue;
      try {
        output = JSON.parse(outputText) as JsonValue;
      } catch {
        throw new AwsJsonError('InvalidOutput', 'Invalid Output: the output is not valid JSON');
      }
      tokens.set(token, CLOSED);
      entry.resolve(output);
    },
    fail(token: string, error: string | undefined, cause: string | undefined): void {
      const entry = waiting(token);
      tokens.set(token, CLOSED);
      entry.reject(new TaskFailureError(error, cause));
    },
    heartbeat(token: string): void {
      waiting(token).call.heartbeat();
    },
  };
}

export type CallbackRegistry = ReturnType<typeof createCallbackRegistry>;
