import { describe, expect, it } from 'vitest';
import {
  type AuditSummary,
  accountDisagreements,
  auditDisagreements,
  EventMismatchError,
  InvalidInputError,
  parseAuditCompletionInput,
} from '../../../src/core';

// The event is a claim; IoT's DescribeAuditTask is the fact. Any difference in what decides the plan
// (the audit's status, each check's run status and non-compliant count, the set of checks) is listed.

const iot: AuditSummary = {
  auditTaskId: 'a3aea009955e501a31b764abe1bebd3d',
  taskStatus: 'COMPLETED',
  checks: [
    {
      checkName: 'REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK',
      known: true,
      checkRunStatus: 'COMPLETED_NON_COMPLIANT',
      nonCompliantResourcesCount: 12,
      totalResourcesCount: 14,
    },
    {
      checkName: 'LOGGING_DISABLED_CHECK',
      known: true,
      checkRunStatus: 'COMPLETED_COMPLIANT',
      nonCompliantResourcesCount: 0,
      totalResourcesCount: 1,
    },
  ],
};

function claim(change: (checks: AuditSummary['checks'][number][]) => void, taskStatus = 'COMPLETED') {
  const checks = iot.checks.map((c) => ({ ...c }));
  change(checks);
  return { ...iot, taskStatus, checks };
}

describe('auditDisagreements', () => {
  it('finds none when the event says what IoT says, whatever the order of the checks', () => {
    expect(
      auditDisagreements(
        claim((c) => c.reverse()),
        iot,
      ),
    ).toEqual([]);
  });

  it.each([
    [
      'a lower non-compliant count',
      claim((c) => {
        c[0] = { ...(c[0] as AuditSummary['checks'][number]), nonCompliantResourcesCount: 1 };
      }),
      [
        {
          field: 'nonCompliantResourcesCount',
          check: 'REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK',
          event: 1,
          actual: 12,
        },
      ],
    ],
    [
      'another audit status',
      claim(() => undefined, 'FAILED'),
      [{ field: 'taskStatus', event: 'FAILED', actual: 'COMPLETED' }],
    ],
    [
      'another check run status',
      claim((c) => {
        c[1] = { ...(c[1] as AuditSummary['checks'][number]), checkRunStatus: 'COMPLETED_NON_COMPLIANT' };
      }),
      [
        {
          field: 'checkRunStatus',
          check: 'LOGGING_DISABLED_CHECK',
          event: 'COMPLETED_NON_COMPLIANT',
          actual: 'COMPLETED_COMPLIANT',
        },
      ],
    ],
    [
      'a check IoT did not run, and one left out',
      claim((c) => {
        c[1] = { ...(c[1] as AuditSummary['checks'][number]), checkName: 'CONFLICTING_CLIENT_IDS_CHECK' };
      }),
      [
        { field: 'checkName', check: 'CONFLICTING_CLIENT_IDS_CHECK', event: 'present', actual: 'absent' },
        { field: 'checkName', check: 'LOGGING_DISABLED_CHECK', event: 'absent', actual: 'present' },
      ],
    ],
    [
      'one check twice, its count split in two',
      claim((c) => {
        const ca = c[0] as AuditSummary['checks'][number];
        c.splice(0, 1, { ...ca, nonCompliantResourcesCount: 6 }, { ...ca, nonCompliantResourcesCount: 6 });
      }),
      [
        {
          field: 'nonCompliantResourcesCount',
          check: 'REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK',
          event: 6,
          actual: 12,
        },
        {
          field: 'nonCompliantResourcesCount',
          check: 'REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK',
          event: 6,
          actual: 12,
        },
      ],
    ],
  ])('lists %s', (_name, claimed, expected) => {
    expect(auditDisagreements(claimed, iot)).toEqual(expected);
  });
});

describe('accountDisagreements', () => {
  const envelope = (account: string, detail: Record<string, unknown>) => ({
    'detail-type': 'Audit Task Completed',
    source: 'custom.iot.devicedefender',
    account,
    detail,
  });

  it('finds none for an event of this account', () => {
    const completion = parseAuditCompletionInput(
      envelope('123456789012', { taskId: 'abc', accountId: '123456789012' }),
    );
    expect(accountDisagreements(completion, '123456789012')).toEqual([]);
  });

  it('lists the envelope account and the notification accountId that are not this account', () => {
    const completion = parseAuditCompletionInput(
      envelope('210987654321', { taskId: 'abc', accountId: '999999999999' }),
    );
    expect(accountDisagreements(completion, '123456789012')).toEqual([
      { field: 'account', event: '210987654321', actual: '123456789012' },
      { field: 'accountId', event: '999999999999', actual: '123456789012' },
    ]);
  });
});

describe('EventMismatchError', () => {
  it('is an input error that names each disagreement by path', () => {
    const error = new EventMismatchError([
      {
        field: 'nonCompliantResourcesCount',
        check: 'REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK',
        event: 1,
        actual: 12,
      },
      { field: 'taskStatus', event: 'FAILED', actual: 'COMPLETED' },
    ]);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.name).toBe('EventMismatchError');
    expect(error.problems).toEqual([
      {
        path: 'auditDetails.REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK.nonCompliantResourcesCount',
        message: 'the event says 1, IoT says 12',
      },
      { path: 'taskStatus', message: 'the event says FAILED, IoT says COMPLETED' },
    ]);
  });
});
