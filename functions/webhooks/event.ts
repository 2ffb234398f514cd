/**
 * The webhook event: what a tenant's endpoint receives when one of its documents was scrubbed,
 * quarantined or signed. The same JSON is the SQS message the sender function reads and the HTTP
 * body it posts, so that what was queued is exactly what is signed and delivered.
 *
 * Thin payloads only (Standard Webhooks, "thin vs full"): identifiers and hashes, never a subject
 * claim, a name or document content. The receiver fetches what it needs through the API, where
 * access is authorized and logged. Every object is strict, so no field can be added on the way.
 *
 * Self-contained (zod and node built-ins only): receivers use it through `verify.ts` on its own.
 */
import { randomUUID as nodeRandomUUID } from "node:crypto";
import { z } from "zod";

export const WEBHOOK_EVENT_TYPES = ["document.scrubbed", "document.quarantined", "document.signed"] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** A version 4 UUID, lower case (what `randomUUID` gives): delivery, object and signature IDs. */
export const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * The tenant as a key segment, as functions/shared/object-keys.ts CLAIM_SEGMENT has it (repeated
 * here so that receivers need nothing outside this folder; a test checks that the two agree).
 */
export const TENANT_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._@+=:-]{0,127}$/;

/** A machine-readable quarantine reason (the scrubbers' reject reasons: `unknown-type`, `too-large`, ...). */
export const REASON_CODE = /^[a-z][a-z0-9-]{0,63}$/;

const uuid = (what: string) => z.string().regex(UUID_V4, { error: `must be a lower-case version 4 UUID (${what})` });
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, { error: "must be a SHA-256 digest, 64 lower-case hex digits" });

export const scrubbedDataSchema = z.strictObject({
  objectId: uuid("the object ID"),
  sha256,
  sizeBytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
});

export const quarantinedDataSchema = z.strictObject({
  objectId: uuid("the object ID"),
  reason: z.string().regex(REASON_CODE, { error: "must be a reason code (a-z, 0-9, -; at most 64)" }),
});

export const signedDataSchema = z.strictObject({
  objectId: uuid("the object ID"),
  signatureId: uuid("the signature ID"),
  sha256,
});

export interface WebhookEventData {
  readonly "document.scrubbed": z.output<typeof scrubbedDataSchema>;
  readonly "document.quarantined": z.output<typeof quarantinedDataSchema>;
  readonly "document.signed": z.output<typeof signedDataSchema>;
}

const envelope = {
  deliveryId: uuid("the delivery ID"),
  tenant: z.string().regex(TENANT_SEGMENT, { error: "must be a tenant ID (a key segment)" }),
  /** ISO-8601 in UTC (`Z`), as `Date.prototype.toISOString` writes it. */
  occurredAt: z.iso.datetime({ error: "must be an ISO-8601 UTC time (…Z)" }),
};

export const webhookEventSchema = z.discriminatedUnion("type", [
  z.strictObject({ ...envelope, type: z.literal("document.scrubbed"), data: scrubbedDataSchema }),
  z.strictObject({ ...envelope, type: z.literal("document.quarantined"), data: quarantinedDataSchema }),
  z.strictObject({ ...envelope, type: z.literal("document.signed"), data: signedDataSchema }),
]);

export type WebhookEvent = z.output<typeof webhookEventSchema>;

/** A message is not a webhook event; `issues` name the fields (never their values, which could be anything). */
export class WebhookEventError extends Error {
  constructor(
    message: string,
    readonly issues: readonly string[],
  ) {
    super(issues.length === 0 ? message : `${message}: ${issues.join("; ")}`);
    this.name = "WebhookEventError";
  }
}

const issuesOf = (error: z.ZodError) => error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);

/** Checks a value as a webhook event; throws WebhookEventError naming every problem. */
export function toWebhookEvent(value: unknown): WebhookEvent {
  const parsed = webhookEventSchema.safeParse(value);
  if (!parsed.success) throw new WebhookEventError("not a webhook event", issuesOf(parsed.error));
  return parsed.data;
}

/** Parses a serialised event (an SQS message body, an HTTP body); throws WebhookEventError. */
export function parseWebhookEvent(body: string | Uint8Array): WebhookEvent {
  const text = typeof body === "string" ? body : Buffer.from(body).toString("utf8");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new WebhookEventError("not a webhook event: the body is not JSON", []);
  }
  return toWebhookEvent(value);
}

/** The data with its keys in a fixed order, whatever order the caller built it in. */
function orderedData(event: WebhookEvent): Record<string, unknown> {
  switch (event.type) {
    case "document.scrubbed":
      return { objectId: event.data.objectId, sha256: event.data.sha256, sizeBytes: event.data.sizeBytes };
    case "document.quarantined":
      return { objectId: event.data.objectId, reason: event.data.reason };
    case "document.signed":
      return { objectId: event.data.objectId, signatureId: event.data.signatureId, sha256: event.data.sha256 };
  }
}

/**
 * The event's JSON, always the same bytes for the same event: fixed key order, no spaces. The
 * signature covers these bytes; a receiver must verify the body as received, before parsing it.
 */
export function serializeWebhookEvent(event: WebhookEvent): string {
  return JSON.stringify({
    deliveryId: event.deliveryId,
    type: event.type,
    tenant: event.tenant,
    occurredAt: event.occurredAt,
    data: orderedData(event),
  });
}

export interface WebhookEventOptions {
  /** When the event occurred. @default () => new Date() */
  readonly now?: () => Date;
  /** The delivery ID, which stays the same over every retry. @default node:crypto randomUUID */
  readonly randomUUID?: () => string;
}

/** A new event of `type` for `tenant`, checked; throws WebhookEventError naming the bad fields. */
export function webhookEvent<T extends WebhookEventType>(
  type: T,
  tenant: string,
  data: WebhookEventData[T],
  options: WebhookEventOptions = {},
): WebhookEvent {
  const now = options.now ?? (() => new Date());
  const newId = options.randomUUID ?? nodeRandomUUID;
  return toWebhookEvent({ deliveryId: newId(), type, tenant, occurredAt: now().toISOString(), data });
}
