import { createHash } from 'node:crypto';

/** Digest blocks per token: 8 x 32 bytes, 342 base64url characters (real tokens run to hundreds). */
const BLOCKS = 8;
const TOKEN = /^[A-Za-z0-9_-]{342}$/;

/**
 * `$$.Task.Token` of one attempt of a callback Task: opaque and long like the tokens Step Functions
 * hands out, yet deterministic (nothing random in the workflow path), so that a run repeats exactly.
 * SHA-256 in counter mode over the execution ARN, the state name, which entry of that state this is
 * and which retry of that entry: a retry gets a new token, as in the cloud.
 */
export function taskTokenOf(executionArn: string, state: string, entry: number, attempt: number): string {
  const seed = `${executionArn}\n${state}\n${entry}\n${attempt}`;
  const blocks = Array.from({ length: BLOCKS }, (_, i) =>
    createHash('sha256').update(`${i}\n${seed}`).digest(),
  );
  return Buffer.concat(blocks).toString('base64url');
}

/** Whether a string has the form of the tokens `taskTokenOf` makes (else the API answers InvalidToken). */
export function isWellFormedTaskToken(token: string): boolean {
  return TOKEN.test(token);
}
