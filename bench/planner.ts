/**
 * Planner throughput: the pure core, no I/O. One plan = JSON.parse of the EventBridge event,
 * parseAuditCompletionInput (zod), summariseNotification and planMitigation (ids hashed) against a
 * config parsed once, as a warm container holds it. The audit has every catalog check
 * non-compliant and the config maps every check to every compatible action with every reason code.
 * Baseline: JSON.parse of the same event text, timed the same way in the same run.
 */
import {
  AUDIT_CHECK_NAMES,
  AUDIT_CHECKS,
  AUDIT_COMPLETED_DETAIL_TYPE,
  DEFAULT_EVENT_SOURCE,
  MITIGATION_ACTION_TYPES,
  parseAuditCompletionInput,
  parseRemediationConfig,
  planMitigation,
  summariseNotification,
} from '../src/core';
import { type BenchContext, type BenchResult, benchResult, figure, median, round } from './lib';

const ACTION_NAME: Record<string, string> = Object.fromEntries(
  MITIGATION_ACTION_TYPES.map((type) => [type, `Bench_${type.toLowerCase()}`]),
);

export function fullConfig(): unknown {
  return {
    mode: 'apply',
    acceptAuditStatuses: ['COMPLETED'],
    actionTypes: Object.fromEntries(MITIGATION_ACTION_TYPES.map((type) => [ACTION_NAME[type], type])),
    checks: Object.fromEntries(
      AUDIT_CHECK_NAMES.map((check) => {
        const def = AUDIT_CHECKS[check];
        return [
          check,
          {
            actions: def.compatibleActionTypes.map((type) => ACTION_NAME[type]),
            ...(def.reasonCodes.length > 0 ? { reasonCodes: [...def.reasonCodes] } : {}),
            maxNonCompliantResources: 10_000,
          },
        ];
      }),
    ),
  };
}

export function allNonCompliantEvent(auditTaskId = 'bench0000000000000000000000000001'): unknown {
  return {
    version: '0',
    id: '00000000-0000-4000-8000-000000000001',
    'detail-type': AUDIT_COMPLETED_DETAIL_TYPE,
    source: DEFAULT_EVENT_SOURCE,
    account: '123456789012',
    time: '2026-01-01T00:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail: {
      accountId: '123456789012',
      taskId: auditTaskId,
      taskStatus: 'COMPLETED',
      taskType: 'SCHEDULED_AUDIT_TASK',
      scheduledAuditName: 'daily-fleet-audit',
      failedChecksCount: 0,
      canceledChecksCount: 0,
      nonCompliantChecksCount: AUDIT_CHECK_NAMES.length,
      compliantChecksCount: 0,
      totalChecksCount: AUDIT_CHECK_NAMES.length,
      taskStartTime: 1767225600000,
      auditDetails: AUDIT_CHECK_NAMES.map((checkName, i) => ({
        checkName,
        checkRunStatus: 'COMPLETED_NON_COMPLIANT',
        nonCompliantResourcesCount: 1 + (i % 7),
        totalResourcesCount: 1250,
      })),
    },
  };
}

/** Operations per second of `op`: the median of `batches` timed batches of `perBatch` calls. */
function opsPerSecond(op: () => unknown, batches: number, perBatch: number): number {
  const rates: number[] = [];
  for (let b = 0; b < batches; b++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < perBatch; i++) op();
    const ns = Number(process.hrtime.bigint() - t0);
    rates.push((perBatch * 1e9) / ns);
  }
  return median(rates);
}

export async function plannerThroughput(ctx: BenchContext): Promise<BenchResult> {
  const started = Date.now();
  const config = parseRemediationConfig(fullConfig());
  const text = JSON.stringify(allNonCompliantEvent());
  let sink = 0;
  const plan = () => {
    const completion = parseAuditCompletionInput(JSON.parse(text));
    if (completion.kind !== 'notification') throw new Error('expected a notification');
    const result = planMitigation(summariseNotification(completion.notification), config);
    if (result.action !== 'start') throw new Error(`expected a start plan: ${JSON.stringify(result)}`);
    sink += result.included.length;
  };
  const parse = () => {
    sink += (JSON.parse(text) as { detail: unknown }).detail ? 1 : 0;
  };
  plan();
  const checks = sink;
  // Warm-up (JIT), then interleaved rounds so both see the same machine state.
  opsPerSecond(plan, 5, 200);
  opsPerSecond(parse, 5, 2000);
  const rounds = ctx.quick ? 5 : 15;
  const planRates: number[] = [];
  const parseRates: number[] = [];
  for (let r = 0; r < rounds; r++) {
    planRates.push(opsPerSecond(plan, 5, 300));
    parseRates.push(opsPerSecond(parse, 5, 5000));
  }
  const planPerSecond = median(planRates);
  const parsePerSecond = median(parseRates);
  ctx.log(
    `  planner: ${Math.round(planPerSecond)} plans/s, JSON.parse ${Math.round(parsePerSecond)}/s (${sink > 0 ? 'ok' : ''})`,
  );

  return benchResult(ctx, started, {
    name: 'planner',
    title: 'Planner throughput (pure core, no I/O)',
    figures: [
      figure({
        name: 'plans per second (parse + validate + summarise + plan)',
        value: round(planPerSecond, 0),
        unit: '/s',
        against: 'JSON.parse of the same event',
        baseline: round(parsePerSecond, 0),
        note: 'ratio = plans per JSON.parse; no target was set',
      }),
      figure({
        name: 'time per plan',
        value: round(1e6 / planPerSecond, 1),
        unit: 'µs',
        against: 'JSON.parse',
        baseline: round(1e6 / parsePerSecond, 1),
        note: 'ratio = one plan costs this many JSON.parses',
      }),
    ],
    details: {
      method:
        'median over interleaved rounds of the median of 5 timed batches (300 plans / 5000 parses per batch), after warm-up',
      event: { checks: checks, bytes: text.length },
      configChecks: AUDIT_CHECK_NAMES.length,
    },
  });
}
