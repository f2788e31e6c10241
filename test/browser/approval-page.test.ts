import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { linkSigner } from '../../src/app/approval-page';
import { createLinkToken } from '../../src/core';
import { completionEvents, type LocalApprovalLink, type LocalStack } from '../../src/local/stack';
import { approvalAudit, SHARED, startWithApprovalLink } from '../approval-fixture';

/**
 * The approval page in a real browser (Debian's chromium, driven by playwright-core) against the
 * local stack: the link the stack prints for an approval request, the plan it shows, and what
 * Approve / Reject do to the workflow; expired, tampered and used links; a GET-only visit.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SECRET = 'browser-test-approval-link-secret';
const SHOTS = process.env.APPROVAL_PAGE_SCREENSHOTS;

/** Installs chromium when missing (scripts/ensure-chromium.sh); the reason it cannot, otherwise. */
function chromiumMissing(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  const run = spawnSync('sh', ['scripts/ensure-chromium.sh'], { encoding: 'utf8', timeout: 600_000 });
  if (run.status === 0 && existsSync(CHROMIUM)) return undefined;
  return (run.stderr || `${CHROMIUM} is missing`).trim();
}
const missing = chromiumMissing();
if (missing) console.warn(`browser tests skipped: ${missing}`);
const title = (name: string) => (missing ? `${name} (skipped: ${missing})` : name);

const AUDIT = 'approvalpagetest01';

const { scenario, config, auditEvent } = approvalAudit(AUDIT, 'e-approval-page-1');
const APPROVE_TASK = `remediate-${AUDIT}-approve`;

let browser: Browser | undefined;
let stack: LocalStack | undefined;
beforeAll(async () => {
  if (!missing) browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}, 60_000);
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

/** A local stack that handled the audit event, and the link printed for its approval request. */
function open(holdPendingCallbacks = true): Promise<{ local: LocalStack; link: LocalApprovalLink }> {
  return startWithApprovalLink(
    { scenario, config, holdPendingCallbacks, approvalLinkSecret: SECRET },
    auditEvent,
    (local) => {
      stack = local;
    },
  );
}

async function newPage(): Promise<Page> {
  const context = await (browser as Browser).newContext({ viewport: { width: 420, height: 900 } });
  return context.newPage();
}

async function shot(page: Page, name: string): Promise<void> {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, name), fullPage: true });
}

/** The approve task's execution status and whether IoT has its mitigation task. */
function workflowOf(local: LocalStack) {
  const execution = local.stepFunctions.executions().find((e) => e.name === APPROVE_TASK);
  const started = local.emulator.mitigationTasks().some((t) => t.taskId === APPROVE_TASK);
  return { status: execution?.status, started };
}

