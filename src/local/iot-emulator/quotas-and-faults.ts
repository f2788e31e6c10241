/**
 * Traffic control in front of the handlers: the per-operation request rates of the real service
 * (token buckets refilled from the emulator's clock) and seeded fault injection.
 */
import type { Clock } from '../clock';
import { derivedRandom, type Random } from '../prng';

/** API TPS quotas, none adjustable: device-defender-api.md section 4 [DOC-QUOTA]. */
export const DEFAULT_RATES: Readonly<Record<string, number>> = {
  StartAuditMitigationActionsTask: 10,
  DescribeAuditMitigationActionsTask: 25,
  CancelAuditMitigationActionsTask: 10,
  ListAuditMitigationActionsTasks: 10,
  ListAuditMitigationActionsExecutions: 10,
  ListAuditFindings: 10,
  DescribeAuditFinding: 25,
  DescribeAuditTask: 25,
  ListAuditTasks: 10,
  StartOnDemandAuditTask: 10,
  CreateMitigationAction: 10,
  DescribeMitigationAction: 25,
  ListMitigationActions: 10,
  DescribeAccountAuditConfiguration: 5,
};

export interface Quotas {
  /** "Audit mitigation action tasks running at the same time: 10". */
  maxConcurrentMitigationTasks: number;
  /** TPS per operation name; `false` turns rate limiting off. */
  rates: Readonly<Record<string, number>> | false;
}

export const DEFAULT_QUOTAS: Quotas = { maxConcurrentMitigationTasks: 10, rates: DEFAULT_RATES };

/** Fault probabilities (0..1) and added latency for one operation. */
export interface OperationFaults {
  readonly throttleRate?: number;
  readonly serverErrorRate?: number;
  readonly latencyMs?: number;
  readonly dropConnectionRate?: number;
}

/** Faults by operation name; `'*'` applies to operations without their own entry. */
export type FaultConfig = Readonly<Record<string, OperationFaults>>;

/** A token bucket whose capacity is its rate: a burst of one second's quota, then `tps` per second. */
class TokenBucket {
  #tokens: number;
  #lastMs: number;

  constructor(
    private readonly tps: number,
    nowMs: number,
  ) {
    this.#tokens = tps;
    this.#lastMs = nowMs;
  }

  take(nowMs: number): boolean {
    const elapsed = Math.max(0, nowMs - this.#lastMs);
    this.#tokens = Math.min(this.tps, this.#tokens + (elapsed / 1000) * this.tps);
    this.#lastMs = nowMs;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

/** Per-operation token buckets, created on first use. */
export class RateLimiter {
  readonly #buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly rates: Quotas['rates'],
    private readonly clock: Clock,
  ) {}

  /** False when the call exceeds the operation's rate. */
  allow(operation: string): boolean {
    if (this.rates === false) return true;
    const tps = this.rates[operation];
    if (tps === undefined) return true;
    const now = this.clock.now();
    let bucket = this.#buckets.get(operation);
    if (bucket === undefined) {
      bucket = new TokenBucket(tps, now);
      this.#buckets.set(operation, bucket);
    }
    return bucket.take(now);
  }
}

export type FaultDecision = { kind: 'none' | 'throttle' | 'serverError' | 'drop'; latencyMs: number };

/**
 * Seeded fault decisions. Each operation has its own random stream and every call draws the same
 * number of values whatever the rates, so a run repeats exactly for a given seed and call order per
 * operation, even when calls of different operations interleave differently.
 */
export class FaultInjector {
  #faults: FaultConfig | undefined;
  readonly #streams = new Map<string, Random>();

  constructor(
    private readonly seed: number,
    faults: FaultConfig | undefined,
  ) {
    this.#faults = faults;
  }

  set(faults: FaultConfig | undefined): void {
    this.#faults = faults;
  }

  decide(operation: string): FaultDecision {
    const config = this.#faults?.[operation] ?? this.#faults?.['*'];
    if (config === undefined) return { kind: 'none', latencyMs: 0 };
    let random = this.#streams.get(operation);
    if (random === undefined) {
      random = derivedRandom(this.seed, `faults:${operation}`);
      this.#streams.set(operation, random);
    }
    const [drop, throttle, serverError] = [random(), random(), random()];
    const latencyMs = config.latencyMs ?? 0;
    if (drop < (config.dropConnectionRate ?? 0)) return { kind: 'drop', latencyMs };
    if (throttle < (config.throttleRate ?? 0)) return { kind: 'throttle', latencyMs };
    if (serverError < (config.serverErrorRate ?? 0)) return { kind: 'serverError', latencyMs };
    return { kind: 'none', latencyMs };
  }
}
