import type { Command } from '../command';
import { stringOption } from '../command';
import { EXIT, UsageError } from '../errors';
import { readJsonFile } from '../inputs';
import { paint, writeLine } from '../output';
import { DEFAULT_SCENARIO, localStackOutputs } from '../target';

export const localCommand: Command = {
  name: 'local',
  summary: 'run the local stack in the foreground for the AWS CLI, SDKs and iot-remediate --endpoint-url',
  usage: 'iot-remediate local [--port N] [--scenario FILE] [--clock system|virtual] [--config FILE] [--json]',
  help: `Serves IoT (Device Defender audit and mitigation APIs), Step Functions (the real state machine),
EventBridge (bus, start-mitigation rule, archive, replays) and SSM on one endpoint, with the real
start-mitigation handler behind the rule, and the approval page (GET/POST /approvals/{id}): each
approval request prints its page link, as the approvers' e-mail carries it. Prints the endpoint, the stack's names and ready-to-paste
commands, then runs until Ctrl-C (SIGINT) or SIGTERM, and stops cleanly within 5 s: workflows in
flight are aborted, connections closed, exit 0 (with --json, a last line {"stopped","abortedExecutions"}).
It does not serve CloudFormation: pass the names it prints (--bus, --state-machine, --archive).

Options:
  --port N              port on 127.0.0.1 (default: a free one)
  --scenario FILE       seeds the IoT emulator (default: ${DEFAULT_SCENARIO})
  --clock system|virtual
                        system (default): real time, for real tools; virtual: time jumps ahead
                        whenever nothing runs, so workflows end in milliseconds (scripts, tests)
  --config FILE         remediation config the function reads (through SSM); default: the bundled one
  --json                print one JSON line {"endpoint","region","outputs"} once ready (for scripts),
                        then one {"approvalLink","taskId","expiresAt"} per approval request

Examples:
  iot-remediate local --port 4566
  aws iot describe-audit-task --task-id a3aea009955e501a31b764abe1bebd3d --endpoint-url http://127.0.0.1:4566
  AWS_ENDPOINT_URL=http://127.0.0.1:4566 iot-remediate status --since 400d`,
  options: {
    port: { type: 'string' },
    scenario: { type: 'string' },
    clock: { type: 'string' },
    config: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(args, output) {
    if (args.positionals.length > 0) throw new UsageError('local takes no positional argument');
    const clock = stringOption(args, 'clock') ?? 'system';
    if (clock !== 'system' && clock !== 'virtual')
      throw new UsageError(`--clock ${clock}: expected system or virtual`);
    const portText = stringOption(args, 'port') ?? '0';
    const port = Number(portText);
    if (!/^\d+$/.test(portText) || port > 65535)
      throw new UsageError(`--port ${portText}: expected a port number`);
    const scenarioPath = stringOption(args, 'scenario') ?? DEFAULT_SCENARIO;
    const scenario = readJsonFile(scenarioPath);
    const configPath = stringOption(args, 'config');
    const config = configPath ? readJsonFile(configPath) : undefined;

    const local = await import('../../local/stack');
    let stack: Awaited<ReturnType<typeof local.startLocalStack>>;
    try {
      stack = await local.startLocalStack({
        scenario,
        clock,
        port,
        // On the virtual clock, a waiting approval holds time still: it waits for a person, not 72 h in a jump.
        holdPendingCallbacks: clock === 'virtual',
        ...(config !== undefined ? { config } : {}),
        // Each approval request's page link, as the approvers' e-mail carries it.
        onApprovalLink: (link) =>
          writeLine(
            output,
            args.values.json
              ? JSON.stringify({ approvalLink: link.url, taskId: link.taskId, expiresAt: link.expiresAt })
              : `Approval requested for ${link.taskId} (expires ${link.expiresAt}): open ${link.url}`,
          ),
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE')
        throw new UsageError(`port ${port} is in use`);
      throw error;
    }
    // Listening for the signals before the ready line: whoever reads it may stop the stack at once.
    const stopped = new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    const url = stack.url;
    const region = stack.scenario.region;
    const outputs = localStackOutputs(local, stack);
    if (args.values.json) writeLine(output, JSON.stringify({ endpoint: url, region, clock, outputs }));
    else {
      const audit = stack.scenario.audits[0]?.taskId ?? '<audit task id>';
      const names = `--bus ${outputs.EventBusName} --state-machine ${outputs.MitigationStateMachineArn}`;
      writeLine(output, paint(output, 'bold', `Local stack listening on ${url}`));
      writeLine(
        output,
        `  ${clock} clock, scenario ${scenarioPath}, region ${region}, any credentials accepted`,
      );
      writeLine(output, '\nStack outputs (what --stack would read from CloudFormation):');
      for (const [key, value] of Object.entries(outputs)) writeLine(output, `  ${key.padEnd(26)} ${value}`);
      writeLine(output, '\nTry, from another terminal:');
      writeLine(
        output,
        `  aws iot describe-audit-task --task-id ${audit} --endpoint-url ${url} --region ${region}`,
      );
      writeLine(output, `  aws iot list-mitigation-actions --endpoint-url ${url} --region ${region}`);
      writeLine(
        output,
        `  export AWS_ENDPOINT_URL=${url} AWS_REGION=${region} AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local`,
      );
      writeLine(output, `  iot-remediate replay events ${names}`);
      writeLine(
        output,
        `  iot-remediate replay --archive ${outputs.AuditEventArchiveName} --from 1h --state-machine ${outputs.MitigationStateMachineArn}`,
      );
      writeLine(output, '  iot-remediate status --since 400d');
      writeLine(output, '  iot-remediate validate-config --account');
      writeLine(output, '\nCtrl-C stops it.');
    }

    const signal = await stopped;
    const { abortedExecutions } = await stack.close();
    if (args.values.json) writeLine(output, JSON.stringify({ stopped: signal, abortedExecutions }));
    else writeLine(output, `\nStopped on ${signal}: ${abortedExecutions} workflow(s) in flight aborted.`);
    return EXIT.ok;
  },
};
