import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { OutcomeLedger } from '../app/ports';

/** How long a claimed event id is kept: duplicates arrive within hours (Lambda keeps an async event 6 h). */
export const OUTCOME_LEDGER_TTL_SECONDS = 7 * 24 * 3600;

/**
 * The outcome ledger over a DynamoDB table keyed by `pk` (template.yaml, OutcomeLedgerTable): a claim is a
 * PutItem that only succeeds when no item has that key, with an `expiresAt` for the table's TTL.
 */
export function createDynamoDbOutcomeLedger(
  client: DynamoDBClient,
  tableName: string,
  now: () => number,
): OutcomeLedger {
  return {
    async claim(eventId) {
      try {
        await client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: {
              pk: { S: eventId },
              expiresAt: { N: String(Math.floor(now() / 1000) + OUTCOME_LEDGER_TTL_SECONDS) },
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    },
  };
}
