import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/errors';
import { main } from '../../src/cli/main';

/**
 * The Node 20 failure, reproduced on Node 22: without Promise.withResolvers, aws-local-stepfunctions
 * throws a TypeError in every Task state. `iot-remediate replay --local` must report the local stack's
 * internal error and fail, not report the workflows as ended POLL_FAILED.
 */

// Through Reflect: the project's lib (ES2023) does not declare Promise.withResolvers.
const withResolvers: unknown = Reflect.get(Promise, 'withResolvers');
afterEach(() => {
  Reflect.set(Promise, 'withResolvers', withResolvers);
});

function capture() {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (chunk) => {
    stdout += chunk;
  });
  err.on('data', (chunk) => {
    stderr += chunk;
  });
  return { output: { out, err, colour: false }, text: () => ({ stdout, stderr }) };
}

describe('local stack internal error through the CLI', () => {
  it('replay --local reports "local stack internal error" and exits 1 when the interpreter throws a TypeError', async () => {
    // Prepare: what Node 20 lacks
    Reflect.deleteProperty(Promise, 'withResolvers');
    const { output, text } = capture();

    // Act
    const code = await main(['replay', 'events/sns-audit-notification.json', '--local', '--json'], output);

    // Assess
    const report = JSON.parse(text().stdout) as {
      workflows: { end: string; error: string; cause: string }[];
    };
    expect(code).toBe(EXIT.workflowFailed);
    expect(report.workflows).toHaveLength(1);
    expect(report.workflows[0]).toMatchObject({
      end: 'EXECUTION_FAILED',
      error: 'LocalStackInternalError',
      cause: 'local stack internal error: TypeError: Promise.withResolvers is not a function',
    });
  });
});
