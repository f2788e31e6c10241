/**
 * The emulator's account: mitigation actions, audits with their findings, and mitigation tasks,
 * seeded from a scenario. Ids the scenario does not give come from a seeded PRNG so runs repeat.
 */
import {
  AUDIT_CHECK_NAMES,
  AUDIT_CHECKS,
  isAuditCheckName,
  type MitigationActionType,
} from '../../core/check-catalog';
import { type Random, randomHex, randomUuid } from '../prng';
import type { Scenario, ScenarioAudit } from '../scenario';
import type { TaskPlan } from './task-model';
import { type MitigationTarget, PARAMS_MEMBER_BY_TYPE } from './validation';

export interface ActionRecord {
  readonly name: string;
  readonly id: string;
  readonly arn: string;
  readonly type: MitigationActionType;
  readonly roleArn: string;
  readonly params: Record<string, unknown>;
  readonly createdMs: number;
}

export interface FindingRecord {
  readonly findingId: string;
  readonly auditTaskId: string;
  readonly checkName: string;
  readonly taskStartMs: number;
  readonly findingMs: number;
  readonly severity: string;
  readonly resourceType: string;
  readonly resourceIdentifier: Record<string, unknown>;
  readonly reasonCode: string;
  readonly suppressed: boolean;
  readonly relatedResources?: readonly RelatedResourceRecord[];
}

export interface RelatedResourceRecord {
  readonly resourceType: string;
  readonly resourceIdentifier: Record<string, unknown>;
  readonly additionalInfo?: Record<string, string>;
}

export interface ThingRecord {
  readonly name: string;
  /** Static groups the thing was added to directly. */
  readonly thingGroups: readonly string[];
  readonly certificateIds: readonly string[];
  readonly attributes: Readonly<Record<string, string>>;
}

export interface ThingGroupRecord {
  readonly name: string;
  readonly parentGroupName?: string;
  /** Direct child groups and direct member things, in scenario order. */
  readonly children: string[];
  readonly things: string[];
}

/**
 * The findings of one check of an audit, by position: an array for a seeded audit; for an on-demand
 * audit a view over the account's resources (OnDemandFindings), each finding built when read.
 */
export interface FindingList {
  readonly length: number;
  at(index: number): FindingRecord | undefined;
}

export interface CheckRecord {
  readonly checkRunStatus: string;
  readonly totalResourcesCount: number;
  readonly errorCode?: string;
  readonly message?: string;
  readonly findings: FindingList;
  /** How many of `findings` are suppressed. */
  readonly suppressedCount: number;
}

/** Every finding of a list, in order (an on-demand audit's are built here). */
export function* findingsOf(list: FindingList): Generator<FindingRecord> {
  for (let i = 0; i < list.length; i++) yield list.at(i) as FindingRecord;
}

/**
 * The positions in `list` of the findings whose resource identifier has every member of `wanted`
 * (ListAuditFindings' resourceIdentifier filter), in order. Each list is indexed by identifier
 * member once, when first asked: a verification asks a fleet-sized audit about a few resources,
 * and building every finding of it for each question would cost the fleet's size per call.
 */
export function positionsNaming(list: FindingList, wanted: Readonly<Record<string, unknown>>): number[] {
  const members = Object.entries(wanted).map(([key, value]) => memberKey(key, value));
  if (members.length === 0) return Array.from({ length: list.length }, (_, i) => i);
  const index = indexOf(
    list instanceof OnDemandFindings ? list.resources : (list as readonly FindingRecord[]),
  );
  // The positions of the first member, kept where every other member names them too (one member,
  // the usual identifier: its positions as they are).
  const [first = [], ...rest] = members.map((member) => index.get(member) ?? []);
  const others = rest.map((positions) => new Set(positions));
  return first.filter((position) => others.every((positions) => positions.has(position)));
}

function memberKey(key: string, value: unknown): string {
  return `${key}\u0000${JSON.stringify(value)}`;
}

