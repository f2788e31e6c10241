import type { ApprovalCheck } from './workflow-input';

/**
 * The approval page's HTML: one plain, accessible document per answer (no script, no external
 * resource, inline CSS only), every value escaped. The page is served with APPROVAL_PAGE_HEADERS.
 */

/** Headers of every page: a strict CSP (inline style only, forms post to the page itself), no caching. */
export const APPROVAL_PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'cache-control': 'no-store',
  // same-origin, not no-referrer: with no-referrer browsers send `Origin: null` on the form's POST,
  // which the same-origin check must refuse; the link never leaves the page's origin either way.
  'referrer-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
};

/** Resources the page lists per check (the request previews at most APPROVAL_PREVIEW_RESOURCES). */
export const PAGE_RESOURCES = 10;

/** What the page shows of a pending approval. */
export interface ApprovalPlanView {
  readonly taskId: string;
  readonly auditTaskId: string;
  readonly executionName: string;
  readonly requestedAt: string;
  readonly expiresAt: string;
  readonly checks: readonly ApprovalCheck[];
  readonly protectedCount: number;
}

/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const STYLE = `
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;background:#fff;margin:0 auto;max-width:48rem;padding:1rem}
h1{font-size:1.5rem;margin:.5rem 0 1rem}h2{font-size:1.2rem;margin:1.5rem 0 .5rem}h3{font-size:1rem;margin:1rem 0 .25rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:0}dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em;overflow-wrap:anywhere}
ul{padding-left:1.25rem}li{margin:.15rem 0}
.notice{border-left:4px solid #8a5a00;background:#fff7e0;padding:.5rem .75rem}
.refused{border-left:4px solid #a40000;background:#fdeaea;padding:.5rem .75rem}
.done{border-left:4px solid #1f6f2a;background:#e8f5e9;padding:.5rem .75rem}
form{margin-top:1rem}label{display:block;font-weight:600;margin:.5rem 0 .25rem}
textarea{box-sizing:border-box;width:100%;min-height:5rem;font:inherit;padding:.5rem;border:1px solid #555;border-radius:4px}
.actions{display:flex;flex-wrap:wrap;gap:.75rem;margin-top:1rem}
button{font:inherit;font-weight:600;padding:.6rem 1.2rem;border-radius:4px;border:2px solid transparent;cursor:pointer}
.approve{background:#1f6f2a;color:#fff}.reject{background:#fff;color:#a40000;border-color:#a40000}
button:focus-visible,textarea:focus-visible{outline:3px solid #0b57d0;outline-offset:2px}
`.trim();

