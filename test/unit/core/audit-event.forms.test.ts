import { describe, expect, it } from 'vitest';
import {
  InvalidEventError,
  parseAuditCompletionInput,
  summariseDescribedAudit,
  summariseNotification,
  toAuditCompletedEventDetail,
} from '../../../src/core';
import { readJson } from '../../fixtures';

// Every form and every enumerated value the notification schema (auditnotification/1.0) allows
// must be read; a refused valid value would silently stop remediation.

const scheduled = readJson('events/scheduled-audit-non-compliant.json') as {
  detail: Record<string, unknown> & { auditDetails: Record<string, unknown>[] };
};
const minimalEvent = readJson('events/minimal-audit-task-id.json') as Record<string, unknown>;
const detail0 = scheduled.detail.auditDetails[0] ?? {};

function problemsOf(input: unknown): { path: string; message: string }[] {
  try {
    parseAuditCompletionInput(input);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidEventError);
    return [...(error as InvalidEventError).problems];
  }
  throw new Error('expected InvalidEventError');
}

describe('minimal events', () => {
  it('reads a minimal event that carries its accountId (documented as allowed)', () => {
    const event = {
      ...minimalEvent,
      detail: { taskId: 'f0e1d2c3b4a5968778695a4b3c2d1e0f', accountId: '123456789012' },
    };
    // Both accounts are kept: start-mitigation refuses an event that names another account.
    expect(parseAuditCompletionInput(event)).toEqual({
      kind: 'audit-task-id',
      auditTaskId: 'f0e1d2c3b4a5968778695a4b3c2d1e0f',
      accountId: '123456789012',
      envelopeAccount: '123456789012',
    });
  });

  it('reads a raw minimal detail, with or without accountId', () => {
    const withoutAccount = parseAuditCompletionInput({ taskId: 'abc-1' });
    expect(withoutAccount).toEqual({ kind: 'audit-task-id', auditTaskId: 'abc-1' });
    expect(withoutAccount).not.toHaveProperty('envelopeAccount');
    expect(parseAuditCompletionInput({ taskId: 'abc-1', accountId: '000000000000' })).toEqual({
      kind: 'audit-task-id',
      auditTaskId: 'abc-1',
      accountId: '000000000000',
    });
  });

  it('refuses a minimal event with a bad accountId or audit task id, at its path', () => {
    expect(
      problemsOf({ ...minimalEvent, detail: { taskId: 'abc', accountId: '12345' } }).map((p) => p.path),
    ).toEqual(['detail.accountId']);
    expect(problemsOf({ ...minimalEvent, detail: { taskId: 'a'.repeat(41) } })).toEqual([
      { path: 'detail.taskId', message: 'must be 1 to 40 characters of [a-zA-Z0-9-] (an audit task id)' },
    ]);
  });

  it('reads a detail with only an accountId as a notification missing its fields', () => {
    const paths = problemsOf({ ...minimalEvent, detail: { accountId: '123456789012' } }).map((p) => p.path);
    expect(paths).toContain('detail.taskId');
    expect(paths).toContain('detail.auditDetails');
  });

  it('turns a minimal completion back into the minimal detail', () => {
    expect(toAuditCompletedEventDetail({ kind: 'audit-task-id', auditTaskId: 'abc' })).toEqual({
      taskId: 'abc',
    });
  });
});

