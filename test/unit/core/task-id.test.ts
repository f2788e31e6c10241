import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_EXECUTION_NAME_LENGTH, withDerivedIds } from '../../../src/core';

// One automatic mitigation task per audit, whatever the config: IoT (same task id, another token:
// TaskAlreadyExistsException) and Step Functions (same execution name) then refuse a second one.

const auditTaskIdArb = fc.stringMatching(/^[a-zA-Z0-9-]{1,40}$/);
const actionsArb = fc.uniqueArray(fc.stringMatching(/^[a-zA-Z0-9_-]{1,20}$/), { minLength: 1, maxLength: 5 });

describe('withDerivedIds', () => {
  it('derives the task id from the audit task id alone: remediate-<auditTaskId>-auto', () => {
    const request = withDerivedIds('a3aea009955e501a31b764abe1bebd3d', 'auto', {
      target: { auditTaskId: 'a3aea009955e501a31b764abe1bebd3d' },
      auditCheckToActionsMapping: { LOGGING_DISABLED_CHECK: ['EnableIoTLogging'] },
    });
    expect(request.taskId).toBe('remediate-a3aea009955e501a31b764abe1bebd3d-auto');
  });

  it('two configs planning the same audit differently give the same task id and different tokens', () => {
    fc.assert(
      fc.property(auditTaskIdArb, actionsArb, actionsArb, (auditTaskId, first, second) => {
        fc.pre(first.join() !== second.join());
        const a = withDerivedIds(auditTaskId, 'auto', {
          target: { auditTaskId },
          auditCheckToActionsMapping: { LOGGING_DISABLED_CHECK: first },
        });
        const b = withDerivedIds(auditTaskId, 'auto', {
          target: { auditTaskId, auditCheckToReasonCodeFilter: { DEVICE_CERTIFICATE_SHARED_CHECK: ['X'] } },
          auditCheckToActionsMapping: {
            DEVICE_CERTIFICATE_SHARED_CHECK: second,
            LOGGING_DISABLED_CHECK: first,
          },
        });
        expect(b.taskId).toBe(a.taskId);
        expect(b.clientRequestToken).not.toBe(a.clientRequestToken);
        expect(a.clientRequestToken).toMatch(/^[0-9a-f]{64}$/);
      }),
      { numRuns: 200 },
    );
  });

  it('every task id is a valid task id and execution name (at most 80 of [a-zA-Z0-9_-])', () => {
    fc.assert(
      fc.property(auditTaskIdArb, (auditTaskId) => {
        const { taskId } = withDerivedIds(auditTaskId, 'auto', {
          target: { auditTaskId },
          auditCheckToActionsMapping: { LOGGING_DISABLED_CHECK: ['EnableIoTLogging'] },
        });
        expect(taskId.length).toBeLessThanOrEqual(MAX_EXECUTION_NAME_LENGTH);
        expect(taskId).toMatch(/^[a-zA-Z0-9_-]+$/);
      }),
    );
  });
});
