import { spawnSync } from 'node:child_process';
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  PutItemCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalDynamoDb, PUT_ITEM_CONSTRAINTS } from '../../../src/local/dynamodb';
import { createGateway } from '../../../src/local/gateway';

/** The local DynamoDB (PutItem with attribute_not_exists) through the real SDK client. */

const TABLE = 'outcome-ledger';
let gateway: ReturnType<typeof createGateway>;
let client: DynamoDBClient;

beforeAll(async () => {
  const dynamoDb = createLocalDynamoDb();
  dynamoDb.createTable(TABLE, 'pk');
  gateway = createGateway([{ name: 'dynamodb', targetPrefix: 'DynamoDB_20120810', handle: dynamoDb.handle }]);
  client = new DynamoDBClient({
    endpoint: await gateway.listen(),
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
    [
      'a name shorter than 3',
      'ab',
      "Value 'ab' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3",
    ],
    [
      'a name outside [a-zA-Z0-9_.-]',
      'bad name!',
      "Value 'bad name!' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
    ],
    ['a value longer than 1024', 'x'.repeat(1025), 'Member must have length less than or equal to 1024'],
  ])('refuses %s as TableName with a ValidationException naming tableName', async (_case, table, message) => {
    const answer = await refusal(claim('k', table));
    expect(answer).toMatchObject({ status: 400, name: 'ValidationException' });
    expect(answer.message).toContain(message);
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
    expect(answer.message).toMatch(/attribute_not_exists/);
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

describe.skipIf(modelMissing !== undefined)('local DynamoDB constraints', () => {
  it('are the ones of the botocore model dynamodb/2012-08-10', () => {
    // Prepare: the model is stored gzipped in recent botocore releases.
    const script = `import gzip,json,os,sys
d=os.path.join(sys.argv[1],'data','dynamodb','2012-08-10')
p=os.path.join(d,'service-2.json')
m=json.load(open(p)) if os.path.exists(p) else json.load(gzip.open(p+'.gz'))
s=m['shapes']
print(json.dumps({'input':s['PutItemInput']['required'],'arn':s[s['PutItemInput']['members']['TableName']['shape']],'name':s['TableName'],'target':m['metadata']['targetPrefix']}))`;
    const result = spawnSync('python3', ['-c', script, botocore.stdout.trim()], { encoding: 'utf8' });
    const model = JSON.parse(result.stdout) as Record<string, Record<string, unknown>>;

    // Assess
    expect(PUT_ITEM_CONSTRAINTS).toEqual({
      targetPrefix: model.target,
      required: model.input,
      tableArn: { min: model.arn?.min, max: model.arn?.max },
      tableName: { min: model.name?.min, max: model.name?.max, pattern: model.name?.pattern },
    });
  });
});
