import { afterEach, expect, it } from 'vitest';
import type { LocalStack } from '../../src/local/stack';
import { approvalAudit, startWithApprovalLink } from '../approval-fixture';

/**
 * The approval page's SDK retries on the virtual clock. Its handler runs in the stack's process,
 * and a throttled call backs off on the virtual clock (virtual-timers.ts), as every function's does.
 * The browser's request to the page must therefore not hold the clock, or the backoff never ends
 * and the page never answers.
 */

let stack: LocalStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

it('answers a visit whose Step Functions call was throttled once: the retry backs off on the virtual clock', async () => {
  const { scenario, config, auditEvent } = approvalAudit('approvalpageretry01', 'e-approval-page-retry');
  let armed = false;
  let throttled = 0;
  const { link } = await startWithApprovalLink(
    {
      scenario,
      config,
      holdPendingCallbacks: true,
      approvalLinkSecret: 'approval-page-retry-secret',
      // Once armed, the first DescribeExecution (the page reading the approval's execution) is throttled.
      stepFunctionsFaults: (operation) => {
        if (!armed || operation !== 'DescribeExecution' || throttled > 0) return undefined;
        throttled += 1;
        return 'throttle';
      },
    },
    auditEvent,
    (local) => {
      stack = local;
    },
  );

  armed = true;
  const response = await fetch(link.url, { signal: AbortSignal.timeout(15_000) });
  expect(throttled).toBe(1);
  expect(response.status).toBe(200);
  expect(await response.text()).toContain('Approve IoT mitigation?');
}, 30_000);
