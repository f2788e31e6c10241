import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // Integration suites start HTTP servers on ephemeral loopback ports: files run in parallel
    // processes, tests inside one file in sequence.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    globalSetup: ['test/global-setup.ts'],
    // Fixed fast-check seed (FC_SEED overrides), printed on a property failure.
    setupFiles: ['test/fast-check-setup.ts'],
  },
});
