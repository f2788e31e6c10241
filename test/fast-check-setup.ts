import fc from 'fast-check';
import { beforeEach } from 'vitest';

// Property tests run on a fixed seed, so that CI and every rerun see the same cases and a failure
// reproduces. FC_SEED=<integer> replays a reported seed; FC_SEED=random explores new cases.
const requested = process.env.FC_SEED;
const seed =
  requested === undefined || requested === ''
    ? 17017
    : requested === 'random'
      ? Math.floor(Math.random() * 2 ** 31)
      : Number.parseInt(requested, 10);
if (!Number.isInteger(seed)) throw new Error(`FC_SEED must be an integer or 'random', got '${requested}'`);
fc.configureGlobal({ seed });

// fast-check names the seed and path in its own message; say how to replay it, next to the failure.
beforeEach(({ onTestFailed }) => {
  onTestFailed(({ task }) => {
    const property = task.result?.errors?.some((e) => /Property failed/.test(String(e.message)));
    if (property)
      console.error(
        `fast-check: global seed ${seed} (rerun with FC_SEED=${seed}); a test that passes its own seed names it in the error`,
      );
  });
});
