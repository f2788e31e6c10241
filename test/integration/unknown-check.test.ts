import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_COMPLETED_DETAIL_TYPE, DEFAULT_EVENT_SOURCE } from '../../src/core';
import { completionEvents, type LocalStack, startLocalStack } from '../../src/local/stack';
import { allAutoConfig, readJson } from '../fixtures';

/**
 * A notification naming a check this version's catalog does not know, through the whole local
 * path (bus -> bundled handler -> IoT emulator -> the real ASL): the known checks are mitigated, the
 * unknown one is reported, and nothing is rejected.
 */
const NEW_CHECK = 'SOME_CHECK_AWS_ADDED_LATER_CHECK';
let stack: LocalStack;
const savedEnv = { ...process.env };

beforeAll(async () => {
  // IoT knows the new check (it ran it): the event agrees with DescribeAuditTask, so it is planned.
  const scenario = readJson('scenarios/default.json') as {
    audits: Array<{ taskId: string; checks: Record<string, unknown> }>;
  };
  const audit = scenario.audits.find((a) => a.taskId === 'a3aea009955e501a31b764abe1bebd3d');
  if (audit === undefined) throw new Error('scenarios/default.json lost audit a3aea009…');
  audit.checks[NEW_CHECK] = {
    checkRunStatus: 'COMPLETED_NON_COMPLIANT',
    generateFindings: 2,
    totalResourcesCount: 5,
  };
  stack = await startLocalStack({ scenario, config: allAutoConfig() });
  const event = readJson('events/scheduled-audit-non-compliant.json') as {
    detail: { auditDetails: Record<string, unknown>[] };
  };
  event.detail.auditDetails.push({
    checkName: NEW_CHECK,
    checkRunStatus: 'COMPLETED_NON_COMPLIANT',
    nonCompliantResourcesCount: 2,
    totalResourcesCount: 5,
  });
  const events = new EventBridgeClient({
    endpoint: stack.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const put = await events.send(
    new PutEventsCommand({
      Entries: [
        {
          Source: DEFAULT_EVENT_SOURCE,
          DetailType: AUDIT_COMPLETED_DETAIL_TYPE,
          Detail: JSON.stringify(event.detail),
        },
      ],
    }),
  );
  expect(put.FailedEntryCount).toBe(0);
  await stack.settled();
});

afterAll(async () => {
  await stack.close();
  process.env = savedEnv;
});

describe('an audit with a known and an unknown check, on the local stack', () => {
  it('mitigates the known checks', () => {
    // Act
    const tasks = stack.emulator.mitigationTasks();

    // Assess
    expect(tasks).toHaveLength(1);
    expect(tasks[0]?.status).toBe('COMPLETED');
    expect(Object.keys(tasks[0]?.statistics ?? {}).sort()).toEqual([
      'DEVICE_CERTIFICATE_SHARED_CHECK',
      'IOT_POLICY_OVERLY_PERMISSIVE_CHECK',
      'REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK',
    ]);
  });

  it('reports the unknown check as skipped in the finished event', () => {
    // Act
    const ends = [...completionEvents(stack.bus).values()];

    // Assess
    expect(ends).toHaveLength(1);
    expect(ends[0]?.outcome).toBe('COMPLETED');
    expect(ends[0]?.skipped).toContainEqual({ check: NEW_CHECK, reason: 'unknown check' });
    // The guardrail's skip travels the same way.
    expect(ends[0]?.skipped).toContainEqual(
      expect.objectContaining({ check: 'REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK' }),
    );
  });
});
