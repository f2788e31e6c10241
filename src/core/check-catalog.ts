/**
 * Every Device Defender audit check as data: its API name, the reason codes it reports and the
 * mitigation action types that AWS allows for it.
 *
 * Source: docs/reference/device-defender-api.md section 5 (per-check pages and
 * https://docs.aws.amazon.com/iot-device-defender/latest/devguide/dd-mitigation-actions.html).
 */

/** The mitigation action types of the IoT API (`MitigationActionType`). */
export const MITIGATION_ACTION_TYPES = [
  'UPDATE_DEVICE_CERTIFICATE',
  'UPDATE_CA_CERTIFICATE',
  'ADD_THINGS_TO_THING_GROUP',
  'REPLACE_DEFAULT_POLICY_VERSION',
  'ENABLE_IOT_LOGGING',
  'PUBLISH_FINDING_TO_SNS',
] as const;

export type MitigationActionType = (typeof MITIGATION_ACTION_TYPES)[number];

export type Severity = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW';

/** What the catalog knows of one audit check. */
export interface AuditCheckDefinition {
  readonly severity: Severity;
  readonly reasonCodes: readonly string[];
  readonly compatibleActionTypes: readonly MitigationActionType[];
}

// The mitigation page's rule of thumb: every check can publish to SNS; device-certificate checks
// add certificate deactivation and quarantine by thing group; CA checks add CA deactivation;
// policy checks add a blank default policy version; logging adds enabling logging.
const DEVICE_CERT_ACTIONS = [
  'PUBLISH_FINDING_TO_SNS',
  'UPDATE_DEVICE_CERTIFICATE',
  'ADD_THINGS_TO_THING_GROUP',
] as const satisfies readonly MitigationActionType[];
const CA_CERT_ACTIONS = [
  'PUBLISH_FINDING_TO_SNS',
  'UPDATE_CA_CERTIFICATE',
] as const satisfies readonly MitigationActionType[];
const POLICY_ACTIONS = [
  'PUBLISH_FINDING_TO_SNS',
  'REPLACE_DEFAULT_POLICY_VERSION',
] as const satisfies readonly MitigationActionType[];
const SNS_ONLY = ['PUBLISH_FINDING_TO_SNS'] as const satisfies readonly MitigationActionType[];

const CERT_EXPIRY_CODES = ['CERTIFICATE_APPROACHING_EXPIRATION', 'CERTIFICATE_PAST_EXPIRATION'];
const KEY_QUALITY_CODES = [
  'CERTIFICATE_KEY_VULNERABILITY_CVE-2017-15361',
  'CERTIFICATE_KEY_VULNERABILITY_CVE-2008-0166',
];

