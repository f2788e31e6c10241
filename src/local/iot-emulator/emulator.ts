/**
 * The HTTP front of the emulator: restJson1 over node:http, for the real @aws-sdk/client-iot and
 * the aws CLI. Per request: route, count, rate-limit, inject faults, validate and handle, answer.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuditNotification } from '../../core/audit-event';
import type { Clock } from '../clock';
import { readBody } from '../http-body';
import { ModelValidationError, restJsonInput, validateRequest } from '../model/validate';
import { derivedRandom, randomUuid } from '../prng';
import { type Scenario, ScenarioSchema } from '../scenario';
import {
  EmulatorError,
  InternalFailureException,
  InvalidRequestException,
  ThrottlingException,
  UnknownOperationException,
} from './errors';
import {
  type AppliedAction,
  appliedActions,
  auditNotification,
  type OperationContext,
  type TaskCounters,
} from './operations';
import {
  DEFAULT_QUOTAS,
  type FaultConfig,
  FaultInjector,
  type Quotas,
  RateLimiter,
} from './quotas-and-faults';
import { matchRoute } from './router';
import { type AuditRecord, EmulatorState } from './state';
import type { TaskStatisticsForAuditCheck } from './task-model';
import { viewTask } from './task-model';

export interface IotEmulatorOptions {
  /** The seed data; parsed with ScenarioSchema (defaults applied) before use. */
  readonly scenario: Scenario;
  /** Every time the emulator uses comes from here (epoch ms). */
  readonly clock: Clock;
  readonly quotas?: Partial<Quotas>;
  readonly faults?: FaultConfig;
  /** Seeds the PRNG behind faults and generated ids. */
  readonly seed?: number;
  /** Simulated run time of an on-demand audit (default 60 s). */
  readonly onDemandAuditSeconds?: number;
  /** Called with the auditnotification/1.0 payload when an on-demand audit finishes. */
  readonly onAuditCompleted?: (notification: AuditNotification) => void;
}

export interface OperationStats {
  calls: number;
  throttled: number;
  serverErrors: number;
  dropped: number;
  /** Bytes of the answers' bodies that served the request (errors not counted). */
  answeredBytes: number;
}

export interface EmulatorStats {
  readonly operations: Record<string, OperationStats>;
  readonly mitigationTasks: Readonly<TaskCounters>;
}

export interface MitigationTaskSummary {
  readonly taskId: string;
  readonly auditTaskId?: string;
  readonly status: string;
  readonly startTime: number;
  readonly endTime?: number;
  readonly statistics: Record<string, TaskStatisticsForAuditCheck>;
}

export interface IotEmulator {
  /**
   * The request listener behind `listen`, for mounting the emulator in a shared gateway
   * (src/local/stack.ts). Requests handled this way count in `inFlight` and `stats` alike.
   */
  readonly handle: (req: IncomingMessage, res: ServerResponse) => void;
  listen(port?: number, host?: string): Promise<{ url: string }>;
  close(): Promise<void>;
  /** HTTP requests being handled right now (a virtual-clock driver waits for 0 before advancing). */
  readonly inFlight: number;
  setFaults(faults: FaultConfig | undefined): void;
  stats(): EmulatorStats;
  /** Every mitigation task as seen now; times in epoch ms. */
  mitigationTasks(): ReadonlyArray<MitigationTaskSummary>;
  /** Every action that has COMPLETED on a finding by now, with the resource it acted on. */
  appliedActions(): ReadonlyArray<AppliedAction>;
  /**
   * A device certificate's status now: INACTIVE once an UPDATE_DEVICE_CERTIFICATE action with
   * `DEACTIVATE` completed on a finding about it, ACTIVE otherwise; undefined for an unknown id.
   */
  certificateStatus(certificateId: string): 'ACTIVE' | 'INACTIVE' | undefined;
}

