import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MIN_NODE_MAJOR, nodeVersionProblem } from '../../src/cli/node-version';
import { CLI, type CliResult } from './helpers';

/**
 * iot-remediate started on a Node older than 22 (Debian's system Node 20, for example) refuses at
 * once with exit 2, instead of running the local stack into wrong outcomes (aws-local-stepfunctions
 * needs Promise.withResolvers).
 */

/** The first `node` outside node_modules whose major is below MIN_NODE_MAJOR, with its version. */
function findOldNode(): { path: string; version: string } | undefined {
  const candidates = [
    ...(process.env.PATH ?? '')
      .split(delimiter)
      .filter((dir) => dir !== '' && !dir.includes('node_modules'))
      .map((dir) => join(dir, 'node')),
    '/usr/bin/node',
    '/usr/local/bin/node',
  ];
  for (const path of new Set(candidates)) {
    if (!existsSync(path)) continue;
    const probe = spawnSync(path, ['-p', 'process.versions.node'], { encoding: 'utf8' });
    const version = probe.stdout?.trim() ?? '';
    if (probe.status === 0 && Number(version.split('.')[0]) < MIN_NODE_MAJOR) return { path, version };
  }
  return undefined;
}

const oldNode = findOldNode();
if (!oldNode) {
  console.warn(
    `Skipping the old-Node CLI test: no node older than ${MIN_NODE_MAJOR} outside node_modules (PATH, /usr/bin, /usr/local/bin)`,
  );
}

function runWith(node: string, args: readonly string[]): Promise<CliResult> {
  const child = spawn(node, [CLI, ...args], { env: { PATH: process.env.PATH, HOME: '/nonexistent' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('Node version', () => {
  it.skipIf(oldNode === undefined)(
    'the built CLI on an older system Node refuses with exit 2, the versions and how to run it, and starts nothing',
    async () => {
      // Act
      const result = await runWith(oldNode?.path ?? 'node', ['replay', 'events', '--local']);

      // Assess
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(`Node.js ${oldNode?.version}`);
      expect(result.stderr).toContain(`Node.js ${MIN_NODE_MAJOR} or later`);
      expect(result.stderr).toContain('npx iot-remediate');
      expect(result.stderr).toContain('npm exec');
    },
  );

  it('the built CLI on the project Node runs as usual', async () => {
    const result = await runWith(process.execPath, ['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: iot-remediate');
  });

  it.each([
    ['20.20.2', true],
    ['21.7.3', true],
    ['22.0.0', false],
    ['24.1.0', false],
  ])('finds a problem with Node %s: %s', (version, refused) => {
    const problem = nodeVersionProblem(version);
    expect(problem !== undefined).toBe(refused);
    if (problem) expect(problem).toContain(version);
  });

  it('declares the same minimum in package.json engines', () => {
    const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { engines?: { node?: string } };
    expect(manifest.engines?.node).toBe(`>=${MIN_NODE_MAJOR}`);
  });
});
