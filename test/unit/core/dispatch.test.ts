import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareQueued,
  decideDispatch,
  expectedTaskSize,
  fromSlotRequest,
  InvalidInputError,
  oldestQueuedAgeMs,
  type PlannedTask,
  parseDispatchEvent,
  parseRemediationConfig,
  type QueueEntryView,
  queueRank,
  STALE_STARTING_MS,
  toStepFunctionsStartRequest,
} from '../../../src/core';

const NOW = Date.UTC(2026, 0, 1, 12);

function entry(taskId: string, state: QueueEntryView['state'], priority: number, queuedAt = NOW - 1000) {
  return { taskId, state, priority, queuedAt } satisfies QueueEntryView;
}

describe('decideDispatch: which queued tasks start', () => {
  it('starts the longest queued tasks first, while fewer than maxConcurrentTasks of ours hold a slot', () => {
    // Prepare: 2 hold slots (one STARTING, one RUNNING), 4 queued of different sizes.
    const entries = [
      entry('r1', 'RUNNING', 5),
      { ...entry('s1', 'STARTING', 5), startingSince: NOW - 1000 },
      entry('q-small', 'QUEUED', 10),
      entry('q-big', 'QUEUED', 300),
      entry('q-mid', 'QUEUED', 50),
      entry('q-tiny', 'QUEUED', 1),
      entry('d1', 'DONE', 999),
    ];
    // Act
    const decision = decideDispatch(entries, 4, NOW);
    // Assess
    expect(decision.running).toBe(2);
    expect(decision.queued).toBe(4);
    expect(decision.start.map((e) => e.taskId)).toEqual(['q-big', 'q-mid']);
    expect(decision.resume).toEqual([]);
  });

  it('breaks ties in priority by arrival, then by task id', () => {
    const entries = [
      entry('b', 'QUEUED', 7, NOW - 10),
      entry('a', 'QUEUED', 7, NOW - 10),
      entry('late', 'QUEUED', 7, NOW - 5),
      entry('early', 'QUEUED', 7, NOW - 50),
    ];
    expect(decideDispatch(entries, 10, NOW).start.map((e) => e.taskId)).toEqual(['early', 'a', 'b', 'late']);
  });

  it.each([
    [1, 0],
    [7, 0],
    [10, 3],
  ])('starts nothing past maxConcurrentTasks %i with 7 running (free: %i)', (max, free) => {
    const running = Array.from({ length: 7 }, (_, i) => entry(`r${i}`, 'RUNNING', 1));
    const queued = Array.from({ length: 5 }, (_, i) => entry(`q${i}`, 'QUEUED', 1));
    expect(decideDispatch([...running, ...queued], max, NOW).start).toHaveLength(free);
  });

  it('resumes a STARTING entry only once it is stale (its dispatcher stopped half-way)', () => {
    const fresh = { ...entry('fresh', 'STARTING', 1), startingSince: NOW - STALE_STARTING_MS + 1 };
    const stale = { ...entry('stale', 'STARTING', 1), startingSince: NOW - STALE_STARTING_MS };
    const decision = decideDispatch([fresh, stale], 10, NOW);
    expect(decision.resume.map((e) => e.taskId)).toEqual(['stale']);
    // Both hold a slot meanwhile.
    expect(decision.running).toBe(2);
  });

  it('never starts more than the free slots, whatever the entries (property)', () => {
    const arbitraryEntry = fc.record({
      taskId: fc.string({ minLength: 1, maxLength: 8 }),
      state: fc.constantFrom('QUEUED', 'STARTING', 'RUNNING', 'DONE' as const),
      priority: fc.integer({ min: 1, max: 10_000 }),
      queuedAt: fc.integer({ min: NOW - 1e6, max: NOW }),
    });
    fc.assert(
      fc.property(
        fc.array(arbitraryEntry, { maxLength: 40 }),
        fc.integer({ min: 1, max: 10 }),
        (entries, max) => {
          const decision = decideDispatch(entries as QueueEntryView[], max, NOW);
          expect(decision.start.length).toBeLessThanOrEqual(Math.max(0, max - decision.running));
          expect(decision.start.every((e) => e.state === 'QUEUED')).toBe(true);
          // Longest first: no queued entry left out is longer than one started.
          const left = entries.filter((e) => e.state === 'QUEUED' && !decision.start.includes(e));
          for (const started of decision.start)
            for (const other of left) expect(compareQueued(started, other)).toBeLessThanOrEqual(0);
        },
      ),
    );
  });
});

