import { describe, expect, it } from 'vitest';
import {
  InvalidConfigError,
  incompatibleActionProblem,
  parseRemediationConfig,
  remediationFor,
} from '../../../src/core';

// Each constraint of the config at its edge: the last valid value passes, the first invalid one is
// refused at its path.

function problemsOf(input: unknown): { path: string; message: string }[] {
  try {
    parseRemediationConfig(input);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidConfigError);
    return [...(error as InvalidConfigError).problems];
  }
  return [];
}
const check = (remediation: unknown) => ({ checks: { LOGGING_DISABLED_CHECK: remediation } });
const codes = (n: number) => Array(n).fill('LOGGING_DISABLED');
/** n distinct reason codes: a code named twice is refused on its own (checks.*.reasonCodes[i]). */
const distinctCodes = (n: number) => Array.from({ length: n }, (_, i) => `CODE_${i + 1}`);

describe('config constraints at their edges', () => {
  it.each<[string, unknown]>([
    ['5 actions', check({ actions: ['a', 'b', 'c', 'd', 'e'] })],
    ['an action name of 128 characters', check({ actions: ['a'.repeat(128)] })],
    ['a guardrail of 0', check({ actions: ['a'], maxNonCompliantResources: 0 })],
    ['every audit status', { acceptAuditStatuses: ['COMPLETED', 'FAILED', 'CANCELED'], checks: {} }],
    ['dry-run', { mode: 'dry-run', checks: {} }],
    ['a $schema', { $schema: './remediation-config.schema.json', checks: {} }],
    [
      'a compatible declared type',
      { actionTypes: { a: 'ENABLE_IOT_LOGGING' }, ...check({ actions: ['a'] }) },
    ],
  ])('accepts %s', (_name, input) => {
    expect(problemsOf(input)).toEqual([]);
  });

  it.each<[string, unknown, string, string]>([
    [
      '6 actions',
      check({ actions: ['a', 'b', 'c', 'd', 'e', 'f'] }),
      'checks.LOGGING_DISABLED_CHECK.actions',
      'at most 5',
    ],
    ['no action', check({ actions: [] }), 'checks.LOGGING_DISABLED_CHECK.actions', 'at least one'],
    ['an action twice', check({ actions: ['a', 'a'] }), 'checks.LOGGING_DISABLED_CHECK.actions', 'twice'],
    [
      'an action name of 129 characters',
      check({ actions: ['a'.repeat(129)] }),
      'checks.LOGGING_DISABLED_CHECK.actions[0]',
      '128',
    ],
    ['an empty action name', check({ actions: [''] }), 'checks.LOGGING_DISABLED_CHECK.actions[0]', ''],
    [
      'an action name with a colon',
      check({ actions: ['a:b'] }),
      'checks.LOGGING_DISABLED_CHECK.actions[0]',
      'a mitigation action name',
    ],
    [
      '26 reason codes',
      check({ actions: ['a'], reasonCodes: codes(26) }),
      'checks.LOGGING_DISABLED_CHECK.reasonCodes',
      'at most 25',
    ],
    [
      'an empty reason-code list',
      check({ actions: ['a'], reasonCodes: [] }),
      'checks.LOGGING_DISABLED_CHECK.reasonCodes',
      'leave reasonCodes out',
    ],
    [
      'an empty reason code',
      check({ actions: ['a'], reasonCodes: [''] }),
      'checks.LOGGING_DISABLED_CHECK.reasonCodes[0]',
      '',
    ],
    [
      'a negative guardrail',
      check({ actions: ['a'], maxNonCompliantResources: -1 }),
      'checks.LOGGING_DISABLED_CHECK.maxNonCompliantResources',
      '',
    ],
    [
      'a fractional guardrail',
      check({ actions: ['a'], maxNonCompliantResources: 1.5 }),
      'checks.LOGGING_DISABLED_CHECK.maxNonCompliantResources',
      '',
    ],
    ['no accepted status', { acceptAuditStatuses: [], checks: {} }, 'acceptAuditStatuses', ''],
    ['an unknown audit status', { acceptAuditStatuses: ['DONE'], checks: {} }, 'acceptAuditStatuses[0]', ''],
    ['an unknown action type', { actionTypes: { a: 'DELETE_EVERYTHING' }, checks: {} }, 'actionTypes.a', ''],
    ['an unknown top-level key', { checks: {}, check: {} }, 'check', 'unknown key'],
    ['no checks', {}, 'checks', 'required'],
  ])('refuses %s at its path', (_name, input, path, fragment) => {
    const problems = problemsOf(input);
    // An empty string breaks both its length and its pattern: one path, maybe two problems.
    expect([...new Set(problems.map((p) => p.path))]).toEqual([path]);
    expect(problems[0]?.message).toContain(fragment);
  });

  it('accepts 25 reason codes as far as their number goes, the 26th is one too many', () => {
    // No check has 25 reason codes, and a code is named once: 25 distinct codes are refused one by one
    // as codes the check does not have, never as too many.
    const at = 'checks.LOGGING_DISABLED_CHECK.reasonCodes';
    const problems = problemsOf(check({ actions: ['a'], reasonCodes: distinctCodes(25) }));
    expect(problems.map((p) => p.path)).toEqual(distinctCodes(25).map((_, i) => `${at}[${i}]`));
    expect(problems.every((p) => p.message.includes('is not a reason code of LOGGING_DISABLED_CHECK'))).toBe(
      true,
    );
    expect(problemsOf(check({ actions: ['a'], reasonCodes: distinctCodes(26) }))).toContainEqual({
      path: at,
      message: 'at most 25 reason codes per check (StartAuditMitigationActionsTask limit)',
    });
  });

  it('refuses a reason code named twice, at the second one', () => {
    expect(
      problemsOf(check({ actions: ['a'], reasonCodes: ['LOGGING_DISABLED', 'LOGGING_DISABLED'] })),
    ).toEqual([
      {
        path: 'checks.LOGGING_DISABLED_CHECK.reasonCodes[1]',
        message: "names the reason code 'LOGGING_DISABLED' twice (also reasonCodes[0])",
      },
    ]);
  });

  it.each([
    null,
    [],
    'text',
    42,
  ])('refuses a document that is not an object (%j), naming the root', (input) => {
    expect(problemsOf(input).map((p) => p.path)).toEqual(['']);
  });

  it.each([
    'x',
    null,
  ])('skips cross-field checks of a remediation that is not an object (%j), leaving it to the schema', (remediation) => {
    expect(problemsOf({ checks: { LOGGING_DISABLED_CHECK: remediation } }).map((p) => p.path)).toEqual([
      'checks.LOGGING_DISABLED_CHECK',
    ]);
  });

  it('names each bad reason code and each incompatible action by index, with what is valid', () => {
    const problems = problemsOf({
      actionTypes: { ok: 'PUBLISH_FINDING_TO_SNS', bad: 'UPDATE_CA_CERTIFICATE' },
      checks: {
        LOGGING_DISABLED_CHECK: {
          actions: ['ok', 'bad', 'undeclared'],
          reasonCodes: ['LOGGING_DISABLED', 'X', 7],
        },
      },
    });
    expect(problems).toEqual([
      expect.objectContaining({ path: 'checks.LOGGING_DISABLED_CHECK.reasonCodes[2]' }),
      {
        path: 'checks.LOGGING_DISABLED_CHECK.reasonCodes[1]',
        message: "'X' is not a reason code of LOGGING_DISABLED_CHECK (valid: LOGGING_DISABLED)",
      },
      {
        path: 'checks.LOGGING_DISABLED_CHECK.actions[1]',
        message:
          "action 'bad' is of type UPDATE_CA_CERTIFICATE, which LOGGING_DISABLED_CHECK does not support (supported: PUBLISH_FINDING_TO_SNS, ENABLE_IOT_LOGGING)",
      },
    ]);
  });

  it('lists every valid reason code of the check, comma-separated', () => {
    expect(
      problemsOf({ checks: { DEVICE_CERTIFICATE_EXPIRING_CHECK: { actions: ['a'], reasonCodes: ['X'] } } }),
    ).toEqual([
      {
        path: 'checks.DEVICE_CERTIFICATE_EXPIRING_CHECK.reasonCodes[0]',
        message:
          "'X' is not a reason code of DEVICE_CERTIFICATE_EXPIRING_CHECK (valid: CERTIFICATE_APPROACHING_EXPIRATION, CERTIFICATE_PAST_EXPIRATION)",
      },
    ]);
  });

  it('names a legacy check with the API name to use, and an unknown check as unknown', () => {
    expect(
      problemsOf({ checks: { REVOKED_DEVICE_CERT_CHECK: { actions: ['a'] }, X: { actions: ['a'] } } }),
    ).toEqual([
      {
        path: 'checks.REVOKED_DEVICE_CERT_CHECK',
        message:
          "'REVOKED_DEVICE_CERT_CHECK' is a legacy name: use 'REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK'",
      },
      { path: 'checks.X', message: "unknown audit check 'X'" },
    ]);
  });

  it('the error message lists every problem by path', () => {
    expect(() => parseRemediationConfig(check({ actions: [] }))).toThrow(
      'invalid remediation config: checks.LOGGING_DISABLED_CHECK.actions: needs at least one action',
    );
  });

  it('incompatibleActionProblem is undefined for a supported type', () => {
    expect(incompatibleActionProblem('LOGGING_DISABLED_CHECK', 0, 'a', 'ENABLE_IOT_LOGGING')).toBeUndefined();
    expect(incompatibleActionProblem('LOGGING_DISABLED_CHECK', 3, 'a', 'UPDATE_CA_CERTIFICATE')?.path).toBe(
      'checks.LOGGING_DISABLED_CHECK.actions[3]',
    );
  });

  it('remediationFor reads only the config’s own checks', () => {
    const config = parseRemediationConfig(check({ actions: ['a'] }));
    expect(remediationFor(config, 'LOGGING_DISABLED_CHECK')).toEqual({ actions: ['a'] });
    expect(remediationFor(config, 'CONFLICTING_CLIENT_IDS_CHECK')).toBeUndefined();
    expect(remediationFor(config, 'constructor' as never)).toBeUndefined();
  });
});
