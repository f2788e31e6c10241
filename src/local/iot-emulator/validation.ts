/**
 * Input validation for every emulated operation: the model's constraints (required, length, pattern,
 * range, enum, list size) plus the target rules of device-defender-api.md section 2.
 *
 * The SDK validates nothing client-side, so the server must. Problems are reported the way AWS's
 * Coral front end does: "2 validation errors detected: Value 'x y' at 'taskId' failed to satisfy
 * constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9_-]+$; ...".
 */
import { MITIGATION_ACTION_TYPES, type MitigationActionType } from '../../core/check-catalog';
import { InvalidRequestException } from './errors';

// Patterns and lengths from iot-model-operations.txt.
export const PATTERNS = {
  mitigationTaskId: /^[a-zA-Z0-9_-]+$/,
  clientRequestToken: /^[a-zA-Z0-9-_]+$/,
  auditTaskId: /^[a-zA-Z0-9-]+$/,
  findingId: /^[a-zA-Z0-9_-]+$/,
  actionName: /^[a-zA-Z0-9_-]+$/,
  thingGroupName: /^[a-zA-Z0-9:_-]+$/,
  certificateId: /^(0x)?[a-fA-F0-9]+$/,
  accountId: /^[0-9]+$/,
  policyName: /^[\w+=,.@-]+$/,
  policyVersionId: /^[0-9]+$/,
  tagKey: /^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$/u,
} as const;

const TASK_STATUSES = ['IN_PROGRESS', 'COMPLETED', 'FAILED', 'CANCELED'] as const;
const EXECUTION_STATUSES = ['IN_PROGRESS', 'COMPLETED', 'FAILED', 'CANCELED', 'SKIPPED', 'PENDING'] as const;
const AUDIT_TASK_TYPES = ['ON_DEMAND_AUDIT_TASK', 'SCHEDULED_AUDIT_TASK'] as const;
const LOG_LEVELS = ['DEBUG', 'INFO', 'ERROR', 'WARN', 'DISABLED'] as const;

interface StringRule {
  readonly required?: boolean;
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: RegExp;
}

