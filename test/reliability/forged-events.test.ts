import { afterEach, describe, expect, it } from 'vitest';
import { readJson } from '../fixtures';
import { putOnBus, type Run, startRun, toAuditEvent } from './harness';

// Anyone allowed to put events on the bus can forge an audit notification for a real audit. The
// function plans from IoT's DescribeAuditTask and refuses an event that disagrees with it (or names
// another account), so a forged event cannot widen what is mitigated. Scenario: audit a3aea009… has
// 12 revoked CA certificates still active; the config's guardrail for that check is 5.

const CA_CHECK = 'REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK';

interface Detail {
  checkName: string;
  checkRunStatus: string;
  nonCompliantResourcesCount: number;
}
interface Notification {
  accountId: string;
  taskStatus: string;
  auditDetails: Detail[];
}

function notification(file: string): Notification {
  return structuredClone((readJson(file) as { detail: Notification }).detail);
}

function forge(file: string, change: (n: Notification) => void): Notification {
  const forged = notification(file);
  change(forged);
  return forged;
}

function check(n: Notification, name: string): Detail {
  const found = n.auditDetails.find((d) => d.checkName === name);
  if (!found) throw new Error(`no ${name} in the sample`);
  return found;
}

const SCHEDULED = 'events/scheduled-audit-non-compliant.json';
const forgeries: Array<[string, Notification]> = [
  // Under the guardrail: every CA certificate would be deactivated.
  [
    'CA count 12 -> 1',
    forge(SCHEDULED, (n) => Object.assign(check(n, CA_CHECK), { nonCompliantResourcesCount: 1 })),
  ],
  [
    'logging check COMPLIANT -> NON_COMPLIANT',
    forge(SCHEDULED, (n) =>
      Object.assign(check(n, 'LOGGING_DISABLED_CHECK'), {
        checkRunStatus: 'COMPLETED_NON_COMPLIANT',
        nonCompliantResourcesCount: 1,
      }),
    ),
  ],
  [
    'audit FAILED -> COMPLETED',
    forge('events/audit-failed.json', (n) => Object.assign(n, { taskStatus: 'COMPLETED' })),
  ],
  [
    'another account',
    forge(SCHEDULED, (n) => {
      n.accountId = '210987654321';
      Object.assign(check(n, CA_CHECK), { nonCompliantResourcesCount: 1 });
    }),
  ],
];

let run: Run | undefined;
afterEach(async () => {
  await run?.stack.close();
  run = undefined;
});

function caCertificatesDeactivated(r: Run): number {
  return r.stack.emulator
    .mitigationTasks()
    .reduce((sum, task) => sum + (task.statistics[CA_CHECK]?.succeededFindingsCount ?? 0), 0);
}

describe('reliability: forged audit events', () => {
  it('every forged event is refused: no task, no execution, no CA certificate deactivated; the genuine event still runs', async () => {
    // Prepare
    run = await startRun({ seed: 111, retryDelaysMs: [60_000, 120_000] });
    const { stack } = run;
    const forged = forgeries.map(([name, detail]) => toAuditEvent(name, detail));

    // Act: the forged events through the bus, as anyone allowed PutEvents would send them.
    putOnBus(
      stack,
      forged.map((e) => e.entry),
    );
    await stack.settled();

    // Assess
    const refusedNames = new Set(run.handler.failures.map((e) => (e as Error).name));
    // Each refused event ends in the rule's dead-letter queue (after the bus's retries), with the reason.
    const refused = stack.bus.deadLetters().filter((d) => d.error.startsWith('audit event refused')).length;
    console.log(`forged events refused: ${refused} of ${forged.length}`);
    expect(refused).toBe(forged.length);
    expect([...refusedNames]).toEqual(['EventMismatchError']);
    expect(run.handler.outcomes).toEqual([]);
    expect(stack.emulator.mitigationTasks()).toEqual([]);
    expect(stack.stepFunctions.executions()).toEqual([]);
    expect(caCertificatesDeactivated(run)).toBe(0);

    // Act: the genuine notification of the same audit arrives afterwards.
    const genuine = toAuditEvent(SCHEDULED, readJson(SCHEDULED));
    putOnBus(stack, [genuine.entry]);
    await stack.settled();

    // Assess: planned from IoT's counts; the guardrail keeps the 12 CA certificates out.
    const tasks = stack.emulator.mitigationTasks();
    expect(tasks).toHaveLength(1);
    expect(tasks[0]?.statistics[CA_CHECK]).toBeUndefined();
    expect(caCertificatesDeactivated(run)).toBe(0);
    expect(stack.stepFunctions.executions()).toHaveLength(1);
  });
});
