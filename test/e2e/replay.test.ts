import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allAutoConfigFile } from '../fixtures';
import { runCli } from './helpers';

interface ReplayJson {
  replay?: { name: string; state: string };
  workflows: {
    source: string;
    end: string | null;
    expected: string | null;
    asExpected: boolean;
    taskId: string | null;
  }[];
  asExpected: boolean;
  localStack?: { requests: number; listAuditFindingsBytes: number };
}

describe('iot-remediate replay --local', () => {
  // The shipped config waits for approvals; these replays follow tasks started at once.
  const allAuto = ['--config', allAutoConfigFile()];

  it("npm start's command: auto, approved, rejected, expired, notified and protected, each as expected, exit 0", async () => {
    const npmStart = JSON.parse(readFileSync('package.json', 'utf8')).scripts.start as string;
    const args = npmStart.split('&&').at(-1)?.trim().split(/\s+/).slice(2) ?? [];
    expect(args).toEqual(['replay', 'events', '--local', '--config', 'scenarios/default.config.json']);
    const { code, stdout } = await runCli(args);
    expect(code).toBe(0);
    expect(stdout).toContain('6 workflow(s): every workflow ended as expected');
    expect(stdout).toMatch(/\[auto\]: COMPLETED \(expected COMPLETED\) ok/);
    expect(stdout).toMatch(/\[approve\]: COMPLETED \(expected COMPLETED\) ok/);
    expect(stdout).toMatch(/approval APPROVED by arn:aws:iam::\d{12}:user\/local at .* \(via scenario\)/);
    expect(stdout).toMatch(/REJECTED \(expected REJECTED\) ok/);
    expect(stdout).toMatch(/APPROVAL_EXPIRED \(expected APPROVAL_EXPIRED\) ok/);
  });

  it('the shipped config: destructive checks wait for a person; the unanswered one is followed until it expires (72 h)', async () => {
    const { code, stdout } = await runCli(['replay', 'events', '--local']);
    expect(code).toBe(0);
    expect(stdout).toContain('[approve]: APPROVAL_EXPIRED (expected APPROVAL_EXPIRED) ok');
    expect(stdout).toMatch(/approval expired at 2026-01-04T00:00:\d\d\.\d{3}Z: nobody decided in time/);
    expect(stdout).toContain('[auto]: FAILED (expected FAILED) ok');
    // Followed past the 72-hour approval timeout on the virtual clock.
    expect(stdout).toMatch(/every workflow ended as expected \((7\d):\d\d:\d\d followed/);
  });

  it('every sample event under an all-auto config follows its workflow to its expected end, exit 0', async () => {
    const { code, stdout } = await runCli(['replay', 'events', '--local', ...allAuto]);
    expect(code).toBe(0);
    expect(stdout).toContain('6 workflow(s): every workflow ended as expected');
    // Not a TTY: plain progress lines, no cursor movement, no colour.
    expect(stdout).not.toContain('\u001b[');
    expect(stdout).toMatch(
      /audit a3aea009… task remediate-a3aea009\S+ COMPLETED 9\/9 findings · ended COMPLETED · \d+ polls · \d\d:\d\d:\d\d/,
    );
  });

  it('--json prints one object with every workflow', async () => {
    const { code, stdout } = await runCli(['replay', 'events', '--local', '--json', ...allAuto]);
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as ReplayJson;
    expect(result.asExpected).toBe(true);
    expect(result.workflows.map((w) => w.end).sort()).toEqual([
      'COMPLETED',
      'COMPLETED',
      'COMPLETED',
      'FAILED',
      'SKIPPED',
      'SKIPPED',
    ]);
    // What the embedded stack served: the functions' and the CLI's requests, and the findings it listed.
    expect(result.localStack?.requests).toBeGreaterThan(result.workflows.length * 5);
    expect(result.localStack?.listAuditFindingsBytes).toBeGreaterThan(1000);
  });

  it('replays the archive in one invocation: records the files, replays the window, follows the executions', async () => {
    const { code, stdout } = await runCli([
      'replay',
      '--local',
      '--archive',
      'iot-audit-remediation-audit-events',
      '--from',
      '1h',
      'events',
      '--json',
      ...allAuto,
    ]);
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as ReplayJson;
    expect(result.replay?.state).toBe('COMPLETED');
    // The four events that plan a task start one execution each; the two skipped ones start none.
    expect(result.workflows.map((w) => w.end).sort()).toEqual([
      'COMPLETED',
      'COMPLETED',
      'COMPLETED',
      'FAILED',
    ]);
    expect(result.workflows.every((w) => w.source.startsWith(`replay ${result.replay?.name}`))).toBe(true);
  });

  it("--from alone replays the stack's archive; a window before the events replays nothing", async () => {
    const { code, stdout } = await runCli([
      'replay',
      '--local',
      '--from',
      '2025-01-01T00:00:00Z',
      '--to',
      '2025-01-02T00:00:00Z',
      'events',
      '--json',
    ]);
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as ReplayJson).workflows).toEqual([]);
  });

  it('a missing archive exits 2 and names it', async () => {
    const { code, stderr } = await runCli(['replay', '--local', '--archive', 'no-such-archive']);
    expect(code).toBe(2);
    expect(stderr).toContain('archive no-such-archive does not exist');
  });

  it('a workflow that ends otherwise than its scenario expects exits 1', async () => {
    // Prepare: the scenario expects the failing audit to complete.
    const scenario = JSON.parse(readFileSync('scenarios/default.json', 'utf8'));
    for (const audit of scenario.audits)
      if (audit.expectedOutcome === 'FAILED') audit.expectedOutcome = 'COMPLETED';
    const path = join(mkdtempSync(join(tmpdir(), 'iot-remediate-')), 'scenario.json');
    writeFileSync(path, JSON.stringify(scenario));
    // Act
    const { code, stdout } = await runCli(['replay', 'events', '--local', '--scenario', path, ...allAuto]);
    // Assess
    expect(code).toBe(1);
    expect(stdout).toContain('FAILED (expected COMPLETED) UNEXPECTED');
    expect(stdout).toContain('1 workflow(s) did not end as expected');
  });

  it('--no-follow returns once the events are put', async () => {
    const { code, stdout } = await runCli(['replay', 'events', '--local', '--no-follow', '--json']);
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as ReplayJson;
    expect(result.workflows).toHaveLength(6);
    expect(result.workflows.every((w) => w.end === null || w.end === undefined)).toBe(true);
  });

  it('event files with --archive outside --local exit 2', async () => {
    const { code, stderr } = await runCli(['replay', '--archive', 'x', 'events']);
    expect(code).toBe(2);
    expect(stderr).toContain('event files go with --archive only with --local');
  });
});
