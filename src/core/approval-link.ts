import * as z from './zod';

/**
 * Approval links: a signed, expiring capability bound to one approval gate, sent by e-mail to the
 * approvers. A link is `base64url(payload) + "." + base64url(HMAC-SHA256(secret, base64url(payload)))`;
 * the payload names the execution, the task, the gate's expiry and a nonce derived from the
 * execution and the gate (not random: a retried request sends the same link). It never holds the
 * task token: the page finds the token in the execution history, as the CLI does.
 *
 * HMAC is I/O-free but lives in node:crypto: the app layer passes it in as `sign`.
 */

/** HMAC-SHA256 of a text under the link secret, base64url without padding (43 characters). */
export type LinkSign = (text: string) => string;

/** What a link grants: a decision on the gate of one execution, until the gate expires. */
export const ApprovalLinkPayloadSchema = z.strictObject({
  v: z.literal(1),
  /** Execution name (the gate's execution; `<taskId>` or `<taskId>__N`). */
  e: z.string().check(z.minLength(1), z.maxLength(80)),
  /** Mitigation task id. */
  t: z.string().check(z.minLength(1), z.maxLength(128)),
  /** The gate's expiry (ISO-8601): the link expires with it. */
  x: z.iso.datetime(),
  /** Nonce of the gate: HMAC of the execution name and the gate's request time, shortened. */
  n: z.string().check(z.regex(/^[A-Za-z0-9_-]{22}$/)),
});
export type ApprovalLinkPayload = z.infer<typeof ApprovalLinkPayloadSchema>;

/** The gate a link is made for. */
export interface LinkedGate {
  readonly executionName: string;
  readonly taskId: string;
  readonly requestedAt: string;
  readonly expiresAt: string;
}

/** Why a link is refused: each has its own page. */
export type LinkRefusal = 'malformed' | 'tampered' | 'expired';

export type LinkVerification =
  | { readonly ok: true; readonly payload: ApprovalLinkPayload; readonly id: string }
  | { readonly ok: false; readonly refusal: LinkRefusal };

function toBase64Url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

/** The nonce of a gate: the same for every request of that gate (retries), another for any other gate. */
export function gateNonce(sign: LinkSign, gate: Pick<LinkedGate, 'executionName' | 'requestedAt'>): string {
  return sign(`nonce\n${gate.executionName}\n${gate.requestedAt}`).slice(0, 22);
}

/** The canonical payload text: keys in one order, no spaces, so one gate has exactly one link. */
function canonical(payload: ApprovalLinkPayload): string {
  return JSON.stringify({ v: payload.v, e: payload.e, t: payload.t, x: payload.x, n: payload.n });
}

/** The link token (the `{id}` of /approvals/{id}) of a gate. */
export function createLinkToken(sign: LinkSign, gate: LinkedGate): string {
  const payload: ApprovalLinkPayload = {
    v: 1,
    e: gate.executionName,
    t: gate.taskId,
    x: new Date(Date.parse(gate.expiresAt)).toISOString(),
    n: gateNonce(sign, gate),
  };
  const body = toBase64Url(canonical(payload));
  return `${body}.${sign(body)}`;
}

/** Compares two texts in time that depends on their length only (no early exit on the first difference). */
export function constantTimeEqual(a: string, b: string): boolean {
  let difference = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i % (b.length || 1));
  return difference === 0;
}

/** The longest token accepted (a payload of the longest fields is about 330 characters). */
export const MAX_LINK_TOKEN_LENGTH = 600;

/**
 * Verifies a link token: its signature (constant time), its canonical form (one link per gate: a
 * re-encoded payload is refused) and its expiry against `now` (epoch ms). `id` is the gate's nonce,
 * to which the page binds its CSRF token.
 */
export function verifyLinkToken(sign: LinkSign, token: string, now: number): LinkVerification {
  if (token.length > MAX_LINK_TOKEN_LENGTH || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/.test(token))
    return { ok: false, refusal: 'malformed' };
  const [body = '', signature = ''] = token.split('.');
  if (!constantTimeEqual(sign(body), signature)) return { ok: false, refusal: 'tampered' };
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, refusal: 'malformed' };
  }
  const parsed = ApprovalLinkPayloadSchema.safeParse(json);
  if (!parsed.success || toBase64Url(canonical(parsed.data)) !== body)
    return { ok: false, refusal: 'malformed' };
  if (Date.parse(parsed.data.x) <= now) return { ok: false, refusal: 'expired' };
  return { ok: true, payload: parsed.data, id: parsed.data.n };
}

/** Whether a verified link is the one of this gate (same execution, task, expiry and request). */
export function linkMatchesGate(sign: LinkSign, payload: ApprovalLinkPayload, gate: LinkedGate): boolean {
  return (
    payload.e === gate.executionName &&
    payload.t === gate.taskId &&
    Date.parse(payload.x) === Date.parse(gate.expiresAt) &&
    constantTimeEqual(payload.n, gateNonce(sign, gate))
  );
}

/** The CSRF token of the page of a link: HMAC of the link's id, checked on POST. */
export function csrfToken(sign: LinkSign, linkId: string): string {
  return sign(`csrf\n${linkId}`);
}

/** The URL of a link under the page's base URL (`https://.../approvals`, trailing slash or not). */
export function approvalLinkUrl(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${token}`;
}
