import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../../src/local/clock';
import { startTimeDriver, type TimeDriver } from '../../../../src/local/time-driver';

// Lives next to the facade tests: the time driver (src/local/time-driver.ts) exists for them.
let driver: TimeDriver | undefined;
afterEach(() => driver?.stop());

describe('startTimeDriver', () => {
  it('advances to each wake-up in turn while nothing is busy', async () => {
    // Prepare
    const clock = new VirtualClock(0);
    const woken: number[] = [];
    driver = startTimeDriver({ clock, isBusy: () => false });

    // Act
    await Promise.all(
      [3_600_000, 5_000, 60_000].map((ms) => clock.sleep(ms).then(() => woken.push(clock.now()))),
    );

    // Assess
    expect(woken).toEqual([5_000, 60_000, 3_600_000]);
  });

  it('holds time still while something is busy', async () => {
    // Prepare
    const clock = new VirtualClock(0);
    let busy = true;
    driver = startTimeDriver({ clock, isBusy: () => busy });
    let woke = false;
    const sleeping = clock.sleep(1000).then(() => {
      woke = true;
    });

    // Act
    for (let i = 0; i < 20; i++) await new Promise(setImmediate);
    const whileBusy = { woke, now: clock.now() };
    busy = false;
    await sleeping;

    // Assess
    expect(whileBusy).toEqual({ woke: false, now: 0 });
    expect(clock.now()).toBe(1000);
  });

  it('stops advancing once stopped', async () => {
    // Prepare
    const clock = new VirtualClock(0);
    driver = startTimeDriver({ clock, isBusy: () => false });
    driver.stop();
    void clock.sleep(1000);

    // Act
    for (let i = 0; i < 20; i++) await new Promise(setImmediate);

    // Assess
    expect(clock.now()).toBe(0);
    expect(clock.pendingSleepers).toBe(1);
  });
});
