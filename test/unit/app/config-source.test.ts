import { describe, expect, it } from 'vitest';
import { CONFIG_TTL_MS, createConfigSource } from '../../../src/app/config-source';

// Every container reloads the SSM config after a short TTL, so a change reaches them all quickly.

function loader() {
  const versions = ['v1', 'v2', 'v3'];
  let loads = 0;
  return {
    load: async () => {
      const version = versions[loads++];
      if (version === undefined) throw new Error('no more versions');
      return version;
    },
    get loads() {
      return loads;
    },
  };
}

describe('createConfigSource', () => {
  it('keeps the loaded config for CONFIG_TTL_MS, then loads it again', async () => {
    // Prepare
    let now = 1_000_000;
    const source = loader();
    const config = createConfigSource({ load: source.load, now: () => now });
    // Act / Assess
    expect(await config.get()).toBe('v1');
    now += CONFIG_TTL_MS - 1;
    expect(await config.get()).toBe('v1');
    expect(source.loads).toBe(1);
    now += 1;
    expect(await config.get()).toBe('v2');
    expect(source.loads).toBe(2);
  });

  it('the TTL is short: at most a minute', () => {
    expect(CONFIG_TTL_MS).toBeGreaterThan(0);
    expect(CONFIG_TTL_MS).toBeLessThanOrEqual(60_000);
  });

  it('concurrent invocations share one load', async () => {
    const source = loader();
    const config = createConfigSource({ load: source.load, now: () => 0 });
    expect(await Promise.all([config.get(), config.get()])).toEqual(['v1', 'v1']);
    expect(source.loads).toBe(1);
  });

  it('does not keep a failed load: the next call tries again', async () => {
    let fail = true;
    const config = createConfigSource({
      load: async () => {
        if (fail) throw new Error('SSM unreachable');
        return 'v1';
      },
      now: () => 0,
    });
    await expect(config.get()).rejects.toThrow('SSM unreachable');
    fail = false;
    expect(await config.get()).toBe('v1');
  });
});
