import { describe, expect, it } from 'vitest';
import {
  InvalidEventError,
  parseAuditCompletionInput,
  parseRemediationConfig,
  planMitigation,
  summariseNotification,
  TaskFinishedDetailSchema,
  UNKNOWN_CHECK_REASON,
  unknownNonCompliantChecks,
  WorkflowInputSchema,
} from '../../../src/core';
import { readJson } from '../../fixtures';

const config = parseRemediationConfig(readJson('config/remediation.json'));

/** A check that no catalog knows yet: AWS adds checks over time. */
const NEW_CHECK = 'SOME_CHECK_AWS_ADDED_LATER_CHECK';

function notification(details: Record<string, unknown>[]) {
  return {
    accountId: '123456789012',
    taskId: 'a3aea009955e501a31b764abe1bebd3d',
    taskStatus: 'COMPLETED',
    taskType: 'ON_DEMAND_AUDIT_TASK',
    failedChecksCount: 0,
    canceledChecksCount: 0,
    nonCompliantChecksCount: details.length,
    compliantChecksCount: 0,
    totalChecksCount: details.length,
    taskStartTime: 1764028800000,
    auditDetails: details,
  };
}

function nonCompliant(checkName: string, count = 2) {
  return {
    checkName,
    checkRunStatus: 'COMPLETED_NON_COMPLIANT',
    nonCompliantResourcesCount: count,
    totalResourcesCount: 10,
  };
}

function planOf(document: unknown) {
  const completion = parseAuditCompletionInput(document);
  if (completion.kind !== 'notification') throw new Error('expected a notification');
  return planMitigation(summariseNotification(completion.notification), config);
}

describe('a check the catalog does not know', () => {
  it('is not a schema error: the notification is read with the raw name', () => {
    // Act
    const completion = parseAuditCompletionInput(
      notification([nonCompliant('LOGGING_DISABLED_CHECK'), nonCompliant(NEW_CHECK)]),
    );

    // Assess
    expect(completion.kind).toBe('notification');
    if (completion.kind !== 'notification') return;
    expect(completion.notification.auditDetails.map((d) => d.checkName)).toEqual([
      'LOGGING_DISABLED_CHECK',
      NEW_CHECK,
    ]);
    expect(summariseNotification(completion.notification).checks.map((c) => c.known)).toEqual([true, false]);
  });

  it('the misspelt name of the potential-misconfiguration check is unknown, not a rejection', () => {
    const plan = planOf(notification([nonCompliant('IOT_POLICY_POTENTIAL_MISCONFIGURATION_CHECK')]));
    expect(plan.skipped).toEqual([
      { check: 'IOT_POLICY_POTENTIAL_MISCONFIGURATION_CHECK', reason: 'unknown check' },
    ]);
  });

  it('the known checks are planned as usual, the unknown one is skipped as "unknown check"', () => {
    // Act
    const plan = planOf(notification([nonCompliant('LOGGING_DISABLED_CHECK'), nonCompliant(NEW_CHECK)]));
    const alone = planOf(notification([nonCompliant('LOGGING_DISABLED_CHECK')]));

    // Assess
    expect(UNKNOWN_CHECK_REASON).toBe('unknown check');
    expect(plan.action).toBe('start');
    if (plan.action !== 'start' || alone.action !== 'start') return;
    expect(Object.keys(plan.request.auditCheckToActionsMapping)).toEqual(['LOGGING_DISABLED_CHECK']);
    expect(plan.skipped).toEqual([{ check: NEW_CHECK, reason: 'unknown check' }]);
    // The unknown check does not go into the request, hence not into its ids either.
    expect(plan.request).toEqual(alone.request);
  });

  it('an audit whose only non-compliant check is unknown: a skip with that reason', () => {
    // Act
    const plan = planOf(notification([nonCompliant(NEW_CHECK)]));

    // Assess
    expect(plan.action).toBe('skip');
    expect(plan.skipped).toEqual([{ check: NEW_CHECK, reason: 'unknown check' }]);
    if (plan.action === 'skip') expect(plan.reason).toContain(`${NEW_CHECK}: unknown check`);
  });

  it('a compliant unknown check is not reported', () => {
    const plan = planOf(
      notification([
        nonCompliant('LOGGING_DISABLED_CHECK'),
        { ...nonCompliant(NEW_CHECK, 0), checkRunStatus: 'COMPLETED_COMPLIANT' },
      ]),
    );
    expect(plan.skipped).toEqual([]);
  });

  it('unknownNonCompliantChecks names the unknown checks the plan skips', () => {
    // Prepare
    const completion = parseAuditCompletionInput(
      notification([
        nonCompliant('LOGGING_DISABLED_CHECK'),
        nonCompliant(NEW_CHECK),
        { ...nonCompliant('OTHER_NEW_CHECK', 0), checkRunStatus: 'COMPLETED_COMPLIANT' },
      ]),
    );
    if (completion.kind !== 'notification') throw new Error('expected a notification');

    // Act
    const unknown = unknownNonCompliantChecks(summariseNotification(completion.notification));

    // Assess
    expect(unknown).toEqual([NEW_CHECK]);
  });

  it.each([
    ['', 'empty'],
    ['x'.repeat(129), 'too long'],
    ['has space', 'not a check name'],
  ])('a check name %j is still refused (%s)', (checkName) => {
    expect(() => parseAuditCompletionInput(notification([nonCompliant(checkName)]))).toThrow(
      InvalidEventError,
    );
  });

  it('the workflow input carries the skipped checks, empty when none', () => {
    // Prepare
    const base = {
      taskId: 'remediate-a-0123456789ab',
      auditTaskId: 'a',
      deferredStart: false,
      startRequest: {
        TaskId: 'remediate-a-0123456789ab',
        Target: { AuditTaskId: 'a' },
        AuditCheckToActionsMapping: { LOGGING_DISABLED_CHECK: ['EnableIoTLogging'] },
        ClientRequestToken: 't',
      },
      pollDeadlineSeconds: 60,
    };

    // Act
    const withSkipped = WorkflowInputSchema.parse({
      ...base,
      skipped: [{ check: NEW_CHECK, reason: 'unknown check' }],
    });
    const older = WorkflowInputSchema.parse(base);

    // Assess
    expect(withSkipped.skipped).toEqual([{ check: NEW_CHECK, reason: 'unknown check' }]);
    expect(older.skipped).toEqual([]);
  });

  it('the finished event may carry the skipped checks (optional for older executions)', () => {
    const detail = { taskId: 't', auditTaskId: 'a', outcome: 'COMPLETED' };
    expect(TaskFinishedDetailSchema.parse(detail).skipped).toBeUndefined();
    expect(
      TaskFinishedDetailSchema.parse({ ...detail, skipped: [{ check: NEW_CHECK, reason: 'unknown check' }] })
        .skipped,
    ).toEqual([{ check: NEW_CHECK, reason: 'unknown check' }]);
  });
});
