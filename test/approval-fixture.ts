// The audit the approval tests share: two non-compliant checks of one on-demand audit, the shared
// device certificates (3, policy approve: deactivating a certificate is destructive) and disabled
// logging (1, policy auto), with the config and the audit-completion event that go with it.

import {
  type LocalApprovalLink,
  type LocalStack,
  type LocalStackOptions,
  startLocalStack,
} from '../src/local/stack';
import { auditCompletedEvent, auditNotificationDetail, sharedCertificateFindings } from './fixtures';

export const APPROVAL_ACCOUNT = '123456789012';
export const APPROVAL_REGION = 'us-east-1';
export const SHARED = 'DEVICE_CERTIFICATE_SHARED_CHECK';
export const LOGGING = 'LOGGING_DISABLED_CHECK';

export function approvalAudit(auditTaskId: string, eventId: string) {
  const scenario = {
    accountId: APPROVAL_ACCOUNT,
    region: APPROVAL_REGION,
    mitigationActions: [
      { name: 'DeactivateDeviceCertificate', type: 'UPDATE_DEVICE_CERTIFICATE' },
      { name: 'EnableIoTLogging', type: 'ENABLE_IOT_LOGGING' },
    ],
    audits: [
      {
        taskId: auditTaskId,
        taskType: 'ON_DEMAND_AUDIT_TASK',
        taskStatus: 'COMPLETED',
        taskStartTime: 1764028800,
        checks: {
          [SHARED]: {
            checkRunStatus: 'COMPLETED_NON_COMPLIANT',
            totalResourcesCount: 100,
            findings: sharedCertificateFindings('shared'),
          },
          [LOGGING]: {
            checkRunStatus: 'COMPLETED_NON_COMPLIANT',
            totalResourcesCount: 1,
            generateFindings: 1,
          },
        },
      },
    ],
  };

  const config = {
    mode: 'apply',
    acceptAuditStatuses: ['COMPLETED'],
    approvalTimeout: 'PT1H',
    actionTypes: {
      DeactivateDeviceCertificate: 'UPDATE_DEVICE_CERTIFICATE',
      EnableIoTLogging: 'ENABLE_IOT_LOGGING',
    },
    checks: {
      [SHARED]: { actions: ['DeactivateDeviceCertificate'], policy: 'approve' },
      [LOGGING]: { actions: ['EnableIoTLogging'] },
    },
  };

  const auditEvent = auditCompletedEvent(
    eventId,
    auditNotificationDetail(
      { accountId: APPROVAL_ACCOUNT, taskId: auditTaskId, taskStartTime: 1764028800000 },
      [
        { checkName: SHARED, nonCompliantResourcesCount: 3, totalResourcesCount: 100 },
        { checkName: LOGGING, nonCompliantResourcesCount: 1, totalResourcesCount: 1 },
      ],
    ),
  );
  return { scenario, config, auditEvent };
}

/**
 * A local stack started with `options`, that has handled `auditEvent`, and the link it printed for
 * the approval request. `started` receives the stack as soon as it exists (for a test's cleanup).
 */
export async function startWithApprovalLink(
  options: Omit<LocalStackOptions, 'onApprovalLink'>,
  auditEvent: unknown,
  started: (local: LocalStack) => void = () => undefined,
): Promise<{ local: LocalStack; link: LocalApprovalLink }> {
  let printed: (link: LocalApprovalLink) => void = () => undefined;
  const linked = new Promise<LocalApprovalLink>((resolve) => {
    printed = resolve;
  });
  const local = await startLocalStack({ ...options, onApprovalLink: (link) => printed(link) });
  started(local);
  await local.invokeStartMitigation(auditEvent);
  return { local, link: await linked };
}
