import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './fixture';

/**
 * Check names like Object.prototype members as map keys of StartAuditMitigationActionsTask. Sent as
 * raw JSON: the SDK's serialiser itself would drop a "__proto__" key.
 */
const NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];

describe('iot emulator: prototype-like map keys', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  async function start(taskId: string, body: string) {
    const response = await fetch(`${h.url}/audit/mitigationactions/tasks/${taskId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    return {
      status: response.status,
      type: response.headers.get('x-amzn-errortype'),
      body: await response.text(),
    };
  }

  it.each(NAMES)('refuses the check %s in auditCheckToActionsMapping, naming it', async (name) => {
    // Act
    const answer = await start(
      `task-${name.replace(/_/g, 'x')}`,
      `{"target":{"auditTaskId":"audit-1"},"auditCheckToActionsMapping":{${JSON.stringify(name)}:["notify-sns"]},"clientRequestToken":"token-1"}`,
    );

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.type).toContain('InvalidRequestException');
    expect(answer.body).toContain(`check ${name}`);
    expect(h.emulator.mitigationTasks()).toEqual([]);
  });
});
