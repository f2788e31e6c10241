import { describe, expect, it } from 'vitest';
import {
  type AuditSummary,
  checkNameCorrection,
  EventMismatchError,
  executionNameFor,
  FollowNameError,
  InvalidJsonError,
  MAX_EXECUTION_NAME_LENGTH,
  parseExecutionName,
  parseStrictJson,
  unknownNonCompliantChecks,
} from '../../../src/core';

// The small parts of recovery (follow names), of trust (the event refused for disagreeing with IoT),
// of strict JSON and of unknown checks, each pinned where an operator or a caller reads it.

function thrown(act: () => unknown): unknown {
  try {
    act();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('EventMismatchError: what the operator reads', () => {
  it('names each disagreement by path, with IoT or the account as the fact', () => {
    const error = new EventMismatchError([
      { field: 'taskStatus', event: 'COMPLETED', actual: 'FAILED' },
      { field: 'checkName', check: 'LOGGING_DISABLED_CHECK', event: 'present', actual: 'absent' },
      { field: 'nonCompliantResourcesCount', check: 'CA_CERTIFICATE_EXPIRING_CHECK', event: 1, actual: 12 },
      { field: 'account', event: '111111111111', actual: '123456789012' },
      { field: 'accountId', event: '222222222222', actual: '123456789012' },
    ]);
    expect(error.name).toBe('EventMismatchError');
    expect(error.problems).toEqual([
      { path: 'taskStatus', message: 'the event says COMPLETED, IoT says FAILED' },
      { path: 'auditDetails.LOGGING_DISABLED_CHECK', message: 'the event says present, IoT says absent' },
      {
        path: 'auditDetails.CA_CERTIFICATE_EXPIRING_CHECK.nonCompliantResourcesCount',
        message: 'the event says 1, IoT says 12',
      },
      { path: 'account', message: 'the event says 111111111111, the function runs in account 123456789012' },
      {
        path: 'accountId',
        message: 'the event says 222222222222, the function runs in account 123456789012',
      },
    ]);
    expect(error.message).toBe(
      'audit event refused: taskStatus: the event says COMPLETED, IoT says FAILED; ' +
        'auditDetails.LOGGING_DISABLED_CHECK: the event says present, IoT says absent; ' +
        'auditDetails.CA_CERTIFICATE_EXPIRING_CHECK.nonCompliantResourcesCount: the event says 1, IoT says 12; ' +
        'account: the event says 111111111111, the function runs in account 123456789012; ' +
        'accountId: the event says 222222222222, the function runs in account 123456789012',
    );
  });
});

describe('parseStrictJson', () => {
  it('names a repeated key in an object inside an array by its index, whatever precedes it', () => {
    const error = thrown(() => parseStrictJson('{"l": [10, true, "x,y", {"a": 1, "a": 2}]}', 'Message'));
    expect(error).toBeInstanceOf(InvalidJsonError);
    expect((error as InvalidJsonError).name).toBe('InvalidJsonError');
    expect((error as InvalidJsonError).problems).toEqual([
      { path: 'Message.l[3].a', message: "duplicate key 'a' (JSON.parse would keep only the last value)" },
    ]);
    expect((error as InvalidJsonError).message).toBe(
      "invalid JSON: Message.l[3].a: duplicate key 'a' (JSON.parse would keep only the last value)",
    );
  });

  it('keeps the syntax error as the cause of the one it throws', () => {
    const error = thrown(() => parseStrictJson('{"a":', 'Message'));
    expect(error).toBeInstanceOf(InvalidJsonError);
    expect((error as InvalidJsonError).cause).toBeInstanceOf(SyntaxError);
    expect((error as InvalidJsonError).problems.map((p) => p.path)).toEqual(['Message']);
  });
});

describe('follow names', () => {
  it('accepts an execution name of exactly 80 characters and refuses 81, with a named error', () => {
    const taskId = 'a'.repeat(MAX_EXECUTION_NAME_LENGTH - 3);
    expect(MAX_EXECUTION_NAME_LENGTH).toBe(80);
    expect(executionNameFor(taskId, 2)).toBe(`${taskId}__2`);
    expect(executionNameFor(taskId, 2)).toHaveLength(80);
    const error = thrown(() => executionNameFor(taskId, 10));
    expect(error).toBeInstanceOf(FollowNameError);
    expect((error as FollowNameError).name).toBe('FollowNameError');
  });

  it('parses a name without a follow suffix as the task itself, follow 1', () => {
    expect(parseExecutionName('remediate-audit-1-auto')).toEqual({
      taskId: 'remediate-audit-1-auto',
      follow: 1,
    });
  });

  it('parses a name whose task part holds the separator as a task id of its own, never a follow', () => {
    expect(parseExecutionName('a__b__2')).toEqual({ taskId: 'a__b__2', follow: 1 });
    expect(parseExecutionName('remediate-audit-1-auto__12')).toEqual({
      taskId: 'remediate-audit-1-auto',
      follow: 12,
    });
  });
});

describe('unknownNonCompliantChecks', () => {
  it('lists only unknown checks that ran non-compliant with at least one resource', () => {
    const check = (checkName: string, known: boolean, checkRunStatus: string, count: number) => ({
      checkName,
      known,
      checkRunStatus,
      nonCompliantResourcesCount: count,
      totalResourcesCount: count,
    });
    const audit: AuditSummary = {
      auditTaskId: 'a',
      taskStatus: 'COMPLETED',
      checks: [
        check('NEW_NON_COMPLIANT', false, 'COMPLETED_NON_COMPLIANT', 3),
        check('NEW_WITHOUT_RESOURCES', false, 'COMPLETED_NON_COMPLIANT', 0),
        check('NEW_FAILED', false, 'FAILED', 2),
        check('LOGGING_DISABLED_CHECK', true, 'COMPLETED_NON_COMPLIANT', 1),
      ],
    };
    expect(unknownNonCompliantChecks(audit)).toEqual(['NEW_NON_COMPLIANT']);
  });
});

describe('checkNameCorrection', () => {
  it('tells a misspelt name from a legacy one', () => {
    expect(checkNameCorrection('IOT_POLICY_POTENTIAL_MISCONFIGURATION_CHECK')).toEqual({
      apiName: 'IOT_POLICY_POTENTIAL_MIS_CONFIGURATION_CHECK',
      kind: 'misspelt',
    });
    expect(checkNameCorrection('LOGGING_DISABLED_CHECK')).toBeUndefined();
  });
});
