import { describe, expect, it } from 'vitest';
import { InvalidEventError, parseAuditCompletionInput } from '../../../src/core';
import { readJson, sampleEvents } from '../../fixtures';

const scheduled = readJson('events/scheduled-audit-non-compliant.json') as {
  detail: Record<string, unknown>;
};

describe('parseAuditCompletionInput', () => {
  it.each(sampleEvents())('reads the sample %s', (_name, event) => {
    // Act
    const completion = parseAuditCompletionInput(event);

    // Assess
    expect(['notification', 'audit-task-id']).toContain(completion.kind);
  });

  it('reads the raw notification, the EventBridge event, an SNS record and the SNS envelope alike', () => {
    // Prepare
    const raw = scheduled.detail;
    const message = JSON.stringify(raw);
    const forms = [
      raw,
      scheduled,
      { Records: [{ Sns: { Message: message } }] },
      { Sns: { Message: message } },
      { Type: 'Notification', Message: message },
    ];

    // Act
    const results = forms.map((form) => parseAuditCompletionInput(form));

    // Assess: the same audit; only the EventBridge form names the account that put it.
    const [first, fromEventBridge, ...others] = results;
    expect(fromEventBridge).toEqual({ ...first, envelopeAccount: '123456789012' });
    for (const result of others) expect(result).toEqual(first);
  });

  it('maps the legacy check names of the AWS sample to API names', () => {
    // Prepare
    const event = readJson('events/on-demand-audit-legacy-check-names.json');

    // Act
    const completion = parseAuditCompletionInput(event);

    // Assess
    expect(completion.kind).toBe('notification');
    if (completion.kind !== 'notification') return;
    expect(completion.notification.auditDetails.map((d) => d.checkName)).toContain(
      'DEVICE_CERTIFICATE_EXPIRING_CHECK',
    );
  });

  it('reads a minimal event carrying only the audit task id', () => {
    // Act
    const completion = parseAuditCompletionInput(readJson('events/minimal-audit-task-id.json'));

    // Assess
    expect(completion).toEqual({
      kind: 'audit-task-id',
      auditTaskId: 'f0e1d2c3b4a5968778695a4b3c2d1e0f',
      envelopeAccount: '123456789012',
    });
  });

  it.each([
    [
      'a check name that is no check name',
      { auditDetails: [{ ...detailOf(0), checkName: 'NO SUCH CHECK' }] },
      'detail.auditDetails[0].checkName',
    ],
    [
      'a negative count',
      { auditDetails: [{ ...detailOf(0), nonCompliantResourcesCount: -1 }] },
      'detail.auditDetails[0].nonCompliantResourcesCount',
    ],
    ['a bad task status', { taskStatus: 'DONE' }, 'detail.taskStatus'],
    ['a bad audit task id', { taskId: 'not/valid' }, 'detail.taskId'],
    ['auditDetails as a map', { auditDetails: {} }, 'detail.auditDetails'],
  ])('refuses %s, naming the field', (_case, change, path) => {
    // Prepare
    const event = { ...scheduled, detail: { ...scheduled.detail, ...change } };

    // Act
    const act = () => parseAuditCompletionInput(event);

    // Assess
    expect(act).toThrow(InvalidEventError);
    try {
      act();
    } catch (error) {
      expect((error as InvalidEventError).problems.map((p) => p.path)).toContain(path);
    }
  });

  it('reads a detail with more than the audit task id as a notification, naming what it lacks', () => {
    const event = { ...scheduled, detail: { taskId: 'abc', taskStatus: 'DONE' } };
    expect(() => parseAuditCompletionInput(event)).toThrow(
      /detail\.taskStatus.*detail\.auditDetails|detail\.auditDetails/s,
    );
  });

  it('refuses an SNS message that is not JSON', () => {
    expect(() => parseAuditCompletionInput({ Records: [{ Sns: { Message: '{oops' } }] })).toThrow(
      /Sns.Message: is not JSON/,
    );
  });

  it('refuses the wrong detail-type', () => {
    expect(() => parseAuditCompletionInput({ ...scheduled, 'detail-type': 'Something Else' })).toThrow(
      /detail-type/,
    );
  });
});

function detailOf(index: number): Record<string, unknown> {
  return (scheduled.detail.auditDetails as Record<string, unknown>[])[index] ?? {};
}
