import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { OutcomeLedger, VerificationRecords } from '../app/ports';
import { verificationRecordKey } from '../core/verification';

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

/** How long a verification audit's record is kept: 90 days, as long as IoT keeps the audit. */
export const VERIFICATION_RECORD_TTL_SECONDS = 90 * 24 * 3600;

/**
 * The verification audits recorded in the outcome ledger table by the state machine
 * (RecordVerificationAudit: `pk` verificationRecordKey(auditTaskId), `taskId` the verified task).
 * A strongly consistent read: the record is written before the audit can end.
 */
export function createDynamoDbVerificationRecords(
  client: DynamoDBClient,
  tableName: string,
  now: () => number = Date.now,
): VerificationRecords {
  return {
    async record(auditTaskId, taskId) {
      await client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: {
            pk: { S: verificationRecordKey(auditTaskId) },
            taskId: { S: taskId },
            // Kept as long as IoT keeps the audit: a replayed notification of it is still recognised.
            expiresAt: { N: String(Math.floor(now() / 1000) + VERIFICATION_RECORD_TTL_SECONDS) },
          },
        }),
      );
    },
    async verifiedTaskOf(auditTaskId) {
      const out = await client.send(
        new GetItemCommand({
          TableName: tableName,
          Key: { pk: { S: verificationRecordKey(auditTaskId) } },
          ConsistentRead: true,
        }),
      );
      return out.Item?.taskId?.S;
    },
  };
}
