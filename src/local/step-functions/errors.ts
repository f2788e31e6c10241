/**
 * An error answer of the Step Functions API (awsJson1.0): HTTP status and a body
 * `{"__type": <name>, "message": ...}`, which the SDK turns into its exception class of that name.
 */
export class StepFunctionsApiError extends Error {
  readonly statusCode: number;

  constructor(name: string, message: string, statusCode = 400) {
    super(message);
    this.name = name;
    this.statusCode = statusCode;
  }
}
