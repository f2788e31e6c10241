import { parseArgs } from 'node:util';
import type { Command } from './command';
import { approvalsCommand } from './commands/approvals';
import { approveCommand } from './commands/approve';
import { localCommand } from './commands/local';
import { planCommand } from './commands/plan';
import { refollowCommand } from './commands/refollow';
import { rejectCommand } from './commands/reject';
import { replayCommand } from './commands/replay';
import { reportCommand } from './commands/report';
import { statusCommand } from './commands/status';
import { validateConfigCommand } from './commands/validate-config';
import { asUsageError, EXIT, InputError, UsageError } from './errors';
import { type Output, processOutput, writeLine } from './output';

/** iot-remediate: the operator CLI of iot-audit-remediation. */

const COMMANDS: readonly Command[] = [
  planCommand,
  replayCommand,
  validateConfigCommand,
  statusCommand,
  reportCommand,
  refollowCommand,
  approvalsCommand,
  approveCommand,
  rejectCommand,
  localCommand,
];

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `iot-remediate: apply AWS IoT Device Defender mitigation actions to audit findings, exactly once.

Usage: iot-remediate <command> [options]    (iot-remediate <command> --help for its options)

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Exit codes:
  0  success: every workflow reached the end its scenario expects (or the command did its job)
  1  a workflow failed or ended otherwise than expected
  2  bad input or usage (nothing was started)`;
}

function commandHelp(command: Command): string {
  return `Usage: ${command.usage}\n\n${command.summary}.\n\n${command.help}\n\nExit codes: 0 ok, 1 a workflow failed, 2 bad input or usage.`;
}

/** Runs the CLI and returns its exit code (never throws). */
export async function main(argv: readonly string[], output: Output = processOutput()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    writeLine(output, mainHelp());
    return name === undefined ? EXIT.badInput : EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.name === name);
  try {
    if (!command)
      throw new UsageError(`unknown command '${name}' (commands: ${COMMANDS.map((c) => c.name).join(', ')})`);
    if (rest.includes('--help') || rest.includes('-h')) {
      writeLine(output, commandHelp(command));
      return EXIT.ok;
    }
    let parsed: ReturnType<typeof parseArgs>;
    try {
      parsed = parseArgs({ args: [...rest], options: command.options, allowPositionals: true, strict: true });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    return await command.run({ positionals: parsed.positionals, values: parsed.values }, output);
  } catch (caught) {
    const error = asUsageError(caught);
    if (error instanceof UsageError) {
      output.err.write(`iot-remediate: ${error.message}\n`);
      // The usage line helps with a wrong command line, not with refused credentials or a bad file.
      if (command && error === caught && !(error instanceof InputError))
        output.err.write(`usage: ${command.usage}\n`);
      return EXIT.badInput;
    }
    output.err.write(`iot-remediate: ${(error as Error).stack ?? String(error)}\n`);
    return EXIT.workflowFailed;
  }
}
