import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { workflowSubstitutions } from '../../src/local/step-functions/workflow-substitutions';

/**
 * Offline checks of template.yaml: cfn-lint, and assertions on the template after the real SAM
 * transform (scripts/sam-transform.py runs the SAM translator the way cfn-lint does).
 */

type Json = Record<string, unknown>;

function probe(command: string, args: string[]): string | undefined {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.error) return `${command} is not available (${result.error.message})`;
  // The last line of a traceback says what is missing; the reason must fit on one line.
  if (result.status !== 0)
    return `${command} ${args.join(' ')} failed: ${result.stderr.trim().split('\n').at(-1)}`;
  return undefined;
}

const cfnLintMissing = probe('cfn-lint', ['--version']);
const samMissing = probe('python3', ['-c', 'import samtranslator, cfnlint']);
if (cfnLintMissing) console.warn(`Skipping the cfn-lint test: ${cfnLintMissing}`);
if (samMissing)
  console.warn(`Skipping the SAM transform tests: ${samMissing} (cfn-lint installs samtranslator)`);

/** The title suffix of a test that does not run here, with the reason. */
function skipped(reason: string | undefined): string {
  return reason === undefined ? '' : ` (skipped: ${reason})`;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

/**
 * The Makefile's `build-<LogicalId>` targets and the function each builds: the recipe must be exactly
 * `$(NODE) scripts/build.mjs --function <name> --outdir "$(ARTIFACTS_DIR)"`.
 */
function makefileTargets(): Map<string, string> {
  const targets = new Map<string, string>();
  const recipe =
    /^build-(\w+): node_modules\n\t\$\(NODE\) scripts\/build\.mjs --function ([a-z-]+) --outdir "\$\(ARTIFACTS_DIR\)"\n/gm;
  for (const [, id, name] of readFileSync('Makefile', 'utf8').matchAll(recipe)) {
    if (id !== undefined && name !== undefined) targets.set(id, name);
  }
  return targets;
}

/** Both branches of an Fn::If, minus AWS::NoValue; anything else as is. */
function branches(value: unknown): unknown[] {
  if (isObject(value) && Array.isArray(value['Fn::If'])) {
    const [, whenTrue, whenFalse] = value['Fn::If'];
    return [whenTrue, whenFalse]
      .filter((v) => !(isObject(v) && v.Ref === 'AWS::NoValue'))
      .flatMap((v) => branches(v));
  }
  return [value];
}

const ref = (name: string) => ({ Ref: name });
const arnOf = (name: string) => ({ 'Fn::GetAtt': [name, 'Arn'] });
const defaultBusArn = {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub string
  'Fn::Sub': 'arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default',
};
const busArn = { 'Fn::If': ['UseDedicatedBus', arnOf('AuditEventBus'), defaultBusArn] };
const busName = { 'Fn::If': ['UseDedicatedBus', ref('AuditEventBus'), 'default'] };

interface PolicyStatement {
  readonly where: string;
  readonly statement: Json;
}

describe('template.yaml', () => {
  // A skip names its reason in the title: scripts/run-tests.mjs lists skipped tests with it.
  it.skipIf(cfnLintMissing !== undefined)(`passes cfn-lint${skipped(cfnLintMissing)}`, () => {
    const result = spawnSync('cfn-lint', ['template.yaml'], { encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  describe.skipIf(samMissing !== undefined)(`after the SAM transform${skipped(samMissing)}`, () => {
    let template: Json;
    let resources: Record<string, Json>;

    const resource = (id: string): Json => {
      const found = resources[id];
      if (!found) throw new Error(`resource ${id} is missing`);
      return found;
    };
    const props = (id: string): Json => {
      const properties = resource(id).Properties;
      return isObject(properties) ? properties : {};
    };
    const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

    /** Every statement of every identity and resource policy in the template. */
    const statements = (): PolicyStatement[] => {
      const found: PolicyStatement[] = [];
      const add = (where: string, document: unknown) => {
        for (const doc of branches(document)) {
          if (!isObject(doc)) continue;
          for (const statement of asArray(doc.Statement)) {
            if (isObject(statement)) found.push({ where, statement });
          }
        }
      };
      for (const [id, r] of Object.entries(resources)) {
        const p = isObject(r.Properties) ? r.Properties : {};
        if (r.Type === 'AWS::IAM::Role') {
          for (const policy of asArray(p.Policies ?? []).flatMap(branches)) {
            if (isObject(policy)) add(`${id}/${String(policy.PolicyName)}`, policy.PolicyDocument);
          }
        }
        if (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') add(id, p.PolicyDocument);
        if (r.Type === 'AWS::SQS::QueuePolicy' || r.Type === 'AWS::SNS::TopicPolicy')
          add(id, p.PolicyDocument);
        if (r.Type === 'AWS::KMS::Key') add(id, p.KeyPolicy);
      }
      return found;
    };

    beforeAll(() => {
      const result = spawnSync('python3', ['scripts/sam-transform.py', 'template.yaml'], {
        encoding: 'utf8',
        maxBuffer: 32 * 1024 * 1024,
      });
      if (result.status !== 0) throw new Error(`SAM transform failed: ${result.stderr}`);
      template = JSON.parse(result.stdout) as Json;
      resources = template.Resources as Record<string, Json>;
    });

    it('has every resource of the design', () => {
      const expected: Record<string, string> = {
        AuditNotificationTopic: 'AWS::SNS::Topic',
        AuditNotificationTopicPolicy: 'AWS::SNS::TopicPolicy',
        AuditNotificationRole: 'AWS::IAM::Role',
        AuditNotificationBridgeFunction: 'AWS::Lambda::Function',
        AuditNotificationBridgeFunctionAuditNotification: 'AWS::SNS::Subscription',
        AuditNotificationBridgeFunctionEventInvokeConfig: 'AWS::Lambda::EventInvokeConfig',
        AuditNotificationBridgeLogGroup: 'AWS::Logs::LogGroup',
        BridgeDeadLetterQueue: 'AWS::SQS::Queue',
        AuditEventBus: 'AWS::Events::EventBus',
        AuditEventArchive: 'AWS::Events::Archive',
        StartMitigationFunction: 'AWS::Lambda::Function',
        StartMitigationFunctionAuditCompleted: 'AWS::Events::Rule',
        StartMitigationFunctionEventInvokeConfig: 'AWS::Lambda::EventInvokeConfig',
        StartMitigationLogGroup: 'AWS::Logs::LogGroup',
        RuleDeadLetterQueue: 'AWS::SQS::Queue',
        StartMitigationFailureQueue: 'AWS::SQS::Queue',
        MitigationStateMachine: 'AWS::StepFunctions::StateMachine',
        MitigationStateMachineLogGroup: 'AWS::Logs::LogGroup',
        AccountAuditConfiguration: 'AWS::IoT::AccountAuditConfiguration',
        ScheduledAudit: 'AWS::IoT::ScheduledAudit',
        AlarmTopic: 'AWS::SNS::Topic',
        OperationsDashboard: 'AWS::CloudWatch::Dashboard',
        RequestApprovalFunction: 'AWS::Lambda::Function',
        RequestApprovalLogGroup: 'AWS::Logs::LogGroup',
        ApproverPolicy: 'AWS::IAM::ManagedPolicy',
        WriteReportFunction: 'AWS::Lambda::Function',
        WriteReportLogGroup: 'AWS::Logs::LogGroup',
        ReportBucket: 'AWS::S3::Bucket',
        ReportBucketPolicy: 'AWS::S3::BucketPolicy',
        ReportReaderPolicy: 'AWS::IAM::ManagedPolicy',
        VerifyAuditFunction: 'AWS::Lambda::Function',
        VerifyAuditLogGroup: 'AWS::Logs::LogGroup',
        ResourcesStillNonCompliantAlarm: 'AWS::CloudWatch::Alarm',
      };
      for (const [id, type] of Object.entries(expected)) expect(resource(id).Type, id).toBe(type);
      expect(resource('AuditEventBus').Condition).toBe('UseDedicatedBus');
      expect(resource('AlarmTopic').Condition).toBe('HasAlarmEmail');
      for (const id of ['AccountAuditConfiguration', 'ScheduledAudit', 'AuditRole']) {
        expect(resource(id).Condition, id).toBe('ConfigureAccount');
      }
    });

    it('runs every function on nodejs22.x arm64 with tracing and their own log group', () => {
      for (const [id, logGroup] of [
        ['StartMitigationFunction', 'StartMitigationLogGroup'],
        ['AuditNotificationBridgeFunction', 'AuditNotificationBridgeLogGroup'],
        ['RecordOutcomeFunction', 'RecordOutcomeLogGroup'],
        ['RequestApprovalFunction', 'RequestApprovalLogGroup'],
        ['WriteReportFunction', 'WriteReportLogGroup'],
        ['ApprovalPageFunction', 'ApprovalPageLogGroup'],
        ['VerifyAuditFunction', 'VerifyAuditLogGroup'],
      ] as const) {
        const p = props(id);
        expect(p.Runtime).toBe('nodejs22.x');
        expect(p.Architectures).toEqual(['arm64']);
        expect(p.TracingConfig).toEqual({ Mode: 'Active' });
        expect(p.LoggingConfig).toEqual({ LogGroup: ref(logGroup) });
        expect(props(logGroup).RetentionInDays).toEqual(ref('LogRetentionDays'));
      }
      const startEnv = (props('StartMitigationFunction').Environment as Json).Variables as Json;
      expect(startEnv).toMatchObject({
        STATE_MACHINE_ARN: ref('MitigationStateMachine'),
        REMEDIATION_CONFIG_PARAMETER: ref('RemediationConfigParameter'),
        POLL_DEADLINE_SECONDS: ref('PollDeadlineSeconds'),
        EVENT_BUS_NAME: busName,
        EVENT_SOURCE: ref('EventSource'),
        POWERTOOLS_SERVICE_NAME: 'start-mitigation',
        POWERTOOLS_METRICS_NAMESPACE: ref('MetricsNamespace'),
        LOG_LEVEL: ref('LogLevel'),
      });
      const bridgeEnv = (props('AuditNotificationBridgeFunction').Environment as Json).Variables as Json;
      expect(bridgeEnv).toMatchObject({
        EVENT_BUS_NAME: busName,
        EVENT_SOURCE: ref('EventSource'),
        EVENT_DETAIL_TYPE: ref('AuditCompletedDetailType'),
        POWERTOOLS_SERVICE_NAME: 'audit-notification-bridge',
      });
      const approvalEnv = (props('RequestApprovalFunction').Environment as Json).Variables as Json;
      expect(approvalEnv).toMatchObject({
        EVENT_BUS_NAME: busName,
        EVENT_SOURCE: ref('EventSource'),
        APPROVAL_TOPIC_ARN: {
          'Fn::If': ['HasApproverEmail', ref('ApproversTopic'), ref('ApprovalTopicArn')],
        },
        APPROVAL_LINK_SECRET_ARN: { 'Fn::If': ['HasApproverEmail', ref('ApprovalLinkSecret'), ''] },
        POWERTOOLS_SERVICE_NAME: 'request-approval',
      });
      const pageEnv = (props('ApprovalPageFunction').Environment as Json).Variables as Json;
      expect(pageEnv).toMatchObject({
        STATE_MACHINE_ARN: {
          'Fn::Sub':
            // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub string
            'arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:${AWS::StackName}-workflow',
        },
        APPROVAL_LINK_SECRET_ARN: ref('ApprovalLinkSecret'),
        POWERTOOLS_SERVICE_NAME: 'approval-page',
      });
    });

    it("builds every function with the project's own build: a Makefile target that runs scripts/build.mjs for it", () => {
      // SAM's esbuild BuildMethod takes no code splitting, which the lazy chunks need; with
      // BuildMethod makefile, `sam build` runs `make build-<LogicalId>` with ARTIFACTS_DIR set.
      const targets = makefileTargets();
      for (const [id, name] of [
        ['StartMitigationFunction', 'start-mitigation'],
        ['AuditNotificationBridgeFunction', 'audit-notification-bridge'],
        ['RecordOutcomeFunction', 'record-outcome'],
        ['RequestApprovalFunction', 'request-approval'],
        ['WriteReportFunction', 'write-report'],
        ['ApprovalPageFunction', 'approval-page'],
      ] as const) {
        expect(resource(id).Metadata).toEqual({ BuildMethod: 'makefile' });
        expect(targets.get(id)).toBe(name);
        // scripts/build.mjs writes index.mjs (plus chunks/), which the handler names.
        expect(props(id).Handler).toBe('index.handler');
      }
    });

    it('routes the audit-completion events from the rule to the start-mitigation function, with retries and a DLQ', () => {
      const rule = props('StartMitigationFunctionAuditCompleted');
      expect(rule.EventBusName).toEqual(busName);
      expect(rule.EventPattern).toEqual({
        source: [ref('EventSource')],
        'detail-type': [ref('AuditCompletedDetailType')],
        account: [ref('AWS::AccountId')],
      });
      const [target] = rule.Targets as Json[];
      expect(target).toMatchObject({
        Arn: arnOf('StartMitigationFunction'),
        DeadLetterConfig: { Arn: arnOf('RuleDeadLetterQueue') },
        RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
      });
      expect(props('StartMitigationFunctionAuditCompletedPermission')).toMatchObject({
        Principal: 'events.amazonaws.com',
        SourceArn: arnOf('StartMitigationFunctionAuditCompleted'),
      });
      // Only this rule may write to its DLQ.
      const allow = ((props('RuleDeadLetterQueuePolicy').PolicyDocument as Json).Statement as Json[]).find(
        (s) => s.Effect === 'Allow',
      );
      expect(allow).toMatchObject({
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Condition: { ArnEquals: { 'aws:SourceArn': arnOf('StartMitigationFunctionAuditCompleted') } },
      });
    });

    it('routes the task-finished and verification events to the record-outcome function, which publishes the metrics', () => {
      const rule = props('RecordOutcomeFunctionTaskFinished');
      expect(rule.EventBusName).toEqual(busName);
      expect(rule.EventPattern).toEqual({
        source: [ref('EventSource')],
        'detail-type': ['Audit Mitigation Task Finished', 'Audit Verification Finished'],
      });
      expect((rule.Targets as Json[])[0]).toMatchObject({ Arn: arnOf('RecordOutcomeFunction') });
      // Every function directory is deployed: a new function cannot be forgotten in the template.
      const targets = makefileTargets();
      const deployed = Object.entries(resources)
        .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
        .map(([id]) => targets.get(id));
      expect(deployed.sort()).toEqual(readdirSync('functions').sort());
    });

    it('archives the audit-completion events of the bus the rule listens on', () => {
      const archive = props('AuditEventArchive');
      expect(archive.SourceArn).toEqual(busArn);
      expect(archive.RetentionDays).toEqual(ref('ArchiveRetentionDays'));
      expect(archive.EventPattern).toEqual(props('StartMitigationFunctionAuditCompleted').EventPattern);
    });

    it('sends failed asynchronous invocations of every function to their SQS on-failure queue', () => {
      for (const [id, queue] of [
        ['StartMitigationFunctionEventInvokeConfig', 'StartMitigationFailureQueue'],
        ['AuditNotificationBridgeFunctionEventInvokeConfig', 'BridgeDeadLetterQueue'],
        ['RecordOutcomeFunctionEventInvokeConfig', 'RecordOutcomeFailureQueue'],
      ] as const) {
        expect(props(id)).toMatchObject({
          MaximumRetryAttempts: 2,
          DestinationConfig: { OnFailure: { Destination: arnOf(queue) } },
        });
      }
    });

    it('subscribes the bridge to the audit notification topic, with an SNS redrive DLQ', () => {
      expect(props('AuditNotificationBridgeFunctionAuditNotification')).toMatchObject({
        Protocol: 'lambda',
        Endpoint: arnOf('AuditNotificationBridgeFunction'),
        TopicArn: ref('AuditNotificationTopic'),
        RedrivePolicy: { deadLetterTargetArn: arnOf('BridgeDeadLetterQueue') },
      });
      const allows = (
        (props('AuditNotificationTopicPolicy').PolicyDocument as Json).Statement as Json[]
      ).filter((s) => s.Effect === 'Allow');
      expect(allows).toEqual([
        expect.objectContaining({
          Principal: { Service: 'iot.amazonaws.com' },
          Action: 'sns:Publish',
          Condition: { StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId') } },
        }),
      ]);
      expect(props('AccountAuditConfiguration').AuditNotificationTargetConfigurations).toEqual({
        Sns: {
          TargetArn: ref('AuditNotificationTopic'),
          RoleArn: arnOf('AuditNotificationRole'),
          Enabled: true,
        },
      });
    });

    it('encrypts every queue and topic', () => {
      for (const [id, queue] of ofType('AWS::SQS::Queue')) {
        const p = queue.Properties as Json;
        expect(p.SqsManagedSseEnabled === true || p.KmsMasterKeyId !== undefined, id).toBe(true);
      }
      for (const [id, topic] of ofType('AWS::SNS::Topic')) {
        expect((topic.Properties as Json).KmsMasterKeyId, id).toBeDefined();
      }
    });

    it('fills every placeholder of the state machine definition, and only those', () => {
      const asl = readFileSync('statemachine/mitigation-workflow.asl.json', 'utf8');
      const placeholders = new Set([...asl.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]));
      const machine = props('MitigationStateMachine');
      expect(new Set(Object.keys(machine.DefinitionSubstitutions as Json))).toEqual(placeholders);
      // The local stack and the workflow tests substitute the same placeholders.
      expect(new Set(Object.keys(workflowSubstitutions()))).toEqual(placeholders);
      expect(machine.DefinitionSubstitutions).toEqual({
        EventBusName: busName,
        EventSource: ref('EventSource'),
        RequestApprovalFunctionArn: arnOf('RequestApprovalFunction'),
        WriteReportFunctionArn: arnOf('WriteReportFunction'),
        VerifyAuditFunctionArn: arnOf('VerifyAuditFunction'),
        DispatcherFunctionArn: arnOf('DispatcherFunction'),
        RetryFailedFindingsFunctionArn: arnOf('RetryFailedFindingsFunction'),
      });
      expect(machine.StateMachineType).toBe('STANDARD');
      expect(machine.TracingConfiguration).toEqual({ Enabled: true });
      expect(machine.LoggingConfiguration).toMatchObject({
        IncludeExecutionData: false,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: arnOf('MitigationStateMachineLogGroup') } }],
      });
      expect(['ALL', 'ERROR']).toContain((machine.LoggingConfiguration as Json).Level);
    });

    it('watches each queue, function and the state machine with an alarm on the right metric', () => {
      const alarms = Object.fromEntries(
        ofType('AWS::CloudWatch::Alarm').map(([id, alarm]) => {
          const p = alarm.Properties as Json;
          return [id, { namespace: p.Namespace, metric: p.MetricName, dimensions: p.Dimensions }];
        }),
      );
      const queueDepth = (queue: string) => ({
        namespace: 'AWS/SQS',
        metric: 'ApproximateNumberOfMessagesVisible',
        dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue, 'QueueName'] } }],
      });
      expect(alarms).toEqual({
        BridgeDeadLetterQueueAlarm: queueDepth('BridgeDeadLetterQueue'),
        RuleDeadLetterQueueAlarm: queueDepth('RuleDeadLetterQueue'),
        StartMitigationFailureQueueAlarm: queueDepth('StartMitigationFailureQueue'),
        RecordOutcomeFailureQueueAlarm: queueDepth('RecordOutcomeFailureQueue'),
        StartMitigationErrorsAlarm: {
          namespace: 'AWS/Lambda',
          metric: 'Errors',
          dimensions: [{ Name: 'FunctionName', Value: ref('StartMitigationFunction') }],
        },
        RequestApprovalErrorsAlarm: {
          namespace: 'AWS/Lambda',
          metric: 'Errors',
          dimensions: [{ Name: 'FunctionName', Value: ref('RequestApprovalFunction') }],
        },
        DispatcherErrorsAlarm: {
          namespace: 'AWS/Lambda',
          metric: 'Errors',
          dimensions: [{ Name: 'FunctionName', Value: ref('DispatcherFunction') }],
        },
        QueueAgeAlarm: {
          namespace: ref('MetricsNamespace'),
          metric: 'OldestQueuedAgeSeconds',
          dimensions: [{ Name: 'service', Value: 'dispatcher' }],
        },
        AuditNotificationBridgeErrorsAlarm: {
          namespace: 'AWS/Lambda',
          metric: 'Errors',
          dimensions: [{ Name: 'FunctionName', Value: ref('AuditNotificationBridgeFunction') }],
        },
        StateMachineExecutionsFailedAlarm: {
          namespace: 'AWS/States',
          metric: 'ExecutionsFailed',
          dimensions: [{ Name: 'StateMachineArn', Value: ref('MitigationStateMachine') }],
        },
        StateMachineExecutionsTimedOutAlarm: {
          namespace: 'AWS/States',
          metric: 'ExecutionsTimedOut',
          dimensions: [{ Name: 'StateMachineArn', Value: ref('MitigationStateMachine') }],
        },
        // The total record-outcome publishes next to the per-check metrics (Powertools adds the service dimension).
        ResourcesStillNonCompliantAlarm: {
          namespace: ref('MetricsNamespace'),
          metric: 'ResourcesStillNonCompliant',
          dimensions: [{ Name: 'service', Value: 'record-outcome' }],
        },
      });
    });

    it('shows the custom metrics, the workflow metrics and the queues on the dashboard', () => {
      const body = JSON.stringify(props('OperationsDashboard').DashboardBody);
      for (const metric of [
        'TasksStarted',
        'TasksSkipped',
        'TasksDeferred',
        'PlanErrors',
        'ApprovalsRequested',
        'TasksApproved',
        'TasksRejected',
        'ApprovalsExpired',
        'ChecksNotified',
        'FindingsSucceeded',
        'FindingsFailed',
        'ResourcesVerifiedFixed',
        'ResourcesStillNonCompliant',
        'ExecutionsSucceeded',
        'ExecutionsFailed',
        'ApproximateNumberOfMessagesVisible',
        'Throttles',
        'Duration',
        // The dispatcher's panel: queue depth, our running tasks, Start calls, LimitExceeded, queue age.
        'QueueDepth',
        'RunningTasks',
        'StartCalls',
        'StartLimitExceeded',
        'OldestQueuedAgeSeconds',
      ]) {
        expect(body, metric).toContain(metric);
      }
    });

    it('defines the mitigation actions that config/remediation.json names, each with its own role', () => {
      const config = JSON.parse(readFileSync('config/remediation.json', 'utf8')) as {
        actionTypes: Record<string, string>;
      };
      const paramsKey: Record<string, string> = {
        ADD_THINGS_TO_THING_GROUP: 'AddThingsToThingGroupParams',
        UPDATE_DEVICE_CERTIFICATE: 'UpdateDeviceCertificateParams',
        UPDATE_CA_CERTIFICATE: 'UpdateCACertificateParams',
        REPLACE_DEFAULT_POLICY_VERSION: 'ReplaceDefaultPolicyVersionParams',
        ENABLE_IOT_LOGGING: 'EnableIoTLoggingParams',
        PUBLISH_FINDING_TO_SNS: 'PublishFindingToSnsParams',
      };
      const actions = ofType('AWS::IoT::MitigationAction');
      const declared = Object.fromEntries(
        actions.map(([, a]) => {
          const p = a.Properties as Json;
          const type = Object.entries(paramsKey).find(([, key]) => key in (p.ActionParams as Json))?.[0];
          return [p.ActionName, type];
        }),
      );
      expect(declared).toEqual(config.actionTypes);
      const roles = actions.map(([, a]) => JSON.stringify((a.Properties as Json).RoleArn));
      expect(new Set(roles).size).toBe(actions.length);
      for (const [id, a] of actions) expect(a.Condition, id).toBe('ConfigureAccount');
    });

    it('grants no wildcard action in any Allow statement (every statement printed)', () => {
      const all = statements();
      console.log(
        all
          .map(({ where, statement }) =>
            [
              `${where} ${String(statement.Sid ?? '')} ${String(statement.Effect)}`,
              `  Action: ${JSON.stringify(statement.Action)}`,
              `  Resource: ${JSON.stringify(statement.Resource ?? statement.Principal)}`,
              statement.Condition ? `  Condition: ${JSON.stringify(statement.Condition)}` : '',
            ]
              .filter(Boolean)
              .join('\n'),
          )
          .join('\n'),
      );
      expect(all.length).toBeGreaterThan(15);
      for (const { where, statement } of all) {
        const actions = asArray(statement.Action).map(String);
        if (statement.Effect === 'Allow') {
          for (const action of actions) expect(action, `${where}: ${action}`).not.toMatch(/\*/);
          expect(statement.NotAction, where).toBeUndefined();
        } else if (statement.Sid === 'DenyPublishersOtherThanIoT') {
          // The topic's publisher guardrail, pinned in trigger-policy.test.ts.
          expect(where).toBe('AuditNotificationTopicPolicy');
        } else {
          // Otherwise wildcards only in the deny-insecure-transport guardrails.
          expect(statement.Condition, where).toEqual({ Bool: { 'aws:SecureTransport': 'false' } });
        }
      }
    });

    it('uses only the expected AWS managed policies', () => {
      const managed = new Set(
        ofType('AWS::IAM::Role').flatMap(([, r]) =>
          asArray((r.Properties as Json).ManagedPolicyArns ?? []).map((arn) => JSON.stringify(arn)),
        ),
      );
      expect([...managed].sort()).toEqual(
        [
          JSON.stringify('arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess'),
          JSON.stringify('arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'),
          JSON.stringify({
            // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub string
            'Fn::Sub': 'arn:${AWS::Partition}:iam::aws:policy/service-role/AWSIoTDeviceDefenderAudit',
          }),
        ].sort(),
      );
    });

    it('gives the start-mitigation function only what it calls', () => {
      const actions = statements()
        .filter((s) => s.where.startsWith('StartMitigationFunctionRole/'))
        .flatMap((s) => asArray(s.statement.Action).map(String))
        .sort();
      expect(actions).toEqual(
        [
          'events:PutEvents',
          'iot:DescribeAuditTask',
          'iot:ListAuditFindings',
          'iot:ListPrincipalThings',
          'iot:ListThingPrincipals',
          'iot:ListThingsInThingGroup',
          'iot:StartAuditMitigationActionsTask',
          'dynamodb:GetItem',
          'sqs:SendMessage',
          'ssm:GetParameter',
          'states:DescribeExecution',
          'states:StartExecution',
        ].sort(),
      );
    });

    it('lets the state machine start executions of itself only (continue as new), with no circular reference', () => {
      // Prepare
      const starts = statements().filter(
        (s) =>
          s.where.startsWith('MitigationStateMachineRole/') &&
          asArray(s.statement.Action).map(String).includes('states:StartExecution'),
      );
      const machine = resources.MitigationStateMachine;
      const properties = isObject(machine?.Properties) ? machine.Properties : {};

      // Assess: the policy's ARN is built from the same fixed name the state machine gets.
      expect(starts).toHaveLength(1);
      expect(starts[0]?.statement.Resource).toEqual({
        'Fn::Sub':
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub string
          'arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:${AWS::StackName}-workflow',
      });
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub string
      expect(properties.StateMachineName).toEqual({ 'Fn::Sub': '${AWS::StackName}-workflow' });
    });

    it('lets the state machine invoke the request-approval, write-report, retry-failed-findings, verify-audit and dispatcher functions only, and the schedule the dispatcher only, unqualified', () => {
      // Prepare
      const invokes = statements().filter((s) =>
        asArray(s.statement.Action).map(String).includes('lambda:InvokeFunction'),
      );

      // Assess
      expect(invokes.map((s) => ({ where: s.where.split('/')[0], resource: s.statement.Resource }))).toEqual([
        { where: 'DispatcherScheduleRole', resource: arnOf('DispatcherFunction') },
        { where: 'MitigationStateMachineRole', resource: arnOf('RequestApprovalFunction') },
        { where: 'MitigationStateMachineRole', resource: arnOf('WriteReportFunction') },
        { where: 'MitigationStateMachineRole', resource: arnOf('RetryFailedFindingsFunction') },
        { where: 'MitigationStateMachineRole', resource: arnOf('VerifyAuditFunction') },
        { where: 'MitigationStateMachineRole', resource: arnOf('DispatcherFunction') },
      ]);
    });

    it('gives verify-audit and start-mitigation the ledger only under the verification keys', () => {
      // Prepare
      const ledger = statements().filter(
        (s) =>
          asArray(s.statement.Action)
            .map(String)
            .some((a) => a.startsWith('dynamodb:')) &&
          JSON.stringify(s.statement.Resource).includes('OutcomeLedgerTable'),
      );

      // Assess: record-outcome claims any event id; the others touch only verification#<auditTaskId>.
      const scoped = ledger.filter((s) => !s.where.startsWith('RecordOutcomeFunctionRole/'));
      expect(scoped.map((s) => [s.where.split('/')[0], s.statement.Action])).toEqual([
        ['StartMitigationFunctionRole', 'dynamodb:GetItem'],
        ['VerifyAuditFunctionRole', 'dynamodb:PutItem'],
      ]);
      for (const { statement } of scoped) {
        expect(statement.Resource).toEqual(arnOf('OutcomeLedgerTable'));
        expect(statement.Condition).toEqual({
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['verification#*'] },
        });
      }
    });

    it('lets the state machine start and follow on-demand audits, and put only its two events', () => {
      const machine = statements().filter((s) => s.where.startsWith('MitigationStateMachineRole/'));
      const actions = machine.flatMap((s) => asArray(s.statement.Action).map(String));
      expect(actions).toEqual(
        expect.arrayContaining(['iot:StartOnDemandAuditTask', 'iot:DescribeAuditTask']),
      );
      const puts = machine.filter((s) =>
        asArray(s.statement.Action).map(String).includes('events:PutEvents'),
      );
      expect(
        puts
          .map((s) => (s.statement.Condition as Json).StringEquals as Json)
          .map((c) => c['events:detail-type']),
      ).toEqual(expect.arrayContaining(['Audit Mitigation Task Finished', 'Audit Verification Finished']));
      expect(puts).toHaveLength(2);
    });

    it('lets request-approval put only its event, publish only to the approval or approvers topic, read only the link secret', () => {
      // Prepare
      const role = props('RequestApprovalFunctionRole');
      const policies = asArray(role.Policies);
      const plain = policies.filter((p) => isObject(p) && p.PolicyDocument !== undefined) as Json[];
      const conditional = policies.filter((p) => isObject(p) && p['Fn::If'] !== undefined) as Json[];

      // Act
      const plainStatements = plain.flatMap((p) => asArray((p.PolicyDocument as Json).Statement)) as Json[];
      const branches = conditional.map((c) => c['Fn::If'] as [string, Json, Json]);

      // Assess
      expect(plainStatements).toEqual([
        expect.objectContaining({
          Action: 'events:PutEvents',
          Resource: busArn,
          Condition: {
            StringEquals: {
              'events:source': ref('EventSource'),
              'events:detail-type': 'Audit Mitigation Approval Requested',
            },
          },
        }),
      ]);
      expect(branches.map(([condition]) => condition)).toEqual([
        'PublishesToApprovalTopic',
        'HasApproverEmail',
      ]);
      expect(asArray((branches[0]?.[1].PolicyDocument as Json).Statement)).toEqual([
        expect.objectContaining({ Action: 'sns:Publish', Resource: ref('ApprovalTopicArn') }),
      ]);
      expect(asArray((branches[1]?.[1].PolicyDocument as Json).Statement)).toEqual([
        expect.objectContaining({ Action: 'sns:Publish', Resource: ref('ApproversTopic') }),
        expect.objectContaining({
          Action: 'secretsmanager:GetSecretValue',
          Resource: ref('ApprovalLinkSecret'),
        }),
      ]);
      for (const [, , whenNot] of branches) expect(whenNot).toEqual(ref('AWS::NoValue'));
      expect(template.Conditions).toMatchObject({
        HasApprovalTopic: { 'Fn::Not': [{ 'Fn::Equals': [ref('ApprovalTopicArn'), ''] }] },
        HasApproverEmail: { 'Fn::Not': [{ 'Fn::Equals': [ref('ApproverEmail'), ''] }] },
      });
    });

    it('gives write-report the task reads and PutObject under reports/ of the report bucket, nothing more', () => {
      // Prepare
      const role = props('WriteReportFunctionRole');

      // Act
      const grants = asArray(role.Policies)
        .filter((p) => isObject(p) && p.PolicyDocument !== undefined)
        .flatMap((p) => asArray(((p as Json).PolicyDocument as Json).Statement) as Json[])
        .map((s) => ({ actions: asArray(s.Action).map(String).sort(), resource: s.Resource }));

      // Assess
      expect(grants).toEqual([
        {
          actions: [
            'iot:DescribeAuditMitigationActionsTask',
            'iot:ListAuditFindings',
            'iot:ListAuditMitigationActionsExecutions',
          ],
          resource: '*',
        },
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub string
        { actions: ['s3:PutObject'], resource: { 'Fn::Sub': '${ReportBucket.Arn}/reports/*' } },
      ]);
      const env = (props('WriteReportFunction').Environment as Json).Variables as Json;
      expect(env).toMatchObject({
        REPORT_BUCKET: ref('ReportBucket'),
        REPORT_PREFIX: 'reports',
        REPORT_READ_BUDGET: ref('ReportReadBudget'),
        POWERTOOLS_SERVICE_NAME: 'write-report',
      });
      // 2,000 reads at 10 a second take over 200 s: the function gets Lambda's longest timeout.
      expect(props('WriteReportFunction').Timeout).toBe(900);
    });

    it('keeps the reports encrypted, private, over TLS only, and expires them after ReportExpirationDays', () => {
      // Prepare
      const bucket = props('ReportBucket');
      const policy = props('ReportBucketPolicy');

      // Assess
      expect(bucket.BucketEncryption).toEqual({
        ServerSideEncryptionConfiguration: [
          { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: true },
        ],
      });
      expect(bucket.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(bucket.LifecycleConfiguration).toEqual({
        Rules: [
          {
            Id: 'ExpireReports',
            Status: 'Enabled',
            Prefix: 'reports/',
            ExpirationInDays: ref('ReportExpirationDays'),
          },
        ],
      });
      expect(policy.Bucket).toEqual(ref('ReportBucket'));
      expect(asArray((policy.PolicyDocument as Json).Statement)).toEqual([
        expect.objectContaining({
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      ]);
    });

    it('gives report readers GetObject under reports/ and the task description, nothing more', () => {
      // Act
      const grants = (asArray((props('ReportReaderPolicy').PolicyDocument as Json).Statement) as Json[]).map(
        (s) => ({ actions: asArray(s.Action).map(String).sort(), resource: s.Resource }),
      );

      // Assess
      expect(grants).toEqual([
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub string
        { actions: ['s3:GetObject'], resource: { 'Fn::Sub': '${ReportBucket.Arn}/reports/*' } },
        { actions: ['iot:DescribeAuditMitigationActionsTask'], resource: '*' },
      ]);
    });

    it('deploys the approval page only with ApproverEmail: two routes, the link secret, history and decide only', () => {
      // Prepare
      const conditional = [
        'ApproversTopic',
        'ApprovalLinkSecret',
        'ApprovalApi',
        'ApprovalApiIntegration',
        'ApprovalApiShowRoute',
        'ApprovalApiDecideRoute',
        'ApprovalApiStage',
        'ApprovalPageInvokePermission',
        'ApprovalPageFunction',
        'ApprovalPageFunctionRole',
        'ApprovalPageLogGroup',
      ];
      const statements = asArray(props('ApprovalPageFunctionRole').Policies).flatMap((p) =>
        asArray(((p as Json).PolicyDocument as Json).Statement),
      ) as Json[];

      // Act
      const grants = statements.map((s) => ({
        actions: asArray(s.Action).map(String).sort(),
        resource: s.Resource,
      }));
      const routes = ['ApprovalApiShowRoute', 'ApprovalApiDecideRoute'].map((id) => props(id).RouteKey);

      // Assess
      for (const id of conditional) expect(resource(id).Condition, id).toBe('HasApproverEmail');
      expect(routes).toEqual(['GET /approvals/{id}', 'POST /approvals/{id}']);
      expect(props('ApprovalLinkSecret').GenerateSecretString).toMatchObject({ PasswordLength: 64 });
      expect(props('ApproversTopic').Subscription).toEqual([
        { Protocol: 'email', Endpoint: ref('ApproverEmail') },
      ]);
      expect(grants).toEqual([
        { actions: ['secretsmanager:GetSecretValue'], resource: ref('ApprovalLinkSecret') },
        {
          actions: ['states:DescribeExecution', 'states:GetExecutionHistory'],
          resource: {
            'Fn::Sub':
              // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub string
              'arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:execution:${AWS::StackName}-workflow:*',
          },
        },
        // Task tokens of service integrations have no resource IAM can name: see ApproverPolicy.
        { actions: ['states:SendTaskFailure', 'states:SendTaskSuccess'], resource: '*' },
      ]);
      expect(template.Outputs).toHaveProperty('ApprovalPageUrl');
    });

    it('gives approvers list, history and decide on this state machine, nothing more', () => {
      // Prepare
      const document = props('ApproverPolicy').PolicyDocument as Json;

      // Act
      const grants = (asArray(document.Statement) as Json[]).map((s) => ({
        actions: asArray(s.Action).map(String).sort(),
        resource: s.Resource,
      }));

      // Assess
      expect(grants).toEqual([
        { actions: ['states:ListExecutions'], resource: ref('MitigationStateMachine') },
        {
          actions: ['states:DescribeExecution', 'states:GetExecutionHistory'],
          resource: {
            'Fn::Sub':
              // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub string
              'arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:execution:${MitigationStateMachine.Name}:*',
          },
        },
        // Service-integration task tokens cannot be named by IAM: "*" is the only resource that works.
        { actions: ['states:SendTaskFailure', 'states:SendTaskSuccess'], resource: '*' },
      ]);
    });

    it('describes every output', () => {
      const outputs = template.Outputs as Record<string, Json>;
      for (const name of [
        'StartMitigationFunctionArn',
        'AuditNotificationBridgeFunctionArn',
        'MitigationStateMachineArn',
        'EventBusName',
        'AuditEventArchiveName',
        'AuditNotificationTopicArn',
        'BridgeDeadLetterQueueUrl',
        'RuleDeadLetterQueueUrl',
        'StartMitigationFailureQueueUrl',
        'DashboardName',
        'RequestApprovalFunctionArn',
        'VerifyAuditFunctionArn',
        'ApproverPolicyArn',
        'WriteReportFunctionArn',
        'ReportBucketName',
        'ReportReaderPolicyArn',
      ]) {
        expect(outputs[name], name).toBeDefined();
      }
      for (const [name, output] of Object.entries(outputs)) expect(output.Description, name).toBeTruthy();
    });
  });
});
