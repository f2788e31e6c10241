import { AwsJsonError, awsJsonHandler } from './aws-json-server';
import {
  applyUpdate,
  type ExpressionContext,
  type Item,
  parseCondition,
  parseKeyCondition,
} from './dynamodb-expressions';

/**
 * DynamoDB's `__type` of an error (the SDKs read the part after '#'): Coral's common errors under
 * their Coral namespace, DynamoDB's own under its service namespace.
 */
function errorType(name: string): string {
  if (name === 'ValidationException') return `com.amazon.coral.validate#${name}`;
  if (['SerializationException', 'UnknownOperationException', 'InternalFailure'].includes(name))
    return `com.amazon.coral.service#${name}`;
  return `com.amazonaws.dynamodb.v20120810#${name}`;
}

/** A global secondary index: its keys (string attributes); items without its partition key are left out. */
export interface LocalIndex {
  readonly name: string;
  readonly partitionKey: string;
  readonly sortKey?: string;
}

interface Table {
  readonly partitionKey: string;
  readonly indexes: readonly LocalIndex[];
  readonly items: Map<string, Item>;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function contextOf(input: Record<string, unknown>): ExpressionContext {
  return {
    names: isRecord(input.ExpressionAttributeNames) ? input.ExpressionAttributeNames : {},
    values: isRecord(input.ExpressionAttributeValues) ? input.ExpressionAttributeValues : {},
  };
}

/** An attribute value as text that is equal for equal values: a string's or number's own text, else JSON. */
function keyText(value: unknown): string | undefined {
  if (!isRecord(value)) return undefined;
  if (typeof value.S === 'string') return `S:${value.S}`;
  if (typeof value.N === 'string') return `N:${value.N}`;
  return JSON.stringify(value);
}

/** Throws ConditionalCheckFailedException when the request's condition does not hold for `existing`. */
function checkCondition(input: Record<string, unknown>, existing: Item | undefined): void {
  if (input.ConditionExpression === undefined) return;
  const holds = parseCondition(String(input.ConditionExpression), contextOf(input));
  if (!holds(existing))
    throw new AwsJsonError('ConditionalCheckFailedException', 'The conditional request failed');
}

/** The attributes ReturnValues asks for (ALL_NEW / ALL_OLD), or nothing. */
function returned(input: Record<string, unknown>, before: Item | undefined, after: Item | undefined) {
  if (input.ReturnValues === 'ALL_NEW' && after) return { Attributes: structuredClone(after) };
  if (input.ReturnValues === 'ALL_OLD' && before) return { Attributes: structuredClone(before) };
  return {};
}

/**
 * DynamoDB in memory, as far as the product uses it: PutItem, GetItem, UpdateItem, DeleteItem with
 * condition and update expressions (dynamodb-expressions.ts), and Query on a global secondary index by
 * its partition key, sorted by its sort key, on tables the local stack creates (template.yaml's
 * OutcomeLedgerTable and MitigationQueueTable). Requests arrive validated against the DynamoDB model
 * by awsJsonHandler; what is here is what the model cannot say: the tables, their keys, the
 * expressions. `throttle(n)` makes the next n requests fail as a throttled table does.
 */
export function createLocalDynamoDb() {
  const tables = new Map<string, Table>();
  let throttled = 0;
  let requests = 0;

  function tableOf(input: Record<string, unknown>): Table {
    requests++;
    if (throttled > 0) {
      throttled--;
      throw new AwsJsonError(
        'ProvisionedThroughputExceededException',
        'The level of configured provisioned throughput for the table was exceeded.',
      );
    }
    const tableRef = String(input.TableName);
    const table = tables.get(
      tableRef.startsWith('arn:') ? tableRef.slice(tableRef.lastIndexOf('/') + 1) : tableRef,
    );
    if (!table) throw new AwsJsonError('ResourceNotFoundException', 'Requested resource not found');
    return table;
  }

  function keyOf(table: Table, item: unknown, where: string): string {
    const key = isRecord(item) ? item[table.partitionKey] : undefined;
    if (!isRecord(key) || typeof key.S !== 'string') {
      throw new AwsJsonError(
        'ValidationException',
        `One or more parameter values were invalid: Missing the key ${table.partitionKey} in the ${where}`,
      );
    }
    return key.S;
  }

  function putItem(input: Record<string, unknown>) {
    const table = tableOf(input);
    const item = (isRecord(input.Item) ? input.Item : {}) as Item;
    const key = keyOf(table, item, 'item');
    const existing = table.items.get(key);
    checkCondition(input, existing);
    table.items.set(key, structuredClone(item));
    return returned(input, existing, undefined);
  }

  function getItem(input: Record<string, unknown>) {
    const table = tableOf(input);
    const existing = table.items.get(keyOf(table, input.Key, 'key'));
    return existing ? { Item: structuredClone(existing) } : {};
  }

  function updateItem(input: Record<string, unknown>) {
    const table = tableOf(input);
    const keyItem = (isRecord(input.Key) ? input.Key : {}) as Item;
    const key = keyOf(table, keyItem, 'key');
    const existing = table.items.get(key);
    checkCondition(input, existing);
    const base: Item = existing ?? structuredClone(keyItem);
    const updated =
      input.UpdateExpression === undefined
        ? base
        : applyUpdate(String(input.UpdateExpression), contextOf(input), base);
    if (updated[table.partitionKey]?.S !== key)
      throw new AwsJsonError(
        'ValidationException',
        'Cannot update attribute pk. This attribute is part of the key',
      );
    table.items.set(key, updated);
    return returned(input, existing, updated);
  }

  function deleteItem(input: Record<string, unknown>) {
    const table = tableOf(input);
    const key = keyOf(table, input.Key, 'key');
    const existing = table.items.get(key);
    checkCondition(input, existing);
    table.items.delete(key);
    return returned(input, existing, undefined);
  }

  /** Query on an index by its partition key, sorted by its sort key; one page (the whole answer). */
  function query(input: Record<string, unknown>) {
    const table = tableOf(input);
    const index = table.indexes.find((i) => i.name === input.IndexName);
    if (input.IndexName !== undefined && !index)
      throw new AwsJsonError(
        'ValidationException',
        `The table does not have the specified index: ${String(input.IndexName)}`,
      );
    const partitionKey = index?.partitionKey ?? table.partitionKey;
    const { attribute, value } = parseKeyCondition(
      String(input.KeyConditionExpression ?? ''),
      contextOf(input),
    );
    if (attribute !== partitionKey)
      throw new AwsJsonError(
        'ValidationException',
        `Query condition missed key schema element: ${partitionKey}`,
      );
    const filter =
      input.FilterExpression === undefined
        ? () => true
        : parseCondition(String(input.FilterExpression), contextOf(input), 'FilterExpression');
    const sortKey = index?.sortKey;
    const wanted = keyText(value);
    const matching = [...table.items.values()]
      .filter((item) => keyText(item[attribute]) === wanted)
      .filter((item) => sortKey === undefined || item[sortKey] !== undefined)
      .map((item) => ({
        item,
        rank: sortKey === undefined ? '' : String(item[sortKey]?.S ?? item[sortKey]?.N ?? ''),
      }))
      .sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0))
      .map(({ item }) => item);
    if (input.ScanIndexForward === false) matching.reverse();
    // A page: after ExclusiveStartKey (the table key of the last item of the page before), at most
    // Limit items evaluated (before the filter, as DynamoDB counts them).
    const startKey = input.ExclusiveStartKey as Item | undefined;
    const from =
      startKey === undefined
        ? 0
        : matching.findIndex(
            (item) => keyText(item[table.partitionKey]) === keyText(startKey[table.partitionKey]),
          ) + 1;
    const limit = typeof input.Limit === 'number' ? input.Limit : Number.POSITIVE_INFINITY;
    const evaluated = matching.slice(from, from + limit);
    const last = evaluated.at(-1);
    const more = last !== undefined && from + evaluated.length < matching.length;
    const lastEvaluatedKey = more
      ? { LastEvaluatedKey: keyAttributes(last, [table.partitionKey, attribute, sortKey]) }
      : {};
    const items = evaluated.filter((item) => filter(item));
    if (input.Select === 'COUNT')
      return { Count: items.length, ScannedCount: evaluated.length, ...lastEvaluatedKey };
    // No copies: a stored item is never changed in place (PutItem stores a copy, UpdateItem a new
    // item), and the answer is serialised as it is sent.
    return { Items: items, Count: items.length, ScannedCount: evaluated.length, ...lastEvaluatedKey };
  }

  /** The key attributes of an item (the table's and the index's): a LastEvaluatedKey. */
  function keyAttributes(item: Item, attributes: readonly (string | undefined)[]): Item {
    const key: Item = {};
    for (const name of attributes) {
      const value = name === undefined ? undefined : item[name];
      if (name !== undefined && value !== undefined) key[name] = value;
    }
    return key;
  }

  return {
    handle: awsJsonHandler(
      'DynamoDB_20120810',
      'application/x-amz-json-1.0',
      { PutItem: putItem, GetItem: getItem, UpdateItem: updateItem, DeleteItem: deleteItem, Query: query },
      { errorType },
    ),
    /** Creates an empty table keyed by a string partition key, with its global secondary indexes. */
    createTable(name: string, partitionKey: string, indexes: readonly LocalIndex[] = []): void {
      tables.set(name, { partitionKey, indexes, items: new Map() });
    },
    /** The items of a table, by partition key. */
    items(name: string): ReadonlyMap<string, Item> {
      return tables.get(name)?.items ?? new Map();
    },
    /** The next `count` requests fail with ProvisionedThroughputExceededException (the SDK retries them). */
    throttle(count: number): void {
      throttled = count;
    },
    /** Throttles still to answer (see `throttle`). */
    get pendingThrottles(): number {
      return throttled;
    },
    /** Requests served or refused so far. */
    get requests(): number {
      return requests;
    },
  };
}

export type LocalDynamoDb = ReturnType<typeof createLocalDynamoDb>;
