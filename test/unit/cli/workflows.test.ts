import { DescribeAuditMitigationActionsTaskCommand, type IoTClient } from '@aws-sdk/client-iot';
import { DescribeExecutionCommand, ListExecutionsCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { followWorkflows, type TrackedWorkflow } from '../../../src/cli/workflows';
import type { Clock } from '../../../src/local/clock';

const STATE_MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:MitigationWorkflow';
const arnOf = (name: string) => `arn:aws:states:us-east-1:123456789012:execution:MitigationWorkflow:${name}`;

/** A clock whose waits pass at once. */
function instantClock(): Clock {
  let now = Date.UTC(2026, 0, 1);
  return {
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
    schedule: () => () => undefined,
  };
}

/**
 * Step Functions and IoT as the follower sees them: `count` executions, the i-th ending i + 1 polls
 * (of 10 s) after the start; every call recorded with its round (the poll it came in).
 */
function fakeAccount(count: number, clock: Clock) {
  const names = Array.from({ length: count }, (_, i) => `remediate-audit${i}-0__1`);
  const start = clock.now();
  const calls: { round: number; command: string; name?: string }[] = [];
  const roundNow = () => Math.floor((clock.now() - start) / 10_000);
  const status = (i: number) => (i < roundNow() ? 'SUCCEEDED' : 'RUNNING');
  const sfn = {
    async send(command: unknown) {
      const round = roundNow();
      if (command instanceof ListExecutionsCommand) {
        calls.push({ round, command: 'ListExecutions' });
        expect(command.input.statusFilter).toBe('RUNNING');
        return {
          executions: names
            .map((name, i) => ({ name, i }))
            .filter(({ i }) => status(i) === 'RUNNING')
            .map(({ name }) => ({
              name,
              executionArn: arnOf(name),
              status: 'RUNNING',
              startDate: new Date(0),
            })),
        };
      }
      if (command instanceof DescribeExecutionCommand) {
        const name = String(command.input.executionArn).split(':').at(-1) ?? '';
        calls.push({ round, command: 'DescribeExecution', name });
        const i = names.indexOf(name);
        return {
          executionArn: command.input.executionArn,
          name,
          status: status(i),
          startDate: new Date(0),
          ...(status(i) === 'SUCCEEDED'
            ? { stopDate: new Date(1000), output: '{"outcome":"COMPLETED"}' }
            : {}),
        };
      }
      throw new Error(`unexpected ${String(command)}`);
    },
  } as unknown as SFNClient;
  const iot = {
    async send(command: unknown) {
      if (!(command instanceof DescribeAuditMitigationActionsTaskCommand)) throw new Error('unexpected');
      calls.push({ round: roundNow(), command: 'DescribeTask', name: command.input.taskId });
      return { taskStatus: 'IN_PROGRESS', taskStatistics: {} };
    },
  } as unknown as IoTClient;
  const workflows: TrackedWorkflow[] = names.map((name) => ({
    source: name,
    auditTaskId: name,
    executionName: name,
    executionArn: arnOf(name),
    observations: 0,
  }));
  return { sfn, iot, calls, workflows };
}

describe('followWorkflows', () => {
  it('lists the running executions once a round and describes only those that ended', async () => {
    // Prepare: 30 workflows, one ending per round.
    const clock = instantClock();
    const { sfn, iot, calls, workflows } = fakeAccount(30, clock);
    // Act
    await followWorkflows(workflows, {
      iot,
      sfn,
      stateMachineArn: STATE_MACHINE,
      clock,
      pollIntervalMs: 10_000,
      timeoutMs: 3600_000,
    });
    // Assess: every workflow ended, each execution described once (when it had ended), and the
    // tasks of running workflows read at most 10 a round, each again within three rounds.
    expect(workflows.map((w) => w.end)).toEqual(workflows.map(() => 'COMPLETED'));
    const described = calls.filter((c) => c.command === 'DescribeExecution').map((c) => c.name);
    expect(described.sort()).toEqual(workflows.map((w) => w.executionName).sort());
    const rounds = Math.max(...calls.map((c) => c.round));
    expect(calls.filter((c) => c.command === 'ListExecutions').length).toBeGreaterThanOrEqual(rounds - 1);
    for (let round = 1; round <= rounds; round++) {
      const ended = calls.filter((c) => c.round === round && c.command === 'DescribeExecution').length;
      const reads = calls.filter((c) => c.round === round && c.command === 'DescribeTask').length;
      expect(reads).toBeLessThanOrEqual(10 + ended);
    }
    for (const w of workflows) {
      const readRounds = calls
        .filter((c) => c.command === 'DescribeTask' && c.name === w.executionName?.split('__')[0])
        .map((c) => c.round);
      const endRound =
        calls.find((c) => c.command === 'DescribeExecution' && c.name === w.executionName)?.round ?? 0;
      const gaps = [0, ...readRounds].slice(1).map((r, i) => r - ([0, ...readRounds][i] ?? 0));
      expect(endRound).toBeGreaterThan(0);
      expect(Math.max(...gaps)).toBeLessThanOrEqual(3);
    }
  });
});
