import { GetExecutionHistoryCommand, type HistoryEvent, SFNClient } from '@aws-sdk/client-sfn';
import { TASK_FINISHED_DETAIL_TYPE } from '../src/core';
import { completionEvents, LOCAL_REPORT_BUCKET, startLocalStack } from '../src/local/stack';
import { type BenchContext, type BenchResult, benchResult, figure, round } from './lib';

/**
 * The findings-level report of one mitigation task of 10,000 findings with 2% failures, through the
 * local stack (real bundled functions, real ASL, the emulator's 10-per-second quotas, virtual clock):
 * the IoT calls write-report makes, the time WriteReport takes on the virtual clock, the report's
 * size, the process's peak memory, and the size of the finished event that points to it. Two
 * layouts of the same 200 failures: all in one check of 2,000 findings (the read plan reads that
 * check only and the report is complete), and spread over the five checks (every finding would need
 * a read: the budget of 2,000 reads ends it, partial).
 */

const AUDIT = 'reportbench000000000000000000001';
/** Five checks of 2,000 findings; the first one's action is the one that fails. */
const CHECKS = [
  ['REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK', 'DeactivateDeviceCertificate'],
  ['DEVICE_CERTIFICATE_SHARED_CHECK', 'QuarantineThings'],
  ['DEVICE_CERTIFICATE_KEY_QUALITY_CHECK', 'PublishFindingToSns'],
  ['DEVICE_CERTIFICATE_EXPIRING_CHECK', 'PublishFindingToSns'],
  ['IOT_POLICY_OVERLY_PERMISSIVE_CHECK', 'ReplaceDefaultPolicyVersion'],
] as const;
const ACTION_TYPES = {
  DeactivateDeviceCertificate: 'UPDATE_DEVICE_CERTIFICATE',
  QuarantineThings: 'ADD_THINGS_TO_THING_GROUP',
  PublishFindingToSns: 'PUBLISH_FINDING_TO_SNS',
  ReplaceDefaultPolicyVersion: 'REPLACE_DEFAULT_POLICY_VERSION',
} as const;
/** EventBridge's PutEvents entry limit. */
const EVENT_LIMIT_BYTES = 256 * 1024;

type Layout = 'one check' | 'spread';

function scenarioFor(findingsPerCheck: number, layout: Layout) {
  return {
    // 10,000 findings of one action each in about 17 simulated minutes.
    workSecondsPerFinding: 0.1,
    mitigationActions: Object.entries(ACTION_TYPES).map(([name, type]) => ({ name, type })),
    audits: [
      {
        taskId: AUDIT,
        taskType: 'ON_DEMAND_AUDIT_TASK',
        taskStatus: 'COMPLETED',
        taskStartTime: 1764028800,
        checks: Object.fromEntries(
          CHECKS.map(([check]) => [
            check,
            {
              checkRunStatus: 'COMPLETED_NON_COMPLIANT',
              generateFindings: findingsPerCheck,
              totalResourcesCount: findingsPerCheck * 10,
            },
          ]),
        ),
      },
    ],
    // 2% of all findings: 10% of the first check's, or 2% of every check's.
    actionOutcomes:
      layout === 'one check'
        ? [
            {
              action: 'DeactivateDeviceCertificate',
              fraction: 0.1,
              status: 'FAILED',
              errorCode: 'INVALID_STATE_OF_RESOURCE',
              message: 'The certificate is in use',
            },
          ]
        : Object.keys(ACTION_TYPES).map((action) => ({
            action,
            fraction: 0.02,
            status: 'FAILED',
            errorCode: 'INVALID_STATE_OF_RESOURCE',
            message: 'The resource is in use',
          })),
  };
}

const CONFIG = {
  mode: 'apply',
  acceptAuditStatuses: ['COMPLETED'],
  defaultPolicy: 'auto',
  actionTypes: ACTION_TYPES,
  checks: Object.fromEntries(CHECKS.map(([check, action]) => [check, { actions: [action] }])),
};

interface ReportRun {
  readonly layout: Layout;
  readonly findings: number;
  readonly failed: number;
  readonly partial: boolean;
  readonly executionReads: number;
  readonly listFindingsCalls: number;
  readonly describeCalls: number;
  readonly throttled: number;
  readonly reportVirtualSeconds: number;
  readonly reportBytes: number;
  readonly eventBytes: number;
  readonly peakRssMB: number;
  readonly wallSeconds: number;
}

/** WriteReport's entry and exit in the execution's history, on the virtual clock. */
function writeReportSeconds(events: readonly HistoryEvent[]): number {
  const entered = events.find(
    (e) => e.type === 'TaskStateEntered' && e.stateEnteredEventDetails?.name === 'WriteReport',
  );
  const exited = events.find(
    (e) => e.type === 'TaskStateExited' && e.stateExitedEventDetails?.name === 'WriteReport',
  );
  if (!entered?.timestamp || !exited?.timestamp) throw new Error('WriteReport not in the history');
  return (exited.timestamp.getTime() - entered.timestamp.getTime()) / 1000;
}

