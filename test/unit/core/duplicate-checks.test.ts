import { describe, expect, it } from 'vitest';
import { InvalidEventError, parseAuditCompletionInput } from '../../../src/core';
import { readJson } from '../../fixtures';

const scheduled = readJson('events/scheduled-audit-non-compliant.json') as {
  detail: { auditDetails: Record<string, unknown>[] };
};

function problemsOf(input: unknown) {
  try {
    parseAuditCompletionInput(input);
  } catch (error) {
    if (error instanceof InvalidEventError) return [...error.problems];
    throw error;
  }
  return [];
}

/** The guardrail of DEVICE_CERTIFICATE_SHARED_CHECK in config/remediation.json is 100: 60 + 60 each pass it. */
const SHARED = {
  checkName: 'DEVICE_CERTIFICATE_SHARED_CHECK',
  checkRunStatus: 'COMPLETED_NON_COMPLIANT',
  nonCompliantResourcesCount: 60,
  totalResourcesCount: 1250,
};

function withDetails(auditDetails: Record<string, unknown>[]) {
  return { ...scheduled, detail: { ...scheduled.detail, auditDetails } };
}

describe('the same check twice in auditDetails', () => {
  it('is refused, naming both positions (split counts, each under the guardrail)', () => {
    // Act
    const problems = problemsOf(withDetails([SHARED, scheduled.detail.auditDetails[1] ?? {}, { ...SHARED }]));

    // Assess
    expect(problems).toEqual([
      {
        path: 'detail.auditDetails[2].checkName',
        message: 'DEVICE_CERTIFICATE_SHARED_CHECK appears twice (also auditDetails[0])',
      },
    ]);
  });

  it('an API name and its legacy name together are the same check', () => {
    // Act
    const problems = problemsOf(
      withDetails([
        { ...SHARED, checkName: 'DEVICE_CERTIFICATE_EXPIRING_CHECK' },
        { ...SHARED, checkName: 'DEVICE_CERT_APPROACHING_EXPIRATION_CHECK' },
      ]),
    );

    // Assess
    expect(problems).toEqual([
      {
        path: 'detail.auditDetails[1].checkName',
        message:
          'DEVICE_CERT_APPROACHING_EXPIRATION_CHECK (DEVICE_CERTIFICATE_EXPIRING_CHECK) appears twice (also auditDetails[0])',
      },
    ]);
  });

  it('an unknown check twice is refused too', () => {
    const problems = problemsOf(
      withDetails([
        { ...SHARED, checkName: 'NEW_CHECK' },
        { ...SHARED, checkName: 'NEW_CHECK' },
      ]),
    );
    expect(problems.map((p) => p.path)).toEqual(['detail.auditDetails[1].checkName']);
  });

  it('each repetition is named', () => {
    const problems = problemsOf(withDetails([SHARED, SHARED, SHARED]));
    expect(problems.map((p) => p.message)).toEqual([
      'DEVICE_CERTIFICATE_SHARED_CHECK appears twice (also auditDetails[0])',
      'DEVICE_CERTIFICATE_SHARED_CHECK appears twice (also auditDetails[0])',
    ]);
  });
});

describe('duplicate JSON keys in the SNS message', () => {
  it('are refused, naming the key and its path', () => {
    // Prepare: JSON.parse would keep the last count (1) and hide the first (60).
    const message = JSON.stringify({ ...scheduled.detail, auditDetails: [SHARED] }).replace(
      '"nonCompliantResourcesCount":60',
      '"nonCompliantResourcesCount":60,"nonCompliantResourcesCount":1',
    );

    // Act
    const problems = problemsOf({ Records: [{ Sns: { Message: message } }] });

    // Assess
    expect(problems).toEqual([
      {
        path: 'Sns.Message.auditDetails[0].nonCompliantResourcesCount',
        message: "duplicate key 'nonCompliantResourcesCount' (JSON.parse would keep only the last value)",
      },
    ]);
  });

  it('a message that is not JSON is still named as such', () => {
    const problems = problemsOf({ Type: 'Notification', Message: '{"taskId":' });
    expect(problems).toHaveLength(1);
    expect(problems[0]?.path).toBe('Message');
    expect(problems[0]?.message).toMatch(/^is not JSON/);
  });
});
