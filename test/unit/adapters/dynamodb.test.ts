import { ConditionalCheckFailedException, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createDynamoDbOutcomeLedger, OUTCOME_LEDGER_TTL_SECONDS } from '../../../src/adapters/dynamodb';

// The outcome ledger's one request, field by field: a claim that succeeds once per event id.

const dynamoDb = mockClient(DynamoDBClient);
afterEach(() => dynamoDb.reset());

const TABLE = 'iot-remediation-outcome-ledger';
// A clock between two seconds: the TTL is whole epoch seconds, rounded down.
const NOW_MS = 1_700_000_000_999;

describe('DynamoDB adapter: the outcome ledger', () => {
  it('claims an event id with a conditional PutItem that expires a week later', async () => {
    dynamoDb.on(PutItemCommand).resolves({});
    const ledger = createDynamoDbOutcomeLedger(new DynamoDBClient({}), TABLE, () => NOW_MS);

    expect(await ledger.claim('remediate-a-auto')).toBe(true);

    expect(OUTCOME_LEDGER_TTL_SECONDS).toBe(604_800);
    expect(dynamoDb.commandCalls(PutItemCommand).map((c) => c.args[0].input)).toEqual([
      {
        TableName: TABLE,
        Item: { pk: { S: 'remediate-a-auto' }, expiresAt: { N: '1700604800' } },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    ]);
  });

  it('answers false for an event id claimed before (the condition fails)', async () => {
    dynamoDb
      .on(PutItemCommand)
      .rejects(
        new ConditionalCheckFailedException({ $metadata: {}, message: 'The conditional request failed' }),
      );
    const ledger = createDynamoDbOutcomeLedger(new DynamoDBClient({}), TABLE, () => NOW_MS);
    expect(await ledger.claim('remediate-a-auto')).toBe(false);
  });

  it('lets any other error through: an unrecorded claim must be retried, not taken as a duplicate', async () => {
    const error = Object.assign(new Error('Requested resource not found'), {
      name: 'ResourceNotFoundException',
    });
    dynamoDb.on(PutItemCommand).rejects(error);
    const ledger = createDynamoDbOutcomeLedger(new DynamoDBClient({}), TABLE, () => NOW_MS);
    await expect(ledger.claim('remediate-a-auto')).rejects.toBe(error);
  });
});