function document(title: string, main: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${main}
</main>
</body>
</html>
`;
}

/** One previewed resource in one line: type, identifiers, things (the e-mail and the page share it). */
export function describeApprovalResource(resource: ApprovalCheck['resources'][number]): string {
  const identifier = Object.entries(resource.resourceIdentifier)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(', ');
  const things = resource.things?.length ? ` (things: ${resource.things.join(', ')})` : '';
  return `${resource.resourceType} ${identifier}${things}`;
}

function renderCheck(check: ApprovalCheck): string {
  const count = `${check.resourceCount}${check.partial ? '+' : ''}`;
  const shown = check.resources.slice(0, PAGE_RESOURCES);
  const more = check.resourceCount - shown.length;
  const codes = check.reasonCodes?.length
    ? `<dt>Reason codes</dt><dd>${escapeHtml(check.reasonCodes.join(', '))}</dd>`
    : '';
  return `<section aria-labelledby="check-${escapeHtml(check.check)}">
<h3 id="check-${escapeHtml(check.check)}"><code>${escapeHtml(check.check)}</code></h3>
<dl>
<dt>Actions</dt><dd>${escapeHtml(check.actions.join(', '))}</dd>
<dt>Resources</dt><dd>${escapeHtml(count)}</dd>
${codes}</dl>
<ul>
${shown.map((r) => `<li><code>${escapeHtml(describeApprovalResource(r))}</code></li>`).join('\n')}
${more > 0 ? `<li>… and ${escapeHtml(`${more}${check.partial ? '+' : ''}`)} more</li>` : ''}
</ul>
</section>`;
}

/** The page of a pending approval: the plan and the Approve / Reject form (POSTed to the same URL). */
export function renderPlanPage(plan: ApprovalPlanView, csrf: string, error?: string): string {
  const total = plan.checks.reduce((sum, c) => sum + c.resourceCount, 0);
  const protectedNote =
    plan.protectedCount > 0
      ? `<p>${escapeHtml(plan.protectedCount)} finding(s) touch protected resources and are left alone.</p>`
      : '';
  const errorNote = error ? `<p class="refused" role="alert">${escapeHtml(error)}</p>` : '';
  return document(
    `Approve IoT mitigation ${plan.taskId}`,
    `<h1>Approve IoT mitigation?</h1>
<p class="notice">Approving starts mitigation actions on ${escapeHtml(total)} resource(s) of audit <code>${escapeHtml(plan.auditTaskId)}</code>. Nothing happens until you choose below; without a decision by the expiry, nothing is started.</p>
${errorNote}
<h2>Request</h2>
<dl>
<dt>Audit</dt><dd><code>${escapeHtml(plan.auditTaskId)}</code></dd>
<dt>Mitigation task</dt><dd><code>${escapeHtml(plan.taskId)}</code></dd>
<dt>Requested at</dt><dd><time datetime="${escapeHtml(plan.requestedAt)}">${escapeHtml(plan.requestedAt)}</time></dd>
<dt>Expires at</dt><dd><time datetime="${escapeHtml(plan.expiresAt)}">${escapeHtml(plan.expiresAt)}</time></dd>
</dl>
<h2>Checks, actions and resources</h2>
${plan.checks.map(renderCheck).join('\n')}
${protectedNote}
<h2>Decision</h2>
<form method="post" enctype="application/x-www-form-urlencoded">
<input type="hidden" name="csrf" value="${escapeHtml(csrf)}">
<label for="reason">Reason (required to reject)</label>
<textarea id="reason" name="reason" maxlength="1000"></textarea>
<div class="actions">
<button type="submit" class="approve" name="decision" value="approve">Approve</button>
<button type="submit" class="reject" name="decision" value="reject">Reject</button>
</div>
</form>`,
  );
}

/** A page that refuses (expired, tampered, used, unknown link; a refused POST): a title and a message. */
export function renderRefusalPage(title: string, message: string): string {
  return document(
    title,
    `<h1>${escapeHtml(title)}</h1>
<p class="refused" role="alert">${escapeHtml(message)}</p>
<p>Nothing was decided by this visit. Approvers can still list and decide what waits with <code>iot-remediate approvals</code>.</p>`,
  );
}

/** The page after a decision was sent. */
export function renderDecidedPage(
  decision: 'APPROVED' | 'REJECTED',
  taskId: string,
  reason?: string,
): string {
  const verb = decision === 'APPROVED' ? 'Approved' : 'Rejected';
  const next =
    decision === 'APPROVED'
      ? 'The workflow now starts the mitigation task.'
      : 'The workflow ends REJECTED: nothing is started.';
  return document(
    `${verb}: ${taskId}`,
    `<h1>${escapeHtml(verb)}</h1>
<p class="done" role="status">Mitigation task <code>${escapeHtml(taskId)}</code>: ${escapeHtml(next)}</p>
${reason ? `<p>Reason: ${escapeHtml(reason)}</p>` : ''}`,
  );
}

/** The decision form as POSTed (application/x-www-form-urlencoded). */
export interface DecisionForm {
  readonly decision: 'approve' | 'reject';
  readonly reason: string;
  readonly csrf: string;
}

/** Parses the form body; undefined when a field is missing or the decision is neither approve nor reject. */
export function parseDecisionForm(body: string): DecisionForm | undefined {
  const fields = new URLSearchParams(body);
  const decision = fields.get('decision');
  const csrf = fields.get('csrf');
  if ((decision !== 'approve' && decision !== 'reject') || csrf === null) return undefined;
  return { decision, reason: (fields.get('reason') ?? '').trim(), csrf };
}

/**
 * Whether a POST comes from the page itself: Origin, else Referer, when the browser sends one, must
 * have the request's host (SameSite cookies are not relied on: the page sets none).
 */
export function sameOrigin(host: string | undefined, origin?: string, referer?: string): boolean {
  const source = origin && origin !== 'null' ? origin : referer;
  if (origin === 'null') return false;
  if (source === undefined || source === '') return true;
  if (host === undefined) return false;
  try {
    return new URL(source).host.toLowerCase() === host.toLowerCase();
  } catch {
    return false;
  }
}
