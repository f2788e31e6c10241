/**
 * One handler per emulated operation. Each validates its input (validation.ts), reads or changes
 * the state, and returns the JSON body of the 200 response. Timestamps go out as epoch seconds.
 */
import { AUDIT_CHECK_NAMES, isActionTypeCompatible } from '../../core/check-catalog';
import type { Clock } from '../clock';
import {
  InvalidRequestException,
  LimitExceededException,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
  TaskAlreadyExistsException,
} from './errors';
import type { Quotas } from './quotas-and-faults';
import { remediatedResources, remediationKeyOf } from './remediated-resources';
import {
  type ActionRecord,
  type AuditRecord,
  auditStatus,
  checkRunStatus,
  type EmulatorState,
  type FindingList,
  type FindingRecord,
  findingsOf,
  type MitigationTaskRecord,
  positionsNaming,
} from './state';
import {
  type ActionOutcome,
  findingExecutionsAt,
  planTask,
  type TaskFinding,
  type TaskView,
  taskStatusAt,
  viewTask,
} from './task-model';
import * as input from './validation';

/** The request's input members (URI labels, query and body together), validated against the model. */
export interface OperationRequest {
  readonly input: input.OperationInput;
}

/** Counters the stats report on mitigation tasks. */
export interface TaskCounters {
  started: number;
  existingTaskAnswers: number;
  taskAlreadyExists: number;
  limitExceeded: number;
  peakConcurrent: number;
}

export interface OperationContext {
  readonly state: EmulatorState;
  readonly clock: Clock;
  readonly quotas: Quotas;
  readonly counters: TaskCounters;
  /** Simulated run time of an on-demand audit. */
  readonly onDemandAuditMs: number;
  /** Called when an on-demand audit starts, so the emulator can notify when it ends. */
  readonly auditStarted: (audit: AuditRecord) => void;
  readonly operation: string;
}

export type Handler = (ctx: OperationContext, request: OperationRequest) => unknown;

const seconds = (ms: number | undefined): number | undefined => (ms === undefined ? undefined : ms / 1000);

// Retention of audits and mitigation tasks: "start and end should not be more than 90 days in the
// past" [DOC-MAC2020], "Audit information is retained for 90 days" [MODEL doc].
const RETENTION_MS = 90 * 24 * 3600 * 1000;

function checkRetention(ctx: OperationContext, startMs: number): void {
  if (startMs < ctx.clock.now() - RETENTION_MS) {
    throw new InvalidRequestException('startTime must not be more than 90 days in the past');
  }
}

/** Opaque page tokens: the operation and the offset, so a token from another list is refused. */
function paginate<T>(
  ctx: OperationContext,
  items: { readonly length: number; slice(start: number, end: number): T[] },
  page: input.PageInput,
): { page: T[]; nextToken?: string } {
  let offset = 0;
  if (page.nextToken !== undefined) {
    const decoded = Buffer.from(page.nextToken, 'base64url').toString('utf8');
    const [operation, rawOffset] = decoded.split(':');
    offset = Number(rawOffset);
    if (operation !== ctx.operation || !Number.isInteger(offset) || offset < 0) {
      throw new InvalidRequestException('The nextToken is not valid');
    }
  }
  const end = offset + page.maxResults;
  const nextToken =
    end < items.length ? Buffer.from(`${ctx.operation}:${end}`).toString('base64url') : undefined;
  return { page: items.slice(offset, end), nextToken };
}

function describeActionDefinition(action: ActionRecord) {
  return { name: action.name, id: action.id, roleArn: action.roleArn, actionParams: action.params };
}

function taskView(ctx: OperationContext, task: MitigationTaskRecord): TaskView {
  return viewTask(task.plan, task.startMs, ctx.clock.now(), task.cancelMs);
}

/**
 * Tasks in progress now. Only tasks that were in progress at the last count can still be (a task is
 * in progress from its start), so the count looks at those and drops the ones that ended, instead of
 * building the view of every task ever started on each Start call.
 */
function inProgressTaskCount(ctx: OperationContext): number {
  const now = ctx.clock.now();
  for (const task of ctx.state.inProgressTasks) {
    if (taskStatusAt(task.plan, task.startMs, now, task.cancelMs) !== 'IN_PROGRESS')
      ctx.state.inProgressTasks.delete(task);
  }
  return ctx.state.inProgressTasks.size;
}

