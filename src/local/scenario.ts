import * as z from 'zod';
import { MITIGATION_ACTION_TYPES } from '../core/check-catalog';

/**
 * A scenario seeds the local IoT emulator: the account's mitigation actions, the audits with their
 * findings, and how each action turns out. scenarios/default.json backs `npm start`.
 */
const ResourceIdentifierSchema = z.record(z.string(), z.unknown());

export const ScenarioFindingSchema = z.object({
  findingId: z.string().regex(/^[a-zA-Z0-9_-]{1,128}$/),
  reasonCode: z.string(),
  severity: z.enum(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW']).optional(),
  resourceType: z.string().default('DEVICE_CERTIFICATE'),
  resourceIdentifier: ResourceIdentifierSchema.default({}),
  suppressed: z.boolean().default(false),
});

export const ScenarioCheckSchema = z.object({
  checkRunStatus: z.enum([
    'IN_PROGRESS',
    'WAITING_FOR_DATA_COLLECTION',
    'CANCELED',
    'COMPLETED_COMPLIANT',
    'COMPLETED_NON_COMPLIANT',
    'FAILED',
  ]),
  totalResourcesCount: z.number().int().nonnegative().default(0),
  /** Explicit findings; `generateFindings` adds that many more with derived ids. */
  findings: z.array(ScenarioFindingSchema).default([]),
  generateFindings: z.number().int().nonnegative().default(0),
  errorCode: z.enum(['INSUFFICIENT_PERMISSIONS', 'AUDIT_CHECK_DISABLED']).optional(),
  message: z.string().optional(),
});

export const ScenarioAuditSchema = z.object({
  taskId: z.string().regex(/^[a-zA-Z0-9-]{1,40}$/),
  taskType: z.enum(['ON_DEMAND_AUDIT_TASK', 'SCHEDULED_AUDIT_TASK']),
  taskStatus: z.enum(['IN_PROGRESS', 'COMPLETED', 'FAILED', 'CANCELED']),
  scheduledAuditName: z.string().optional(),
  /** Epoch seconds, as the API returns it. */
  taskStartTime: z.number(),
  checks: z.record(z.string(), ScenarioCheckSchema),
  /**
   * How the workflow for this audit is expected to end when it runs with the default config:
   * COMPLETED / FAILED / CANCELED (the mitigation task's end), SKIPPED (nothing to start) or DRY_RUN.
   */
  expectedOutcome: z.enum(['COMPLETED', 'FAILED', 'CANCELED', 'SKIPPED', 'DRY_RUN']).optional(),
});

export const ScenarioActionSchema = z.object({
  name: z.string().regex(/^[a-zA-Z0-9_-]{1,128}$/),
  type: z.enum(MITIGATION_ACTION_TYPES),
  roleArn: z.string().optional(),
  /** The API's actionParams; derived from the type when left out. */
  params: z.record(z.string(), z.unknown()).optional(),
});

export const ScenarioActionOutcomeSchema = z.object({
  action: z.string(),
  /** The findings this outcome applies to; every finding of the action when left out. */
  findingIds: z.array(z.string()).optional(),
  status: z.enum(['COMPLETED', 'FAILED']),
  errorCode: z.string().optional(),
  message: z.string().optional(),
});

export const ScenarioSchema = z.object({
  accountId: z
    .string()
    .regex(/^\d{12}$/)
    .default('123456789012'),
  region: z.string().default('us-east-1'),
  /** Simulated seconds one action takes on one finding. */
  workSecondsPerFinding: z.number().nonnegative().default(2),
  mitigationActions: z.array(ScenarioActionSchema).default([]),
  audits: z.array(ScenarioAuditSchema).default([]),
  actionOutcomes: z.array(ScenarioActionOutcomeSchema).default([]),
  /** Checks enabled in the account's audit configuration (every catalog check when left out). */
  enabledChecks: z.array(z.string()).optional(),
});

export type Scenario = z.infer<typeof ScenarioSchema>;
export type ScenarioInput = z.input<typeof ScenarioSchema>;
export type ScenarioAudit = z.infer<typeof ScenarioAuditSchema>;
