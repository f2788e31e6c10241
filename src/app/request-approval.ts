import {
  APPROVAL_REQUESTED_DETAIL_TYPE,
  type ApprovalRequest,
  ApprovalRequestSchema,
  approvalLinkUrl,
  createLinkToken,
  describeApprovalResource,
  InvalidEventError,
} from '../core';
import * as z from '../core/zod';
import { toProblems } from '../core/zod-problems';
import { linkSigner } from './approval-page';
import type { EventSink, LinkSecret, Log, Notifier } from './ports';

/**
 * The payload RequestApproval (statemachine/mitigation-workflow.asl.json) invokes the function with.
 * The task token is checked and dropped: it is what decides the approval, so it must not reach a log
 * line, an error message, a metric or an event (approvers find it in the execution history, through
 * IAM). zod's messages name the path and the expected type, never the value.
 */
const ApprovalPayloadSchema = z.object({
  taskToken: z.string().check(z.minLength(1)),
  executionName: z.string().check(z.minLength(1), z.maxLength(80)),
  requestedAt: z.iso.datetime({ offset: true }),
  taskId: z.string().check(z.minLength(1)),
  auditTaskId: z.string().check(z.minLength(1)),
  approval: ApprovalRequestSchema,
});

/** The detail of the "Audit Mitigation Approval Requested" event (no task token). */
export interface ApprovalRequestedDetail {
  readonly executionName: string;
  readonly taskId: string;
  readonly auditTaskId: string;
  readonly checks: ApprovalRequest['checks'];
  readonly protectedCount: number;
  readonly requestedAt: string;
  readonly expiresAt: string;
}

export interface RequestApprovalDependencies {
  readonly events: EventSink;
  /** Set when an approval topic is configured (APPROVAL_TOPIC_ARN): one message per request. */
  readonly notifier?: Notifier;
  readonly logger: Log;
  /**
   * Set when the approval page is deployed (APPROVAL_PAGE_URL): the message carries one signed link
   * to the page (never the task token), the same on every retry of the request.
   */
  readonly link?: { readonly baseUrl: string; readonly secret: LinkSecret };
}

/** Resources of each check that the SNS message lists (the event carries the whole preview). */
const MESSAGE_RESOURCES = 5;

/** The plain-text message of an approval request: what would be done to what, until when, and how to decide. */
export function approvalMessage(detail: ApprovalRequestedDetail, link?: string): string {
  const lines = [
    `Audit ${detail.auditTaskId} has findings whose mitigation needs an approval.`,
    '',
    `Mitigation task: ${detail.taskId}`,
    `Requested at:    ${detail.requestedAt}`,
    `Expires at:      ${detail.expiresAt} (no decision by then: the task is not started, APPROVAL_EXPIRED)`,
    '',
  ];
  for (const check of detail.checks) {
    const count = `${check.resourceCount}${check.partial ? '+' : ''} resource(s)`;
    const codes = check.reasonCodes?.length ? `, reason codes ${check.reasonCodes.join(', ')}` : '';
    lines.push(`${check.check}: ${count}${codes}`, `  actions: ${check.actions.join(', ')}`);
    for (const resource of check.resources.slice(0, MESSAGE_RESOURCES))
      lines.push(`  - ${describeApprovalResource(resource)}`);
    const more = check.resourceCount - Math.min(check.resources.length, MESSAGE_RESOURCES);
    if (more > 0) lines.push(`  ... and ${more}${check.partial ? '+' : ''} more`);
  }
  if (detail.protectedCount > 0)
    lines.push('', `${detail.protectedCount} finding(s) touch protected resources and are left alone.`);
  if (link !== undefined)
    lines.push(
      '',
      'Review and decide on the approval page (opening it decides nothing; the link expires with the approval):',
      `  ${link}`,
    );
  lines.push(
    '',
    link !== undefined
      ? 'Or from the CLI (IAM-authenticated; your identity is recorded with the decision):'
      : 'To decide (IAM-authenticated; your identity is recorded with the decision):',
    `  iot-remediate approve ${detail.taskId} --reason "..."`,
    `  iot-remediate reject ${detail.taskId} --reason "..."`,
    'List what waits: iot-remediate approvals',
  );
  return lines.join('\n');
}

/**
 * The request-approval use case: the state machine's RequestApproval state invokes it with the
 * approval request (counts and resources that start-mitigation read from IoT); it puts the "Audit
 * Mitigation Approval Requested" event and, when a topic is set, sends one SNS message. The state
 * then waits for the decision; what this returns is not used.
 */
export function createRequestApproval(deps: RequestApprovalDependencies) {
  return async function requestApproval(payload: unknown): Promise<{ expiresAt: string }> {
    const parsed = ApprovalPayloadSchema.safeParse(payload);
    if (!parsed.success) throw new InvalidEventError(toProblems(parsed.error));

    const { executionName, requestedAt, taskId, auditTaskId, approval } = parsed.data;
    deps.logger.appendKeys({ auditTaskId, mitigationTaskId: taskId });
    const expiresAt = new Date(Date.parse(requestedAt) + approval.timeoutSeconds * 1000).toISOString();
    const detail: ApprovalRequestedDetail = {
      executionName,
      taskId,
      auditTaskId,
      checks: approval.checks,
      protectedCount: approval.protectedCount,
      requestedAt,
      expiresAt,
    };
    await deps.events.put([{ detailType: APPROVAL_REQUESTED_DETAIL_TYPE, detail }]);
    if (deps.notifier) {
      const link = deps.link
        ? approvalLinkUrl(
            deps.link.baseUrl,
            createLinkToken(linkSigner(await deps.link.secret.read()), {
              executionName,
              taskId,
              requestedAt,
              expiresAt,
            }),
          )
        : undefined;
      await deps.notifier.notify(
        `Approval needed: IoT mitigation of audit ${auditTaskId}`,
        approvalMessage(detail, link),
      );
    }
    deps.logger.info('Approval requested', {
      executionName,
      expiresAt,
      checks: approval.checks.map((c) => ({ check: c.check, resourceCount: c.resourceCount })),
      protectedCount: approval.protectedCount,
      notified: deps.notifier !== undefined,
      linked: deps.notifier !== undefined && deps.link !== undefined,
    });
    return { expiresAt };
  };
}