/** A stable number in [0, 1) for a text (FNV-1a, 32 bits): which findings a `fraction` picks. */
function shareOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash >>> 0) / 2 ** 32;
}

function outcomeFor(ctx: OperationContext, actionName: string, findingId: string): ActionOutcome {
  // The last matching entry wins, so a scenario can set a default and then exceptions to it.
  const match = [...ctx.state.scenario.actionOutcomes]
    .reverse()
    .find(
      (o) =>
        o.action === actionName &&
        (o.findingIds === undefined || o.findingIds.includes(findingId)) &&
        (o.fraction === undefined || shareOf(`${actionName}/${findingId}`) < o.fraction),
    );
  if (match === undefined) return { status: 'COMPLETED' };
  return {
    status: match.status,
    errorCode: match.errorCode ?? (match.status === 'FAILED' ? 'INVALID_STATE_OF_RESOURCE' : undefined),
    message: match.message,
  };
}

/**
 * The findings a target selects, before the reason-code filter. Suppressed findings are never
 * mitigated [DOC-MIT]. A findingIds target selects exactly those findings, each once.
 */
function targetFindings(ctx: OperationContext, target: input.MitigationTarget): FindingRecord[] {
  if (target.auditTaskId !== undefined) {
    // Start declares no ResourceNotFoundException, so a missing audit is an invalid request.
    const audit = ctx.state.audits.get(target.auditTaskId);
    if (audit === undefined)
      throw new InvalidRequestException(`Audit task ${target.auditTaskId} does not exist`);
    return Object.values(audit.checks).flatMap((check) => [...findingsOf(check.findings)]);
  }
  const ids = [...new Set(target.findingIds ?? [])];
  const found = ids.map((id) => ctx.state.finding(id));
  const missing = ids.filter((_, i) => found[i] === undefined);
  if (missing.length > 0) throw new InvalidRequestException(`Findings not found: ${missing.join(', ')}`);
  return found.filter((f) => f !== undefined);
}

const startAuditMitigationActionsTask: Handler = (ctx, request) => {
  const req = input.parseStartTaskInput(request.input);
  const { state, counters } = ctx;

  // Idempotency (device-defender-api.md section 3): the same id and token is a safe retry and
  // answers with the existing task; another token is a different task under a taken id.
  const existing = state.tasks.get(req.taskId);
  if (existing !== undefined) {
    if (existing.clientRequestToken === req.clientRequestToken) {
      counters.existingTaskAnswers += 1;
      return { taskId: existing.taskId };
    }
    counters.taskAlreadyExists += 1;
    throw new TaskAlreadyExistsException(
      `Task ${req.taskId} already exists with a different clientRequestToken`,
    );
  }

  // Every action must exist and suit the check it is mapped to.
  const actionsByCheck = new Map<string, ActionRecord[]>();
  for (const [checkName, names] of Object.entries(req.auditCheckToActionsMapping)) {
    const actions = names.map((name) => {
      const action = state.actions.get(name);
      if (action === undefined) throw new InvalidRequestException(`Mitigation action ${name} does not exist`);
      if (!isActionTypeCompatible(checkName, action.type)) {
        throw new InvalidRequestException(
          `Mitigation action ${name} of type ${action.type} cannot be applied to findings of check ${checkName}`,
        );
      }
      return action;
    });
    actionsByCheck.set(checkName, actions);
  }

  const filter = req.target.auditCheckToReasonCodeFilter;
  const targeted = targetFindings(ctx, req.target);
  // A finding whose check the mapping does not name is not acted on (and not counted), for either
  // kind of target: the mapping says which checks' findings get which actions.
  const findings: TaskFinding[] = targeted
    .filter((f) => !f.suppressed && actionsByCheck.has(f.checkName))
    .map((f) => {
      const codes = filter && Object.hasOwn(filter, f.checkName) ? filter[f.checkName] : undefined;
      return {
        findingId: f.findingId,
        checkName: f.checkName,
        filteredOut: codes !== undefined && !codes.includes(f.reasonCode),
      };
    });

  const running = inProgressTaskCount(ctx);
  if (running >= ctx.quotas.maxConcurrentMitigationTasks) {
    counters.limitExceeded += 1;
    throw new LimitExceededException(
      `Cannot start more than ${ctx.quotas.maxConcurrentMitigationTasks} audit mitigation actions tasks at the same time`,
    );
  }

  const plan = planTask({
    findings,
    actionsByCheck: Object.fromEntries(actionsByCheck),
    workMs: state.workMs,
    outcomeOf: (actionName, findingId) => outcomeFor(ctx, actionName, findingId),
  });
  const task: MitigationTaskRecord = {
    taskId: req.taskId,
    clientRequestToken: req.clientRequestToken,
    target: req.target,
    auditCheckToActionsMapping: req.auditCheckToActionsMapping,
    actionsDefinition: [...new Set([...actionsByCheck.values()].flat())],
    startMs: ctx.clock.now(),
    plan,
    auditTaskIds:
      req.target.auditTaskId !== undefined
        ? [req.target.auditTaskId]
        : [...new Set(targeted.map((f) => f.auditTaskId))].sort(),
  };
  state.tasks.set(task.taskId, task);
  state.inProgressTasks.add(task);
  counters.started += 1;
  // Concurrency only rises when a task starts, so sampling here finds the exact peak.
  if (taskView(ctx, task).status === 'IN_PROGRESS')
    counters.peakConcurrent = Math.max(counters.peakConcurrent, running + 1);
  return { taskId: task.taskId };
};

