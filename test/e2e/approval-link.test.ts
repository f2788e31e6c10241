import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { AUDIT_COMPLETED_DETAIL_TYPE, DEFAULT_EVENT_SOURCE } from '../../src/core';
import { startLocal } from './helpers';

/**
 * `iot-remediate local` prints the approval page link of each approval request (as the approvers'
 * e-mail carries it) and serves the page: the link opens the plan, the page's form approves, and the
 * workflow goes on. Explicit config: scenarios/default.config.json (approve on destructive checks);
 * the sample scenario without its scripted decisions, so that the page is the one to decide.
 */
const AUDIT = 'a3aea009955e501a31b764abe1bebd3d';
const TASK = `remediate-${AUDIT}-approve`;

describe('iot-remediate local: approval links', () => {
  it('prints the link of the approval request; GET shows the plan, the form POST approves', async () => {
    // Prepare
    const scenario = JSON.parse(readFileSync('scenarios/default.json', 'utf8')) as Record<string, unknown>;
    const scenarioFile = join(mkdtempSync(join(tmpdir(), 'approval-link-')), 'scenario.json');
    writeFileSync(scenarioFile, JSON.stringify({ ...scenario, approvals: [] }));
    const local = await startLocal([
      '--clock',
      'virtual',
      '--scenario',
      scenarioFile,
      '--config',
      `${process.cwd()}/scenarios/default.config.json`,
    ]);
    const clientConfig = {
      endpoint: local.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    };
    let stdout = '';
    local.process.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    try {
      await new EventBridgeClient(clientConfig).send(
        new PutEventsCommand({
          Entries: [
            {
              Source: DEFAULT_EVENT_SOURCE,
              DetailType: AUDIT_COMPLETED_DETAIL_TYPE,
              Detail: JSON.stringify({ taskId: AUDIT }),
            },
          ],
        }),
      );
      const printed = async () => {
        for (let attempt = 0; attempt < 200; attempt++) {
          const line = stdout.split('\n').find((l) => l.includes(`"taskId":"${TASK}"`));
          if (line) return JSON.parse(line) as { approvalLink: string; taskId: string; expiresAt: string };
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        throw new Error(`no approval link printed; stdout: ${stdout}`);
      };

      // Act
      const link = await printed();
      const shown = await fetch(link.approvalLink);
      const html = await shown.text();
      const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
      const origin = new URL(link.approvalLink).origin;
      const decided = await fetch(link.approvalLink, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
        body: new URLSearchParams({ decision: 'approve', csrf, reason: 'CHG-9' }).toString(),
      });
      const decidedHtml = await decided.text();
      const sfn = new SFNClient(clientConfig);
      const executionArn = `${local.outputs.MitigationStateMachineArn?.replace(':stateMachine:', ':execution:')}:${TASK}`;
      let status = 'RUNNING';
      for (let attempt = 0; attempt < 200 && status === 'RUNNING'; attempt++) {
        status = (await sfn.send(new DescribeExecutionCommand({ executionArn }))).status ?? '';
        if (status === 'RUNNING') await new Promise((resolve) => setTimeout(resolve, 50));
      }

      // Assess
      expect(link.approvalLink).toMatch(
        new RegExp(`^${local.endpoint}/approvals/[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]{43}$`),
      );
      expect(Date.parse(link.expiresAt)).toBeGreaterThan(0);
      expect(shown.status).toBe(200);
      expect(html).toContain(TASK);
      expect(csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(decided.status).toBe(200);
      expect(decidedHtml).toContain('<h1>Approved</h1>');
      expect(status).toBe('SUCCEEDED');
    } finally {
      expect(await local.stop()).toBe(0);
    }
  });
});
