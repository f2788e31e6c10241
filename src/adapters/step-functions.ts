import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import {
  type ApprovalDecision,
  type ApprovalGate,
  type ApprovalGateRecord,
  type ApprovalGateState,
  ApprovalNotPendingError,
  type SlotCallbacks,
  type WorkflowApi,
} from '../app/ports';
import {
  APPROVAL_REJECTED_ERROR,
  ApprovalCheckSchema,
  ApprovalDecisionSchema,
  type ExecutionState,
  executionArnFor,
  executionNameFor,
  TASK_FINISHED_DETAIL_TYPE,
  VERIFICATION_FINISHED_DETAIL_TYPE,
  type VerificationDetail,
  VerificationDetailSchema,
  type WorkflowInput,
} from '../core';
import * as z from '../core/zod';

/** Starting and describing the poll workflow's executions on Step Functions. */
export function createStepFunctionsWorkflowApi(client: SFNClient, stateMachineArn: string): WorkflowApi {
  return {
    async startExecution(name: string, input: WorkflowInput) {
      try {
        await client.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
        return 'started';
      } catch (error) {
        // Step Functions keeps names for 90 days: an open execution with another input, or any closed
        // one, answers ExecutionAlreadyExists (an identical request for an open one succeeds).
        if ((error as Error).name === 'ExecutionAlreadyExists') return 'already-exists';
        throw error;
      }
    },
    async describeExecution(name: string): Promise<ExecutionState> {
      const out = await client.send(
        new DescribeExecutionCommand({ executionArn: executionArnFor(stateMachineArn, name) }),
      );
      return { status: out.status ?? 'UNKNOWN', error: out.error, output: out.output };
    },
  };
}

/** The Payload of the approval gate's TaskScheduled parameters (contract of the RequestApproval state). */
const GatePayloadSchema = z.object({
  taskToken: z.string().check(z.minLength(1)),
  requestedAt: z.optional(z.string()),
  taskId: z.string(),
  auditTaskId: z.string(),
  approval: z.object({
    timeoutSeconds: z.number(),
    checks: z.array(
      z.extend(ApprovalCheckSchema, { resources: z._default(ApprovalCheckSchema.shape.resources, []) }),
    ),
    protectedCount: z._default(z.number(), 0),
  }),
});

/** The gate's Payload from a TaskScheduled's parameters (JSON text), or undefined when not a gate. */
function gatePayload(parameters: string | undefined) {
  try {
    const parsed = z.object({ Payload: GatePayloadSchema }).safeParse(JSON.parse(parameters ?? 'null'));
    return parsed.success ? parsed.data.Payload : undefined;
  } catch {
    return undefined;
  }
}

/** The decision a person sent, from the task output or failure cause, if it is one. */
function decisionIn(text: string | undefined): ApprovalDecision | undefined {
  try {
    const parsed = ApprovalDecisionSchema.safeParse(JSON.parse(text ?? 'null'));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** A callback task (`arn:aws:states:::<service>:<action>.waitForTaskToken`): the history names it so. */
const isCallback = (resource: string | undefined) => resource?.endsWith('.waitForTaskToken') ?? false;

const ANSWER_TYPES = new Set(['TaskSucceeded', 'TaskFailed', 'TaskTimedOut']);

/** How a gate's answer (its TaskSucceeded / TaskFailed / TaskTimedOut event) reads. */
function stateOfAnswer(answer: HistoryEvent): ApprovalGateState {
  const at = answer.timestamp?.toISOString() ?? '';
  if (answer.type === 'TaskSucceeded') {
    const output = answer.taskSucceededEventDetails?.output;
    const decision = decisionIn(output);
    if (decision) return { kind: 'decided', decision };
    // A history can drop the data of old events (outputDetails.truncated).
    const detail =
      output === undefined ? 'a decision no longer in the history' : 'an output that is no decision';
    return { kind: 'answered', at, detail };
  }
  const details = answer.taskFailedEventDetails ?? answer.taskTimedOutEventDetails;
  const error = details?.error ?? 'States.TaskFailed';
  if (answer.type === 'TaskTimedOut' || error === 'States.Timeout' || error === 'States.HeartbeatTimeout')
    return { kind: 'expired', at };
  const decision = error === APPROVAL_REJECTED_ERROR ? decisionIn(details?.cause) : undefined;
  if (decision) return { kind: 'decided', decision };
  return { kind: 'answered', at, detail: `${error}${details?.cause ? ` (${details.cause})` : ''}` };
}

/** Where the token of each gate record read here is kept: never on the record, which may be printed. */
const tokens = new WeakMap<ApprovalGateRecord, string>();

/** Events read per GetExecutionHistory page (the API's maximum is 1,000). */
const HISTORY_PAGE = 200;

/** An execution's history events, newest first, page by page as they are consumed. */
async function* historyNewestFirst(client: SFNClient, executionArn: string): AsyncGenerator<HistoryEvent> {
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new GetExecutionHistoryCommand({
        executionArn,
        reverseOrder: true,
        maxResults: HISTORY_PAGE,
        nextToken,
      }),
    );
    yield* page.events ?? [];
    nextToken = page.nextToken;
  } while (nextToken);
}

