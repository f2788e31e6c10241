/**
 * Errors the emulator answers with. `name` is the wire error type (header `x-amzn-ErrorType`), which
 * is what the SDK maps to its exception classes; `status` is the model's `httpError` code.
 * Source: device-defender-api.md section 1.3 (note ThrottlingException is 400 and LimitExceeded 410).
 */
export class EmulatorError extends Error {
  readonly status: number;
  /** Extra body members of the error shape (ResourceAlreadyExistsException has resourceId/resourceArn). */
  readonly members: Readonly<Record<string, string>>;

  constructor(
    name: string,
    status: number,
    message: string,
    options?: { cause?: unknown; members?: Record<string, string> },
  ) {
    super(message, { cause: options?.cause });
    this.name = name;
    this.status = status;
    this.members = options?.members ?? {};
  }
}

export class InvalidRequestException extends EmulatorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('InvalidRequestException', 400, message, options);
  }
}

export class ResourceNotFoundException extends EmulatorError {
  constructor(message: string) {
    super('ResourceNotFoundException', 404, message);
  }
}

export class TaskAlreadyExistsException extends EmulatorError {
  constructor(message: string) {
    super('TaskAlreadyExistsException', 400, message);
  }
}

export class LimitExceededException extends EmulatorError {
  constructor(message: string) {
    super('LimitExceededException', 410, message);
  }
}

export class ThrottlingException extends EmulatorError {
  constructor(message = 'Rate exceeded') {
    super('ThrottlingException', 400, message);
  }
}

export class InternalFailureException extends EmulatorError {
  constructor(message = 'Internal failure (injected fault)', options?: { cause?: unknown }) {
    super('InternalFailureException', 500, message, options);
  }
}

export class ResourceAlreadyExistsException extends EmulatorError {
  constructor(message: string, resourceId: string, resourceArn: string) {
    super('ResourceAlreadyExistsException', 409, message, { members: { resourceId, resourceArn } });
  }
}

/** No route matched: a JSON 404, so that clients see an error object instead of a parse failure. */
export class UnknownOperationException extends EmulatorError {
  constructor(method: string, path: string) {
    super('UnknownOperationException', 404, `No operation matches ${method} ${path}`);
  }
}