/** The audit checks by API name. */
export const AUDIT_CHECKS = {
  AUTHENTICATED_COGNITO_ROLE_OVERLY_PERMISSIVE_CHECK: {
    severity: 'CRITICAL',
    reasonCodes: [
      'ALLOWS_BROAD_ACCESS_TO_IOT_THING_ADMIN_READ_ACTIONS',
      'ALLOWS_ACCESS_TO_IOT_NON_THING_ADMIN_ACTIONS',
      'ALLOWS_ACCESS_TO_IOT_THING_ADMIN_WRITE_ACTIONS',
    ],
    compatibleActionTypes: SNS_ONLY,
  },
  CA_CERTIFICATE_EXPIRING_CHECK: {
    severity: 'MEDIUM',
    reasonCodes: CERT_EXPIRY_CODES,
    compatibleActionTypes: CA_CERT_ACTIONS,
  },
  CA_CERTIFICATE_KEY_QUALITY_CHECK: {
    severity: 'CRITICAL',
    reasonCodes: KEY_QUALITY_CODES,
    compatibleActionTypes: CA_CERT_ACTIONS,
  },
  CONFLICTING_CLIENT_IDS_CHECK: {
    severity: 'HIGH',
    reasonCodes: ['DUPLICATE_CLIENT_ID_ACROSS_CONNECTIONS'],
    compatibleActionTypes: SNS_ONLY,
  },
  // Not in the mitigation page's table; every check supports SNS, and the finding is a device
  // certificate, so the device-certificate actions are the best reading. [UNCONFIRMED]
  DEVICE_CERTIFICATE_AGE_CHECK: {
    severity: 'LOW',
    reasonCodes: ['CERTIFICATE_PAST_AGE_THRESHOLD'],
    compatibleActionTypes: DEVICE_CERT_ACTIONS,
  },
  DEVICE_CERTIFICATE_EXPIRING_CHECK: {
    severity: 'MEDIUM',
    reasonCodes: CERT_EXPIRY_CODES,
    compatibleActionTypes: DEVICE_CERT_ACTIONS,
  },
  DEVICE_CERTIFICATE_KEY_QUALITY_CHECK: {
    severity: 'CRITICAL',
    reasonCodes: KEY_QUALITY_CODES,
    compatibleActionTypes: DEVICE_CERT_ACTIONS,
  },
  DEVICE_CERTIFICATE_SHARED_CHECK: {
    severity: 'CRITICAL',
    reasonCodes: ['CERTIFICATE_SHARED_BY_MULTIPLE_DEVICES'],
    compatibleActionTypes: DEVICE_CERT_ACTIONS,
  },
  INTERMEDIATE_CA_REVOKED_FOR_ACTIVE_DEVICE_CERTIFICATES_CHECK: {
    severity: 'CRITICAL',
    reasonCodes: ['INTERMEDIATE_CA_REVOKED_BY_ISSUER'],
    compatibleActionTypes: DEVICE_CERT_ACTIONS,
  },
  IOT_POLICY_OVERLY_PERMISSIVE_CHECK: {
    severity: 'CRITICAL',
    reasonCodes: ['ALLOWS_BROAD_ACCESS_TO_IOT_DATA_PLANE_ACTIONS'],
    compatibleActionTypes: POLICY_ACTIONS,
  },
  // MIS_CONFIGURATION with an underscore, as IoT sends it (the CDK AuditCheck enum and CloudFormation's
  // IoTPolicyPotentialMisConfigurationCheck spell it so).
  IOT_POLICY_POTENTIAL_MIS_CONFIGURATION_CHECK: {
    severity: 'MEDIUM',
    reasonCodes: [
      'POLICY_CONTAINS_MQTT_WILDCARDS_IN_DENY_STATEMENT',
      'TOPIC_FILTERS_INTENDED_TO_DENY_ALLOWED_USING_WILDCARDS',
    ],
    compatibleActionTypes: POLICY_ACTIONS,
  },
  IOT_ROLE_ALIAS_ALLOWS_ACCESS_TO_UNUSED_SERVICES_CHECK: {
    severity: 'MEDIUM',
    reasonCodes: ['ALLOWS_ACCESS_TO_UNUSED_SERVICES'],
    compatibleActionTypes: SNS_ONLY,
  },
  IOT_ROLE_ALIAS_OVERLY_PERMISSIVE_CHECK: {
    severity: 'CRITICAL',
    reasonCodes: [
      'ALLOWS_BROAD_ACCESS_TO_USED_SERVICES',
      'ALLOWS_ACCESS_TO_SECURITY_AUDITING_SERVICES',
      'ALLOWS_BROAD_ACCESS_TO_IOT_THING_ADMIN_READ_ACTIONS',
      'ALLOWS_ACCESS_TO_IOT_NON_THING_ADMIN_ACTIONS',
      'ALLOWS_ACCESS_TO_IOT_THING_ADMIN_WRITE_ACTIONS',
      'ALLOWS_BROAD_ACCESS_TO_IOT_DATA_PLANE_ACTIONS',
    ],
    compatibleActionTypes: SNS_ONLY,
  },
  LOGGING_DISABLED_CHECK: {
    severity: 'LOW',
    reasonCodes: ['LOGGING_DISABLED'],
    compatibleActionTypes: ['PUBLISH_FINDING_TO_SNS', 'ENABLE_IOT_LOGGING'],
  },
  REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK: {
    severity: 'CRITICAL',
    reasonCodes: ['CERTIFICATE_REVOKED_BY_ISSUER'],
    compatibleActionTypes: CA_CERT_ACTIONS,
  },
  REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK: {
    severity: 'MEDIUM',
    reasonCodes: ['CERTIFICATE_REVOKED_BY_ISSUER'],
    compatibleActionTypes: DEVICE_CERT_ACTIONS,
  },
  UNAUTHENTICATED_COGNITO_ROLE_OVERLY_PERMISSIVE_CHECK: {
    severity: 'CRITICAL',
    reasonCodes: ['ALLOWS_ACCESS_TO_IOT_ADMIN_ACTIONS', 'ALLOWS_BROAD_ACCESS_TO_IOT_DATA_PLANE_ACTIONS'],
    compatibleActionTypes: SNS_ONLY,
  },
} as const satisfies Record<string, AuditCheckDefinition>;

