import { existsSync, readFileSync } from 'node:fs';
import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { UsageError } from './errors';

/** The Outputs of the deployed stack (template.yaml), by OutputKey. */
export type StackOutputs = Readonly<Record<string, string>>;

/** The output keys the CLI reads, and the option that gives each explicitly instead. */
export const OUTPUT_KEYS = {
  bus: { key: 'EventBusName', option: '--bus' },
  busArn: { key: 'EventBusArn', option: '--bus' },
  archive: { key: 'AuditEventArchiveName', option: '--archive' },
  stateMachine: { key: 'MitigationStateMachineArn', option: '--state-machine' },
  rule: { key: 'StartMitigationRuleArn', option: '' },
  reportBucket: { key: 'ReportBucketName', option: '--bucket' },
  queueTable: { key: 'MitigationQueueTableName', option: '--queue-table' },
} as const;

/** The stack name `sam deploy` uses: default.global.parameters.stack_name of samconfig.toml. */
export function samconfigStackName(path = 'samconfig.toml'): string | undefined {
  if (!existsSync(path)) return undefined;
  const match = /^\s*stack_name\s*=\s*"([^"]+)"/m.exec(readFileSync(path, 'utf8'));
  return match?.[1];
}

/** Reads a stack's outputs with DescribeStacks; an unknown stack is a UsageError naming it. */
export async function describeStackOutputs(
  cfn: CloudFormationClient,
  stackName: string,
): Promise<StackOutputs> {
  try {
    const answer = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    const outputs = answer.Stacks?.[0]?.Outputs ?? [];
    return Object.fromEntries(
      outputs.flatMap((o) => (o.OutputKey && o.OutputValue ? [[o.OutputKey, o.OutputValue]] : [])),
    );
  } catch (error) {
    // CloudFormation answers an unknown stack with ValidationError "Stack with id X does not exist".
    if ((error as Error).name === 'ValidationError' && /does not exist/.test((error as Error).message)) {
      throw new UsageError(
        `stack ${stackName} does not exist in region ${await cfn.config.region()}: give --stack NAME (default from samconfig.toml), or the names explicitly`,
        { cause: error },
      );
    }
    throw error;
  }
}
