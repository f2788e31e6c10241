import { describe, expect, it } from 'vitest';
import type { AppliedAction } from '../../../../src/local/iot-emulator/operations';
import {
  remediatedResources,
  remediationKeyOf,
} from '../../../../src/local/iot-emulator/remediated-resources';

const CERT = { deviceCertificateId: 'ABCDEF' };
const CA = { caCertificateId: 'ca01' };
const POLICY = { policyVersionIdentifier: { policyName: 'open', policyVersionId: '3' } };
const ACCOUNT = { account: '123456789012' };

function applied(
  actionType: string,
  actionParams: Record<string, unknown>,
  resourceType: string,
  resourceIdentifier: Record<string, unknown>,
): AppliedAction {
  return {
    taskId: 't',
    findingId: 'f',
    checkName: 'C',
    actionName: 'A',
    actionType,
    actionParams,
    resourceType,
    resourceIdentifier,
    completedAt: 0,
  };
}

describe('what a later audit sees of applied mitigations', () => {
  it.each([
    [
      'a deactivated device certificate',
      applied(
        'UPDATE_DEVICE_CERTIFICATE',
        { updateDeviceCertificateParams: { action: 'DEACTIVATE' } },
        'DEVICE_CERTIFICATE',
        CERT,
      ),
      ['DEVICE_CERTIFICATE', CERT],
    ],
    [
      'a deactivated CA certificate',
      applied(
        'UPDATE_CA_CERTIFICATE',
        { updateCACertificateParams: { action: 'DEACTIVATE' } },
        'CA_CERTIFICATE',
        CA,
      ),
      ['CA_CERTIFICATE', CA],
    ],
    [
      'a policy whose default version was replaced (every version of it)',
      applied(
        'REPLACE_DEFAULT_POLICY_VERSION',
        { replaceDefaultPolicyVersionParams: { templateName: 'BLANK_POLICY' } },
        'IOT_POLICY',
        POLICY,
      ),
      ['IOT_POLICY', { policyVersionIdentifier: { policyName: 'open', policyVersionId: '4' } }],
    ],
    [
      'logging turned on',
      applied('ENABLE_IOT_LOGGING', { enableIoTLoggingParams: {} }, 'ACCOUNT_SETTINGS', ACCOUNT),
      ['ACCOUNT_SETTINGS', ACCOUNT],
    ],
  ] as const)('fixes %s', (_name, action, [type, identifier]) => {
    const keys = remediatedResources([action]);
    expect(keys.has(remediationKeyOf(type, identifier) ?? '')).toBe(true);
  });

  it.each([
    [
      'quarantined things',
      applied('ADD_THINGS_TO_THING_GROUP', { addThingsToThingGroupParams: {} }, 'DEVICE_CERTIFICATE', CERT),
    ],
    [
      'a finding published to SNS',
      applied('PUBLISH_FINDING_TO_SNS', { publishFindingToSnsParams: {} }, 'DEVICE_CERTIFICATE', CERT),
    ],
  ])('changes nothing an audit checks for %s', (_name, action) => {
    expect(remediatedResources([action]).size).toBe(0);
  });

  it('names a certificate the same whatever its case', () => {
    expect(remediationKeyOf('DEVICE_CERTIFICATE', { deviceCertificateId: 'abcdef' })).toBe(
      remediationKeyOf('DEVICE_CERTIFICATE', CERT),
    );
    expect(remediationKeyOf('CLIENT_ID', { clientId: 'c' })).toBeUndefined();
  });
});
