import { createHash } from 'node:crypto';
import type { Problem } from './errors';

/** The StartAuditMitigationActionsTask input, in the SDK's camelCase. */
export interface StartMitigationRequest {
  readonly taskId: string;
  readonly target: {
    readonly auditTaskId: string;
    readonly auditCheckToReasonCodeFilter?: Readonly<Record<string, readonly string[]>>;
  };
  readonly auditCheckToActionsMapping: Readonly<Record<string, readonly string[]>>;
  readonly clientRequestToken: string;
}

/** Prefix of every mitigation task id this product starts, so operators can tell them apart. */
export const TASK_ID_PREFIX = 'remediate-';
/**
 * The task group of the automatic mitigation of an audit. Fixed, so that the task id depends on the
 * audit alone; room for other groups of the same audit later (approved tasks, findingIds batches).
 */
export const AUTOMATIC_TASK_GROUP = 'auto';

/** The id of the one automatic mitigation task of an audit: `remediate-<auditTaskId>-auto` (at most 55 characters). */
export function automaticTaskId(auditTaskId: string): string {
  return `${TASK_ID_PREFIX}${auditTaskId}-${AUTOMATIC_TASK_GROUP}`;
}

/** JSON with object keys sorted at every level, so that equal requests hash equally. */
function canonicalJson(value: unknown): string {
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
 * Derives the ids of a request, never at random, so that a duplicate delivery, a Lambda retry or a
 * replay yields the same task:
 * - taskId: `remediate-<auditTaskId>-auto`, from the audit alone, whatever the config: one automatic
 *   task per audit. Two containers holding different configs (the SSM config is cached per
 *   container) derive the same id; the second start gets TaskAlreadyExistsException (same id,
 *   another token) and follows the first task, and Step Functions refuses a second execution of
 *   that name. At most 55 characters of [a-zA-Z0-9_-]: also a valid execution name (80 max).
 * - clientRequestToken: the SHA-256 (hex, 64 characters: the API's maximum) of the target and
 *   mapping, so that only the very same request counts as a retry of the start.
 */
export function withDerivedIds(
  body: Pick<StartMitigationRequest, 'target' | 'auditCheckToActionsMapping'>,
): StartMitigationRequest {
  const hash = createHash('sha256')
    .update(
      canonicalJson({ target: body.target, auditCheckToActionsMapping: body.auditCheckToActionsMapping }),
    )
    .digest('hex');
  return {
    taskId: automaticTaskId(body.target.auditTaskId),
    target: body.target,
    auditCheckToActionsMapping: body.auditCheckToActionsMapping,
    clientRequestToken: hash,
  };
}

/** Longest execution name Step Functions accepts; the taskId (plus `__<n>`, src/core/follow.ts) names executions. */
export const MAX_EXECUTION_NAME_LENGTH = 80;

const TASK_ID = /^[a-zA-Z0-9_-]+$/;
const TOKEN = /^[a-zA-Z0-9_-]+$/;
const AUDIT_TASK_ID = /^[a-zA-Z0-9-]+$/;
const ACTION_NAME = /^[a-zA-Z0-9_-]+$/;

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
  checkString(problems, 'taskId', request.taskId, 1, MAX_EXECUTION_NAME_LENGTH, TASK_ID);
  checkString(problems, 'clientRequestToken', request.clientRequestToken, 1, 64, TOKEN);
  checkString(problems, 'target.auditTaskId', request.target.auditTaskId, 1, 40, AUDIT_TASK_ID);
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
  const filter = request.target.auditCheckToReasonCodeFilter;
  return {
    TaskId: request.taskId,
    Target: {
      AuditTaskId: request.target.auditTaskId,
      ...(filter ? { AuditCheckToReasonCodeFilter: filter as Record<string, string[]> } : {}),
    },
    AuditCheckToActionsMapping: request.auditCheckToActionsMapping as Record<string, string[]>,
    ClientRequestToken: request.clientRequestToken,
  };
}
