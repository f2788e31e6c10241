import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers';

function configFile(document: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'iot-remediate-')), 'config.json');
  writeFileSync(path, JSON.stringify(document));
  return path;
}

interface ValidateJson {
  valid: boolean;
  accountChecked: boolean;
  problems: { path: string; message: string }[];
  notes: { path: string; message: string }[];
}

describe('iot-remediate validate-config', () => {
  it('the bundled config is valid offline and against the local account', async () => {
    const offline = await runCli(['validate-config']);
    expect(offline.code).toBe(0);
    expect(offline.stdout).toContain('config/remediation.json: valid (offline)');
    const account = await runCli(['validate-config', 'config/remediation.json', '--local', '--json']);
    expect(account.code).toBe(0);
    expect(JSON.parse(account.stdout)).toMatchObject({ valid: true, accountChecked: true, problems: [] });
  });

  it('offline: lists every problem with its path and exits 2', async () => {
    const path = configFile({
      checks: {
        LOGGING_DISABLED_CHECK: { actions: [] },
        CA_CERTIFICATE_KEY_QUALITY_CHECK: { actions: ['A', 'B', 'C', 'D', 'E', 'F'] },
      },
    });
    const { code, stdout } = await runCli(['validate-config', path]);
    expect(code).toBe(2);
    expect(stdout).toContain('2 problem(s)');
    expect(stdout).toContain('checks.LOGGING_DISABLED_CHECK.actions: needs at least one action');
    expect(stdout).toContain('checks.CA_CERTIFICATE_KEY_QUALITY_CHECK.actions: at most 5 actions per check');
  });

  it('offline: unknown checks, reason codes and declared types, each by path', async () => {
    const path = configFile({
      actionTypes: { QuarantineThings: 'ADD_THINGS_TO_THING_GROUP' },
      checks: {
        CA_CERTIFICATE_KEY_QUALITY_CHECK: { actions: ['QuarantineThings'], reasonCodes: ['BOGUS'] },
        NO_SUCH_CHECK: { actions: ['PublishFindingToSns'] },
      },
    });
    const { code, stdout } = await runCli(['validate-config', path, '--json']);
    expect(code).toBe(2);
    const result = JSON.parse(stdout) as ValidateJson;
    expect(result.problems.map((p) => p.path).sort()).toEqual([
      'checks.CA_CERTIFICATE_KEY_QUALITY_CHECK.actions[0]',
      'checks.CA_CERTIFICATE_KEY_QUALITY_CHECK.reasonCodes[0]',
      'checks.NO_SUCH_CHECK',
    ]);
  });

  it('offline: an action without a declared type is a note pointing at --account', async () => {
    const path = configFile({ checks: { LOGGING_DISABLED_CHECK: { actions: ['EnableIoTLogging'] } } });
    const { code, stdout } = await runCli(['validate-config', path, '--json']);
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as ValidateJson).notes).toEqual([
      {
        path: 'checks.LOGGING_DISABLED_CHECK.actions[0]',
        message:
          "the type of 'EnableIoTLogging' is not declared in actionTypes: --account checks it against LOGGING_DISABLED_CHECK",
      },
    ]);
  });

  it('against the account: missing actions, wrong types and disabled checks, each by path', async () => {
    // Prepare: a scenario whose audit configuration enables one check only.
    const scenario = configFile({
      mitigationActions: [
        { name: 'EnableIoTLogging', type: 'ENABLE_IOT_LOGGING' },
        { name: 'QuarantineThings', type: 'ADD_THINGS_TO_THING_GROUP' },
      ],
      enabledChecks: ['LOGGING_DISABLED_CHECK'],
    });
    const path = configFile({
      actionTypes: { EnableIoTLogging: 'PUBLISH_FINDING_TO_SNS' },
      checks: {
        LOGGING_DISABLED_CHECK: { actions: ['EnableIoTLogging', 'Nope'] },
        CA_CERTIFICATE_KEY_QUALITY_CHECK: { actions: ['QuarantineThings'] },
      },
    });
    // Act
    const { code, stdout } = await runCli([
      'validate-config',
      path,
      '--local',
      '--scenario',
      scenario,
      '--json',
    ]);
    // Assess
    expect(code).toBe(2);
    expect((JSON.parse(stdout) as ValidateJson).problems).toEqual([
      {
        path: 'actionTypes.EnableIoTLogging',
        message: "declared PUBLISH_FINDING_TO_SNS, but the account's action is ENABLE_IOT_LOGGING",
      },
      {
        path: 'checks.LOGGING_DISABLED_CHECK.actions[1]',
        message: "no mitigation action 'Nope' in the account",
      },
      {
        path: 'checks.CA_CERTIFICATE_KEY_QUALITY_CHECK.actions[0]',
        message:
          "action 'QuarantineThings' is of type ADD_THINGS_TO_THING_GROUP, which CA_CERTIFICATE_KEY_QUALITY_CHECK does not support (supported: PUBLISH_FINDING_TO_SNS, UPDATE_CA_CERTIFICATE)",
      },
      {
        path: 'checks.CA_CERTIFICATE_KEY_QUALITY_CHECK',
        message: "CA_CERTIFICATE_KEY_QUALITY_CHECK is not enabled in the account's audit configuration",
      },
    ]);
  });

  it('warns about a destructive auto action (exit 0), offline and against the local account', async () => {
    // Prepare: the deactivation runs without approval.
    const path = configFile({
      actionTypes: {
        DeactivateDeviceCertificate: 'UPDATE_DEVICE_CERTIFICATE',
        QuarantineThings: 'ADD_THINGS_TO_THING_GROUP',
      },
      checks: {
        REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK: {
          actions: ['DeactivateDeviceCertificate'],
          policy: 'auto',
        },
        DEVICE_CERTIFICATE_KEY_QUALITY_CHECK: { actions: ['QuarantineThings'], policy: 'approve' },
      },
    });

    // Act
    const offline = await runCli(['validate-config', path]);
    const account = await runCli(['validate-config', path, '--local', '--json']);

    // Assess
    expect(offline.code).toBe(0);
    expect(offline.stdout).toContain(
      `warning checks.REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK.actions[0]: 'DeactivateDeviceCertificate' (UPDATE_DEVICE_CERTIFICATE) is destructive and runs without approval (policy auto)`,
    );
    expect(offline.stdout.match(/warning /g)).toHaveLength(1);
    expect(account.code).toBe(0);
    expect(JSON.parse(account.stdout)).toMatchObject({
      valid: true,
      warnings: [{ path: 'checks.REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK.actions[0]' }],
    });
  });

  it('names a bad policy, timeout and protect selector by path, and exits 2', async () => {
    const path = configFile({
      approvalTimeout: 'PT10S',
      protect: { things: ['ok', 'ok'], certificateIds: ['short'] },
      checks: { LOGGING_DISABLED_CHECK: { actions: ['EnableIoTLogging'], policy: 'sometimes' } },
    });
    const { code, stdout } = await runCli(['validate-config', path, '--json']);
    expect(code).toBe(2);
    expect((JSON.parse(stdout) as ValidateJson).problems.map((p) => p.path).sort()).toEqual([
      'approvalTimeout',
      'checks.LOGGING_DISABLED_CHECK.policy',
      'protect.certificateIds[0]',
      'protect.certificateIds[0]',
      'protect.things[1]',
    ]);
  });
});
