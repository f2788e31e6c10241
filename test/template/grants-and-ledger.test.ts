import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { SLOTS_PARTITION, WAITING_PARTITION } from '../../src/adapters/dynamodb-queue';
import { AUDIT_CHECK_NAMES } from '../../src/core/check-catalog';

/**
 * template.yaml after the real SAM transform (scripts/sam-transform.py): the account audit
 * configuration, the scope of the mitigation actions' grants and the outcome ledger table.
 */

type Json = Record<string, unknown>;

const samMissing = (() => {
  const result = spawnSync('python3', ['-c', 'import samtranslator, cfnlint'], { encoding: 'utf8' });
  if (result.error) return `python3 is not available (${result.error.message})`;
  return result.status === 0 ? undefined : `samtranslator is missing: ${result.stderr.trim()}`;
})();
if (samMissing)
  console.warn(`Skipping the SAM transform tests: ${samMissing} (cfn-lint installs samtranslator)`);

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

describe.skipIf(samMissing !== undefined)('template.yaml grants and outcome ledger', () => {
  let resources: Record<string, Json>;
  const props = (id: string): Json => {
    const found = resources[id];
    if (!found) throw new Error(`resource ${id} is missing`);
    return isObject(found.Properties) ? found.Properties : {};
  };
  /** Every statement of the inline and attached identity policies, with where it is. */
  const identityStatements = () =>
    Object.entries(resources).flatMap(([id, r]) => {
      const p = isObject(r.Properties) ? r.Properties : {};
      const documents =
        r.Type === 'AWS::IAM::Role'
          ? asArray(p.Policies ?? []).map((policy) => (isObject(policy) ? policy.PolicyDocument : undefined))
          : r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy'
            ? [p.PolicyDocument]
            : [];
      return documents.flatMap((doc) =>
        isObject(doc)
          ? asArray(doc.Statement)
              .filter(isObject)
              .map((statement) => ({ id, statement }))
          : [],
      );
    });
  const allows = (action: string) =>
    identityStatements().filter(
      ({ statement }) => statement.Effect === 'Allow' && asArray(statement.Action).includes(action),
    );

  beforeAll(() => {
    const result = spawnSync('python3', ['scripts/sam-transform.py', 'template.yaml'], {
      encoding: 'utf8',
      maxBuffer: 32 * 1024 * 1024,
    });
    if (result.status !== 0) throw new Error(`SAM transform failed: ${result.stderr}`);
    resources = (JSON.parse(result.stdout) as Json).Resources as Record<string, Json>;
  });

  it('enables every audit check of the catalog in the account audit configuration, the certificate age check included', () => {
    // Prepare: CloudFormation keys are the API names in PascalCase (IoTPolicyPotentialMisConfigurationCheck...).
    const checks = props('AccountAuditConfiguration').AuditCheckConfigurations as Record<string, Json>;
    const enabled = new Set(
      Object.entries(checks)
        .filter(([, value]) => value.Enabled === true)
        .map(([key]) => key.toLowerCase()),
    );

    // Act
    const missing = AUDIT_CHECK_NAMES.filter((name) => !enabled.has(name.replaceAll('_', '').toLowerCase()));

    // Assess
    expect(checks.DeviceCertificateAgeCheck).toEqual({ Enabled: true });
    expect(missing).toEqual([]);
  });

  it('grants ListPrincipalThings on "*" alone: the action has no resource type (list_awsiot), so an ARN would deny it', () => {
    const grants = allows('iot:ListPrincipalThings');
    // The quarantine action's role, and start-mitigation (the things of previewed certificates).
    expect(grants.map(({ id }) => id)).toEqual(['QuarantineThingsRole', 'StartMitigationFunctionRole']);
    for (const grant of grants) expect(grant.statement.Resource).toBe('*');
  });

  it('lets every sns:Publish grant publish only to the topic its role serves', () => {
    const grants = allows('sns:Publish').map(({ id, statement }) => ({ id, resource: statement.Resource }));
    expect(grants).toEqual([
      { id: 'AuditNotificationRole', resource: { Ref: 'AuditNotificationTopic' } },
      { id: 'PublishFindingToSnsRole', resource: { Ref: 'FindingsTopic' } },
    ]);
    // The PublishFindingToSns action publishes to the very topic its role may publish to.
    expect(props('PublishFindingToSns').ActionParams).toEqual({
      PublishFindingToSnsParams: { TopicArn: { Ref: 'FindingsTopic' } },
    });
    expect(props('PublishFindingToSns').RoleArn).toEqual({
      'Fn::GetAtt': ['PublishFindingToSnsRole', 'Arn'],
    });
  });

  it('keeps the outcome ledger on demand, encrypted, expiring, with point-in-time recovery as a parameter', () => {
    const table = props('OutcomeLedgerTable');
    expect(table.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table.KeySchema).toEqual([{ AttributeName: 'pk', KeyType: 'HASH' }]);
    expect(table.SSESpecification).toEqual({ SSEEnabled: true });
    expect(table.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    expect(table.PointInTimeRecoverySpecification).toEqual({
      PointInTimeRecoveryEnabled: { 'Fn::If': ['OutcomeLedgerRecoverable', true, false] },
    });
  });

  it('grants the outcome ledger: record-outcome claims events, start-mitigation and verify-audit read and write verification records only; the queue to the dispatcher only (on its keys)', () => {
    const dynamodb = identityStatements().filter(({ statement }) =>
      asArray(statement.Action).some((action) => String(action).startsWith('dynamodb:')),
    );
    const table = { 'Fn::GetAtt': ['OutcomeLedgerTable', 'Arn'] };
    const verificationKeys = { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['verification#*'] } };
    expect(
      dynamodb.map(({ id, statement }) => ({
        id,
        action: statement.Action,
        resource: statement.Resource,
        condition: statement.Condition,
      })),
    ).toEqual([
      {
        id: 'DispatcherFunctionRole',
        action: [
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:DeleteItem',
          'dynamodb:Query',
        ],
        resource: [
          { 'Fn::GetAtt': ['MitigationQueueTable', 'Arn'] },
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub string
          { 'Fn::Sub': '${MitigationQueueTable.Arn}/index/ActiveByRank' },
        ],
        condition: {
          'ForAllValues:StringLike': {
            'dynamodb:LeadingKeys': ['remediate-*', '#dispatcher-lease', WAITING_PARTITION, SLOTS_PARTITION],
          },
        },
      },
      { id: 'RecordOutcomeFunctionRole', action: 'dynamodb:PutItem', resource: table, condition: undefined },
      {
        id: 'StartMitigationFunctionRole',
        action: 'dynamodb:GetItem',
        resource: table,
        condition: verificationKeys,
      },
      {
        id: 'VerifyAuditFunctionRole',
        action: 'dynamodb:PutItem',
        resource: table,
        condition: verificationKeys,
      },
    ]);
    const queue = props('MitigationQueueTable');
    expect(queue).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      PointInTimeRecoverySpecification: {
        PointInTimeRecoveryEnabled: { 'Fn::If': ['MitigationQueueRecoverable', true, false] },
      },
    });
    for (const fn of ['RecordOutcomeFunction', 'StartMitigationFunction', 'VerifyAuditFunction']) {
      const environment = (props(fn).Environment as Json).Variables as Json;
      expect(environment.OUTCOME_LEDGER_TABLE, fn).toEqual({ Ref: 'OutcomeLedgerTable' });
    }
  });
});
