import { describe, expect, it } from 'vitest';
import {
  APPROVAL_PAGE_HEADERS,
  escapeHtml,
  parseDecisionForm,
  renderDecidedPage,
  renderPlanPage,
  renderRefusalPage,
  sameOrigin,
} from '../../../src/core';

const HOSTILE = `<script>alert("x")</script>&'`;

const plan = {
  taskId: 'remediate-audit1-approve',
  auditTaskId: 'audit1',
  executionName: 'remediate-audit1-approve',
  requestedAt: '2026-01-01T00:00:00.000Z',
  expiresAt: '2026-01-04T00:00:00.000Z',
  protectedCount: 2,
  checks: [
    {
      check: 'IOT_POLICY_OVERLY_PERMISSIVE_CHECK',
      actions: ['ReplaceDefaultPolicyVersion'],
      resourceCount: 14,
      resources: Array.from({ length: 10 }, (_, i) => ({
        findingId: `f${i}`,
        check: 'IOT_POLICY_OVERLY_PERMISSIVE_CHECK',
        resourceType: 'IOT_POLICY',
        resourceIdentifier: { policyName: i === 0 ? HOSTILE : `policy-${i}`, policyVersionId: '1' },
      })),
    },
  ],
};

describe('approval page HTML', () => {
  it('shows the plan: audit, task, expiry, checks, actions, the first resources and the total', () => {
    // Act
    const html = renderPlanPage(plan, 'csrf-token');

    // Assess
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toContain('IOT_POLICY_OVERLY_PERMISSIVE_CHECK');
    expect(html).toContain('ReplaceDefaultPolicyVersion');
    expect(html).toContain('policy-9');
    expect(html).toContain('… and 4 more');
    expect(html).toContain('2026-01-04T00:00:00.000Z');
    expect(html).toContain('2 finding(s) touch protected resources');
    expect(html).toContain('<input type="hidden" name="csrf" value="csrf-token">');
    expect(html).toContain('<label for="reason">');
    expect(html).not.toMatch(/<script|src=|href=/);
  });

  it('escapes every value: a hostile policy name, reason or message stays text', () => {
    const pages = [
      renderPlanPage(plan, `"><script>`, HOSTILE),
      renderRefusalPage(HOSTILE, HOSTILE),
      renderDecidedPage('REJECTED', HOSTILE, HOSTILE),
    ];
    for (const html of pages) {
      expect(html).not.toContain('<script>');
      expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;');
    }
    expect(escapeHtml(`<>&"'`)).toBe('&lt;&gt;&amp;&quot;&#39;');
  });

  it('is served with a strict CSP: nothing external, no script, forms post to the page itself', () => {
    expect(APPROVAL_PAGE_HEADERS['content-security-policy']).toBe(
      "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    );
    expect(APPROVAL_PAGE_HEADERS['cache-control']).toBe('no-store');
  });
});

describe('decision form and origin', () => {
  it.each([
    ['decision=approve&csrf=t&reason=', { decision: 'approve', reason: '', csrf: 't' }],
    ['decision=reject&csrf=t&reason=+too+risky+', { decision: 'reject', reason: 'too risky', csrf: 't' }],
    ['decision=delete&csrf=t', undefined],
    ['decision=approve', undefined],
    ['', undefined],
  ])('parses %j', (body, expected) => {
    expect(parseDecisionForm(body)).toEqual(expected);
  });

  it.each([
    ['same origin', 'x.example', 'https://x.example', undefined, true],
    ['other origin', 'x.example', 'https://evil.example', undefined, false],
    ['opaque origin (null)', 'x.example', 'null', 'https://x.example/approvals/t', false],
    ['no origin, same-origin referer', 'x.example', undefined, 'https://x.example/approvals/t', true],
    ['no origin, foreign referer', 'x.example', undefined, 'https://evil.example/', false],
    ['neither header (checked by the CSRF token alone)', 'x.example', undefined, undefined, true],
    ['unparsable origin', 'x.example', 'not a url', undefined, false],
    ['no host to compare with', undefined, 'https://x.example', undefined, false],
  ])('origin check: %s', (_name, host, origin, referer, expected) => {
    expect(sameOrigin(host, origin, referer)).toBe(expected);
  });
});
