import { AwsJsonError, awsJsonHandler } from './aws-json-server';

// The one condition the local stack evaluates: the outcome ledger's claim.
const ATTRIBUTE_NOT_EXISTS = /^\s*attribute_not_exists\s*\(\s*(#?[A-Za-z0-9_]+)\s*\)\s*$/;

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

type Item = Record<string, unknown>;

interface Table {
  readonly partitionKey: string;
  readonly items: Map<string, Item>;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The attribute a `attribute_not_exists(...)` condition names, or a ValidationException. */
function conditionAttribute(input: Record<string, unknown>): string | undefined {
  const expression = input.ConditionExpression;
  if (expression === undefined) return undefined;
  const match = typeof expression === 'string' ? ATTRIBUTE_NOT_EXISTS.exec(expression) : null;
  if (!match?.[1]) {
    throw new AwsJsonError(
      'ValidationException',
      `Invalid ConditionExpression: the local stack evaluates only attribute_not_exists(<attribute>), not '${String(expression)}'`,
    );
  }
  const name = match[1];
  if (!name.startsWith('#')) return name;
  const names = isRecord(input.ExpressionAttributeNames) ? input.ExpressionAttributeNames : {};
  const resolved = Object.hasOwn(names, name) ? names[name] : undefined;
  if (typeof resolved !== 'string') {
    throw new AwsJsonError(
      'ValidationException',
      `Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: ${name}`,
    );
  }
  return resolved;
}

/**
 * DynamoDB in memory, as far as the product uses it: PutItem with an optional attribute_not_exists
 * condition and GetItem by key, on tables the local stack creates (template.yaml's OutcomeLedgerTable). Requests arrive
 * validated against the DynamoDB model by awsJsonHandler; what is here is what the model cannot say:
 * the tables, their keys and the condition.
 */
export function createLocalDynamoDb() {
  const tables = new Map<string, Table>();

  function tableOf(input: Record<string, unknown>): Table {
    const tableRef = String(input.TableName);
    const table = tables.get(
      tableRef.startsWith('arn:') ? tableRef.slice(tableRef.lastIndexOf('/') + 1) : tableRef,
    );
    if (!table) throw new AwsJsonError('ResourceNotFoundException', 'Requested resource not found');
    return table;
  }

  function putItem(input: Record<string, unknown>): Record<string, never> {
    const table = tableOf(input);
    const item = isRecord(input.Item) ? input.Item : {};
    const key = item[table.partitionKey];
    if (!isRecord(key) || typeof key.S !== 'string') {
      throw new AwsJsonError(
        'ValidationException',
        `One or more parameter values were invalid: Missing the key ${table.partitionKey} in the item`,
      );
    }
    const attribute = conditionAttribute(input);
    const existing = table.items.get(key.S);
    if (attribute !== undefined && existing !== undefined && Object.hasOwn(existing, attribute)) {
      throw new AwsJsonError('ConditionalCheckFailedException', 'The conditional request failed');
    }
    table.items.set(key.S, structuredClone(item));
    return {};
  }

  /** GetItem by the partition key; every read is consistent here (one copy in memory). */
  function getItem(input: Record<string, unknown>): { Item?: Item } {
    const table = tableOf(input);
    const keys = isRecord(input.Key) ? input.Key : {};
    const key = keys[table.partitionKey];
    if (Object.keys(keys).length !== 1 || !isRecord(key) || typeof key.S !== 'string') {
      throw new AwsJsonError('ValidationException', 'The provided key element does not match the schema');
    }
    const item = table.items.get(key.S);
    return item === undefined ? {} : { Item: structuredClone(item) };
  }

  return {
    handle: awsJsonHandler(
      'DynamoDB_20120810',
      'application/x-amz-json-1.0',
      { PutItem: putItem, GetItem: getItem },
      { errorType },
    ),
    /** Creates an empty table keyed by a string partition key. */
    createTable(name: string, partitionKey: string): void {
      tables.set(name, { partitionKey, items: new Map() });
    },
    /** The items of a table, by partition key. */
    items(name: string): ReadonlyMap<string, Item> {
      return tables.get(name)?.items ?? new Map();
    },
  };
}

export type LocalDynamoDb = ReturnType<typeof createLocalDynamoDb>;
