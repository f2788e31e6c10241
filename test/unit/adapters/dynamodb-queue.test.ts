import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createDynamoDbMitigationQueue,
  SLOTS_PARTITION,
  WAITING_PARTITION,
} from '../../../src/adapters/dynamodb-queue';

const dynamoDb = mockClient(DynamoDBClient);
afterEach(() => dynamoDb.reset());

function item(taskId: string, state: string) {
  return {
    pk: { S: taskId },
    state: { S: state },
    priority: { N: '5' },
    queuedAt: { N: '1' },
    request: { S: '{}' },
    taskToken: { S: `token-${taskId}` },
    executionName: { S: taskId },
  };
}

describe('the DynamoDB mitigation queue: nextUp', () => {
  it('counts the queued entries over every page DynamoDB answers (1 MB each), not the first only', async () => {
    // Prepare: 1 slot holder; the waiting partition's count comes in two pages.
    dynamoDb
      .on(QueryCommand, { ExpressionAttributeValues: { ':queue': { S: SLOTS_PARTITION } } })
      .resolves({ Items: [item('remediate-a', 'RUNNING')] });
    dynamoDb
      .on(QueryCommand, { ExpressionAttributeValues: { ':queue': { S: WAITING_PARTITION } }, Limit: 1 })
      .resolves({ Items: [item('remediate-b', 'QUEUED')], LastEvaluatedKey: { pk: { S: 'remediate-b' } } });
    dynamoDb
      .on(QueryCommand, {
        ExpressionAttributeValues: { ':queue': { S: WAITING_PARTITION } },
        Select: 'COUNT',
      })
      .resolvesOnce({ Count: 900, LastEvaluatedKey: { pk: { S: 'remediate-x' } } })
      .resolvesOnce({ Count: 300 });

    // Act
    const seen = await createDynamoDbMitigationQueue(new DynamoDBClient({}), 'queue').nextUp(2);

    // Assess: the holder, the one entry a free slot takes (Limit 1, not read further), 1,200 queued
    expect(seen.entries.map((e) => [e.taskId, e.state])).toEqual([
      ['remediate-a', 'RUNNING'],
      ['remediate-b', 'QUEUED'],
    ]);
    expect(seen.queued).toBe(1200);
    const counts = dynamoDb.commandCalls(QueryCommand).filter((c) => c.args[0].input.Select === 'COUNT');
    expect(counts.map((c) => c.args[0].input.ExclusiveStartKey)).toEqual([
      undefined,
      { pk: { S: 'remediate-x' } },
    ]);
  });
});
