/**
 * Webhook signatures as the Standard Webhooks specification (v1.0.0, "Signature scheme" and
 * "Webhook headers"; https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md)
 * defines them, so that receivers can use any of its libraries instead of ours:
 *
 * - signed content: `${webhook-id}.${webhook-timestamp}.${body}`, the body as sent, byte for byte;
 * - signature: HMAC-SHA256 with the secret's bytes, base64, written `v1,<base64>`; the header holds
 *   one per secret, space-separated, so that a secret can be rotated without a gap;
 * - secret: `whsec_` and the base64 of 24 to 64 random bytes (the spec's bounds).
 *
 * Self-contained (node built-ins only): receivers use it through `verify.ts` on its own.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export const SECRET_PREFIX = "whsec_";
/** The spec's bounds: 192 to 512 bits. Fewer bytes could be guessed; more gain nothing with SHA-256. */
export const MIN_SECRET_BYTES = 24;
export const MAX_SECRET_BYTES = 64;

/**
 * The ID and timestamp are delimited by full stops in the signed content, so neither may hold one
 * (the spec's warning); printable ASCII without spaces, as HTTP headers carry them unchanged.
 */
export const DELIVERY_ID = /^[\x21-\x2d\x2f-\x7e]{1,256}$/;

/** A secret is unusable; the message never repeats the secret. */
export class WebhookSecretError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WebhookSecretError";
  }
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The secret's key bytes; throws WebhookSecretError unless it is `whsec_<base64 of 24-64 bytes>`. */
export function secretKey(secret: string): Buffer {
  if (typeof secret !== "string" || !secret.startsWith(SECRET_PREFIX))
    throw new WebhookSecretError(`a webhook secret must start with ${SECRET_PREFIX} (whsec_<base64>)`);
  const encoded = secret.slice(SECRET_PREFIX.length);
  if (encoded === "" || !BASE64.test(encoded))
    throw new WebhookSecretError(
      "a webhook secret must be whsec_ followed by standard base64 (A-Z a-z 0-9 + /, = padding)",
    );
  const key = Buffer.from(encoded, "base64");
  if (key.length < MIN_SECRET_BYTES)
    throw new WebhookSecretError(
      `a webhook secret must hold at least ${MIN_SECRET_BYTES} random bytes (this one has ${key.length})`,
    );
  if (key.length > MAX_SECRET_BYTES)
    throw new WebhookSecretError(
      `a webhook secret must hold at most ${MAX_SECRET_BYTES} bytes (this one has ${key.length})`,
    );
  return key;
}

/** A new secret: `whsec_` and 32 random bytes, base64 (what a tenant is given, and Secrets Manager keeps). */
export function generateWebhookSecret(bytes = 32, random: (size: number) => Buffer = randomBytes): string {
  if (!Number.isInteger(bytes) || bytes < MIN_SECRET_BYTES || bytes > MAX_SECRET_BYTES)
    throw new WebhookSecretError(`a webhook secret holds ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES} bytes`);
  return `${SECRET_PREFIX}${random(bytes).toString("base64")}`;
}

/** The bytes that are signed: `${id}.${timestamp}.` then the body as sent. */
export function signedContent(deliveryId: string, timestamp: number, body: string | Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`${deliveryId}.${timestamp}.`, "utf8"), Buffer.from(body)]);
}

/** The raw HMAC-SHA256 of the signed content under one key. */
export function hmac(key: Uint8Array, content: Uint8Array): Buffer {
  return createHmac("sha256", key).update(content).digest();
}

/** Constant-time comparison of two MACs (different lengths are unequal without comparing). */
export function macEquals(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface SignDeliveryInput {
  /** The tenant's secret, or several (newest first) while one is being rotated: one signature each. */
  readonly secret: string | readonly string[];
  /** `webhook-id`: the event's delivery ID, the same on every retry. */
  readonly deliveryId: string;
  /** `webhook-timestamp`: this attempt's time, unix seconds. */
  readonly timestamp: number;
  /** The body exactly as it will be sent. */
  readonly body: string | Uint8Array;
}

/** A type, not an interface, so that it can be passed where a header record is expected (verifyDelivery). */
export type WebhookHeaders = {
  readonly "webhook-id": string;
  readonly "webhook-timestamp": string;
  readonly "webhook-signature": string;
};

/** The three Standard Webhooks headers for one delivery attempt; throws WebhookSecretError or TypeError. */
export function signDelivery(input: SignDeliveryInput): WebhookHeaders {
  const secrets = typeof input.secret === "string" ? [input.secret] : input.secret;
  if (secrets.length === 0) throw new WebhookSecretError("no webhook secret to sign with");
  if (!DELIVERY_ID.test(input.deliveryId))
    throw new TypeError("webhook-id must be 1-256 printable ASCII characters without spaces or full stops");
  if (!Number.isSafeInteger(input.timestamp) || input.timestamp < 0)
    throw new TypeError("webhook-timestamp must be whole unix seconds");
  const content = signedContent(input.deliveryId, input.timestamp, input.body);
  const signatures = secrets.map((secret) => `v1,${hmac(secretKey(secret), content).toString("base64")}`);
  return {
    "webhook-id": input.deliveryId,
    "webhook-timestamp": String(input.timestamp),
    "webhook-signature": signatures.join(" "),
  };
}
