import * as z from 'zod';
import { MAX_REASON_LENGTH } from '../app/approvals';
import { MITIGATION_ACTION_TYPES } from '../core/check-catalog';
import { TASK_ID_PREFIX } from '../core/start-request';
import { modelPattern, shapeOf } from './model/validate';

/**
 * A scenario seeds the local IoT emulator: the account's mitigation actions, the audits with their
 * findings, and how each action turns out. scenarios/default.json backs `npm start`.
 */
const ResourceIdentifierSchema = z.record(z.string(), z.unknown());

/** A string member as the IoT model constrains it (length and pattern of `shape`), so seeds are valid API values. */
function modelString(shape: string) {
  const model = shapeOf('iot', shape);
  const pattern = modelPattern(model.pattern ?? '.*');
  return z
    .string()
    .min(model.min ?? 0)
    .max(model.max ?? Number.MAX_SAFE_INTEGER)
    .refine((value) => pattern.test(value), {
      message: `must match the IoT model's ${shape} pattern ${model.pattern}`,
    });
}

export const ThingNameSchema = modelString('ThingName');
export const ThingGroupNameSchema = modelString('ThingGroupName');
export const CertificateIdSchema = modelString('CertificateId');

export const ScenarioRelatedResourceSchema = z.object({
  resourceType: z.string(),
  resourceIdentifier: ResourceIdentifierSchema.default({}),
  additionalInfo: z.record(z.string(), z.string()).optional(),
});

