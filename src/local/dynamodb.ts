import { AwsJsonError, awsJsonHandler } from './aws-json-server';

/**
 * The constraints of PutItem in the DynamoDB model (botocore dynamodb/2012-08-10 service-2.json):
 * `TableName` is a `TableArn` (a name or an ARN, 1 to 1024 characters), and a name that is not an ARN
 * is a `TableName` (3 to 255 of [a-zA-Z0-9_.-]). test/unit/local/dynamodb.test.ts compares them with the model.
 */
export const PUT_ITEM_CONSTRAINTS = {
  targetPrefix: 'DynamoDB_20120810',
  required: ['TableName', 'Item'],
  tableArn: { min: 1, max: 1024 },
  tableName: { min: 3, max: 255, pattern: '[a-zA-Z0-9_.-]+' },
} as const;

const TABLE_NAME_PATTERN = new RegExp(`^${PUT_ITEM_CONSTRAINTS.tableName.pattern}$`);
// The one condition the local stack evaluates: the outcome ledger's claim.
const ATTRIBUTE_NOT_EXISTS = /^\s*attribute_not_exists\s*\(\s*(#?[A-Za-z0-9_]+)\s*\)\s*$/;

// DynamoDB answers every error below with 400 and these __type values (the SDK reads the part after '#').
const VALIDATION = 'com.amazon.coral.validate#ValidationException';
const CONDITIONAL_CHECK_FAILED = 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException';
const RESOURCE_NOT_FOUND = 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException';

type Item = Record<string, unknown>;

interface Table {
  readonly partitionKey: string;
  readonly items: Map<string, Item>;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The model's member constraints, reported as DynamoDB's front end reports them. */
function memberProblems(input: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const fail = (value: unknown, member: string, constraint: string) =>
    problems.push(
      `Value ${value === undefined || value === null ? 'null' : `'${String(value)}'`} at '${member}' failed to satisfy constraint: Member must ${constraint}`,
    );
  const table = input.TableName;
  const { tableArn, tableName } = PUT_ITEM_CONSTRAINTS;
  if (typeof table !== 'string') fail(table, 'tableName', 'not be null');
  else if (table.length < tableArn.min)
    fail(table, 'tableName', `have length greater than or equal to ${tableArn.min}`);
  else if (table.length > tableArn.max)
    fail(table, 'tableName', `have length less than or equal to ${tableArn.max}`);
  else if (!table.startsWith('arn:')) {
    if (table.length < tableName.min)
      fail(table, 'tableName', `have length greater than or equal to ${tableName.min}`);
    else if (table.length > tableName.max)
      fail(table, 'tableName', `have length less than or equal to ${tableName.max}`);
    else if (!TABLE_NAME_PATTERN.test(table))
      fail(table, 'tableName', `satisfy regular expression pattern: ${tableName.pattern}`);
  }
  if (!isRecord(input.Item)) fail(undefined, 'item', 'not be null');
  return problems;
}

/** The attribute a `attribute_not_exists(...)` condition names, or a ValidationException. */
function conditionAttribute(input: Record<string, unknown>): string | undefined {
  const expression = input.ConditionExpression;
  if (expression === undefined) return undefined;
  const match = typeof expression === 'string' ? ATTRIBUTE_NOT_EXISTS.exec(expression) : null;
  if (!match?.[1]) {
    throw new AwsJsonError(
      VALIDATION,
      `Invalid ConditionExpression: the local stack evaluates only attribute_not_exists(<attribute>), not '${String(expression)}'`,
    );
  }
  const name = match[1];
  if (!name.startsWith('#')) return name;
  const names = isRecord(input.ExpressionAttributeNames) ? input.ExpressionAttributeNames : {};
  const resolved = Object.hasOwn(names, name) ? names[name] : undefined;
  if (typeof resolved !== 'string') {
    throw new AwsJsonError(
      VALIDATION,
      `Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: ${name}`,
    );
  }
  return resolved;
}

/**
 * DynamoDB in memory, as far as the product uses it: PutItem with an optional attribute_not_exists
 * condition, on tables the local stack creates (template.yaml's OutcomeLedgerTable).
 */
export function createLocalDynamoDb() {
  const tables = new Map<string, Table>();

  function putItem(input: Record<string, unknown>): Record<string, never> {
    const problems = memberProblems(input);
    if (problems.length > 0) {
      const count = problems.length === 1 ? '1 validation error' : `${problems.length} validation errors`;
      throw new AwsJsonError(VALIDATION, `${count} detected: ${problems.join('; ')}`);
    }
    const tableRef = String(input.TableName);
    const table = tables.get(
      tableRef.startsWith('arn:') ? tableRef.slice(tableRef.lastIndexOf('/') + 1) : tableRef,
    );
    if (!table) throw new AwsJsonError(RESOURCE_NOT_FOUND, 'Requested resource not found');
    const item = input.Item as Item;
    const key = item[table.partitionKey];
    if (!isRecord(key) || typeof key.S !== 'string') {
      throw new AwsJsonError(
        VALIDATION,
        `One or more parameter values were invalid: Missing the key ${table.partitionKey} in the item`,
      );
    }
    const attribute = conditionAttribute(input);
    const existing = table.items.get(key.S);
    if (attribute !== undefined && existing !== undefined && Object.hasOwn(existing, attribute)) {
      throw new AwsJsonError(CONDITIONAL_CHECK_FAILED, 'The conditional request failed');
    }
    table.items.set(key.S, structuredClone(item));
    return {};
  }

  return {
    handle: awsJsonHandler(PUT_ITEM_CONSTRAINTS.targetPrefix, 'application/x-amz-json-1.0', {
      PutItem: putItem,
    }),
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
