import { AsyncLocalStorage } from 'node:async_hooks';
import type { VirtualClock } from './clock';

/**
 * Timers of the functions that run inside a virtual-clock local stack. The functions are the built
 * bundles, unchanged; their SDK clients back off between retries with the global `setTimeout`.
 * Within `runOnVirtualTimers`, and everything that work awaits, a `setTimeout` of more than 0 ms is
 * taken on the stack's virtual clock instead of the wall clock: a throttled call is retried after
 * its backoff in simulated time (the quota bucket refills in that time, as in the cloud), and the
 * run repeats whatever the machine's speed. Timers outside that context (the test runner's, the time
 * driver's, `node:timers` imports such as middy's timeout) stay on the wall clock. `Date.now` reads
 * the virtual clock within that context too (`new Date()` does not).
 */
const storage = new AsyncLocalStorage<VirtualClock>();
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;
let installed = false;

let nextId = 1;

/** What a virtual `setTimeout` returns: enough of a Timeout for the code that holds one. */
class VirtualTimeout {
  readonly #id = nextId++;
  constructor(readonly cancel: () => void) {}
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
  hasRef(): boolean {
    return false;
  }
  refresh(): this {
    return this;
  }
  [Symbol.toPrimitive](): number {
    return this.#id;
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  const virtualSetTimeout = (callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const clock = storage.getStore();
    const delay = Number(ms ?? 0);
    if (clock === undefined || !(delay > 0)) return realSetTimeout(callback, ms, ...args);
    return new VirtualTimeout(clock.schedule(delay, () => callback(...args)));
  };
  globalThis.setTimeout = virtualSetTimeout as unknown as typeof setTimeout;
  // Date.now too: what a function does with the time (a lease, an entry's age) reads simulated time.
  const realNow = Date.now;
  Date.now = () => storage.getStore()?.now() ?? realNow();
  globalThis.clearTimeout = ((timer: unknown) => {
    if (timer instanceof VirtualTimeout) timer.cancel();
    else realClearTimeout(timer as Parameters<typeof clearTimeout>[0]);
  }) as typeof clearTimeout;
}

/** Runs `work` with its `setTimeout` calls (and those of everything it awaits) on `clock`. */
export function runOnVirtualTimers<T>(clock: VirtualClock, work: () => T): T {
  install();
  return storage.run(clock, work);
}