describe('queueRank: the index sort key', () => {
  it('sorts as compareQueued does: longest first, then oldest, then task id (property)', () => {
    const arbitrary = fc.record({
      taskId: fc.stringMatching(/^[a-z0-9-]{1,12}$/),
      state: fc.constant('QUEUED' as const),
      priority: fc.integer({ min: 1, max: 1_000_000 }),
      queuedAt: fc.integer({ min: NOW - 1e9, max: NOW }),
    });
    fc.assert(
      fc.property(arbitrary, arbitrary, (a, b) => {
        const ra = queueRank(a.priority, a.queuedAt, a.taskId);
        const rb = queueRank(b.priority, b.queuedAt, b.taskId);
        const ordinal = ra < rb ? -1 : ra > rb ? 1 : 0;
        expect(ordinal).toBe(Math.sign(compareQueued(a, b)));
      }),
    );
  });
});

describe('expectedTaskSize: the priority', () => {
  const task = (checks: PlannedTask['checks'], findingIds?: string[]) =>
    ({
      policy: 'auto',
      group: 'auto',
      checks,
      request: {
        taskId: 'remediate-a-auto',
        target: findingIds ? { findingIds } : { auditTaskId: 'a' },
        auditCheckToActionsMapping: {},
        clientRequestToken: 't',
      },
    }) as PlannedTask;

  it('is findings x actions summed over the checks, from the counts IoT gave the planner', () => {
    expect(
      expectedTaskSize(
        task([
          { check: 'A', actions: ['x', 'y'], nonCompliantResourcesCount: 30 },
          { check: 'B', actions: ['z'], nonCompliantResourcesCount: 5 },
        ]),
      ),
    ).toBe(65);
  });

  it('counts a findingIds batch by its own findings, times the widest mapping', () => {
    expect(
      expectedTaskSize(
        task([{ check: 'A', actions: ['x', 'y', 'z'], nonCompliantResourcesCount: 400 }], ['f1', 'f2']),
      ),
    ).toBe(6);
  });

  it('is at least 1 (a task is never free)', () => {
    expect(expectedTaskSize(task([{ check: 'A', actions: ['x'], nonCompliantResourcesCount: 0 }]))).toBe(1);
  });
});

describe('parseDispatchEvent', () => {
  const startRequest = toStepFunctionsStartRequest({
    taskId: 'remediate-a-auto',
    target: { auditTaskId: 'a', auditCheckToReasonCodeFilter: { A: ['R'] } },
    auditCheckToActionsMapping: { A: ['x'] },
    clientRequestToken: 'token',
  });

  it('reads anything that is not an enqueue or a release as the schedule tick', () => {
    expect(parseDispatchEvent({ 'detail-type': 'Scheduled Event' })).toEqual({ action: 'tick' });
    expect(parseDispatchEvent(null)).toEqual({ action: 'tick' });
  });

  it('reads an enqueue, and its request back into the SDK casing the IoT adapter sends', () => {
    const event = parseDispatchEvent({
      action: 'enqueue',
      taskToken: 'tok',
      executionName: 'remediate-a-auto',
      taskId: 'remediate-a-auto',
      priority: 12,
      startRequest,
    });
    expect(event.action).toBe('enqueue');
    if (event.action !== 'enqueue') return;
    expect(fromSlotRequest(event.startRequest)).toEqual({
      taskId: 'remediate-a-auto',
      target: { auditTaskId: 'a', auditCheckToReasonCodeFilter: { A: ['R'] } },
      auditCheckToActionsMapping: { A: ['x'] },
      clientRequestToken: 'token',
    });
  });

  it('refuses an enqueue without a priority, naming the field', () => {
    const read = () =>
      parseDispatchEvent({
        action: 'enqueue',
        taskToken: 't',
        executionName: 'e',
        taskId: 'x',
        startRequest,
      });
    expect(read).toThrow(InvalidInputError);
    expect(read).toThrow(/priority/);
  });
});

describe('oldestQueuedAgeMs', () => {
  it('is the age of the oldest QUEUED entry, 0 when none waits', () => {
    expect(
      oldestQueuedAgeMs([entry('r', 'RUNNING', 1, NOW - 9000), entry('q', 'QUEUED', 1, NOW - 3000)], NOW),
    ).toBe(3000);
    expect(oldestQueuedAgeMs([entry('r', 'RUNNING', 1, NOW - 9000)], NOW)).toBe(0);
  });
});

describe('config: maxConcurrentTasks', () => {
  const checks = { CONFLICTING_CLIENT_IDS_CHECK: { actions: ['PublishFindingToSns'] } };

  it('defaults to 10, the account quota', () => {
    expect(parseRemediationConfig({ checks }).maxConcurrentTasks).toBe(10);
  });

  it.each([0, 11, 2.5])('refuses %s, naming the field', (value) => {
    expect(() => parseRemediationConfig({ checks, maxConcurrentTasks: value })).toThrow(/maxConcurrentTasks/);
  });
});
