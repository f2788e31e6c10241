import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { MitigationQueue, QueueEntry } from '../app/ports';
import { QUEUE_STATES, type QueueState, queueRank, type StartMitigationRequest } from '../core';

/** template.yaml's MitigationQueueTable index of the entries not DONE, longest first (sparse: DONE leaves it). */
export const QUEUE_INDEX = 'ActiveByRank';
/**
 * The index's partitions (one queue per account: the table is the account's, in one region): the
 * QUEUED entries, and the entries holding or taking a slot (STARTING, RUNNING). Apart, a pass reads
 * the few slot holders and the next entries to start without reading the whole queue.
 */
export const WAITING_PARTITION = 'tasks';
export const SLOTS_PARTITION = 'tasks#slots';
/** The dispatcher's lease item (not in the index: it has no `queue` attribute). */
const LEASE_KEY = '#dispatcher-lease';
/** A lease outlives the dispatcher's timeout (30 s): one that crashed frees it for the next tick. */
export const LEASE_MS = 60_000;
/** How long a DONE entry is kept (TTL): long enough for `status` and a re-follow to see it. */
export const QUEUE_DONE_TTL_SECONDS = 7 * 24 * 3600;

const S = (value: string): AttributeValue => ({ S: value });
const N = (value: number): AttributeValue => ({ N: String(value) });

function isConditionFailure(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error as Error).name === 'ConditionalCheckFailedException'
  );
}

