import { IoTClient } from '@aws-sdk/client-iot';
import { VirtualClock } from '../../../../src/local/clock';
import {
  createIotEmulator,
  type IotEmulator,
  type IotEmulatorOptions,
} from '../../../../src/local/iot-emulator';
import { type ScenarioInput, ScenarioSchema } from '../../../../src/local/scenario';

/** The VirtualClock's default start: 2026-01-01T00:00:00Z. */
export const START_MS = Date.UTC(2026, 0, 1);
export const AUDIT_START_S = START_MS / 1000 - 3600;

/** A small account: five actions, a mixed audit, a big audit for paging. */
export const FIXTURE: ScenarioInput = {
  accountId: '111122223333',
  workSecondsPerFinding: 10,
  mitigationActions: [
    { name: 'notify-sns', type: 'PUBLISH_FINDING_TO_SNS' },
    { name: 'deactivate-cert', type: 'UPDATE_DEVICE_CERTIFICATE' },
    { name: 'quarantine', type: 'ADD_THINGS_TO_THING_GROUP' },
    { name: 'blank-policy', type: 'REPLACE_DEFAULT_POLICY_VERSION' },
    { name: 'flaky-deactivate', type: 'UPDATE_DEVICE_CERTIFICATE' },
  ],
  audits: [
    {
      taskId: 'audit-1',
      taskType: 'ON_DEMAND_AUDIT_TASK',
      taskStatus: 'COMPLETED',
      taskStartTime: AUDIT_START_S,
      checks: {
        DEVICE_CERTIFICATE_EXPIRING_CHECK: {
          checkRunStatus: 'COMPLETED_NON_COMPLIANT',
          totalResourcesCount: 10,
          findings: [
            { findingId: 'f-exp-1', reasonCode: 'CERTIFICATE_PAST_EXPIRATION' },
            { findingId: 'f-exp-2', reasonCode: 'CERTIFICATE_APPROACHING_EXPIRATION' },
            { findingId: 'f-exp-suppressed', reasonCode: 'CERTIFICATE_PAST_EXPIRATION', suppressed: true },
          ],
        },
        IOT_POLICY_OVERLY_PERMISSIVE_CHECK: {
          checkRunStatus: 'COMPLETED_NON_COMPLIANT',
          generateFindings: 3,
        },
        LOGGING_DISABLED_CHECK: { checkRunStatus: 'COMPLETED_COMPLIANT', totalResourcesCount: 1 },
      },
    },
    {
      taskId: 'audit-big',
      taskType: 'SCHEDULED_AUDIT_TASK',
      scheduledAuditName: 'daily',
      taskStatus: 'COMPLETED',
      taskStartTime: AUDIT_START_S + 60,
      checks: {
        DEVICE_CERTIFICATE_SHARED_CHECK: { checkRunStatus: 'COMPLETED_NON_COMPLIANT', generateFindings: 30 },
      },
    },
  ],
  actionOutcomes: [
    {
      action: 'flaky-deactivate',
      findingIds: ['f-exp-1'],
      status: 'FAILED',
      errorCode: 'INVALID_STATE_OF_RESOURCE',
      message: 'certificate already revoked',
    },
  ],
};

export interface Harness {
  readonly emulator: IotEmulator;
  readonly clock: VirtualClock;
  readonly client: IoTClient;
  readonly url: string;
  close(): Promise<void>;
}

/** An emulator on 127.0.0.1:0 with a VirtualClock and a real IoTClient that does not retry. */
export async function startHarness(
  options: Partial<Omit<IotEmulatorOptions, 'clock'>> = {},
): Promise<Harness> {
  const clock = new VirtualClock(START_MS);
  const emulator = createIotEmulator({
    scenario: ScenarioSchema.parse(FIXTURE),
    // Rate limits are tested on their own; elsewhere a frozen virtual clock would starve the buckets.
    quotas: { rates: false },
    ...options,
    clock,
  });
  const { url } = await emulator.listen();
  const client = new IoTClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  return {
    emulator,
    clock,
    client,
    url,
    async close() {
      client.destroy();
      await emulator.close();
    },
  };
}

export interface CaughtError {
  readonly name: string;
  readonly message: string;
  readonly status: number | undefined;
}

/** The error a call rejects with, reduced to what the tests compare. */
export async function errorOf(call: Promise<unknown>): Promise<CaughtError> {
  try {
    await call;
  } catch (error) {
    const e = error as Error & { $metadata?: { httpStatusCode?: number } };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('expected the call to fail, but it succeeded');
}
