import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { type Clock, systemClock } from '../local/clock';
import type { LocalStack } from '../local/stack';
import { type AwsClients, createAwsClients } from './aws-clients';
import { type CommandArgs, stringOption } from './command';
import { UsageError } from './errors';
import { readJsonFile } from './inputs';
import { describeStackOutputs, OUTPUT_KEYS, type StackOutputs, samconfigStackName } from './stack-outputs';

/** Options every command that talks to AWS takes (spread into its `options`). */
export const AWS_OPTIONS = {
  local: { type: 'boolean' },
  scenario: { type: 'string' },
  profile: { type: 'string' },
  region: { type: 'string' },
  'endpoint-url': { type: 'string' },
} as const;

/** Options of the commands that use the deployed stack's names. */
export const STACK_OPTIONS = { stack: { type: 'string' } } as const;

export const DEFAULT_SCENARIO = 'scenarios/default.json';

export const AWS_HELP = `AWS options (credentials and region come from the SDK's default chain otherwise):
  --profile NAME       named profile of ~/.aws/config
  --region REGION      region
  --endpoint-url URL   one endpoint for every service (for example iot-remediate local's)
  --local              run against the embedded local stack (short-lived, virtual clock)
  --scenario FILE      seeds the embedded local stack (default: ${DEFAULT_SCENARIO})`;

export const STACK_HELP = `  --stack NAME         stack whose Outputs name the bus, archive and state machine
                       (default: stack_name of samconfig.toml)`;

/** Where a command's API calls go: AWS (or --endpoint-url), or an embedded local stack. */
export interface Target {
  readonly clients: AwsClients;
  /** The target's time: the local stack's virtual clock, or the system clock. */
  readonly clock: Clock;
  /** True when the clock is virtual (the local stack): a wait costs nothing but a round. */
  readonly virtualTime: boolean;
  /** Wraps each batch of API calls (the local stack holds its virtual clock still meanwhile). */
  round<T>(work: () => Promise<T>): Promise<T>;
  /**
   * Runs work while the target's time stands still (the local stack's virtual clock would otherwise
   * jump to the next wake-up whenever the caller is between two requests: an approval's timeout).
   */
  hold<T>(work: () => Promise<T>): Promise<T>;
  readonly description: string;
  /**
   * How a workflow is expected to end (local scenarios say), by audit task id and the mitigation
   * task id when known; undefined when nothing is expected.
   */
  expectedEnd(auditTaskId: string, taskId?: string): string | undefined;
  /** The verification totals a workflow is expected to end with (local scenarios say), if any. */
  expectedVerification(
    auditTaskId: string,
    taskId?: string,
  ): { readonly fixed: number; readonly stillNonCompliant: number } | undefined;
  /** The stack's outputs (DescribeStacks, read once when first needed). */
  stackOutputs(): Promise<StackOutputs>;
  /** What the embedded local stack has served so far (`--local` only). */
  localWork?(): LocalStackWork;
  close(): Promise<void>;
}

/** The embedded local stack's work, for `replay --local --json`: what a run asked of the services. */
export interface LocalStackWork {
  /** AWS requests its endpoint received, every service together (the CLI's and the functions'). */
  readonly requests: number;
  /** Bytes of the IoT answers to ListAuditFindings: the largest answers a run reads. */
  readonly listAuditFindingsBytes: number;
}

export interface TargetOptions {
  /** A config document the local stack serves through SSM (replay --config). */
  readonly config?: unknown;
}

/**
 * Opens the target of a command. Cloud and local differ only here: the local stack is started and
 * every client pointed at its endpoint; everything after goes through the same SDK calls.
 */
export async function openTarget(args: CommandArgs, options: TargetOptions = {}): Promise<Target> {
  if (args.values.local) {
    for (const other of ['profile', 'endpoint-url', 'stack'] as const) {
      if (args.values[other] !== undefined) throw new UsageError(`--local and --${other} exclude each other`);
    }
    return openLocalTarget(stringOption(args, 'scenario') ?? DEFAULT_SCENARIO, options.config);
  }
  if (args.values.scenario !== undefined) throw new UsageError('--scenario goes with --local');
  const endpoint = stringOption(args, 'endpoint-url');
  const clients = createAwsClients({
    endpoint,
    region: stringOption(args, 'region'),
    profile: stringOption(args, 'profile'),
  });
  let outputs: Promise<StackOutputs> | undefined;
  return {
    clients,
    clock: systemClock,
    virtualTime: false,
    round: (work) => work(),
    hold: (work) => work(),
    description: endpoint ?? 'AWS',
    expectedEnd: () => undefined,
    expectedVerification: () => undefined,
    stackOutputs() {
      const stackName = stringOption(args, 'stack') ?? samconfigStackName();
      if (!stackName) {
        throw new UsageError('no stack to read the names from: give --stack NAME (or the names explicitly)');
      }
      outputs ??= describeStackOutputs(clients.cloudFormation, stackName);
      return outputs;
    },
    async close() {
      for (const client of Object.values(clients)) client.destroy();
    },
  };
}

