/**
 * The receiver's side: checks that a delivery came from the platform, unchanged, recently, and for
 * the first time, and returns its event. Receivers can copy this folder's `verify.ts`, `signature.ts`
 * and `event.ts` into their own service (node built-ins and zod only), or use any Standard Webhooks
 * library: the wire format is the spec's (signature.ts).
 *
 * Order of the checks: headers present and well-formed, then the signature (so that every later
 * answer is about content the platform sent), the timestamp within the tolerance, the body an event
 * whose delivery ID is the header's, and last the replay store, which records the ID only when
 * everything else passed.
 */
import { parseWebhookEvent, type WebhookEvent, WebhookEventError } from "./event";
import { DELIVERY_ID, hmac, macEquals, secretKey, signedContent } from "./signature";

export type WebhookVerificationCode = "missing-header" | "bad-signature" | "stale-timestamp" | "replayed" | "malformed";

/** A delivery is refused; `code` says why, the message names the header or field. */
export class WebhookVerificationError extends Error {
  constructor(
    readonly code: WebhookVerificationCode,
    message: string,
  ) {
    super(message);
    this.name = "WebhookVerificationError";
  }
}

/**
 * Delivery IDs already accepted. `add` is called only for accepted deliveries, with the time after
 * which the ID can be forgotten (its timestamp would then be stale anyway). A receiver with several
 * instances needs a shared store, ideally one whose add is atomic (Redis `SET NX EX`, a DynamoDB
 * conditional put): `has` then `add` leaves a window for two concurrent copies of one delivery.
 */
export interface ReplayStore {
  has(id: string): boolean | Promise<boolean>;
  add(id: string, expiresAtSeconds: number): void | Promise<void>;
}

/** Remembers IDs in this process only, each until its expiry; expired IDs are swept as new ones come. */
export class MemoryReplayStore implements ReplayStore {
  readonly #expiries = new Map<string, number>();
  readonly #now: () => Date;
  #addsSinceSweep = 0;

  constructor(options: { readonly now?: () => Date } = {}) {
    this.#now = options.now ?? (() => new Date());
  }

