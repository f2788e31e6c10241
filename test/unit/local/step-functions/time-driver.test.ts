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

  it('stops before a wake-up that holds time, and goes on once it is cancelled', async () => {
    // Prepare
    const clock = new VirtualClock(0);
    driver = startTimeDriver({ clock, isBusy: () => false });
    const cancelHold = clock.schedule(10_000, () => undefined, { holdsTime: true });
    let late = false;
    void clock.sleep(20_000).then(() => {
      late = true;
    });

    // Act
    await clock.sleep(5_000);
    for (let i = 0; i < 20; i++) await new Promise(setImmediate);
    const held = { now: clock.now(), holding: clock.holding, late };
    cancelHold();
    await clock.sleep(15_001);

    // Assess
    expect(held).toEqual({ now: 5_000, holding: true, late: false });
    expect(late).toBe(true);
  });

  it('keeps counting pending sleepers right when a callback that already ran is cancelled', () => {
    // Prepare
    const clock = new VirtualClock(0);
    const cancel = clock.schedule(1_000, () => undefined);
    clock.advanceBy(1_000);
    void clock.sleep(1_000);

    // Act: a clearTimeout after the timer fired
    cancel();

    // Assess
    expect(clock.pendingSleepers).toBe(1);
  });
});
