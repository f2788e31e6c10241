/**
 * The inputs of each emulated operation, typed, with the rules the API model cannot express (the
 * target rules of device-defender-api.md section 2, defaults). The model's own constraints (required,
 * length, pattern, range, enum, list size, nested members) are checked before any handler runs, by
 * src/local/model/validate.ts: what reaches these functions has the model's types.
 */
import type { MitigationActionType } from '../../core/check-catalog';
import { InvalidRequestException } from './errors';

/** A request's members by name, as src/local/model/validate.ts assembled and checked them. */
export type OperationInput = Readonly<Record<string, unknown>>;

// After model validation a member is absent or of its model type: these read it as such.
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const number = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);
const ms = (value: unknown): number | undefined => (typeof value === 'number' ? value * 1000 : undefined);
const record = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);
const stringLists = (value: unknown): Record<string, string[]> =>
  Object.fromEntries(Object.entries(record(value) ?? {}).map(([key, list]) => [key, strings(list)]));

export interface PageInput {
  readonly maxResults: number;
  readonly nextToken?: string;
}

export const DEFAULT_MAX_RESULTS = 25;

function page(input: OperationInput): PageInput {
  return { maxResults: number(input.maxResults) ?? DEFAULT_MAX_RESULTS, nextToken: text(input.nextToken) };
}

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

export function parseStartTaskInput(input: OperationInput): StartTaskInput {
  const rawTarget = record(input.target) ?? {};
  const target: MitigationTarget = {};
  // fromEntries (in stringLists) defines own properties: `obj[check] = v` would set the prototype for "__proto__".
  if (rawTarget.auditTaskId !== undefined) target.auditTaskId = text(rawTarget.auditTaskId);
  if (rawTarget.findingIds !== undefined) target.findingIds = strings(rawTarget.findingIds);
  if (rawTarget.auditCheckToReasonCodeFilter !== undefined) {
    target.auditCheckToReasonCodeFilter = stringLists(rawTarget.auditCheckToReasonCodeFilter);
  }
  const auditCheckToActionsMapping = stringLists(input.auditCheckToActionsMapping);

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
  if (Object.keys(auditCheckToActionsMapping).length === 0) {
    throw new InvalidRequestException('auditCheckToActionsMapping must map at least one audit check');
  }
  return {
    taskId: text(input.taskId) ?? '',
    target,
    auditCheckToActionsMapping,
    clientRequestToken: text(input.clientRequestToken) ?? '',
  };
}

export interface TimeRange {
  readonly startMs: number;
  readonly endMs: number;
}

export interface ListMitigationTasksInput extends PageInput, TimeRange {
  readonly auditTaskId?: string;
  readonly findingId?: string;
  readonly taskStatus?: string;
}

export function parseListMitigationTasksInput(input: OperationInput): ListMitigationTasksInput {
  return {
    ...page(input),
    auditTaskId: text(input.auditTaskId),
    findingId: text(input.findingId),
    taskStatus: text(input.taskStatus),
    startMs: ms(input.startTime) ?? 0,
    endMs: ms(input.endTime) ?? 0,
  };
}

export interface ListExecutionsInput extends PageInput {
  readonly taskId: string;
  readonly findingId: string;
  readonly actionStatus?: string;
}

export function parseListExecutionsInput(input: OperationInput): ListExecutionsInput {
  return {
    ...page(input),
    taskId: text(input.taskId) ?? '',
    findingId: text(input.findingId) ?? '',
    actionStatus: text(input.actionStatus),
  };
}

export interface ListFindingsInput extends PageInput {
  readonly taskId?: string;
  readonly checkName?: string;
  readonly resourceIdentifier?: Record<string, unknown>;
  readonly startMs?: number;
  readonly endMs?: number;
  readonly listSuppressedFindings: boolean;
}

export function parseListFindingsInput(input: OperationInput): ListFindingsInput {
  const request: ListFindingsInput = {
    ...page(input),
    taskId: text(input.taskId),
    checkName: text(input.checkName),
    resourceIdentifier: record(input.resourceIdentifier),
    startMs: ms(input.startTime),
    endMs: ms(input.endTime),
    listSuppressedFindings: input.listSuppressedFindings === true,
  };
  // The model doc: give either taskId or startTime and endTime, not both.
  const hasRange = request.startMs !== undefined || request.endMs !== undefined;
  if (request.taskId !== undefined && hasRange) {
    throw new InvalidRequestException('Specify either taskId or startTime and endTime, not both');
  }
  if (request.taskId === undefined && (request.startMs === undefined || request.endMs === undefined)) {
    throw new InvalidRequestException('Specify either taskId or both startTime and endTime');
  }
  return request;
}

export interface ListAuditTasksInput extends PageInput, TimeRange {
  readonly taskType?: string;
  readonly taskStatus?: string;
}

export function parseListAuditTasksInput(input: OperationInput): ListAuditTasksInput {
  return {
    ...page(input),
    taskType: text(input.taskType),
    taskStatus: text(input.taskStatus),
    startMs: ms(input.startTime) ?? 0,
    endMs: ms(input.endTime) ?? 0,
  };
}

export interface ListActionsInput extends PageInput {
  readonly actionType?: string;
}

export function parseListActionsInput(input: OperationInput): ListActionsInput {
  return { ...page(input), actionType: text(input.actionType) };
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

const ACTION_TYPES = Object.keys(PARAMS_MEMBER_BY_TYPE) as MitigationActionType[];

export interface CreateActionInput {
  readonly actionName: string;
  readonly roleArn: string;
  readonly actionType: MitigationActionType;
  readonly actionParams: Record<string, unknown>;
}

export function parseCreateActionInput(input: OperationInput): CreateActionInput {
  const actionParams = record(input.actionParams) ?? {};
  const present = ACTION_TYPES.filter((type) => actionParams[PARAMS_MEMBER_BY_TYPE[type]] != null);
  const actionType = present.length === 1 ? present[0] : undefined;
  if (actionType === undefined) {
    throw new InvalidRequestException('actionParams must contain exactly one action parameters member');
  }
  return {
    actionName: text(input.actionName) ?? '',
    roleArn: text(input.roleArn) ?? '',
    actionType,
    actionParams,
  };
}

export function parseStartAuditInput(input: OperationInput): { targetCheckNames: string[] } {
  const targetCheckNames = strings(input.targetCheckNames);
  if (targetCheckNames.length === 0) {
    throw new InvalidRequestException('targetCheckNames must name at least one audit check');
  }
  return { targetCheckNames };
}

export interface ListThingsInThingGroupInput extends PageInput {
  readonly thingGroupName: string;
  readonly recursive: boolean;
}

export function parseListThingsInThingGroupInput(input: OperationInput): ListThingsInThingGroupInput {
  // `recursive` defaults to false: only the group's own things.
  return {
    ...page(input),
    thingGroupName: text(input.thingGroupName) ?? '',
    recursive: input.recursive === true,
  };
}

export function parseListThingPrincipalsInput(input: OperationInput): PageInput & { thingName: string } {
  return { ...page(input), thingName: text(input.thingName) ?? '' };
}

export function parseListPrincipalThingsInput(input: OperationInput): PageInput & { principal: string } {
  return { ...page(input), principal: text(input.principal) ?? '' };
}