/** Runs a conditional write: false when its condition did not hold. */
async function conditional(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

function stateOf(value: AttributeValue | undefined): QueueState {
  const state = value?.S;
  const known = QUEUE_STATES.find((s) => s === state);
  if (!known) throw new Error(`queue entry with an unknown state '${String(state)}'`);
  return known;
}

function entryOf(item: Record<string, AttributeValue>): QueueEntry {
  const startingSince = item.startingSince?.N;
  return {
    taskId: item.pk?.S ?? '',
    state: stateOf(item.state),
    priority: Number(item.priority?.N ?? '0'),
    queuedAt: Number(item.queuedAt?.N ?? '0'),
    ...(startingSince !== undefined ? { startingSince: Number(startingSince) } : {}),
    // Written by enqueue from the parsed WaitForSlot payload.
    request: JSON.parse(item.request?.S ?? '{}') as StartMitigationRequest,
    taskToken: item.taskToken?.S ?? '',
    executionName: item.executionName?.S ?? '',
  };
}

/**
 * The mitigation queue over a DynamoDB table keyed by `pk` = task id (template.yaml,
 * MitigationQueueTable), with the sparse index ActiveByRank (`queue`, `rank`) of the entries not
 * DONE, longest first. Every transition is an UpdateItem conditioned on the state it leaves.
 */
export function createDynamoDbMitigationQueue(client: DynamoDBClient, tableName: string): MitigationQueue {
  const key = (taskId: string) => ({ pk: S(taskId) });
  const names = { '#state': 'state' };

  /** A page of one partition of the index, in rank order. */
  const page = (queue: string, more: Partial<QueryCommandInput>, startKey?: Record<string, AttributeValue>) =>
    client.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: QUEUE_INDEX,
        KeyConditionExpression: '#queue = :queue',
        ExpressionAttributeNames: { '#queue': 'queue' },
        ExpressionAttributeValues: { ':queue': S(queue) },
        ...more,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );

  /** One partition of the index in rank order: all of it, or its first `limit` entries. */
  async function partition(queue: string, limit?: number): Promise<QueueEntry[]> {
    const entries: QueueEntry[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const read = await page(queue, limit !== undefined ? { Limit: limit - entries.length } : {}, startKey);
      for (const item of read.Items ?? []) entries.push(entryOf(item));
      startKey = read.LastEvaluatedKey;
    } while (startKey && (limit === undefined || entries.length < limit));
    return entries;
  }

  /** How many entries a partition holds (a count reads at most 1 MB a page, as any Query). */
  async function count(queue: string): Promise<number> {
    let total = 0;
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const read = await page(queue, { Select: 'COUNT' }, startKey);
      total += read.Count ?? 0;
      startKey = read.LastEvaluatedKey;
    } while (startKey);
    return total;
  }

  return {
    async enqueue(entry, now) {
      const put = () =>
        client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: {
              pk: S(entry.taskId),
              state: S('QUEUED'),
              queue: S(WAITING_PARTITION),
              rank: S(queueRank(entry.priority, now, entry.taskId)),
              priority: N(entry.priority),
              queuedAt: N(now),
              request: S(JSON.stringify(entry.request)),
              taskToken: S(entry.taskToken),
              executionName: S(entry.executionName),
            },
            ConditionExpression: 'attribute_not_exists(pk) OR #state = :done',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: { ':done': S('DONE') },
          }),
        );
      for (let attempt = 0; attempt < 3; attempt++) {
        if (await conditional(put)) return 'QUEUED';
        const current = await client.send(
          new GetItemCommand({ TableName: tableName, Key: key(entry.taskId), ConsistentRead: true }),
        );
        if (!current.Item) continue;
        const state = stateOf(current.Item.state);
        if (state === 'DONE') continue;
        // Active already: it keeps its place, and the newest waiting workflow's token.
        const updated = await conditional(() =>
          client.send(
            new UpdateItemCommand({
              TableName: tableName,
              Key: key(entry.taskId),
              UpdateExpression: 'SET taskToken = :token, executionName = :execution',
              ConditionExpression: '#state = :state',
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: {
                ':token': S(entry.taskToken),
                ':execution': S(entry.executionName),
                ':state': S(state),
              },
            }),
          ),
        );
        if (updated) return state;
      }
      throw new Error(`queue entry ${entry.taskId} kept changing while it was queued`);
    },

    async active() {
      const [holding, waiting] = await Promise.all([
        partition(SLOTS_PARTITION),
        partition(WAITING_PARTITION),
      ]);
      return [...holding, ...waiting];
    },

    async nextUp(maxConcurrentTasks) {
      const holding = await partition(SLOTS_PARTITION);
      const free = Math.max(0, maxConcurrentTasks - holding.length);
      const [next, queued] = await Promise.all([
        free > 0 ? partition(WAITING_PARTITION, free) : Promise.resolve([]),
        count(WAITING_PARTITION),
      ]);
      return { entries: [...holding, ...next], queued };
    },

    claim(taskId, now, startingSince) {
      return conditional(() =>
        client.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: key(taskId),
            // Into the slot holders' partition: the next passes count it without reading the queue.
            UpdateExpression: 'SET #state = :starting, startingSince = :now, #queue = :slots',
            ConditionExpression:
              startingSince === undefined
                ? '#state = :queued'
                : '#state = :starting AND startingSince = :since',
            ExpressionAttributeNames: { ...names, '#queue': 'queue' },
            ExpressionAttributeValues: {
              ':starting': S('STARTING'),
              ':now': N(now),
              ':slots': S(SLOTS_PARTITION),
              ...(startingSince === undefined ? { ':queued': S('QUEUED') } : { ':since': N(startingSince) }),
            },
          }),
        ),
      );
    },

    markRunning(taskId, grantedToken) {
      return conditional(() =>
        client.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: key(taskId),
            UpdateExpression: 'SET #state = :running REMOVE startingSince',
            ConditionExpression: '#state = :starting AND taskToken = :token',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: {
              ':running': S('RUNNING'),
              ':starting': S('STARTING'),
              ':token': S(grantedToken),
            },
          }),
        ),
      );
    },

    async requeue(taskId) {
      await conditional(() =>
        client.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: key(taskId),
            UpdateExpression: 'SET #state = :queued, #queue = :waiting REMOVE startingSince',
            ConditionExpression: '#state = :starting',
            ExpressionAttributeNames: { ...names, '#queue': 'queue' },
            ExpressionAttributeValues: {
              ':queued': S('QUEUED'),
              ':starting': S('STARTING'),
              ':waiting': S(WAITING_PARTITION),
            },
          }),
        ),
      );
    },

    release(taskId, now) {
      return conditional(() =>
        client.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: key(taskId),
            // Out of the index, and the token with it: nothing waits on a DONE entry.
            UpdateExpression:
              'SET #state = :done, expiresAt = :expires, doneAt = :now REMOVE #queue, startingSince, taskToken',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeNames: { ...names, '#queue': 'queue' },
            ExpressionAttributeValues: {
              ':done': S('DONE'),
              ':expires': N(Math.floor(now / 1000) + QUEUE_DONE_TTL_SECONDS),
              ':now': N(now),
            },
          }),
        ),
      );
    },

    async acquireLease(owner, now) {
      const acquire = () =>
        conditional(() =>
          client.send(
            new UpdateItemCommand({
              TableName: tableName,
              Key: key(LEASE_KEY),
              UpdateExpression: 'SET #owner = :owner, leaseUntil = :until REMOVE dirty',
              ConditionExpression: 'attribute_not_exists(leaseUntil) OR leaseUntil < :now OR #owner = :owner',
              ExpressionAttributeNames: { '#owner': 'owner' },
              ExpressionAttributeValues: { ':owner': S(owner), ':until': N(now + LEASE_MS), ':now': N(now) },
            }),
          ),
        );
      if (await acquire()) return true;
      // Held: the holder passes again before it lets go. Tried once more in case it let go meanwhile.
      await client.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: key(LEASE_KEY),
          UpdateExpression: 'SET dirty = :dirty',
          ExpressionAttributeValues: { ':dirty': { BOOL: true } },
        }),
      );
      return acquire();
    },

    async releaseLease(owner) {
      const values = { ':owner': S(owner) };
      const released = await conditional(() =>
        client.send(
          new DeleteItemCommand({
            TableName: tableName,
            Key: key(LEASE_KEY),
            ConditionExpression: '#owner = :owner AND attribute_not_exists(dirty)',
            ExpressionAttributeNames: { '#owner': 'owner' },
            ExpressionAttributeValues: values,
          }),
        ),
      );
      if (released) return true;
      const stillMine = await conditional(() =>
        client.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: key(LEASE_KEY),
            UpdateExpression: 'REMOVE dirty',
            ConditionExpression: '#owner = :owner',
            ExpressionAttributeNames: { '#owner': 'owner' },
            ExpressionAttributeValues: values,
          }),
        ),
      );
      // Dirty: pass again, still holding it. Lost (expired, taken): nothing more to do here.
      return !stillMine;
    },
  };
}