/** Positions by identifier member (`memberKey`), per records array (shared by the audits that share it). */
const identifierIndexes = new WeakMap<readonly FindingRecord[], Map<string, number[]>>();

function indexOf(records: readonly FindingRecord[]): Map<string, number[]> {
  let index = identifierIndexes.get(records);
  if (index !== undefined) return index;
  index = new Map();
  records.forEach((record, position) => {
    for (const [key, value] of Object.entries(record.resourceIdentifier)) {
      const member = memberKey(key, value);
      const positions = index?.get(member);
      if (positions) positions.push(position);
      else index?.set(member, [position]);
    }
  });
  identifierIndexes.set(records, index);
  return index;
}

/**
 * An on-demand audit's findings of one check: the account's non-compliant resources of the check
 * (each once, the first finding about it as found), with ids and times of this audit. Built when
 * read: a verification audit of a check that a thousand audits found non-compliant has their
 * thousands of resources, and there is one such audit per mitigated task, so holding each as
 * records would grow with the square of the burst.
 */
class OnDemandFindings implements FindingList {
  constructor(
    /** The resources, as found first; shared by every on-demand audit that finds them all. */
    readonly resources: readonly FindingRecord[],
    private readonly auditTaskId: string,
    private readonly checkName: string,
    private readonly startMs: number,
  ) {}

  get length(): number {
    return this.resources.length;
  }

  at(index: number): FindingRecord | undefined {
    const source = this.resources[index];
    if (source === undefined) return undefined;
    return {
      ...source,
      auditTaskId: this.auditTaskId,
      findingId: generatedFindingId(this.auditTaskId, this.checkName, index + 1),
      taskStartMs: this.startMs,
      findingMs: this.startMs + (index + 1) * 1000,
    };
  }
}

/** The account's non-compliant resources of one check, as the seeded audits found them. */
interface CheckResources {
  /** The first finding about each resource, audits in start order (ties: scenario order). */
  readonly resources: FindingRecord[];
  /** The largest totalResourcesCount of any audit of the check so far, on-demand ones included. */
  totalResourcesCount: number;
}

export interface AuditRecord {
  readonly taskId: string;
  readonly taskType: 'ON_DEMAND_AUDIT_TASK' | 'SCHEDULED_AUDIT_TASK';
  readonly scheduledAuditName?: string;
  readonly startMs: number;
  /** Scenario audits have a fixed status; on-demand audits run until `completesAtMs`. */
  readonly fixedStatus?: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' | 'CANCELED';
  readonly completesAtMs?: number;
  readonly checks: Readonly<Record<string, CheckRecord>>;
}

export interface MitigationTaskRecord {
  readonly taskId: string;
  readonly clientRequestToken: string;
  readonly target: MitigationTarget;
  readonly auditCheckToActionsMapping: Record<string, string[]>;
  readonly actionsDefinition: readonly ActionRecord[];
  readonly startMs: number;
  readonly plan: TaskPlan;
  /** The audits the task's findings come from (the target's audit, or the audits of its findingIds). */
  readonly auditTaskIds: readonly string[];
  cancelMs?: number;
}

/** Default params per action type, for scenario actions that give none. */
function defaultParams(
  type: MitigationActionType,
  accountId: string,
  region: string,
): Record<string, unknown> {
  const member = PARAMS_MEMBER_BY_TYPE[type];
  const value: Record<MitigationActionType, Record<string, unknown>> = {
    UPDATE_DEVICE_CERTIFICATE: { action: 'DEACTIVATE' },
    UPDATE_CA_CERTIFICATE: { action: 'DEACTIVATE' },
    ADD_THINGS_TO_THING_GROUP: { thingGroupNames: ['quarantine'], overrideDynamicGroups: false },
    REPLACE_DEFAULT_POLICY_VERSION: { templateName: 'BLANK_POLICY' },
    ENABLE_IOT_LOGGING: { roleArnForLogging: `arn:aws:iam::${accountId}:role/IoTLogging`, logLevel: 'ERROR' },
    PUBLISH_FINDING_TO_SNS: { topicArn: `arn:aws:sns:${region}:${accountId}:audit-findings` },
  };
  return { [member]: value[type] };
}