/**
 * The last approval gate of an execution, from its history read newest first: the last TaskScheduled
 * of a callback task carrying a gate Payload, and the answer to it if any came (a later TaskSucceeded /
 * TaskFailed / TaskTimedOut of a callback task). Undefined when the execution never had a gate.
 */
async function lastGate(
  client: SFNClient,
  executionArn: string,
  executionName: string,
  executionStatus: string,
): Promise<ApprovalGateRecord | undefined> {
  let answer: HistoryEvent | undefined;
  for await (const event of historyNewestFirst(client, executionArn)) {
    if (event.type !== undefined && ANSWER_TYPES.has(event.type)) {
      const details =
        event.taskSucceededEventDetails ?? event.taskFailedEventDetails ?? event.taskTimedOutEventDetails;
      if (isCallback(details?.resource)) answer ??= event;
      continue;
    }
    if (event.type !== 'TaskScheduled' || !isCallback(event.taskScheduledEventDetails?.resource)) continue;
    const scheduled = event.taskScheduledEventDetails;
    const payload = gatePayload(scheduled?.parameters);
    if (!payload) {
      // Another callback task: its answer was not the gate's.
      answer = undefined;
      continue;
    }
    const scheduledAt = event.timestamp?.getTime() ?? 0;
    const timeoutSeconds = scheduled?.timeoutInSeconds ?? payload.approval.timeoutSeconds;
    const state: ApprovalGateState = answer
      ? stateOfAnswer(answer)
      : executionStatus === 'RUNNING'
        ? { kind: 'pending' }
        : { kind: 'closed', executionStatus };
    const record: ApprovalGateRecord = {
      executionName,
      executionStatus,
      taskId: payload.taskId,
      auditTaskId: payload.auditTaskId,
      requestedAt: payload.requestedAt ?? new Date(scheduledAt).toISOString(),
      expiresAt: new Date(scheduledAt + timeoutSeconds * 1000).toISOString(),
      timeoutSeconds,
      checks: payload.approval.checks,
      protectedCount: payload.approval.protectedCount,
      state,
    };
    if (state.kind === 'pending') tokens.set(record, payload.taskToken);
    return record;
  }
  return undefined;
}

/** The answers Step Functions gives for a token that no longer waits. */
const NOT_PENDING = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

/**
 * The workflow's approval gate on Step Functions, found as the contract says: ListExecutions
 * (RUNNING), then each execution's history newest first, down to its last callback TaskScheduled.
 */
