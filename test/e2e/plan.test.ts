import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers';

const EVENT_FILES = readdirSync('events')
  .filter((f) => f.endsWith('.json'))
  .sort();

describe('iot-remediate plan', () => {
  it.each(EVENT_FILES)('plan --json events/%s prints exactly one plan object', async (file) => {
    // Prepare: a minimal event needs its audit's checks, from the local stack.
    const minimal = file === 'minimal-audit-task-id.json';
    // Act
    const { code, stdout, stderr } = await runCli([
      'plan',
      `events/${file}`,
      '--json',
      ...(minimal ? ['--local'] : []),
    ]);
    // Assess
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout.trim().split('\n')).toHaveLength(1);
    const plan = JSON.parse(stdout) as Record<string, unknown>;
    // action, request and skipped keep their one-task meaning; tasks, notify, protected, previews are added.
    if (plan.action === 'start') {
      expect(Object.keys(plan)).toEqual([
        'action',
        'request',
        'skipped',
        'tasks',
        'notify',
        'protected',
        'previews',
      ]);
      expect(Object.keys(plan.request as object).sort()).toEqual(
        ['auditCheckToActionsMapping', 'clientRequestToken', 'target', 'taskId'].sort(),
      );
      expect((plan.tasks as { request: unknown }[])[0]?.request).toEqual(plan.request);
    } else {
      expect(Object.keys(plan)).toEqual(['action', 'reason', 'skipped', 'notify', 'protected']);
    }
    expect(plan).toMatchSnapshot();
  });

  it('plan --account fills a minimal event from DescribeAuditTask (here the local stack)', async () => {
    const { code, stdout } = await runCli(['plan', 'events/minimal-audit-task-id.json', '--local']);
    expect(code).toBe(0);
    expect(stdout).toContain('audit f0e1d2c3b4a5968778695a4b3c2d1e0f (ON_DEMAND_AUDIT_TASK, COMPLETED)');
    expect(stdout).toContain('StartAuditMitigationActionsTask request:');
  });

  it('a minimal event without --account exits 2 and says what to add', async () => {
    const { code, stderr } = await runCli(['plan', 'events/minimal-audit-task-id.json']);
    expect(code).toBe(2);
    expect(stderr).toContain('add --account');
  });

  it('a bad event exits 2 and names the field', async () => {
    // Prepare: a valid event with one field broken.
    const event = JSON.parse(readFileSync('events/scheduled-audit-non-compliant.json', 'utf8'));
    event.detail.taskStatus = 'DONE';
    const path = join(mkdtempSync(join(tmpdir(), 'iot-remediate-')), 'bad-event.json');
    writeFileSync(path, JSON.stringify(event));
    // Act
    const { code, stdout, stderr } = await runCli(['plan', path, '--json']);
    // Assess
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(path);
    expect(stderr).toMatch(/taskStatus/);
  });

  it('a missing file exits 2', async () => {
    const { code, stderr } = await runCli(['plan', 'events/nope.json']);
    expect(code).toBe(2);
    expect(stderr).toContain('cannot read events/nope.json: ENOENT');
  });

  it('plan --local --json with a protected certificate: its finding is left alone, the others targeted by findingIds', async () => {
    // Prepare: the shipped config, protecting the certificate of one DEVICE_CERTIFICATE_SHARED_CHECK finding.
    const protectedId = '59164c7fafa98ee06f174986085e37e9b0f5873095d7ebd8fa1ab346fd552834';
    const config = JSON.parse(readFileSync('config/remediation.json', 'utf8'));
    config.$schema = undefined;
    config.protect = { certificateIds: [protectedId] };
    const path = join(mkdtempSync(join(tmpdir(), 'iot-remediate-')), 'protect.json');
    writeFileSync(path, JSON.stringify(config));

    // Act
    const { code, stdout, stderr } = await runCli([
      'plan',
      'events/minimal-audit-task-id.json',
      '--local',
      '--json',
      '--config',
      path,
    ]);

    // Assess
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const plan = JSON.parse(stdout);
    const audit = 'f0e1d2c3b4a5968778695a4b3c2d1e0f';
    expect(plan.protected).toEqual([
      expect.objectContaining({
        check: 'DEVICE_CERTIFICATE_SHARED_CHECK',
        resourceIdentifier: { deviceCertificateId: protectedId },
      }),
    ]);
    expect(
      plan.tasks.map((t: { taskId: string; request: { target: unknown } }) => [t.taskId, t.request.target]),
    ).toEqual([
      [`remediate-${audit}-approve`, { auditTaskId: audit }],
      [`remediate-${audit}-approve-1`, { findingIds: [`${audit}-DEVICE_CERTIFICATE_SHARED_CHECK-2`] }],
    ]);
    // The shipped config sends these destructive checks through the approval gate.
    for (const task of plan.tasks) expect(task.policy).toBe('approve');
  });
});
