import { describe, expect, it } from 'vitest';
import { runCli } from './helpers';

const COMMANDS = [
  'plan',
  'replay',
  'validate-config',
  'status',
  'report',
  'refollow',
  'approvals',
  'approve',
  'reject',
  'local',
];

describe('iot-remediate --help and usage errors', () => {
  it('lists every command and the exit codes', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    for (const name of COMMANDS) expect(stdout).toContain(`  ${name}`);
    expect(stdout).toMatch(/0 {2}success[\s\S]*1 {2}a workflow failed[\s\S]*2 {2}bad input or usage/);
  });

  it.each(COMMANDS)('%s --help shows usage, options, examples and exit codes', async (name) => {
    const { code, stdout } = await runCli([name, '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^Usage: iot-remediate ${name}`));
    expect(stdout).toContain('Examples:');
    expect(stdout).toContain('Exit codes: 0 ok, 1 a workflow failed, 2 bad input or usage.');
  });

  it.each([
    [[], 'Usage: iot-remediate <command>'],
    [['frobnicate'], "unknown command 'frobnicate'"],
    [['status', '--bogus'], "Unknown option '--bogus'"],
    [['local', '--clock', 'sundial'], '--clock sundial: expected system or virtual'],
    [['replay', '--to', '1h', 'events'], '--to goes with --archive or --from'],
    [['status', '--local', '--profile', 'prod'], '--local and --profile exclude each other'],
    [['refollow'], 'no mitigation task id given'],
    [['refollow', 'bad id/x'], "task id 'bad id/x' must be 1-80 characters of [a-zA-Z0-9_-]"],
    [
      ['refollow', '--local', 'remediate-unknown-0123456789ab'],
      'no workflow of task remediate-unknown-0123456789ab',
    ],
  ])('%j exits 2 with %s', async (args, message) => {
    const { code, stdout, stderr } = await runCli(args);
    expect(code).toBe(2);
    expect(stdout + stderr).toContain(message);
  });
});