type LocalModule = typeof import('../local/stack');

/**
 * The Outputs template.yaml gives, for the embedded local stack. The local stack serves no
 * CloudFormation (see docs/cli.md): `--local` knows its own names, and `local` prints them.
 */
export function localStackOutputs(local: LocalModule, stack: LocalStack): StackOutputs {
  return {
    [OUTPUT_KEYS.bus.key]: 'default',
    [OUTPUT_KEYS.busArn.key]: stack.bus.busArn('default'),
    [OUTPUT_KEYS.archive.key]: local.LOCAL_ARCHIVE_NAME,
    AuditEventArchiveArn: stack.bus.archiveArn(local.LOCAL_ARCHIVE_NAME),
    [OUTPUT_KEYS.stateMachine.key]: local.LOCAL_STATE_MACHINE_ARN,
    [OUTPUT_KEYS.rule.key]: stack.bus.ruleArn('default', local.LOCAL_RULE_NAME),
    [OUTPUT_KEYS.reportBucket.key]: local.LOCAL_REPORT_BUCKET,
    [OUTPUT_KEYS.queueTable.key]: local.LOCAL_MITIGATION_QUEUE_TABLE,
  };
}

async function openLocalTarget(scenarioPath: string, config: unknown): Promise<Target> {
  const scenario = readJsonFile(scenarioPath);
  const local = await import('../local/stack');
  const { expectedEndOf, expectedVerificationOf } = await import('../local/scenario');
  const stack = await local.startLocalStack({ scenario, ...(config !== undefined ? { config } : {}) });
  const outputs = localStackOutputs(local, stack);
  const clients = createAwsClients({
    endpoint: stack.url,
    region: stack.scenario.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return {
    clients,
    clock: stack.clock,
    virtualTime: true,
    // Not holdClock: a round of Describe calls past IoT's 25 per second would be throttled for as
    // long as the round held the clock, its SDK retries sleeping in real time.
    round: (work) => stack.runAsClient(work),
    hold: (work) => stack.holdClock(work),
    description: `embedded local stack ${stack.url} (virtual clock, scenario ${scenarioPath})`,
    expectedEnd(auditTaskId, taskId) {
      const audit = stack.scenario.audits.find((a) => a.taskId === auditTaskId);
      return audit ? expectedEndOf(audit, taskId) : undefined;
    },
    expectedVerification(auditTaskId, taskId) {
      const audit = stack.scenario.audits.find((a) => a.taskId === auditTaskId);
      return audit ? expectedVerificationOf(audit, taskId) : undefined;
    },
    stackOutputs: async () => outputs,
    localWork: () => ({
      requests: stack.requestsServed,
      listAuditFindingsBytes: stack.emulator.stats().operations.ListAuditFindings?.answeredBytes ?? 0,
    }),
    async close() {
      for (const client of Object.values(clients)) client.destroy();
      await stack.close();
    },
  };
}

/** A stack name: the explicit option, else the stack's output. */
export async function stackName(
  target: Target,
  explicit: string | undefined,
  name: keyof typeof OUTPUT_KEYS,
): Promise<string> {
  if (explicit) return explicit;
  const { key, option } = OUTPUT_KEYS[name];
  const value = (await target.stackOutputs())[key];
  if (!value) throw new UsageError(`the stack has no output ${key}${option ? `: give ${option}` : ''}`);
  return value;
}

/**
 * The caller's account (STS GetCallerIdentity), once per target: the account of the audits it
 * plans, from which certificate ARNs are built. Undefined when STS does not say.
 */
export async function callerAccount(target: Target): Promise<string | undefined> {
  let known = accounts.get(target);
  if (!known) {
    known = target.clients.sts.send(new GetCallerIdentityCommand({})).then((out) => out.Account);
    accounts.set(target, known);
  }
  return known;
}
const accounts = new WeakMap<Target, Promise<string | undefined>>();
