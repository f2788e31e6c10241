/** One problem in an input, at a path such as `detail.auditDetails[2].checkName`. */
export interface Problem {
  readonly path: string;
  readonly message: string;
}

/** Base class of every error the domain core raises. */
export class RemediationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RemediationError';
  }
}

/** An input document (event or config) that does not satisfy its schema: every problem is listed by path. */
export class InvalidInputError extends RemediationError {
  readonly problems: readonly Problem[];

  constructor(what: string, problems: readonly Problem[], options?: { cause?: unknown }) {
    super(`${what}: ${problems.map((p) => `${p.path || '(root)'}: ${p.message}`).join('; ')}`, options);
    this.name = 'InvalidInputError';
    this.problems = problems;
  }
}

/** The event that triggered the workflow is malformed. */
export class InvalidEventError extends InvalidInputError {
  constructor(problems: readonly Problem[], options?: { cause?: unknown }) {
    super('invalid audit event', problems, options);
    this.name = 'InvalidEventError';
  }
}

/** The remediation config is invalid. */
export class InvalidConfigError extends InvalidInputError {
  constructor(problems: readonly Problem[], options?: { cause?: unknown }) {
    super('invalid remediation config', problems, options);
    this.name = 'InvalidConfigError';
  }
}

/** JSON text that is not JSON, or that repeats a key within one object (JSON.parse would hide it). */
export class InvalidJsonError extends InvalidInputError {
  constructor(problems: readonly Problem[], options?: { cause?: unknown }) {
    super('invalid JSON', problems, options);
    this.name = 'InvalidJsonError';
  }
}

/** The planned request would break a constraint of StartAuditMitigationActionsTask: it is never sent. */
export class PlanConstraintError extends InvalidInputError {
  constructor(problems: readonly Problem[], options?: { cause?: unknown }) {
    super('planned request breaks an API constraint', problems, options);
    this.name = 'PlanConstraintError';
  }
}

/** One thing the event claims that the facts contradict: IoT's DescribeAuditTask, or the function's account. */
export interface Disagreement {
  /** `taskStatus`, `checkName`, `checkRunStatus`, `nonCompliantResourcesCount`, `account` or `accountId`. */
  readonly field: string;
  readonly check?: string;
  readonly event: string | number;
  readonly actual: string | number;
}

const ACCOUNT_FIELDS = new Set(['account', 'accountId']);

function disagreementProblem(d: Disagreement): Problem {
  const where =
    d.check === undefined
      ? d.field
      : `auditDetails.${d.check}${d.field === 'checkName' ? '' : `.${d.field}`}`;
  const fact = ACCOUNT_FIELDS.has(d.field) ? 'the function runs in account' : 'IoT says';
  return { path: where, message: `the event says ${d.event}, ${fact} ${d.actual}` };
}

/**
 * The event contradicts IoT's record of the audit, or names another account: it is refused and
 * nothing is started, since anyone allowed to put events could forge it.
 */
export class EventMismatchError extends InvalidInputError {
  readonly disagreements: readonly Disagreement[];

  constructor(disagreements: readonly Disagreement[], options?: { cause?: unknown }) {
    super('audit event refused', disagreements.map(disagreementProblem), options);
    this.name = 'EventMismatchError';
    this.disagreements = disagreements;
  }
}

/** An error as log attributes: name, message and, for input errors, every problem. */
export function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const problems = (error as Partial<InvalidInputError>).problems;
  return { name: error.name, message: error.message, ...(problems ? { problems } : {}) };
}
