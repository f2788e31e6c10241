import {
  AUDIT_CHECKS,
  type AuditCheckName,
  checkNameCorrection,
  isActionTypeCompatible,
  isAuditCheckName,
  MITIGATION_ACTION_TYPES,
} from './check-catalog';
import { approvalTimeoutProblem } from './duration';
import { InvalidConfigError, type Problem } from './errors';
import { RetryFailedFindingsSchema } from './retry';
import * as z from './zod';
import { toProblems } from './zod-problems';

const ACTION_NAME = /^[a-zA-Z0-9_-]+$/;

/**
 * How the findings of a check are handled: `auto` starts the mitigation task at once, `approve`
 * starts it only once a person approves it, `notify` never acts and reports the findings.
 */
export const CheckPolicySchema = z.enum(['auto', 'approve', 'notify']);
export type CheckPolicy = z.infer<typeof CheckPolicySchema>;

/** An ISO-8601 duration (PT72H, P3D, PT90M, P1DT12H) within Step Functions' bounds (see ./duration). */
export const ApprovalTimeoutSchema = z.string().check(
  z.superRefine((text, ctx) => {
    const problem = approvalTimeoutProblem(text);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
);

/** The default approval timeout: three days, long enough to span a weekend. */
export const DEFAULT_APPROVAL_TIMEOUT = 'PT72H';

/** A list of names that means a set: a name given twice is refused at the second one's path. */
function nameList(pattern: RegExp, min: number, max: number, what: string) {
  return z
    .array(
      z
        .string()
        .check(
          z.minLength(min, `must be ${min === max ? min : `${min} to ${max}`} characters (${what})`),
          z.maxLength(max, `must be ${min === max ? max : `${min} to ${max}`} characters (${what})`),
          z.regex(pattern, `must match ${pattern.source} (${what})`),
        ),
    )
    .check(
      z.superRefine((names, ctx) => {
        names.forEach((name, i) => {
          const first = names.indexOf(name);
          if (first < i)
            ctx.addIssue({ code: 'custom', path: [i], message: `names '${name}' twice (also [${first}])` });
        });
      }),
    );
}

/**
 * Resources never mitigated automatically. Names follow the IoT model (2015-05-28): ThingName and
 * ThingGroupName 1..128 [a-zA-Z0-9:_-], CertificateId 64 characters (0x)?[a-fA-F0-9], PolicyName
 * 1..128 [\w+=,.@-]. A thing group protects its things (recursively) and their certificates.
 */
export const ProtectSchema = z.strictObject({
  things: z.optional(nameList(/^[a-zA-Z0-9:_-]+$/, 1, 128, 'a thing name')),
  thingGroups: z.optional(nameList(/^[a-zA-Z0-9:_-]+$/, 1, 128, 'a thing group name')),
  certificateIds: z.optional(nameList(/^(0x)?[a-fA-F0-9]+$/, 64, 64, 'a certificate id')),
  caCertificateIds: z.optional(nameList(/^(0x)?[a-fA-F0-9]+$/, 64, 64, 'a CA certificate id')),
  policyNames: z.optional(nameList(/^[\w+=,.@-]+$/, 1, 128, 'a policy name')),
});
export type ProtectSelectors = z.infer<typeof ProtectSchema>;

/** What to do with the findings of one audit check. */
export const CheckRemediationSchema = z.strictObject({
  /** Mitigation action names as they exist in the account, applied in this order (1 to 5, the API's limit). */
  actions: z
    .array(
      z
        .string()
        .check(
          z.minLength(1),
          z.maxLength(128),
          z.regex(ACTION_NAME, 'must be 1 to 128 characters of [a-zA-Z0-9_-] (a mitigation action name)'),
        ),
    )
    .check(
      z.minLength(1, 'needs at least one action'),
      z.maxLength(5, 'at most 5 actions per check (StartAuditMitigationActionsTask limit)'),
      z.refine((names) => new Set(names).size === names.length, 'names an action twice'),
    ),
  /** Apply only to findings with these reason codes (1 to 25); every finding of the check when left out. */
  reasonCodes: z.optional(
    z.array(z.string().check(z.minLength(1))).check(
      z.minLength(1, 'leave reasonCodes out to take every finding'),
      z.maxLength(25, 'at most 25 reason codes per check (StartAuditMitigationActionsTask limit)'),
      z.superRefine((codes, ctx) => {
        codes.forEach((code, i) => {
          const first = codes.indexOf(code);
          if (first < i) {
            ctx.addIssue({
              code: 'custom',
              path: [i],
              message: `names the reason code '${code}' twice (also reasonCodes[${first}])`,
            });
          }
        });
      }),
    ),
  ),
  /** Guardrail: above this many non-compliant resources the check is not mitigated automatically. */
  maxNonCompliantResources: z.optional(z.number().check(z.int(), z.nonnegative())),
  /** auto, approve or notify; the config's defaultPolicy when left out. */
  policy: z.optional(CheckPolicySchema),
  /** How long an approval of this check waits (ISO-8601 duration); the config's approvalTimeout when left out. */
  approvalTimeout: z.optional(ApprovalTimeoutSchema),
});

/** The remediation config: the check-to-actions mapping and how it is applied. */
export const RemediationConfigSchema = z.strictObject({
  $schema: z.optional(z.string()),
  /** `apply` starts mitigation tasks; `dry-run` plans and reports but starts nothing. */
  mode: z._default(z.enum(['apply', 'dry-run']), 'apply'),
  /** Audit task statuses whose findings are mitigated (a FAILED audit may have partial results). */
  acceptAuditStatuses: z._default(
    z.array(z.enum(['COMPLETED', 'FAILED', 'CANCELED'])).check(z.minLength(1)),
    ['COMPLETED'],
  ),
  /**
   * Optional declaration of each action's type, so that `validate-config` can check offline that
   * an action suits its check. Against an account, the real types are read instead.
   */
  actionTypes: z.optional(z.record(z.string(), z.enum(MITIGATION_ACTION_TYPES))),
  /** The policy of a check that names none: `auto` by default, as before policies existed. */
  defaultPolicy: z._default(CheckPolicySchema, 'auto'),
  /** How long an approval waits before it expires (ISO-8601 duration, 60 s to 365 days). */
  approvalTimeout: z._default(ApprovalTimeoutSchema, DEFAULT_APPROVAL_TIMEOUT),
  /** Resources never mitigated automatically, whatever the policy of their check. */
  protect: z.optional(ProtectSchema),
  /**
   * After a task mitigated some findings, run an on-demand audit of its checks and report which
   * resources are compliant now. Left out: on in `apply` mode, off in `dry-run` (verificationEnabled).
   */
  verify: z.optional(z.boolean()),
  /**
   * How many audit mitigation tasks the dispatcher runs at once (1 to 10, IoT's per-account quota);
   * lower it to leave slots to people and other tools.
   */
  maxConcurrentTasks: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(10)), 10),
  /**
   * A bounded follow-up of the findings whose actions failed: `attempts` tasks targeting only them
   * (findingIds, 25 a task), each `delay` after the previous task ended. Default: 1 after PT15M.
   */
  retryFailedFindings: z._default(RetryFailedFindingsSchema, { attempts: 1, delay: 'PT15M' }),
  /** Per audit check (API names): the actions to apply. */
  checks: z.record(z.string(), CheckRemediationSchema),
});

