import { once } from 'node:events';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { AUDIT_COMPLETED_DETAIL_TYPE, DEFAULT_EVENT_SOURCE } from '../../src/core';
import { startLocal } from './helpers';

/**
 * `iot-remediate local` promises a clean stop: on SIGINT or SIGTERM, with workflows in flight on the
 * real clock (each polling IoT every 15 s), it aborts them, closes its sockets and exits 0 within 5 s.
 */
describe('iot-remediate local stops cleanly with work in flight', () => {
  it.each([
    'SIGTERM',
    'SIGINT',
  ] as const)('%s: exit 0 within 5 s, the running workflows aborted', async (signal) => {
    // Prepare: the stack on the system clock, and audits whose mitigation workflows are running.
    const local = await startLocal(['--clock', 'system']);
    const clientConfig = {
      endpoint: local.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    };
    const events = new EventBridgeClient(clientConfig);
    const sfn = new SFNClient(clientConfig);
    const stateMachineArn = local.outputs.MitigationStateMachineArn;
    const stdout: string[] = [];
    local.process.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk.toString()));
    try {
      await events.send(
        new PutEventsCommand({
          Entries: ['a3aea009955e501a31b764abe1bebd3d', 'f0e1d2c3b4a5968778695a4b3c2d1e0f'].map((taskId) => ({
            Source: DEFAULT_EVENT_SOURCE,
            DetailType: AUDIT_COMPLETED_DETAIL_TYPE,
            Detail: JSON.stringify({ taskId }),
          })),
        }),
      );
      // Both audits' executions: counted once both run, so that none starts between the count and the signal.
      let running = 0;
      for (let attempt = 0; attempt < 100 && running < 2; attempt++) {
        const listed = await sfn.send(
          new ListExecutionsCommand({ stateMachineArn, statusFilter: 'RUNNING' }),
        );
        running = listed.executions?.length ?? 0;
        if (running < 2) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(running).toBeGreaterThan(0);

      // Act
      const stoppedAt = Date.now();
      local.process.kill(signal);
      const [code] = (await once(local.process, 'close')) as [number | null];
      const elapsedMs = Date.now() - stoppedAt;

      // Assess
      expect(code).toBe(0);
      expect(elapsedMs).toBeLessThan(5000);
      const stopLine = JSON.parse(stdout.join('').trim().split('\n').at(-1) ?? '{}');
      expect(stopLine).toEqual({ stopped: signal, abortedExecutions: running });
    } finally {
      events.destroy();
      sfn.destroy();
      if (local.process.exitCode === null) local.process.kill('SIGKILL');
    }
  });
});
