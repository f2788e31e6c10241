import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IoTClient } from '@aws-sdk/client-iot';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { STSClient } from '@aws-sdk/client-sts';
import { perCallRetryStrategy } from '../adapters/per-call-retry';

/** The clients the CLI uses, all pointed at the same place: AWS, or the embedded local stack. */
export interface AwsClients {
  readonly iot: IoTClient;
  readonly sfn: SFNClient;
  readonly events: EventBridgeClient;
  readonly cloudFormation: CloudFormationClient;
  /** The caller's identity, recorded with an approval decision. */
  readonly sts: STSClient;
  /** The report bucket (path-style when an endpoint is given: a local endpoint has no bucket hosts). */
  readonly s3: S3Client;
  /** The dispatcher's queue table (status). */
  readonly dynamoDb: DynamoDBClient;
}

export interface AwsTarget {
  /** An endpoint URL for every service (the local stack's, or --endpoint-url). */
  readonly endpoint?: string;
  readonly region?: string;
  /** A named profile; credentials and region otherwise come from the SDK's default chain. */
  readonly profile?: string;
  /** Fixed credentials (the local stack takes any). */
  readonly credentials?: { accessKeyId: string; secretAccessKey: string };
}

export function createAwsClients(target: AwsTarget): AwsClients {
  // With --profile, the SDK's default chain reads that profile: the usual AWS CLI behaviour.
  if (target.profile) process.env.AWS_PROFILE = target.profile;
  const config = {
    ...(target.endpoint ? { endpoint: target.endpoint } : {}),
    ...(target.region ? { region: target.region } : {}),
    ...(target.credentials ? { credentials: target.credentials } : {}),
  };
  return {
    // IoT's rates are the account's, shared with the product's own functions and workflows (25
    // DescribeAuditMitigationActionsTask, 10 ListAuditFindings a second): a command that reads a
    // task per line rides out throttling call by call, while an endpoint that is down is told after
    // the SDK's usual 3 attempts.
    iot: new IoTClient({
      ...config,
      retryStrategy: perCallRetryStrategy({ maxAttempts: 8, maxTransientAttempts: 3 }),
    }),
    sfn: new SFNClient(config),
    events: new EventBridgeClient(config),
    cloudFormation: new CloudFormationClient(config),
    sts: new STSClient(config),
    s3: new S3Client({ ...config, ...(target.endpoint ? { forcePathStyle: true } : {}) }),
    dynamoDb: new DynamoDBClient(config),
  };
}
