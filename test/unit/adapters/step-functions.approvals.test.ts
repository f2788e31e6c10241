import {
  DescribeExecutionCommand,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createStepFunctionsApprovalGate } from '../../../src/adapters/step-functions';
import { type ApprovalDecision, ApprovalNotPendingError } from '../../../src/app/ports';

const sfn = mockClient(SFNClient);
afterEach(() => sfn.reset());

const SM = 'arn:aws:states:us-east-1:123456789012:stateMachine:MitigationWorkflow';
const TASK = 'remediate-a3aea009955e501a31b764abe1bebd3d-approve';
const arnOf = (name: string) => `arn:aws:states:us-east-1:123456789012:execution:MitigationWorkflow:${name}`;
const TOKEN = 'opaque-token-of-the-gate';
const SCHEDULED_AT = new Date('2026-01-01T00:00:05.000Z');
const approval = {
  timeoutSeconds: 3600,
  policy: 'approve',
  protectedCount: 1,
  checks: [
    {
      check: 'REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK',
      actions: ['DeactivateCACertificate'],
      resourceCount: 12,
      resources: [
        {
          findingId: 'f-1',
          check: 'REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK',
          resourceType: 'CA_CERTIFICATE',
          resourceIdentifier: { caCertificateId: 'ab12' },
        },
      ],
    },
  ],
};

/** A history event before numbering. */
type Event = Omit<HistoryEvent, 'id'>;

/** Events numbered as Step Functions numbers them (ids from 1, each pointing at the one before). */
const numbered = (events: Event[]): HistoryEvent[] =>
  events.map((e, i) => ({ ...e, id: i + 1, previousEventId: i }));

/** The gate's history as Step Functions shows it, oldest first: started, gate scheduled, then `after`. */
function gateHistory(after: Event[] = []): HistoryEvent[] {
  const events: Event[] = [
    { type: 'ExecutionStarted', timestamp: new Date('2026-01-01T00:00:00.000Z') },
    { type: 'TaskStateEntered', timestamp: SCHEDULED_AT },
    {
      type: 'TaskScheduled',
      timestamp: SCHEDULED_AT,
      taskScheduledEventDetails: {
        resourceType: 'lambda',
        resource: 'invoke.waitForTaskToken',
        region: 'us-east-1',
        timeoutInSeconds: 3600,
        parameters: JSON.stringify({
          FunctionName: 'arn:aws:lambda:us-east-1:123456789012:function:request-approval',
          Payload: {
            taskToken: TOKEN,
            executionName: TASK,
            requestedAt: '2026-01-01T00:00:05.000Z',
            taskId: TASK,
            auditTaskId: 'a3aea009955e501a31b764abe1bebd3d',
            approval,
          },
        }),
      },
    },
    { type: 'TaskStarted', timestamp: SCHEDULED_AT },
    { type: 'TaskSubmitted', timestamp: SCHEDULED_AT },
    ...after,
  ];
  return numbered(events);
}

/** GetExecutionHistory(reverseOrder) of each execution, in pages of `pageSize`. */
function serveHistories(histories: Record<string, HistoryEvent[]>, pageSize = 200) {
  sfn.on(GetExecutionHistoryCommand).callsFake((input) => {
    const all = [...(histories[input.executionArn] ?? [])];
    if (input.reverseOrder) all.reverse();
    const from = Number(input.nextToken ?? 0);
    const to = from + Math.min(input.maxResults ?? 1000, pageSize);
    return { events: all.slice(from, to), nextToken: to < all.length ? String(to) : undefined };
  });
}

/** DescribeExecution of the executions that exist; ExecutionDoesNotExist for any other. */
function serveStatuses(statuses: Record<string, string>) {
  sfn.on(DescribeExecutionCommand).callsFake((input) => {
    const status = statuses[input.executionArn];
    if (status === undefined) throw new ExecutionDoesNotExist({ $metadata: {}, message: 'none' });
    return { status };
  });
}