function findTask(ctx: OperationContext, taskId: string): MitigationTaskRecord {
  const task = ctx.state.tasks.get(taskId);
  if (task === undefined)
    throw new ResourceNotFoundException(`Audit mitigation actions task ${taskId} not found`);
  return task;
}

const describeAuditMitigationActionsTask: Handler = (ctx, request) => {
  const task = findTask(ctx, String(request.input.taskId));
  const view = taskView(ctx, task);
  return {
    taskStatus: view.status,
    startTime: seconds(task.startMs),
    endTime: seconds(view.endMs),
    taskStatistics: view.statistics,
    target: task.target,
    auditCheckToActionsMapping: task.auditCheckToActionsMapping,
    actionsDefinition: task.actionsDefinition.map(describeActionDefinition),
  };
};

const listAuditMitigationActionsTasks: Handler = (ctx, request) => {
  const req = input.parseListMitigationTasksInput(request.input);
  checkRetention(ctx, req.startMs);
  const tasks = [...ctx.state.tasks.values()]
    .filter((t) => t.startMs >= req.startMs && t.startMs <= req.endMs)
    .filter((t) => req.auditTaskId === undefined || t.auditTaskIds.includes(req.auditTaskId))
    .filter((t) => req.findingId === undefined || t.plan.findings.some((f) => f.findingId === req.findingId))
    .map((t) => ({ taskId: t.taskId, startTime: seconds(t.startMs), taskStatus: taskView(ctx, t).status }))
    .filter((t) => req.taskStatus === undefined || t.taskStatus === req.taskStatus);
  const { page, nextToken } = paginate(ctx, tasks, req);
  return { tasks: page, nextToken };
};

const cancelAuditMitigationActionsTask: Handler = (ctx, request) => {
  const task = findTask(ctx, String(request.input.taskId));
  const status = taskView(ctx, task).status;
  if (status !== 'IN_PROGRESS') {
    throw new InvalidRequestException(`Task ${task.taskId} cannot be canceled: its status is ${status}`);
  }
  task.cancelMs = ctx.clock.now();
  return {};
};

const listAuditMitigationActionsExecutions: Handler = (ctx, request) => {
  const req = input.parseListExecutionsInput(request.input);
  const task = ctx.state.tasks.get(req.taskId);
  // The operation declares no ResourceNotFoundException: an unknown task simply has no executions.
  const executions = (
    task ? findingExecutionsAt(task.plan, task.startMs, ctx.clock.now(), task.cancelMs, req.findingId) : []
  )
    .filter((e) => req.actionStatus === undefined || e.status === req.actionStatus)
    .map((e) => ({
      taskId: req.taskId,
      findingId: e.findingId,
      actionName: e.actionName,
      actionId: e.actionId,
      status: e.status,
      startTime: seconds(e.startMs),
      endTime: seconds(e.endMs),
      errorCode: e.errorCode,
      message: e.message,
    }));
  const { page, nextToken } = paginate(ctx, executions, req);
  return { actionsExecutions: page, nextToken };
};

