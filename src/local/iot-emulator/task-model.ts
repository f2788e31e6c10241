/**
 * How an audit mitigation task progresses over time, computed from the clock instead of timers:
 * the task's whole schedule is planned at start, and every read derives the state at `now`.
 *
 * Semantics (device-defender-api.md section 5, "Mitigation semantics"): findings are processed one
 * after the other, the actions of a finding in the order given; each action on each finding takes
 * `workMs`. When an action fails, the later actions of that finding are SKIPPED (taking no time),
 * the finding counts as failed and the other findings go on. The task ends FAILED if any action
 * failed, COMPLETED otherwise; a cancel marks everything not finished CANCELED.
 */

export type TaskStatus = 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' | 'CANCELED';
export type ExecutionStatus = 'PENDING' | 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' | 'SKIPPED' | 'CANCELED';

/** The outcome of one action on one finding, decided by the scenario's actionOutcomes. */
export interface ActionOutcome {
  readonly status: 'COMPLETED' | 'FAILED';
  readonly errorCode?: string;
  readonly message?: string;
}

/** A finding the task acts on. `filteredOut` findings are counted as skipped and get no executions. */
export interface TaskFinding {
  readonly findingId: string;
  readonly checkName: string;
  readonly filteredOut: boolean;
}

export interface PlannedAction {
  readonly name: string;
  readonly id: string;
}

/** One action applied to one finding, with its place on the task's timeline (ms from start). */
export interface PlannedExecution {
  readonly findingId: string;
  readonly checkName: string;
  readonly actionName: string;
  readonly actionId: string;
  readonly outcome: 'COMPLETED' | 'FAILED' | 'SKIPPED';
  readonly errorCode?: string;
  readonly message?: string;
  /** For a SKIPPED execution: the moment the failure that skips it is known. */
  readonly startOffsetMs: number;
  readonly endOffsetMs: number;
}

export interface TaskPlan {
  /** The mapped checks: each gets a statistics entry, even with no findings. */
  readonly checks: readonly string[];
  readonly findings: readonly TaskFinding[];
  readonly executions: readonly PlannedExecution[];
  readonly durationMs: number;
}

/** Lays out every execution of a task on its timeline. */
export function planTask(options: {
  findings: readonly TaskFinding[];
  actionsByCheck: Readonly<Record<string, readonly PlannedAction[]>>;
  workMs: number;
  outcomeOf: (actionName: string, findingId: string) => ActionOutcome;
}): TaskPlan {
  const executions: PlannedExecution[] = [];
  let clock = 0;
  for (const finding of options.findings) {
    if (finding.filteredOut) continue;
    let failed = false;
    const actions = Object.hasOwn(options.actionsByCheck, finding.checkName)
      ? options.actionsByCheck[finding.checkName]
      : undefined;
    for (const action of actions ?? []) {
      const base = {
        findingId: finding.findingId,
        checkName: finding.checkName,
        actionName: action.name,
        actionId: action.id,
      };
      if (failed) {
        executions.push({ ...base, outcome: 'SKIPPED', startOffsetMs: clock, endOffsetMs: clock });
        continue;
      }
      const outcome = options.outcomeOf(action.name, finding.findingId);
      executions.push({
        ...base,
        outcome: outcome.status,
        errorCode: outcome.errorCode,
        message: outcome.message,
        startOffsetMs: clock,
        endOffsetMs: clock + options.workMs,
      });
      clock += options.workMs;
      failed = outcome.status === 'FAILED';
    }
  }
  return {
    checks: Object.keys(options.actionsByCheck),
    findings: options.findings,
    executions,
    durationMs: clock,
  };
}

export interface TaskStatisticsForAuditCheck {
  totalFindingsCount: number;
  failedFindingsCount: number;
  succeededFindingsCount: number;
  skippedFindingsCount: number;
  canceledFindingsCount: number;
}

export interface ExecutionView {
  readonly findingId: string;
  readonly actionName: string;
  readonly actionId: string;
  readonly status: ExecutionStatus;
  readonly startMs?: number;
  readonly endMs?: number;
  readonly errorCode?: string;
  readonly message?: string;
}

export interface TaskView {
  readonly status: TaskStatus;
  readonly endMs?: number;
  readonly statistics: Record<string, TaskStatisticsForAuditCheck>;
  readonly executions: readonly ExecutionView[];
}

