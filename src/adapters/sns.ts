import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Notifier } from '../app/ports';

// SNS caps a subject at 100 printable ASCII characters (no line breaks).
// https://docs.aws.amazon.com/sns/latest/api/API_Publish.html
const MAX_SUBJECT_LENGTH = 100;

/** A subject SNS accepts: ASCII printable only, one line, at most 100 characters. */
export function snsSubject(text: string): string {
  const printable = text.replace(/[^\x20-\x7e]/g, ' ').trim();
  return printable.length > MAX_SUBJECT_LENGTH
    ? `${printable.slice(0, MAX_SUBJECT_LENGTH - 3)}...`
    : printable;
}

/** Publishes plain-text messages to one SNS topic (e-mail and chat subscribers read them as they are). */
export function createSnsNotifier(client: SNSClient, topicArn: string): Notifier {
  return {
    async notify(subject, message) {
      await client.send(
        new PublishCommand({ TopicArn: topicArn, Subject: snsSubject(subject), Message: message }),
      );
    },
  };
}
