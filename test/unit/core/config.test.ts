import { describe, expect, it } from 'vitest';
import { InvalidConfigError, parseRemediationConfig } from '../../../src/core';
import { readJson } from '../../fixtures';

function problemsOf(config: unknown): string[] {
  try {
    parseRemediationConfig(config);
  } catch (error) {
    if (error instanceof InvalidConfigError) return error.problems.map((p) => `${p.path}: ${p.message}`);
    throw error;
  }
  return [];
}

describe('parseRemediationConfig', () => {
  it('accepts the default config', () => {
    // Act
    const config = parseRemediationConfig(readJson('config/remediation.json'));

    // Assess
    expect(config.mode).toBe('apply');
    expect(Object.keys(config.checks).length).toBeGreaterThanOrEqual(8);
  });

  it('fills the defaults', () => {
    const config = parseRemediationConfig({ checks: {} });
    expect(config).toMatchObject({ mode: 'apply', acceptAuditStatuses: ['COMPLETED'] });
  });

  it.each([
    [
      'an unknown check',
      { checks: { NOPE_CHECK: { actions: ['A'] } } },
      "checks.NOPE_CHECK: unknown audit check 'NOPE_CHECK'",
    ],
    [
      'a legacy check name',
      { checks: { REVOKED_CA_CERT_CHECK: { actions: ['A'] } } },
      "use 'REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK'",
    ],
    [
      'six actions',
      { checks: { LOGGING_DISABLED_CHECK: { actions: ['a', 'b', 'c', 'd', 'e', 'f'] } } },
      'checks.LOGGING_DISABLED_CHECK.actions: at most 5 actions',
    ],
    [
      'no action',
      { checks: { LOGGING_DISABLED_CHECK: { actions: [] } } },
      'checks.LOGGING_DISABLED_CHECK.actions: needs at least one action',
    ],
    [
      'a bad action name',
      { checks: { LOGGING_DISABLED_CHECK: { actions: ['has space'] } } },
      'checks.LOGGING_DISABLED_CHECK.actions[0]',
    ],
    [
      'a reason code of another check',
      {
        checks: { LOGGING_DISABLED_CHECK: { actions: ['A'], reasonCodes: ['CERTIFICATE_PAST_EXPIRATION'] } },
      },
      'checks.LOGGING_DISABLED_CHECK.reasonCodes[0]',
    ],
    [
      'an incompatible declared action type',
      { actionTypes: { A: 'UPDATE_CA_CERTIFICATE' }, checks: { LOGGING_DISABLED_CHECK: { actions: ['A'] } } },
      'which LOGGING_DISABLED_CHECK does not support',
    ],
    [
      'a misspelt key',
      { checks: { LOGGING_DISABLED_CHECK: { actions: ['A'], maxNonCompliant: 3 } } },
      'checks.LOGGING_DISABLED_CHECK.maxNonCompliant: unknown key',
    ],
    ['a bad mode', { mode: 'yolo', checks: {} }, 'mode:'],
  ])('refuses %s, naming the path', (_case, config, expected) => {
    // Act
    const problems = problemsOf(config);

    // Assess
    expect(problems.join('\n')).toContain(expected);
  });

  it('lists the schema problems and the cross-field ones together', () => {
    const problems = problemsOf({
      checks: {
        NOPE: { actions: [] },
        LOGGING_DISABLED_CHECK: { actions: ['EnableIoTLogging'], reasonCodes: ['X'] },
      },
    });
    expect(problems).toEqual([
      'checks.NOPE.actions: needs at least one action',
      "checks.NOPE: unknown audit check 'NOPE'",
      expect.stringMatching(/^checks\.LOGGING_DISABLED_CHECK\.reasonCodes\[0\]: 'X' is not a reason code/),
    ]);
  });

  it('lists every problem, not only the first', () => {
    const problems = problemsOf({
      checks: {
        NOPE_CHECK: { actions: ['A'] },
        LOGGING_DISABLED_CHECK: { actions: ['A'], reasonCodes: ['X', 'Y'] },
      },
    });
    expect(problems).toHaveLength(3);
  });
});

describe('config/remediation-config.schema.json', () => {
  it('is the JSON Schema generated from the zod schema (npm run schema regenerates it)', async () => {
    const { remediationConfigJsonSchema } = await import('../../../src/core/config-json-schema');
    expect(readJson('config/remediation-config.schema.json')).toEqual(
      JSON.parse(JSON.stringify(remediationConfigJsonSchema())),
    );
  });
});
