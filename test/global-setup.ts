import { execFileSync } from 'node:child_process';

/** Builds the bundles once, so that suites which run the built CLI or measure bundles see fresh code. */
export function setup(): void {
  execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
}
