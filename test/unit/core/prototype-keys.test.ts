import { describe, expect, it } from 'vitest';
import {
  InvalidConfigError,
  isActionTypeCompatible,
  parseAuditCompletionInput,
  parseRemediationConfig,
  planMitigation,
  summariseNotification,
  toApiCheckName,
} from '../../../src/core';
import { readJson } from '../../fixtures';

/** Names that Object.prototype answers to: as input keys they must be read as plain names. */
const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'] as const;

function problemsOf(text: string): { path: string; message: string }[] {
  try {
    // JSON.parse keeps "__proto__" as an own key, as every JSON input of the product does.
    parseRemediationConfig(JSON.parse(text));
  } catch (error) {
    if (error instanceof InvalidConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('names like Object.prototype members', () => {
  it.each(PROTOTYPE_NAMES)('the catalog does not know %s', (name) => {
    expect(toApiCheckName(name)).toBeUndefined();
    expect(isActionTypeCompatible(name, 'PUBLISH_FINDING_TO_SNS')).toBe(false);
  });

  it.each(PROTOTYPE_NAMES)('a config check named %s is an unknown audit check', (name) => {
    // Act
    const problems = problemsOf(`{"checks":{${JSON.stringify(name)}:{"actions":["PublishFindingToSns"]}}}`);

    // Assess
    expect(problems).toEqual([{ path: `checks.${name}`, message: `unknown audit check '${name}'` }]);
  });

  it.each(PROTOTYPE_NAMES)('a reason code %s is not a reason code of the check', (name) => {
    // Act
    const problems = problemsOf(
      `{"checks":{"LOGGING_DISABLED_CHECK":{"actions":["A"],"reasonCodes":[${JSON.stringify(name)}]}}}`,
    );

    // Assess
    expect(problems).toEqual([
      {
        path: 'checks.LOGGING_DISABLED_CHECK.reasonCodes[0]',
        message: `'${name}' is not a reason code of LOGGING_DISABLED_CHECK (valid: LOGGING_DISABLED)`,
      },
    ]);
  });

  it.each(
    PROTOTYPE_NAMES.filter((n) => n !== '__proto__'),
  )('an action %s whose type is declared keeps its declared type', (name) => {
    // Prepare
    const text = `{"actionTypes":{${JSON.stringify(name)}:"UPDATE_CA_CERTIFICATE"},"checks":{"LOGGING_DISABLED_CHECK":{"actions":[${JSON.stringify(name)}]}}}`;

    // Act
    const problems = problemsOf(text);

    // Assess: the declared type is checked against the check, like any other action's.
    expect(problems).toEqual([
      {
        path: 'checks.LOGGING_DISABLED_CHECK.actions[0]',
        message: `action '${name}' is of type UPDATE_CA_CERTIFICATE, which LOGGING_DISABLED_CHECK does not support (supported: PUBLISH_FINDING_TO_SNS, ENABLE_IOT_LOGGING)`,
      },
    ]);
  });

  it.each(
    PROTOTYPE_NAMES.filter((n) => n !== '__proto__'),
  )('an undeclared action %s has no declared type', (name) => {
    // Prepare: actionTypes present, but without that action.
    const text = `{"actionTypes":{"Other":"UPDATE_CA_CERTIFICATE"},"checks":{"LOGGING_DISABLED_CHECK":{"actions":[${JSON.stringify(name)}]}}}`;

    // Act
    const problems = problemsOf(text);

    // Assess
    expect(problems).toEqual([]);
  });

  it('an action type declared under the key __proto__ is refused, not dropped', () => {
    // Prepare: JavaScript objects (and zod records) cannot hold "__proto__" as a plain key.
    const text =
      '{"actionTypes":{"__proto__":"UPDATE_CA_CERTIFICATE"},"checks":{"LOGGING_DISABLED_CHECK":{"actions":["__proto__"]}}}';

    // Act
    const problems = problemsOf(text);

    // Assess
    expect(problems).toContainEqual({
      path: 'actionTypes.__proto__',
      message: "'__proto__' cannot be a key of actionTypes: rename the mitigation action",
    });
  });

  it.each(PROTOTYPE_NAMES)('an event check named %s is planned as an unknown check', (name) => {
    // Prepare
    const event = readJson('events/scheduled-audit-non-compliant.json') as {
      detail: { auditDetails: Record<string, unknown>[] };
    };
    event.detail.auditDetails.push({
      checkName: name,
      checkRunStatus: 'COMPLETED_NON_COMPLIANT',
      nonCompliantResourcesCount: 1,
      totalResourcesCount: 1,
    });
    const config = parseRemediationConfig(readJson('config/remediation.json'));

    // Act
    const completion = parseAuditCompletionInput(JSON.parse(JSON.stringify(event)));
    if (completion.kind !== 'notification') throw new Error('expected a notification');
    const plan = planMitigation(summariseNotification(completion.notification), config);

    // Assess
    expect(plan.skipped).toContainEqual({ check: name, reason: 'unknown check' });
  });
});
