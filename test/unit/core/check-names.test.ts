import { describe, expect, it } from 'vitest';
import {
  AUDIT_CHECK_NAMES,
  InvalidConfigError,
  parseRemediationConfig,
  toApiCheckName,
} from '../../../src/core';

function problemsOf(document: unknown): { path: string; message: string }[] {
  try {
    parseRemediationConfig(document);
  } catch (error) {
    if (error instanceof InvalidConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('the potential-misconfiguration check', () => {
  it('has the name IoT sends: IOT_POLICY_POTENTIAL_MIS_CONFIGURATION_CHECK', () => {
    // Assess
    expect(AUDIT_CHECK_NAMES).toContain('IOT_POLICY_POTENTIAL_MIS_CONFIGURATION_CHECK');
    expect(AUDIT_CHECK_NAMES).not.toContain('IOT_POLICY_POTENTIAL_MISCONFIGURATION_CHECK');
    expect(toApiCheckName('IOT_POLICY_POTENTIAL_MISCONFIGURATION_CHECK')).toBeUndefined();
  });

  it('a config that uses the old spelling is refused with the right name', () => {
    // Act
    const problems = problemsOf({
      checks: { IOT_POLICY_POTENTIAL_MISCONFIGURATION_CHECK: { actions: ['PublishFindingToSns'] } },
    });

    // Assess
    expect(problems).toEqual([
      {
        path: 'checks.IOT_POLICY_POTENTIAL_MISCONFIGURATION_CHECK',
        message:
          "'IOT_POLICY_POTENTIAL_MISCONFIGURATION_CHECK' is a misspelt name that IoT never sends: use 'IOT_POLICY_POTENTIAL_MIS_CONFIGURATION_CHECK'",
      },
    ]);
  });

  it('a config with the right spelling is valid', () => {
    expect(
      problemsOf({
        checks: {
          IOT_POLICY_POTENTIAL_MIS_CONFIGURATION_CHECK: {
            actions: ['PublishFindingToSns'],
            reasonCodes: ['POLICY_CONTAINS_MQTT_WILDCARDS_IN_DENY_STATEMENT'],
          },
        },
      }),
    ).toEqual([]);
  });
});
