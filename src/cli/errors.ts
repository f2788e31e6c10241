/** Exit codes of iot-remediate, as `--help` documents them. */
export const EXIT = { ok: 0, workflowFailed: 1, badInput: 2 } as const;

/** Bad usage or bad input: reported on stderr, exit 2, nothing started. */
export class UsageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UsageError';
  }
}

/** A bad input file or document (exit 2, nothing started): reported without the usage line. */
export class InputError extends UsageError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InputError';
  }
}

// Errors that mean "the credentials are not good", whichever service answers them.
// https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html
const CREDENTIAL_ERRORS = new Set([
  'ExpiredTokenException',
  'ExpiredToken',
  'RequestExpired',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'CredentialsProviderError',
  'TokenProviderError',
]);
const PERMISSION_ERRORS = new Set(['AccessDeniedException', 'AccessDenied', 'UnauthorizedException']);
const NETWORK_ERRORS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET']);

/**
 * Turns an error of the environment (credentials, permissions, an unreachable endpoint) into a
 * UsageError with a message that says what to do: these are input problems (exit 2), not failed
 * workflows. Anything else is returned as is.
 */
export function asUsageError(error: unknown): unknown {
  if (!(error instanceof Error) || error instanceof UsageError) return error;
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (CREDENTIAL_ERRORS.has(error.name)) {
    return new UsageError(
      `AWS refused the credentials (${error.name}: ${error.message}). Refresh them (for example aws sso login${process.env.AWS_PROFILE ? ` --profile ${process.env.AWS_PROFILE}` : ''}) or choose others with --profile.`,
      { cause: error },
    );
  }
  if (PERMISSION_ERRORS.has(error.name)) {
    return new UsageError(`AWS denied the request (${error.name}: ${error.message})`, { cause: error });
  }
  if (NETWORK_ERRORS.has(code) || NETWORK_ERRORS.has(error.name)) {
    return new UsageError(`cannot reach the AWS endpoint (${code || error.name}: ${error.message})`, {
      cause: error,
    });
  }
  return error;
}
