import { createHmac } from 'node:crypto';
import {
  APPROVAL_PAGE_HEADERS,
  constantTimeEqual,
  csrfToken,
  type LinkSign,
  linkMatchesGate,
  parseDecisionForm,
  renderDecidedPage,
  renderPlanPage,
  renderRefusalPage,
  sameOrigin,
  verifyLinkToken,
} from '../core';
import { ApprovalInputError, createApprovals, notPendingReason, UnknownApprovalError } from './approvals';
import type { ApprovalGate, ApprovalGateRecord, LinkSecret } from './ports';
import { ApprovalNotPendingError } from './ports';

/** HMAC-SHA256 under the secret, base64url: the `sign` of src/core/approval-link.ts. */
export function linkSigner(secret: string): LinkSign {
  return (text) => createHmac('sha256', secret).update(text, 'utf8').digest('base64url');
}

/** One request to the page, as the HTTP API (payload 2.0) or the local gateway hands it over. */
export interface PageRequest {
  readonly method: string;
  /** The `{id}` of /approvals/{id}: the link token. */
  readonly token: string;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string;
}

export interface PageResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface ApprovalPageDependencies {
  readonly gate: ApprovalGate;
  readonly secret: LinkSecret;
  /** Epoch milliseconds: the system clock, or the local stack's virtual one. */
  readonly now: () => number;
  /** Recorded after `approval-link` in decidedBy when known (the approvers' address). */
  readonly recipient?: string;
}

function page(status: number, body: string, extra: Record<string, string> = {}): PageResponse {
  return { status, headers: { ...APPROVAL_PAGE_HEADERS, ...extra }, body };
}

function refused(status: number, title: string, message: string): PageResponse {
  return page(status, renderRefusalPage(title, message));
}

/** A gate that is not pending any more, as a page. */
function notPending(gate: ApprovalGateRecord): PageResponse {
  if (gate.state.kind === 'expired')
    return refused(
      410,
      'This approval has expired',
      `Mitigation task ${gate.taskId}: ${notPendingReason(gate)}.`,
    );
  return refused(
    409,
    'This approval was already answered',
    `Mitigation task ${gate.taskId} does not wait for a decision any more: ${notPendingReason(gate)}.`,
  );
}

/**
 * The approval page: GET shows the plan of the approval a link grants and a form; POST decides through
 * the approvals use case (as `iot-remediate approve/reject`, via `link`). A GET never decides (mail
 * scanners prefetch links). Every refusal is a page with a 4xx status that changes nothing.
 */
export function createApprovalPage({ gate, secret, now, recipient }: ApprovalPageDependencies) {
  let signer: Promise<LinkSign> | undefined;
  const sign = () => {
    signer ??= secret.read().then(linkSigner);
    return signer;
  };
  const approvals = createApprovals({
    gate,
    identity: { whoAmI: async () => (recipient ? `approval-link ${recipient}` : 'approval-link') },
    now,
    via: 'link',
  });

  /** The pending gate a link grants, or the page that refuses it. */
  async function resolve(
    token: string,
  ): Promise<{ gate: ApprovalGateRecord; sign: LinkSign; id: string } | { refusal: PageResponse }> {
    const s = await sign();
    const link = verifyLinkToken(s, token, now());
    if (!link.ok) {
      switch (link.refusal) {
        case 'expired':
          return {
            refusal: refused(
              410,
              'This approval link has expired',
              'The approval it was sent for is no longer open.',
            ),
          };
        case 'tampered':
          return {
            refusal: refused(
              403,
              'This approval link is not valid',
              'The link was altered or was not issued by this stack. Open the link exactly as the e-mail has it.',
            ),
          };
        case 'malformed':
          return {
            refusal: refused(
              404,
              'This approval link is not valid',
              'The address does not hold an approval link.',
            ),
          };
      }
    }
    const { gates } = await gate.gatesOf(link.payload.t);
    const found = gates.find((g) => g.executionName === link.payload.e);
    if (found === undefined)
      return {
        refusal: refused(
          404,
          'No such approval',
          `No workflow of mitigation task ${link.payload.t} waits under this link any more.`,
        ),
      };
    if (!linkMatchesGate(s, link.payload, found))
      return {
        refusal: refused(
          410,
          'This approval link is out of date',
          `The link was sent for an earlier approval request of mitigation task ${found.taskId}; use the link of the latest request.`,
        ),
      };
    if (found.state.kind !== 'pending') return { refusal: notPending(found) };
    return { gate: found, sign: s, id: link.id };
  }

  async function show(token: string): Promise<PageResponse> {
    const resolved = await resolve(token);
    if ('refusal' in resolved) return resolved.refusal;
    return page(200, renderPlanPage(resolved.gate, csrfToken(resolved.sign, resolved.id)));
  }

  async function decide(request: PageRequest): Promise<PageResponse> {
    const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded')
      return refused(415, 'Decision refused', 'A decision is sent from the approval page form only.');
    if (!sameOrigin(request.headers.host, request.headers.origin, request.headers.referer))
      return refused(403, 'Decision refused', 'The decision did not come from the approval page.');
    const resolved = await resolve(request.token);
    if ('refusal' in resolved) return resolved.refusal;
    const form = parseDecisionForm(request.body);
    const expected = csrfToken(resolved.sign, resolved.id);
    if (form === undefined || !constantTimeEqual(form.csrf, expected))
      return refused(403, 'Decision refused', 'The decision did not come from the approval page.');
    if (form.decision === 'reject' && form.reason === '')
      return page(400, renderPlanPage(resolved.gate, expected, 'A rejection needs a reason.'));
    try {
      const result = await approvals.decide({
        taskId: resolved.gate.taskId,
        decision: form.decision,
        ...(form.reason !== '' ? { reason: form.reason } : {}),
      });
      return page(
        200,
        renderDecidedPage(result.decision.decision, result.gate.taskId, result.decision.reason),
      );
    } catch (error) {
      if (error instanceof ApprovalInputError)
        return page(400, renderPlanPage(resolved.gate, expected, error.message));
      if (error instanceof ApprovalNotPendingError || error instanceof UnknownApprovalError)
        return refused(409, 'This approval was already answered', error.message);
      throw error;
    }
  }

  return {
    /** Answers one request: GET shows, POST decides, anything else 405. */
    async handle(request: PageRequest): Promise<PageResponse> {
      const method = request.method.toUpperCase();
      if (method === 'GET' || method === 'HEAD') return show(request.token);
      if (method === 'POST') return decide(request);
      return page(405, renderRefusalPage('Method not allowed', 'Open the link from the e-mail.'), {
        allow: 'GET, POST',
      });
    },
  };
}

export type ApprovalPage = ReturnType<typeof createApprovalPage>;
