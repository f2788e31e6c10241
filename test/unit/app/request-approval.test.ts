import { describe, expect, it } from 'vitest';
import { linkSigner } from '../../../src/app/approval-page';
import type { DomainEvent } from '../../../src/app/ports';
import { approvalMessage, createRequestApproval } from '../../../src/app/request-approval';
import {
  APPROVAL_REQUESTED_DETAIL_TYPE,
  approvalLinkUrl,
  createLinkToken,
  InvalidEventError,
} from '../../../src/core';

const TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAfake-token-never-to-be-seen';

function payload(overrides: Record<string, unknown> = {}) {
  return {
    taskToken: TOKEN,
    executionName: 'remediate-audit1-approve',
    requestedAt: '2026-01-01T00:00:00.000Z',
    taskId: 'remediate-audit1-approve',
    auditTaskId: 'audit1',
    approval: {
      timeoutSeconds: 259_200,
      policy: 'approve',
      protectedCount: 1,
      checks: [
        {
          check: 'DEVICE_CERTIFICATE_SHARED_CHECK',
          actions: ['DeactivateCert'],
          resourceCount: 12,
          resources: Array.from({ length: 10 }, (_, i) => ({
            findingId: `f${i}`,
            check: 'DEVICE_CERTIFICATE_SHARED_CHECK',
            resourceType: 'DEVICE_CERTIFICATE',
            resourceIdentifier: { deviceCertificateId: `${i}`.repeat(64).slice(0, 64) },
            ...(i === 0 ? { things: ['thing-a'] } : {}),
          })),
        },
      ],
    },
    ...overrides,
  };
}

function harness(withNotifier = true, link?: { baseUrl: string; secret: { read: () => Promise<string> } }) {
  const events: DomainEvent[] = [];
  const notes: Array<{ subject: string; message: string }> = [];
  const lines: string[] = [];
  const logger = {
    info: (...args: unknown[]) => lines.push(JSON.stringify(args)),
    warn: (...args: unknown[]) => lines.push(JSON.stringify(args)),
    error: (...args: unknown[]) => lines.push(JSON.stringify(args)),
    appendKeys: (keys: Record<string, unknown>) => lines.push(JSON.stringify(keys)),
  };
  const run = createRequestApproval({
    events: { put: async (batch) => void events.push(...batch) },
    ...(withNotifier
      ? { notifier: { notify: async (subject, message) => void notes.push({ subject, message }) } }
      : {}),
    logger,
    ...(link ? { link } : {}),
  });
  return { run, events, notes, lines };
}