describe('every status value of the notification', () => {
  it.each(['COMPLETED', 'FAILED', 'CANCELED'])('reads taskStatus %s', (taskStatus) => {
    const completion = parseAuditCompletionInput({
      ...scheduled,
      detail: { ...scheduled.detail, taskStatus },
    });
    expect(completion.kind === 'notification' && completion.notification.taskStatus).toBe(taskStatus);
  });

  it.each(['ON_DEMAND_AUDIT_TASK', 'SCHEDULED_AUDIT_TASK'])('reads taskType %s', (taskType) => {
    const completion = parseAuditCompletionInput({ ...scheduled, detail: { ...scheduled.detail, taskType } });
    expect(completion.kind === 'notification' && completion.notification.taskType).toBe(taskType);
  });

  it.each([
    'FAILED',
    'CANCELED',
    'COMPLETED_COMPLIANT',
    'COMPLETED_NON_COMPLIANT',
  ])('reads checkRunStatus %s', (checkRunStatus) => {
    const event = {
      ...scheduled,
      detail: { ...scheduled.detail, auditDetails: [{ ...detail0, checkRunStatus }] },
    };
    const completion = parseAuditCompletionInput(event);
    expect(
      completion.kind === 'notification' && completion.notification.auditDetails[0]?.checkRunStatus,
    ).toBe(checkRunStatus);
  });

  it.each(['INSUFFICIENT_PERMISSIONS', 'AUDIT_CHECK_DISABLED'])('reads errorCode %s', (errorCode) => {
    const event = {
      ...scheduled,
      detail: { ...scheduled.detail, auditDetails: [{ ...detail0, checkRunStatus: 'FAILED', errorCode }] },
    };
    const completion = parseAuditCompletionInput(event);
    expect(completion.kind === 'notification' && completion.notification.auditDetails[0]?.errorCode).toBe(
      errorCode,
    );
  });

  it.each([
    ['taskStatus', { taskStatus: 'IN_PROGRESS' }, 'detail.taskStatus'],
    ['taskType', { taskType: 'WEEKLY' }, 'detail.taskType'],
    [
      'checkRunStatus',
      { auditDetails: [{ ...detail0, checkRunStatus: 'IN_PROGRESS' }] },
      'detail.auditDetails[0].checkRunStatus',
    ],
    ['errorCode', { auditDetails: [{ ...detail0, errorCode: 'OOPS' }] }, 'detail.auditDetails[0].errorCode'],
    ['accountId', { accountId: '12345678901' }, 'detail.accountId'],
    ['taskStartTime', { taskStartTime: -1 }, 'detail.taskStartTime'],
    ['a fractional count', { totalChecksCount: 1.5 }, 'detail.totalChecksCount'],
  ])('refuses a value outside the schema: %s', (_name, change, path) => {
    expect(
      problemsOf({ ...scheduled, detail: { ...scheduled.detail, ...change } }).map((p) => p.path),
    ).toEqual([path]);
  });
});

describe('input forms', () => {
  it('refuses a non-object and names the root', () => {
    expect(problemsOf('text')).toEqual([{ path: '', message: 'expected a JSON object' }]);
    expect(problemsOf(null)).toEqual([{ path: '', message: 'expected a JSON object' }]);
    expect(problemsOf([scheduled.detail])).toEqual([{ path: '', message: 'expected a JSON object' }]);
  });

  it('refuses an SNS event with 0 or 2 records', () => {
    expect(problemsOf({ Records: [] })).toEqual([
      { path: 'Records', message: 'expected exactly one SNS record, got 0' },
    ]);
    const record = { Sns: { Message: JSON.stringify(scheduled.detail) } };
    expect(problemsOf({ Records: [record, record] })).toEqual([
      { path: 'Records', message: 'expected exactly one SNS record, got 2' },
    ]);
  });

  it('refuses an SNS message that is not a string, at its path', () => {
    expect(problemsOf({ Sns: { Message: scheduled.detail } })).toEqual([
      { path: 'Sns.Message', message: 'expected the notification as a JSON string' },
    ]);
    expect(problemsOf({ Type: 'Notification', Message: 42 })).toEqual([
      { path: 'Message', message: 'expected the notification as a JSON string' },
    ]);
  });

  it('names problems inside an SNS message under the message path', () => {
    const message = JSON.stringify({ ...scheduled.detail, taskStatus: 'DONE' });
    expect(problemsOf({ Records: [{ Sns: { Message: message } }] }).map((p) => p.path)).toEqual([
      'Sns.Message.taskStatus',
    ]);
    expect(problemsOf({ Type: 'Notification', Message: '{"taskId":"a/b"}' }).map((p) => p.path)).toEqual([
      'Message.taskId',
    ]);
  });

  it('reads an envelope that has a detail but no detail-type as an event, and refuses it', () => {
    expect(problemsOf({ detail: scheduled.detail, source: 's' }).map((p) => p.path)).toEqual(['detail-type']);
  });

  it('refuses an envelope with an empty source', () => {
    expect(problemsOf({ ...scheduled, source: '' }).map((p) => p.path)).toEqual(['source']);
  });
});

