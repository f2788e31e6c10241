import { toApiCheckName } from './check-catalog';
import { InvalidEventError, InvalidJsonError, type Problem } from './errors';
import { parseStrictJson } from './strict-json';
import { AUDIT_COMPLETED_DETAIL_TYPE } from './workflow-input';
import * as z from './zod';
import { formatPath, toProblems } from './zod-problems';

const AUDIT_TASK_ID = /^[a-zA-Z0-9-]{1,40}$/;
const AuditTaskIdSchema = z
  .string()
  .check(z.regex(AUDIT_TASK_ID, 'must be 1 to 40 characters of [a-zA-Z0-9-] (an audit task id)'));

/**
 * A check name as the notification carries it; legacy names become API names. A name the catalog
 * does not know is kept as it is: AWS adds checks over time, and one unknown check must not reject
 * the whole audit (the planner reports it as skipped). It still has to look like a check name, since
 * it reaches logs, metric dimensions and the finished event.
 */
const CheckNameSchema = z.pipe(
  z
    .string()
    .check(
      z.regex(/^[A-Za-z0-9_]{1,128}$/, 'must be 1 to 128 characters of [A-Za-z0-9_] (an audit check name)'),
    ),
  z.transform((name) => toApiCheckName(name) ?? name),
);

const CountSchema = z.number().check(z.int(), z.nonnegative());

/** One entry of `auditDetails`: the result of one check in the audit. */
export const AuditCheckDetailSchema = z.object({
  checkName: CheckNameSchema,
  checkRunStatus: z.enum(['FAILED', 'CANCELED', 'COMPLETED_COMPLIANT', 'COMPLETED_NON_COMPLIANT']),
  nonCompliantResourcesCount: CountSchema,
  totalResourcesCount: CountSchema,
  // The suppression docs say the notification carries a suppressed count; its name is unconfirmed.
  suppressedNonCompliantResourcesCount: z.optional(CountSchema),
  message: z.optional(z.string()),
  errorCode: z.optional(z.enum(['INSUFFICIENT_PERMISSIONS', 'AUDIT_CHECK_DISABLED'])),
});

/**
 * The Device Defender audit notification (schema `arn:aws:iot:::schema:auditnotification/1.0`), as
 * SNS delivers it. `auditDetails` is an array and `taskStartTime` is epoch MILLISECONDS, unlike the
 * API's seconds. Unknown fields are kept out, not refused: AWS may add some.
 */
export const AuditNotificationSchema = z.object({
  accountId: z.string().check(z.regex(/^\d{12}$/, 'must be a 12-digit AWS account id')),
  taskId: AuditTaskIdSchema,
  taskStatus: z.enum(['FAILED', 'CANCELED', 'COMPLETED']),
  taskType: z.enum(['ON_DEMAND_AUDIT_TASK', 'SCHEDULED_AUDIT_TASK']),
  scheduledAuditName: z.optional(z.string()),
  failedChecksCount: CountSchema,
  canceledChecksCount: CountSchema,
  nonCompliantChecksCount: CountSchema,
  compliantChecksCount: CountSchema,
  totalChecksCount: CountSchema,
  taskStartTime: z.number().check(z.int(), z.nonnegative()),
  auditDetails: z.array(AuditCheckDetailSchema),
});

export type AuditNotification = z.infer<typeof AuditNotificationSchema>;
export type AuditCheckDetail = z.infer<typeof AuditCheckDetailSchema>;

/** The detail of a minimal audit-completion event: only the audit task id; the checks come from DescribeAuditTask. */
export const MinimalAuditDetailSchema = z.object({
  taskId: AuditTaskIdSchema,
  accountId: z.optional(z.string().check(z.regex(/^\d{12}$/))),
});

/** The EventBridge envelope of an audit-completion event (the fields the workflow reads). */
export const AuditCompletedEventSchema = z.object({
  'detail-type': z.literal(AUDIT_COMPLETED_DETAIL_TYPE),
  source: z.string().check(z.minLength(1)),
  id: z.optional(z.string()),
  account: z.optional(z.string()),
  time: z.optional(z.string()),
  'replay-name': z.optional(z.string()),
  detail: z.unknown(),
});

/**
 * What the workflow learnt from an audit-completion input. `envelopeAccount` is the EventBridge
 * envelope's `account` (the account that put the event), when the input came in one.
 */
export type AuditCompletion =
  | {
      readonly kind: 'notification';
      readonly notification: AuditNotification;
      readonly envelopeAccount?: string;
    }
  | {
      readonly kind: 'audit-task-id';
      readonly auditTaskId: string;
      readonly accountId?: string;
      readonly envelopeAccount?: string;
    };

