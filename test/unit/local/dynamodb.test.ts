import { spawnSync } from 'node:child_process';
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  ResourceNotFoundException,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalDynamoDb } from '../../../src/local/dynamodb';
import { createGateway } from '../../../src/local/gateway';
import { shapeOf } from '../../../src/local/model/validate';

/** The local DynamoDB (PutItem with attribute_not_exists) through the real SDK client. */

const TABLE = 'outcome-ledger';
const QUEUE_TABLE = 'queue';
let gateway: ReturnType<typeof createGateway>;
let client: DynamoDBClient;
let endpoint: string;

beforeAll(async () => {
  const dynamoDb = createLocalDynamoDb();
  dynamoDb.createTable(TABLE, 'pk');
  dynamoDb.createTable(QUEUE_TABLE, 'pk', [{ name: 'ByRank', partitionKey: 'queue', sortKey: 'rank' }]);
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

const claim = (pk: string, table = TABLE) =>
  client.send(
    new PutItemCommand({
      TableName: table,
      Item: { pk: { S: pk }, expiresAt: { N: '1800000000' } },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );

/** The status and error name of a refused request. */
async function refusal(
  request: Promise<unknown>,
): Promise<{ status?: number; name: string; message: string }> {
  const error = await request.then(
    () => {
      throw new Error('the request was accepted');
    },
    (caught: Error & { $metadata?: { httpStatusCode?: number } }) => caught,
  );
  return { status: error.$metadata?.httpStatusCode, name: error.name, message: error.message };
}

describe('local DynamoDB Query on a global secondary index', () => {
  const put = (pk: string, attributes: Record<string, { S: string } | { N: string }>) =>
    client.send(new PutItemCommand({ TableName: QUEUE_TABLE, Item: { pk: { S: pk }, ...attributes } }));
  const query = (value: { S: string } | { N: string }, forward = true) =>
    client.send(
      new QueryCommand({
        TableName: QUEUE_TABLE,
        IndexName: 'ByRank',
        KeyConditionExpression: '#q = :q',
        ExpressionAttributeNames: { '#q': 'queue' },
        ExpressionAttributeValues: { ':q': value },
        ScanIndexForward: forward,
      }),
    );

  it('answers the items of the partition by rank, leaves out other partitions, other key types and items off the index', async () => {
    // Prepare
    await put('c', { queue: { S: '1' }, rank: { S: '0003' } });
    await put('a', { queue: { S: '1' }, rank: { S: '0001' } });
    await put('b', { queue: { S: '1' }, rank: { S: '0002' } });
    await put('number', { queue: { N: '1' }, rank: { S: '0000' } });
    await put('other', { queue: { S: '2' }, rank: { S: '0000' } });
    await put('unranked', { queue: { S: '1' } });
    await put('done', { rank: { S: '0000' } });
    // Act
    const forward = await query({ S: '1' });
    const backward = await query({ S: '1' }, false);
    const numbers = await query({ N: '1' });
    // Assess
    expect(forward.Items?.map((i) => i.pk?.S)).toEqual(['a', 'b', 'c']);
    expect(backward.Items?.map((i) => i.pk?.S)).toEqual(['c', 'b', 'a']);
    expect(numbers.Items?.map((i) => i.pk?.S)).toEqual(['number']);
  });

  it('pages by Limit: LastEvaluatedKey names the last item read, ExclusiveStartKey goes on after it', async () => {
    // Prepare
    for (const rank of ['3', '1', '2']) await put(`p${rank}`, { queue: { S: 'paged' }, rank: { S: rank } });
    const page = (Limit: number, ExclusiveStartKey?: Record<string, { S: string }>) =>
      client.send(
        new QueryCommand({
          TableName: QUEUE_TABLE,
          IndexName: 'ByRank',
          KeyConditionExpression: '#q = :q',
          ExpressionAttributeNames: { '#q': 'queue' },
          ExpressionAttributeValues: { ':q': { S: 'paged' } },
          Limit,
          ExclusiveStartKey,
        }),
      );
    // Act
    const first = await page(2);
    const second = await page(2, first.LastEvaluatedKey as Record<string, { S: string }>);
    const whole = await page(3);
    // Assess
    expect(first.Items?.map((i) => i.pk?.S)).toEqual(['p1', 'p2']);
    expect(first.LastEvaluatedKey).toEqual({ pk: { S: 'p2' }, queue: { S: 'paged' }, rank: { S: '2' } });
    expect(second.Items?.map((i) => i.pk?.S)).toEqual(['p3']);
    expect(second.LastEvaluatedKey).toBeUndefined();
    expect(whole.LastEvaluatedKey).toBeUndefined();
  });

  it('answers an item as it is when asked, not as a later update leaves it', async () => {
    // Prepare
    await put('x', { queue: { S: 'x' }, rank: { S: '1' }, state: { S: 'QUEUED' } });
    const before = await query({ S: 'x' });
    // Act
    await client.send(
      new UpdateItemCommand({
        TableName: QUEUE_TABLE,
        Key: { pk: { S: 'x' } },
        UpdateExpression: 'SET #s = :s',
        ExpressionAttributeNames: { '#s': 'state' },
        ExpressionAttributeValues: { ':s': { S: 'STARTING' } },
      }),
    );
    const after = await query({ S: 'x' });
    // Assess
    expect(before.Items?.[0]?.state).toEqual({ S: 'QUEUED' });
    expect(after.Items?.[0]?.state).toEqual({ S: 'STARTING' });
  });
});

describe('local DynamoDB PutItem', () => {
  it('puts an item whose key is new, and refuses the same key under attribute_not_exists', async () => {
    // Act
    const first = await claim('execution-1');
    const second = claim('execution-1');

    // Assess
    expect(first.$metadata.httpStatusCode).toBe(200);
    await expect(second).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    expect(await refusal(claim('execution-1'))).toEqual({
      status: 400,
      name: 'ConditionalCheckFailedException',
      message: 'The conditional request failed',
    });
    expect((await claim('execution-2')).$metadata.httpStatusCode).toBe(200);
  });

  it('answers ResourceNotFoundException for a table that does not exist', async () => {
    await expect(claim('x', 'no-such-table')).rejects.toBeInstanceOf(ResourceNotFoundException);
    expect(await refusal(claim('x', 'no-such-table'))).toMatchObject({ status: 400 });
  });

  it.each([
    ['a name of 2 characters', 'ab'],
    ['a name outside [a-zA-Z0-9_.-]', 'bad name!'],
  ])('takes %s for a table reference, as the model does (TableArn), and finds no such table', async (_case, table) => {
    // Act
    const answer = await refusal(claim('k', table));

    // Assess: the model's TableName is a TableArn (1 to 1024 characters, no pattern).
    expect(answer).toEqual({
      status: 400,
      name: 'ResourceNotFoundException',
      message: 'Requested resource not found',
    });
  });

  it.each([
    [
      'an empty TableName',
      { TableName: '', Item: { pk: { S: 'k' } } },
      "1 validation error detected: Value '' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 1",
    ],
    [
      'a TableName longer than 1024',
      { TableName: 'x'.repeat(1025), Item: { pk: { S: 'k' } } },
      `1 validation error detected: Value '${'x'.repeat(1025)}' at 'tableName' failed to satisfy constraint: Member must have length less than or equal to 1024`,
    ],
    [
      'a ReturnValues outside its enum',
      { TableName: TABLE, Item: { pk: { S: 'k' } }, ReturnValues: 'EVERYTHING' },
      "1 validation error detected: Value 'EVERYTHING' at 'returnValues' failed to satisfy constraint: Member must satisfy enum value set: [NONE, ALL_OLD, UPDATED_OLD, ALL_NEW, UPDATED_NEW]",
    ],
  ])('refuses %s with a ValidationException naming the member', async (_case, input, message) => {
    // Act
    const answer = await refusal(client.send(new PutItemCommand(input as never)));

    // Assess
    expect(answer).toEqual({ status: 400, name: 'ValidationException', message });
  });

  it('refuses a PutItem without Item or TableName, naming each missing member', async () => {
    const answer = await refusal(client.send(new PutItemCommand({} as never)));
    expect(answer).toEqual({
      status: 400,
      name: 'ValidationException',
      message:
        "2 validation errors detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null; Value null at 'item' failed to satisfy constraint: Member must not be null",
    });
  });

  it.each([
    [
      'a model violation',
      { TableName: TABLE },
      'com.amazon.coral.validate#ValidationException',
      "1 validation error detected: Value null at 'item' failed to satisfy constraint: Member must not be null",
    ],
    [
      'a value of the wrong JSON type',
      { TableName: TABLE, Item: 'pk' },
      'com.amazon.coral.service#SerializationException',
      "Value 'pk' at 'item' is not a map",
    ],
    [
      'an unknown table',
      { TableName: 'no-such-table', Item: { pk: { S: 'k' } } },
      'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException',
      'Requested resource not found',
    ],
  ])('answers %s on the wire as DynamoDB does: 400 and a namespaced __type', async (_case, input, type, message) => {
    // Act
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'x-amz-target': 'DynamoDB_20120810.PutItem', 'content-type': 'application/x-amz-json-1.0' },
      body: JSON.stringify(input),
    });

    // Assess
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ __type: type, message });
  });

  it('refuses an item without the key attribute', async () => {
    const answer = await refusal(
      client.send(new PutItemCommand({ TableName: TABLE, Item: { other: { S: 'x' } } })),
    );
    expect(answer).toEqual({
      status: 400,
      name: 'ValidationException',
      message: 'One or more parameter values were invalid: Missing the key pk in the item',
    });
  });

  it('refuses a condition expression the local stack does not evaluate, rather than ignoring it', async () => {
    const answer = await refusal(
      client.send(
        new PutItemCommand({
          TableName: TABLE,
          Item: { pk: { S: 'y' } },
          ConditionExpression: 'size(pk) > :n',
        }),
      ),
    );
    expect(answer.name).toBe('ValidationException');
    expect(answer.message).toMatch(/Invalid ConditionExpression/);
  });
});

