import { defineConfig } from 'vitest/config';

// The suite `npm run mutate` runs against every mutant: the unit tests and the in-process property
// tests. No global setup (nothing here runs the built bundles or a subprocess), so a mutant is
// judged by the tests that import the mutated source directly.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    // Needs the aws CLI as a subprocess against the emulator: not a test of src/core, app or adapters.
    exclude: ['test/unit/local/iot-emulator/aws-cli.test.ts'],
    environment: 'node',
    setupFiles: ['test/fast-check-setup.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