const decision: ApprovalDecision = {
  decision: 'APPROVED',
  decidedBy: 'arn:aws:iam::123456789012:user/alice',
  reason: 'CHG-1',
  decidedAt: '2026-01-01T00:10:00.000Z',
  via: 'cli',
};
const succeeded = (output: string): Event => ({
  type: 'TaskSucceeded',
  timestamp: new Date('2026-01-01T00:10:00.000Z'),
  taskSucceededEventDetails: { resourceType: 'lambda', resource: 'invoke.waitForTaskToken', output },
});
const failed = (error: string, cause?: string): Event => ({
  type: 'TaskFailed',
  timestamp: new Date('2026-01-01T00:10:00.000Z'),
  taskFailedEventDetails: { resourceType: 'lambda', resource: 'invoke.waitForTaskToken', error, cause },
});
const timedOut: Event = {
  type: 'TaskTimedOut',
  timestamp: new Date('2026-01-01T01:00:05.000Z'),
  taskTimedOutEventDetails: {
    resourceType: 'lambda',
    resource: 'invoke.waitForTaskToken',
    error: 'States.Timeout',
  },
};
/** Events of the poll loop after the gate: another task, not a callback. */
const pollEvents = (n: number): Event[] =>
  Array.from({ length: n }, () => ({
    type: 'TaskSucceeded',
    timestamp: new Date('2026-01-01T00:20:00.000Z'),
    taskSucceededEventDetails: {
      resourceType: 'aws-sdk',
      resource: 'iot:describeAuditMitigationActionsTask',
      output: '{}',
    },
  }));

describe('Step Functions approval gate: pendingApprovals', () => {
  it('lists the running executions whose last gate has no answer, with the request of its Payload', async () => {
    // Prepare
    sfn.on(ListExecutionsCommand).resolves({
      executions: [
        {
          name: TASK,
          executionArn: arnOf(TASK),
          stateMachineArn: SM,
          status: 'RUNNING',
          startDate: new Date(0),
        },
        {
          name: 'answered',
          executionArn: arnOf('answered'),
          stateMachineArn: SM,
          status: 'RUNNING',
          startDate: new Date(0),
        },
        {
          name: 'auto',
          executionArn: arnOf('auto'),
          stateMachineArn: SM,
          status: 'RUNNING',
          startDate: new Date(0),
        },
      ],
    });
    serveHistories({
      [arnOf(TASK)]: gateHistory(),
      [arnOf('answered')]: gateHistory([succeeded(JSON.stringify(decision)), ...pollEvents(3)]),
      [arnOf('auto')]: numbered([{ type: 'ExecutionStarted', timestamp: new Date(0) }, ...pollEvents(2)]),
    });
    // Act
    const pending = await createStepFunctionsApprovalGate(new SFNClient({}), SM).pendingApprovals();
    // Assess
    expect(pending).toEqual([
      {
        executionName: TASK,
        executionStatus: 'RUNNING',
        taskId: TASK,
        auditTaskId: 'a3aea009955e501a31b764abe1bebd3d',
        requestedAt: '2026-01-01T00:00:05.000Z',
        expiresAt: '2026-01-01T01:00:05.000Z',
        timeoutSeconds: 3600,
        checks: approval.checks,
        protectedCount: 1,
        state: { kind: 'pending' },
      },
    ]);
    expect(sfn.commandCalls(ListExecutionsCommand).map((c) => c.args[0].input)).toEqual([
      { stateMachineArn: SM, statusFilter: 'RUNNING', maxResults: 100, nextToken: undefined },
    ]);
    for (const call of sfn.commandCalls(GetExecutionHistoryCommand))
      expect(call.args[0].input.reverseOrder).toBe(true);
  });

  it('never puts the task token on what it returns', async () => {
    sfn.on(ListExecutionsCommand).resolves({
      executions: [
        {
          name: TASK,
          executionArn: arnOf(TASK),
          stateMachineArn: SM,
          status: 'RUNNING',
          startDate: new Date(0),
        },
      ],
    });
    serveHistories({ [arnOf(TASK)]: gateHistory() });
    const pending = await createStepFunctionsApprovalGate(new SFNClient({}), SM).pendingApprovals();
    expect(pending).toHaveLength(1);
    expect(JSON.stringify(pending)).not.toContain(TOKEN);
  });

  it('pages through ListExecutions and reads histories across pages', async () => {
    sfn
      .on(ListExecutionsCommand, { nextToken: undefined })
      .resolves({
        executions: [
          {
            name: 'p1',
            executionArn: arnOf('p1'),
            stateMachineArn: SM,
            status: 'RUNNING',
            startDate: new Date(0),
          },
        ],
        nextToken: 'more',
      })
      .on(ListExecutionsCommand, { nextToken: 'more' })
      .resolves({
        executions: [
          {
            name: TASK,
            executionArn: arnOf(TASK),
            stateMachineArn: SM,
            status: 'RUNNING',
            startDate: new Date(0),
          },
        ],
      });
    // p1 answered long ago: its gate is 450 events back, three pages of 200.
    serveHistories({
      [arnOf('p1')]: gateHistory([
        failed('ApprovalRejected', JSON.stringify({ ...decision, decision: 'REJECTED' })),
        ...pollEvents(450),
      ]),
      [arnOf(TASK)]: gateHistory(),
    });
    const pending = await createStepFunctionsApprovalGate(new SFNClient({}), SM).pendingApprovals();
    expect(pending.map((g) => g.executionName)).toEqual([TASK]);
    expect(
      sfn
        .commandCalls(GetExecutionHistoryCommand)
        .filter((c) => c.args[0].input.executionArn === arnOf('p1')),
    ).toHaveLength(3);
  });
});