export const ScenarioFindingSchema = z.object({
  findingId: z.string().regex(/^[a-zA-Z0-9_-]{1,128}$/),
  reasonCode: z.string(),
  severity: z.enum(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW']).optional(),
  resourceType: z.string().default('DEVICE_CERTIFICATE'),
  resourceIdentifier: ResourceIdentifierSchema.default({}),
  /** The finding's relatedResources (e.g. the things a shared certificate is attached to). */
  relatedResources: z.array(ScenarioRelatedResourceSchema).optional(),
  suppressed: z.boolean().default(false),
});

/**
 * A thing of the registry: its static groups and the certificates attached to it. Attribute names
 * and values follow the IoT model's AttributeName (1..128) and AttributeValue (0..800) patterns.
 */
export const ScenarioThingSchema = z.strictObject({
  name: ThingNameSchema,
  thingGroups: z.array(ThingGroupNameSchema).max(10).default([]),
  certificateIds: z.array(CertificateIdSchema).default([]),
  attributes: z
    .record(
      z
        .string()
        .min(1)
        .max(128)
        .regex(/^[a-zA-Z0-9_.,@/:#=[\]-]+$/),
      z
        .string()
        .max(800)
        .regex(/^[a-zA-Z0-9_.,@/:#=[\]-]*$/),
    )
    .optional(),
});

/** A static thing group; `parentGroupName` makes it a child group (a group has at most one parent). */
export const ScenarioThingGroupSchema = z.strictObject({
  name: ThingGroupNameSchema,
  parentGroupName: ThingGroupNameSchema.optional(),
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

/** The ends a scenario may expect of a workflow. */
export const ScenarioOutcomeSchema = z.enum([
  'COMPLETED',
  'FAILED',
  'CANCELED',
  'REJECTED',
  'APPROVAL_EXPIRED',
  'SKIPPED',
  'DRY_RUN',
]);

/** What a verification audit is expected to find (its event's totals). */
export const ScenarioVerificationSchema = z
  .object({ fixed: z.number().int().nonnegative(), stillNonCompliant: z.number().int().nonnegative() })
  .strict();
export type ScenarioVerification = z.infer<typeof ScenarioVerificationSchema>;

export const ScenarioAuditSchema = z.object({
  taskId: z.string().regex(/^[a-zA-Z0-9-]{1,40}$/),
  taskType: z.enum(['ON_DEMAND_AUDIT_TASK', 'SCHEDULED_AUDIT_TASK']),
  taskStatus: z.enum(['IN_PROGRESS', 'COMPLETED', 'FAILED', 'CANCELED']),
  scheduledAuditName: z.string().optional(),
  /** Epoch seconds, as the API returns it. */
  taskStartTime: z.number(),
  checks: z.record(z.string(), ScenarioCheckSchema),
  /**
   * How the workflows for this audit are expected to end when they run with the default config:
   * COMPLETED / FAILED / CANCELED (the mitigation task's end), REJECTED / APPROVAL_EXPIRED (an
   * approval's end), SKIPPED (nothing to start) or DRY_RUN. Every workflow of the audit that
   * `expectedOutcomes` does not name.
   */
  expectedOutcome: ScenarioOutcomeSchema.optional(),
  /**
   * One audit may give several workflows (one per planned task): the expected end of each, by the
   * task's group (`auto`, `approve`, `auto-1`...) or its full task id (`remediate-<audit>-<group>`).
   */
  expectedOutcomes: z.record(z.string().min(1), ScenarioOutcomeSchema).optional(),
  /**
   * The verification audit's totals expected for the audit's workflows, by task group or full task id
   * (as expectedOutcomes): resources fixed and still non-compliant. A workflow it names must have been
   * verified with exactly these totals.
   */
  expectedVerifications: z.record(z.string().min(1), ScenarioVerificationSchema).optional(),
});

/**
 * The end the scenario expects for a workflow of the audit: the one named for its task (by full
 * task id, then by group), else the audit's `expectedOutcome`.
 */
export function expectedEndOf(audit: ScenarioAudit, taskId?: string): string | undefined {
  return byTaskOf(audit, audit.expectedOutcomes ?? {}, taskId) ?? audit.expectedOutcome;
}

/** The verification the scenario expects for a workflow of the audit (by full task id, then by group). */
export function expectedVerificationOf(
  audit: ScenarioAudit,
  taskId?: string,
): ScenarioVerification | undefined {
  return byTaskOf(audit, audit.expectedVerifications ?? {}, taskId);
}

function byTaskOf<T>(
  audit: ScenarioAudit,
  byTask: Readonly<Record<string, T>>,
  taskId?: string,
): T | undefined {
  if (taskId === undefined) return undefined;
  if (Object.hasOwn(byTask, taskId)) return byTask[taskId];
  const prefix = `${TASK_ID_PREFIX}${audit.taskId}-`;
  const group = taskId.startsWith(prefix) ? taskId.slice(prefix.length) : undefined;
  return group !== undefined && Object.hasOwn(byTask, group) ? byTask[group] : undefined;
}

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
  /**
   * The share (0..1) of those findings it applies to, chosen by a hash of the action and finding id:
   * the same findings run after run, about `fraction` of them (injected failures at scale).
   */
  fraction: z.number().min(0).max(1).optional(),
  status: z.enum(['COMPLETED', 'FAILED']),
  errorCode: z.string().optional(),
  message: z.string().optional(),
});

/**
 * A decision the scenario scripts: when an approval is requested for the task (or for a task that
 * includes the check), decide it `afterSeconds` (virtual time) after the request. An `afterSeconds`
 * past the approval's timeout shows a late decision: refused, it changes nothing.
 */
export const ScenarioApprovalSchema = z
  .strictObject({
    taskId: z.string().min(1).optional(),
    check: z.string().min(1).optional(),
    decision: z.enum(['approve', 'reject']),
    afterSeconds: z.number().nonnegative(),
    reason: z.string().trim().min(1).max(MAX_REASON_LENGTH),
  })
  .refine((a) => a.taskId !== undefined || a.check !== undefined, {
    message: 'give taskId or check: the approval request it decides',
  });
export type ScenarioApproval = z.infer<typeof ScenarioApprovalSchema>;

export const ScenarioSchema = z
  .object({
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
    /** The registry: things and static thing groups (certificates are implied by things and findings). */
    things: z.array(ScenarioThingSchema).default([]),
    thingGroups: z.array(ScenarioThingGroupSchema).default([]),
    /** Decisions the local stack sends on the approvals it is asked for (src/local/scripted-decisions.ts). */
    approvals: z.array(ScenarioApprovalSchema).default([]),
  })
  .superRefine((scenario, ctx) => {
    const problem = (path: (string | number)[], message: string) =>
      ctx.addIssue({ code: 'custom', path, message });
    const groups = new Map<string, string | undefined>();
    scenario.thingGroups.forEach((group, i) => {
      if (groups.has(group.name)) problem(['thingGroups', i, 'name'], `duplicate thing group ${group.name}`);
      groups.set(group.name, group.parentGroupName);
    });
    scenario.thingGroups.forEach((group, i) => {
      if (group.parentGroupName !== undefined && !groups.has(group.parentGroupName))
        problem(['thingGroups', i, 'parentGroupName'], `unknown thing group ${group.parentGroupName}`);
      // Walk up the parents: a group met twice on the way is a cycle. Also bounds the walk.
      const seen = new Set<string>([group.name]);
      for (let parent = group.parentGroupName; parent !== undefined; parent = groups.get(parent)) {
        if (seen.has(parent)) {
          problem(['thingGroups', i, 'parentGroupName'], `thing group ${group.name} is its own ancestor`);
          break;
        }
        seen.add(parent);
      }
    });
    const things = new Set<string>();
    scenario.things.forEach((thing, i) => {
      if (things.has(thing.name)) problem(['things', i, 'name'], `duplicate thing ${thing.name}`);
      things.add(thing.name);
      thing.thingGroups.forEach((name, j) => {
        if (!groups.has(name)) problem(['things', i, 'thingGroups', j], `unknown thing group ${name}`);
      });
    });
  });

export type Scenario = z.infer<typeof ScenarioSchema>;
export type ScenarioInput = z.input<typeof ScenarioSchema>;
export type ScenarioAudit = z.infer<typeof ScenarioAuditSchema>;
