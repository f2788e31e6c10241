import { DescribeReplayCommand, EventBridgeClient, StartReplayCommand } from '@aws-sdk/client-eventbridge';
import { afterEach, describe, expect, it } from 'vitest';
import { TASK_FINISHED_DETAIL_TYPE, VERIFICATION_FINISHED_DETAIL_TYPE } from '../../src/core';
import { LOCAL_ARCHIVE_NAME, type LocalStack } from '../../src/local/stack';
import {
  auditsWithWorkflow,
  defaultAuditEvents,
  measure,
  putOnBus,
  type Run,
  report,
  startRun,
} from './harness';

// At-least-once delivery: EventBridge may deliver an event more than once and Lambda runs the
// same event concurrently; every id is derived from the event, so the repeats must find the task
// and the execution already there. https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html

const events = defaultAuditEvents();
let run: Run | undefined;

afterEach(async () => {
  await run?.stack.close();
  run = undefined;
});

const channels = [
  [
    'bus',
    'PutEvents on the local bus (the rule invokes the handler)',
    (stack: LocalStack) =>
      putOnBus(
        stack,
        [1, 2, 3].flatMap(() => events.map((e) => e.entry)),
      ),
  ],
  [
    'invoke',
    'concurrent invocations with each event as it arrives (SNS shape included)',
    async (stack: LocalStack) => {
      await Promise.allSettled(
        [1, 2, 3].flatMap(() => events.map((e) => stack.invokeStartMitigation(e.input))),
      );
    },
  ],
] as const;

describe('reliability: duplicate delivery', () => {
  it.each(
    channels,
  )('every event delivered three times concurrently (%s: %s): one task and one execution per event', async (channel, _how, deliver) => {
    // Prepare
    run = await startRun({ seed: 101 });
    const { stack } = run;

    // Act
    await deliver(stack);
    await stack.settled();

    // Assess
    const figures = measure(run, events, events.length * 3);
    report(`triple-delivery-${channel}`, figures);
    const workflows = auditsWithWorkflow(stack, events);
    expect(workflows).toBe(4);
    expect(figures).toMatchObject({
      tasks: workflows,
      executions: workflows,
      duplicates: 0,
      lost: 0,
      unexpected: 0,
      retries: 0,
      deadLetters: 0,
    });
    expect(run.handler.failures).toEqual([]);
    expect(stack.emulator.stats().mitigationTasks.started).toBe(workflows);
  });

  it('the whole event set replayed twice more from the archive: no new task, no new execution', async () => {
    // Prepare
    run = await startRun({ seed: 102 });
    const { stack } = run;
    putOnBus(
      stack,
      events.map((e) => e.entry),
    );
    await stack.settled();
    const before = {
      tasks: stack.emulator.mitigationTasks().map((t) => `${t.taskId}:${t.status}`),
      executions: stack.stepFunctions.executions().map((e) => `${e.name}:${e.status}`),
      completions: stack.bus.events().filter((e) => e['detail-type'] === TASK_FINISHED_DETAIL_TYPE).length,
      // The verification audits' notifications are audit events too: archived, and replayed with the rest.
      verificationNotifications: stack.bus
        .events()
        .filter((e) => e['detail-type'] === VERIFICATION_FINISHED_DETAIL_TYPE).length,
    };
    const eventBridge = new EventBridgeClient({
      endpoint: stack.url,
      region: stack.scenario.region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });

    // Act: two EventBridge replays of the archive, one after the other.
    for (const name of ['replay-1', 'replay-2']) {
      await eventBridge.send(
        new StartReplayCommand({
          ReplayName: name,
          EventSourceArn: stack.bus.archiveArn(LOCAL_ARCHIVE_NAME),
          EventStartTime: new Date(run.clockStartMs - 1000),
          EventEndTime: new Date(stack.clock.now() + 1000),
          Destination: { Arn: stack.bus.busArn('default') },
        }),
      );
      await waitForReplay(eventBridge, name);
      await stack.settled();
    }

    // Assess
    const replayed = stack.bus.events().filter((e) => e['replay-name'] !== undefined);
    const figures = measure(run, events, events.length * 3);
    report('replay-twice', figures, { replayed: replayed.length });
    expect(before.verificationNotifications).toBeGreaterThan(0);
    expect(replayed).toHaveLength((events.length + before.verificationNotifications) * 2);
    expect(stack.emulator.mitigationTasks().map((t) => `${t.taskId}:${t.status}`)).toEqual(before.tasks);
    expect(stack.stepFunctions.executions().map((e) => `${e.name}:${e.status}`)).toEqual(before.executions);
    expect(stack.bus.events().filter((e) => e['detail-type'] === TASK_FINISHED_DETAIL_TYPE)).toHaveLength(
      before.completions,
    );
    expect(figures).toMatchObject({ duplicates: 0, lost: 0, unexpected: 0, retries: 0, deadLetters: 0 });
    expect(run.handler.failures).toEqual([]);
    eventBridge.destroy();
  });
});

/** DescribeReplay until the replay has put every event back on the bus. */
async function waitForReplay(client: EventBridgeClient, name: string): Promise<void> {
  for (let attempt = 0; attempt < 1000; attempt++) {
    const { State } = await client.send(new DescribeReplayCommand({ ReplayName: name }));
    if (State === 'COMPLETED') return;
    if (State === 'FAILED') throw new Error(`replay ${name} failed`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`replay ${name} did not complete`);
}