describe('Step Functions approval gate: gatesOf', () => {
  it('walks the chain <taskId>, <taskId>__2 until an execution does not exist', async () => {
    serveStatuses({ [arnOf(TASK)]: 'ABORTED', [arnOf(`${TASK}__2`)]: 'RUNNING' });
    serveHistories({ [arnOf(TASK)]: gateHistory(), [arnOf(`${TASK}__2`)]: gateHistory() });
    const { executions, gates } = await createStepFunctionsApprovalGate(new SFNClient({}), SM).gatesOf(TASK);
    expect(executions).toBe(2);
    expect(gates.map((g) => [g.executionName, g.state])).toEqual([
      [TASK, { kind: 'closed', executionStatus: 'ABORTED' }],
      [`${TASK}__2`, { kind: 'pending' }],
    ]);
  });

  it('has no execution for an unknown task', async () => {
    serveStatuses({});
    expect(await createStepFunctionsApprovalGate(new SFNClient({}), SM).gatesOf('remediate-x-auto')).toEqual({
      executions: 0,
      gates: [],
    });
  });

  it.each<[string, Event[], string, unknown]>([
    ['approved', [succeeded(JSON.stringify(decision))], 'SUCCEEDED', { kind: 'decided', decision }],
    [
      'rejected',
      [failed('ApprovalRejected', JSON.stringify({ ...decision, decision: 'REJECTED' }))],
      'FAILED',
      { kind: 'decided', decision: { ...decision, decision: 'REJECTED' } },
    ],
    ['expired', [timedOut], 'FAILED', { kind: 'expired', at: '2026-01-01T01:00:05.000Z' }],
    [
      'failed otherwise',
      [failed('Lambda.ServiceException', 'boom')],
      'FAILED',
      { kind: 'answered', at: '2026-01-01T00:10:00.000Z', detail: 'Lambda.ServiceException (boom)' },
    ],
    [
      'whose decision the history no longer holds',
      [
        {
          ...succeeded('x'),
          taskSucceededEventDetails: {
            resourceType: 'lambda',
            resource: 'invoke.waitForTaskToken',
            outputDetails: { truncated: true },
          },
        },
      ],
      'SUCCEEDED',
      { kind: 'answered', at: '2026-01-01T00:10:00.000Z', detail: 'a decision no longer in the history' },
    ],
    [
      'answered with no decision',
      [succeeded('{"hello":1}')],
      'SUCCEEDED',
      { kind: 'answered', at: '2026-01-01T00:10:00.000Z', detail: 'an output that is no decision' },
    ],
  ])('reads a gate %s from its answer', async (_, answer, status, state) => {
    serveStatuses({ [arnOf(TASK)]: status });
    serveHistories({ [arnOf(TASK)]: gateHistory([...answer, ...pollEvents(2)]) });
    const { gates } = await createStepFunctionsApprovalGate(new SFNClient({}), SM).gatesOf(TASK);
    expect(gates.map((g) => g.state)).toEqual([state]);
  });

  it('ignores a callback task that is no approval gate, and its answer', async () => {
    const other: Event[] = [
      {
        type: 'TaskScheduled',
        timestamp: SCHEDULED_AT,
        taskScheduledEventDetails: {
          resourceType: 'sqs',
          resource: 'sendMessage.waitForTaskToken',
          region: 'us-east-1',
          parameters: '{"MessageBody":{"token":"t"}}',
        },
      },
      succeeded('{"fine":true}'),
    ];
    serveStatuses({ [arnOf(TASK)]: 'RUNNING' });
    serveHistories({ [arnOf(TASK)]: gateHistory(other) });
    const { gates } = await createStepFunctionsApprovalGate(new SFNClient({}), SM).gatesOf(TASK);
    expect(gates.map((g) => g.state)).toEqual([{ kind: 'pending' }]);
  });
});

