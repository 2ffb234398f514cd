/**
 * The sender's core: one delivery attempt of one event to one endpoint, and what to do next.
 *
 * - `delivered`: a 2xx answer.
 * - `retry`: the endpoint may accept it later: no answer (connection refused or reset, DNS, TLS),
 *   no answer in time, 408, 429 or 5xx. A `Retry-After` answer header is returned (capped) for the
 *   caller to wait at least that long.
 * - `rejected`: retrying cannot help: any other 4xx (410 Gone included: the receiver wants no more),
 *   a 3xx (redirects are not followed: the spec asks senders to have the URL updated instead, and a
 *   redirect could lead the signed request anywhere), or a URL that is not `https:`. The caller
 *   dead-letters it.
 *
 * Only `https:` URLs are requested (the URL is checked before anything is sent). The answer's body is
 * not used: at most RESPONSE_BODY_CAP bytes are read (so that a small answer completes and its
 * connection can be reused), then the rest is cancelled.
 */
import { serializeWebhookEvent, type WebhookEvent } from "./event";
import { signDelivery } from "./signature";

export type DeliveryOutcome =
  | { readonly outcome: "delivered"; readonly status: number }
  | {
      readonly outcome: "retry";
      readonly reason: string;
      readonly status?: number;
      /** From the answer's Retry-After, in seconds from now, at most MAX_RETRY_AFTER_SECONDS. */
      readonly retryAfterSeconds?: number;
    }
  | { readonly outcome: "rejected"; readonly reason: string; readonly status?: number };

/** Within the spec's recommended 15-30 s, and short enough for several attempts in one Lambda run. */
export const DEFAULT_TIMEOUT_MS = 15_000;
/** The longest wait honoured from Retry-After, as the longest backoff: a receiver cannot park a message for hours. */
export const MAX_RETRY_AFTER_SECONDS = 900;
export const RESPONSE_BODY_CAP = 1024;
export const BACKOFF_BASE_SECONDS = 30;
/** ≤ 900 s: SQS would allow 12 h of visibility, but a longer wait makes an outage slower to recover from. */
export const BACKOFF_CAP_SECONDS = 900;

export interface DeliverEventInput {
  readonly event: WebhookEvent;
  readonly endpointUrl: string;
  /** The tenant's secret, or its secrets while one is rotated (one signature each). */
  readonly secret: string | readonly string[];
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** This attempt's time (`webhook-timestamp`). @default () => new Date() */
  readonly now?: () => Date;
  /** @default DEFAULT_TIMEOUT_MS */
  readonly timeoutMs?: number;
  /**
   * Allows `http:` to a loopback address (127.0.0.0/8, [::1], localhost): for tests and local
   * receivers only. The Lambda handler never sets it: on Lambda, loopback is the runtime API and
   * extensions, and a webhook must not reach them.
   */
  readonly allowHttpLoopback?: boolean;
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

/** Why a URL may not be requested, or undefined when it may. */
export function endpointUrlProblem(url: string, allowHttpLoopback = false): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "the endpoint is not a URL";
  }
  if (parsed.username !== "" || parsed.password !== "") return "the endpoint URL must not hold credentials";
  if (parsed.protocol === "https:") return undefined;
  if (parsed.protocol === "http:" && allowHttpLoopback && LOOPBACK.test(parsed.hostname)) return undefined;
  return `the endpoint URL must be https: (not ${parsed.protocol})`;
}

/** Seconds from now that a Retry-After value (delta-seconds or HTTP-date) asks for, capped; undefined if unusable. */
export function retryAfterSeconds(value: string | null, now: Date): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  let seconds: number;
  if (/^\d+$/.test(text)) seconds = Number(text);
  else {
    const at = Date.parse(text);
    if (Number.isNaN(at) || !/[A-Za-z]/.test(text)) return undefined;
    seconds = Math.ceil((at - now.getTime()) / 1000);
  }
  return Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(0, seconds));
}

/**
 * Seconds to wait before attempt `attempt + 1` after attempt `attempt` (1-based) failed: "full
 * jitter", uniform in whole seconds over [0, min(cap, base · 2^(attempt-1))], so that receivers
 * recovering from an outage are not hit by every sender at once. Deterministic for a given `random`.
 */
export function backoffSeconds(attempt: number, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(0, Math.floor(attempt) - 1), 30);
  const ceiling = Math.min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** exponent);
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.min(ceiling, Math.floor(r * (ceiling + 1)));
}

/** The outcome of an HTTP answer's status. */
function outcomeOf(response: Response, now: Date): DeliveryOutcome {
  const status = response.status;
  if (status >= 200 && status < 300) return { outcome: "delivered", status };
  if (status >= 300 && status < 400)
    return { outcome: "rejected", status, reason: `HTTP ${status}: redirects are not followed; update the URL` };
  if (status === 408 || status === 429 || status >= 500) {
    const after = retryAfterSeconds(response.headers.get("retry-after"), now);
    return {
      outcome: "retry",
      status,
      reason: `HTTP ${status}`,
      ...(after === undefined ? {} : { retryAfterSeconds: after }),
    };
  }
  if (status >= 400) return { outcome: "rejected", status, reason: `HTTP ${status}` };
  return { outcome: "retry", status, reason: `HTTP ${status}: unexpected status` };
}

/** Reads at most RESPONSE_BODY_CAP bytes of the answer, then cancels the rest; never throws. */
async function drain(response: Response): Promise<void> {
  const reader = response.body?.getReader();
  if (reader === undefined) return;
  try {
    let read = 0;
    while (read <= RESPONSE_BODY_CAP) {
      const chunk = await reader.read();
      if (chunk.done) return;
      read += chunk.value.byteLength;
    }
    await reader.cancel();
  } catch {
    // The status was all we needed.
  }
}

/** Why a request got no answer, without anything of the request itself. */
function networkReason(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError"))
    return `no answer within ${timeoutMs} ms`;
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  const code = typeof cause?.code === "string" ? cause.code : error instanceof Error ? error.name : "unknown";
  return `no answer: ${code}`;
}

/** One attempt: signs the event's serialised body for now and POSTs it. Never throws for the endpoint's doing. */
export async function deliverEvent(input: DeliverEventInput): Promise<DeliveryOutcome> {
  const problem = endpointUrlProblem(input.endpointUrl, input.allowHttpLoopback);
  if (problem !== undefined) return { outcome: "rejected", reason: problem };
  const now = input.now ?? (() => new Date());
  const timeoutMs = input.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const body = serializeWebhookEvent(input.event);
  const headers = signDelivery({
    secret: input.secret,
    deliveryId: input.event.deliveryId,
    timestamp: Math.floor(now().getTime() / 1000),
    body,
  });
  const doFetch = input.fetch ?? globalThis.fetch;
  let response: Response;
  try {
    response = await doFetch(input.endpointUrl, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": "sip-webhooks/1", ...headers },
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    return { outcome: "retry", reason: networkReason(error, timeoutMs) };
  }
  await drain(response);
  return outcomeOf(response, now());
}
