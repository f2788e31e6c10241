import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidConfigError, parseRemediationConfig } from '../../src/core';
import { readJson, sampleEvents } from '../fixtures';
import { defaultAuditEvents, measure, putOnBus, type Run, report, startRun } from './harness';
import { type Malformed, malformedAuditEvents, malformedConfigs } from './malformed-inputs';

// Malformed events and configs are refused before anything is started, every problem named by its
// path; the stack that refused them goes on working.

const RUNS = 1000;
const samples = sampleEvents().map(([, event]) => event);
const scheduled = defaultAuditEvents().find((e) => e.source === 'scheduled-audit-non-compliant.json');
let run: Run | undefined;

afterEach(async () => {
  await run?.stack.close();
  run = undefined;
});

/** The error must be the named input error and list a problem at the broken path. */
function expectNamedProblem(error: unknown, name: string, malformed: Malformed): void {
  const context = `${malformed.mutation} (expected a problem at '${malformed.path}')`;
  expect(error, context).toBeInstanceOf(Error);
  const { problems, message } = error as Error & { problems?: { path: string }[] };
  expect((error as Error).name, context).toBe(name);
  expect(
    problems?.map((p) => p.path),
    `${context}: ${message}`,
  ).toContain(malformed.path);
  expect(message, context).toContain(`${malformed.path || '(root)'}: `);
}

function expectNothingStarted(current: Run): void {
  const { stack } = current;
  expect(stack.emulator.stats().operations).toEqual({});
  expect(stack.emulator.mitigationTasks()).toEqual([]);
  expect(stack.stepFunctions.executions()).toEqual([]);
  expect(current.stepFunctions.calls).toEqual({});
}

describe('reliability: malformed events and configs', () => {
  it(`${RUNS} malformed events: InvalidEventError naming the path every time, nothing started, the stack still healthy`, async () => {
    // Prepare
    run = await startRun({ seed: 601 });
    const current = run;
    const mutations = new Set<string>();

    // Act + Assess: every generated event through the real handler.
    await fc.assert(
      fc.asyncProperty(malformedAuditEvents(samples), async (malformed) => {
        mutations.add(malformed.mutation.replace(/\[\d+\]/g, '[i]'));
        const error = await current.stack.invokeStartMitigation(malformed.input).then(
          () => undefined,
          (thrown: unknown) => thrown,
        );
        expectNamedProblem(error, 'InvalidEventError', malformed);
      }),
      { numRuns: RUNS, seed: 601 },
    );
    expectNothingStarted(current);

    // Then a valid event still goes all the way.
    if (scheduled === undefined) throw new Error('events/scheduled-audit-non-compliant.json is missing');
    putOnBus(current.stack, [scheduled.entry]);
    await current.stack.settled();
    const figures = measure(current, [scheduled], RUNS + 1);
    report('malformed-events', figures, {
      malformed: RUNS,
      rejected: current.handler.failures.length,
      kinds: mutations.size,
    });
    expect(current.handler.failures).toHaveLength(RUNS);
    expect(mutations.size).toBeGreaterThan(30);
    expect(figures).toMatchObject({
      tasks: 1,
      executions: 1,
      duplicates: 0,
      lost: 0,
      unexpected: 0,
      retries: 0,
    });
  });

  it(`${RUNS} malformed configs: parseRemediationConfig throws InvalidConfigError naming the path every time`, () => {
    const wallStart = performance.now();
    const mutations = new Set<string>();
    fc.assert(
      fc.property(malformedConfigs(), (malformed) => {
        mutations.add(malformed.mutation);
        let error: unknown;
        try {
          parseRemediationConfig(malformed.input);
        } catch (thrown) {
          error = thrown;
        }
        expect(error).toBeInstanceOf(InvalidConfigError);
        expectNamedProblem(error, 'InvalidConfigError', malformed);
      }),
      { numRuns: RUNS, seed: 602 },
    );
    console.log(
      `reliability[malformed-configs]: configs=${RUNS} rejected=${RUNS} kinds=${mutations.size} ` +
        `wall=${((performance.now() - wallStart) / 1000).toFixed(1)}s`,
    );
    expect(mutations.size).toBeGreaterThan(15);
  });

  const served = fc.sample(malformedConfigs(), { numRuns: 4, seed: 603 });
  it.each(
    served.map((malformed) => [malformed.mutation, malformed] as const),
  )('an invalid config served through SSM (%s) fails every invocation and starts nothing', async (_mutation, malformed) => {
    // Prepare
    if (scheduled === undefined) throw new Error('events/scheduled-audit-non-compliant.json is missing');
    run = await startRun({ seed: 604, config: malformed.input });

    // Act
    putOnBus(run.stack, [scheduled.entry]);
    await run.stack.settled();

    // Assess: the first invocation and both Lambda retries fail; the event ends in the dead letters.
    const figures = measure(run, [scheduled], 1);
    report('malformed-config-ssm', figures, { path: malformed.path || '(root)' });
    expect(run.handler.failures).toHaveLength(3);
    for (const error of run.handler.failures) expectNamedProblem(error, 'InvalidConfigError', malformed);
    expect(run.stack.bus.deadLetters().map((d) => d.error)).toEqual([
      expect.stringContaining(`${malformed.path || '(root)'}: `),
    ]);
    expectNothingStarted(run);
    expect(figures).toMatchObject({ tasks: 0, executions: 0, retries: 2, deadLetters: 1 });
  });

  it('the bundled config file itself is valid (the generators start from it)', () => {
    expect(() => parseRemediationConfig(readJson('config/remediation.json'))).not.toThrow();
  });
});
