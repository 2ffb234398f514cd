/**
 * The handler's port to the source queue, and its stand-in.
 *
 * A retry's backoff and a permanent failure's dead-lettering both act on the message in SQS; the
 * production implementation is sqs.ts `sqsQueue`:
 *
 * - `delay(receiptHandle, seconds)`: `ChangeMessageVisibility` on the source queue with the record's
 *   receipt handle and `VisibilityTimeout: seconds` (`sqs:ChangeMessageVisibility` on the queue).
 * - `deadLetter(message)`: `SendMessage` of `message.body` to the dead-letter queue, with the reason
 *   and the source message ID as message attributes; the handler then reports the record done and
 *   SQS deletes it from the source queue (`sqs:SendMessage` on the dead-letter queue).
 *
 * `unwiredQueue` stands in when the environment names no queues (tests, a misconfiguration): failed
 * messages come back after the queue's own visibility timeout (no backoff), and permanent failures
 * are retried until `maxReceiveCount` moves them to the dead-letter queue (handler.ts). Nothing is
 * lost; deliveries are only retried sooner and more often.
 */
import type { Logger } from "../shared/logger";

/** A message that can never be delivered, for the dead-letter queue. */
export interface DeadLetter {
  readonly messageId: string;
  readonly receiptHandle: string;
  /** The message body as received (the event: it holds no secret). */
  readonly body: string;
  readonly reason: string;
}

/** What the handler needs of the source queue (see above for the production implementation). */
export interface WebhookQueue {
  /** Makes the message visible again in `seconds` (SQS allows 0-43200; the handler asks for at most 900). */
  delay(receiptHandle: string, seconds: number): Promise<void>;
  /** Moves an undeliverable message to the dead-letter queue; the handler then reports it done. */
  deadLetter?(message: DeadLetter): Promise<void>;
}

/** The stand-in: changes nothing, and says so once per container. */
export function unwiredQueue(logger: Logger): WebhookQueue {
  let warned = false;
  return {
    async delay(_receiptHandle, seconds) {
      if (warned) return;
      warned = true;
      logger.warn(
        "queue port not wired (no WEBHOOK_QUEUE_URL and WEBHOOK_DEAD_LETTER_QUEUE_URL): no backoff, the queue's visibility timeout applies",
        {
          wantedDelaySeconds: seconds,
        },
      );
    },
  };
}