describe('Step Functions approval gate: answer', () => {
  async function pendingGate() {
    sfn.on(ListExecutionsCommand).resolves({
      executions: [
        {
          name: TASK,
          executionArn: arnOf(TASK),
          stateMachineArn: SM,
          status: 'RUNNING',
          startDate: new Date(0),
        },
      ],
    });
    serveHistories({ [arnOf(TASK)]: gateHistory() });
    const gate = createStepFunctionsApprovalGate(new SFNClient({}), SM);
    const [record] = await gate.pendingApprovals();
    if (!record) throw new Error('no pending gate in the fixture');
    return { gate, record };
  }

  it('approves with SendTaskSuccess: the token of the gate, the decision as output', async () => {
    const { gate, record } = await pendingGate();
    sfn.on(SendTaskSuccessCommand).resolves({});
    await gate.answer(record, decision);
    expect(sfn.commandCalls(SendTaskSuccessCommand).map((c) => c.args[0].input)).toEqual([
      { taskToken: TOKEN, output: JSON.stringify(decision) },
    ]);
    expect(sfn.commandCalls(SendTaskFailureCommand)).toHaveLength(0);
  });

  it('rejects with SendTaskFailure: error ApprovalRejected, the decision as cause', async () => {
    const { gate, record } = await pendingGate();
    sfn.on(SendTaskFailureCommand).resolves({});
    const rejection: ApprovalDecision = { ...decision, decision: 'REJECTED' };
    await gate.answer(record, rejection);
    expect(sfn.commandCalls(SendTaskFailureCommand).map((c) => c.args[0].input)).toEqual([
      { taskToken: TOKEN, error: 'ApprovalRejected', cause: JSON.stringify(rejection) },
    ]);
  });

  it.each([
    [
      'TaskTimedOut',
      new TaskTimedOut({ $metadata: {}, message: `Task Timed Out: '${TOKEN}'` }),
      /timed out \(TaskTimedOut\)/,
    ],
    [
      'TaskDoesNotExist',
      new TaskDoesNotExist({ $metadata: {}, message: `no task ${TOKEN}` }),
      /no longer waits/,
    ],
  ])('turns %s into ApprovalNotPendingError, without the token in the message', async (_, error, message) => {
    const { gate, record } = await pendingGate();
    sfn.on(SendTaskSuccessCommand).rejects(error);
    const caught = await gate.answer(record, decision).catch((e: Error) => e);
    expect(caught).toBeInstanceOf(ApprovalNotPendingError);
    expect((caught as Error).message).toMatch(message);
    expect((caught as Error).message).not.toContain(TOKEN);
  });

  it('refuses a record it did not read as pending (no token to send)', async () => {
    const { gate, record } = await pendingGate();
    await expect(gate.answer({ ...record }, decision)).rejects.toThrow(ApprovalNotPendingError);
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
  });

  it('lets other errors through', async () => {
    const { gate, record } = await pendingGate();
    const error = Object.assign(new Error('slow down'), { name: 'ThrottlingException' });
    sfn.on(SendTaskSuccessCommand).rejects(error);
    await expect(gate.answer(record, decision)).rejects.toBe(error);
  });
});
