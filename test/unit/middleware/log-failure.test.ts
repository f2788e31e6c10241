import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { InvalidEventError } from '../../../src/core';
import { logFailure } from '../../../src/middleware/log-failure';

describe('logFailure', () => {
  it('logs the error with its problems and still fails the invocation', async () => {
    // Prepare
    const logged: unknown[][] = [];
    const logger = {
      info: () => undefined,
      warn: () => undefined,
      error: (...args: unknown[]) => logged.push(args),
      appendKeys: () => undefined,
    };
    const error = new InvalidEventError([{ path: 'detail.taskId', message: 'required (string)' }]);
    const handler = middy(async () => {
      throw error;
    }).use(logFailure(logger, 'Start mitigation failed'));

    // Act
    const invocation = handler({}, {} as Context);

    // Assess
    await expect(invocation).rejects.toBe(error);
    expect(logged).toEqual([
      [
        'Start mitigation failed',
        {
          error: {
            name: 'InvalidEventError',
            message: error.message,
            problems: [{ path: 'detail.taskId', message: 'required (string)' }],
          },
        },
      ],
    ]);
  });

  it('logs nothing when the invocation succeeds', async () => {
    const logged: unknown[] = [];
    const logger = {
      info: () => undefined,
      warn: () => undefined,
      error: () => logged.push(1),
      appendKeys: () => undefined,
    };
    const handler = middy(async () => 'ok').use(logFailure(logger, 'failed'));
    await expect(handler({}, {} as Context)).resolves.toBe('ok');
    expect(logged).toEqual([]);
  });
});
