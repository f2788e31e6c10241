import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers';

/**
 * `iot-remediate report` as a subprocess against the embedded local stack: the audit of
 * events/on-demand-audit-legacy-check-names.json, whose finding kq-0002 fails its QuarantineThings
 * action in scenarios/default.json, mitigated under an explicit all-auto config.
 */

const TASK = 'remediate-7d1c0e5b9a8f4c2e8b6a4d2f0e1c3b5a-auto';
const EVENTS = 'events/on-demand-audit-legacy-check-names.json';
const CONFIG = {
  mode: 'apply',
  acceptAuditStatuses: ['COMPLETED'],
  defaultPolicy: 'auto',
  actionTypes: {
    QuarantineThings: 'ADD_THINGS_TO_THING_GROUP',
    PublishFindingToSns: 'PUBLISH_FINDING_TO_SNS',
  },
  checks: {
    DEVICE_CERTIFICATE_KEY_QUALITY_CHECK: { actions: ['QuarantineThings', 'PublishFindingToSns'] },
    DEVICE_CERTIFICATE_EXPIRING_CHECK: { actions: ['PublishFindingToSns'] },
  },
};

let dir: string;
let local: string[];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'report-e2e-'));
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify(CONFIG));
  local = ['--local', '--events', EVENTS, '--config', config];
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('iot-remediate report', () => {
  it('prints the table grouped by check, failures first with their error code, and exits 1 for a failed finding', async () => {
    // Act
    const { code, stdout, stderr } = await runCli(['report', TASK, ...local]);

    // Assess
    expect(stderr).toBe('');
    expect(code).toBe(1);
    const lines = stdout.split('\n');
    expect(lines[0]).toBe(
      `Task ${TASK} (audit 7d1c0e5b9a8f4c2e8b6a4d2f0e1c3b5a): FAILED, 5 findings, 1 failed`,
    );
    const keyQuality = lines.indexOf('DEVICE_CERTIFICATE_KEY_QUALITY_CHECK: 1 failed, 1 succeeded');
    expect(keyQuality).toBeGreaterThan(0);
    expect(lines[keyQuality + 1]).toMatch(
      /^ {2}FAILED +kq-0002 .*QuarantineThings: INVALID_STATE_OF_RESOURCE The thing is already in the maximum number of thing groups$/,
    );
    expect(lines[keyQuality + 2]).toMatch(/^ {2}SUCCEEDED +kq-0001 /);
    expect(stdout).toContain(`report: s3://iot-audit-remediation-reports/reports/${TASK}/findings.jsonl`);
  });

  it('writes CSV of the failed findings only: one line per action execution, header first', async () => {
    // Prepare
    const out = join(dir, 'failed.csv');

    // Act
    const { code, stdout } = await runCli(['report', TASK, '--failed', '--csv', '--out', out, ...local]);

    // Assess
    expect(code).toBe(1);
    expect(stdout).toBe('');
    const csv = readFileSync(out, 'utf8').split('\r\n');
    expect(csv[0]).toBe(
      'check,findingId,resourceType,resource,reasonCode,outcome,action,actionStatus,errorCode,message',
    );
    expect(
      csv.slice(1, -1).map((line) => line.split(',').slice(0, 2).concat(line.split(',').slice(5, 9))),
    ).toEqual([
      [
        'DEVICE_CERTIFICATE_KEY_QUALITY_CHECK',
        'kq-0002',
        'FAILED',
        'QuarantineThings',
        'FAILED',
        'INVALID_STATE_OF_RESOURCE',
      ],
      ['DEVICE_CERTIFICATE_KEY_QUALITY_CHECK', 'kq-0002', 'FAILED', 'PublishFindingToSns', 'SKIPPED', ''],
    ]);
    expect(csv.at(-1)).toBe('');
  });

  it('prints one JSON object with the summary and every row with --json', async () => {
    // Act
    const { code, stdout } = await runCli(['report', TASK, '--json', ...local]);

    // Assess
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as {
      summary: { rows: number; failed: number; errorCodes: Record<string, number>; executionReads: number };
      rows: { findingId: string; outcome: string }[];
    };
    expect(report.summary).toMatchObject({
      rows: 5,
      failed: 1,
      errorCodes: { INVALID_STATE_OF_RESOURCE: 1 },
    });
    // Only the check with a failure was read finding by finding.
    expect(report.summary.executionReads).toBe(2);
    expect(report.rows.map((r) => `${r.findingId}:${r.outcome}`).sort()).toEqual([
      'exp-0001:SUCCEEDED',
      'exp-0002:SUCCEEDED',
      'exp-0003:SUCCEEDED',
      'kq-0001:SUCCEEDED',
      'kq-0002:FAILED',
    ]);
  });

  it('refuses an unknown task id with exit 2, naming it', async () => {
    // Act
    const { code, stdout, stderr } = await runCli(['report', 'no-such-task', ...local]);

    // Assess
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('mitigation task no-such-task does not exist');
  });

  it.each([
    [['report', 'bad id!'], "task id 'bad id!' must be 1-80 characters"],
    [['report'], 'no mitigation task id given'],
    [['report', TASK, '--json', '--csv'], '--json and --csv exclude each other'],
    [['report', TASK, '--events', EVENTS], '--events goes with --local'],
  ])('refuses %j with exit 2: %s', async (args, message) => {
    // Act
    const { code, stderr } = await runCli(args);

    // Assess
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });
});
