import { describe, expect, it } from 'vitest';
import { ScenarioSchema } from '../../../src/local/scenario';

describe('scenario approvals (scripted decisions)', () => {
  it('defaults to none', () => {
    expect(ScenarioSchema.parse({}).approvals).toEqual([]);
  });

  it('takes a decision by task id or by check, with its delay and reason', () => {
    const approvals = [
      { taskId: 'remediate-a-approve', decision: 'approve', afterSeconds: 3600, reason: 'CHG-1' },
      { check: 'DEVICE_CERTIFICATE_SHARED_CHECK', decision: 'reject', afterSeconds: 0, reason: ' not now ' },
    ];
    expect(ScenarioSchema.parse({ approvals }).approvals).toEqual([
      approvals[0],
      { ...approvals[1], reason: 'not now' },
    ]);
  });

  it.each([
    [{ decision: 'approve', afterSeconds: 1, reason: 'r' }, 'approvals.0', 'give taskId or check'],
    [{ check: 'C', decision: 'maybe', afterSeconds: 1, reason: 'r' }, 'approvals.0.decision', ''],
    [{ check: 'C', decision: 'approve', afterSeconds: -1, reason: 'r' }, 'approvals.0.afterSeconds', ''],
    [{ check: 'C', decision: 'reject', afterSeconds: 1, reason: ' ' }, 'approvals.0.reason', ''],
    [{ check: 'C', decision: 'reject', afterSeconds: 1 }, 'approvals.0.reason', ''],
    [{ check: 'C', decision: 'approve', afterSeconds: 1, reason: 'r', extra: 1 }, 'approvals.0', 'extra'],
  ])('refuses %j at its path', (entry, path, message) => {
    const parsed = ScenarioSchema.safeParse({ approvals: [entry] });
    expect(parsed.success).toBe(false);
    const issue = parsed.error?.issues.find((i) => i.path.join('.') === path);
    expect(issue, JSON.stringify(parsed.error?.issues)).toBeDefined();
    expect(issue?.message).toContain(message);
  });
});
