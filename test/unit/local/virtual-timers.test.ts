import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../src/local/clock';
import { runOnVirtualTimers } from '../../../src/local/virtual-timers';

describe('runOnVirtualTimers', () => {
  it("takes a function's setTimeout (an SDK's retry backoff) on the virtual clock, awaits included", async () => {
    // Prepare
    const clock = new VirtualClock();
    const fired: number[] = [];

    // Act
    const done = runOnVirtualTimers(clock, async () => {
      await Promise.resolve();
      await new Promise((resolve) => setTimeout(resolve, 20_000));
      fired.push(clock.now());
    });
    await new Promise(setImmediate);
    const pendingBefore = clock.pendingSleepers;
    clock.advanceToNextWakeUp();
    await done;

    // Assess
    expect(pendingBefore).toBe(1);
    expect(fired).toEqual([Date.UTC(2026, 0, 1) + 20_000]);
  });

  it('cancels a virtual timer on clearTimeout: it no longer counts as pending and never fires', async () => {
    // Prepare
    const clock = new VirtualClock();
    let fired = false;

    // Act
    runOnVirtualTimers(clock, () => {
      const timer = setTimeout(() => {
        fired = true;
      }, 3000);
      clearTimeout(timer);
    });
    const pending = clock.pendingSleepers;
    const advanced = clock.advanceToNextWakeUp();

    // Assess
    expect(pending).toBe(0);
    expect(advanced).toBe(false);
    expect(fired).toBe(false);
    expect(clock.now()).toBe(Date.UTC(2026, 0, 1));
  });

  it('leaves timers outside the context on the wall clock', async () => {
    // Prepare
    const clock = new VirtualClock();
    runOnVirtualTimers(clock, () => undefined);

    // Act
    await new Promise((resolve) => setTimeout(resolve, 5));

    // Assess
    expect(clock.pendingSleepers).toBe(0);
  });
});

describe('VirtualClock', () => {
  it('releases sleepers in wake-up order, equal wake-ups in the order they slept', async () => {
    // Prepare
    const clock = new VirtualClock(0);
    const order: string[] = [];
    for (const [name, ms] of [
      ['c', 30],
      ['a', 10],
      ['b1', 20],
      ['d', 40],
      ['b2', 20],
    ] as const)
      void clock.sleep(ms).then(() => order.push(name));

    // Act
    clock.advanceBy(25);
    await Promise.resolve();
    const first = [...order];
    while (clock.advanceToNextWakeUp()) await Promise.resolve();
    await Promise.resolve();

    // Assess
    expect(first).toEqual(['a', 'b1', 'b2']);
    expect(order).toEqual(['a', 'b1', 'b2', 'c', 'd']);
    expect(clock.now()).toBe(40);
  });
});
