import { createHash } from 'node:crypto';
import type { Problem } from './errors';

/** The StartAuditMitigationActionsTask input, in the SDK's camelCase. */
export interface StartMitigationRequest {
  readonly taskId: string;
  /**
   * EITHER the audit (optionally narrowed by reason codes) OR 1 to 25 of its findings (sorted; the
   * reason-code filter is then applied by the planner, not sent), as IoT takes one or the other.
   */
  readonly target: {
    readonly auditTaskId?: string;
    readonly findingIds?: readonly string[];
    readonly auditCheckToReasonCodeFilter?: Readonly<Record<string, readonly string[]>>;
  };
  readonly auditCheckToActionsMapping: Readonly<Record<string, readonly string[]>>;
  readonly clientRequestToken: string;
}

/** Prefix of every mitigation task id this product starts, so operators can tell them apart. */
export const TASK_ID_PREFIX = 'remediate-';
/** The task group of the automatic mitigation of an audit (its `auto` checks, targeted by audit). */
export const AUTOMATIC_TASK_GROUP = 'auto';

/**
 * The id of the task of `group` for an audit: `remediate-<auditTaskId>-<group>`. Groups are `auto`,
 * `approve`, and `auto-<k>` / `approve-<k>` for findingIds batches: the id depends on the audit and
 * the group alone, whatever the config, so two containers holding different configs derive the same id.
 */
export function taskIdFor(auditTaskId: string, group: string): string {
  return `${TASK_ID_PREFIX}${auditTaskId}-${group}`;
}

/** The id of the automatic mitigation task of an audit: `remediate-<auditTaskId>-auto` (at most 55 characters). */
export function automaticTaskId(auditTaskId: string): string {
  return taskIdFor(auditTaskId, AUTOMATIC_TASK_GROUP);
}

/** JSON with object keys sorted at every level, so that equal requests hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Derives the ids of the request of one task group, never at random, so that a duplicate delivery,
 * a Lambda retry or a replay yields the same task:
 * - taskId: `remediate-<auditTaskId>-<group>` (taskIdFor). The second start of the same id with
 *   another token gets TaskAlreadyExistsException and follows the first task, and Step Functions
 *   refuses a second execution of that name.
 * - clientRequestToken: the SHA-256 (hex, 64 characters: the API's maximum) of the group, target and
 *   mapping, so that only the very same request of the very same group counts as a retry.
 */
export function withDerivedIds(
  auditTaskId: string,
  group: string,
  body: Pick<StartMitigationRequest, 'target' | 'auditCheckToActionsMapping'>,
): StartMitigationRequest {
  const hash = createHash('sha256')
    .update(
      canonicalJson({
        group,
        target: body.target,
        auditCheckToActionsMapping: body.auditCheckToActionsMapping,
      }),
    )
    .digest('hex');
  return {
    taskId: taskIdFor(auditTaskId, group),
    target: body.target,
    auditCheckToActionsMapping: body.auditCheckToActionsMapping,
    clientRequestToken: hash,
  };
}

/** Longest execution name Step Functions accepts; the taskId (plus `__<n>`, src/core/follow.ts) names executions. */
export const MAX_EXECUTION_NAME_LENGTH = 80;
/**
 * Longest task id this product derives: IoT takes 128, but the id also names executions, followed
 * by `__<n>` (src/core/follow.ts): 5 characters are kept for that suffix (up to `__999`).
 */
export const MAX_TASK_ID_LENGTH = MAX_EXECUTION_NAME_LENGTH - 5;
/** Findings one task may target (AuditMitigationActionsTaskTarget.findingIds). */
export const MAX_FINDING_IDS_PER_TASK = 25;

const TASK_ID = /^[a-zA-Z0-9_-]+$/;
const TOKEN = /^[a-zA-Z0-9_-]+$/;
const AUDIT_TASK_ID = /^[a-zA-Z0-9-]+$/;
const ACTION_NAME = /^[a-zA-Z0-9_-]+$/;
const FINDING_ID = /^[a-zA-Z0-9_-]+$/;

