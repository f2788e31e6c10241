import { afterEach, describe, expect, it } from 'vitest';
import { TASK_FINISHED_DETAIL_TYPE } from '../../src/core';
import { LOCAL_STATE_MACHINE_ARN } from '../../src/local/stack';
import { runCli } from '../e2e/helpers';
import { DEFAULT_SCENARIO, type Run, startRun } from './harness';

// A mitigation task of 7 days, followed at the 60 s cap: one Standard execution's 25,000-event
// history would run out after about 40 h, so the follow continues as new executions
// (<taskId>__2, __3...), each under the budget, the last one reporting the outcome once. The event
// is put and the chain followed by `iot-remediate replay` as a subprocess, as an operator would.

const DAY_SECONDS = 86_400;
/** The audit's task runs 18 action executions one after the other: 18 x 33,600 s = 7 days. */
const WORK_SECONDS = (7 * DAY_SECONDS) / 18;
const HISTORY_LIMIT = 25_000;
let run: Run | undefined;

afterEach(async () => {
  await run?.stack.close();
  run = undefined;
});

describe('reliability: a 7-day task is followed through a chain of executions', () => {
  // About 10,000 polls over HTTP: a minute of wall time, more on a loaded machine.
  it(
    'continues as new before the history budget, one task, one finished event',
    { timeout: 600_000 },
    async () => {
      // Prepare
      run = await startRun({
        scenario: { ...DEFAULT_SCENARIO, workSecondsPerFinding: WORK_SECONDS },
        pollDeadlineSeconds: 8 * DAY_SECONDS,
      });
      const { stack } = run;

      // Act
      const cli = await runCli([
        'replay',
        'events/scheduled-audit-non-compliant.json',
        '--endpoint-url',
        stack.url,
        '--bus',
        'default',
        '--state-machine',
        LOCAL_STATE_MACHINE_ARN,
        '--poll-interval',
        '1s',
        '--json',
      ]);
      await stack.settled();

      // Assess
      const [task, ...otherTasks] = stack.emulator.mitigationTasks();
      expect(otherTasks).toEqual([]);
      expect(task?.status).toBe('COMPLETED');
      expect(((task?.endTime ?? 0) - (task?.startTime ?? 0)) / 1000).toBe(7 * DAY_SECONDS);
      const chain = stack.stepFunctions.executions();
      const taskId = String(task?.taskId);
      expect(chain.map((e) => e.name)).toEqual(
        chain.map((_, i) => (i === 0 ? taskId : `${taskId}__${i + 1}`)),
      );
      expect(chain.every((e) => e.status === 'SUCCEEDED')).toBe(true);
      for (const [i, execution] of chain.slice(0, -1).entries()) {
        expect(execution.output).toMatchObject({ continuedAs: `${taskId}__${i + 2}`, follow: i + 2, taskId });
      }
      expect(chain.at(-1)?.output).toMatchObject({ taskId, outcome: 'COMPLETED' });
      expect(cli.code).toBe(0);
      const followed = (JSON.parse(cli.stdout) as { workflows: Record<string, unknown>[] }).workflows;
      expect(followed).toEqual([
        expect.objectContaining({ end: 'COMPLETED', taskId, execution: chain.at(-1)?.name }),
      ]);
      const finished = stack.bus.events().filter((e) => e['detail-type'] === TASK_FINISHED_DETAIL_TYPE);
      expect(finished.map((e) => (e.detail as { outcome: string }).outcome)).toEqual(['COMPLETED']);
      expect(stack.emulator.stats().mitigationTasks.started).toBe(1);
      const maxEvents = Math.max(...chain.map((e) => e.historyEvents));
      const maxTransitions = Math.max(...chain.map((e) => e.transitions));
      const polls = chain.reduce((sum, e) => sum + e.polls, 0);
      console.log(
        `reliability[long-follow]: task 7 d, executions in the chain=${chain.length} polls=${polls} ` +
          `max events per execution=${maxEvents} (limit ${HISTORY_LIMIT}) max transitions per execution=${maxTransitions}`,
      );
      expect(maxEvents).toBeLessThan(HISTORY_LIMIT / 2);
      expect(chain.length).toBeGreaterThan(1);
    },
  );
});
