import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDynamoDbMitigationQueue, LEASE_MS } from '../../../src/adapters/dynamodb-queue';
import { createDispatcher, START_REFUSED_ERROR } from '../../../src/app/dispatch';
import {
  type MitigationApi,
  type MitigationQueue,
  type SlotCallbacks,
  StartBlockedError,
  StartRefusedError,
} from '../../../src/app/ports';
import { type StartMitigationRequest, toStepFunctionsStartRequest } from '../../../src/core';
import { createLocalDynamoDb, type LocalDynamoDb } from '../../../src/local/dynamodb';
import { createGateway } from '../../../src/local/gateway';
import { silentLog } from '../../fixtures';

/**
 * The dispatcher use case over the DynamoDB queue adapter, against the local DynamoDB through the real
 * SDK client (conditional writes and the index evaluated there); IoT and Step Functions are fakes
 * that record what they were asked.
 */

const TABLE = 'mitigation-queue';
let gateway: ReturnType<typeof createGateway>;
let dynamoDb: LocalDynamoDb;
let client: DynamoDBClient;
let endpoint: string;

beforeAll(async () => {
  dynamoDb = createLocalDynamoDb();
  gateway = createGateway([{ name: 'dynamodb', targetPrefix: 'DynamoDB_20120810', handle: dynamoDb.handle }]);
  endpoint = await gateway.listen();
  client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
});
afterAll(() => gateway.close());

let table = 0;
let tableName = TABLE;
beforeEach(() => {
  tableName = `${TABLE}-${++table}`;
  dynamoDb.createTable(tableName, 'pk', [{ name: 'ActiveByRank', partitionKey: 'queue', sortKey: 'rank' }]);
});

function request(taskId: string): StartMitigationRequest {
  return {
    taskId,
    target: { auditTaskId: taskId.replace('remediate-', '') },
    auditCheckToActionsMapping: { CA_CERTIFICATE_EXPIRING_CHECK: ['Publish'] },
    clientRequestToken: `token-${taskId}`,
  };
}

function enqueueEvent(taskId: string, priority: number, token = `tok-${taskId}`) {
  return {
    action: 'enqueue',
    taskToken: token,
    executionName: taskId,
    taskId,
    priority,
    startRequest: toStepFunctionsStartRequest(request(taskId)),
  };
}

/** A fake IoT: records the starts; `blockAfter` starts succeed, then LimitExceeded. */
function fakeIot(options: { blockAfter?: number; refuse?: Set<string> } = {}) {
  const starts: string[] = [];
  const api: MitigationApi = {
    async startTask(req) {
      starts.push(req.taskId);
      if (options.refuse?.has(req.taskId))
        throw new StartRefusedError('InvalidRequestException: no such action');
      if (options.blockAfter !== undefined && starts.length > options.blockAfter)
        throw new StartBlockedError('LimitExceededException: 10 tasks running');
      return 'started';
    },
    describeAudit: async () => {
      throw new Error('the dispatcher never reads audits');
    },
  };
  return { api, starts };
}

function fakeSlots(gone = new Set<string>()) {
  const granted: { token: string; taskId: string; start: string }[] = [];
  const refused: { token: string; error: string }[] = [];
  const slots: SlotCallbacks = {
    async grant(token, output) {
      if (gone.has(token)) return 'gone';
      granted.push({ token, ...output });
      return 'sent';
    },
    async refuse(token, error) {
      refused.push({ token, error });
      return 'sent';
    },
  };
  return { slots, granted, refused };
}

let clock = Date.UTC(2026, 0, 1);
const now = () => clock;
let invocation = 0;

function dispatcher(
  queue: MitigationQueue,
  iot: MitigationApi,
  slots: SlotCallbacks,
  maxConcurrentTasks = 2,
) {
  return createDispatcher({
    queue,
    iot,
    slots,
    maxConcurrentTasks,
    owner: `request-${++invocation}`,
    now,
    logger: silentLog,
  });
}

const states = () =>
  Object.fromEntries(
    [...dynamoDb.items(tableName).entries()]
      .filter(([pk]) => pk.startsWith('remediate-'))
      .map(([pk, item]) => [pk, item.state?.S]),
  );