function render(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (Array.isArray(value)) return `'[${value.map((v) => String(v)).join(', ')}]'`;
  if (typeof value === 'object') return `'${JSON.stringify(value)}'`;
  return `'${String(value)}'`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Collects constraint violations of one request, then throws them all at once. */
export class Validator {
  readonly #problems: string[] = [];

  #fail(path: string, value: unknown, constraint: string): void {
    this.#problems.push(
      `Value ${render(value)} at '${path}' failed to satisfy constraint: Member must ${constraint}`,
    );
  }

  #missing(path: string, value: unknown, required: boolean | undefined): boolean {
    if (value !== undefined && value !== null) return false;
    if (required) this.#fail(path, value, 'not be null');
    return true;
  }

  string(path: string, value: unknown, rule: StringRule = {}): string | undefined {
    if (this.#missing(path, value, rule.required)) return undefined;
    if (typeof value !== 'string') {
      this.#fail(path, value, 'be a string');
      return undefined;
    }
    const before = this.#problems.length;
    // Coral reports length in UTF-16 code units, like String.length.
    if (rule.min !== undefined && value.length < rule.min) {
      this.#fail(path, value, `have length greater than or equal to ${rule.min}`);
    }
    if (rule.max !== undefined && value.length > rule.max) {
      this.#fail(path, value, `have length less than or equal to ${rule.max}`);
    }
    if (rule.pattern !== undefined && value.length > 0 && !rule.pattern.test(value)) {
      this.#fail(path, value, `satisfy regular expression pattern: ${rule.pattern.source}`);
    }
    return this.#problems.length === before ? value : undefined;
  }

  integer(path: string, value: unknown, range: { min: number; max: number }): number | undefined {
    if (this.#missing(path, value, false)) return undefined;
    const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    if (typeof number !== 'number' || !Number.isInteger(number)) {
      this.#fail(path, value, 'be an integer');
      return undefined;
    }
    if (number < range.min) this.#fail(path, value, `have value greater than or equal to ${range.min}`);
    else if (number > range.max) this.#fail(path, value, `have value less than or equal to ${range.max}`);
    else return number;
    return undefined;
  }

  boolean(path: string, value: unknown): boolean | undefined {
    if (this.#missing(path, value, false)) return undefined;
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 'false') return value === 'true';
    this.#fail(path, value, 'be a boolean');
    return undefined;
  }

  enumOf<T extends string>(
    path: string,
    value: unknown,
    values: readonly T[],
    required = false,
  ): T | undefined {
    if (this.#missing(path, value, required)) return undefined;
    const match = values.find((v) => v === value);
    if (match === undefined) this.#fail(path, value, `satisfy enum value set: [${values.join(', ')}]`);
    return match;
  }

  /** A list with its size limits; the items are left to the caller. */
  list(
    path: string,
    value: unknown,
    rule: { required?: boolean; min?: number; max?: number } = {},
  ): unknown[] | undefined {
    if (this.#missing(path, value, rule.required)) return undefined;
    if (!Array.isArray(value)) {
      this.#fail(path, value, 'be a list');
      return undefined;
    }
    if (rule.min !== undefined && value.length < rule.min) {
      this.#fail(path, value, `have length greater than or equal to ${rule.min}`);
    }
    if (rule.max !== undefined && value.length > rule.max) {
      this.#fail(path, value, `have length less than or equal to ${rule.max}`);
    }
    return value;
  }

  /** A structure or a map. */
  object(path: string, value: unknown, required = false): Record<string, unknown> | undefined {
    if (this.#missing(path, value, required)) return undefined;
    if (!isRecord(value)) {
      this.#fail(path, value, 'be a structure');
      return undefined;
    }
    return value;
  }

  /**
   * A timestamp as epoch ms. JSON bodies carry epoch seconds as numbers; query strings carry
   * ISO-8601 with percent-encoded colons (already decoded here) or, from other tools, epoch seconds.
   */
  timestamp(path: string, value: unknown, required = false): number | undefined {
    if (this.#missing(path, value, required)) return undefined;
    if (typeof value === 'number' && Number.isFinite(value)) return value * 1000;
    if (typeof value === 'string') {
      if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
      const ms = Date.parse(value);
      if (!Number.isNaN(ms)) return ms;
    }
    this.#fail(path, value, 'be a timestamp');
    return undefined;
  }

  get ok(): boolean {
    return this.#problems.length === 0;
  }

  /** Throws every collected problem as one InvalidRequestException. */
  throwIfAny(): void {
    const count = this.#problems.length;
    if (count === 0) return;
    throw new InvalidRequestException(
      `${count} validation error${count === 1 ? '' : 's'} detected: ${this.#problems.join('; ')}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Inputs of each operation, validated. Handlers receive only these shapes.

export interface PageInput {
  readonly maxResults: number;
  readonly nextToken?: string;
}

export const DEFAULT_MAX_RESULTS = 25;

function page(v: Validator, source: Record<string, unknown>): PageInput {
  return {
    maxResults: v.integer('maxResults', source.maxResults, { min: 1, max: 250 }) ?? DEFAULT_MAX_RESULTS,
    nextToken: v.string('nextToken', source.nextToken),
  };
}

const taskIdRule = { required: true, min: 1, max: 128, pattern: PATTERNS.mitigationTaskId } as const;
const auditTaskIdRule = { min: 1, max: 40, pattern: PATTERNS.auditTaskId } as const;
const findingIdRule = { min: 1, max: 128, pattern: PATTERNS.findingId } as const;
const actionNameRule = { min: 0, max: 128, pattern: PATTERNS.actionName } as const;
const roleArnRule = { min: 20, max: 2048 } as const;

export interface MitigationTarget {
  auditTaskId?: string;
  findingIds?: string[];
  auditCheckToReasonCodeFilter?: Record<string, string[]>;
}

export interface StartTaskInput {
  readonly taskId: string;
  readonly target: MitigationTarget;
  readonly auditCheckToActionsMapping: Record<string, string[]>;
  readonly clientRequestToken: string;
}

function stringList(v: Validator, path: string, value: unknown, rule: StringRule): string[] {
  const out: string[] = [];
  const items = Array.isArray(value) ? value : [];
  items.forEach((item, index) => {
    const s = v.string(`${path}.${index + 1}.member`, item, { ...rule, required: true });
    if (s !== undefined) out.push(s);
  });
  return out;
}

export function parseStartTaskInput(taskIdLabel: string, body: Record<string, unknown>): StartTaskInput {
  const v = new Validator();
  const taskId = v.string('taskId', taskIdLabel, taskIdRule);
  const clientRequestToken = v.string('clientRequestToken', body.clientRequestToken, {
    required: true,
    min: 1,
    max: 64,
    pattern: PATTERNS.clientRequestToken,
  });

  const rawTarget = v.object('target', body.target, true);
  const target: MitigationTarget = {};
  if (rawTarget) {
    target.auditTaskId = v.string('target.auditTaskId', rawTarget.auditTaskId, auditTaskIdRule);
    if (v.list('target.findingIds', rawTarget.findingIds, { min: 1, max: 25 })) {
      target.findingIds = stringList(v, 'target.findingIds', rawTarget.findingIds, findingIdRule);
    }
    const filter = v.object('target.auditCheckToReasonCodeFilter', rawTarget.auditCheckToReasonCodeFilter);
    if (filter) {
      // fromEntries defines own properties: `obj[check] = v` would set the prototype for "__proto__".
      target.auditCheckToReasonCodeFilter = Object.fromEntries(
        Object.entries(filter).flatMap(([check, codes]) => {
          const path = `target.auditCheckToReasonCodeFilter.${check}`;
          return v.list(path, codes, { required: true, min: 1, max: 25 })
            ? [[check, stringList(v, path, codes, {})]]
            : [];
        }),
      );
    }
  }

  const rawMapping = v.object('auditCheckToActionsMapping', body.auditCheckToActionsMapping, true);
  const auditCheckToActionsMapping: Record<string, string[]> = Object.fromEntries(
    Object.entries(rawMapping ?? {}).flatMap(([check, names]) => {
      const path = `auditCheckToActionsMapping.${check}`;
      return v.list(path, names, { required: true, min: 1, max: 5 })
        ? [[check, stringList(v, path, names, actionNameRule)]]
        : [];
    }),
  );
  v.throwIfAny();

  // Target rules (device-defender-api.md section 2, [INFERRED]): exactly one of auditTaskId and
  // findingIds; a reason-code filter narrows an audit, so it needs auditTaskId.
  const hasAudit = target.auditTaskId !== undefined;
  const hasFindings = target.findingIds !== undefined;
  if (hasAudit === hasFindings) {
    throw new InvalidRequestException('target must specify exactly one of auditTaskId or findingIds');
  }
  if (target.auditCheckToReasonCodeFilter !== undefined && !hasAudit) {
    throw new InvalidRequestException(
      'target.auditCheckToReasonCodeFilter can only be used with target.auditTaskId',
    );
  }
  if (rawMapping !== undefined && Object.keys(auditCheckToActionsMapping).length === 0) {
    throw new InvalidRequestException('auditCheckToActionsMapping must map at least one audit check');
  }
  // Both are defined here: throwIfAny passed and they are required.
  return {
    taskId: taskId ?? '',
    target,
    auditCheckToActionsMapping,
    clientRequestToken: clientRequestToken ?? '',
  };
}

/** DescribeAuditMitigationActionsTask and CancelAuditMitigationActionsTask. */
export function parseMitigationTaskId(label: string): string {
  const v = new Validator();
  const taskId = v.string('taskId', label, taskIdRule);
  v.throwIfAny();
  return taskId ?? '';
}

export function parseAuditTaskId(label: string): string {
  const v = new Validator();
  const taskId = v.string('taskId', label, { ...auditTaskIdRule, required: true });
  v.throwIfAny();
  return taskId ?? '';
}

export function parseFindingId(label: string): string {
  const v = new Validator();
  const findingId = v.string('findingId', label, { ...findingIdRule, required: true });
  v.throwIfAny();
  return findingId ?? '';
}

export function parseActionName(label: string): string {
  const v = new Validator();
  const name = v.string('actionName', label, { ...actionNameRule, required: true });
  v.throwIfAny();
  return name ?? '';
}

export interface TimeRange {
  readonly startMs: number;
  readonly endMs: number;
}

export interface ListMitigationTasksInput extends PageInput, TimeRange {
  readonly auditTaskId?: string;
  readonly findingId?: string;
  readonly taskStatus?: (typeof TASK_STATUSES)[number];
}

export function parseListMitigationTasksInput(query: Record<string, string>): ListMitigationTasksInput {
  const v = new Validator();
  const startMs = v.timestamp('startTime', query.startTime, true);
  const endMs = v.timestamp('endTime', query.endTime, true);
  const input = {
    ...page(v, query),
    auditTaskId: v.string('auditTaskId', query.auditTaskId, auditTaskIdRule),
    findingId: v.string('findingId', query.findingId, findingIdRule),
    taskStatus: v.enumOf('taskStatus', query.taskStatus, TASK_STATUSES),
  };
  v.throwIfAny();
  return { ...input, startMs: startMs ?? 0, endMs: endMs ?? 0 };
}

export interface ListExecutionsInput extends PageInput {
  readonly taskId: string;
  readonly findingId: string;
  readonly actionStatus?: (typeof EXECUTION_STATUSES)[number];
}

export function parseListExecutionsInput(query: Record<string, string>): ListExecutionsInput {
  const v = new Validator();
  const taskId = v.string('taskId', query.taskId, taskIdRule);
  // findingId is required in the model (device-defender-api.md 1.1), so it is enforced here.
  const findingId = v.string('findingId', query.findingId, { ...findingIdRule, required: true });
  const input = {
    ...page(v, query),
    actionStatus: v.enumOf('actionStatus', query.actionStatus, EXECUTION_STATUSES),
  };
  v.throwIfAny();
  return { ...input, taskId: taskId ?? '', findingId: findingId ?? '' };
}

export interface ListFindingsInput extends PageInput {
  readonly taskId?: string;
  readonly checkName?: string;
  readonly resourceIdentifier?: Record<string, unknown>;
  readonly startMs?: number;
  readonly endMs?: number;
  readonly listSuppressedFindings: boolean;
}

function validateResourceIdentifier(v: Validator, path: string, raw: Record<string, unknown>): void {
  const certRule = { min: 64, max: 64, pattern: PATTERNS.certificateId };
  v.string(`${path}.deviceCertificateId`, raw.deviceCertificateId, certRule);
  v.string(`${path}.caCertificateId`, raw.caCertificateId, certRule);
  v.string(`${path}.cognitoIdentityPoolId`, raw.cognitoIdentityPoolId);
  v.string(`${path}.clientId`, raw.clientId);
  v.string(`${path}.account`, raw.account, { min: 12, max: 12, pattern: PATTERNS.accountId });
  v.string(`${path}.iamRoleArn`, raw.iamRoleArn, roleArnRule);
  v.string(`${path}.roleAliasArn`, raw.roleAliasArn, { min: 1, max: 2048 });
  v.string(`${path}.deviceCertificateArn`, raw.deviceCertificateArn);
  const policy = v.object(`${path}.policyVersionIdentifier`, raw.policyVersionIdentifier);
  if (policy) {
    v.string(`${path}.policyVersionIdentifier.policyName`, policy.policyName, {
      min: 1,
      max: 128,
      pattern: PATTERNS.policyName,
    });
    v.string(`${path}.policyVersionIdentifier.policyVersionId`, policy.policyVersionId, {
      pattern: PATTERNS.policyVersionId,
    });
  }
  v.object(`${path}.issuerCertificateIdentifier`, raw.issuerCertificateIdentifier);
}

export function parseListFindingsInput(body: Record<string, unknown>): ListFindingsInput {
  const v = new Validator();
  const resourceIdentifier = v.object('resourceIdentifier', body.resourceIdentifier);
  if (resourceIdentifier) validateResourceIdentifier(v, 'resourceIdentifier', resourceIdentifier);
  const input: ListFindingsInput = {
    ...page(v, body),
    taskId: v.string('taskId', body.taskId, auditTaskIdRule),
    checkName: v.string('checkName', body.checkName),
    resourceIdentifier,
    startMs: v.timestamp('startTime', body.startTime),
    endMs: v.timestamp('endTime', body.endTime),
    listSuppressedFindings: v.boolean('listSuppressedFindings', body.listSuppressedFindings) ?? false,
  };
  v.throwIfAny();
  // The model doc: give either taskId or startTime and endTime, not both.
  const hasRange = input.startMs !== undefined || input.endMs !== undefined;
  if (input.taskId !== undefined && hasRange) {
    throw new InvalidRequestException('Specify either taskId or startTime and endTime, not both');
  }
  if (input.taskId === undefined && (input.startMs === undefined || input.endMs === undefined)) {
    throw new InvalidRequestException('Specify either taskId or both startTime and endTime');
  }
  return input;
}

export interface ListAuditTasksInput extends PageInput, TimeRange {
  readonly taskType?: (typeof AUDIT_TASK_TYPES)[number];
  readonly taskStatus?: (typeof TASK_STATUSES)[number];
}

export function parseListAuditTasksInput(query: Record<string, string>): ListAuditTasksInput {
  const v = new Validator();
  const startMs = v.timestamp('startTime', query.startTime, true);
  const endMs = v.timestamp('endTime', query.endTime, true);
  const input = {
    ...page(v, query),
    taskType: v.enumOf('taskType', query.taskType, AUDIT_TASK_TYPES),
    taskStatus: v.enumOf('taskStatus', query.taskStatus, TASK_STATUSES),
  };
  v.throwIfAny();
  return { ...input, startMs: startMs ?? 0, endMs: endMs ?? 0 };
}

export interface ListActionsInput extends PageInput {
  readonly actionType?: MitigationActionType;
}

export function parseListActionsInput(query: Record<string, string>): ListActionsInput {
  const v = new Validator();
  const input = {
    ...page(v, query),
    actionType: v.enumOf('actionType', query.actionType, MITIGATION_ACTION_TYPES),
  };
  v.throwIfAny();
  return input;
}

/** The params member of each action type: MitigationActionParams holds exactly one of them. */
export const PARAMS_MEMBER_BY_TYPE = {
  UPDATE_DEVICE_CERTIFICATE: 'updateDeviceCertificateParams',
  UPDATE_CA_CERTIFICATE: 'updateCACertificateParams',
  ADD_THINGS_TO_THING_GROUP: 'addThingsToThingGroupParams',
  REPLACE_DEFAULT_POLICY_VERSION: 'replaceDefaultPolicyVersionParams',
  ENABLE_IOT_LOGGING: 'enableIoTLoggingParams',
  PUBLISH_FINDING_TO_SNS: 'publishFindingToSnsParams',
} as const satisfies Record<MitigationActionType, string>;

export interface CreateActionInput {
  readonly actionName: string;
  readonly roleArn: string;
  readonly actionType: MitigationActionType;
  readonly actionParams: Record<string, unknown>;
  readonly tags: ReadonlyArray<{ Key: string; Value?: string }>;
}

function validateActionParams(
  v: Validator,
  params: Record<string, unknown>,
): MitigationActionType | undefined {
  const present = MITIGATION_ACTION_TYPES.filter((type) => params[PARAMS_MEMBER_BY_TYPE[type]] != null);
  for (const type of present) {
    const member = PARAMS_MEMBER_BY_TYPE[type];
    const path = `actionParams.${member}`;
    const p = v.object(path, params[member]);
    if (!p) continue;
    switch (type) {
      case 'UPDATE_DEVICE_CERTIFICATE':
      case 'UPDATE_CA_CERTIFICATE':
        v.enumOf(`${path}.action`, p.action, ['DEACTIVATE'], true);
        break;
      case 'ADD_THINGS_TO_THING_GROUP':
        if (v.list(`${path}.thingGroupNames`, p.thingGroupNames, { required: true, min: 1, max: 10 })) {
          stringList(v, `${path}.thingGroupNames`, p.thingGroupNames, {
            min: 1,
            max: 128,
            pattern: PATTERNS.thingGroupName,
          });
        }
        v.boolean(`${path}.overrideDynamicGroups`, p.overrideDynamicGroups);
        break;
      case 'REPLACE_DEFAULT_POLICY_VERSION':
        v.enumOf(`${path}.templateName`, p.templateName, ['BLANK_POLICY'], true);
        break;
      case 'ENABLE_IOT_LOGGING':
        v.string(`${path}.roleArnForLogging`, p.roleArnForLogging, { ...roleArnRule, required: true });
        v.enumOf(`${path}.logLevel`, p.logLevel, LOG_LEVELS, true);
        break;
      case 'PUBLISH_FINDING_TO_SNS':
        v.string(`${path}.topicArn`, p.topicArn, { required: true, min: 0, max: 350 });
        break;
    }
  }
  return present.length === 1 ? present[0] : undefined;
}

export function parseCreateActionInput(label: string, body: Record<string, unknown>): CreateActionInput {
  const v = new Validator();
  const actionName = v.string('actionName', label, { ...actionNameRule, required: true });
  const roleArn = v.string('roleArn', body.roleArn, { ...roleArnRule, required: true });
  const actionParams = v.object('actionParams', body.actionParams, true);
  const actionType = actionParams ? validateActionParams(v, actionParams) : undefined;
  const tags: Array<{ Key: string; Value?: string }> = [];
  const rawTags = v.list('tags', body.tags);
  rawTags?.forEach((tag, index) => {
    const path = `tags.${index + 1}.member`;
    const t = v.object(path, tag, true);
    if (!t) return;
    const Key = v.string(`${path}.Key`, t.Key, {
      required: true,
      min: 1,
      max: 128,
      pattern: PATTERNS.tagKey,
    });
    const Value = v.string(`${path}.Value`, t.Value, { min: 0, max: 256 });
    if (Key !== undefined) tags.push({ Key, Value });
  });
  v.throwIfAny();
  if (actionType === undefined || actionParams === undefined) {
    throw new InvalidRequestException('actionParams must contain exactly one action parameters member');
  }
  return { actionName: actionName ?? '', roleArn: roleArn ?? '', actionType, actionParams, tags };
}

export function parseStartAuditInput(body: Record<string, unknown>): { targetCheckNames: string[] } {
  const v = new Validator();
  const names = v.list('targetCheckNames', body.targetCheckNames, { required: true });
  const targetCheckNames = names ? stringList(v, 'targetCheckNames', names, { min: 1 }) : [];
  v.throwIfAny();
  if (targetCheckNames.length === 0) {
    throw new InvalidRequestException('targetCheckNames must name at least one audit check');
  }
  return { targetCheckNames };
}
