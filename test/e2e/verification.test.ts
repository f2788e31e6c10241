import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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
  checks: Array<{ check: string; nonCompliantBefore: number; fixed: number; stillNonCompliant: number }>;
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