export type AuditCheckName = keyof typeof AUDIT_CHECKS;

/** Every API check name, sorted. */
export const AUDIT_CHECK_NAMES = Object.keys(AUDIT_CHECKS).sort() as AuditCheckName[];

/**
 * Legacy check names still used by AWS's published audit notification sample and the prose of the
 * mitigation page, mapped to the names the API uses.
 */
export const LEGACY_CHECK_NAMES = {
  DEVICE_CERT_APPROACHING_EXPIRATION_CHECK: 'DEVICE_CERTIFICATE_EXPIRING_CHECK',
  CA_CERT_APPROACHING_EXPIRATION_CHECK: 'CA_CERTIFICATE_EXPIRING_CHECK',
  REVOKED_CA_CERT_CHECK: 'REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK',
  REVOKED_DEVICE_CERT_CHECK: 'REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK',
} as const satisfies Record<string, AuditCheckName>;

/**
 * Names that no version of IoT sends, mapped to the right name: refused in a config with that name
 * (in an event they are simply unknown checks). This catalog once spelt the potential-misconfiguration
 * check without the underscore inside MIS_CONFIGURATION.
 */
export const MISSPELT_CHECK_NAMES = {
  IOT_POLICY_POTENTIAL_MISCONFIGURATION_CHECK: 'IOT_POLICY_POTENTIAL_MIS_CONFIGURATION_CHECK',
} as const satisfies Record<string, AuditCheckName>;

/** The value of an own property of `table`, never one inherited from Object.prototype. */
function ownValue<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/** The API name to use instead of a legacy or misspelt check name, with why; undefined otherwise. */
export function checkNameCorrection(
  name: string,
): { readonly apiName: AuditCheckName; readonly kind: 'legacy' | 'misspelt' } | undefined {
  const legacy = ownValue<AuditCheckName>(LEGACY_CHECK_NAMES, name);
  if (legacy) return { apiName: legacy, kind: 'legacy' };
  const misspelt = ownValue<AuditCheckName>(MISSPELT_CHECK_NAMES, name);
  return misspelt ? { apiName: misspelt, kind: 'misspelt' } : undefined;
}

/** True when `name` is an API check name. */
export function isAuditCheckName(name: string): name is AuditCheckName {
  return Object.hasOwn(AUDIT_CHECKS, name);
}

/** The API name for an API or legacy check name, or undefined when the name is unknown. */
export function toApiCheckName(name: string): AuditCheckName | undefined {
  if (isAuditCheckName(name)) return name;
  return ownValue<AuditCheckName>(LEGACY_CHECK_NAMES, name);
}

/** True when AWS allows an action of `actionType` on the findings of `checkName`. */
export function isActionTypeCompatible(checkName: string, actionType: string): boolean {
  const check = toApiCheckName(checkName);
  if (check === undefined) return false;
  return (AUDIT_CHECKS[check].compatibleActionTypes as readonly string[]).includes(actionType);
}
