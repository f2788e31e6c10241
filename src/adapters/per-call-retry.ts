import type { RetryErrorInfo, RetryStrategyV2, RetryToken } from '@smithy/types';

/**
 * An SDK retry strategy whose budget belongs to each call: `maxAttempts` attempts, full-jitter
 * exponential backoff (`baseDelayMs` doubling, at most `maxDelayMs`), for throttling and transient
 * errors only.
 *
 * Why not the SDK's standard strategy: it shares a retry quota across every call of one client
 * (500 tokens, 5 per retry, refilled only by successes). That quota is meant to stop retry storms
 * in an outage, but a read that a burst of audits throttles by design (DescribeAuditTask, 25 per
 * second per account, read once by every invocation) drains it: after about 100 throttled retries
 * the client stops retrying at all, and the invocations that come next fail at their first
 * throttle, however short it is. A per-call budget keeps each invocation's patience its own.
 */
export function perCallRetryStrategy(options: {
  readonly maxAttempts: number;
  /**
   * Attempts for a transient error (a 5xx, a connection refused or reset) when fewer than for
   * throttling: an endpoint that is down is told sooner than a rate that is only busy.
   */
  readonly maxTransientAttempts?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly random?: () => number;
}): RetryStrategyV2 & { maxAttempts(): Promise<number> } {
  const { maxAttempts, baseDelayMs = 500, maxDelayMs = 20_000, random = Math.random } = options;
  const maxTransientAttempts = Math.min(maxAttempts, options.maxTransientAttempts ?? maxAttempts);
  const token = (retryCount: number, delayMs: number): RetryToken => ({
    getRetryCount: () => retryCount,
    getRetryDelay: () => delayMs,
  });
  return {
    async maxAttempts() {
      return maxAttempts;
    },
    async acquireInitialRetryToken() {
      return token(0, 0);
    },
    async refreshRetryTokenForRetry(previous: RetryToken, error: RetryErrorInfo) {
      const retries = previous.getRetryCount();
      const attempts =
        error.errorType === 'THROTTLING'
          ? maxAttempts
          : error.errorType === 'TRANSIENT'
            ? maxTransientAttempts
            : 0;
      // The SDK rethrows the call's own error when this refuses.
      if (retries + 1 >= attempts) throw new Error('no retry left for this call');
      const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** retries);
      return token(retries + 1, Math.floor(random() * ceiling));
    },
    recordSuccess() {},
  };
}
