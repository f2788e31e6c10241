import { describe, expect, it } from 'vitest';
import { linkSigner } from '../../../src/app/approval-page';
import {
  approvalLinkUrl,
  constantTimeEqual,
  createLinkToken,
  csrfToken,
  gateNonce,
  linkMatchesGate,
  verifyLinkToken,
} from '../../../src/core';

const sign = linkSigner('unit-test-secret');
const gate = {
  executionName: 'remediate-audit1-approve',
  taskId: 'remediate-audit1-approve',
  requestedAt: '2026-01-01T00:00:00.000Z',
  expiresAt: '2026-01-04T00:00:00.000Z',
};
const BEFORE = Date.parse('2026-01-02T00:00:00Z');

describe('approval links', () => {
  it('sign then verify: the payload names the gate and nothing else (no task token)', () => {
    // Act
    const token = createLinkToken(sign, gate);
    const verified = verifyLinkToken(sign, token, BEFORE);

    // Assess
    expect(verified).toEqual({
      ok: true,
      id: gateNonce(sign, gate),
      payload: { v: 1, e: gate.executionName, t: gate.taskId, x: gate.expiresAt, n: gateNonce(sign, gate) },
    });
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(verified.ok && linkMatchesGate(sign, verified.payload, gate)).toBe(true);
  });

  it('is deterministic: the same gate gives the same link (retries), another gate another one', () => {
    expect(createLinkToken(sign, gate)).toBe(createLinkToken(sign, { ...gate }));
    const later = { ...gate, executionName: `${gate.taskId}__2`, requestedAt: '2026-01-05T00:00:00.000Z' };
    expect(createLinkToken(sign, later)).not.toBe(createLinkToken(sign, gate));
    expect(gateNonce(sign, later)).not.toBe(gateNonce(sign, gate));
  });

  it.each([
    ['a changed signature', (t: string) => `${t.slice(0, -1)}${t.endsWith('A') ? 'B' : 'A'}`, 'tampered'],
    [
      'a changed payload (another task) with the old signature',
      (t: string) => {
        const [body, signature] = t.split('.');
        const json = JSON.parse(Buffer.from(body ?? '', 'base64url').toString('utf8'));
        const forged = Buffer.from(JSON.stringify({ ...json, t: 'remediate-other-approve' })).toString(
          'base64url',
        );
        return `${forged}.${signature}`;
      },
      'tampered',
    ],
    ['a link signed with another secret', () => createLinkToken(linkSigner('other'), gate), 'tampered'],
    ['no signature', (t: string) => t.split('.')[0] ?? '', 'malformed'],
    ['characters outside base64url', (t: string) => `${t}<script>`, 'malformed'],
    ['an oversized token', (t: string) => `${'A'.repeat(700)}.${t.split('.')[1]}`, 'malformed'],
  ] as const)('refuses %s', (_name, change, refusal) => {
    expect(verifyLinkToken(sign, change(createLinkToken(sign, gate)), BEFORE)).toEqual({
      ok: false,
      refusal,
    });
  });

  it('refuses a signed payload that is not canonical (the same grant re-encoded)', () => {
    const body = Buffer.from(
      JSON.stringify({
        t: gate.taskId,
        v: 1,
        e: gate.executionName,
        x: gate.expiresAt,
        n: gateNonce(sign, gate),
      }),
    ).toString('base64url');
    expect(verifyLinkToken(sign, `${body}.${sign(body)}`, BEFORE)).toEqual({
      ok: false,
      refusal: 'malformed',
    });
  });

  it('expires with the approval: valid until the expiry, refused from it on', () => {
    const token = createLinkToken(sign, gate);
    expect(verifyLinkToken(sign, token, Date.parse(gate.expiresAt) - 1).ok).toBe(true);
    expect(verifyLinkToken(sign, token, Date.parse(gate.expiresAt))).toEqual({
      ok: false,
      refusal: 'expired',
    });
  });

  it('binds to one gate: a link of an earlier gate of the task does not match the current one', () => {
    const token = createLinkToken(sign, gate);
    const verified = verifyLinkToken(sign, token, BEFORE);
    const current = { ...gate, executionName: `${gate.taskId}__2`, requestedAt: '2026-01-01T00:05:00.000Z' };
    expect(verified.ok && linkMatchesGate(sign, verified.payload, current)).toBe(false);
    expect(
      verified.ok && linkMatchesGate(sign, verified.payload, { ...gate, requestedAt: current.requestedAt }),
    ).toBe(false);
  });

  it('derives the CSRF token from the link id and the secret only', () => {
    const id = gateNonce(sign, gate);
    expect(csrfToken(sign, id)).toBe(csrfToken(sign, id));
    expect(csrfToken(sign, id)).not.toBe(csrfToken(linkSigner('other'), id));
    expect(csrfToken(sign, id)).not.toBe(csrfToken(sign, gateNonce(sign, { ...gate, requestedAt: 'x' })));
  });

  it('compares in constant time and still tells texts apart', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
    expect(constantTimeEqual('', 'a')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
  });

  it('puts the token under the base URL, with or without a trailing slash', () => {
    expect(approvalLinkUrl('https://x.example/approvals/', 'T.S')).toBe('https://x.example/approvals/T.S');
    expect(approvalLinkUrl('https://x.example/approvals', 'T.S')).toBe('https://x.example/approvals/T.S');
  });
});
