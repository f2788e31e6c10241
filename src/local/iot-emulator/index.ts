/** In-memory emulator of the AWS IoT audit-mitigation API (restJson1), for the SDK and the aws CLI. */

export type { AuditNotification } from '../../core/audit-event';
export {
  createIotEmulator,
  type EmulatorStats,
  type IotEmulator,
  type IotEmulatorOptions,
  type MitigationTaskSummary,
  type OperationStats,
} from './emulator';
export { EmulatorError } from './errors';
export type { AppliedAction } from './operations';
export {
  DEFAULT_QUOTAS,
  DEFAULT_RATES,
  type FaultConfig,
  type OperationFaults,
  type Quotas,
} from './quotas-and-faults';
export type { TaskStatisticsForAuditCheck } from './task-model';
