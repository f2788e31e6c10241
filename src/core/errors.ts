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

/** An error as log attributes: name, message and, for input errors, every problem. */
export function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const problems = (error as Partial<InvalidInputError>).problems;
  return { name: error.name, message: error.message, ...(problems ? { problems } : {}) };
}