function checkString(
  problems: Problem[],
  path: string,
  value: string,
  min: number,
  max: number,
  pattern: RegExp,
) {
  if (value.length < min || value.length > max) {
    problems.push({ path, message: `length ${value.length} is outside ${min}..${max}` });
  }
  if (!pattern.test(value)) problems.push({ path, message: `must match ${pattern.source}` });
}

function checkList(problems: Problem[], path: string, list: readonly unknown[], min: number, max: number) {
  if (list.length < min || list.length > max) {
    problems.push({ path, message: `has ${list.length} items; the API takes ${min} to ${max}` });
  }
}

/**
 * Every constraint of StartAuditMitigationActionsTask (IoT model 2015-05-28) that a request can
 * break. The SDK validates nothing client-side, so this runs before every send.
 */
export function startRequestProblems(request: StartMitigationRequest): Problem[] {
  const problems: Problem[] = [];
  checkString(problems, 'taskId', request.taskId, 1, MAX_TASK_ID_LENGTH, TASK_ID);
  checkString(problems, 'clientRequestToken', request.clientRequestToken, 1, 64, TOKEN);
  const { auditTaskId, findingIds } = request.target;
  if ((auditTaskId === undefined) === (findingIds === undefined))
    problems.push({ path: 'target', message: 'must name either auditTaskId or findingIds' });
  if (auditTaskId !== undefined)
    checkString(problems, 'target.auditTaskId', auditTaskId, 1, 40, AUDIT_TASK_ID);
  if (findingIds !== undefined) {
    checkList(problems, 'target.findingIds', findingIds, 1, MAX_FINDING_IDS_PER_TASK);
    findingIds.forEach((id, i) => {
      checkString(problems, `target.findingIds[${i}]`, id, 1, 128, FINDING_ID);
    });
    if (request.target.auditCheckToReasonCodeFilter !== undefined)
      problems.push({
        path: 'target.auditCheckToReasonCodeFilter',
        message: 'IoT applies it only to an auditTaskId target: filter the findings instead',
      });
  }
  const mapping = Object.entries(request.auditCheckToActionsMapping);
  if (mapping.length === 0) problems.push({ path: 'auditCheckToActionsMapping', message: 'names no check' });
  for (const [check, actions] of mapping) {
    const at = `auditCheckToActionsMapping.${check}`;
    checkList(problems, at, actions, 1, 5);
    actions.forEach((action, i) => {
      checkString(problems, `${at}[${i}]`, action, 1, 128, ACTION_NAME);
    });
  }
  for (const [check, codes] of Object.entries(request.target.auditCheckToReasonCodeFilter ?? {})) {
    const at = `target.auditCheckToReasonCodeFilter.${check}`;
    checkList(problems, at, codes, 1, 25);
    if (!Object.hasOwn(request.auditCheckToActionsMapping, check)) {
      problems.push({ path: at, message: 'filters a check that the mapping does not name' });
    }
  }
  return problems;
}

/** The request in the PascalCase that Step Functions' aws-sdk integration takes (map keys keep their case). */
export function toStepFunctionsStartRequest(request: StartMitigationRequest) {
  const { auditTaskId, findingIds, auditCheckToReasonCodeFilter: filter } = request.target;
  return {
    TaskId: request.taskId,
    Target: {
      ...(auditTaskId !== undefined ? { AuditTaskId: auditTaskId } : {}),
      ...(findingIds !== undefined ? { FindingIds: [...findingIds] } : {}),
      ...(filter ? { AuditCheckToReasonCodeFilter: filter as Record<string, string[]> } : {}),
    },
    AuditCheckToActionsMapping: request.auditCheckToActionsMapping as Record<string, string[]>,
    ClientRequestToken: request.clientRequestToken,
  };
}