function describeFinding(f: FindingRecord) {
  return {
    findingId: f.findingId,
    taskId: f.auditTaskId,
    checkName: f.checkName,
    taskStartTime: seconds(f.taskStartMs),
    findingTime: seconds(f.findingMs),
    severity: f.severity,
    nonCompliantResource: {
      resourceType: f.resourceType,
      resourceIdentifier: f.resourceIdentifier,
      additionalInfo: {},
    },
    relatedResources: (f.relatedResources ?? []).map((r) => ({
      resourceType: r.resourceType,
      resourceIdentifier: r.resourceIdentifier,
      additionalInfo: r.additionalInfo ?? {},
    })),
    reasonForNonCompliance: `Non-compliant: ${f.reasonCode}`,
    reasonForNonComplianceCode: f.reasonCode,
    isSuppressed: f.suppressed,
  };
}

const listAuditFindings: Handler = (ctx, request) => {
  const req = input.parseListFindingsInput(request.input);
  if (req.startMs !== undefined) checkRetention(ctx, req.startMs);
  const audits =
    req.taskId !== undefined
      ? [ctx.state.audits.get(req.taskId)].filter((a) => a !== undefined)
      : [...ctx.state.audits.values()].filter(
          (a) => a.startMs >= (req.startMs ?? 0) && a.startMs <= (req.endMs ?? Number.POSITIVE_INFINITY),
        );
  const checks = audits.flatMap((a) =>
    Object.entries(a.checks)
      .filter(([checkName]) => req.checkName === undefined || checkName === req.checkName)
      .map(([, check]) => check),
  );
  const lists = checks.map((check) => check.findings);
  const shown = (f: FindingRecord): boolean => req.listSuppressedFindings || !f.suppressed;
  const { resourceIdentifier } = req;
  // Unfiltered, a page is read by position: an on-demand audit's findings are built for that page
  // only; about one resource, only the findings naming it are built (positionsNaming's index).
  const findings =
    resourceIdentifier !== undefined
      ? lists.flatMap((list) =>
          positionsNaming(list, resourceIdentifier)
            .map((position) => list.at(position) as FindingRecord)
            .filter(shown),
        )
      : !req.listSuppressedFindings && checks.some((check) => check.suppressedCount > 0)
        ? lists.flatMap((list) => [...findingsOf(list)].filter(shown))
        : concatenated(lists);
  const { page, nextToken } = paginate(ctx, findings, req);
  return { findings: page.map(describeFinding), nextToken };
};

/** Lists one after the other, read by position (paginate's `slice`) without copying them. */
function concatenated(lists: readonly FindingList[]): {
  length: number;
  slice(start: number, end: number): FindingRecord[];
} {
  const length = lists.reduce((sum, list) => sum + list.length, 0);
  return {
    length,
    slice(start, end) {
      const out: FindingRecord[] = [];
      let offset = 0;
      for (const list of lists) {
        for (let i = Math.max(0, start - offset); i < list.length && offset + i < end; i++)
          out.push(list.at(i) as FindingRecord);
        offset += list.length;
        if (offset >= end) break;
      }
      return out;
    },
  };
}

const describeAuditFinding: Handler = (ctx, request) => {
  const findingId = String(request.input.findingId);
  const finding = ctx.state.finding(findingId);
  if (finding === undefined) throw new ResourceNotFoundException(`Audit finding ${findingId} not found`);
  return { finding: describeFinding(finding) };
};

function auditDetails(audit: AuditRecord, nowMs: number) {
  return Object.entries(audit.checks).map(([checkName, check]) => {
    const status = checkRunStatus(audit, check, nowMs);
    const suppressed = check.suppressedCount;
    return {
      checkName,
      checkRunStatus: status,
      checkCompliant: status === 'COMPLETED_COMPLIANT',
      totalResourcesCount: check.totalResourcesCount,
      // Suppressed findings are still non-compliant resources; the API reports them separately too.
      nonCompliantResourcesCount: check.findings.length,
      suppressedNonCompliantResourcesCount: suppressed,
      errorCode: check.errorCode,
      message: check.message,
    };
  });
}

function countChecks(details: ReturnType<typeof auditDetails>) {
  const count = (status: string) => details.filter((d) => d.checkRunStatus === status).length;
  return {
    totalChecks: details.length,
    inProgressChecks: count('IN_PROGRESS'),
    waitingForDataCollectionChecks: count('WAITING_FOR_DATA_COLLECTION'),
    compliantChecks: count('COMPLETED_COMPLIANT'),
    nonCompliantChecks: count('COMPLETED_NON_COMPLIANT'),
    failedChecks: count('FAILED'),
    canceledChecks: count('CANCELED'),
  };
}

