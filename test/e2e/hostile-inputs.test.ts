import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers';

/** Writes `text` as it is (no JSON.stringify: some cases need a key twice) to a temporary file. */
function file(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'iot-remediate-')), name);
  writeFileSync(path, text);
  return path;
}

const scheduledText = readFileSync('events/scheduled-audit-non-compliant.json', 'utf8');
const scheduled = JSON.parse(scheduledText) as { detail: { auditDetails: Record<string, unknown>[] } };
const configText = readFileSync('config/remediation.json', 'utf8');

/** The guardrail of DEVICE_CERTIFICATE_SHARED_CHECK is 100: 60 and 60 each pass it, 120 would not. */
const SHARED = {
  checkName: 'DEVICE_CERTIFICATE_SHARED_CHECK',
  checkRunStatus: 'COMPLETED_NON_COMPLIANT',
  nonCompliantResourcesCount: 60,
  totalResourcesCount: 1250,
};

function eventWith(auditDetails: Record<string, unknown>[]): string {
  return JSON.stringify({ ...scheduled, detail: { ...scheduled.detail, auditDetails } });
}

const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];

describe('iot-remediate with hostile inputs', () => {
  it('plan refuses the same check twice (split counts), naming both positions: exit 2', async () => {
    // Prepare
    const path = file('event.json', eventWith([SHARED, { ...SHARED }]));

    // Act
    const { code, stdout, stderr } = await runCli(['plan', path]);

    // Assess
    expect(code).toBe(2);
    expect(stderr).toContain(
      'detail.auditDetails[1].checkName: DEVICE_CERTIFICATE_SHARED_CHECK appears twice (also auditDetails[0])',
    );
    expect(stdout).toBe('');
  });

  it('plan refuses a duplicate JSON key in the event file, naming the key and its path: exit 2', async () => {
    // Prepare: JSON.parse would keep 1 and hide 60.
    const path = file(
      'event.json',
      eventWith([SHARED]).replace(
        '"nonCompliantResourcesCount":60',
        '"nonCompliantResourcesCount":60,"nonCompliantResourcesCount":1',
      ),
    );

    // Act
    const { code, stdout, stderr } = await runCli(['plan', path]);

    // Assess
    expect(code).toBe(2);
    expect(stderr).toContain(
      "detail.auditDetails[0].nonCompliantResourcesCount: duplicate key 'nonCompliantResourcesCount'",
    );
    expect(stdout).toBe('');
  });

  it('replay --local starts nothing when one event repeats a check: exit 2', async () => {
    // Prepare
    const good = file('good.json', scheduledText);
    const bad = file('bad.json', eventWith([SHARED, { ...SHARED }]));

    // Act
    const { code, stdout, stderr } = await runCli(['replay', good, bad, '--local']);

    // Assess
    expect(code).toBe(2);
    expect(stderr).toContain('appears twice (also auditDetails[0])');
    expect(stdout).not.toContain('Put ');
  });

  it('validate-config refuses a duplicate key in the config, naming the key and its path: exit 2', async () => {
    // Prepare: the second guardrail would silently replace the first.
    const path = file(
      'config.json',
      configText.replace(
        '"reasonCodes": ["CERTIFICATE_SHARED_BY_MULTIPLE_DEVICES"],',
        '"reasonCodes": ["CERTIFICATE_SHARED_BY_MULTIPLE_DEVICES"], "maxNonCompliantResources": 100000,',
      ),
    );

    expect(readFileSync(path, 'utf8')).not.toBe(configText);

    // Act
    const { code, stderr } = await runCli(['validate-config', path]);

    // Assess
    expect(code).toBe(2);
    expect(stderr).toContain(
      "checks.DEVICE_CERTIFICATE_SHARED_CHECK.maxNonCompliantResources: duplicate key 'maxNonCompliantResources'",
    );
  });

  it('validate-config names every prototype-like check name as an unknown check: exit 2', async () => {
    // Prepare
    const checks = PROTOTYPE_NAMES.map(
      (name) => `${JSON.stringify(name)}:{"actions":["PublishFindingToSns"]}`,
    );
    const path = file('config.json', `{"checks":{${checks.join(',')}}}`);

    // Act
    const { code, stdout } = await runCli(['validate-config', path, '--json']);

    // Assess
    expect(code).toBe(2);
    const report = JSON.parse(stdout) as { problems: { path: string; message: string }[] };
    expect(report.problems).toEqual(
      PROTOTYPE_NAMES.map((name) => ({ path: `checks.${name}`, message: `unknown audit check '${name}'` })),
    );
  });

  it('validate-config: prototype-like action names and reason codes get clear messages: exit 2', async () => {
    // Prepare
    const path = file(
      'config.json',
      JSON.stringify({
        actionTypes: { toString: 'UPDATE_CA_CERTIFICATE', constructor: 'PUBLISH_FINDING_TO_SNS' },
        checks: {
          LOGGING_DISABLED_CHECK: {
            actions: ['toString', 'constructor', 'valueOf'],
            reasonCodes: ['hasOwnProperty'],
          },
        },
      }),
    );

    // Act
    const { code, stdout } = await runCli(['validate-config', path]);

    // Assess
    expect(code).toBe(2);
    expect(stdout).toContain(
      "checks.LOGGING_DISABLED_CHECK.reasonCodes[0]: 'hasOwnProperty' is not a reason code of LOGGING_DISABLED_CHECK",
    );
    expect(stdout).toContain(
      "checks.LOGGING_DISABLED_CHECK.actions[0]: action 'toString' is of type UPDATE_CA_CERTIFICATE, which LOGGING_DISABLED_CHECK does not support",
    );
    expect(stdout).toContain('2 problem(s)');
    expect(stdout).not.toContain('native code');
  });

  it('validate-config refuses an action type declared under "__proto__" instead of dropping it: exit 2', async () => {
    // Prepare
    const path = file(
      'config.json',
      '{"actionTypes":{"__proto__":"UPDATE_CA_CERTIFICATE"},"checks":{"LOGGING_DISABLED_CHECK":{"actions":["__proto__"]}}}',
    );

    // Act
    const { code, stdout } = await runCli(['validate-config', path]);

    // Assess
    expect(code).toBe(2);
    expect(stdout).toContain("actionTypes.__proto__: '__proto__' cannot be a key of actionTypes");
  });

  it('plan --config refuses a config with prototype-like check names: exit 2, no crash', async () => {
    // Prepare
    const config = file(
      'config.json',
      '{"checks":{"toString":{"actions":["A"]},"__proto__":{"actions":["B"]}}}',
    );

    // Act
    const { code, stdout, stderr } = await runCli([
      'plan',
      'events/scheduled-audit-non-compliant.json',
      '--config',
      config,
    ]);

    // Assess
    expect(code).toBe(2);
    expect(stderr).toContain("checks.toString: unknown audit check 'toString'");
    expect(stderr).toContain("checks.__proto__: unknown audit check '__proto__'");
    expect(stdout).toBe('');
  });

  it('plan reads prototype-like check names in an event as unknown checks, skipped', async () => {
    // Prepare
    const details = PROTOTYPE_NAMES.map((name) => ({ ...SHARED, checkName: name }));
    const path = file('event.json', eventWith(details));

    // Act
    const { code, stdout } = await runCli(['plan', path]);

    // Assess: nothing to start (every non-compliant check is unknown), each one named.
    expect(code).toBe(0);
    expect(stdout).toContain('plan: skip');
    for (const name of PROTOTYPE_NAMES) expect(stdout).toContain(`${name} skipped: unknown check`);
  });

  it('plan ignores a "__proto__" key in the event (an unknown field), without polluting anything', async () => {
    // Prepare
    const path = file(
      'event.json',
      scheduledText.replace(
        '"taskStatus": "COMPLETED",',
        '"taskStatus": "COMPLETED", "__proto__": {"taskStatus": "FAILED"},',
      ),
    );

    // Act
    const { code, stdout } = await runCli(['plan', path, '--json']);

    // Assess
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ action: 'start' });
  });

  it('plan --json lists the unknown check in skipped when nothing can start', async () => {
    // Prepare
    const path = file(
      'event.json',
      eventWith([{ ...SHARED, checkName: 'SOME_CHECK_AWS_ADDED_LATER_CHECK' }]),
    );

    // Act
    const { code, stdout } = await runCli(['plan', path, '--json']);

    // Assess
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      action: 'skip',
      skipped: [{ check: 'SOME_CHECK_AWS_ADDED_LATER_CHECK', reason: 'unknown check' }],
    });
  });
});
