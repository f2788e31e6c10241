import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * Who can trigger a remediation, pinned on the template after the SAM transform: the start rule
 * takes only this account's audit-completion events, and only AWS IoT of this account (the service,
 * or the role it publishes with) may publish to the audit notification topic.
 */

type Json = Record<string, unknown>;

const samMissing = (() => {
  const result = spawnSync('python3', ['-c', 'import samtranslator, cfnlint'], { encoding: 'utf8' });
  return result.status === 0 ? undefined : 'python3 with samtranslator is not available';
})();
if (samMissing) console.warn(`Skipping the trigger policy tests: ${samMissing}`);

const ref = (name: string) => ({ Ref: name });
const arnOf = (name: string) => ({ 'Fn::GetAtt': [name, 'Arn'] });

describe.skipIf(samMissing !== undefined)('template.yaml: who can trigger a remediation', () => {
  let resources: Record<string, Json>;
  const props = (id: string): Json => {
    const found = resources[id];
    if (!found) throw new Error(`resource ${id} is missing`);
    return found.Properties as Json;
  };

  beforeAll(() => {
    const result = spawnSync('python3', ['scripts/sam-transform.py', 'template.yaml'], {
      encoding: 'utf8',
      maxBuffer: 32 * 1024 * 1024,
    });
    if (result.status !== 0) throw new Error(`SAM transform failed: ${result.stderr}`);
    resources = (JSON.parse(result.stdout) as { Resources: Record<string, Json> }).Resources;
  });

  it('the start rule and the archive match only the configured source, the detail-type and this account', () => {
    const pattern = {
      source: [ref('EventSource')],
      'detail-type': [ref('AuditCompletedDetailType')],
      account: [ref('AWS::AccountId')],
    };
    expect(props('StartMitigationFunctionAuditCompleted').EventPattern).toEqual(pattern);
    expect(props('AuditEventArchive').EventPattern).toEqual(pattern);
  });

  it('only AWS IoT of this account may publish to the audit notification topic', () => {
    const statements = (props('AuditNotificationTopicPolicy').PolicyDocument as Json).Statement as Json[];
    expect(statements.filter((s) => s.Effect === 'Allow')).toEqual([
      expect.objectContaining({
        Principal: { Service: 'iot.amazonaws.com' },
        Action: 'sns:Publish',
        Condition: { StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId') } },
      }),
    ]);
    // IAM grants of the account cannot open it: every other publisher is denied.
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Principal: '*',
        Action: 'sns:Publish',
        Resource: ref('AuditNotificationTopic'),
        Condition: {
          ArnNotEquals: { 'aws:PrincipalArn': arnOf('AuditNotificationRole') },
          StringNotEquals: { 'aws:PrincipalServiceName': 'iot.amazonaws.com' },
        },
      }),
    );
    expect(props('AuditNotificationRole').AssumeRolePolicyDocument).toMatchObject({
      Statement: [
        {
          Principal: { Service: 'iot.amazonaws.com' },
          Condition: { StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId') } },
        },
      ],
    });
  });
});
