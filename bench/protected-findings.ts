import { performance } from 'node:perf_hooks';
import { IoTClient, ListAuditFindingsCommand } from '@aws-sdk/client-iot';
import { TASK_FINISHED_DETAIL_TYPE } from '../src/core';
import { startLocalStack } from '../src/local/stack';

/**
 * One audit with 1,000 findings of one check and 1 protected certificate, through the local stack
 * (real bundled functions, real ASL, the emulator's quotas, virtual clock): how many mitigation tasks
 * and StartAuditMitigationActionsTask calls it takes, the drain time in simulated minutes (event put
 * to the last completion event) and the wall time. `tsx bench/protected-findings.ts`
 */
const AUDIT = 'protectedbench0001';
const CHECK = 'REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK';
const scenario = {
  mitigationActions: [{ name: 'DeactivateDeviceCertificate', type: 'UPDATE_DEVICE_CERTIFICATE' }],
  audits: [
    {
      taskId: AUDIT,
      taskType: 'ON_DEMAND_AUDIT_TASK',
      taskStatus: 'COMPLETED',
      taskStartTime: 1764028800,
      checks: {
        [CHECK]: {
          checkRunStatus: 'COMPLETED_NON_COMPLIANT',
          generateFindings: 1000,
          totalResourcesCount: 5000,
        },
      },
    },
  ],
};
const configFor = (certificateIds: string[]) => ({
  mode: 'apply',
  actionTypes: { DeactivateDeviceCertificate: 'UPDATE_DEVICE_CERTIFICATE' },
  protect: { certificateIds },
  checks: { [CHECK]: { actions: ['DeactivateDeviceCertificate'], policy: 'auto' } },
});

/** The certificate of the audit's 500th finding (the scenario derives them deterministically). */
async function certificateToProtect(): Promise<string> {
  const stack = await startLocalStack({ scenario, config: configFor([]) });
  try {
    const iot = new IoTClient({
      endpoint: stack.url,
      region: stack.scenario.region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const ids: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await stack.runAsClient(() =>
        iot.send(
          new ListAuditFindingsCommand({ taskId: AUDIT, checkName: CHECK, maxResults: 250, nextToken }),
        ),
      );
      for (const f of page.findings ?? []) {
        const id = f.nonCompliantResource?.resourceIdentifier?.deviceCertificateId;
        if (id) ids.push(id);
      }
      nextToken = page.nextToken;
    } while (nextToken);
    const id = ids[499];
    if (!id) throw new Error(`expected 1,000 certificate findings, read ${ids.length}`);
    return id;
  } finally {
    await stack.close();
  }
}

const protectedId = await certificateToProtect();
const wallStart = performance.now();
const stack = await startLocalStack({ scenario, config: configFor([protectedId]) });
try {
  const t0 = stack.clock.now();
  stack.bus.putEvents([
    {
      Source: 'custom.iot.devicedefender',
      DetailType: 'Audit Task Completed',
      Detail: JSON.stringify({ taskId: AUDIT }),
    },
  ]);
  await stack.settled();
  const finished = stack.bus.events().filter((e) => e['detail-type'] === TASK_FINISHED_DETAIL_TYPE);
  const lastEnd = Math.max(...finished.map((e) => Date.parse(String(e.time))));
  const tasks = stack.emulator.mitigationTasks();
  const stats = stack.emulator.stats();
  const totals = tasks.flatMap((t) => Object.values(t.statistics)).map((c) => c.totalFindingsCount ?? 0);
  const applied = stack.emulator.appliedActions();
  const start = stats.operations.StartAuditMitigationActionsTask;
  console.log(
    JSON.stringify(
      {
        findings: 1000,
        protectedCertificates: 1,
        tasks: tasks.length,
        executions: stack.stepFunctions.executions().length,
        startCalls: start?.calls ?? 0,
        startCallsThrottled: start?.throttled ?? 0,
        listAuditFindingsCalls: stats.operations.ListAuditFindings?.calls ?? 0,
        findingsInTasks: totals.reduce((n, x) => n + x, 0),
        actionsApplied: applied.length,
        actionsOnProtected: applied.filter((a) => JSON.stringify(a).includes(protectedId)).length,
        outcomes: [...new Set(finished.map((e) => (e.detail as { outcome?: string }).outcome))],
        drainMinutesVirtual: (lastEnd - t0) / 60000,
        wallSeconds: (performance.now() - wallStart) / 1000,
      },
      null,
      2,
    ),
  );
} finally {
  await stack.close();
}
