/** Exit codes of iot-remediate, as `--help` documents them. */
export const EXIT = { ok: 0, workflowFailed: 1, badInput: 2 } as const;

/** Bad usage or bad input: reported on stderr, exit 2, nothing started. */
export class UsageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UsageError';
  }
}
