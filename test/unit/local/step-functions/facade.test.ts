import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { IoTClient } from '@aws-sdk/client-iot';
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  InvalidName,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it } from 'vitest';
import type { WorkflowInput } from '../../../../src/core/workflow-input';
import { VirtualClock } from '../../../../src/local/clock';
import { createLocalStepFunctions, type LocalStepFunctions } from '../../../../src/local/step-functions';
import { workflowSubstitutions } from '../../../../src/local/step-functions/workflow-substitutions';
import { startTimeDriver, type TimeDriver } from '../../../../src/local/time-driver';
import { ASL_TEXT, STATE_MACHINE_ARN } from '../../statemachine/workflow-fixture';

const CHECK = 'DEVICE_CERTIFICATE_EXPIRING_CHECK';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

/**
 * A tiny stand-in for the IoT API (restJson1): start and describe of audit mitigation tasks, each task
 * completing `taskSeconds` of clock time after its start. The first `startThrottles` starts are throttled.
 * A task described before any start counts as started when the fake was created (the function started
 * it), unless `missingTasks`.
 */
function createFakeIot(
  clock: VirtualClock,
  { taskSeconds = 60, startThrottles = 0, missingTasks = false } = {},
) {
  const createdAt = clock.now();
  const tasks = new Map<string, number>();
  const startBodies: unknown[] = [];
  let inFlight = 0;
  let throttlesLeft = startThrottles;
  const fail = (response: ServerResponse, status: number, type: string) => {
    response.writeHead(status, { 'content-type': 'application/json', 'x-amzn-ErrorType': type });
    response.end(JSON.stringify({ message: `${type} (fake)` }));
  };
  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    inFlight += 1;
    try {
      let body = '';
      for await (const chunk of request) body += String(chunk);
      const taskId = decodeURIComponent(
        request.url?.match(/^\/audit\/mitigationactions\/tasks\/([^/?]+)/)?.[1] ?? '',
      );
      if (request.method === 'POST') {
        if (throttlesLeft-- > 0) return fail(response, 400, 'ThrottlingException');
        startBodies.push(JSON.parse(body));
        tasks.set(taskId, clock.now());
        response.writeHead(200, { 'content-type': 'application/json' });
        return response.end(JSON.stringify({ taskId }));
      }
      const startedAt = tasks.get(taskId) ?? (missingTasks ? undefined : createdAt);
      if (startedAt === undefined) return fail(response, 404, 'ResourceNotFoundException');
      const done = clock.now() - startedAt >= taskSeconds * 1000;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          taskStatus: done ? 'COMPLETED' : 'IN_PROGRESS',
          startTime: startedAt / 1000,
          taskStatistics: {
            [CHECK]: { totalFindingsCount: 2, succeededFindingsCount: done ? 2 : 0, failedFindingsCount: 0 },
          },
        }),
      );
    } finally {
      inFlight -= 1;
    }
  };
  const server = createServer((request, response) => void handle(request, response));
  return {
    startBodies,
    get inFlight() {
      return inFlight;
    },
    async listen(): Promise<string> {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function workflowInput(taskId: string, deferredStart = false, pollDeadlineSeconds = 86_400): WorkflowInput {
  return {
    taskId,
    auditTaskId: 'audit1',
    deferredStart,
    startRequest: {
      TaskId: taskId,
      Target: { AuditTaskId: 'audit1', AuditCheckToReasonCodeFilter: { [CHECK]: ['CERTIFICATE_EXPIRING'] } },
      AuditCheckToActionsMapping: { [CHECK]: ['RotateCert'] },
      ClientRequestToken: `token-${taskId}`,
    },
    pollDeadlineSeconds,
    skipped: [],
    follow: 1,
    policy: 'auto',
    protectedCount: 0,
    decision: null,
  };
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The facade, the fake IoT, real SDK clients and a time driver over one VirtualClock. */
async function setUp(fakeOptions: Parameters<typeof createFakeIot>[1] = {}) {
  const clock = new VirtualClock();
  const iotFake = createFakeIot(clock, fakeOptions);
  const iotUrl = await iotFake.listen();
  cleanups.push(() => iotFake.close());
  const events: PutEventsRequestEntry[] = [];
  const sfnLocal: LocalStepFunctions = createLocalStepFunctions({
    definition: ASL_TEXT,
    substitutions: workflowSubstitutions(),
    iot: new IoTClient({ endpoint: iotUrl, region: 'us-east-1', credentials, maxAttempts: 1 }),
    clock,
    randomFor: () => () => 0.5,
    onPutEvents: (entries) => void events.push(...entries),
    // write-report: a pointer for every task report it is asked for.
    invokeFunction: async (name, payload) => {
      reportRequests.push({ name, payload });
      return REPORT_POINTER;
    },
  });
  const { url } = await sfnLocal.listen();
  cleanups.push(() => sfnLocal.close());
  const sfn = new SFNClient({ endpoint: url, region: 'us-east-1', credentials, maxAttempts: 1 });
  let ownWork = 0;
  const driver: TimeDriver = startTimeDriver({
    clock,
    isBusy: () => ownWork + sfnLocal.inFlight + iotFake.inFlight > 0,
  });
  cleanups.push(() => driver.stop());
  /** Runs the test's own request with time held still. */
  const call = async <T>(work: () => Promise<T>): Promise<T> => {
    ownWork += 1;
    try {
      return await work();
    } finally {
      ownWork -= 1;
    }
  };
  const start = (name: string, input: unknown) =>
    call(() =>
      sfn.send(
        new StartExecutionCommand({ stateMachineArn: STATE_MACHINE_ARN, name, input: JSON.stringify(input) }),
      ),
    );
  return { clock, iotFake, sfnLocal, sfn, events, call, start };
}

/** What the write-report function was asked, by every stack of this file. */
const reportRequests: Array<{ name: string; payload: unknown }> = [];
const REPORT_POINTER = {
  bucket: 'reports',
  key: 'reports/task-1/findings.jsonl',
  summaryKey: 'reports/t/summary.json',
  rows: 2,
  failed: 0,
  partial: false,
  errorCodes: {},
};

describe('createLocalStepFunctions', () => {
  it('runs an execution to SUCCEEDED, visible through DescribeExecution, with the completion event', async () => {
    // Prepare
    const { sfnLocal, sfn, events, call, start } = await setUp({ taskSeconds: 60 });

    // Act
    const { executionArn } = await start('task-1', workflowInput('task-1'));
    await sfnLocal.waitForAll();
    const described = await call(() => sfn.send(new DescribeExecutionCommand({ executionArn })));

    // Assess
    expect(executionArn).toBe('arn:aws:states:us-east-1:123456789012:execution:MitigationWorkflow:task-1');
    expect(described.status).toBe('SUCCEEDED');
    expect(described.startDate).toBeInstanceOf(Date);
    expect(described.stopDate?.getTime()).toBeGreaterThanOrEqual(
      described.startDate?.getTime() ?? Number.NaN,
    );
    const detail = {
      // The execution name ($$.Execution.Name), here the task id as start-mitigation names it.
      eventId: 'task-1',
      taskId: 'task-1',
      auditTaskId: 'audit1',
      skipped: [],
      policy: 'auto',
      protectedCount: 0,
      decision: null,
      outcome: 'COMPLETED',
      taskStatus: 'COMPLETED',
      // SDK camelCase members became PascalCase; the check name (a map key) kept its case.
      taskStatistics: {
        [CHECK]: { TotalFindingsCount: 2, SucceededFindingsCount: 2, FailedFindingsCount: 0 },
      },
      polls: 4,
      report: REPORT_POINTER,
    };
    expect(reportRequests.at(-1)).toEqual({
      name: 'arn:aws:lambda:us-east-1:123456789012:function:write-report',
      payload: { taskId: 'task-1', auditTaskId: 'audit1' },
    });
    expect(JSON.parse(described.output ?? 'null')).toEqual(detail);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      EventBusName: 'audit-bus',
      DetailType: 'Audit Mitigation Task Finished',
    });
    expect(JSON.parse(events[0]?.Detail ?? 'null')).toEqual(detail);
    // Polls at 15, 30, 45, 60 s: 4 polls, 4 x 4 + 7 transitions (WriteReport and ChooseVerification included).
    expect(sfnLocal.executions()).toMatchObject([
      { name: 'task-1', status: 'SUCCEEDED', polls: 4, transitions: 23 },
    ]);
  });

  it('answers a repeated identical start with the same execution, and a start with other input with ExecutionAlreadyExists', async () => {
    // Prepare
    const { start, sfnLocal } = await setUp({ taskSeconds: 600 });
    const first = await start('task-2', workflowInput('task-2'));

    // Act
    const repeated = await start('task-2', workflowInput('task-2'));
    const conflicting = start('task-2', workflowInput('task-2', false, 60)).catch((error: unknown) => error);

    // Assess
    expect(repeated.executionArn).toBe(first.executionArn);
    expect(repeated.startDate).toEqual(first.startDate);
    expect(await conflicting).toBeInstanceOf(ExecutionAlreadyExists);
    expect(sfnLocal.executions()).toHaveLength(1);
    await sfnLocal.waitForAll();
  });

  it('refuses a name over the model 80-character limit with ValidationException, before InvalidName', async () => {
    // Prepare
    const { start, sfnLocal } = await setUp();

    // Act
    const error = await start('x'.repeat(81), workflowInput('task-3')).catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining(
        "at 'name' failed to satisfy constraint: Member must have length less than or equal to 80",
      ),
    });
    expect(sfnLocal.executions()).toEqual([]);
  });

  it.each([['has space'], ['semi;colon']])('refuses the execution name %j with InvalidName', async (name) => {
    // Prepare
    const { start, sfnLocal } = await setUp();

    // Act
    const error = await start(name, workflowInput('task-3')).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(InvalidName);
    expect(sfnLocal.executions()).toEqual([]);
  });

  it('runs hours of waits on the virtual clock (a real wait would exceed the test timeout)', async () => {
    // Prepare
    const { start, sfnLocal, clock } = await setUp({ taskSeconds: 3 * 3600 });
    const virtualStart = clock.now();

    // Act
    await start('task-4', workflowInput('task-4'));
    await sfnLocal.waitForAll();

    // Assess
    const [record] = sfnLocal.executions();
    expect(record?.status).toBe('SUCCEEDED');
    expect(clock.now() - virtualStart).toBeGreaterThanOrEqual(3 * 3600 * 1000);
    // 11 polls along the schedule (255 s), then one a minute.
    expect(record?.polls).toBe(11 + Math.ceil((3 * 3600 - 255) / 60));
  });

  it('starts a deferred task through the SDK after throttling, sending camelCase with check names intact', async () => {
    // Prepare
    const { start, sfnLocal, iotFake } = await setUp({ startThrottles: 2, taskSeconds: 10 });

    // Act
    await start('task-5', workflowInput('task-5', true));
    await sfnLocal.waitForAll();

    // Assess
    expect(sfnLocal.executions()).toMatchObject([{ status: 'SUCCEEDED', retries: 2 }]);
    expect(iotFake.startBodies).toEqual([
      {
        target: {
          auditTaskId: 'audit1',
          auditCheckToReasonCodeFilter: { [CHECK]: ['CERTIFICATE_EXPIRING'] },
        },
        auditCheckToActionsMapping: { [CHECK]: ['RotateCert'] },
        clientRequestToken: 'token-task-5',
      },
    ]);
  });

  it('names IoT errors Iot.<Exception>, as Step Functions does', async () => {
    // Prepare
    const { start, sfnLocal, events } = await setUp({ missingTasks: true });

    // Act
    await start('task-6', workflowInput('task-6'));
    await sfnLocal.waitForAll();

    // Assess
    expect(sfnLocal.executions()).toMatchObject([{ status: 'FAILED', error: 'PollFailed' }]);
    expect(JSON.parse(events[0]?.Detail ?? 'null')).toMatchObject({
      outcome: 'POLL_FAILED',
      error: { Error: 'Iot.ResourceNotFoundException' },
    });
  });

  it('describes a failed execution as Step Functions does (status, error, cause), and keeps its name', async () => {
    // Prepare
    const { start, sfnLocal, sfn, call } = await setUp({ missingTasks: true });
    await start('task-7', workflowInput('task-7'));
    await sfnLocal.waitForAll();

    // Act
    const described = await call(() =>
      sfn.send(
        new DescribeExecutionCommand({
          executionArn: `${STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:task-7`,
        }),
      ),
    );
    const again = await start('task-7', workflowInput('task-7')).then(
      () => undefined,
      (error: Error) => error.name,
    );

    // Assess
    expect(described).toMatchObject({
      status: 'FAILED',
      error: 'PollFailed',
      cause: "DescribeAuditMitigationActionsTask failed after its retries; the task's outcome is unknown.",
    });
    expect(described.stopDate).toBeInstanceOf(Date);
    expect(again).toBe('ExecutionAlreadyExists');
  });

  it('lists executions newest first, by status, page by page', async () => {
    // Prepare
    const { start, sfnLocal, sfn, call } = await setUp({ taskSeconds: 10 });
    for (const name of ['a', 'b', 'c']) await start(name, workflowInput(name));
    await sfnLocal.waitForAll();
    await start('d', workflowInput('d'));

    // Act
    const page1 = await call(() =>
      sfn.send(
        new ListExecutionsCommand({
          stateMachineArn: STATE_MACHINE_ARN,
          statusFilter: 'SUCCEEDED',
          maxResults: 2,
        }),
      ),
    );
    const page2 = await call(() =>
      sfn.send(
        new ListExecutionsCommand({
          stateMachineArn: STATE_MACHINE_ARN,
          statusFilter: 'SUCCEEDED',
          nextToken: page1.nextToken,
        }),
      ),
    );
    const running = await call(() =>
      sfn.send(new ListExecutionsCommand({ stateMachineArn: STATE_MACHINE_ARN, statusFilter: 'RUNNING' })),
    );

    // Assess
    expect(page1.executions?.map((e) => e.name)).toEqual(['c', 'b']);
    expect(page2.executions?.map((e) => e.name)).toEqual(['a']);
    expect(page2.nextToken).toBeUndefined();
    expect(running.executions?.map((e) => e.name)).toEqual(['d']);
    await sfnLocal.waitForAll();
  });
});
