import { DescribeAuditTaskCommand, IoTClient, type IoTClientConfig } from '@aws-sdk/client-iot';
import { afterEach, describe, expect, it } from 'vitest';
import { perCallRetryStrategy } from '../../src/adapters/per-call-retry';
import { type LocalStack, startLocalStack } from '../../src/local/stack';
import { allAutoConfig, readJson } from '../fixtures';

// A burst of audits reads DescribeAuditTask (25 per second per account) once per invocation, all on
// one client per container. Here 150 reads at the same instant through one real IoT client against
// the emulator's real rate, the SDK's backoff waiting on the virtual clock as the functions' does.

const AUDIT = 'a3aea009955e501a31b764abe1bebd3d';
const READS = 150;

let stack: LocalStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

/** Counts the reads answered and the reads that failed (every failure must be a throttle). */
async function burstOfReads(
  retry: Partial<IoTClientConfig>,
): Promise<{ answered: number; throttled: number }> {
  stack = await startLocalStack({ scenario: readJson('scenarios/default.json'), config: allAutoConfig() });
  const local = stack;
  const iot = new IoTClient({
    endpoint: local.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    ...retry,
  });
  const results = await local.runAsClient(() =>
    Promise.allSettled(
      Array.from({ length: READS }, () => iot.send(new DescribeAuditTaskCommand({ taskId: AUDIT }))),
    ),
  );
  const failed = results.filter((r) => r.status === 'rejected');
  for (const r of failed) expect((r.reason as Error).name).toBe('ThrottlingException');
  return { answered: results.length - failed.length, throttled: failed.length };
}

describe('the audit read under a burst of audits', () => {
  it("the SDK's standard strategy gives up once the client's shared retry quota is spent", async () => {
    // The quota (500 tokens, 5 per retry) allows about 100 retries for the whole client.
    const { throttled } = await burstOfReads({ maxAttempts: 8 });
    expect(throttled).toBeGreaterThan(0);
  });

  it('with a budget per call (what start-mitigation uses), every read of the burst is answered', async () => {
    const { answered, throttled } = await burstOfReads({
      retryStrategy: perCallRetryStrategy({ maxAttempts: 8 }),
    });
    expect(throttled).toBe(0);
    expect(answered).toBe(READS);
  });
});
