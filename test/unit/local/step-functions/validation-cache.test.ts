import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { prepareWorkflow } from '../../../../src/local/step-functions/workflow-runner';

/**
 * The interpreter's verdict on a definition is kept between processes: a valid text is recorded
 * under the cache directory by its hash, an invalid one never is, and a recorded one is not
 * validated again.
 */

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function temporaryDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'valid-asl-'));
  dirs.push(dir);
  return dir;
}
const cacheDir = () => join(temporaryDir(), 'nested', 'cache');

/** A small definition, unique per test (the process remembers the texts it validated). */
function definition(comment: string, valid = true): string {
  return JSON.stringify({
    Comment: comment,
    StartAt: 'Done',
    States: { Done: valid ? { Type: 'Succeed' } : { Type: 'NoSuchType' } },
  });
}
const hashOf = (text: string) => createHash('sha256').update(text).digest('hex');

describe('prepareWorkflow: validation verdicts kept on disk', () => {
  it('records a valid definition by the hash of its text, creating the directory', () => {
    const dir = cacheDir();
    const text = definition('recorded when valid');
    prepareWorkflow(text, {}, dir);
    expect(readdirSync(dir)).toEqual([hashOf(text)]);
  });

  it('refuses an invalid definition every time and records nothing', () => {
    const dir = cacheDir();
    const text = definition('never recorded', false);
    expect(() => prepareWorkflow(text, {}, dir)).toThrow();
    expect(() => prepareWorkflow(text, {}, dir)).toThrow();
    expect(existsSync(dir)).toBe(false);
  });

  it('does not validate a text the cache holds a verdict for', () => {
    // A verdict recorded for an invalid text (as no run would write it) shows the validator is skipped.
    const dir = cacheDir();
    const text = definition('trusted verdict', false);
    prepareWorkflow(definition('creates the directory'), {}, dir);
    writeFileSync(join(dir, hashOf(text)), 'valid\n');
    expect(() => prepareWorkflow(text, {}, dir)).not.toThrow();
  });

  it('validates every time when no directory is given or it cannot be written', () => {
    const blocked = temporaryDir();
    writeFileSync(join(blocked, 'file'), '');
    const text = definition('unwritable cache');
    expect(() => prepareWorkflow(text, {}, join(blocked, 'file', 'below-a-file'))).not.toThrow();
    expect(() => prepareWorkflow(definition('no cache', false), {})).toThrow();
  });
});
