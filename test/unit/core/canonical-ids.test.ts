import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AUDIT_CHECKS,
  InvalidConfigError,
  parseAuditCompletionInput,
  parseRemediationConfig,
  planMitigation,
  type RemediationConfig,
  summariseNotification,
} from '../../../src/core';

/** Checks with several reason codes, so that their order can vary. */
const CHECKS = {
  IOT_ROLE_ALIAS_OVERLY_PERMISSIVE_CHECK: ['PublishFindingToSns'],
  AUTHENTICATED_COGNITO_ROLE_OVERLY_PERMISSIVE_CHECK: ['PublishFindingToSns'],
  DEVICE_CERTIFICATE_EXPIRING_CHECK: ['QuarantineThings', 'PublishFindingToSns'],
} as const;
type CheckName = keyof typeof CHECKS;
const CHECK_NAMES = Object.keys(CHECKS) as CheckName[];

function notification(order: readonly CheckName[]) {
  return {
    accountId: '123456789012',
    taskId: 'a3aea009955e501a31b764abe1bebd3d',
    taskStatus: 'COMPLETED',
    taskType: 'ON_DEMAND_AUDIT_TASK',
    failedChecksCount: 0,
    canceledChecksCount: 0,
    nonCompliantChecksCount: order.length,
    compliantChecksCount: 0,
    totalChecksCount: order.length,
    taskStartTime: 1764028800000,
    auditDetails: order.map((checkName) => ({
      checkName,
      checkRunStatus: 'COMPLETED_NON_COMPLIANT',
      nonCompliantResourcesCount: 3,
      totalResourcesCount: 10,
    })),
  };
}

function idsOf(config: RemediationConfig, order: readonly CheckName[] = CHECK_NAMES) {
  const completion = parseAuditCompletionInput(notification(order));
  if (completion.kind !== 'notification') throw new Error('expected a notification');
  const plan = planMitigation(summariseNotification(completion.notification), config);
  if (plan.action !== 'start') throw new Error(`expected a start: ${plan.reason}`);
  return { taskId: plan.request.taskId, token: plan.request.clientRequestToken, request: plan.request };
}

/** A config document: the checks in `checkOrder`, each with the reason codes given. */
function configDocument(
  checkOrder: readonly CheckName[],
  codes: Readonly<Record<CheckName, readonly string[]>>,
): { acceptAuditStatuses: string[]; checks: Record<string, { actions: string[]; reasonCodes?: string[] }> } {
  return {
    acceptAuditStatuses: ['COMPLETED', 'FAILED'],
    checks: Object.fromEntries(
      checkOrder.map((check) => [check, { actions: [...CHECKS[check]], reasonCodes: [...codes[check]] }]),
    ),
  };
}

const allCodes = Object.fromEntries(
  CHECK_NAMES.map((check) => [check, [...AUDIT_CHECKS[check].reasonCodes]]),
) as unknown as Record<CheckName, string[]>;

/** A non-empty subset of each check's reason codes, in any order; and any order of the checks. */
const variants = fc.record({
  checkOrder: fc.shuffledSubarray(CHECK_NAMES, { minLength: 3, maxLength: 3 }),
  codes: fc.record(
    Object.fromEntries(
      CHECK_NAMES.map((check) => [check, fc.shuffledSubarray(allCodes[check], { minLength: 1 })]),
    ) as unknown as Record<CheckName, fc.Arbitrary<string[]>>,
  ),
  auditOrder: fc.shuffledSubarray(CHECK_NAMES, { minLength: 3, maxLength: 3 }),
});

