/**
 * The webhook queue in SQS: the sender's queue port (queue.ts `WebhookQueue`) and the producers'
 * publisher (the document scrub and signing functions enqueue events; the sender delivers them).
 *
 * Delivery IDs are derived from what happened (the event's type and the object's key and version,
 * or the signature ID), not drawn at random: a producer that runs again for the same object (a
 * retried scrub event, which finds its work already done) enqueues the same delivery again, and
 * receivers drop the repeat by its ID (verify.ts). At least once, never lost, never doubled for a
 * receiver that keeps IDs.
 */
import { createHash } from "node:crypto";
import { ChangeMessageVisibilityCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { z } from "zod";
import { serializeWebhookEvent, type WebhookEvent, type WebhookEventData, webhookEvent } from "./event";
import type { WebhookQueue } from "./queue";

type Sender = Pick<SQSClient, "send">;

/** The sender's port: backoff by ChangeMessageVisibility, dead letters by SendMessage to the DLQ. */
export function sqsQueue(sqs: Sender, queueUrl: string, deadLetterQueueUrl: string): WebhookQueue {
  return {
    async delay(receiptHandle, seconds) {
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: receiptHandle,
          VisibilityTimeout: Math.max(0, Math.min(43_200, Math.round(seconds))),
        }),
      );
    },
    async deadLetter(message) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: deadLetterQueueUrl,
          MessageBody: message.body,
          MessageAttributes: {
            reason: { DataType: "String", StringValue: message.reason.slice(0, 1024) },
            sourceMessageId: { DataType: "String", StringValue: message.messageId },
          },
        }),
      );
    },
  };
}

/** A version 4-shaped UUID derived from `parts` (SHA-256; version and variant bits set). */
export function derivedUuid(...parts: readonly string[]): string {
  const hash = createHash("sha256").update(parts.join("\u0000")).digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x40;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export interface WebhookPublisher {
  /** Enqueues one event; `identity` names what happened (the delivery ID is derived from it). */
  publish<T extends keyof WebhookEventData>(
    type: T,
    tenant: string,
    data: WebhookEventData[T],
    identity: readonly string[],
  ): Promise<WebhookEvent>;
}

/** Producers' publisher: one SQS message per event, the serialised event as its body. */
export function sqsPublisher(sqs: Sender, queueUrl: string, now: () => Date = () => new Date()): WebhookPublisher {
  return {
    async publish(type, tenant, data, identity) {
      const event = webhookEvent(type, tenant, data, { now, randomUUID: () => derivedUuid(type, ...identity) });
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: serializeWebhookEvent(event) }));
      return event;
    },
  };
}

/** The producers' environment: where their events go. */
export const publisherEnvShape = {
  /** The webhook queue (functions/webhooks). @default - no events */
  WEBHOOK_QUEUE_URL: z.url({ protocol: /^https?$/, error: "WEBHOOK_QUEUE_URL must be an SQS queue URL" }).optional(),
  /** An SQS VPC endpoint's URL. @default - the regional endpoint */
  SQS_ENDPOINT: z.url({ protocol: /^https?$/, error: "SQS_ENDPOINT must be a URL" }).optional(),
};

/** The publisher the environment names, or undefined when it names no webhook queue. */
export function publisherFromEnv(env: {
  readonly AWS_REGION: string;
  readonly WEBHOOK_QUEUE_URL?: string | undefined;
  readonly SQS_ENDPOINT?: string | undefined;
}): WebhookPublisher | undefined {
  if (env.WEBHOOK_QUEUE_URL === undefined) return undefined;
  const sqs = new SQSClient({
    region: env.AWS_REGION,
    ...(env.SQS_ENDPOINT === undefined ? {} : { endpoint: env.SQS_ENDPOINT }),
  });
  return sqsPublisher(sqs, env.WEBHOOK_QUEUE_URL);
}