export type RemediationConfig = z.infer<typeof RemediationConfigSchema>;
export type CheckRemediation = z.infer<typeof CheckRemediationSchema>;

/**
 * The problem of the `index`-th action of a check when its type (declared in the config, or read from
 * the account) is one the check does not support; undefined when it is supported.
 */
export function incompatibleActionProblem(
  checkName: AuditCheckName,
  index: number,
  action: string,
  type: string,
): Problem | undefined {
  if (isActionTypeCompatible(checkName, type)) return undefined;
  const supported = AUDIT_CHECKS[checkName].compatibleActionTypes.join(', ');
  return {
    path: `checks.${checkName}.actions[${index}]`,
    message: `action '${action}' is of type ${type}, which ${checkName} does not support (supported: ${supported})`,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/**
 * Rules the schema alone cannot express: known check names, reason codes of the check, declared
 * action types. They read the raw document, so that they are reported together with the schema's
 * problems: an operator fixes every problem in one pass.
 */
function crossFieldProblems(input: unknown): Problem[] {
  const problems: Problem[] = [];
  if (!isRecord(input) || !isRecord(input.checks)) return problems;
  const actionTypes = isRecord(input.actionTypes) ? input.actionTypes : {};
  // A record cannot hold "__proto__" as a plain key (zod drops it from its output, and `obj[key] = v`
  // would set the prototype): the declared type would be lost silently.
  if (Object.hasOwn(actionTypes, '__proto__')) {
    problems.push({
      path: 'actionTypes.__proto__',
      message: "'__proto__' cannot be a key of actionTypes: rename the mitigation action",
    });
  }
  for (const [checkName, remediation] of Object.entries(input.checks)) {
    const at = `checks.${checkName}`;
    if (!isAuditCheckName(checkName)) {
      const correction = checkNameCorrection(checkName);
      problems.push({
        path: at,
        message: !correction
          ? `unknown audit check '${checkName}'`
          : correction.kind === 'legacy'
            ? `'${checkName}' is a legacy name: use '${correction.apiName}'`
            : `'${checkName}' is a misspelt name that IoT never sends: use '${correction.apiName}'`,
      });
      continue;
    }
    if (!isRecord(remediation)) continue;
    const validCodes: readonly string[] = AUDIT_CHECKS[checkName].reasonCodes;
    strings(remediation.reasonCodes).forEach((code, i) => {
      if (!validCodes.includes(code)) {
        problems.push({
          path: `${at}.reasonCodes[${i}]`,
          message: `'${code}' is not a reason code of ${checkName} (valid: ${validCodes.join(', ')})`,
        });
      }
    });
    strings(remediation.actions).forEach((action, i) => {
      const type = Object.hasOwn(actionTypes, action) ? actionTypes[action] : undefined;
      const problem =
        typeof type === 'string' ? incompatibleActionProblem(checkName, i, action, type) : undefined;
      if (problem) problems.push(problem);
    });
  }
  return problems;
}

/**
 * Validates a remediation config document; throws InvalidConfigError listing every problem by path,
 * those of the schema and those across fields alike.
 */
export function parseRemediationConfig(input: unknown): RemediationConfig {
  const parsed = RemediationConfigSchema.safeParse(input);
  const problems = [...(parsed.success ? [] : toProblems(parsed.error)), ...crossFieldProblems(input)];
  if (problems.length > 0 || !parsed.success) throw new InvalidConfigError(problems);
  return parsed.data;
}

/** Whether finished tasks are verified by an on-demand audit: `verify`, else on in `apply` mode only. */
export function verificationEnabled(config: Pick<RemediationConfig, 'mode' | 'verify'>): boolean {
  return config.verify ?? config.mode === 'apply';
}

/** The config's remediation for a check, if any. */
export function remediationFor(
  config: RemediationConfig,
  checkName: AuditCheckName,
): CheckRemediation | undefined {
  return Object.hasOwn(config.checks, checkName) ? config.checks[checkName] : undefined;
}
