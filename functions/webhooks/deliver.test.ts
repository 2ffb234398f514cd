import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { closedPort, type LoopbackReceiver, startReceiver } from "../../test/support/webhooks/receiver";
import {
  BACKOFF_CAP_SECONDS,
  backoffSeconds,
  deliverEvent,
  endpointUrlProblem,
  MAX_RETRY_AFTER_SECONDS,
  retryAfterSeconds,
} from "./deliver";
import { webhookEvent } from "./event";
import { generateWebhookSecret } from "./signature";
import { MemoryReplayStore, verifyDelivery } from "./verify";

const SECRET = generateWebhookSecret();
const NOW = new Date("2026-03-01T12:00:00.000Z");
const event = webhookEvent("document.quarantined", "tenant-a", {
  objectId: "0f8fad5b-d9cb-469f-a165-70867728950e",
  reason: "unknown-type",
});

/** A fetch that records calls and never sends anything. */
function spyFetch(): { fetch: typeof fetch; calls: unknown[] } {
  const calls: unknown[] = [];
  return {
    calls,
    fetch: (async (...args: unknown[]) => {
      calls.push(args);
      return new Response(null, { status: 204 });
    }) as typeof fetch,
  };
}

describe("deliverEvent", () => {
  let receiver: LoopbackReceiver;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterEach(() => {
    receiver.requests.length = 0;
    receiver.respond(() => ({ status: 204 }));
  });
  afterAll(() => receiver.close());

  const deliver = (overrides: Partial<Parameters<typeof deliverEvent>[0]> = {}) =>
    deliverEvent({
      event,
      endpointUrl: `${receiver.origin}/webhook`,
      secret: SECRET,
      allowHttpLoopback: true,
      ...overrides,
    });

  it("delivers signed events that verifyDelivery accepts, one per attempt, with the same ID and a fresh timestamp", async () => {
    let seconds = NOW.getTime() / 1000;
    receiver.respond(() => ({ status: 200, body: "ok" }));
    expect(await deliver({ now: () => new Date(seconds * 1000) })).toEqual({ outcome: "delivered", status: 200 });
    seconds += 40;
    expect(await deliver({ now: () => new Date(seconds * 1000) })).toEqual({ outcome: "delivered", status: 200 });
    const [first, second] = receiver.requests;
    expect(first?.headers["webhook-id"]).toBe(event.deliveryId);
    expect(second?.headers["webhook-id"]).toBe(event.deliveryId);
    expect(Number(second?.headers["webhook-timestamp"]) - Number(first?.headers["webhook-timestamp"])).toBe(40);
    // Each attempt verifies on its own; a receiver keeping one replay store sees the retry as a replay.
    const seen = new MemoryReplayStore({ now: () => new Date(seconds * 1000) });
    const verify = (request: typeof first) =>
      verifyDelivery({
        secret: SECRET,
        headers: request?.headers ?? {},
        body: request?.body ?? "",
        now: () => new Date(seconds * 1000),
        seen,
      });
    expect(first?.headers["user-agent"]).toBe("sip-webhooks/1");
    await expect(verify(first)).resolves.toEqual(event);
    await expect(verify(second)).rejects.toMatchObject({ code: "replayed" });
  });

  it("answers retry when the receiver is down (connection refused)", async () => {
    const port = await closedPort();
    const outcome = await deliver({ endpointUrl: `http://127.0.0.1:${port}/webhook` });
    expect(outcome).toEqual({ outcome: "retry", reason: "no answer: ECONNREFUSED" });
  });

  it("answers retry when the receiver does not answer in time", async () => {
    receiver.respond(() => new Promise(() => undefined));
    const started = Date.now();
    expect(await deliver({ timeoutMs: 200 })).toEqual({ outcome: "retry", reason: "no answer within 200 ms" });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("answers retry on 500, 502, 408 and 429, with Retry-After in seconds or as a date", async () => {
    receiver.respond(() => ({ status: 500 }));
    expect(await deliver()).toEqual({ outcome: "retry", status: 500, reason: "HTTP 500" });
    receiver.respond(() => ({ status: 502 }));
    expect(await deliver()).toMatchObject({ outcome: "retry", status: 502 });
    receiver.respond(() => ({ status: 408 }));
    expect(await deliver()).toMatchObject({ outcome: "retry", status: 408 });
    receiver.respond(() => ({ status: 429, headers: { "retry-after": "120" } }));
    expect(await deliver()).toEqual({ outcome: "retry", status: 429, reason: "HTTP 429", retryAfterSeconds: 120 });
    const later = new Date(NOW.getTime() + 90_000).toUTCString();
    receiver.respond(() => ({ status: 503, headers: { "retry-after": later } }));
    expect(await deliver({ now: () => NOW })).toMatchObject({ outcome: "retry", status: 503, retryAfterSeconds: 90 });
  });

  it("caps Retry-After at 900 s", async () => {
    receiver.respond(() => ({ status: 503, headers: { "retry-after": "86400" } }));
    expect(await deliver()).toMatchObject({ outcome: "retry", retryAfterSeconds: MAX_RETRY_AFTER_SECONDS });
  });

  it("answers rejected on 400, 403, 404 and 410: permanent, for the dead-letter queue", async () => {
    for (const status of [400, 403, 404, 410]) {
      receiver.respond(() => ({ status }));
      expect(await deliver()).toEqual({ outcome: "rejected", status, reason: `HTTP ${status}` });
    }
  });

  it("answers rejected on a redirect, and does not follow it", async () => {
    const elsewhere = await startReceiver();
    try {
      for (const status of [301, 302, 307, 308]) {
        receiver.respond(() => ({ status, headers: { location: `${elsewhere.origin}/stolen` } }));
        expect(await deliver()).toEqual({
          outcome: "rejected",
          status,
          reason: `HTTP ${status}: redirects are not followed; update the URL`,
        });
      }
      expect(elsewhere.requests).toEqual([]);
    } finally {
      await elsewhere.close();
    }
  });

  it("reads no more than a small part of the answer's body (an endless answer does not hold it)", async () => {
    let written = 0;
    receiver.respond((_request, response) => {
      response.writeHead(200, { "content-type": "text/plain" });
      const chunk = Buffer.alloc(16 * 1024, 120);
      const timer = setInterval(() => {
        written += chunk.length;
        if (!response.write(chunk)) return;
      }, 5);
      response.on("close", () => clearInterval(timer));
      return undefined;
    });
    const started = Date.now();
    expect(await deliver({ timeoutMs: 5000 })).toEqual({ outcome: "delivered", status: 200 });
    // Reading to the end would have lasted until the 5 s timeout.
    expect(Date.now() - started).toBeLessThan(2500);
    expect(written).toBeLessThan(16 * 1024 * 1024);
  });

  it("rejects an http: URL, or a URL with credentials, without any request", async () => {
    const spy = spyFetch();
    expect(
      await deliverEvent({ event, endpointUrl: "http://example.com/hook", secret: SECRET, fetch: spy.fetch }),
    ).toEqual({
      outcome: "rejected",
      reason: "the endpoint URL must be https: (not http:)",
    });
    // Plain HTTP to loopback too, unless a test asks for it: on Lambda, loopback is the runtime API.
    expect(
      await deliverEvent({ event, endpointUrl: `${receiver.origin}/webhook`, secret: SECRET, fetch: spy.fetch }),
    ).toMatchObject({
      outcome: "rejected",
    });
    expect(
      await deliverEvent({ event, endpointUrl: "https://user:pw@example.com/", secret: SECRET, fetch: spy.fetch }),
    ).toEqual({
      outcome: "rejected",
      reason: "the endpoint URL must not hold credentials",
    });
    expect(spy.calls).toEqual([]);
    expect(receiver.requests).toEqual([]);
  });

  it("posts https: URLs with manual redirects and a timeout signal", async () => {
    const spy = spyFetch();
    await deliverEvent({
      event,
      endpointUrl: "https://hooks.example.com/x",
      secret: SECRET,
      fetch: spy.fetch,
      now: () => NOW,
    });
    const [url, init] = spy.calls[0] as [string, RequestInit];
    expect(url).toBe("https://hooks.example.com/x");
    expect(init.method).toBe("POST");
    expect(init.redirect).toBe("manual");
    expect(init.signal).toBeInstanceOf(AbortSignal);
    expect(init.headers).toMatchObject({
      "webhook-id": event.deliveryId,
      "webhook-timestamp": String(NOW.getTime() / 1000),
    });
  });
});

describe("endpointUrlProblem", () => {
  it("allows https: anywhere, http: only to loopback and only when asked", () => {
    expect(endpointUrlProblem("https://hooks.example.com/a?b=c")).toBeUndefined();
    expect(endpointUrlProblem("http://127.0.0.1:8080/", true)).toBeUndefined();
    expect(endpointUrlProblem("http://localhost/", true)).toBeUndefined();
    expect(endpointUrlProblem("http://[::1]/", true)).toBeUndefined();
    expect(endpointUrlProblem("http://127.0.0.1:8080/")).toMatch(/https:/);
    expect(endpointUrlProblem("http://10.0.0.1/", true)).toMatch(/https:/);
    expect(endpointUrlProblem("ftp://example.com/")).toMatch(/not ftp:/);
    expect(endpointUrlProblem("not a url")).toBe("the endpoint is not a URL");
  });
});

describe("retryAfterSeconds", () => {
  it("reads delta-seconds and HTTP dates, never less than 0 nor more than the cap; garbage is ignored", () => {
    expect(retryAfterSeconds("30", NOW)).toBe(30);
    expect(retryAfterSeconds(new Date(NOW.getTime() - 60_000).toUTCString(), NOW)).toBe(0);
    expect(retryAfterSeconds("999999", NOW)).toBe(MAX_RETRY_AFTER_SECONDS);
    expect(retryAfterSeconds("-5", NOW)).toBeUndefined();
    expect(retryAfterSeconds("soon", NOW)).toBeUndefined();
    expect(retryAfterSeconds(null, NOW)).toBeUndefined();
  });
});

describe("backoffSeconds", () => {
  it("doubles from 30 s up to 900 s at the top of the jitter", () => {
    const top = () => 0.999999;
    expect([1, 2, 3, 4, 5, 6, 7, 20].map((attempt) => backoffSeconds(attempt, top))).toEqual([
      30, 60, 120, 240, 480, 900, 900, 900,
    ]);
  });

  it("draws uniformly from 0 to the ceiling (full jitter), deterministic for a given random function", () => {
    expect(backoffSeconds(3, () => 0)).toBe(0);
    expect(backoffSeconds(3, () => 0.5)).toBe(60);
    expect(backoffSeconds(3, () => 0.5)).toBe(backoffSeconds(3, () => 0.5));
    for (let i = 0; i < 200; i += 1) {
      const value = backoffSeconds(1000);
      expect(Number.isInteger(value) && value >= 0 && value <= BACKOFF_CAP_SECONDS).toBe(true);
    }
  });
});
