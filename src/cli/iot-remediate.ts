import { nodeVersionProblem } from './node-version';

/**
 * The bin entry of iot-remediate (dist/cli/iot-remediate.mjs). The Node.js version is checked before
 * anything else is evaluated: the CLI and its dependencies are imported only afterwards, dynamically
 * (the bundle evaluates them lazily), so an old Node gets a clear refusal and exit 2 rather than an
 * error, or wrong results, from deep inside a dependency.
 */
const problem = nodeVersionProblem(process.versions.node);
if (problem) {
  process.stderr.write(`${problem}\n`);
  process.exitCode = 2;
} else {
  const { main } = await import('./main');
  process.exitCode = await main(process.argv.slice(2));
}
