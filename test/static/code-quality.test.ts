import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('layer boundaries (DESIGN.md)', () => {
  it.each(filesUnder('src/core'))('%s is pure: no AWS SDK, no process.env, no clock of its own', (file) => {
    const text = readFileSync(file, 'utf8');
    expect(text).not.toMatch(/from '@aws-sdk\//);
    expect(text).not.toMatch(/process\.env/);
    expect(text).not.toMatch(/Date\.now\(|new Date\(\)/);
  });

  it('only the AWS adapters and the local stack import the SDK from src/', () => {
    const offenders = filesUnder('src')
      .filter(
        (f) =>
          !f.startsWith(join('src', 'adapters')) &&
          !f.startsWith(join('src', 'local')) &&
          !f.startsWith(join('src', 'cli')),
      )
      .filter((f) => /from '@aws-sdk\//.test(readFileSync(f, 'utf8')));
    expect(offenders).toEqual([]);
  });
});

describe('static checks', () => {
  it('TypeScript compiles with no error (strict)', () => {
    const result = spawnSync('tsc', ['--noEmit', '-p', '.'], { encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
    // A whole-project compile on a loaded machine can take minutes: a timeout, not a timing check.
  }, 180_000);

  it('Biome finds no lint or format problem', () => {
    const result = spawnSync('biome', ['check', '.'], { encoding: 'utf8' });
    expect(result.status, result.stdout + result.stderr).toBe(0);
  });
});
