import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import type { WorkflowInput } from '../../../../src/core/workflow-input';
import { VirtualClock } from '../../../../src/local/clock';
import {
  prepareWorkflow,
  runWorkflow,
  type WorkflowRun,
} from '../../../../src/local/step-functions/workflow-runner';
import { workflowSubstitutions } from '../../../../src/local/step-functions/workflow-substitutions';
import { startTimeDriver, type TimeDriver } from '../../../../src/local/time-driver';
import { VERIFICATION_NOT_REACHED } from '../../statemachine/verification-not-reached';
import { ASL_TEXT, DESCRIBE, PUT_EVENTS, START } from '../../statemachine/workflow-fixture';

/**
 * A deferred start retries StartAuditMitigationActionsTask hundreds of times in one execution; in a
 * burst, a thousand executions do. What a settled Task call returned or threw must not stay reachable
 * until the execution ends (memory quadratic in the burst).
 */

const SUBSTITUTIONS = workflowSubstitutions({
  eventBusName: 'default',
  eventSource: 'custom.iot.devicedefender',
});
const CONTINUE_AS_NEW = 'arn:aws:states:::states:startExecution';
const TASK_ID = 'remediate-audit1-abc';
const INPUT: WorkflowInput = {
  taskId: TASK_ID,
  auditTaskId: 'audit1',
  deferredStart: true,
  startRequest: {
    TaskId: TASK_ID,
    Target: { AuditTaskId: 'audit1' },
    AuditCheckToActionsMapping: { LOGGING_DISABLED_CHECK: ['EnableIoTLogging'] },
    ClientRequestToken: 'token',
  },
  pollDeadlineSeconds: 3600,
  skipped: [],
  follow: 1,
};

class LimitExceeded extends Error {
  override readonly name = 'Iot.LimitExceededException';
  // Stands for the SDK error's HTTP response, which it keeps.
  readonly response = new Array(1000).fill('response');
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

let driver: TimeDriver | undefined;
let run: WorkflowRun | undefined;
afterEach(() => {
  run?.abort();
  driver?.stop();
  driver = undefined;
  run = undefined;
});

describe('local Step Functions: memory of Task calls', () => {
  it('lets go of the errors of settled start attempts while the execution goes on', async () => {
    // Prepare
    const clock = new VirtualClock();
    const thrown: WeakRef<LimitExceeded>[] = [];
    let starts = 0;
    let started!: () => void;
    const polling = new Promise<void>((resolve) => {
      started = resolve;
    });
    run = runWorkflow(prepareWorkflow(ASL_TEXT, SUBSTITUTIONS), {
      input: INPUT,
      clock,
      context: { Execution: { Id: `execution:${TASK_ID}`, Name: TASK_ID } },
      handlers: {
        ...VERIFICATION_NOT_REACHED,
        [START]: () => {
          starts += 1;
          if (starts <= 5) {
            const error = new LimitExceeded('Cannot start more than 10 tasks');
            thrown.push(new WeakRef(error));
            throw error;
          }
          return { TaskId: TASK_ID };
        },
        [DESCRIBE]: () => {
          started();
          return { TaskStatus: 'IN_PROGRESS', TaskStatistics: {} };
        },
        // The approval gate: never reached by an auto task's input.
        'arn:aws:states:::lambda:invoke.waitForTaskToken': () => {
          throw new Error('not reached');
        },
        // WriteReport, at the deadline: a pointer to a report (ReleaseSlot: only an input with `queue`
        // reaches it, and this one has none).
        'arn:aws:states:::lambda:invoke': () => ({ StatusCode: 200, Payload: {} }),
        [PUT_EVENTS]: () => ({ Entries: [{ EventId: 'e1' }], FailedEntryCount: 0 }),
        [CONTINUE_AS_NEW]: () => ({}),
      },
    });
    const current = run;
    driver = startTimeDriver({ clock, isBusy: () => current.working });

    // Act: the start succeeded on its 6th attempt and the execution polls on.
    await polling;
    await new Promise(setImmediate);
    gc();

    // Assess
    expect(starts).toBe(6);
    expect(thrown).toHaveLength(5);
    expect(thrown.filter((ref) => ref.deref() !== undefined)).toHaveLength(0);
  });
});
