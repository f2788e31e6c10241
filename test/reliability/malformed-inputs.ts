import fc from 'fast-check';
import {
  AUDIT_CHECKS,
  AUDIT_COMPLETED_DETAIL_TYPE,
  isActionTypeCompatible,
  isAuditCheckName,
  LEGACY_CHECK_NAMES,
  MITIGATION_ACTION_TYPES,
  toApiCheckName,
} from '../../src/core';
import { readJson } from '../fixtures';

/**
 * Generators of malformed audit events and remediation configs, each made invalid in exactly one
 * place by construction, with the path (as the core formats it) where the problem must be reported.
 */
export interface Malformed {
  readonly input: unknown;
  /** `a.b[2].c`; '' for the root. */
  readonly path: string;
  /** What was broken, for failure messages. */
  readonly mutation: string;
}

type Json = Record<string, unknown>;

const clone = <T>(value: T): T => structuredClone(value);
const isRecord = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const join = (prefix: string, path: string) => (prefix === '' ? path : `${prefix}.${path}`);

/** JSON values that are not strings. */
const notString = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.array(fc.nat(), { maxLength: 2 }),
  fc.dictionary(fc.stringMatching(/^[a-z]{1,3}$/), fc.nat(), { maxKeys: 2 }),
);
const badEnum = (values: readonly string[]) =>
  fc.oneof(
    fc.string({ maxLength: 30 }).filter((s) => !values.includes(s)),
    notString,
  );
/** Not a non-negative integer. */
const badCount = fc.oneof(
  fc.integer({ max: -1 }),
  fc.double({ min: 0.001, max: 1e6, noNaN: true }).filter((n) => !Number.isInteger(n)),
  fc.string({ maxLength: 10 }),
  fc.constant(null),
);
const badAuditTaskId = fc.oneof(
  fc.string({ minLength: 41, maxLength: 60 }),
  fc.string({ maxLength: 40 }).filter((s) => !/^[a-zA-Z0-9-]{1,40}$/.test(s)),
  notString,
);
const badAccountId = fc.oneof(
  fc.string({ maxLength: 20 }).filter((s) => !/^\d{12}$/.test(s)),
  notString,
);
const notObject = fc.oneof(fc.constant(null), fc.string({ maxLength: 10 }), fc.integer(), fc.boolean());
const notArray = fc.oneof(
  notObject,
  fc.dictionary(fc.stringMatching(/^[a-z]{1,3}$/), fc.nat(), { maxKeys: 2 }),
);
const notAnObjectAtAll = fc.oneof(notObject, fc.array(fc.jsonValue(), { maxLength: 3 })).map((input) => ({
  input,
  path: '',
  mutation: 'not an object',
}));

// ---------------------------------------------------------------------------------------------
// Audit events

const NOTIFICATION_FIELDS: Readonly<Record<string, fc.Arbitrary<unknown>>> = {
  accountId: badAccountId,
  taskId: badAuditTaskId,
  taskStatus: badEnum(['FAILED', 'CANCELED', 'COMPLETED']),
  taskType: badEnum(['ON_DEMAND_AUDIT_TASK', 'SCHEDULED_AUDIT_TASK']),
  scheduledAuditName: notString,
  failedChecksCount: badCount,
  canceledChecksCount: badCount,
  nonCompliantChecksCount: badCount,
  compliantChecksCount: badCount,
  totalChecksCount: badCount,
  taskStartTime: badCount,
  auditDetails: notArray,
};
const OPTIONAL_NOTIFICATION_FIELDS: ReadonlySet<string> = new Set(['scheduledAuditName']);

const CHECK_DETAIL_FIELDS: Readonly<Record<string, fc.Arbitrary<unknown>>> = {
  // A name the catalog does not know is an unknown check (skipped, not refused): only what cannot be
  // a check name at all is malformed.
  checkName: fc.oneof(
    fc.string({ maxLength: 50 }).filter((name) => !/^[A-Za-z0-9_]{1,128}$/.test(name)),
    fc.stringMatching(/^[A-Z_]{129,140}$/),
    notString,
  ),
  checkRunStatus: badEnum(['FAILED', 'CANCELED', 'COMPLETED_COMPLIANT', 'COMPLETED_NON_COMPLIANT']),
  nonCompliantResourcesCount: badCount,
  totalResourcesCount: badCount,
  suppressedNonCompliantResourcesCount: badCount,
  message: notString,
  errorCode: badEnum(['INSUFFICIENT_PERMISSIONS', 'AUDIT_CHECK_DISABLED']),
};
const OPTIONAL_CHECK_FIELDS: ReadonlySet<string> = new Set([
  'suppressedNonCompliantResourcesCount',
  'message',
  'errorCode',
]);

