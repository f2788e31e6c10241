import type { VirtualClock } from './clock';

export interface TimeDriverOptions {
  clock: VirtualClock;
  /**
   * True while anything can still act at the current virtual instant: an HTTP request in flight, an
   * execution between two waits, the caller's own work. Callers add up the `inFlight` of every part.
   */
  isBusy: () => boolean;
  /** Consecutive idle event-loop turns required before time moves (default 2). */
  idleTurns?: number;
}

export interface TimeDriver {
  stop(): void;
}

/**
 * Moves a VirtualClock forward whenever the simulation is quiet: nothing busy for `idleTurns`
 * consecutive event-loop turns and someone sleeping. Then it jumps to the earliest wake-up, so hours
 * of waits take as long as the work between them (an approval nobody answers expires at once, in
 * virtual time), unless that wake-up holds time (VirtualClock.holding). Not needed with the system
 * clock.
 */
export function startTimeDriver({ clock, isBusy, idleTurns = 2 }: TimeDriverOptions): TimeDriver {
  let stopped = false;
  let idle = 0;
  let immediate: NodeJS.Immediate | undefined;
  let timeout: NodeJS.Timeout | undefined;

  const turn = (): void => {
    if (stopped) return;
    if (isBusy() || clock.pendingSleepers === 0 || clock.holding) {
      idle = 0;
    } else if (++idle >= idleTurns) {
      idle = 0;
      clock.advanceToNextWakeUp();
    }
    // While someone sleeps, spin on setImmediate: one turn of the loop each, I/O included, so a quiet
    // simulation advances within microseconds. With no sleeper there is nothing to drive, and while
    // the earliest wake-up holds time (a callback waiting for its decision, see ScheduleOptions)
    // only a request from outside can change anything: poll gently.
    if (clock.pendingSleepers > 0 && !clock.holding) immediate = setImmediate(turn);
    else timeout = setTimeout(turn, 1);
  };
  immediate = setImmediate(turn);

  return {
    stop() {
      stopped = true;
      clearImmediate(immediate);
      clearTimeout(timeout);
    },
  };
}