export function createStepFunctionsApprovalGate(client: SFNClient, stateMachineArn: string): ApprovalGate {
  return {
    async pendingApprovals() {
      const pending: ApprovalGateRecord[] = [];
      let nextToken: string | undefined;
      do {
        const page = await client.send(
          new ListExecutionsCommand({ stateMachineArn, statusFilter: 'RUNNING', maxResults: 100, nextToken }),
        );
        for (const execution of page.executions ?? []) {
          if (!execution.executionArn || !execution.name) continue;
          const gate = await lastGate(client, execution.executionArn, execution.name, 'RUNNING');
          if (gate?.state.kind === 'pending') pending.push(gate);
        }
        nextToken = page.nextToken;
      } while (nextToken);
      return pending;
    },

    async gatesOf(taskId: string) {
      const gates: ApprovalGateRecord[] = [];
      let executions = 0;
      // The chain's names are deterministic (src/core/follow.ts): walk them until one does not exist.
      for (let follow = 1; ; follow++) {
        const name = executionNameFor(taskId, follow);
        const executionArn = executionArnFor(stateMachineArn, name);
        let status: string;
        try {
          const described = await client.send(new DescribeExecutionCommand({ executionArn }));
          status = described.status ?? 'UNKNOWN';
        } catch (error) {
          if ((error as Error).name === 'ExecutionDoesNotExist') break;
          throw error;
        }
        executions++;
        const gate = await lastGate(client, executionArn, name, status);
        if (gate) gates.push(gate);
      }
      return { executions, gates };
    },

    async answer(gate: ApprovalGateRecord, decision: ApprovalDecision) {
      const taskToken = tokens.get(gate);
      if (taskToken === undefined)
        throw new ApprovalNotPendingError(`the approval of ${gate.executionName} is not pending`);
      const json = JSON.stringify(decision);
      try {
        if (decision.decision === 'APPROVED')
          await client.send(new SendTaskSuccessCommand({ taskToken, output: json }));
        else
          await client.send(
            new SendTaskFailureCommand({ taskToken, error: APPROVAL_REJECTED_ERROR, cause: json }),
          );
      } catch (error) {
        const name = (error as Error).name;
        if (!NOT_PENDING.has(name)) throw error;
        // The SDK's message may quote the token: only the error's name is repeated.
        const why =
          name === 'TaskTimedOut' ? 'its approval timed out' : 'Step Functions no longer waits for it';
        throw new ApprovalNotPendingError(
          `mitigation task ${gate.taskId} does not wait for approval: ${why} (${name}); nothing changed`,
          { cause: error },
        );
      }
      tokens.delete(gate);
    },
  };
}

function jsonOrUndefined(text: string | undefined): unknown {
  try {
    return text === undefined ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

const PutEventsParametersSchema = z.object({
  Entries: z.array(z.object({ DetailType: z.string(), Detail: z.string() })),
});

/**
 * The verification an ended execution put ("Audit Verification Finished"), read from its history
 * newest first: the TaskScheduled of its putEvents, whose parameters Step Functions keeps. Stops at the
 * task's own finished event, which comes before it: undefined when the execution verified nothing.
 */
export async function readVerification(
  client: SFNClient,
  executionArn: string,
): Promise<VerificationDetail | undefined> {
  for await (const event of historyNewestFirst(client, executionArn)) {
    const scheduled = event.taskScheduledEventDetails;
    if (event.type !== 'TaskScheduled' || scheduled?.resourceType !== 'events') continue;
    const entry = PutEventsParametersSchema.safeParse(jsonOrUndefined(scheduled.parameters)).data?.Entries[0];
    if (entry?.DetailType === TASK_FINISHED_DETAIL_TYPE) return undefined;
    if (entry?.DetailType !== VERIFICATION_FINISHED_DETAIL_TYPE) continue;
    const detail = VerificationDetailSchema.safeParse(jsonOrUndefined(entry.Detail));
    if (detail.success) return detail.data;
  }
  return undefined;
}

/** Step Functions caps a SendTaskFailure cause at 32,768 characters (SendTaskFailureInput.cause). */
const MAX_CAUSE_LENGTH = 32_768;

/**
 * The dispatcher's answers to workflows waiting for a slot (WaitForSlot): SendTaskSuccess when their
 * task started, SendTaskFailure when IoT refused it for good. A token that no longer waits (the
 * execution ended, or it was answered before a crash) is `gone`, not an error: the dispatch goes on.
 */
export function createStepFunctionsSlotCallbacks(client: SFNClient): SlotCallbacks {
  async function send(call: () => Promise<unknown>): Promise<'sent' | 'gone'> {
    try {
      await call();
      return 'sent';
    } catch (error) {
      if (NOT_PENDING.has((error as Error).name)) return 'gone';
      throw error;
    }
  }
  return {
    grant: (taskToken, output) =>
      send(() => client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }))),
    refuse: (taskToken, error, cause) =>
      send(() =>
        client.send(
          new SendTaskFailureCommand({ taskToken, error, cause: cause.slice(0, MAX_CAUSE_LENGTH) }),
        ),
      ),
  };
}
