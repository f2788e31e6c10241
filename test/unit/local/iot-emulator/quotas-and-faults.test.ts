import { DescribeAuditTaskCommand } from '@aws-sdk/client-iot';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_QUOTAS, type FaultConfig } from '../../../../src/local/iot-emulator';
import { errorOf, type Harness, startHarness } from './fixture';

const describeAudit = (h: Harness) => h.client.send(new DescribeAuditTaskCommand({ taskId: 'audit-1' }));

/** The outcome of each of `n` calls: 'ok' or the error name with its status. */
async function outcomes(h: Harness, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    out.push(
      await describeAudit(h).then(
        () => 'ok',
        (e: Error & { $metadata?: { httpStatusCode?: number } }) =>
          `${e.name}:${e.$metadata?.httpStatusCode}`,
      ),
    );
  }
  return out;
}

describe('iot emulator: quotas and faults', () => {
  const harnesses: Harness[] = [];
  const open = async (options: Parameters<typeof startHarness>[0]) => {
    const h = await startHarness(options);
    harnesses.push(h);
    return h;
  };
  afterEach(async () => {
    await Promise.all(harnesses.splice(0).map((h) => h.close()));
  });

  it('throttles beyond the token bucket and refills from the clock', async () => {
    // Prepare
    const h = await open({ quotas: { rates: { DescribeAuditTask: 2 } } });
    // Act
    const burst = await outcomes(h, 3);
    h.clock.advanceBy(500);
    const afterHalfSecond = await outcomes(h, 2);
    const error = await errorOf(describeAudit(h));
    // Assess
    expect(burst).toEqual(['ok', 'ok', 'ThrottlingException:400']);
    expect(afterHalfSecond).toEqual(['ok', 'ThrottlingException:400']);
    expect(error.message).toBe('Rate exceeded');
    expect(h.emulator.stats().operations.DescribeAuditTask).toMatchObject({ calls: 6, throttled: 3 });
  });

  it('applies the reference TPS by default (DescribeAuditTask: 25)', async () => {
    // Prepare
    const h = await open({ quotas: DEFAULT_QUOTAS });
    // Act
    const results = await outcomes(h, 26);
    // Assess
    expect(results.filter((r) => r === 'ok')).toHaveLength(25);
    expect(results[25]).toBe('ThrottlingException:400');
  });

  it('repeats injected faults exactly for the same seed', async () => {
    // Prepare
    const faults: FaultConfig = { DescribeAuditTask: { throttleRate: 0.3, serverErrorRate: 0.3 } };
    const a = await open({ seed: 42, faults });
    const b = await open({ seed: 42, faults });
    const c = await open({ seed: 43, faults });
    // Act
    const [runA, runB, runC] = [await outcomes(a, 30), await outcomes(b, 30), await outcomes(c, 30)];
    // Assess
    expect(runA).toEqual(runB);
    expect(runA).not.toEqual(runC);
    expect(runA).toContain('ThrottlingException:400');
    expect(runA).toContain('InternalFailureException:500');
    expect(runA).toContain('ok');
    const stats = a.emulator.stats().operations.DescribeAuditTask;
    expect(stats?.throttled).toBe(runA.filter((r) => r.startsWith('Throttling')).length);
    expect(stats?.serverErrors).toBe(runA.filter((r) => r.startsWith('InternalFailure')).length);
  });

  it('drops the connection without a response, and setFaults turns faults off', async () => {
    // Prepare
    const h = await open({ faults: { '*': { dropConnectionRate: 1 } } });
    // Act
    const dropped = await errorOf(describeAudit(h));
    h.emulator.setFaults(undefined);
    const after = await describeAudit(h);
    // Assess
    expect(dropped.status).toBeUndefined();
    expect(dropped.message).toMatch(/socket hang up|ECONNRESET|other side closed/i);
    expect(after.taskStatus).toBe('COMPLETED');
    expect(h.emulator.stats().operations.DescribeAuditTask).toMatchObject({ calls: 2, dropped: 1 });
  });

  it('adds latency on the emulator clock, counted in inFlight while it waits', async () => {
    // Prepare
    const h = await open({ faults: { DescribeAuditTask: { latencyMs: 500 } } });
    // Act
    const pending = describeAudit(h);
    while (h.clock.pendingSleepers === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const inFlightWhileWaiting = h.emulator.inFlight;
    h.clock.advanceBy(500);
    const out = await pending;
    // Assess
    expect(inFlightWhileWaiting).toBe(1);
    expect(out.taskStatus).toBe('COMPLETED');
    expect(h.emulator.inFlight).toBe(0);
  });
});
