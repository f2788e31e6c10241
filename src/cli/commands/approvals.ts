import { APPROVAL_HELP, APPROVAL_OPTIONS, approvalJson, printApproval, withApprovals } from '../approvals';
import type { Command } from '../command';
import { EXIT, UsageError } from '../errors';
import { writeLine } from '../output';

export const approvalsCommand: Command = {
  name: 'approvals',
  summary: 'list the mitigation tasks that wait for a person to approve or reject them',
  usage: 'iot-remediate approvals [--json] [--state-machine ARN | --stack NAME] [--local] [options]',
  help: `The workflows waiting at their approval gate (running executions whose last approval request
has no answer yet: ListExecutions, then GetExecutionHistory newest first): for each, the mitigation
task id, the audit, every check with its actions and number of resources (the first ones listed),
when the approval was requested and when it expires (then the workflow ends APPROVAL_EXPIRED).
Oldest request first.

Options:
${APPROVAL_HELP}

Examples:
  iot-remediate approvals
  iot-remediate approvals --json --stack iot-audit-remediation --profile prod
  iot-remediate approvals --local
  iot-remediate approvals --endpoint-url http://127.0.0.1:4566 \\
      --state-machine arn:aws:states:us-east-1:123456789012:stateMachine:MitigationWorkflow`,
  options: APPROVAL_OPTIONS,
  async run(args, output) {
    if (args.positionals.length > 0) throw new UsageError('approvals takes no positional argument');
    return withApprovals(args, async ({ target, approvals }) => {
      const pending = await target.hold(() => approvals.pending());
      if (args.values.json) {
        writeLine(output, JSON.stringify({ approvals: pending.map(approvalJson) }));
        return EXIT.ok;
      }
      writeLine(output, `${pending.length} pending approval(s) on ${target.description}`);
      for (const gate of pending) printApproval(output, gate, target.clock.now());
      return EXIT.ok;
    });
  },
};
