/**
 * The oldest Node.js major iot-remediate runs on: the Lambda runtime's (nodejs22.x), and what its
 * dependencies need (aws-local-stepfunctions calls Promise.withResolvers, new in Node 22; on Node 20
 * every Task of the local state machine fails and the workflows end in wrong outcomes).
 */
export const MIN_NODE_MAJOR = 22;

/** Why this Node.js version cannot run iot-remediate, with how to run it instead; undefined when it can. */
export function nodeVersionProblem(version: string): string | undefined {
  const major = Number.parseInt(version.split('.')[0] ?? '', 10);
  if (Number.isInteger(major) && major >= MIN_NODE_MAJOR) return undefined;
  return [
    `iot-remediate: Node.js ${version} is too old: iot-remediate needs Node.js ${MIN_NODE_MAJOR} or later.`,
    `Run it with the project's Node.js ${MIN_NODE_MAJOR} (npm ci installs it in node_modules): npx iot-remediate <command>,`,
    `or npm exec -- iot-remediate <command>, from the repository; or install Node.js ${MIN_NODE_MAJOR} or later.`,
  ].join('\n');
}