const describeAuditTask: Handler = (ctx, request) => {
  const taskId = String(request.input.taskId);
  const audit = ctx.state.audits.get(taskId);
  if (audit === undefined) throw new ResourceNotFoundException(`Audit task ${taskId} not found`);
  const now = ctx.clock.now();
  const details = auditDetails(audit, now);
  return {
    taskStatus: auditStatus(audit, now),
    taskType: audit.taskType,
    taskStartTime: seconds(audit.startMs),
    taskStatistics: countChecks(details),
    scheduledAuditName: audit.scheduledAuditName,
    auditDetails: Object.fromEntries(details.map(({ checkName, ...rest }) => [checkName, rest])),
  };
};

/** The auditnotification/1.0 payload of a finished audit: auditDetails is an array, taskStartTime in ms. */
export function auditNotification(state: EmulatorState, audit: AuditRecord, nowMs: number) {
  const details = auditDetails(audit, nowMs);
  const stats = countChecks(details);
  const status = auditStatus(audit, nowMs);
  return {
    accountId: state.accountId,
    taskId: audit.taskId,
    taskStatus: status === 'IN_PROGRESS' ? 'COMPLETED' : status,
    taskType: audit.taskType,
    ...(audit.scheduledAuditName !== undefined ? { scheduledAuditName: audit.scheduledAuditName } : {}),
    failedChecksCount: stats.failedChecks,
    canceledChecksCount: stats.canceledChecks,
    nonCompliantChecksCount: stats.nonCompliantChecks,
    compliantChecksCount: stats.compliantChecks,
    totalChecksCount: stats.totalChecks,
    taskStartTime: audit.startMs,
    auditDetails: details.map((d) => ({
      checkName: d.checkName,
      checkRunStatus: d.checkRunStatus,
      nonCompliantResourcesCount: d.nonCompliantResourcesCount,
      totalResourcesCount: d.totalResourcesCount,
      suppressedNonCompliantResourcesCount: d.suppressedNonCompliantResourcesCount,
      ...(d.errorCode !== undefined ? { errorCode: d.errorCode } : {}),
      ...(d.message !== undefined ? { message: d.message } : {}),
    })),
  };
}

const listAuditTasks: Handler = (ctx, request) => {
  const req = input.parseListAuditTasksInput(request.input);
  checkRetention(ctx, req.startMs);
  const now = ctx.clock.now();
  const tasks = [...ctx.state.audits.values()]
    .filter((a) => a.startMs >= req.startMs && a.startMs <= req.endMs)
    .filter((a) => req.taskType === undefined || a.taskType === req.taskType)
    .map((a) => ({ taskId: a.taskId, taskStatus: auditStatus(a, now), taskType: a.taskType }))
    .filter((a) => req.taskStatus === undefined || a.taskStatus === req.taskStatus);
  const { page, nextToken } = paginate(ctx, tasks, req);
  return { tasks: page, nextToken };
};

const startOnDemandAuditTask: Handler = (ctx, request) => {
  const req = input.parseStartAuditInput(request.input);
  const disabled = req.targetCheckNames.filter((name) => !ctx.state.enabledChecks.includes(name));
  if (disabled.length > 0) {
    throw new InvalidRequestException(
      `Audit checks are not enabled for this account: ${disabled.join(', ')}`,
    );
  }
  const now = ctx.clock.now();
  // "Simultaneous in-progress on-demand audits: 10" [DOC-QUOTA]; LimitExceeded is [INFERRED].
  const running = ctx.state.onDemandAuditsInProgress(now);
  if (running >= 10)
    throw new LimitExceededException('Cannot run more than 10 on-demand audits at the same time');
  // The audit sees the mitigations applied by now (remediated-resources.ts).
  const remediated = remediatedResources(appliedActions(ctx.state, now));
  const audit = ctx.state.startOnDemandAudit(
    [...new Set(req.targetCheckNames)],
    now,
    ctx.onDemandAuditMs,
    (f) => {
      const key = remediationKeyOf(f.resourceType, f.resourceIdentifier);
      return key !== undefined && remediated.has(key);
    },
  );
  ctx.auditStarted(audit);
  return { taskId: audit.taskId };
};