describe('ids do not depend on the order of arrays', () => {
  it('any permutation of reason codes, checks and auditDetails gives the same taskId and token (property)', () => {
    fc.assert(
      fc.property(variants, fc.context(), ({ checkOrder, codes, auditOrder }, ctx) => {
        // Prepare: the same sets, sorted.
        const sorted = Object.fromEntries(
          CHECK_NAMES.map((check) => [check, [...codes[check]].sort()]),
        ) as unknown as Record<CheckName, string[]>;
        const canonical = parseRemediationConfig(configDocument(CHECK_NAMES, sorted));
        const permuted = parseRemediationConfig(configDocument(checkOrder, codes));
        ctx.log(JSON.stringify(permuted.checks));

        // Act
        const expected = idsOf(canonical);
        const actual = idsOf(permuted, auditOrder);

        // Assess
        expect(actual.taskId).toBe(expected.taskId);
        expect(actual.token).toBe(expected.token);
      }),
      { numRuns: 200 },
    );
  });

  it('repeated reason codes (a config built without the schema) give the same ids as the set (property)', () => {
    fc.assert(
      fc.property(variants, fc.nat(), ({ codes }, seed) => {
        // Prepare: every code repeated 1 to 3 times, in the same order.
        const repeated = Object.fromEntries(
          CHECK_NAMES.map((check) => [
            check,
            codes[check].flatMap((code, i) => Array(1 + ((seed + i) % 3)).fill(code)),
          ]),
        ) as unknown as Record<CheckName, string[]>;
        const once = parseRemediationConfig(configDocument(CHECK_NAMES, codes));
        const twice: RemediationConfig = {
          ...once,
          checks: Object.fromEntries(
            CHECK_NAMES.map((check) => [
              check,
              { actions: [...CHECKS[check]], reasonCodes: repeated[check] },
            ]),
          ),
        };

        // Act
        const expected = idsOf(once);
        const actual = idsOf(twice);

        // Assess: same ids, and the request sends each code once, sorted.
        expect(actual.token).toBe(expected.token);
        expect(actual.taskId).toBe(expected.taskId);
        for (const check of CHECK_NAMES) {
          expect(actual.request.target.auditCheckToReasonCodeFilter?.[check]).toEqual(
            [...new Set(codes[check])].sort(),
          );
        }
      }),
      { numRuns: 100 },
    );
  });

  it('the order and repetition of acceptAuditStatuses change nothing', () => {
    const base = configDocument(CHECK_NAMES, allCodes);
    const a = idsOf(parseRemediationConfig(base));
    const b = idsOf(
      parseRemediationConfig({ ...base, acceptAuditStatuses: ['FAILED', 'COMPLETED', 'COMPLETED'] }),
    );
    expect(b.token).toBe(a.token);
  });

  it('the order of actions is kept: IoT applies them in that order, so another order is another request', () => {
    // Prepare
    const base = configDocument(CHECK_NAMES, allCodes);
    const swapped = structuredClone(base);
    swapped.checks.DEVICE_CERTIFICATE_EXPIRING_CHECK = {
      ...swapped.checks.DEVICE_CERTIFICATE_EXPIRING_CHECK,
      actions: ['PublishFindingToSns', 'QuarantineThings'],
    };

    // Act
    const a = idsOf(parseRemediationConfig(base));
    const b = idsOf(parseRemediationConfig(swapped));

    // Assess
    expect(b.request.auditCheckToActionsMapping.DEVICE_CERTIFICATE_EXPIRING_CHECK).toEqual([
      'PublishFindingToSns',
      'QuarantineThings',
    ]);
    expect(b.token).not.toBe(a.token);
  });
});

describe('duplicated reason codes in the config', () => {
  it('are refused by the schema, naming the repetition and the first position', () => {
    // Act
    let problems: readonly { path: string; message: string }[] = [];
    try {
      parseRemediationConfig({
        checks: {
          DEVICE_CERTIFICATE_EXPIRING_CHECK: {
            actions: ['PublishFindingToSns'],
            reasonCodes: [
              'CERTIFICATE_PAST_EXPIRATION',
              'CERTIFICATE_APPROACHING_EXPIRATION',
              'CERTIFICATE_PAST_EXPIRATION',
            ],
          },
        },
      });
    } catch (error) {
      if (!(error instanceof InvalidConfigError)) throw error;
      problems = error.problems;
    }

    // Assess
    expect(problems).toEqual([
      {
        path: 'checks.DEVICE_CERTIFICATE_EXPIRING_CHECK.reasonCodes[2]',
        message: "names the reason code 'CERTIFICATE_PAST_EXPIRATION' twice (also reasonCodes[0])",
      },
    ]);
  });
});
