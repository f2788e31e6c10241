import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DescribeAuditMitigationActionsTaskCommand, IoTClient } from '@aws-sdk/client-iot';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AUDIT_COMPLETED_DETAIL_TYPE,
  DEFAULT_EVENT_SOURCE,
  parseAuditCompletionInput,
  TASK_FINISHED_DETAIL_TYPE,
  toAuditCompletedEventDetail,
  VERIFICATION_FINISHED_DETAIL_TYPE,
} from '../../src/core';
import {
  completionEvents,
  LOCAL_STATE_MACHINE_ARN,
  type LocalStack,
  startLocalStack,
} from '../../src/local/stack';
import { allAutoConfig, readJson, sampleEvents } from '../fixtures';

/**
 * The sample events through the whole local path: the real EventBridge, IoT and Step Functions
 * SDK clients over HTTP, the bus rule invoking the bundled start-mitigation handler, the real ASL.
 */
let stack: LocalStack;
const savedEnv = { ...process.env };
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

beforeAll(async () => {
  // Every check auto: the sample events' path to the task's end (the shipped config's approval gate:
  // approval-flow.test.ts).
  stack = await startLocalStack({ scenario: readJson('scenarios/default.json'), config: allAutoConfig() });
  const events = new EventBridgeClient({ endpoint: stack.url, region: 'us-east-1', credentials });
  // Prepare and Act, once for the file: every sample event on the bus, then wait for the ends.
  const entries = sampleEvents().map(([, event]) => {
    const detail = toAuditCompletedEventDetail(parseAuditCompletionInput(event));
    return {
      Source: DEFAULT_EVENT_SOURCE,
      DetailType: AUDIT_COMPLETED_DETAIL_TYPE,
      Detail: JSON.stringify(detail),
    };
  });
  const put = await events.send(new PutEventsCommand({ Entries: entries }));
  expect(put.FailedEntryCount).toBe(0);
  await stack.settled();
});

afterAll(async () => {
  await stack.close();
  process.env = savedEnv;
});

describe('the sample events on the local stack', () => {
  it('runs the handler with nothing but local endpoints and credentials in its environment', () => {
    expect(stack.handlerEnvironment.AWS_ENDPOINT_URL).toBe(stack.url);
    expect(stack.handlerEnvironment.STATE_MACHINE_ARN).toBe(LOCAL_STATE_MACHINE_ARN);
  });

  it('ends every workflow the way the scenario expects', () => {
    // Prepare
    const ends = completionEvents(stack.bus);
    const expectations = stack.scenario.audits.filter((a) => a.expectedOutcome !== undefined);

    // Assess
    for (const audit of expectations) {
      const detail = [...ends.values()].find((d) => d.auditTaskId === audit.taskId);
      if (audit.expectedOutcome === 'SKIPPED') expect(detail, audit.taskId).toBeUndefined();
      else expect(detail?.outcome, audit.taskId).toBe(audit.expectedOutcome);
    }
    expect(ends.size).toBe(expectations.filter((a) => a.expectedOutcome !== 'SKIPPED').length);
  });

  it('starts one task and one execution per mitigated audit, named alike', () => {
    const tasks = stack.emulator
      .mitigationTasks()
      .map((t) => t.taskId)
      .sort();
    const executions = stack.stepFunctions
      .executions()
      .map((e) => e.name)
      .sort();
    expect(executions).toEqual(tasks);
    expect(new Set(tasks.map((t) => t.split('-')[1])).size).toBe(tasks.length);
  });

  it('reports the final statistics per check in the completion event, as IoT describes them', async () => {
    // Prepare
    const iot = new IoTClient({ endpoint: stack.url, region: 'us-east-1', credentials });
    const finished = stack.bus.events().filter((e) => e['detail-type'] === TASK_FINISHED_DETAIL_TYPE);

    // Act
    const described = await Promise.all(
      finished.map((e) =>
        iot.send(
          new DescribeAuditMitigationActionsTaskCommand({
            taskId: String((e.detail as { taskId: string }).taskId),
          }),
        ),
      ),
    );

    // Assess
    finished.forEach((event, i) => {
      const detail = event.detail as { taskStatistics: Record<string, { TotalFindingsCount: number }> };
      for (const [check, stats] of Object.entries(described[i]?.taskStatistics ?? {})) {
        expect(detail.taskStatistics[check]?.TotalFindingsCount).toBe(stats.totalFindingsCount);
      }
    });
    expect(finished.length).toBeGreaterThan(0);
  });

  it('answers DescribeExecution through the real SFN client', async () => {
    const sfn = new SFNClient({ endpoint: stack.url, region: 'us-east-1', credentials });
    const [first] = stack.stepFunctions.executions();
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: first?.executionArn }));
    expect(['SUCCEEDED', 'FAILED']).toContain(described.status);
  });

  it('archives every audit event for replay and dead-letters nothing', () => {
    expect(stack.bus.deadLetters()).toEqual([]);
    const audits = stack.bus.events().filter((e) => e['detail-type'] === AUDIT_COMPLETED_DETAIL_TYPE);
    // The sample events, and the notification of each verification audit (recognised, not remediated).
    const verificationAudits = stack.bus
      .events()
      .filter((e) => e['detail-type'] === VERIFICATION_FINISHED_DETAIL_TYPE)
      .map((e) => (e.detail as { verificationAuditTaskId: string }).verificationAuditTaskId);
    expect(verificationAudits.length).toBeGreaterThan(0);
    expect(audits).toHaveLength(sampleEvents().length + verificationAudits.length);
    const notified = audits.map((e) => (e.detail as { taskId: string }).taskId);
    expect(notified).toEqual(expect.arrayContaining(verificationAudits));
  });
});