function fail(problems: Problem[]): never {
  throw new InvalidEventError(problems);
}

function parseJsonString(text: string, path: string): unknown {
  try {
    return parseStrictJson(text, path);
  } catch (error) {
    if (error instanceof InvalidJsonError) return fail([...error.problems]);
    throw error;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses a notification payload or a minimal `{ taskId }` detail found at `path`. */
function parseDetail(detail: unknown, path: string): AuditCompletion {
  // Minimal: nothing but the audit task id (and the account). Anything more is read as a notification,
  // so that a notification missing fields is reported as such.
  const keys = isObject(detail) ? Object.keys(detail) : [];
  if (keys.includes('taskId') && keys.every((key) => key === 'taskId' || key === 'accountId')) {
    const minimal = MinimalAuditDetailSchema.safeParse(detail);
    if (!minimal.success) fail(toProblems(minimal.error, path));
    return { kind: 'audit-task-id', auditTaskId: minimal.data.taskId, accountId: minimal.data.accountId };
  }
  const parsed = AuditNotificationSchema.safeParse(detail);
  if (!parsed.success) fail(toProblems(parsed.error, path));
  const repeated = repeatedChecks(parsed.data.auditDetails, detail, path);
  if (repeated.length > 0) fail(repeated);
  return { kind: 'notification', notification: parsed.data };
}

/**
 * A check named twice in `auditDetails` (also an API name and its legacy name): refused, since
 * counts split over two entries could each pass a guardrail that their sum breaks.
 */
function repeatedChecks(details: readonly AuditCheckDetail[], raw: unknown, path: string): Problem[] {
  const rawDetails = isObject(raw) && Array.isArray(raw.auditDetails) ? raw.auditDetails : [];
  const firstIndex = new Map<string, number>();
  const problems: Problem[] = [];
  details.forEach((detail, index) => {
    const first = firstIndex.get(detail.checkName);
    if (first === undefined) {
      firstIndex.set(detail.checkName, index);
      return;
    }
    const rawEntry: unknown = rawDetails[index];
    const rawName = isObject(rawEntry) ? rawEntry.checkName : undefined;
    const name = rawName !== detail.checkName ? `${String(rawName)} (${detail.checkName})` : detail.checkName;
    problems.push({
      path: formatPath(['auditDetails', index, 'checkName'], path),
      message: `${name} appears twice (also auditDetails[${first}])`,
    });
  });
  return problems;
}

/**
 * Reads an audit-completion input in any of the forms it arrives in: the EventBridge event (full
 * or minimal detail), the raw notification payload, an SNS event (`Records[].Sns.Message`), one SNS
 * record, or the SNS message envelope (`{ Type: 'Notification', Message }`). Throws
 * InvalidEventError naming every problem by path.
 */
export function parseAuditCompletionInput(input: unknown): AuditCompletion {
  if (!isObject(input)) return fail([{ path: '', message: 'expected a JSON object' }]);

  if ('detail-type' in input || 'detail' in input) {
    const envelope = AuditCompletedEventSchema.safeParse(input);
    if (!envelope.success) fail(toProblems(envelope.error));
    return { ...parseDetail(envelope.data.detail, 'detail'), envelopeAccount: envelope.data.account };
  }
  if (Array.isArray(input.Records)) {
    if (input.Records.length !== 1) {
      fail([{ path: 'Records', message: `expected exactly one SNS record, got ${input.Records.length}` }]);
    }
    return parseAuditCompletionInput(input.Records[0]);
  }
  if (isObject(input.Sns)) return parseSnsMessage(input.Sns, 'Sns.Message');
  if (input.Type === 'Notification' && 'Message' in input) return parseSnsMessage(input, 'Message');
  return parseDetail(input, '');
}

function parseSnsMessage(sns: Record<string, unknown>, path: string): AuditCompletion {
  if (typeof sns.Message !== 'string')
    return fail([{ path, message: 'expected the notification as a JSON string' }]);
  return parseDetail(parseJsonString(sns.Message, path), path);
}

/**
 * The detail of the normalised audit-completion event on the bus (what the bridge puts, and a replay
 * of a file): the validated notification, with API check names, or the minimal `{ taskId }`.
 */
export function toAuditCompletedEventDetail(
  completion: AuditCompletion,
): AuditNotification | { taskId: string } {
  return completion.kind === 'notification' ? completion.notification : { taskId: completion.auditTaskId };
}
