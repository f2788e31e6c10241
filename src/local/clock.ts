export interface ScheduleOptions {
  /**
   * On a VirtualClock, time is never moved to this wake-up (nor past it) while it is pending:
   * `advanceToNextWakeUp` stops before it, so whatever waits for it keeps waiting until it is
   * cancelled. An explicit `advanceBy` still goes through. No effect on the wall clocks.
   */
  readonly holdsTime?: boolean;
}

/** Time source of the local stack. Every time-dependent part of the emulator reads `now()`. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves once `ms` milliseconds have passed on this clock. */
  sleep(ms: number): Promise<void>;
  /**
   * Runs `callback` once `ms` have passed on this clock, unless the returned function is called first
   * (a timeout that the work it guards may outlive: a cancelled one is forgotten).
   */
  schedule(ms: number, callback: () => void, options?: ScheduleOptions): () => void;
}

// Node fires a timer of more than 2^31 - 1 ms after 1 ms (with a warning): longer ones are chained.
const MAX_TIMER_MS = 2_147_483_647;

/** A wall-clock timer of any length; `track` is told each underlying Timeout while it is current. */
function longTimer(ms: number, callback: () => void, track?: (timer?: NodeJS.Timeout) => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  let cancelled = false;
  const arm = (left: number): void => {
    timer = setTimeout(
      () => {
        if (left > MAX_TIMER_MS) return arm(left - MAX_TIMER_MS);
        track?.(undefined);
        callback();
      },
      Math.min(Math.max(0, left), MAX_TIMER_MS),
    );
    track?.(timer);
  };
  arm(ms);
  return () => {
    if (cancelled) return;
    cancelled = true;
    clearTimeout(timer);
    track?.(undefined);
  };
}

/** The wall clock: for `iot-remediate local`, where real tools talk to the emulator. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  schedule: (ms, callback) => longTimer(ms, callback),
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

  schedule(ms: number, callback: () => void): () => void {
    let current: NodeJS.Timeout | undefined;
    return longTimer(ms, callback, (timer) => {
      if (current) this.#timers.delete(current);
      current = timer;
      if (timer) this.#timers.add(timer);
    });
  }

  /** Drops every pending sleep and scheduled callback: their work never resumes. */
  stop(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }
}

interface Sleeper {
  readonly wakeAt: number;
  readonly seq: number;
  readonly resolve: () => void;
  readonly holdsTime?: boolean;
  cancelled?: boolean;
  released?: boolean;
}

/** Earlier wake-up first; among equal ones, the earlier sleep (the order the sleepers were released in). */
const before = (a: Sleeper, b: Sleeper): boolean =>
  a.wakeAt < b.wakeAt || (a.wakeAt === b.wakeAt && a.seq < b.seq);

/**
 * A clock that only moves when told to, so that hours of simulated work run in milliseconds.
 * `sleep` registers a wake-up; `advanceToNextWakeUp` jumps to the earliest one and releases it.
 * Whoever drives the simulation decides when nothing else can happen (see local/time-driver.ts).
 */
export class VirtualClock implements Clock {
  #now: number;
  #seq = 0;
  // A binary min-heap by (wakeAt, seq): a burst keeps thousands of executions asleep, and each jump
  // must not scan them all.
  readonly #sleepers: Sleeper[] = [];
  #cancelled = 0;

  constructor(startMs = Date.UTC(2026, 0, 1)) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.#push({ wakeAt: this.#now + ms, seq: this.#seq++, resolve });
    });
  }

  /**
   * Runs `callback` once `ms` have passed on this clock, unless the returned function is called first
   * (a cancelled wake-up no longer counts as pending, and time never jumps to it).
   */
  schedule(ms: number, callback: () => void, options: ScheduleOptions = {}): () => void {
    const sleeper: Sleeper = {
      wakeAt: this.#now + Math.max(0, ms),
      seq: this.#seq++,
      resolve: callback,
      holdsTime: options.holdsTime === true,
    };
    this.#push(sleeper);
    return () => {
      // Cancelling one that already ran (a clearTimeout after the timer fired) changes nothing: it is
      // no longer pending, and counting it would hide a pending one from pendingSleepers.
      if (sleeper.cancelled || sleeper.released) return;
      sleeper.cancelled = true;
      this.#cancelled += 1;
    };
  }

  /** Number of sleepers waiting for time to pass. */
  get pendingSleepers(): number {
    return this.#sleepers.length - this.#cancelled;
  }

  /** Moves time forward by `ms`, releasing every sleeper whose time has come. */
  advanceBy(ms: number): void {
    this.#advanceTo(this.#now + ms);
  }

  /**
   * True while the earliest pending wake-up holds time (ScheduleOptions.holdsTime): nothing can
   * happen on this clock until it is cancelled, so `advanceToNextWakeUp` stays put.
   */
  get holding(): boolean {
    while (this.#sleepers[0]?.cancelled) this.#dropCancelled();
    return this.#sleepers[0]?.holdsTime === true;
  }

  /**
   * Jumps to the earliest wake-up and releases every sleeper due then. False when none waits, or
   * when the earliest one holds time (then time stays where it is).
   */
  advanceToNextWakeUp(): boolean {
    if (this.holding) return false;
    const next = this.#sleepers[0];
    if (next === undefined) return false;
    this.#advanceTo(Math.max(next.wakeAt, this.#now));
    return true;
  }

  #advanceTo(target: number): void {
    this.#now = Math.max(this.#now, target);
    const due: Sleeper[] = [];
    while ((this.#sleepers[0]?.wakeAt ?? Number.POSITIVE_INFINITY) <= this.#now) {
      const sleeper = this.#pop();
      if (sleeper.cancelled) this.#cancelled -= 1;
      else {
        sleeper.released = true;
        due.push(sleeper);
      }
    }
    for (const sleeper of due) sleeper.resolve();
  }

  #dropCancelled(): void {
    this.#pop();
    this.#cancelled -= 1;
  }

  #push(sleeper: Sleeper): void {
    const heap = this.#sleepers;
    heap.push(sleeper);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i] as Sleeper, heap[parent] as Sleeper)) break;
      [heap[i], heap[parent]] = [heap[parent] as Sleeper, heap[i] as Sleeper];
      i = parent;
    }
  }

  #pop(): Sleeper {
    const heap = this.#sleepers;
    const top = heap[0] as Sleeper;
    const last = heap.pop() as Sleeper;
    if (heap.length === 0) return top;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < heap.length && before(heap[left] as Sleeper, heap[least] as Sleeper)) least = left;
      if (right < heap.length && before(heap[right] as Sleeper, heap[least] as Sleeper)) least = right;
      if (least === i) return top;
      [heap[i], heap[least]] = [heap[least] as Sleeper, heap[i] as Sleeper];
      i = least;
    }
  }
}
