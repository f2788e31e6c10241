import { describe, expect, it } from 'vitest';
import {
  approvalTimeoutSeconds,
  destructiveAutoWarnings,
  effectivePolicy,
  InvalidConfigError,
  isDestructiveAction,
  parseRemediationConfig,
} from '../../../src/core';
import { readJson } from '../../fixtures';

function problemsOf(input: unknown) {
  try {
    parseRemediationConfig(input);
  } catch (error) {
    if (error instanceof InvalidConfigError) return error.problems;
    throw error;
  }
  return [];
}

const CERT = 'a'.repeat(64);

describe('config: policies and approval timeouts', () => {
  it('defaults to auto and PT72H, so that existing configs keep their behaviour', () => {
    const config = parseRemediationConfig({
      checks: { LOGGING_DISABLED_CHECK: { actions: ['EnableIoTLogging'] } },
    });
    expect(config.defaultPolicy).toBe('auto');
    expect(config.approvalTimeout).toBe('PT72H');
    expect(effectivePolicy(config, 'LOGGING_DISABLED_CHECK')).toBe('auto');
    expect(approvalTimeoutSeconds(config, 'LOGGING_DISABLED_CHECK')).toBe(259_200);
  });

  it('takes the policy and timeout of the check over the defaults', () => {
    const config = parseRemediationConfig({
      defaultPolicy: 'notify',
      approvalTimeout: 'P1D',
      checks: {
        LOGGING_DISABLED_CHECK: { actions: ['EnableIoTLogging'] },
        CONFLICTING_CLIENT_IDS_CHECK: {
          actions: ['PublishFindingToSns'],
          policy: 'approve',
          approvalTimeout: 'PT90M',
        },
      },
    });
    expect(effectivePolicy(config, 'LOGGING_DISABLED_CHECK')).toBe('notify');
    expect(approvalTimeoutSeconds(config, 'LOGGING_DISABLED_CHECK')).toBe(86_400);
    expect(effectivePolicy(config, 'CONFLICTING_CLIENT_IDS_CHECK')).toBe('approve');
    expect(approvalTimeoutSeconds(config, 'CONFLICTING_CLIENT_IDS_CHECK')).toBe(5_400);
  });

  it('names every bad policy and timeout by path, in one pass', () => {
    const problems = problemsOf({
      defaultPolicy: 'sometimes',
      approvalTimeout: 'PT30S',
      checks: {
        LOGGING_DISABLED_CHECK: { actions: ['EnableIoTLogging'], policy: 'ask', approvalTimeout: 'P2Y' },
        CONFLICTING_CLIENT_IDS_CHECK: { actions: ['PublishFindingToSns'], approvalTimeout: 'P366D' },
      },
    });
    expect(problems.map((p) => p.path).sort()).toEqual([
      'approvalTimeout',
      'checks.CONFLICTING_CLIENT_IDS_CHECK.approvalTimeout',
      'checks.LOGGING_DISABLED_CHECK.approvalTimeout',
      'checks.LOGGING_DISABLED_CHECK.policy',
      'defaultPolicy',
    ]);
    expect(problems.find((p) => p.path === 'approvalTimeout')?.message).toMatch(/is 30 s/);
  });
});

describe('config: protect', () => {
  it('accepts names that fit the IoT model', () => {
    const config = parseRemediationConfig({
      protect: {
        things: ['gateway-01', 'arn:thing_2'],
        thingGroups: ['critical'],
        certificateIds: [CERT, `0x${'B'.repeat(62)}`],
        caCertificateIds: ['0'.repeat(64)],
        policyNames: ['Fleet.Policy+=,@-1'],
      },
      checks: {},
    });
    expect(config.protect?.certificateIds).toHaveLength(2);
  });

  it('names every bad selector by path: pattern, length, duplicate, unknown key', () => {
    const problems = problemsOf({
      protect: {
        things: ['ok', 'has space', 'ok', 'x'.repeat(129)],
        thingGroups: [''],
        certificateIds: ['abc', 'z'.repeat(64)],
        caCertificateIds: [CERT, CERT],
        policyNames: ['bad/name'],
        devices: ['d'],
      },
      checks: {},
    });
    const paths = problems.map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'protect.things[1]',
        'protect.things[2]',
        'protect.things[3]',
        'protect.thingGroups[0]',
        'protect.certificateIds[0]',
        'protect.certificateIds[1]',
        'protect.caCertificateIds[1]',
        'protect.policyNames[0]',
        'protect.devices',
      ]),
    );
    expect(problems.find((p) => p.path === 'protect.things[2]')?.message).toBe("names 'ok' twice (also [0])");
    expect(problems.find((p) => p.path === 'protect.certificateIds[0]')?.message).toMatch(/64 characters/);
    expect(paths).not.toContain('protect.things[0]');
  });
});

