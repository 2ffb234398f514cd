/**
 * Webhook sender Lambda: a thin adapter from an SQS event source mapping (with
 * `ReportBatchItemFailures`) to `deliverEvent` (`deliver.ts`). Each message is one serialised
 * webhook event (event.ts); every record of a batch is tried, concurrently.
 *
 * - Delivered (2xx): reported done, SQS deletes it.
 * - Retry (no answer, 408, 429, 5xx, or the tenant's secret unreadable): reported in
 *   `batchItemFailures`, after the queue port made it visible again in `Retry-After` seconds, or else
 *   `backoffSeconds(ApproximateReceiveCount)`. After the queue's `maxReceiveCount` receives, SQS moves
 *   it to the dead-letter queue: nothing is lost.
 * - Rejected (other 4xx, 3xx) and malformed messages can never succeed: they go to the dead-letter
 *   queue at once through the port's `deadLetter`, and are then reported done. Without that port,
 *   a malformed message is reported failed with visibility 0 (it reaches the dead-letter queue after
 *   `maxReceiveCount` quick receives, and no endpoint is called), and a rejected one is retried
 *   with backoff like any failure (the endpoint's owner may still fix it).
 * - A tenant without an endpoint: dropped with a log line (webhooks are opt-in).
 *
 * Logs name the message, delivery, tenant, type, attempt and outcome; never the secret or the body.
 */
import { SQSClient } from "@aws-sdk/client-sqs";
import { z } from "zod";
import { createLogger, type Logger } from "../shared/logger";
import { backoffSeconds, deliverEvent } from "./deliver";
import {
  loadWebhookSettings,
  secretsManagerClient,
  secretsManagerSecrets,
  WebhookConfigError,
  type WebhookSecrets,
  type WebhookSettings,
} from "./env";
import { parseWebhookEvent, type WebhookEvent, WebhookEventError } from "./event";
import { unwiredQueue, type WebhookQueue } from "./queue";
import { sqsQueue } from "./sqs";

export interface WebhookHandlerDeps {
  readonly settings: WebhookSettings | WebhookConfigError;
  readonly secrets: WebhookSecrets;
  readonly queue: WebhookQueue;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  readonly logger?: Logger;
  /** @default () => new Date() */
  readonly now?: () => Date;
  /** The backoff's jitter. @default Math.random */
  readonly random?: () => number;
  /** Tests with a plain-HTTP loopback receiver only (deliver.ts); the Lambda entry point never sets it. */
  readonly allowHttpLoopback?: boolean;
}

export interface SqsBatchResponse {
  readonly batchItemFailures: { readonly itemIdentifier: string }[];
}

const sqsRecordSchema = z.object({
  messageId: z.string().min(1),
  receiptHandle: z.string().min(1),
  body: z.string(),
  attributes: z.looseObject({ ApproximateReceiveCount: z.string().optional() }).optional(),
});
const sqsEventSchema = z.object({ Records: z.array(sqsRecordSchema) });
type SqsRecord = z.output<typeof sqsRecordSchema>;

/** The receive count (1 on the first receive), which is the attempt number. */
const attemptOf = (record: SqsRecord) => {
  const count = Number(record.attributes?.ApproximateReceiveCount);
  return Number.isSafeInteger(count) && count >= 1 ? count : 1;
};

/** Builds the handler over injected dependencies (tests); `handler` below is the Lambda entry point. */
export function createWebhookHandler(
  deps: WebhookHandlerDeps,
): (event: unknown, context?: { awsRequestId?: string }) => Promise<SqsBatchResponse> {
  const logger = deps.logger ?? createLogger("webhooks");
  return async (rawEvent, context) => {
    const log = logger.with({ requestId: context?.awsRequestId });
    const settings = deps.settings;
    if (settings instanceof WebhookConfigError) {
      // Failing the invocation returns the whole batch to the queue: nothing is lost while it is fixed.
      log.error("configuration is invalid", { error: settings });
      throw settings;
    }
    const parsed = sqsEventSchema.safeParse(rawEvent);
    if (!parsed.success) {
      log.error("event is not an SQS batch", { issues: parsed.error.issues.map((i) => i.path.join(".")) });
      throw new TypeError("event is not an SQS batch (Records[].messageId, receiptHandle, body)");
    }
    const failed = await Promise.all(
      parsed.data.Records.map((record) =>
        guarded(deps, settings, record, log.with({ messageId: record.messageId, attempt: attemptOf(record) })),
      ),
    );
    return {
      batchItemFailures: parsed.data.Records.filter((_, i) => failed[i]).map((r) => ({ itemIdentifier: r.messageId })),
    };
  };
}

/**
 * One record, whatever goes wrong: an unexpected error fails this record only (with backoff), not the
 * invocation, which would send the batch's delivered events again.
 */
async function guarded(
  deps: WebhookHandlerDeps,
  settings: WebhookSettings,
  record: SqsRecord,
  log: Logger,
): Promise<boolean> {
  try {
    return await processRecord(deps, settings, record, log);
  } catch (error) {
    log.error("record failed unexpectedly; will retry", { error });
    return delayed(deps, record, backoffSeconds(attemptOf(record), deps.random), log);
  }
}

