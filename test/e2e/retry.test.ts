import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allAutoConfigFile } from '../fixtures';

/** The all-auto config with the given retry of failed findings, in a new file. */
function configFile(retryFailedFindings: unknown): string {
  const config = JSON.parse(readFileSync(allAutoConfigFile(), 'utf8'));
  config.retryFailedFindings = retryFailedFindings;
  const path = join(mkdtempSync(join(tmpdir(), 'iot-remediate-')), 'retry.json');
  writeFileSync(path, JSON.stringify(config));
  return path;
}

import { runCli } from './helpers';

// The legacy-names audit's finding kq-0002 fails in scenarios/default.json (its thing is in too many
// groups): under an all-auto config its task ends FAILED, and 15 minutes later the retry of failed
// findings starts `<taskId>-r1-1`, targeting only kq-0002, which fails again and is given up.
const TASK = 'remediate-7d1c0e5b9a8f4c2e8b6a4d2f0e1c3b5a-auto';

describe('retry of failed findings through the CLI', () => {
  it('report --local of the retry task: only the failed finding, failed again', async () => {
    const { code, stdout } = await runCli([
      'report',
      `${TASK}-r1-1`,
      '--local',
      '--events',
      'events/on-demand-audit-legacy-check-names.json',
      '--config',
      configFile({ attempts: 1, delay: 'PT15M' }),
      '--json',
    ]);
    // Exit 1: the report has failed findings.
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as { rows: { findingId: string; outcome: string }[] };
    expect(report.rows.map((r) => [r.findingId, r.outcome])).toEqual([['kq-0002', 'FAILED']]);
  });

  it('a config asking for 4 attempts is refused before anything starts: exit 2, the field named', async () => {
    const { code, stdout } = await runCli(['validate-config', configFile({ attempts: 4 })]);
    expect(code).toBe(2);
    expect(stdout).toContain('retryFailedFindings.attempts: Too big: expected number to be <=3');
  });
});