/** One field set to a value of the wrong kind, or (when required) removed. */
function fieldMutation(
  fields: Readonly<Record<string, fc.Arbitrary<unknown>>>,
  optional: ReadonlySet<string>,
) {
  return fc.constantFrom(...Object.keys(fields)).chain((field) =>
    fc.record({
      field: fc.constant(field),
      value: fields[field] ?? fc.constant(null),
      remove: optional.has(field) ? fc.constant(false) : fc.boolean(),
    }),
  );
}

function applyField(
  target: Json,
  { field, value, remove }: { field: string; value: unknown; remove: boolean },
) {
  if (remove) delete target[field];
  else target[field] = value;
  return remove ? 'removed' : 'set';
}

/** A notification payload broken in one place; the path is relative to the payload. */
function brokenNotification(notification: Json): fc.Arbitrary<Malformed> {
  const details = Array.isArray(notification.auditDetails) ? notification.auditDetails : [];
  const topLevel = fieldMutation(NOTIFICATION_FIELDS, OPTIONAL_NOTIFICATION_FIELDS).map((m) => {
    const input = clone(notification);
    return { input, path: m.field, mutation: `${applyField(input, m)} ${m.field}` };
  });
  if (details.length === 0) return topLevel;
  const inCheck = fc
    .tuple(fc.nat(details.length - 1), fieldMutation(CHECK_DETAIL_FIELDS, OPTIONAL_CHECK_FIELDS))
    .map(([index, m]) => {
      const input = clone(notification);
      const entry = (input.auditDetails as Json[])[index] as Json;
      const path = `auditDetails[${index}].${m.field}`;
      return { input, path, mutation: `${applyField(entry, m)} ${path}` };
    });
  return fc.oneof(topLevel, inCheck);
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * Malformed inputs built from the valid sample events: the EventBridge event (its envelope or its
 * detail broken), the raw notification, the SNS event, the minimal `{ taskId }` event, and inputs
 * that are not objects at all.
 */
export function malformedAuditEvents(samples: readonly unknown[]): fc.Arbitrary<Malformed> {
  const eventBridge = samples.filter((s): s is Json => isRecord(s) && isRecord(s.detail));
  const full = eventBridge.filter((e) => 'auditDetails' in (e.detail as Json));
  const minimal = eventBridge.filter((e) => !('auditDetails' in (e.detail as Json)));
  const sns = samples.find((s): s is { Records: [Json] } => isRecord(s) && Array.isArray(s.Records));
  if (full.length === 0 || minimal.length === 0 || sns === undefined) {
    throw new Error('events/ lacks a full, a minimal or an SNS sample event');
  }
  const notifications = full.map((e) => e.detail as Json);
  const snsWith = (message: unknown): unknown => {
    const event = clone(sns);
    event.Records[0] = { ...event.Records[0], Sns: { ...(event.Records[0].Sns as Json), Message: message } };
    return event;
  };

  return fc.oneof(
    // The EventBridge event whose detail (the notification) is broken in one place.
    fc
      .constantFrom(...full)
      .chain((event) =>
        brokenNotification(event.detail as Json).map((m) => ({
          input: { ...clone(event), detail: m.input },
          path: join('detail', m.path),
          mutation: `event: ${m.mutation}`,
        })),
      ),
    // The raw notification payload.
    fc
      .constantFrom(...notifications)
      .chain(brokenNotification)
      .map((m) => ({ ...m, mutation: `raw: ${m.mutation}` })),
    // The SNS event: a broken notification, a message that is not JSON or not a string, not one record.
    fc
      .constantFrom(...notifications)
      .chain(brokenNotification)
      .map((m) => ({
        input: snsWith(JSON.stringify(m.input)),
        path: join('Sns.Message', m.path),
        mutation: `sns: ${m.mutation}`,
      })),
    fc
      .string({ maxLength: 20 })
      .filter((text) => !isJson(text))
      .map((text) => ({ input: snsWith(text), path: 'Sns.Message', mutation: 'sns: message not JSON' })),
    notString.map((message) => ({
      input: snsWith(message),
      path: 'Sns.Message',
      mutation: 'sns: message not a string',
    })),
    fc.constantFrom(0, 2, 3).map((count) => ({
      input: { Records: Array.from({ length: count }, () => sns.Records[0]) },
      path: 'Records',
      mutation: `sns: ${count} records`,
    })),
    // The envelope.
    fc
      .tuple(fc.constantFrom(...eventBridge), badEnum([AUDIT_COMPLETED_DETAIL_TYPE]))
      .map(([event, value]) => ({
        input: { ...clone(event), 'detail-type': value },
        path: 'detail-type',
        mutation: 'envelope: detail-type',
      })),
    fc.tuple(fc.constantFrom(...eventBridge), fc.oneof(fc.constant(''), notString)).map(([event, value]) => ({
      input: { ...clone(event), source: value },
      path: 'source',
      mutation: 'envelope: source',
    })),
    fc.tuple(fc.constantFrom(...eventBridge), notObject).map(([event, value]) => ({
      input: { ...clone(event), detail: value },
      path: 'detail',
      mutation: 'envelope: detail not an object',
    })),
    // The minimal event: the audit task id, and optionally the account id.
    fc
      .tuple(fc.constantFrom(...minimal), badAuditTaskId)
      .map(([event, taskId]) => ({
        input: { ...clone(event), detail: { taskId } },
        path: 'detail.taskId',
        mutation: 'minimal: taskId',
      })),
    fc.tuple(fc.constantFrom(...minimal), badAccountId).map(([event, accountId]) => ({
      input: { ...clone(event), detail: { ...(event.detail as Json), accountId } },
      path: 'detail.accountId',
      mutation: 'minimal: accountId',
    })),
    notAnObjectAtAll,
  );
}

// ---------------------------------------------------------------------------------------------
// Remediation configs

const actionName = fc.stringMatching(/^[a-zA-Z0-9_-]{1,20}$/);
const badActionName = fc.string({ maxLength: 30 }).filter((s) => !/^[a-zA-Z0-9_-]{1,128}$/.test(s));
const unknownKey = (known: readonly string[]) =>
  fc.stringMatching(/^[a-z][a-zA-Z]{0,15}$/).filter((key) => !known.includes(key));

/** Every (check, action index, type) where declaring that action of that type breaks the check. */
function incompatibleActionTypes(checks: Readonly<Record<string, { actions: string[] }>>) {
  return Object.entries(checks).flatMap(([name, { actions }]) =>
    actions.flatMap((action, index) =>
      MITIGATION_ACTION_TYPES.filter((type) => !isActionTypeCompatible(name, type)).map((type) => ({
        name,
        index,
        action,
        type,
      })),
    ),
  );
}

/** Malformed configs built from a valid one (config/remediation.json), each broken in one place. */
export function malformedConfigs(
  base: Json = readJson('config/remediation.json') as Json,
): fc.Arbitrary<Malformed> {
  const checks = base.checks as Record<string, { actions: string[] }>;
  const checkNames = Object.keys(checks).filter(isAuditCheckName);
  const check = (config: Json, name: string) => (config.checks as Record<string, Json>)[name] as Json;
  const broken = (mutate: (config: Json) => unknown, path: string, mutation: string): Malformed => {
    const input = clone(base);
    mutate(input);
    return { input, path, mutation };
  };
  const checkArb = fc.constantFrom(...checkNames);

  return fc.oneof(
    // Top level.
    badEnum(['apply', 'dry-run']).map((mode) => broken((c) => Object.assign(c, { mode }), 'mode', 'mode')),
    fc
      .oneof(fc.constant<unknown>([]), notArray)
      .map((statuses) =>
        broken((c) => Object.assign(c, { acceptAuditStatuses: statuses }), 'acceptAuditStatuses', 'statuses'),
      ),
    badEnum(['COMPLETED', 'FAILED', 'CANCELED']).map((status) =>
      broken(
        (c) => Object.assign(c, { acceptAuditStatuses: ['COMPLETED', status] }),
        'acceptAuditStatuses[1]',
        'status',
      ),
    ),
    fc
      .tuple(unknownKey([...Object.keys(base), 'mode', 'acceptAuditStatuses', 'actionTypes']), fc.jsonValue())
      .map(([key, value]) => broken((c) => Object.assign(c, { [key]: value }), key, `unknown key ${key}`)),
    fc
      .oneof(notObject, fc.array(fc.nat(), { maxLength: 2 }))
      .map((value) => broken((c) => Object.assign(c, { checks: value }), 'checks', 'checks')),
    // Check names: unknown, or legacy.
    fc
      .tuple(
        fc.stringMatching(/^[A-Z][A-Z_]{2,40}$/).filter((name) => toApiCheckName(name) === undefined),
        checkArb,
      )
      .map(([name, from]) =>
        broken(
          (c) => Object.assign(c.checks as Json, { [name]: check(c, from) }),
          `checks.${name}`,
          'unknown check',
        ),
      ),
    fc
      .constantFrom(...Object.keys(LEGACY_CHECK_NAMES))
      .map((legacy) =>
        broken(
          (c) => Object.assign(c.checks as Json, { [legacy]: { actions: ['PublishFindingToSns'] } }),
          `checks.${legacy}`,
          'legacy check name',
        ),
      ),
    // The actions of one check: none, too many, twice the same, not a list, a bad name, left out.
    fc
      .tuple(
        checkArb,
        fc.oneof(
          fc.constant<unknown>([]),
          fc.uniqueArray(actionName, { minLength: 6, maxLength: 8 }),
          actionName.map((a) => [a, a]),
          notArray,
        ),
      )
      .map(([name, actions]) =>
        broken((c) => Object.assign(check(c, name), { actions }), `checks.${name}.actions`, 'actions'),
      ),
    fc
      .tuple(checkArb, badActionName)
      .map(([name, bad]) =>
        broken(
          (c) => Object.assign(check(c, name), { actions: [bad] }),
          `checks.${name}.actions[0]`,
          'action name',
        ),
      ),
    checkArb.map((name) =>
      broken((c) => delete check(c, name).actions, `checks.${name}.actions`, 'actions left out'),
    ),
    // Reason codes: none, or one that the check does not have.
    checkArb.map((name) =>
      broken(
        (c) => Object.assign(check(c, name), { reasonCodes: [] }),
        `checks.${name}.reasonCodes`,
        'no reason codes',
      ),
    ),
    fc
      .tuple(checkArb, fc.stringMatching(/^[A-Z][A-Z_-]{1,30}$/))
      .filter(([name, code]) => !(AUDIT_CHECKS[name].reasonCodes as readonly string[]).includes(code))
      .map(([name, code]) =>
        broken(
          (c) => Object.assign(check(c, name), { reasonCodes: [code] }),
          `checks.${name}.reasonCodes[0]`,
          'reason code',
        ),
      ),
    // Guardrail and unknown keys of one check.
    fc
      .tuple(checkArb, badCount)
      .map(([name, max]) =>
        broken(
          (c) => Object.assign(check(c, name), { maxNonCompliantResources: max }),
          `checks.${name}.maxNonCompliantResources`,
          'guardrail',
        ),
      ),
    fc
      .tuple(checkArb, unknownKey(['actions', 'reasonCodes', 'maxNonCompliantResources']), fc.jsonValue())
      .map(([name, key, value]) =>
        broken(
          (c) => Object.assign(check(c, name), { [key]: value }),
          `checks.${name}.${key}`,
          'unknown key',
        ),
      ),
    // Action types: not a type, or a type that the check cannot use.
    fc
      .tuple(checkArb, badEnum(MITIGATION_ACTION_TYPES))
      .map(([name, type]) => {
        const action = checks[name]?.actions[0] ?? '';
        return broken(
          (c) => Object.assign(c.actionTypes as Json, { [action]: type }),
          `actionTypes.${action}`,
          'action type',
        );
      }),
    fc
      .constantFrom(...incompatibleActionTypes(checks))
      .map(({ name, index, action, type }) =>
        broken(
          (c) => Object.assign(c.actionTypes as Json, { [action]: type }),
          `checks.${name}.actions[${index}]`,
          'incompatible action type',
        ),
      ),
    notAnObjectAtAll,
  );
}