const listMitigationActions: Handler = (ctx, request) => {
  const req = input.parseListActionsInput(request.input);
  const actions = [...ctx.state.actions.values()]
    .filter((a) => req.actionType === undefined || a.type === req.actionType)
    .map((a) => ({ actionName: a.name, actionArn: a.arn, creationDate: seconds(a.createdMs) }));
  const { page, nextToken } = paginate(ctx, actions, req);
  return { actionIdentifiers: page, nextToken };
};

const describeMitigationAction: Handler = (ctx, request) => {
  const name = String(request.input.actionName);
  const action = ctx.state.actions.get(name);
  if (action === undefined) throw new ResourceNotFoundException(`Mitigation action ${name} not found`);
  return {
    actionName: action.name,
    actionType: action.type,
    actionArn: action.arn,
    actionId: action.id,
    roleArn: action.roleArn,
    actionParams: action.params,
    creationDate: seconds(action.createdMs),
    lastModifiedDate: seconds(action.createdMs),
  };
};

// "Mitigation actions: 100 (not adjustable)" [DOC-QUOTA].
const MAX_MITIGATION_ACTIONS = 100;

const createMitigationAction: Handler = (ctx, request) => {
  const req = input.parseCreateActionInput(request.input);
  const existing = ctx.state.actions.get(req.actionName);
  if (existing !== undefined) {
    // [DOC-MAC2020]: "already exists" only when the parameters differ; the same create is idempotent.
    const same =
      existing.roleArn === req.roleArn &&
      JSON.stringify(existing.params) === JSON.stringify(req.actionParams);
    if (same) return { actionArn: existing.arn, actionId: existing.id };
    throw new ResourceAlreadyExistsException(
      `Mitigation action ${req.actionName} already exists with different parameters`,
      existing.id,
      existing.arn,
    );
  }
  if (ctx.state.actions.size >= MAX_MITIGATION_ACTIONS) {
    throw new LimitExceededException(
      `An account can have at most ${MAX_MITIGATION_ACTIONS} mitigation actions`,
    );
  }
  const action = ctx.state.addAction({
    name: req.actionName,
    type: req.actionType,
    roleArn: req.roleArn,
    params: req.actionParams,
    createdMs: ctx.clock.now(),
  });
  return { actionArn: action.arn, actionId: action.id };
};

const describeAccountAuditConfiguration: Handler = (ctx) => {
  const { accountId, region, enabledChecks } = ctx.state;
  return {
    roleArn: `arn:aws:iam::${accountId}:role/IoTDeviceDefenderAudit`,
    auditNotificationTargetConfigurations: {
      SNS: {
        targetArn: `arn:aws:sns:${region}:${accountId}:audit-notifications`,
        roleArn: `arn:aws:iam::${accountId}:role/IoTDeviceDefenderNotify`,
        enabled: true,
      },
    },
    auditCheckConfigurations: Object.fromEntries(
      [...new Set([...AUDIT_CHECK_NAMES, ...enabledChecks])].map((name) => [
        name,
        { enabled: enabledChecks.includes(name) },
      ]),
    ),
  };
};

function findThingGroup(ctx: OperationContext, name: string) {
  const group = ctx.state.thingGroups.get(name);
  if (group === undefined) throw new ResourceNotFoundException(`Thing group ${name} not found`);
  return group;
}

function findThing(ctx: OperationContext, name: string) {
  const thing = ctx.state.things.get(name);
  if (thing === undefined) throw new ResourceNotFoundException(`Thing ${name} not found`);
  return thing;
}

const listThingsInThingGroup: Handler = (ctx, request) => {
  const req = input.parseListThingsInThingGroupInput(request.input);
  const group = findThingGroup(ctx, req.thingGroupName);
  const { page, nextToken } = paginate(ctx, ctx.state.thingsInGroup(group, req.recursive), req);
  return { things: page, nextToken };
};

const listThingPrincipals: Handler = (ctx, request) => {
  const req = input.parseListThingPrincipalsInput(request.input);
  const thing = findThing(ctx, req.thingName);
  const principals = thing.certificateIds.map((id) => ctx.state.certificateArn(id));
  const { page, nextToken } = paginate(ctx, principals, req);
  return { principals: page, nextToken };
};

