import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FUNCTIONS, productionBundleDir } from '../../bench/cold-start';

/**
 * The deployed bytes are the measured bytes: `sam build` (BuildMethod: makefile) runs
 * `make build-<LogicalId>` with ARTIFACTS_DIR set; what that writes must be, file for file and byte for
 * byte, what the cold-start benchmark measures (dist/, written by scripts/build.mjs in the test setup
 * and by `npm run bench`).
 */

const TARGETS = {
  'start-mitigation': 'StartMitigationFunction',
  'audit-notification-bridge': 'AuditNotificationBridgeFunction',
  'record-outcome': 'RecordOutcomeFunction',
} as const;

/** Every file under dir, by path relative to it, with its bytes. */
function tree(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else files.set(relative(dir, path), readFileSync(path));
    }
  };
  walk(dir);
  return files;
}

const makeMissing = spawnSync('make', ['--version']).error;

describe('the artefact sam build deploys', () => {
  const work = mkdtempSync(join(tmpdir(), 'iot-sam-artefacts-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('covers every function the benchmark measures', () => {
    expect(Object.keys(TARGETS).sort()).toEqual([...FUNCTIONS].sort());
  });

  it.each(
    Object.entries(TARGETS),
  )(`%s: make build-%s writes exactly the files the benchmark measures${makeMissing ? ' (skipped: make is not installed)' : ''}`, (name, target) => {
    if (makeMissing) return;
    const artefacts = join(work, target);
    const make = spawnSync(
      'make',
      ['-s', `build-${target}`, `ARTIFACTS_DIR=${artefacts}`, `NODE=${process.execPath}`],
      {
        encoding: 'utf8',
      },
    );
    expect(make.status, make.stderr).toBe(0);
    const deployed = tree(artefacts);
    const measured = tree(productionBundleDir(process.cwd(), name));
    expect([...deployed.keys()].sort()).toEqual([...measured.keys()].sort());
    expect(deployed.has('index.mjs')).toBe(true);
    for (const [file, bytes] of deployed) expect(bytes.equals(measured.get(file) as Buffer), file).toBe(true);
  });
});

describe('npm run bench: the build it starts with', () => {
  const build = () =>
    spawnSync(process.execPath, ['scripts/build.mjs', '--if-changed'], { encoding: 'utf8' });

  it('leaves dist/ alone when it is newer than every input, and rebuilds it after a change', () => {
    // Prepare: dist/ as the test setup built it; an input changed after it (its mtime moved forward).
    const input = 'scripts/esbuild-options.json';
    const bundle = 'dist/functions/start-mitigation/index.mjs';
    const unchanged = build();
    const before = statSync(bundle).mtimeMs;
    const { atime, mtime } = statSync(input);
    const later = new Date(Date.now() + 2000);
    try {
      utimesSync(input, later, later);
      // Act
      const changed = build();
      // Assess: the same bytes written again, after the change
      expect(changed.status, changed.stderr).toBe(0);
      expect(changed.stdout).not.toContain('not rebuilt');
      expect(statSync(bundle).mtimeMs).toBeGreaterThan(before);
    } finally {
      utimesSync(input, atime, mtime);
    }
    expect(unchanged.status, unchanged.stderr).toBe(0);
    expect(unchanged.stdout).toContain('dist/ is newer than every source, config and package: not rebuilt');
  }, 60_000);
});