  has(id: string): boolean {
    const expiresAt = this.#expiries.get(id);
    if (expiresAt === undefined) return false;
    if (expiresAt >= unixSeconds(this.#now())) return true;
    this.#expiries.delete(id);
    return false;
  }

  add(id: string, expiresAtSeconds: number): void {
    this.#expiries.set(id, expiresAtSeconds);
    this.#addsSinceSweep += 1;
    if (this.#addsSinceSweep >= 256) this.sweep();
  }

  /**
   * Forgets an accepted ID: for a receiver whose processing failed after verification and that
   * answers non-2xx, so that the sender's retry (same ID) is accepted.
   */
  forget(id: string): void {
    this.#expiries.delete(id);
  }

  /** IDs remembered now (expired ones not yet swept included). */
  get size(): number {
    return this.#expiries.size;
  }

  /** Drops every expired ID. */
  sweep(): void {
    const now = unixSeconds(this.#now());
    for (const [id, expiresAt] of this.#expiries) if (expiresAt < now) this.#expiries.delete(id);
    this.#addsSinceSweep = 0;
  }
}

/** Fetch API `Headers`, or node:http's `IncomingHttpHeaders` (or any record, names in any case). */
export type DeliveryHeaders =
  | { get(name: string): string | null }
  | Readonly<Record<string, string | readonly string[] | undefined>>;

export interface VerifyDeliveryInput {
  /** The endpoint's secret (`whsec_…`), or several: a delivery signed with any of them is accepted. */
  readonly secret: string | readonly string[];
  readonly headers: DeliveryHeaders;
  /** The raw body as received: verify before parsing, never a re-serialised object. */
  readonly body: string | Uint8Array;
  /** @default () => new Date() */
  readonly now?: () => Date;
  /** How far the timestamp may be from now, either way. @default 300 */
  readonly toleranceSeconds?: number;
  readonly seen: ReplayStore;
}

export const DEFAULT_TOLERANCE_SECONDS = 300;

const unixSeconds = (date: Date) => Math.floor(date.getTime() / 1000);

/** One header's value; a header given twice is malformed (its values would be joined or split differently). */
function header(headers: DeliveryHeaders, name: string): string {
  let value: string | readonly string[] | null | undefined;
  if (typeof headers.get === "function") value = (headers as { get(name: string): string | null }).get(name);
  else {
    const record = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
    value = record[name] ?? Object.entries(record).find(([key]) => key.toLowerCase() === name)?.[1];
  }
  if (value === undefined || value === null || value === "")
    throw new WebhookVerificationError("missing-header", `the ${name} header is missing`);
  if (typeof value !== "string")
    throw new WebhookVerificationError("malformed", `the ${name} header is given more than once`);
  return value;
}

/** The `v1` signatures of the header, as bytes; other schemes (`v1a`) and garbled entries are skipped. */
function v1Signatures(value: string): Buffer[] {
  return value
    .split(" ")
    .filter((entry) => entry.startsWith("v1,"))
    .map((entry) => Buffer.from(entry.slice(3), "base64"));
}

function checkSignature(secrets: readonly string[], id: string, timestamp: number, input: VerifyDeliveryInput): void {
  const expected = secrets.map((secret) => hmac(secretKey(secret), signedContent(id, timestamp, input.body)));
  const given = v1Signatures(header(input.headers, "webhook-signature"));
  if (given.length === 0)
    throw new WebhookVerificationError("bad-signature", "the webhook-signature header has no v1 signature");
  // Every pair is compared, so the time taken does not depend on which one matched.
  let matched = false;
  for (const mac of expected) for (const signature of given) matched = macEquals(signature, mac) || matched;
  if (!matched)
    throw new WebhookVerificationError(
      "bad-signature",
      "no webhook-signature matches the id, timestamp and body with this secret",
    );
}

/**
 * The delivery's event, once it is proven authentic, recent and new; throws WebhookVerificationError
 * otherwise (and WebhookSecretError for an unusable secret of the receiver's own).
 */
export async function verifyDelivery(input: VerifyDeliveryInput): Promise<WebhookEvent> {
  const secrets = typeof input.secret === "string" ? [input.secret] : input.secret;
  for (const secret of secrets) secretKey(secret);
  const tolerance = input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (!Number.isFinite(tolerance) || tolerance < 0) throw new TypeError("toleranceSeconds must be 0 or more");
  const id = header(input.headers, "webhook-id");
  const timestampText = header(input.headers, "webhook-timestamp");
  header(input.headers, "webhook-signature");
  if (!DELIVERY_ID.test(id))
    throw new WebhookVerificationError("malformed", "the webhook-id header is not a delivery ID");
  if (!/^[0-9]{1,12}$/.test(timestampText))
    throw new WebhookVerificationError("malformed", "the webhook-timestamp header is not unix seconds");
  const timestamp = Number(timestampText);
  checkSignature(secrets, id, timestamp, input);
  const skew = unixSeconds((input.now ?? (() => new Date()))()) - timestamp;
  if (Math.abs(skew) > tolerance)
    throw new WebhookVerificationError(
      "stale-timestamp",
      `the webhook-timestamp is ${Math.abs(skew)} s ${skew > 0 ? "old" : "in the future"}; at most ${tolerance} s is accepted`,
    );
  const event = eventOf(input.body);
  if (event.deliveryId !== id)
    throw new WebhookVerificationError("malformed", "the body's deliveryId is not the webhook-id header");
  if (await input.seen.has(id)) throw new WebhookVerificationError("replayed", `delivery ${id} was already accepted`);
  await input.seen.add(id, timestamp + tolerance);
  return event;
}

function eventOf(body: string | Uint8Array): WebhookEvent {
  try {
    return parseWebhookEvent(body);
  } catch (error) {
    if (error instanceof WebhookEventError) throw new WebhookVerificationError("malformed", error.message);
    throw error;
  }
}
