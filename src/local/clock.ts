/** Time source of the local stack. Every time-dependent part of the emulator reads `now()`. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves once `ms` milliseconds have passed on this clock. */
  sleep(ms: number): Promise<void>;
}

/** The wall clock: for `iot-remediate local`, where real tools talk to the emulator. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * The wall clock of one local stack (`iot-remediate local`). `stop` drops every pending sleep, so that
 * waits of stopped work (a workflow's 15 s poll, a bus retry in 2 minutes) do not hold the process.
 */
export class StoppableSystemClock implements Clock {
  readonly #timers = new Set<NodeJS.Timeout>();

  now(): number {
    return Date.now();
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        resolve();
      }, ms);
      this.#timers.add(timer);
    });
  }

  /** Drops every pending sleep: their work never resumes. */
  stop(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }
}

interface Sleeper {
  readonly wakeAt: number;
  readonly seq: number;
  readonly resolve: () => void;
}

/**
 * A clock that only moves when told to, so that hours of simulated work run in milliseconds.
 * `sleep` registers a wake-up; `advanceToNextWakeUp` jumps to the earliest one and releases it.
 * Whoever drives the simulation decides when nothing else can happen (see local/time-driver.ts).
 */
export class VirtualClock implements Clock {
  #now: number;
  #seq = 0;
  #sleepers: Sleeper[] = [];

  constructor(startMs = Date.UTC(2026, 0, 1)) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.#sleepers.push({ wakeAt: this.#now + ms, seq: this.#seq++, resolve });
    });
  }

  /** Number of sleepers waiting for time to pass. */
  get pendingSleepers(): number {
    return this.#sleepers.length;
  }

  /** Moves time forward by `ms`, releasing every sleeper whose time has come. */
  advanceBy(ms: number): void {
    this.#advanceTo(this.#now + ms);
  }

  /** Jumps to the earliest wake-up and releases every sleeper due then. False when none waits. */
  advanceToNextWakeUp(): boolean {
    if (this.#sleepers.length === 0) return false;
    const next = Math.min(...this.#sleepers.map((s) => s.wakeAt));
    this.#advanceTo(Math.max(next, this.#now));
    return true;
  }

  #advanceTo(target: number): void {
    this.#now = Math.max(this.#now, target);
    const due = this.#sleepers
      .filter((s) => s.wakeAt <= this.#now)
      .sort((a, b) => a.wakeAt - b.wakeAt || a.seq - b.seq);
    this.#sleepers = this.#sleepers.filter((s) => s.wakeAt > this.#now);
    for (const sleeper of due) sleeper.resolve();
  }
}
