import { GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJsonLines } from '../../src/core';
import {
  completionEvents,
  LOCAL_REPORT_BUCKET,
  type LocalStack,
  startLocalStack,
} from '../../src/local/stack';
import { putOnBus, toAuditEvent } from '../reliability/harness';

/**
 * The retry of failed findings through the whole local stack: an audit whose mitigation fails on a
 * share of its findings (the IoT emulator fails the same findings every time), the real state
 * machine's RetryFailedFindings step and the built retry-failed-findings function reading the
 * report from the local S3 and starting the retry workflows; the retry fails again and gives up.
 */

const AUDIT = 'c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6';
const REVOKED = 'REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK';
const TASK = `remediate-${AUDIT}-auto`;

const SCENARIO = {
  workSecondsPerFinding: 1,
  mitigationActions: [{ name: 'DeactivateDeviceCertificate', type: 'UPDATE_DEVICE_CERTIFICATE' }],
  audits: [
    {
      taskId: AUDIT,
      taskType: 'ON_DEMAND_AUDIT_TASK',
      taskStatus: 'COMPLETED',
      taskStartTime: 1764028800,
      checks: {
        [REVOKED]: {
          checkRunStatus: 'COMPLETED_NON_COMPLIANT',
          generateFindings: 120,
          totalResourcesCount: 900,
        },
      },
    },
  ],
  actionOutcomes: [
    {
      action: 'DeactivateDeviceCertificate',
      fraction: 0.25,
      status: 'FAILED',
      errorCode: 'INVALID_STATE_OF_RESOURCE',
      message: 'in use',
    },
  ],
};

const CONFIG = {
  mode: 'apply',
  defaultPolicy: 'auto',
  verify: false,
  retryFailedFindings: { attempts: 1, delay: 'PT10M' },
  checks: { [REVOKED]: { actions: ['DeactivateDeviceCertificate'] } },
};

let stack: LocalStack;
let startedAt: number;

beforeAll(async () => {
  stack = await startLocalStack({ scenario: SCENARIO, config: CONFIG, seed: 5 });
  startedAt = stack.clock.now();
  putOnBus(stack, [toAuditEvent('test', { taskId: AUDIT }).entry]);
  await stack.settled();
}, 180_000);

afterAll(async () => {
  await stack.close();
});

describe('retry of failed findings on the local stack', () => {
  it('retries exactly the failed findings, 25 a task, once, after the delay; then gives up', () => {
    // The first task's failures, from its report.
    const report = stack.s3.getText(LOCAL_REPORT_BUCKET, `reports/${TASK}/findings.jsonl`) ?? '';
    const failed = parseJsonLines(report)
      .filter((r) => r.outcome === 'FAILED')
      .map((r) => r.findingId)
      .sort();
    expect(failed.length).toBeGreaterThan(25);

    // Assess: one retry task per 25 failed findings, targeting those findings and nothing else.
    const tasks = stack.emulator.mitigationTasks();
    const retries = tasks.filter((t) => t.taskId !== TASK);
    expect(retries.map((t) => t.taskId).sort()).toEqual(
      Array.from({ length: Math.ceil(failed.length / 25) }, (_, k) => `${TASK}-r1-${k + 1}`).sort(),
    );
    // Each retry task's report lists the findings it targeted.
    const targeted = retries
      .flatMap((t) =>
        parseJsonLines(stack.s3.getText(LOCAL_REPORT_BUCKET, `reports/${t.taskId}/findings.jsonl`) ?? ''),
      )
      .map((r) => r.findingId)
      .sort();
    expect(targeted).toEqual(failed);
    // Nothing loops: the findings fail again and no second attempt is started.
    expect(tasks.some((t) => /-r2-/.test(t.taskId))).toBe(false);
    const finished = [...completionEvents(stack.bus).values()];
    expect(finished).toHaveLength(1 + retries.length);
    for (const detail of finished.filter((d) => d.taskId !== TASK))
      expect((detail.report as { failed: number }).failed).toBeGreaterThan(0);
  });

  it("says in each execution's history what the retry step did: retried by the first, given up by the retries", async () => {
    // Prepare: the answers of the retry function, read back through the Step Functions API.
    const sfn = new SFNClient({
      endpoint: stack.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    async function retryResult(executionArn: string) {
      const { events } = await sfn.send(
        new GetExecutionHistoryCommand({ executionArn, includeExecutionData: true, reverseOrder: true }),
      );
      // The state's output once it exited: the retry step's answer is at $.retryFailedFindings.result.
      const exited = (events ?? []).find(
        (e) => e.type === 'TaskStateExited' && e.stateExitedEventDetails?.name === 'RetryFailedFindings',
      );
      return JSON.parse(exited?.stateExitedEventDetails?.output ?? '{}').retryFailedFindings?.result;
    }
    const executions = stack.stepFunctions.executions();
    const first = executions.find((e) => e.name === TASK);

    // Act
    const firstResult = await retryResult(first?.executionArn ?? '');
    const retryResults = await Promise.all(
      executions.filter((e) => e.name !== TASK).map((e) => retryResult(e.executionArn)),
    );
    sfn.destroy();

    // Assess
    expect(firstResult).toMatchObject({ action: 'retry', attempt: 1, leftOut: 0 });
    // The retry waited the configured 10 minutes after the task ended.
    expect(stack.clock.now() - startedAt).toBeGreaterThan(10 * 60_000);
    expect(retryResults.length).toBeGreaterThan(0);
    for (const result of retryResults) {
      expect(result).toMatchObject({
        action: 'give-up',
        reason: '1 retry attempt(s) made; these findings still fail',
      });
      expect(result.stillFailing).toBeGreaterThan(0);
    }
  });
});