describe('the dispatcher over the DynamoDB queue', () => {
  it('starts the longest queued tasks first up to maxConcurrentTasks, and the next one when a slot is released', async () => {
    // Prepare
    const queue = createDynamoDbMitigationQueue(client, tableName);
    const iot = fakeIot();
    const sfn = fakeSlots();
    // Act: 4 tasks queued one by one (each invocation dispatches), 2 slots.
    for (const [id, priority] of [
      ['remediate-a', 10],
      ['remediate-b', 10],
      ['remediate-c', 500],
      ['remediate-d', 40],
    ] as const) {
      clock += 1000;
      await dispatcher(queue, iot.api, sfn.slots)(enqueueEvent(id, priority));
    }
    // Assess: a and b took the two free slots as they arrived; c (the longest) and d wait.
    expect(iot.starts).toEqual(['remediate-a', 'remediate-b']);
    expect(states()).toEqual({
      'remediate-a': 'RUNNING',
      'remediate-b': 'RUNNING',
      'remediate-c': 'QUEUED',
      'remediate-d': 'QUEUED',
    });
    // Act: a ends.
    const outcome = await dispatcher(queue, iot.api, sfn.slots)({ action: 'release', taskId: 'remediate-a' });
    // Assess: the longest waiting (c) starts, its workflow is granted its slot with its own token.
    expect(outcome).toMatchObject({ dispatched: true, started: ['remediate-c'], running: 2, queued: 1 });
    expect(sfn.granted.map((g) => g.token)).toEqual([
      'tok-remediate-a',
      'tok-remediate-b',
      'tok-remediate-c',
    ]);
    expect(states()['remediate-a']).toBe('DONE');
    // A DONE entry leaves the index and keeps no token, and expires a week later.
    const done = dynamoDb.items(tableName).get('remediate-a');
    expect(done?.queue).toBeUndefined();
    expect(done?.taskToken).toBeUndefined();
    expect(Number(done?.expiresAt?.N)).toBe(Math.floor(clock / 1000) + 7 * 24 * 3600);
  });

  it('reads the queue once in a pass that moves nothing (an enqueue while every slot is taken), twice otherwise', async () => {
    // Prepare: 2 slots taken.
    const queue = createDynamoDbMitigationQueue(client, tableName);
    let reads = 0;
    const counted: MitigationQueue = {
      ...queue,
      active: () => {
        reads += 1;
        return queue.active();
      },
      nextUp: (max) => {
        reads += 1;
        return queue.nextUp(max);
      },
    };
    const iot = fakeIot();
    const sfn = fakeSlots();
    await dispatcher(counted, iot.api, sfn.slots)(enqueueEvent('remediate-a', 10));
    // Assess: the pass that started a read the queue before and after.
    expect(reads).toBe(2);
    await dispatcher(counted, iot.api, sfn.slots)(enqueueEvent('remediate-b', 10));
    reads = 0;
    // Act
    const outcome = await dispatcher(counted, iot.api, sfn.slots)(enqueueEvent('remediate-c', 30));
    // Assess: nothing to start, one read, and the gauges still see the queue as it is.
    expect(outcome).toMatchObject({ dispatched: true, started: [], running: 2, queued: 1 });
    expect(reads).toBe(1);
  });

  it('reads the slot holders and the next entries to start, not the whole queue, in an enqueue or release pass', async () => {
    // Prepare: 2 slots taken and 40 tasks queued; a client that counts the items its queries return.
    const counting = new DynamoDBClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    let itemsRead = 0;
    counting.middlewareStack.add(
      (next) => async (args) => {
        const out = await next(args);
        itemsRead += ((out.output as { Items?: unknown[] }).Items ?? []).length;
        return out;
      },
      { step: 'initialize' },
    );
    const queue = createDynamoDbMitigationQueue(counting, tableName);
    const iot = fakeIot();
    const sfn = fakeSlots();
    for (let i = 0; i < 42; i++)
      await dispatcher(
        queue,
        iot.api,
        sfn.slots,
      )(enqueueEvent(`remediate-${String(i).padStart(2, '0')}`, 10 + i));
    itemsRead = 0;

    // Act: the first task ends
    const released = await dispatcher(
      queue,
      iot.api,
      sfn.slots,
    )({ action: 'release', taskId: 'remediate-00' });
    const releasePassItems = itemsRead;
    itemsRead = 0;
    const tick = await dispatcher(queue, iot.api, sfn.slots)({ action: 'tick' });

    // Assess: the longest queued task took the slot; the release's pass read the one holder left and
    // the one next entry, then the 2 holders again (4 items, not 42); the tick read the whole queue.
    expect(released).toMatchObject({ started: ['remediate-41'], running: 2, queued: 39 });
    expect(releasePassItems).toBe(4);
    expect(tick).toMatchObject({ started: [], running: 2, queued: 39 });
    expect(itemsRead).toBe(41);
  });

  it('puts an entry refused with LimitExceeded back in the queue and stops the pass (one Start call)', async () => {
    const queue = createDynamoDbMitigationQueue(client, tableName);
    const iot = fakeIot({ blockAfter: 1 });
    const sfn = fakeSlots();
    await dispatcher(queue, iot.api, sfn.slots, 10)(enqueueEvent('remediate-a', 5));
    // Someone else's task takes the last slot: the next start is refused.
    const outcome = await dispatcher(queue, iot.api, sfn.slots, 10)(enqueueEvent('remediate-b', 5));
    expect(outcome).toMatchObject({ started: [], requeued: ['remediate-b'], running: 1, queued: 1 });
    expect(iot.starts).toEqual(['remediate-a', 'remediate-b']);
    expect(states()).toEqual({ 'remediate-a': 'RUNNING', 'remediate-b': 'QUEUED' });
    expect(sfn.granted.map((g) => g.taskId)).toEqual(['remediate-a']);
  });

  it('fails the waiting workflow when IoT refuses the task for good, and frees its entry', async () => {
    const queue = createDynamoDbMitigationQueue(client, tableName);
    const iot = fakeIot({ refuse: new Set(['remediate-bad']) });
    const sfn = fakeSlots();
    await dispatcher(queue, iot.api, sfn.slots)(enqueueEvent('remediate-bad', 5));
    expect(sfn.refused).toEqual([{ token: 'tok-remediate-bad', error: START_REFUSED_ERROR }]);
    expect(states()).toEqual({ 'remediate-bad': 'DONE' });
  });

  it('grants a re-follow of a task already running at once, without a second Start', async () => {
    const queue = createDynamoDbMitigationQueue(client, tableName);
    const iot = fakeIot();
    const sfn = fakeSlots();
    await dispatcher(queue, iot.api, sfn.slots)(enqueueEvent('remediate-a', 5, 'first'));
    await dispatcher(queue, iot.api, sfn.slots)(enqueueEvent('remediate-a', 5, 'second'));
    expect(iot.starts).toEqual(['remediate-a']);
    expect(sfn.granted).toEqual([
      { token: 'first', taskId: 'remediate-a', start: 'started' },
      { token: 'second', taskId: 'remediate-a', start: 'already-started' },
    ]);
  });

  it('leaves the pass to the dispatcher holding the lease, which passes again for the change it was told of', async () => {
    const queue = createDynamoDbMitigationQueue(client, tableName);
    // Prepare: another dispatcher holds the lease.
    expect(await queue.acquireLease('holder', clock)).toBe(true);
    const iot = fakeIot();
    const sfn = fakeSlots();
    // Act: a task is queued meanwhile.
    const outcome = await dispatcher(queue, iot.api, sfn.slots)(enqueueEvent('remediate-a', 5));
    // Assess: queued, not started by this one; the holder is told to pass again, then lets go.
    expect(outcome.dispatched).toBe(false);
    expect(iot.starts).toEqual([]);
    expect(await queue.releaseLease('holder')).toBe(false);
    expect(await queue.releaseLease('holder')).toBe(true);
    // A lease whose holder stopped expires.
    expect(await queue.acquireLease('crashed', clock)).toBe(true);
    expect(await queue.acquireLease('next', clock + 1)).toBe(false);
    expect(await queue.acquireLease('next', clock + LEASE_MS + 1)).toBe(true);
  });

  it('two claims of the same entry: only one moves it to STARTING', async () => {
    const queue = createDynamoDbMitigationQueue(client, tableName);
    await queue.enqueue(
      {
        taskId: 'remediate-a',
        request: request('remediate-a'),
        priority: 1,
        taskToken: 't',
        executionName: 'e',
      },
      clock,
    );
    const claims = await Promise.all([queue.claim('remediate-a', clock), queue.claim('remediate-a', clock)]);
    expect(claims.sort()).toEqual([false, true]);
  });
});
