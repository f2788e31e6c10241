import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers';

// `plan --account` / `--local` plans as the function does: from IoT's DescribeAuditTask, refusing an
// event that disagrees with it. Offline, a file is only previewed from its own counts, and says so.

/** The scheduled audit's notification, claiming 1 revoked CA certificate where IoT has 12. */
function forgedEventFile(): string {
  const event = JSON.parse(readFileSync('events/scheduled-audit-non-compliant.json', 'utf8'));
  for (const detail of event.detail.auditDetails) {
    if (detail.checkName === 'REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK')
      detail.nonCompliantResourcesCount = 1;
  }
  const path = join(mkdtempSync(join(tmpdir(), 'iot-remediate-')), 'forged.json');
  writeFileSync(path, JSON.stringify(event));
  return path;
}

describe('iot-remediate plan trusts IoT', () => {
  it('plan --local refuses an event whose counts disagree with IoT: exit 2, each disagreement named', async () => {
    // Prepare
    const path = forgedEventFile();
    // Act
    const { code, stdout, stderr } = await runCli(['plan', path, '--local', '--json']);
    // Assess
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(path);
    expect(stderr).toContain(
      'auditDetails.REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK.nonCompliantResourcesCount: the event says 1, IoT says 12',
    );
  });

  it('plan --local of the genuine event plans from IoT: the guardrail leaves the 12 CA certificates out', async () => {
    const { code, stdout } = await runCli(['plan', 'events/scheduled-audit-non-compliant.json', '--local']);
    expect(code).toBe(0);
    expect(stdout).not.toContain("preview from the file's own counts");
    expect(stdout).toContain(
      'REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK skipped: 12 non-compliant resources exceed the guardrail maxNonCompliantResources=5',
    );
  });

  it('plan without --account previews the file and says it is only a preview', async () => {
    const { code, stdout } = await runCli(['plan', forgedEventFile()]);
    expect(code).toBe(0);
    expect(stdout).toContain("preview from the file's own counts");
  });
});