describe('audit summaries', () => {
  it('summarises a notification check by check', () => {
    const completion = parseAuditCompletionInput(scheduled);
    if (completion.kind !== 'notification') throw new Error('expected a notification');
    const summary = summariseNotification(completion.notification);
    expect(summary.auditTaskId).toBe(scheduled.detail.taskId);
    expect(summary.taskStatus).toBe(scheduled.detail.taskStatus);
    expect(summary.taskType).toBe(scheduled.detail.taskType);
    expect(summary.scheduledAuditName).toBe(scheduled.detail.scheduledAuditName);
    expect(summary.checks).toHaveLength(scheduled.detail.auditDetails.length);
    expect(summary.checks[0]).toEqual({
      checkName: detail0.checkName,
      known: true,
      checkRunStatus: detail0.checkRunStatus,
      nonCompliantResourcesCount: detail0.nonCompliantResourcesCount,
      totalResourcesCount: detail0.totalResourcesCount,
      errorCode: detail0.errorCode,
    });
  });

  it('summarises DescribeAuditTask, mapping legacy names and keeping unknown ones as unknown', () => {
    const summary = summariseDescribedAudit('audit-9', {
      taskStatus: 'COMPLETED',
      taskType: 'ON_DEMAND_AUDIT_TASK',
      scheduledAuditName: 'weekly',
      auditDetails: {
        REVOKED_CA_CERT_CHECK: {
          checkRunStatus: 'COMPLETED_NON_COMPLIANT',
          nonCompliantResourcesCount: 2,
          totalResourcesCount: 9,
          errorCode: 'X',
        },
        BRAND_NEW_CHECK: {},
      },
    });
    expect(summary).toEqual({
      auditTaskId: 'audit-9',
      taskStatus: 'COMPLETED',
      taskType: 'ON_DEMAND_AUDIT_TASK',
      scheduledAuditName: 'weekly',
      checks: [
        {
          checkName: 'REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK',
          known: true,
          checkRunStatus: 'COMPLETED_NON_COMPLIANT',
          nonCompliantResourcesCount: 2,
          totalResourcesCount: 9,
          errorCode: 'X',
        },
        {
          checkName: 'BRAND_NEW_CHECK',
          known: false,
          checkRunStatus: 'UNKNOWN',
          nonCompliantResourcesCount: 0,
          totalResourcesCount: 0,
          errorCode: undefined,
        },
      ],
    });
  });

  it('summarises an empty DescribeAuditTask answer as UNKNOWN with no checks', () => {
    expect(summariseDescribedAudit('a', {})).toEqual({
      auditTaskId: 'a',
      taskStatus: 'UNKNOWN',
      taskType: undefined,
      scheduledAuditName: undefined,
      checks: [],
    });
  });
});

describe('input forms: what tells them apart', () => {
  it('reads an object with a detail-type but no detail as an event missing its detail', () => {
    expect(problemsOf({ 'detail-type': 'Audit Task Completed', source: 's' }).map((p) => p.path)).toEqual([
      'detail',
    ]);
  });

  it('reads a Type without a Message, or a Message without Type Notification, as a notification payload', () => {
    expect(problemsOf({ Type: 'Notification' }).map((p) => p.path)).toContain('taskId');
    expect(problemsOf({ Type: 'SubscriptionConfirmation', Message: '{}' }).map((p) => p.path)).toContain(
      'taskId',
    );
  });

  it('keeps an unknown check by its name, and names a check name that cannot be one by its path', () => {
    const withCheck = (checkName: string) => ({
      ...scheduled,
      detail: { ...scheduled.detail, auditDetails: [{ ...detail0, checkName }] },
    });
    // AWS adds checks over time: the planner skips an unknown one ('unknown check'), the audit is read.
    const parsed = parseAuditCompletionInput(withCheck('NO_SUCH_CHECK'));
    expect(
      parsed.kind === 'notification' && parsed.notification.auditDetails.map((d) => d.checkName),
    ).toEqual(['NO_SUCH_CHECK']);
    expect(problemsOf(withCheck('NO SUCH CHECK'))).toEqual([
      {
        path: 'detail.auditDetails[0].checkName',
        message: 'must be 1 to 128 characters of [A-Za-z0-9_] (an audit check name)',
      },
    ]);
  });
});
