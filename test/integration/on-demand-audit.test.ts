import { IoTClient, StartOnDemandAuditTaskCommand } from '@aws-sdk/client-iot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_COMPLETED_DETAIL_TYPE, TASK_FINISHED_DETAIL_TYPE } from '../../src/core';
import { type LocalStack, startLocalStack } from '../../src/local/stack';
import { allAutoConfig, readJson } from '../fixtures';

/**
 * The whole cloud topology on the local stack, from the audit on: an on-demand audit ends, Device
 * Defender's notification goes through the bundled bridge onto the bus, the rule starts the
 * mitigation, the workflow follows it, and record-outcome takes the task-finished event.
 */
let stack: LocalStack;
let auditTaskId: string | undefined;
const savedEnv = { ...process.env };

beforeAll(async () => {
  // Prepare
  stack = await startLocalStack({ scenario: readJson('scenarios/default.json'), config: allAutoConfig() });
  const iot = new IoTClient({
    endpoint: stack.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });

  // Act
  const started = await stack.holdClock(() =>
    iot.send(
      new StartOnDemandAuditTaskCommand({
        targetCheckNames: ['INTERMEDIATE_CA_REVOKED_FOR_ACTIVE_DEVICE_CERTIFICATES_CHECK'],
      }),
    ),
  );
  auditTaskId = started.taskId;
  // The audit ends after simulated time; wait until its workflow, if any, is over.
  for (
    let i = 0;
    i < 250 && !stack.bus.events().some((e) => e['detail-type'] === TASK_FINISHED_DETAIL_TYPE);
    i++
  ) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await stack.settled();
});

afterAll(async () => {
  await stack.close();
  process.env = savedEnv;
});

describe('an on-demand audit on the local stack', () => {
  it('reaches the bus through the bridge as a normalised audit-completion event', () => {
    const audit = stack.bus.events().find((e) => e['detail-type'] === AUDIT_COMPLETED_DETAIL_TYPE);
    expect(audit?.detail).toMatchObject({ taskId: auditTaskId, taskType: 'ON_DEMAND_AUDIT_TASK' });
    expect(stack.bridgeDeadLetters).toEqual([]);
  });

  it('is mitigated to the end, and its outcome reported', () => {
    const finished = stack.bus.events().find((e) => e['detail-type'] === TASK_FINISHED_DETAIL_TYPE);
    expect(finished?.detail).toMatchObject({ auditTaskId, outcome: 'COMPLETED' });
    expect(stack.emulator.mitigationTasks().map((t) => t.auditTaskId)).toEqual([auditTaskId]);
    // Both rules' targets ran without a dead letter: start-mitigation and record-outcome.
    expect(stack.bus.deadLetters()).toEqual([]);
  });
});
