/**
 * What a later audit sees of the mitigations applied so far: which resources an applied action made
 * compliant. Decided per action type:
 * - UPDATE_DEVICE_CERTIFICATE (DEACTIVATE): the device certificate no longer fails any check;
 * - UPDATE_CA_CERTIFICATE (DEACTIVATE): the CA certificate no longer fails any check;
 * - REPLACE_DEFAULT_POLICY_VERSION: the policy's default version is replaced by the template's, so
 *   the policy (every version id of it) no longer fails;
 * - ENABLE_IOT_LOGGING: the account's logging is on (LOGGING_DISABLED_CHECK passes);
 * - ADD_THINGS_TO_THING_GROUP (quarantine) and PUBLISH_FINDING_TO_SNS change nothing an audit checks:
 *   the certificate is still shared, still active, the policy still permissive, so the finding stays.
 */

/** What the rules read of an applied action (operations.ts AppliedAction has these members). */
export interface AppliedMitigation {
  readonly actionType: string;
  readonly actionParams: Readonly<Record<string, unknown>>;
  readonly resourceType: string;
  readonly resourceIdentifier: Readonly<Record<string, unknown>>;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The resource an audit finding names, as a key that the actions below produce too; undefined when none applies. */
export function remediationKeyOf(
  resourceType: string,
  identifier: Readonly<Record<string, unknown>>,
): string | undefined {
  const certificate = text(identifier.deviceCertificateId);
  if (certificate !== undefined) return `cert:${certificate.toLowerCase()}`;
  const ca = text(identifier.caCertificateId);
  if (ca !== undefined) return `ca:${ca.toLowerCase()}`;
  const policy = identifier.policyVersionIdentifier as Record<string, unknown> | undefined;
  const policyName = text(policy?.policyName);
  if (policyName !== undefined) return `policy:${policyName}`;
  if (resourceType === 'ACCOUNT_SETTINGS') return `account:${text(identifier.account) ?? ''}`;
  return undefined;
}

function actionParam(action: AppliedMitigation, member: string): string | undefined {
  const params = action.actionParams[member] as Record<string, unknown> | undefined;
  return text(params?.action);
}

/** The key of the resource an applied action made compliant, or undefined when it changes nothing audited. */
function fixedBy(action: AppliedMitigation): string | undefined {
  const key = remediationKeyOf(action.resourceType, action.resourceIdentifier);
  switch (action.actionType) {
    case 'UPDATE_DEVICE_CERTIFICATE':
      return actionParam(action, 'updateDeviceCertificateParams') === 'DEACTIVATE' && key?.startsWith('cert:')
        ? key
        : undefined;
    case 'UPDATE_CA_CERTIFICATE':
      return actionParam(action, 'updateCACertificateParams') === 'DEACTIVATE' && key?.startsWith('ca:')
        ? key
        : undefined;
    case 'REPLACE_DEFAULT_POLICY_VERSION':
      return key?.startsWith('policy:') ? key : undefined;
    case 'ENABLE_IOT_LOGGING':
      return key?.startsWith('account:') ? key : undefined;
    default:
      return undefined;
  }
}

/** The keys (remediationKeyOf) of every resource the applied actions made compliant. */
export function remediatedResources(applied: readonly AppliedMitigation[]): Set<string> {
  const keys = new Set<string>();
  for (const action of applied) {
    const key = fixedBy(action);
    if (key !== undefined) keys.add(key);
  }
  return keys;
}