/** A resource of the kind the check reports, with identifiers that satisfy the model's patterns. */
function generatedResource(
  checkName: string,
  random: Random,
  accountId: string,
): Pick<FindingRecord, 'resourceType' | 'resourceIdentifier'> {
  if (checkName.startsWith('CA_') || checkName.includes('_CA_CERTIFICATE')) {
    return { resourceType: 'CA_CERTIFICATE', resourceIdentifier: { caCertificateId: randomHex(random, 64) } };
  }
  if (checkName.includes('POLICY')) {
    return {
      resourceType: 'IOT_POLICY',
      resourceIdentifier: {
        policyVersionIdentifier: { policyName: `policy-${randomHex(random, 6)}`, policyVersionId: '1' },
      },
    };
  }
  if (checkName.includes('COGNITO')) {
    return {
      resourceType: 'COGNITO_IDENTITY_POOL',
      resourceIdentifier: { cognitoIdentityPoolId: `us-east-1:${randomUuid(random)}` },
    };
  }
  if (checkName.includes('ROLE_ALIAS')) {
    return {
      resourceType: 'ROLE_ALIAS',
      resourceIdentifier: {
        roleAliasArn: `arn:aws:iot:us-east-1:${accountId}:rolealias/alias-${randomHex(random, 6)}`,
      },
    };
  }
  if (checkName.includes('CLIENT_ID'))
    return { resourceType: 'CLIENT_ID', resourceIdentifier: { clientId: `client-${randomHex(random, 8)}` } };
  if (checkName === 'LOGGING_DISABLED_CHECK')
    return { resourceType: 'ACCOUNT_SETTINGS', resourceIdentifier: { account: accountId } };
  return {
    resourceType: 'DEVICE_CERTIFICATE',
    resourceIdentifier: { deviceCertificateId: randomHex(random, 64) },
  };
}

/** `${auditTaskId}-${check}-${n}`: it fits the finding-id pattern and length (40 + 1 + 59 + 1 + digits < 128). */
export function generatedFindingId(auditTaskId: string, checkName: string, n: number): string {
  const id = `${auditTaskId}-${checkName}-${n}`.replace(/[^a-zA-Z0-9_-]/g, '_');
  return id.length <= 128 ? id : `${id.slice(0, 120)}-${n}`;
}

function severityOf(checkName: string, given: string | undefined): string {
  return given ?? (isAuditCheckName(checkName) ? AUDIT_CHECKS[checkName].severity : 'MEDIUM');
}

function reasonCodeOf(checkName: string, n: number): string {
  const codes: readonly string[] = isAuditCheckName(checkName)
    ? AUDIT_CHECKS[checkName].reasonCodes
    : ['NON_COMPLIANT'];
  return codes[n % codes.length] ?? 'NON_COMPLIANT';
}

export class EmulatorState {
  readonly accountId: string;
  readonly region: string;
  readonly workMs: number;
  readonly enabledChecks: readonly string[];
  readonly actions = new Map<string, ActionRecord>();
  readonly audits = new Map<string, AuditRecord>();
  /** The seeded audits' findings by id (an on-demand audit's are found by `finding`). */
  readonly #seededFindings = new Map<string, FindingRecord>();
  /** On-demand audits by id, for `finding`. */
  readonly #onDemandAudits = new Map<string, AuditRecord>();
  /** On-demand audits in progress, and maybe some that ended since (onDemandAuditsInProgress). */
  readonly #runningOnDemandAudits = new Set<AuditRecord>();
  /** Per check, what an on-demand audit finds (startOnDemandAudit). */
  readonly #resourcesByCheck = new Map<string, CheckResources>();
  readonly tasks = new Map<string, MitigationTaskRecord>();
  /** Every task in progress, and maybe some that ended since (see inProgressTaskCount). */
  readonly inProgressTasks = new Set<MitigationTaskRecord>();
  readonly things = new Map<string, ThingRecord>();
  readonly thingGroups = new Map<string, ThingGroupRecord>();
  /** Every certificate id the account has (from things and findings), with the things it is attached to. */
  readonly certificates = new Map<string, string[]>();

