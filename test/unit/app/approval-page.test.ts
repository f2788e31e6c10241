import { describe, expect, it } from 'vitest';
import { createApprovalPage, linkSigner } from '../../../src/app/approval-page';
import type { ApprovalDecision, ApprovalGate, ApprovalGateRecord } from '../../../src/app/ports';
import { ApprovalNotPendingError } from '../../../src/app/ports';
import { createLinkToken, csrfToken, gateNonce } from '../../../src/core';

const SECRET = 'unit-page-secret';
const sign = linkSigner(SECRET);
const NOW = Date.parse('2026-01-01T01:00:00Z');
const HOST = 'abc.execute-api.us-east-1.amazonaws.com';

const pendingGate: ApprovalGateRecord = {
  executionName: 'remediate-audit1-approve',
  executionStatus: 'RUNNING',
  taskId: 'remediate-audit1-approve',
  auditTaskId: 'audit1',
  requestedAt: '2026-01-01T00:00:00.000Z',
  expiresAt: '2026-01-04T00:00:00.000Z',
  timeoutSeconds: 259_200,
  protectedCount: 0,
  checks: [
    { check: 'DEVICE_CERTIFICATE_SHARED_CHECK', actions: ['Deactivate'], resourceCount: 0, resources: [] },
  ],
  state: { kind: 'pending' },
};

function harness(gates: ApprovalGateRecord[] = [pendingGate], recipient?: string) {
  const answers: ApprovalDecision[] = [];
  const gate: ApprovalGate = {
    pendingApprovals: async () => gates.filter((g) => g.state.kind === 'pending'),
    gatesOf: async (taskId) => ({
      executions: gates.filter((g) => g.taskId === taskId).length,
      gates: gates.filter((g) => g.taskId === taskId),
    }),
    answer: async (record, decision) => {
      if (record.state.kind !== 'pending') throw new ApprovalNotPendingError('not pending');
      answers.push(decision);
    },
  };
  const page = createApprovalPage({
    gate,
    secret: { read: async () => SECRET },
    now: () => NOW,
    ...(recipient ? { recipient } : {}),
  });
  return { page, answers };
}

const token = createLinkToken(sign, pendingGate);
const csrf = csrfToken(sign, gateNonce(sign, pendingGate));
const formHeaders = {
  host: HOST,
  origin: `https://${HOST}`,
  'content-type': 'application/x-www-form-urlencoded',
};
const post = (body: string, headers: Record<string, string | undefined> = formHeaders, t = token) => ({
  method: 'POST',
  token: t,
  headers,
  body,
});

describe('approval page use case', () => {
  it('GET shows the plan with a CSRF token bound to the link, and decides nothing', async () => {
    const { page, answers } = harness();
    const answer = await page.handle({ method: 'GET', token, headers: { host: HOST }, body: '' });
    expect(answer.status).toBe(200);
    expect(answer.body).toContain(`name="csrf" value="${csrf}"`);
    expect(answer.headers['content-security-policy']).toContain("default-src 'none'");
    expect(answers).toEqual([]);
  });

  it('POST approve decides via link, recorded as approval-link and the recipient', async () => {
    const { page, answers } = harness(undefined, 'approvers@example.com');
    const answer = await page.handle(post(`decision=approve&csrf=${csrf}&reason=CHG-7`));
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('<h1>Approved</h1>');
    expect(answers).toEqual([
      {
        decision: 'APPROVED',
        decidedBy: 'approval-link approvers@example.com',
        reason: 'CHG-7',
        decidedAt: new Date(NOW).toISOString(),
        via: 'link',
      },
    ]);
  });

  it.each([
    ['a wrong CSRF token', post(`decision=approve&csrf=${'x'.repeat(43)}`), 403],
    ['no CSRF token', post('decision=approve'), 403],
    [
      'a CSRF token of another link',
      post(`decision=approve&csrf=${csrfToken(sign, 'other-link-id-000000000')}`),
      403,
    ],
    [
      'a foreign Origin',
      post(`decision=approve&csrf=${csrf}`, { ...formHeaders, origin: 'https://evil.example' }),
      403,
    ],
    [
      'a JSON body',
      post(JSON.stringify({ decision: 'approve', csrf }), {
        ...formHeaders,
        'content-type': 'application/json',
      }),
      415,
    ],
    ['a rejection without reason', post(`decision=reject&csrf=${csrf}&reason=+`), 400],
    ['a tampered link', post(`decision=approve&csrf=${csrf}`, formHeaders, `${token.slice(0, -1)}x`), 403],
  ])('POST with %s decides nothing (%s)', async (_name, request, status) => {
    const { page, answers } = harness();
    const answer = await page.handle(request);
    expect(answer.status).toBe(status);
    expect(answers).toEqual([]);
  });

  it('a used link (already decided) shows who decided and decides nothing', async () => {
    const decided: ApprovalGateRecord = {
      ...pendingGate,
      state: {
        kind: 'decided',
        decision: { decision: 'APPROVED', decidedBy: 'approval-link', decidedAt: 'x', via: 'link' },
      },
    };
    const { page, answers } = harness([decided]);
    for (const request of [
      { method: 'GET', token, headers: {}, body: '' },
      post(`decision=reject&csrf=${csrf}&reason=r`),
    ]) {
      const answer = await page.handle(request);
      expect(answer.status).toBe(409);
      expect(answer.body).toContain('already approved by approval-link');
    }
    expect(answers).toEqual([]);
  });

  it('a replayed link of an earlier gate of the task is refused once a new gate waits', async () => {
    const earlier = { ...pendingGate, state: { kind: 'expired' as const, at: pendingGate.expiresAt } };
    const current = {
      ...pendingGate,
      executionName: `${pendingGate.taskId}__2`,
      requestedAt: '2026-01-01T00:30:00.000Z',
    };
    const { page, answers } = harness([earlier, current]);
    const answer = await page.handle(post(`decision=approve&csrf=${csrf}`));
    expect(answer.status).toBe(410);
    expect(answers).toEqual([]);
  });

  it('a link whose expiry was moved (same execution, another expiry) is refused', async () => {
    const { page } = harness([{ ...pendingGate, expiresAt: '2026-01-05T00:00:00.000Z' }]);
    expect((await page.handle({ method: 'GET', token, headers: {}, body: '' })).status).toBe(410);
  });

  it('other methods: 405, nothing decided', async () => {
    const { page, answers } = harness();
    expect((await page.handle({ method: 'PUT', token, headers: formHeaders, body: '' })).status).toBe(405);
    expect(answers).toEqual([]);
  });
});