describe.skipIf(missing !== undefined)('approval page in a browser', () => {
  it(
    title('opens the link, shows the plan, approves: the task starts and the workflow completes'),
    async () => {
      const { local, link } = await open();
      const page = await newPage();
      const response = await page.goto(link.url);
      expect(response?.status()).toBe(200);
      expect(await page.locator('h1').textContent()).toBe('Approve IoT mitigation?');
      const text = await page.locator('main').innerText();
      expect(text).toContain(AUDIT);
      expect(text).toContain(APPROVE_TASK);
      expect(text).toContain(SHARED);
      expect(text).toContain('DeactivateDeviceCertificate');
      expect(text).toContain(`DEVICE_CERTIFICATE deviceCertificateId=${'a'.repeat(64)}`);
      expect(text).toContain(link.expiresAt);
      expect(await page.getAttribute('html', 'lang')).toBe('en');
      expect(response?.headers()['content-security-policy']).toContain("default-src 'none'");
      console.info(`approval page: ${Buffer.byteLength((await response?.text()) ?? '')} bytes of HTML`);
      await shot(page, 'approval-page.png');
      expect(workflowOf(local)).toEqual({ status: 'RUNNING', started: false });

      await page.getByLabel('Reason (required to reject)').fill('CHG-1234 planned');
      await page.getByRole('button', { name: 'Approve' }).click();
      await expect.poll(() => page.locator('h1').textContent()).toBe('Approved');
      await local.settled();
      expect(workflowOf(local)).toEqual({ status: 'SUCCEEDED', started: true });
      expect(completionEvents(local.bus).get(APPROVE_TASK)).toMatchObject({
        outcome: 'COMPLETED',
        decision: {
          decision: 'APPROVED',
          decidedBy: 'approval-link',
          via: 'link',
          reason: 'CHG-1234 planned',
        },
      });

      // The same link again: used, a clear page, nothing decided.
      const again = await page.goto(link.url);
      expect(again?.status()).toBe(409);
      expect(await page.locator('h1').textContent()).toBe('This approval was already answered');
    },
  );

  it(title('rejects with a reason: the workflow ends REJECTED, nothing started'), async () => {
    const { local, link } = await open();
    const page = await newPage();
    await page.goto(link.url);
    await page.getByRole('button', { name: 'Reject' }).click();
    await expect.poll(() => page.locator('[role=alert]').textContent()).toBe('A rejection needs a reason.');
    expect(workflowOf(local)).toEqual({ status: 'RUNNING', started: false });
    await page.getByLabel('Reason (required to reject)').fill('not during the <b>freeze</b>');
    await page.getByRole('button', { name: 'Reject' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Rejected');
    expect(await page.locator('main').innerText()).toContain('not during the <b>freeze</b>');
    await local.settled();
    expect(workflowOf(local).started).toBe(false);
    expect(completionEvents(local.bus).get(APPROVE_TASK)).toMatchObject({
      outcome: 'REJECTED',
      decision: { decision: 'REJECTED', via: 'link', reason: 'not during the <b>freeze</b>' },
    });
  });

  it(title('a GET-only visit (a mail scanner) decides nothing: the approval still waits'), async () => {
    const { local, link } = await open();
    const page = await newPage();
    for (let visit = 0; visit < 3; visit++) expect((await page.goto(link.url))?.status()).toBe(200);
    const head = await page.request.head(link.url);
    expect(head.status()).toBe(404);
    expect(workflowOf(local)).toEqual({ status: 'RUNNING', started: false });
    expect(
      local.stepFunctions
        .executions()
        .filter((e) => e.status === 'RUNNING')
        .map((e) => e.name),
    ).toEqual([APPROVE_TASK]);
  });

  it(title('a tampered link shows a refusal page and decides nothing'), async () => {
    const { local, link } = await open();
    const page = await newPage();
    const last = link.url.at(-1) === 'A' ? 'B' : 'A';
    const response = await page.goto(`${link.url.slice(0, -1)}${last}`);
    expect(response?.status()).toBe(403);
    expect(await page.locator('h1').textContent()).toBe('This approval link is not valid');
    await shot(page, 'approval-page-refused.png');
    // A link re-signed for another execution of the same task under a wrong secret: refused too.
    const forged = createLinkToken(linkSigner('guessed'), {
      executionName: APPROVE_TASK,
      taskId: APPROVE_TASK,
      requestedAt: '2026-01-01T00:00:00.000Z',
      expiresAt: link.expiresAt,
    });
    expect((await page.goto(`${local.approvalPageUrl}/${forged}`))?.status()).toBe(403);
    // A POST straight from elsewhere (no page, no CSRF token): refused.
    const post = await page.request.post(link.url, {
      form: { decision: 'approve', csrf: 'x'.repeat(43) },
    });
    expect(post.status()).toBe(403);
    expect(workflowOf(local)).toEqual({ status: 'RUNNING', started: false });
  });

  it(title('an expired link shows a clear page and decides nothing'), async () => {
    const { local, link } = await open(false);
    await local.settled(); // nobody decides: the approval's hour passes on the virtual clock
    expect(completionEvents(local.bus).get(APPROVE_TASK)).toMatchObject({ outcome: 'APPROVAL_EXPIRED' });
    const page = await newPage();
    const response = await page.goto(link.url);
    expect(response?.status()).toBe(410);
    expect(await page.locator('h1').textContent()).toBe('This approval link has expired');
    expect(workflowOf(local).started).toBe(false);
  });
});
