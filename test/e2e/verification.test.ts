import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditCompletedEvent, auditNotificationDetail, sharedCertificateFindings } from '../fixtures';
import { runCli } from './helpers';

/**
 * The verification audit seen from the CLI, as a subprocess on the embedded local stack: replay
 * follows each workflow to its end and prints what the verification audit found.
 */
const EVENT = 'events/scheduled-audit-non-compliant.json';

/** An explicit config: shared certificates deactivated (fixed), permissive policies only reported (still non-compliant). */
function configFile(extra: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'verify-e2e-'));
  const path = join(dir, 'config.json');
  writeFileSync(
    path,
    JSON.stringify({
      mode: 'apply',
      checks: {
        DEVICE_CERTIFICATE_SHARED_CHECK: { actions: ['DeactivateDeviceCertificate'] },
        IOT_POLICY_OVERLY_PERMISSIVE_CHECK: { actions: ['PublishFindingToSns'] },
      },
      ...extra,
    }),
  );
  return path;
}

interface VerificationJson {
  outcome: string;
  verificationAuditTaskId: string;
  totals: { fixed: number; stillNonCompliant: number; unverified: number };
  checks: Array<{
    check: string;
    nonCompliantBefore: number;
    nonCompliantAfter: number;
    fixed: number;
    stillNonCompliant: number;
    partial: boolean;
  }>;
}

describe('iot-remediate replay --local and the verification audit', () => {
  it('prints per check the resources fixed and those still non-compliant', async () => {
    // Act
    const { code, stdout } = await runCli(['replay', EVENT, '--local', '--config', configFile()]);

    // Assess
    expect(code).toBe(0);
    expect(stdout).toMatch(/verification audit [0-9a-f]{32} COMPLETED: 4 fixed, 2 still non-compliant/);
    expect(stdout).toMatch(/DEVICE_CERTIFICATE_SHARED_CHECK\s+4\s+\d+\s+4\s+4\s+0/);
    expect(stdout).toMatch(/IOT_POLICY_OVERLY_PERMISSIVE_CHECK\s+2\s+2\s+2\s+0\s+2/);
    expect(stdout).toMatch(
      /still non-compliant: IOT_POLICY_OVERLY_PERMISSIVE_CHECK IOT_POLICY policy-[0-9a-f]+\/1/,
    );
  });

  it('--json carries the verification of each workflow', async () => {
    // Act
    const { code, stdout } = await runCli(['replay', EVENT, '--local', '--config', configFile(), '--json']);

    // Assess
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as { workflows: Array<{ verification: VerificationJson | null }> };
    const [verification] = result.workflows.map((w) => w.verification);
    expect(verification?.outcome).toBe('VERIFIED');
    expect(verification?.totals).toEqual({ fixed: 4, stillNonCompliant: 2, unverified: 0 });
    expect(
      verification?.checks.map((c) => [c.check, c.nonCompliantBefore, c.fixed, c.stillNonCompliant]),
    ).toEqual([
      ['DEVICE_CERTIFICATE_SHARED_CHECK', 4, 4, 0],
      ['IOT_POLICY_OVERLY_PERMISSIVE_CHECK', 2, 0, 2],
    ]);
  });

  it('verifies nothing with verify false', async () => {
    // Act
    const { code, stdout } = await runCli([
      'replay',
      EVENT,
      '--local',
      '--config',
      configFile({ verify: false }),
      '--json',
    ]);

    // Assess
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as { workflows: Array<{ end: string; verification: unknown }> };
    expect(result.workflows.map((w) => [w.end, w.verification])).toEqual([['COMPLETED', null]]);
  });

  it('refuses a verify that is not a boolean, naming the field, before anything starts (exit 2)', async () => {
    // Act
    const { code, stderr, stdout } = await runCli([
      'replay',
      EVENT,
      '--local',
      '--config',
      configFile({ verify: 'yes' }),
    ]);

    // Assess
    expect(code).toBe(2);
    expect(stderr).toMatch(/verify/);
    expect(stdout).not.toContain('Put 1 event');
  });
});

/**
 * A task of three certificates in an account where the verification audit finds 10,250 other
 * non-compliant resources of the check: 41 pages, past the 40-page budget of a listing.
 */
function largeFleetFiles(): { scenario: string; event: string; config: string } {
  const dir = mkdtempSync(join(tmpdir(), 'verify-fleet-e2e-'));
  const CHECK = 'DEVICE_CERTIFICATE_SHARED_CHECK';
  const audit = (taskId: string, taskStartTime: number, check: Record<string, unknown>) => ({
    taskId,
    taskType: 'ON_DEMAND_AUDIT_TASK',
    taskStatus: 'COMPLETED',
    taskStartTime,
    checks: { [CHECK]: { checkRunStatus: 'COMPLETED_NON_COMPLIANT', totalResourcesCount: 20_000, ...check } },
  });
  const scenario = {
    accountId: '123456789012',
    region: 'us-east-1',
    mitigationActions: [{ name: 'DeactivateDeviceCertificate', type: 'UPDATE_DEVICE_CERTIFICATE' }],
    audits: [
      audit('fleet-audit', 1764000000, { generateFindings: 10_250 }),
      audit('task-audit', 1764028800, {
        findings: sharedCertificateFindings('task'),
      }),
    ],
  };
  const event = auditCompletedEvent(
    'e-large-fleet-1',
    auditNotificationDetail({ taskId: 'task-audit', taskStartTime: 1764028800000 }, [
      { checkName: CHECK, nonCompliantResourcesCount: 3, totalResourcesCount: 20_000 },
    ]),
  );
  const files = {
    scenario: join(dir, 'scenario.json'),
    event: join(dir, 'event.json'),
    config: join(dir, 'config.json'),
  };
  writeFileSync(files.scenario, JSON.stringify(scenario));
  writeFileSync(files.event, JSON.stringify(event));
  writeFileSync(
    files.config,
    JSON.stringify({ mode: 'apply', checks: { [CHECK]: { actions: ['DeactivateDeviceCertificate'] } } }),
  );
  return files;
}

describe('iot-remediate replay --local: verification in a fleet larger than the task', () => {
  it('judges every targeted resource although the check has more findings than a listing reads', async () => {
    // Prepare
    const files = largeFleetFiles();

    // Act
    const { code, stdout, stderr } = await runCli([
      'replay',
      files.event,
      '--local',
      '--scenario',
      files.scenario,
      '--config',
      files.config,
      '--json',
    ]);

    // Assess: the three certificates are judged fixed, none left unverified by a cut listing
    expect(code, stderr).toBe(0);
    const result = JSON.parse(stdout) as {
      workflows: Array<{
        verification: VerificationJson & { checks: Array<{ nonCompliantAfter: number; partial: boolean }> };
      }>;
    };
    const [verification] = result.workflows.map((w) => w.verification);
    expect(verification?.totals).toEqual({ fixed: 3, stillNonCompliant: 0, unverified: 0 });
    expect(
      verification?.checks.map((c) => [c.check, c.nonCompliantBefore, c.nonCompliantAfter, c.partial]),
    ).toEqual([['DEVICE_CERTIFICATE_SHARED_CHECK', 3, 10_250, false]]);
  }, 120_000);
});