const botocore = spawnSync(
  'python3',
  ['-c', 'import botocore,os;print(os.path.dirname(botocore.__file__))'],
  {
    encoding: 'utf8',
  },
);
const modelMissing = botocore.status === 0 ? undefined : 'python3 with botocore is not available';
if (modelMissing) console.warn(`Skipping the DynamoDB model check: ${modelMissing}`);

describe.skipIf(modelMissing !== undefined)(
  'the DynamoDB PutItem model the local stack validates from',
  () => {
    it('is the one of botocore dynamodb/2012-08-10: TableName a TableArn shape', () => {
      // Prepare: the model is stored gzipped in recent botocore releases.
      const script = `import gzip,json,os,sys
d=os.path.join(sys.argv[1],'data','dynamodb','2012-08-10')
p=os.path.join(d,'service-2.json')
m=json.load(open(p)) if os.path.exists(p) else json.load(gzip.open(p+'.gz'))
s=m['shapes']
i=s['PutItemInput']
t=i['members']['TableName']['shape']
print(json.dumps({'required':i['required'],'tableName':t,'shape':{k:s[t][k] for k in ('type','min','max','pattern') if k in s[t]}}))`;
      const result = spawnSync('python3', ['-c', script, botocore.stdout.trim()], { encoding: 'utf8' });
      const model = JSON.parse(result.stdout) as { required: string[]; tableName: string; shape: object };

      // Act
      const input = shapeOf('dynamodb', 'PutItemInput');
      const tableName = input.members?.TableName?.shape ?? '';

      // Assess
      expect(input.required).toEqual(model.required);
      expect(tableName).toBe(model.tableName);
      expect(shapeOf('dynamodb', tableName)).toEqual(model.shape);
      expect(model).toMatchObject({ tableName: 'TableArn', shape: { type: 'string', min: 1, max: 1024 } });
    });
  },
);