function executionAt(e: PlannedExecution, startMs: number, t: number, canceled: boolean): ExecutionView {
  const start = startMs + e.startOffsetMs;
  const end = startMs + e.endOffsetMs;
  const base = { findingId: e.findingId, actionName: e.actionName, actionId: e.actionId };
  if (end <= t) {
    if (e.outcome === 'SKIPPED') return { ...base, status: 'SKIPPED' };
    return {
      ...base,
      status: e.outcome,
      startMs: start,
      endMs: end,
      errorCode: e.errorCode,
      message: e.message,
    };
  }
  // Not finished at t. After a cancel nothing more finishes: in-flight and pending work is canceled
  // (what was already applied stays applied: there is no rollback).
  if (canceled) return { ...base, status: 'CANCELED', ...(start <= t ? { startMs: start, endMs: t } : {}) };
  if (start <= t) return { ...base, status: 'IN_PROGRESS', startMs: start };
  return { ...base, status: 'PENDING' };
}

/** The task's status at `nowMs`, as `viewTask` gives it, without building the view. */
export function taskStatusAt(plan: TaskPlan, startMs: number, nowMs: number, cancelMs?: number): TaskStatus {
  if (cancelMs !== undefined && cancelMs < startMs + plan.durationMs) return 'CANCELED';
  if (startMs + plan.durationMs > nowMs) return 'IN_PROGRESS';
  return plan.executions.some((e) => e.outcome === 'FAILED') ? 'FAILED' : 'COMPLETED';
}

/**
 * The task as seen at `nowMs`. `cancelMs` freezes progress at the moment of the cancel.
 *
 * Statistics, per check: total = every finding of the check the task was given, including the ones
 * the reason-code filter left out; skipped = those left out by the filter (the model's wording:
 * "skipped because of filter conditions"); so at the end total = succeeded + failed + skipped +
 * canceled. Suppressed findings are not given to the task at all (see mitigation-store.ts).
 */
export function viewTask(plan: TaskPlan, startMs: number, nowMs: number, cancelMs?: number): TaskView {
  const canceled = cancelMs !== undefined && cancelMs < startMs + plan.durationMs;
  const t = canceled ? cancelMs : nowMs;
  const executions = plan.executions.map((e) => executionAt(e, startMs, t, canceled));

  const byFinding = new Map<string, ExecutionView[]>();
  for (const e of executions) {
    const list = byFinding.get(e.findingId) ?? [];
    list.push(e);
    byFinding.set(e.findingId, list);
  }

  const statistics: Record<string, TaskStatisticsForAuditCheck> = {};
  const zero = (): TaskStatisticsForAuditCheck => ({
    totalFindingsCount: 0,
    failedFindingsCount: 0,
    succeededFindingsCount: 0,
    skippedFindingsCount: 0,
    canceledFindingsCount: 0,
  });
  for (const check of plan.checks) statistics[check] = zero();
  for (const finding of plan.findings) {
    const stats = statistics[finding.checkName] ?? zero();
    statistics[finding.checkName] = stats;
    stats.totalFindingsCount += 1;
    if (finding.filteredOut) {
      stats.skippedFindingsCount += 1;
      continue;
    }
    const list = byFinding.get(finding.findingId) ?? [];
    if (list.some((e) => e.status === 'FAILED')) stats.failedFindingsCount += 1;
    else if (list.some((e) => e.status === 'CANCELED')) stats.canceledFindingsCount += 1;
    else if (list.every((e) => e.status === 'COMPLETED')) stats.succeededFindingsCount += 1;
  }

  const finished = startMs + plan.durationMs <= nowMs;
  if (canceled) return { status: 'CANCELED', endMs: cancelMs, statistics, executions };
  if (!finished) return { status: 'IN_PROGRESS', statistics, executions };
  const failed = executions.some((e) => e.status === 'FAILED');
  return {
    status: failed ? 'FAILED' : 'COMPLETED',
    endMs: startMs + plan.durationMs,
    statistics,
    executions,
  };
}

/** Each plan's executions by finding, built on first use: a report reads one finding at a time. */
const executionsByFinding = new WeakMap<TaskPlan, Map<string, PlannedExecution[]>>();

/** The executions of one finding at `nowMs`, as `viewTask` shows them, without viewing the whole task. */
export function findingExecutionsAt(
  plan: TaskPlan,
  startMs: number,
  nowMs: number,
  cancelMs: number | undefined,
  findingId: string,
): ExecutionView[] {
  let index = executionsByFinding.get(plan);
  if (index === undefined) {
    index = new Map();
    for (const e of plan.executions) {
      const list = index.get(e.findingId) ?? [];
      list.push(e);
      index.set(e.findingId, list);
    }
    executionsByFinding.set(plan, index);
  }
  const canceled = cancelMs !== undefined && cancelMs < startMs + plan.durationMs;
  const t = canceled ? cancelMs : nowMs;
  return (index.get(findingId) ?? []).map((e) => executionAt(e, startMs, t, canceled));
}