  constructor(
    readonly scenario: Scenario,
    private readonly ids: Random,
    nowMs: number,
  ) {
    this.accountId = scenario.accountId;
    this.region = scenario.region;
    this.workMs = scenario.workSecondsPerFinding * 1000;
    this.enabledChecks = scenario.enabledChecks ?? AUDIT_CHECK_NAMES;
    for (const action of scenario.mitigationActions) {
      this.addAction({
        name: action.name,
        type: action.type,
        roleArn: action.roleArn ?? `arn:aws:iam::${this.accountId}:role/IoTMitigationRole`,
        params: action.params ?? defaultParams(action.type, this.accountId, this.region),
        createdMs: nowMs,
      });
    }
    for (const group of scenario.thingGroups) {
      this.thingGroups.set(group.name, {
        name: group.name,
        parentGroupName: group.parentGroupName,
        children: [],
        things: [],
      });
    }
    for (const group of scenario.thingGroups) {
      if (group.parentGroupName !== undefined)
        this.thingGroups.get(group.parentGroupName)?.children.push(group.name);
    }
    for (const thing of scenario.things) {
      const thingGroups = [...new Set(thing.thingGroups)];
      const certificateIds = [...new Set(thing.certificateIds)];
      this.things.set(thing.name, {
        name: thing.name,
        thingGroups,
        certificateIds,
        attributes: thing.attributes ?? {},
      });
      for (const group of thingGroups) this.thingGroups.get(group)?.things.push(thing.name);
      for (const id of certificateIds) {
        const attached = this.certificates.get(id) ?? [];
        attached.push(thing.name);
        this.certificates.set(id, attached);
      }
    }
    for (const audit of scenario.audits) {
      this.#addSeededAudit({
        taskId: audit.taskId,
        taskType: audit.taskType,
        scheduledAuditName: audit.scheduledAuditName,
        startMs: audit.taskStartTime * 1000,
        fixedStatus: audit.taskStatus,
        checks: this.#buildChecks(audit.taskId, audit.taskStartTime * 1000, audit.checks, true),
      });
    }
    this.#indexResources();
  }

  /**
   * The resources each check of the seeded audits found (an on-demand audit only finds these again:
   * in the emulator nothing else makes a resource non-compliant), built once.
   */
  #indexResources(): void {
    const seen = new Map<string, Set<string>>();
    const earlier = [...this.audits.values()].sort((a, b) => a.startMs - b.startMs);
    for (const audit of earlier) {
      for (const [checkName, check] of Object.entries(audit.checks)) {
        let entry = this.#resourcesByCheck.get(checkName);
        if (entry === undefined) {
          entry = { resources: [], totalResourcesCount: 0 };
          this.#resourcesByCheck.set(checkName, entry);
        }
        const keys = seen.get(checkName) ?? new Set<string>();
        seen.set(checkName, keys);
        entry.totalResourcesCount = Math.max(entry.totalResourcesCount, check.totalResourcesCount);
        for (const f of findingsOf(check.findings)) {
          // A finding that names no resource (a scenario's bare finding) is one resource of its own.
          if (Object.keys(f.resourceIdentifier).length > 0) {
            const resource = JSON.stringify([f.resourceType, f.resourceIdentifier]);
            if (keys.has(resource)) continue;
            keys.add(resource);
          }
          entry.resources.push(f);
        }
      }
    }
  }

  /**
   * On-demand audits in progress at `nowMs`. Only audits in progress at the last count can still be
   * (an audit runs from its start), so the count drops those that ended instead of reading every audit.
   */
  onDemandAuditsInProgress(nowMs: number): number {
    for (const audit of this.#runningOnDemandAudits) {
      if (auditStatus(audit, nowMs) !== 'IN_PROGRESS') this.#runningOnDemandAudits.delete(audit);
    }
    return this.#runningOnDemandAudits.size;
  }

  /** A finding by id, of a seeded or an on-demand audit. */
  finding(findingId: string): FindingRecord | undefined {
    const seeded = this.#seededFindings.get(findingId);
    if (seeded !== undefined) return seeded;
    // An on-demand audit's ids are `${auditTaskId}-${check}-${n}` (generatedFindingId), never cut:
    // its audit id is 32 characters.
    const audit = this.#onDemandAudits.get(findingId.slice(0, 32));
    if (audit === undefined) return undefined;
    for (const [checkName, check] of Object.entries(audit.checks)) {
      const prefix = generatedFindingId(audit.taskId, checkName, 0).slice(0, -1);
      if (!findingId.startsWith(prefix)) continue;
      const n = findingId.slice(prefix.length);
      if (!/^[1-9][0-9]*$/.test(n)) continue;
      const finding = check.findings.at(Number(n) - 1);
      if (finding?.findingId === findingId) return finding;
    }
    return undefined;
  }

  newUuid(): string {
    return randomUuid(this.ids);
  }

  newAuditTaskId(): string {
    // The docs' sample audit ids are 32 lowercase hex characters.
    return randomHex(this.ids, 32);
  }

  addAction(input: Omit<ActionRecord, 'id' | 'arn'>): ActionRecord {
    const record: ActionRecord = {
      ...input,
      id: this.newUuid(),
      arn: `arn:aws:iot:${this.region}:${this.accountId}:mitigationaction/${input.name}`,
    };
    this.actions.set(record.name, record);
    return record;
  }

  #addSeededAudit(audit: AuditRecord): void {
    this.audits.set(audit.taskId, audit);
    for (const check of Object.values(audit.checks)) {
      for (const finding of findingsOf(check.findings)) {
        this.#seededFindings.set(finding.findingId, finding);
        // A finding on a device certificate implies the certificate exists in the account.
        const certificateId = finding.resourceIdentifier.deviceCertificateId;
        if (typeof certificateId === 'string' && !this.certificates.has(certificateId))
          this.certificates.set(certificateId, []);
      }
    }
  }

  certificateArn(certificateId: string): string {
    return `arn:aws:iot:${this.region}:${this.accountId}:cert/${certificateId}`;
  }

  /**
   * The things of a group and, with `recursive`, of its descendants (depth first, each thing once).
   * Cost: linear in the groups and memberships visited.
   */
  thingsInGroup(group: ThingGroupRecord, recursive: boolean): string[] {
    if (!recursive) return [...group.things];
    const out = new Set<string>();
    const stack = [group.name];
    const visited = new Set<string>();
    while (stack.length > 0) {
      const name = stack.pop() as string;
      if (visited.has(name)) continue;
      visited.add(name);
      const current = this.thingGroups.get(name);
      if (current === undefined) continue;
      for (const thing of current.things) out.add(thing);
      stack.push(...[...current.children].reverse());
    }
    return [...out];
  }

  /**
   * Checks of an audit from scenario check definitions. With `keepIds` the scenario's explicit
   * finding ids are used (seeded audits); an on-demand audit re-runs a template, so all its findings
   * get ids derived from the new audit id.
   */
  #buildChecks(
    auditTaskId: string,
    startMs: number,
    checks: ScenarioAudit['checks'],
    keepIds: boolean,
  ): Record<string, CheckRecord> {
    const out: Record<string, CheckRecord> = {};
    for (const [checkName, check] of Object.entries(checks)) {
      const findings: FindingRecord[] = [];
      const common = { auditTaskId, checkName, taskStartMs: startMs };
      check.findings.forEach((f, index) => {
        findings.push({
          ...common,
          findingId: keepIds ? f.findingId : generatedFindingId(auditTaskId, checkName, index + 1),
          findingMs: startMs + (index + 1) * 1000,
          severity: severityOf(checkName, f.severity),
          resourceType: f.resourceType,
          resourceIdentifier: f.resourceIdentifier,
          reasonCode: f.reasonCode,
          suppressed: f.suppressed,
          ...(f.relatedResources !== undefined ? { relatedResources: f.relatedResources } : {}),
        });
      });
      for (let i = 0; i < check.generateFindings; i++) {
        const n = check.findings.length + i + 1;
        findings.push({
          ...common,
          findingId: generatedFindingId(auditTaskId, checkName, n),
          findingMs: startMs + n * 1000,
          severity: severityOf(checkName, undefined),
          ...generatedResource(checkName, this.ids, this.accountId),
          reasonCode: reasonCodeOf(checkName, i),
          suppressed: false,
        });
      }
      out[checkName] = {
        checkRunStatus: check.checkRunStatus,
        totalResourcesCount: Math.max(check.totalResourcesCount, findings.length),
        errorCode: check.errorCode,
        message: check.message,
        findings,
        suppressedCount: findings.filter((f) => f.suppressed).length,
      };
    }
    return out;
  }

  /**
   * An on-demand audit of `checkNames`. A check finds every resource any earlier audit found
   * non-compliant for it, each once, less those `isRemediated` says a mitigation made compliant
   * (remediated-resources.ts): in the emulator nothing but a mitigation fixes a resource, so the
   * resources are those of the seeded audits (#indexResources). The findings get new ids; a check
   * left with no finding is compliant, and so is a check no audit has.
   * Cost: one remediation test per resource of the checks; the findings are built when read.
   */
  startOnDemandAudit(
    checkNames: readonly string[],
    nowMs: number,
    durationMs: number,
    isRemediated: (finding: FindingRecord) => boolean = () => false,
  ): AuditRecord {
    const taskId = this.newAuditTaskId();
    const checks: Record<string, CheckRecord> = {};
    for (const checkName of checkNames) {
      const entry = this.#resourcesByCheck.get(checkName);
      const all = entry?.resources ?? [];
      // The common case (nothing of the check remediated) shares the list instead of copying it.
      const left = all.some(isRemediated) ? all.filter((f) => !isRemediated(f)) : all;
      const findings = new OnDemandFindings(left, taskId, checkName, nowMs);
      const totalResourcesCount = Math.max(entry?.totalResourcesCount ?? 0, left.length);
      if (entry !== undefined) entry.totalResourcesCount = totalResourcesCount;
      checks[checkName] = {
        checkRunStatus: left.length > 0 ? 'COMPLETED_NON_COMPLIANT' : 'COMPLETED_COMPLIANT',
        totalResourcesCount,
        findings,
        suppressedCount: left.filter((f) => f.suppressed).length,
      };
    }
    const audit: AuditRecord = {
      taskId,
      taskType: 'ON_DEMAND_AUDIT_TASK',
      startMs: nowMs,
      completesAtMs: nowMs + durationMs,
      checks,
    };
    // Not addAudit: its findings are built when read, about resources the seeded audits found.
    this.audits.set(taskId, audit);
    this.#onDemandAudits.set(taskId, audit);
    this.#runningOnDemandAudits.add(audit);
    return audit;
  }
}

/** The status of an audit at `nowMs`. */
export function auditStatus(
  audit: AuditRecord,
  nowMs: number,
): 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' | 'CANCELED' {
  if (audit.fixedStatus !== undefined) return audit.fixedStatus;
  return audit.completesAtMs !== undefined && nowMs < audit.completesAtMs ? 'IN_PROGRESS' : 'COMPLETED';
}

/** A check's run status at `nowMs`: IN_PROGRESS while its on-demand audit runs. */
export function checkRunStatus(audit: AuditRecord, check: CheckRecord, nowMs: number): string {
  return auditStatus(audit, nowMs) === 'IN_PROGRESS' && audit.fixedStatus === undefined
    ? 'IN_PROGRESS'
    : check.checkRunStatus;
}