async function reportRun(findingsPerCheck: number, layout: Layout, seed: number): Promise<ReportRun> {
  const wallStart = performance.now();
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 50);
  const stack = await startLocalStack({
    scenario: scenarioFor(findingsPerCheck, layout),
    config: CONFIG,
    seed,
  });
  try {
    stack.bus.putEvents([
      {
        Source: 'custom.iot.devicedefender',
        DetailType: 'Audit Task Completed',
        Detail: JSON.stringify({ taskId: AUDIT }),
      },
    ]);
    await stack.settled();
    const [detail] = [...completionEvents(stack.bus).values()];
    const report = detail?.report as
      | { key: string; rows: number; failed: number; partial: boolean }
      | undefined;
    if (!detail || !report) throw new Error(`no report in the finished event: ${JSON.stringify(detail)}`);
    const finished = stack.bus.events().find((e) => e['detail-type'] === TASK_FINISHED_DETAIL_TYPE);
    const sfn = new SFNClient({
      endpoint: stack.url,
      region: stack.scenario.region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const [execution] = stack.stepFunctions.executions();
    const history = await stack.runAsClient(() =>
      sfn.send(new GetExecutionHistoryCommand({ executionArn: execution?.executionArn, maxResults: 1000 })),
    );
    const operations = stack.emulator.stats().operations;
    const calls = (name: string) => operations[name]?.calls ?? 0;
    const summary = JSON.parse(
      stack.s3.getText(LOCAL_REPORT_BUCKET, report.key.replace(/findings\.jsonl$/, 'summary.json')) ?? '{}',
    ) as { executionReads: number };
    return {
      layout,
      findings: report.rows,
      failed: report.failed,
      partial: report.partial,
      executionReads: summary.executionReads,
      listFindingsCalls: calls('ListAuditFindings'),
      describeCalls: calls('DescribeAuditMitigationActionsTask'),
      throttled: Object.values(operations).reduce((n, o) => n + o.throttled, 0),
      reportVirtualSeconds: writeReportSeconds(history.events ?? []),
      reportBytes: Buffer.byteLength(stack.s3.getText(LOCAL_REPORT_BUCKET, report.key) ?? ''),
      // The PutEvents entry as the state machine puts it: detail, detail-type and source.
      eventBytes:
        Buffer.byteLength(JSON.stringify(finished?.detail ?? {})) +
        Buffer.byteLength(TASK_FINISHED_DETAIL_TYPE) +
        Buffer.byteLength(String(finished?.source ?? '')),
      peakRssMB: peakRss / 2 ** 20,
      wallSeconds: (performance.now() - wallStart) / 1000,
    };
  } finally {
    clearInterval(sampler);
    await stack.close();
  }
}

export async function findingsReport(ctx: BenchContext): Promise<BenchResult> {
  const started = Date.now();
  // The quick run keeps to 1,000 findings: `npm run bench -- --quick` must stay under a minute.
  const perCheck = ctx.quick ? 200 : 2000;
  const runs: ReportRun[] = [];
  for (const layout of ['one check', 'spread'] as const) {
    const r = await reportRun(perCheck, layout, ctx.seed);
    ctx.log(
      `  ${r.findings} findings, ${r.failed} failed (${layout}): ${r.executionReads} execution reads + ${r.listFindingsCalls} ListAuditFindings + ${r.describeCalls} Describe, ` +
        `WriteReport ${round(r.reportVirtualSeconds, 0)} s virtual, report ${round(r.reportBytes / 1024, 0)} KiB${r.partial ? ' (partial)' : ''}, ` +
        `event ${r.eventBytes} B, bench process peak RSS ${round(r.peakRssMB, 0)} MB (shared with the benchmarks run before it), ${round(r.wallSeconds, 1)} s wall`,
    );
    runs.push(r);
  }
  const [concentrated] = runs;
  if (!concentrated) throw new Error('no run');
  const findings = concentrated.findings;
  return benchResult(ctx, started, {
    name: 'findings-report',
    title: `Findings report: ${findings.toLocaleString('en-US')} findings, 2% failed`,
    figures: [
      figure({
        name: 'execution reads (failures in one check)',
        value: concentrated.executionReads,
        unit: 'calls',
        against: 'findings of the failing check',
        baseline: findings / CHECKS.length,
        target: { op: '<=', ratio: 1 },
      }),
      figure({
        name: 'WriteReport time (virtual)',
        value: round(concentrated.reportVirtualSeconds, 0),
        unit: 's',
        against: 'reads at 10/s',
        baseline: concentrated.executionReads / 10,
        baselineUnit: 's',
        target: { op: '<=', ratio: 1.5 },
      }),
      ...runs.map((r) =>
        figure({
          name: `finished event size (${r.layout})`,
          value: r.eventBytes,
          unit: 'B',
          against: 'EventBridge entry limit',
          baseline: EVENT_LIMIT_BYTES,
          baselineUnit: 'B',
          target: { op: '<=', ratio: 0.05 },
        }),
      ),
    ],
    details: {
      runs: runs.map((r) => ({
        layout: r.layout,
        findings: r.findings,
        failed: r.failed,
        partial: String(r.partial),
        'execution reads': r.executionReads,
        ListAuditFindings: r.listFindingsCalls,
        'throttled calls': r.throttled,
        'WriteReport s (virtual)': round(r.reportVirtualSeconds, 0),
        'report KiB': round(r.reportBytes / 1024, 0),
        'event B': r.eventBytes,
        // The whole bench process's (every benchmark of the run shares it): not this report's own.
        'bench process peak RSS MB': round(r.peakRssMB, 0),
        'wall s': round(r.wallSeconds, 1),
      })),
    },
  });
}