/** One record; true when it is to be reported failed. */
async function processRecord(
  deps: WebhookHandlerDeps,
  settings: WebhookSettings,
  record: SqsRecord,
  log: Logger,
): Promise<boolean> {
  let event: WebhookEvent;
  try {
    event = parseWebhookEvent(record.body);
  } catch (error) {
    if (!(error instanceof WebhookEventError)) throw error;
    // The issues name fields only, never the values.
    log.error("message is not a webhook event; it can never be delivered", { issues: error.issues });
    return permanent(deps, record, "malformed message", 0, log);
  }
  const eventLog = log.with({ deliveryId: event.deliveryId, tenant: event.tenant, type: event.type });
  const endpointUrl = settings.endpoints.get(event.tenant);
  if (endpointUrl === undefined) {
    eventLog.info("tenant has no webhook endpoint; event dropped");
    return false;
  }
  return deliver(deps, settings, record, event, endpointUrl, eventLog);
}

async function deliver(
  deps: WebhookHandlerDeps,
  settings: WebhookSettings,
  record: SqsRecord,
  event: WebhookEvent,
  endpointUrl: string,
  log: Logger,
): Promise<boolean> {
  const attempt = attemptOf(record);
  const backoff = backoffSeconds(attempt, deps.random);
  let secrets: readonly string[];
  try {
    secrets = await deps.secrets.secretsFor(event.tenant);
  } catch (error) {
    log.error("tenant's webhook secret unavailable; will retry", { error, delaySeconds: backoff });
    return delayed(deps, record, backoff, log);
  }
  const outcome = await deliverEvent({
    event,
    endpointUrl,
    secret: secrets,
    timeoutMs: settings.timeoutMs,
    ...(deps.fetch === undefined ? {} : { fetch: deps.fetch }),
    ...(deps.now === undefined ? {} : { now: deps.now }),
    ...(deps.allowHttpLoopback === true ? { allowHttpLoopback: true } : {}),
  });
  const fields = { endpointHost: hostOf(endpointUrl), status: "status" in outcome ? outcome.status : undefined };
  if (outcome.outcome === "delivered") {
    log.info("delivered", fields);
    return false;
  }
  if (outcome.outcome === "rejected") {
    log.warn("rejected by the endpoint; not retried", { ...fields, reason: outcome.reason });
    return permanent(deps, record, outcome.reason, backoff, log);
  }
  const delaySeconds = outcome.retryAfterSeconds ?? backoff;
  log.warn("not delivered; will retry", { ...fields, reason: outcome.reason, delaySeconds });
  return delayed(deps, record, delaySeconds, log);
}

/** Reports the record failed, visible again in `seconds`; if the port fails, after the queue's visibility timeout. */
async function delayed(deps: WebhookHandlerDeps, record: SqsRecord, seconds: number, log: Logger): Promise<boolean> {
  try {
    await deps.queue.delay(record.receiptHandle, seconds);
  } catch (error) {
    log.warn("visibility not changed; the message returns after the queue's visibility timeout", { error });
  }
  return true;
}

/** Dead-letters a record that can never succeed; without the port (or if it fails), reports it failed. */
async function permanent(
  deps: WebhookHandlerDeps,
  record: SqsRecord,
  reason: string,
  fallbackSeconds: number,
  log: Logger,
): Promise<boolean> {
  if (deps.queue.deadLetter !== undefined) {
    try {
      await deps.queue.deadLetter({
        messageId: record.messageId,
        receiptHandle: record.receiptHandle,
        body: record.body,
        reason,
      });
      log.info("moved to the dead-letter queue", { reason });
      return false;
    } catch (error) {
      log.error("dead-letter queue unavailable; reported failed instead", { error });
    }
  }
  return delayed(deps, record, fallbackSeconds, log);
}

const hostOf = (url: string) => {
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
};

// Module scope: configuration and clients are built once per Lambda container.
const settings = loadWebhookSettings(process.env);
const logger = createLogger("webhooks");

/** The Lambda entry point (`handler.handler`). */
export const handler = createWebhookHandler({
  settings,
  secrets: secretsManagerSecrets(
    secretsManagerClient(settings, process.env),
    settings instanceof WebhookConfigError ? "" : settings.secretPrefix,
  ),
  queue: queueOf(settings, logger),
  logger,
});

/** SQS when the environment names both queues (the stack does), else the stand-in (queue.ts). */
function queueOf(settings: WebhookSettings | WebhookConfigError, log: Logger): WebhookQueue {
  if (settings instanceof WebhookConfigError || settings.queues === undefined) return unwiredQueue(log);
  const { source, deadLetter, endpoint } = settings.queues;
  const sqs = new SQSClient({ region: settings.region, ...(endpoint === undefined ? {} : { endpoint }) });
  return sqsQueue(sqs, source, deadLetter);
}