function parseBody(text: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InvalidRequestException('The request body is not valid JSON', { cause: error });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidRequestException('The request body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

/** Builds an emulator over a scenario. Nothing listens until `listen`. */
export function createIotEmulator(options: IotEmulatorOptions): IotEmulator {
  const { clock } = options;
  const seed = options.seed ?? 1;
  const quotas: Quotas = { ...DEFAULT_QUOTAS, ...options.quotas };
  const scenario = ScenarioSchema.parse(options.scenario);
  const state = new EmulatorState(scenario, derivedRandom(seed, 'ids'), clock.now());
  const requestIds = derivedRandom(seed, 'request-ids');
  const limiter = new RateLimiter(quotas.rates, clock);
  const faults = new FaultInjector(seed, options.faults);
  const counters: TaskCounters = {
    started: 0,
    existingTaskAnswers: 0,
    taskAlreadyExists: 0,
    limitExceeded: 0,
    peakConcurrent: 0,
  };
  const operationStats: Record<string, OperationStats> = {};
  const onDemandAuditMs = (options.onDemandAuditSeconds ?? 60) * 1000;
  let inFlight = 0;
  let closed = false;
  let server: Server | undefined;

  // The end of an on-demand audit is the one event nobody asks for, so it waits on the clock (a
  // VirtualClock sleeper, which the time driver sees) instead of being derived on the next read.
  const auditStarted = (audit: AuditRecord): void => {
    const at = audit.completesAtMs ?? clock.now();
    void clock.sleep(at - clock.now()).then(() => {
      if (!closed)
        options.onAuditCompleted?.(auditNotification(state, audit, clock.now()) as AuditNotification);
    });
  };

  function statsFor(operation: string): OperationStats {
    operationStats[operation] ??= { calls: 0, throttled: 0, serverErrors: 0, dropped: 0, answeredBytes: 0 };
    return operationStats[operation];
  }

  function send(
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): number {
    const text = JSON.stringify(body);
    const bytes = Buffer.byteLength(text);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': bytes,
      'x-amzn-RequestId': randomUuid(requestIds),
      ...headers,
    });
    res.end(text);
    return bytes;
  }

  function sendError(res: ServerResponse, error: EmulatorError): void {
    send(res, error.status, { message: error.message, ...error.members }, { 'x-amzn-ErrorType': error.name });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const method = req.method ?? 'GET';
    const route = matchRoute(method, url.pathname);
    const bodyText = await readBody(req);
    if (route === undefined) throw new UnknownOperationException(method, url.pathname);

    const stats = statsFor(route.operation);
    stats.calls += 1;
    const fault = faults.decide(route.operation);
    if (fault.latencyMs > 0) await clock.sleep(fault.latencyMs);
    if (fault.kind === 'drop') {
      stats.dropped += 1;
      req.socket.destroy();
      return;
    }
    if (fault.kind === 'throttle' || !limiter.allow(route.operation)) {
      stats.throttled += 1;
      throw new ThrottlingException();
    }
    if (fault.kind === 'serverError') {
      stats.serverErrors += 1;
      throw new InternalFailureException();
    }

    const input = restJsonInput('iot', route.operation, {
      labels: route.labels,
      query: url.searchParams,
      body: parseBody(bodyText),
      headers: req.headers,
    });
    validateRequest('iot', route.operation, input);
    const context: OperationContext = {
      state,
      clock,
      quotas,
      counters,
      onDemandAuditMs,
      auditStarted,
      operation: route.operation,
    };
    const result = route.handler(context, { input });
    stats.answeredBytes += send(res, 200, result ?? {});
  }

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    inFlight += 1;
    handle(req, res)
      .catch((error: unknown) => {
        if (res.headersSent || res.destroyed) return;
        sendError(
          res,
          error instanceof EmulatorError
            ? error
            : error instanceof ModelValidationError
              ? new EmulatorError(error.name, error.status, error.message, { cause: error })
              : new InternalFailureException(String(error), { cause: error }),
        );
      })
      .finally(() => {
        inFlight -= 1;
      });
  }

  return {
    handle: onRequest,
    listen(port = 0, host = '127.0.0.1') {
      server = createServer(onRequest);
      const s = server;
      return new Promise((resolve, reject) => {
        s.once('error', reject);
        s.listen(port, host, () => {
          const address = s.address() as AddressInfo;
          resolve({ url: `http://${host}:${address.port}` });
        });
      });
    },
    close() {
      closed = true;
      const s = server;
      if (s === undefined) return Promise.resolve();
      return new Promise((resolve, reject) => {
        s.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive sockets of SDK clients would hold close() open.
        s.closeAllConnections();
      });
    },
    get inFlight() {
      return inFlight;
    },
    setFaults(config) {
      faults.set(config);
    },
    stats() {
      return {
        operations: structuredClone(operationStats),
        mitigationTasks: { ...counters },
      };
    },
    mitigationTasks() {
      const now = clock.now();
      return [...state.tasks.values()].map((task) => {
        const view = viewTask(task.plan, task.startMs, now, task.cancelMs);
        return {
          taskId: task.taskId,
          auditTaskId:
            task.target.auditTaskId ?? (task.auditTaskIds.length === 1 ? task.auditTaskIds[0] : undefined),
          status: view.status,
          startTime: task.startMs,
          endTime: view.endMs,
          statistics: view.statistics,
        };
      });
    },
    appliedActions() {
      return appliedActions(state, clock.now());
    },
    certificateStatus(certificateId) {
      if (!state.certificates.has(certificateId)) return undefined;
      const deactivated = appliedActions(state, clock.now()).some((a) => {
        const params = a.actionParams.updateDeviceCertificateParams as { action?: string } | undefined;
        return (
          a.actionType === 'UPDATE_DEVICE_CERTIFICATE' &&
          params?.action === 'DEACTIVATE' &&
          a.resourceIdentifier.deviceCertificateId === certificateId
        );
      });
      return deactivated ? 'INACTIVE' : 'ACTIVE';
    },
  };
}
