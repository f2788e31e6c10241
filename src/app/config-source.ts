/**
 * How long a container keeps the SSM-loaded config before reading it again. Short, so that a change
 * reaches every warm container within a minute; task ids no longer depend on the config, so two
 * containers that disagree for that minute still start one task per audit.
 */
export const CONFIG_TTL_MS = 60_000;

export interface ConfigSourceOptions<T> {
  readonly load: () => Promise<T>;
  /** The clock, in epoch milliseconds. */
  readonly now: () => number;
  readonly ttlMs?: number;
}

/**
 * A loaded value kept for `ttlMs`, then loaded again. Concurrent callers share one load; a failed
 * load (SSM unreachable, an invalid config) is not kept, so the next call tries again.
 */
export function createConfigSource<T>(options: ConfigSourceOptions<T>) {
  const ttlMs = options.ttlMs ?? CONFIG_TTL_MS;
  let cached: { value: Promise<T>; loadedAt: number } | undefined;
  return {
    get(): Promise<T> {
      const now = options.now();
      if (cached === undefined || now - cached.loadedAt >= ttlMs) {
        const entry = {
          loadedAt: now,
          value: options.load().catch((error: unknown) => {
            if (cached === entry) cached = undefined;
            throw error;
          }),
        };
        cached = entry;
      }
      return cached.value;
    },
  };
}