const listPrincipalThings: Handler = (ctx, request) => {
  const req = input.parseListPrincipalThingsInput(request.input);
  const { state } = ctx;
  // Only X.509 certificates are principals here: `arn:aws:iot:<region>:<account>:cert/<id>`.
  const prefix = state.certificateArn('');
  const match = /^arn:aws:iot:[a-z0-9-]+:\d{12}:cert\/(.+)$/.exec(req.principal);
  if (match === null)
    throw new InvalidRequestException(`The principal ${req.principal} is not a certificate ARN`);
  const certificateId = match[1] ?? '';
  const things = req.principal.startsWith(prefix) ? state.certificates.get(certificateId) : undefined;
  if (things === undefined) throw new ResourceNotFoundException(`Principal ${req.principal} not found`);
  const { page, nextToken } = paginate(ctx, things, req);
  return { things: page, nextToken };
};

/** One action that completed on one finding: what a later audit or report sees as applied. */
export interface AppliedAction {
  readonly taskId: string;
  readonly findingId: string;
  readonly checkName: string;
  readonly actionName: string;
  readonly actionType: string;
  readonly actionParams: Readonly<Record<string, unknown>>;
  readonly resourceType: string;
  readonly resourceIdentifier: Readonly<Record<string, unknown>>;
  /** Epoch ms. */
  readonly completedAt: number;
}

/**
 * The completed actions of tasks that had ended when last read: an ended task changes no more (the
 * clock only moves forward), so each on-demand audit does not build every task's view again.
 */
const appliedByEndedTask = new WeakMap<MitigationTaskRecord, readonly AppliedAction[]>();

/**
 * Every action execution COMPLETED at `nowMs`, task by task in start order. Cost: linear in the
 * executions of tasks in progress, plus one entry per action applied by the ended ones.
 */
export function appliedActions(state: EmulatorState, nowMs: number): AppliedAction[] {
  const out: AppliedAction[] = [];
  for (const task of state.tasks.values()) {
    const known = appliedByEndedTask.get(task);
    if (known !== undefined) {
      for (const applied of known) out.push(applied);
      continue;
    }
    const view = viewTask(task.plan, task.startMs, nowMs, task.cancelMs);
    const applied = appliedOf(state, task, view.executions, nowMs);
    if (view.status !== 'IN_PROGRESS') appliedByEndedTask.set(task, applied);
    for (const a of applied) out.push(a);
  }
  return out;
}

function appliedOf(
  state: EmulatorState,
  task: MitigationTaskRecord,
  executions: TaskView['executions'],
  nowMs: number,
): AppliedAction[] {
  const actions = new Map(task.actionsDefinition.map((a) => [a.name, a]));
  const out: AppliedAction[] = [];
  for (const e of executions) {
    if (e.status !== 'COMPLETED') continue;
    const finding = state.finding(e.findingId);
    const action = actions.get(e.actionName);
    if (finding === undefined || action === undefined) continue;
    out.push({
      taskId: task.taskId,
      findingId: e.findingId,
      checkName: finding.checkName,
      actionName: action.name,
      actionType: action.type,
      actionParams: action.params,
      resourceType: finding.resourceType,
      resourceIdentifier: finding.resourceIdentifier,
      completedAt: e.endMs ?? nowMs,
    });
  }
  return out;
}

export const HANDLERS = {
  StartAuditMitigationActionsTask: startAuditMitigationActionsTask,
  DescribeAuditMitigationActionsTask: describeAuditMitigationActionsTask,
  ListAuditMitigationActionsTasks: listAuditMitigationActionsTasks,
  CancelAuditMitigationActionsTask: cancelAuditMitigationActionsTask,
  ListAuditMitigationActionsExecutions: listAuditMitigationActionsExecutions,
  ListAuditFindings: listAuditFindings,
  DescribeAuditFinding: describeAuditFinding,
  DescribeAuditTask: describeAuditTask,
  ListAuditTasks: listAuditTasks,
  ListMitigationActions: listMitigationActions,
  DescribeMitigationAction: describeMitigationAction,
  CreateMitigationAction: createMitigationAction,
  StartOnDemandAuditTask: startOnDemandAuditTask,
  DescribeAccountAuditConfiguration: describeAccountAuditConfiguration,
  ListThingsInThingGroup: listThingsInThingGroup,
  ListThingPrincipals: listThingPrincipals,
  ListPrincipalThings: listPrincipalThings,
} as const satisfies Record<string, Handler>;

export type OperationName = keyof typeof HANDLERS;