describe('destructive actions', () => {
  it.each([
    [{ type: 'UPDATE_DEVICE_CERTIFICATE' }, 'yes'],
    [{ type: 'UPDATE_CA_CERTIFICATE' }, 'yes'],
    [{ type: 'REPLACE_DEFAULT_POLICY_VERSION' }, 'yes'],
    [{ type: 'ADD_THINGS_TO_THING_GROUP' }, 'maybe'],
    [{ type: 'ADD_THINGS_TO_THING_GROUP', overrideDynamicGroups: true }, 'yes'],
    [{ type: 'ADD_THINGS_TO_THING_GROUP', overrideDynamicGroups: false }, 'no'],
    [{ type: 'ENABLE_IOT_LOGGING' }, 'no'],
    [{ type: 'PUBLISH_FINDING_TO_SNS' }, 'no'],
  ] as const)('%j is destructive: %s', (facts, verdict) => {
    expect(isDestructiveAction(facts)).toBe(verdict);
  });

  it('warns about destructive actions of auto checks only', () => {
    const config = parseRemediationConfig({
      actionTypes: { Deactivate: 'UPDATE_DEVICE_CERTIFICATE', Quarantine: 'ADD_THINGS_TO_THING_GROUP' },
      checks: {
        REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK: { actions: ['Deactivate'] },
        DEVICE_CERTIFICATE_SHARED_CHECK: { actions: ['Quarantine', 'Deactivate'], policy: 'approve' },
        DEVICE_CERTIFICATE_KEY_QUALITY_CHECK: { actions: ['Quarantine'] },
      },
    });
    const types = config.actionTypes ?? {};
    const warnings = destructiveAutoWarnings(config, (a) => (types[a] ? { type: types[a] } : undefined));
    expect(warnings.map((w) => w.path)).toEqual([
      'checks.REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK.actions[0]',
      'checks.DEVICE_CERTIFICATE_KEY_QUALITY_CHECK.actions[0]',
    ]);
    expect(warnings[1]?.message).toMatch(/may be destructive/);
  });

  it('the shipped config sends every check with a destructive action type through approval', () => {
    const config = parseRemediationConfig(readJson('config/remediation.json'));
    const types = config.actionTypes ?? {};
    const destructive = new Set([
      'UPDATE_DEVICE_CERTIFICATE',
      'UPDATE_CA_CERTIFICATE',
      'REPLACE_DEFAULT_POLICY_VERSION',
    ]);
    const checks = Object.entries(config.checks);
    const withDestructiveAction = checks.filter(([, c]) =>
      c.actions.some((a) => destructive.has(types[a] ?? '')),
    );
    expect(withDestructiveAction.length).toBeGreaterThan(0);
    for (const [check, remediation] of checks)
      expect({ check, policy: remediation.policy ?? config.defaultPolicy }).toEqual({
        check,
        policy: withDestructiveAction.some(([c]) => c === check) ? 'approve' : 'auto',
      });
  });

  it('warns about the shipped config only where offline it cannot tell (ADD_THINGS_TO_THING_GROUP)', () => {
    // The template's QuarantineThings sets OverrideDynamicGroups false, which only --account can read.
    const config = parseRemediationConfig(readJson('config/remediation.json'));
    const types = config.actionTypes ?? {};
    const warnings = destructiveAutoWarnings(config, (a) => (types[a] ? { type: types[a] } : undefined));
    expect(warnings.map((w) => w.path)).toEqual(['checks.DEVICE_CERTIFICATE_KEY_QUALITY_CHECK.actions[0]']);
    expect(warnings[0]?.message).toMatch(/may be destructive/);
    const read = destructiveAutoWarnings(config, (a) =>
      types[a] === 'ADD_THINGS_TO_THING_GROUP'
        ? { type: types[a], overrideDynamicGroups: false }
        : types[a]
          ? { type: types[a] }
          : undefined,
    );
    expect(read).toEqual([]);
  });
});
