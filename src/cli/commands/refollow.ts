import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { createStepFunctionsWorkflowApi } from '../../adapters/step-functions';
import { followTask } from '../../app/follow-task';
import { executionArnFor, parseExecutionName, WorkflowInputSchema } from '../../core';
import { type Command, stringOption } from '../command';
import { EXIT, UsageError } from '../errors';
import { parseDuration } from '../inputs';
import { paint, writeLine } from '../output';
import { AWS_HELP, AWS_OPTIONS, openTarget, STACK_HELP, STACK_OPTIONS, stackName } from '../target';
import { followOptionsFor, followWorkflows, type TrackedWorkflow } from '../workflows';

const TASK_ID = /^[a-zA-Z0-9_-]{1,80}$/;

export const refollowCommand: Command = {
  name: 'refollow',
  summary: 'follow a mitigation task again whose workflow ended without its outcome (recovery by task id)',
  usage: 'iot-remediate refollow <taskId> [--state-machine ARN] [--no-follow] [--json] [options]',
  help: `Recovery without the audit event: for a workflow that ended START_FAILED, POLL_FAILED or
DEADLINE_EXCEEDED (or was aborted), starts the next execution of the task's chain
(<taskId>__<n>) with the request of its first execution, then follows it to its end. The task is
never started twice: the new execution asks IoT to start it with the same id and token, which IoT
answers with the existing task (a task that already ran is reported on the first poll). A chain
that is still running is only followed; one whose execution reported COMPLETED, FAILED or
CANCELED is left alone (exit 0: nothing to recover). The deadline is PollDeadlineSeconds again,
as the first execution had it. Same effect as replaying the task's audit event.

Options:
  --state-machine ARN    the poll state machine (default: the stack's MitigationStateMachineArn)
${STACK_HELP}
  --no-follow            return once the execution is started
  --poll-interval DUR    between two looks at the workflow (default 10s)
  --json                 one JSON object {"taskId","execution","status","end"}

${AWS_HELP}

Examples:
  iot-remediate refollow remediate-a3aea009955e501a31b764abe1bebd3d-0e186de24fe8
  iot-remediate refollow remediate-a3aea009955e501a31b764abe1bebd3d-0e186de24fe8 --stack prod --json
  iot-remediate refollow remediate-a3aea009955e501a31b764abe1bebd3d-0e186de24fe8 \\
      --endpoint-url http://127.0.0.1:4566 \\
      --state-machine arn:aws:states:us-east-1:123456789012:stateMachine:MitigationWorkflow`,
  options: {
    ...AWS_OPTIONS,
    ...STACK_OPTIONS,
    'state-machine': { type: 'string' },
    'no-follow': { type: 'boolean' },
    'poll-interval': { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(args, output) {
    const [name, ...extra] = args.positionals;
    if (name === undefined) throw new UsageError('no mitigation task id given');
    if (extra.length > 0) throw new UsageError('refollow takes one mitigation task id');
    if (!TASK_ID.test(name))
      throw new UsageError(`task id '${name}' must be 1-80 characters of [a-zA-Z0-9_-]`);
    // An execution name of the chain (<taskId>__<n>) stands for its task.
    const { taskId } = parseExecutionName(name);
    const pollIntervalMs = parseDuration(stringOption(args, 'poll-interval') ?? '10s', '--poll-interval');
    const json = Boolean(args.values.json);
    const target = await openTarget(args);
    try {
      const stateMachineArn = await stackName(target, stringOption(args, 'state-machine'), 'stateMachine');
      const first = await target
        .round(() =>
          target.clients.sfn.send(
            new DescribeExecutionCommand({ executionArn: executionArnFor(stateMachineArn, taskId) }),
          ),
        )
        .catch((error: Error) => {
          if (error.name !== 'ExecutionDoesNotExist') throw error;
          throw new UsageError(`no workflow of task ${taskId} on ${stateMachineArn}`, { cause: error });
        });
      const parsed = WorkflowInputSchema.safeParse(JSON.parse(first.input ?? 'null'));
      if (!parsed.success) throw new UsageError(`execution ${taskId} has no workflow input to follow again`);
      // A fresh follow: the start goes through the state machine (same id and token: IoT answers
      // with the existing task), and none of a successor's poll state is carried over.
      const { poll: _poll, task: _task, ...request } = parsed.data;
      const input = { ...request, deferredStart: true, follow: 1 };
      const result = await target.round(() =>
        followTask(createStepFunctionsWorkflowApi(target.clients.sfn, stateMachineArn), input),
      );
      const say = (line: string) => {
        if (!json) writeLine(output, line);
      };
      if (result.status === 'reported') {
        say(
          `Task ${taskId}: execution ${result.executionName} reported ${result.outcome}; nothing to follow again.`,
        );
      } else {
        say(
          result.status === 'started'
            ? `Task ${taskId}: following it again in execution ${result.executionName}.`
            : `Task ${taskId}: execution ${result.executionName} follows it already.`,
        );
      }
      const workflow: TrackedWorkflow = {
        source: `refollow ${taskId}`,
        auditTaskId: request.auditTaskId,
        executionName: result.executionName,
        executionArn: executionArnFor(stateMachineArn, result.executionName),
        observations: 0,
        ...(result.outcome ? { end: result.outcome } : {}),
      };
      if (!args.values['no-follow'] && workflow.end === undefined) {
        await followWorkflows([workflow], followOptionsFor(target, stateMachineArn, pollIntervalMs));
        // followWorkflows sets `end` (TypeScript still narrows it to undefined from the test above).
        const end = (workflow as TrackedWorkflow).end ?? 'STILL RUNNING';
        say(
          `Execution ${workflow.executionName} ended ${paint(output, end === 'COMPLETED' ? 'green' : 'red', end)}.`,
        );
      }
      if (json) {
        writeLine(
          output,
          JSON.stringify({
            taskId,
            execution: workflow.executionName,
            status: result.status,
            end: workflow.end ?? null,
          }),
        );
      }
      const failed =
        workflow.end !== undefined && workflow.end !== 'COMPLETED' && result.status !== 'reported';
      return failed ? EXIT.workflowFailed : EXIT.ok;
    } finally {
      await target.close();
    }
  },
};
