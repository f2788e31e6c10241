import type { AuditCheckName } from './check-catalog';
import { type CheckPolicy, type RemediationConfig, remediationFor } from './config';
import { parseIsoDurationSeconds } from './duration';
import type { Problem } from './errors';

/** The policy that applies to a check: its own, or the config's defaultPolicy. */
export function effectivePolicy(config: RemediationConfig, checkName: AuditCheckName): CheckPolicy {
  return remediationFor(config, checkName)?.policy ?? config.defaultPolicy;
}

/** The seconds an approval of the check waits: its own approvalTimeout, or the config's. */
export function approvalTimeoutSeconds(config: RemediationConfig, checkName: AuditCheckName): number {
  const text = remediationFor(config, checkName)?.approvalTimeout ?? config.approvalTimeout;
  const seconds = parseIsoDurationSeconds(text);
  // The schema refused every other duration: reaching this is a bug, not bad input.
  if (seconds === undefined) throw new Error(`approvalTimeout '${text}' passed the schema unparsed`);
  return seconds;
}

/**
 * Action types whose effect takes devices offline or changes what a fleet may do, and that cannot
 * be undone by the tool: they deserve a person's approval.
 */
export const DESTRUCTIVE_ACTION_TYPES: readonly string[] = [
  'UPDATE_DEVICE_CERTIFICATE',
  'UPDATE_CA_CERTIFICATE',
  'REPLACE_DEFAULT_POLICY_VERSION',
];

/** What is known of a mitigation action: its type and, for ADD_THINGS_TO_THING_GROUP, whether it overrides dynamic groups. */
export interface ActionFacts {
  readonly type: string;
  /** Undefined when unknown (offline, the config declares only types). */
  readonly overrideDynamicGroups?: boolean;
}

/**
 * Whether an action is destructive: `yes`, `no`, or `maybe` for ADD_THINGS_TO_THING_GROUP whose
 * params are unknown (with overrideDynamicGroups it removes things from their dynamic groups).
 */
export function isDestructiveAction(facts: ActionFacts): 'yes' | 'no' | 'maybe' {
  if (DESTRUCTIVE_ACTION_TYPES.includes(facts.type)) return 'yes';
  if (facts.type !== 'ADD_THINGS_TO_THING_GROUP') return 'no';
  if (facts.overrideDynamicGroups === undefined) return 'maybe';
  return facts.overrideDynamicGroups ? 'yes' : 'no';
}

/**
 * A warning per destructive action in a check whose effective policy is `auto`. `facts` gives what
 * is known of each action (the config's actionTypes offline, the account's actions with --account);
 * an action of unknown type is left to the notes about undeclared types.
 */
export function destructiveAutoWarnings(
  config: RemediationConfig,
  facts: (action: string) => ActionFacts | undefined,
): Problem[] {
  const warnings: Problem[] = [];
  for (const [check, remediation] of Object.entries(config.checks)) {
    if ((remediation.policy ?? config.defaultPolicy) !== 'auto') continue;
    remediation.actions.forEach((action, i) => {
      const known = facts(action);
      const verdict = known ? isDestructiveAction(known) : 'no';
      if (verdict === 'no' || !known) return;
      warnings.push({
        path: `checks.${check}.actions[${i}]`,
        message:
          verdict === 'yes'
            ? `'${action}' (${known.type}) is destructive and runs without approval (policy auto): consider "policy": "approve"`
            : `'${action}' (${known.type}) may be destructive (with overrideDynamicGroups it removes things from their dynamic groups; its params are read only with --account) and runs without approval (policy auto)`,
      });
    });
  }
  return warnings;
}
