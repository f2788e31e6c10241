import type { RetryErrorInfo, RetryToken } from '@smithy/types';
import { describe, expect, it } from 'vitest';
import { perCallRetryStrategy } from '../../../src/adapters/per-call-retry';

/** How many attempts a call gets for errors of this type: retries until the strategy refuses, plus the first. */
async function attemptsFor(
  strategy: ReturnType<typeof perCallRetryStrategy>,
  errorType: RetryErrorInfo['errorType'],
): Promise<{ attempts: number; delays: number[] }> {
  let token: RetryToken = await strategy.acquireInitialRetryToken('iot');
  const delays: number[] = [];
  for (let attempts = 1; attempts < 100; attempts++) {
    try {
      token = await strategy.refreshRetryTokenForRetry(token, { errorType });
      delays.push(token.getRetryDelay());
    } catch {
      return { attempts, delays };
    }
  }
  throw new Error('the strategy never refused');
}

describe('perCallRetryStrategy', () => {
  it('gives throttling maxAttempts, a transient error maxTransientAttempts, a client error none', async () => {
    const strategy = perCallRetryStrategy({ maxAttempts: 8, maxTransientAttempts: 3, random: () => 1 });
    const throttled = await attemptsFor(strategy, 'THROTTLING');
    expect(throttled.attempts).toBe(8);
    // Full jitter under a ceiling of 0.5 s doubling to 20 s (random 1: the ceiling itself).
    expect(throttled.delays).toEqual([500, 1000, 2000, 4000, 8000, 16000, 20000]);
    expect((await attemptsFor(strategy, 'TRANSIENT')).attempts).toBe(3);
    expect((await attemptsFor(strategy, 'CLIENT_ERROR')).attempts).toBe(1);
  });

  it('gives a transient error as many attempts as throttling unless told otherwise, never more', async () => {
    expect((await attemptsFor(perCallRetryStrategy({ maxAttempts: 4 }), 'TRANSIENT')).attempts).toBe(4);
    const capped = perCallRetryStrategy({ maxAttempts: 2, maxTransientAttempts: 5 });
    expect((await attemptsFor(capped, 'TRANSIENT')).attempts).toBe(2);
  });

  it('keeps each call its own budget: one call spending its retries leaves the next its own', async () => {
    const strategy = perCallRetryStrategy({ maxAttempts: 3, random: () => 0 });
    expect((await attemptsFor(strategy, 'THROTTLING')).attempts).toBe(3);
    expect((await attemptsFor(strategy, 'THROTTLING')).attempts).toBe(3);
  });
});
