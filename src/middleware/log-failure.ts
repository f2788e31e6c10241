import type { MiddlewareObj } from '@middy/core';
import type { Log } from '../app/ports';
import { describeError } from '../core';

/**
 * Logs a failed invocation with its error (and, for input errors, every problem by path), then lets
 * the error go on: these functions are invoked asynchronously, so Lambda retries the invocation and
 * then hands the event and the error to the function's failure queue.
 */
export function logFailure(logger: Log, message: string): MiddlewareObj {
  return {
    onError: (request) => {
      logger.error(message, { error: describeError(request.error) });
    },
  };
}