describe('request-approval', () => {
  it('puts one Approval Requested event with the preview and the expiry, and never the token', async () => {
    // Prepare
    const { run, events, notes, lines } = harness();

    // Act
    const result = await run(payload());

    // Assess
    expect(result).toEqual({ expiresAt: '2026-01-04T00:00:00.000Z' });
    expect(events).toHaveLength(1);
    expect(events[0]?.detailType).toBe(APPROVAL_REQUESTED_DETAIL_TYPE);
    expect(events[0]?.detail).toEqual({
      executionName: 'remediate-audit1-approve',
      taskId: 'remediate-audit1-approve',
      auditTaskId: 'audit1',
      checks: payload().approval.checks,
      protectedCount: 1,
      requestedAt: '2026-01-01T00:00:00.000Z',
      expiresAt: '2026-01-04T00:00:00.000Z',
    });
    expect(notes).toHaveLength(1);
    const everything = JSON.stringify({ events, notes, lines });
    expect(everything).not.toContain(TOKEN);
    expect(lines.some((l) => l.includes('Approval requested'))).toBe(true);
  });

  it('sends no SNS message when no topic is set', async () => {
    // Prepare
    const { run, events, notes } = harness(false);

    // Act
    await run(payload());

    // Assess
    expect(events).toHaveLength(1);
    expect(notes).toEqual([]);
  });

  it('writes a plain-text message: audit, checks, actions, first resources, expiry and how to decide', async () => {
    // Prepare
    const { run, notes } = harness();

    // Act
    await run(payload());

    // Assess
    const { subject, message } = notes[0] ?? { subject: '', message: '' };
    expect(subject).toBe('Approval needed: IoT mitigation of audit audit1');
    expect(message).toContain('Audit audit1');
    expect(message).toContain('DEVICE_CERTIFICATE_SHARED_CHECK: 12 resource(s)');
    expect(message).toContain('actions: DeactivateCert');
    expect(message).toContain(`DEVICE_CERTIFICATE deviceCertificateId=${'0'.repeat(64)} (things: thing-a)`);
    // Five resources listed, the other seven counted.
    expect(message.split('\n').filter((l) => l.startsWith('  - '))).toHaveLength(5);
    expect(message).toContain('... and 7 more');
    expect(message).toContain('Expires at:      2026-01-04T00:00:00.000Z');
    expect(message).toContain('iot-remediate approve remediate-audit1-approve --reason');
    expect(message).toContain('iot-remediate reject remediate-audit1-approve --reason');
    expect(message).toContain('1 finding(s) touch protected resources');
  });

  it('marks a partial count as a lower bound', () => {
    // Prepare
    const base = payload().approval.checks[0];
    if (!base) throw new Error('no check');

    // Act
    const message = approvalMessage({
      executionName: 'e',
      taskId: 't',
      auditTaskId: 'a',
      checks: [{ ...base, resources: [], partial: true, resourceCount: 250 }],
      protectedCount: 0,
      requestedAt: '2026-01-01T00:00:00.000Z',
      expiresAt: '2026-01-02T00:00:00.000Z',
    });

    // Assess
    expect(message).toContain('250+ resource(s)');
    expect(message).toContain('... and 250+ more');
    expect(message).not.toContain('protected');
  });

  it.each([
    ['no token', { taskToken: undefined }, 'taskToken'],
    ['an empty token', { taskToken: '' }, 'taskToken'],
    [
      'a timeout under a minute',
      { approval: { ...payload().approval, timeoutSeconds: 59 } },
      'approval.timeoutSeconds',
    ],
    ['no check', { approval: { ...payload().approval, checks: [] } }, 'approval.checks'],
    ['a bad time', { requestedAt: 'yesterday' }, 'requestedAt'],
  ])('refuses a payload with %s by path, puts nothing, and never echoes the token', async (_name, change, path) => {
    // Prepare
    const { run, events, notes } = harness();

    // Act
    const error = await run(payload(change)).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(InvalidEventError);
    expect((error as InvalidEventError).problems.map((p) => p.path)).toEqual([path]);
    expect(JSON.stringify((error as InvalidEventError).problems)).not.toContain(TOKEN);
    expect(events).toEqual([]);
    expect(notes).toEqual([]);
  });

  it('fails (and the state machine reports START_FAILED) when the event cannot be put', async () => {
    // Prepare
    const run = createRequestApproval({
      events: {
        put: async () => {
          throw new Error('EventBridge refused');
        },
      },
      logger: {
        info: () => undefined,
        warn: () => undefined,
        error: () => undefined,
        appendKeys: () => undefined,
      },
    });

    // Act + Assess
    await expect(run(payload())).rejects.toThrow('EventBridge refused');
  });
});

describe('request-approval with the approval page', () => {
  const link = { baseUrl: 'https://page.example/approvals', secret: { read: async () => 'request-secret' } };

  it('e-mails one signed link to the page (same on a retry), never the token, and keeps it out of the event', async () => {
    // Prepare
    const { run, events, notes, lines } = harness(true, link);

    // Act
    await run(payload());
    await run(payload());

    // Assess
    const sign = linkSigner('request-secret');
    const expected = approvalLinkUrl(
      link.baseUrl,
      createLinkToken(sign, {
        executionName: 'remediate-audit1-approve',
        taskId: 'remediate-audit1-approve',
        requestedAt: '2026-01-01T00:00:00.000Z',
        expiresAt: '2026-01-04T00:00:00.000Z',
      }),
    );
    expect(notes).toHaveLength(2);
    expect(notes[0]?.message).toContain(`  ${expected}`);
    expect(notes[1]?.message).toBe(notes[0]?.message);
    expect(notes[0]?.message).toContain('Expires at:      2026-01-04T00:00:00.000Z');
    expect(notes[0]?.message).toContain('... and 7 more');
    const everything = JSON.stringify({ events, notes, lines });
    expect(everything).not.toContain(TOKEN);
    expect(JSON.stringify({ events, lines })).not.toContain(expected.split('/').at(-1));
  });
});
