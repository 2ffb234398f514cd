import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LoopbackReceiver, type ReceivedRequest, startReceiver } from "../../test/support/webhooks/receiver";
import { deliverEvent } from "./deliver";
import { serializeWebhookEvent, webhookEvent } from "./event";
import { generateWebhookSecret, signDelivery, WebhookSecretError } from "./signature";
import { MemoryReplayStore, verifyDelivery, type WebhookVerificationCode, WebhookVerificationError } from "./verify";

const SECRET = generateWebhookSecret();
const OTHER_SECRET = generateWebhookSecret();
const SENT_AT = new Date("2026-03-01T12:00:00.000Z");
const SENT_SECONDS = SENT_AT.getTime() / 1000;
const at = (offsetSeconds: number) => () => new Date(SENT_AT.getTime() + offsetSeconds * 1000);

const event = webhookEvent(
  "document.scrubbed",
  "tenant-a",
  { objectId: "0f8fad5b-d9cb-469f-a165-70867728950e", sha256: "b".repeat(64), sizeBytes: 2048 },
  { now: () => SENT_AT, randomUUID: () => "16fd2706-8baf-433b-82eb-8c7fada847da" },
);

/** Rejects with a WebhookVerificationError of `code`, and returns its message. */
async function refused(promise: Promise<unknown>, code: WebhookVerificationCode): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WebhookVerificationError);
  expect((error as WebhookVerificationError).code).toBe(code);
  return (error as Error).message;
}

describe("verifyDelivery, on deliveries received over loopback", () => {
  let receiver: LoopbackReceiver;
  let delivery: ReceivedRequest;

  beforeAll(async () => {
    receiver = await startReceiver();
    const outcome = await deliverEvent({
      event,
      endpointUrl: `${receiver.origin}/hooks`,
      secret: SECRET,
      now: () => SENT_AT,
      allowHttpLoopback: true,
    });
    expect(outcome).toEqual({ outcome: "delivered", status: 204 });
    expect(receiver.requests).toHaveLength(1);
    delivery = receiver.requests[0] as ReceivedRequest;
  });
  afterAll(() => receiver.close());

  const verify = (overrides: Partial<Parameters<typeof verifyDelivery>[0]> = {}) =>
    verifyDelivery({
      secret: SECRET,
      headers: delivery.headers,
      body: delivery.body,
      now: at(10),
      seen: new MemoryReplayStore(),
      ...overrides,
    });

  it("accepts the delivery as received and returns its event", async () => {
    expect(delivery.method).toBe("POST");
    expect(delivery.path).toBe("/hooks");
    expect(delivery.headers["content-type"]).toBe("application/json");
    expect(delivery.headers["webhook-id"]).toBe(event.deliveryId);
    expect(delivery.headers["webhook-timestamp"]).toBe(String(SENT_SECONDS));
    expect(delivery.body.toString("utf8")).toBe(serializeWebhookEvent(event));
    await expect(verify()).resolves.toEqual(event);
  });

  it("accepts Fetch API Headers as well as node:http's", async () => {
    const headers = new Headers(Object.entries(delivery.headers).map(([k, v]) => [k, String(v)]));
    await expect(verify({ headers, body: delivery.body.toString("utf8") })).resolves.toEqual(event);
  });

  it("rejects a tampered body, timestamp or ID as bad-signature", async () => {
    const body = Buffer.from(delivery.body.toString("utf8").replace('"sizeBytes":2048', '"sizeBytes":2049'));
    expect(await refused(verify({ body }), "bad-signature")).toMatch(/no webhook-signature matches/);
    const timestamp = { ...delivery.headers, "webhook-timestamp": String(SENT_SECONDS + 1) };
    await refused(verify({ headers: timestamp }), "bad-signature");
    const id = { ...delivery.headers, "webhook-id": "26fd2706-8baf-433b-82eb-8c7fada847da" };
    await refused(verify({ headers: id }), "bad-signature");
  });

  it("rejects a wrong secret as bad-signature, and an unusable one with WebhookSecretError", async () => {
    await refused(verify({ secret: OTHER_SECRET }), "bad-signature");
    await expect(verify({ secret: `whsec_${Buffer.alloc(16).toString("base64")}` })).rejects.toThrow(
      WebhookSecretError,
    );
  });

  it("rejects a timestamp more than 300 s old or ahead as stale-timestamp, and accepts 300 s either way", async () => {
    expect(await refused(verify({ now: at(301) }), "stale-timestamp")).toBe(
      "the webhook-timestamp is 301 s old; at most 300 s is accepted",
    );
    expect(await refused(verify({ now: at(-301) }), "stale-timestamp")).toMatch(/301 s in the future/);
    await expect(verify({ now: at(300) })).resolves.toEqual(event);
    await expect(verify({ now: at(-300) })).resolves.toEqual(event);
    await refused(verify({ now: at(61), toleranceSeconds: 60 }), "stale-timestamp");
  });

  it("rejects the same delivery the second time as replayed", async () => {
    const seen = new MemoryReplayStore({ now: at(10) });
    await expect(verify({ seen })).resolves.toEqual(event);
    expect(await refused(verify({ seen }), "replayed")).toBe(`delivery ${event.deliveryId} was already accepted`);
  });

  it("does not record a delivery it refused, so that a good copy is still accepted", async () => {
    const seen = new MemoryReplayStore({ now: at(10) });
    await refused(verify({ seen, secret: OTHER_SECRET }), "bad-signature");
    await refused(verify({ seen, now: at(400) }), "stale-timestamp");
    expect(seen.size).toBe(0);
    await expect(verify({ seen })).resolves.toEqual(event);
  });

  it("names a missing header", async () => {
    for (const name of ["webhook-id", "webhook-timestamp", "webhook-signature"]) {
      const headers = { ...delivery.headers, [name]: undefined };
      expect(await refused(verify({ headers }), "missing-header")).toBe(`the ${name} header is missing`);
    }
  });
});

describe("verifyDelivery, on deliveries signed here", () => {
  const body = serializeWebhookEvent(event);
  const signed = (secret: string | readonly string[], overrides: { id?: string; body?: string } = {}) =>
    signDelivery({
      secret,
      deliveryId: overrides.id ?? event.deliveryId,
      timestamp: SENT_SECONDS,
      body: overrides.body ?? body,
    });

  it("accepts a delivery signed with a rotated secret pair, with either secret of the pair", async () => {
    const headers = signed([OTHER_SECRET, SECRET]);
    expect(headers["webhook-signature"].split(" ")).toHaveLength(2);
    for (const secret of [SECRET, OTHER_SECRET]) {
      await expect(
        verifyDelivery({ secret, headers, body, now: at(0), seen: new MemoryReplayStore() }),
      ).resolves.toEqual(event);
    }
    const third = generateWebhookSecret();
    await refused(
      verifyDelivery({ secret: third, headers, body, now: at(0), seen: new MemoryReplayStore() }),
      "bad-signature",
    );
    await expect(
      verifyDelivery({ secret: [third, SECRET], headers, body, now: at(0), seen: new MemoryReplayStore() }),
    ).resolves.toEqual(event);
  });

  it("skips signatures of other schemes (v1a) and takes a header with none of v1 as bad-signature", async () => {
    const headers = signed(SECRET);
    const mixed = { ...headers, "webhook-signature": `v1a,AAAA ${headers["webhook-signature"]}` };
    await expect(
      verifyDelivery({ secret: SECRET, headers: mixed, body, now: at(0), seen: new MemoryReplayStore() }),
    ).resolves.toEqual(event);
    const onlyV1a = { ...headers, "webhook-signature": "v1a,AAAA" };
    expect(
      await refused(
        verifyDelivery({ secret: SECRET, headers: onlyV1a, body, now: at(0), seen: new MemoryReplayStore() }),
        "bad-signature",
      ),
    ).toMatch(/no v1 signature/);
  });

  it("takes an authentic body that is no event, or another delivery's ID in the body, as malformed", async () => {
    const notEvent = '{"hello":1}';
    await refused(
      verifyDelivery({
        secret: SECRET,
        headers: signed(SECRET, { body: notEvent }),
        body: notEvent,
        now: at(0),
        seen: new MemoryReplayStore(),
      }),
      "malformed",
    );
    const otherId = "36fd2706-8baf-433b-82eb-8c7fada847da";
    expect(
      await refused(
        verifyDelivery({
          secret: SECRET,
          headers: signed(SECRET, { id: otherId }),
          body,
          now: at(0),
          seen: new MemoryReplayStore(),
        }),
        "malformed",
      ),
    ).toBe("the body's deliveryId is not the webhook-id header");
  });

  it("takes a non-numeric timestamp, a dotted ID and a repeated header as malformed", async () => {
    const headers = signed(SECRET);
    const seen = new MemoryReplayStore();
    await refused(
      verifyDelivery({ secret: SECRET, headers: { ...headers, "webhook-timestamp": "1e9" }, body, seen }),
      "malformed",
    );
    await refused(
      verifyDelivery({ secret: SECRET, headers: { ...headers, "webhook-id": "a.b" }, body, seen }),
      "malformed",
    );
    const repeated = { ...headers, "webhook-id": [event.deliveryId, event.deliveryId] };
    expect(await refused(verifyDelivery({ secret: SECRET, headers: repeated, body, seen }), "malformed")).toBe(
      "the webhook-id header is given more than once",
    );
  });

  it("finds headers whatever their case in a plain record", async () => {
    const headers = Object.fromEntries(Object.entries(signed(SECRET)).map(([k, v]) => [k.toUpperCase(), v]));
    await expect(
      verifyDelivery({ secret: SECRET, headers, body, now: at(0), seen: new MemoryReplayStore() }),
    ).resolves.toEqual(event);
  });
});

describe("MemoryReplayStore", () => {
  it("forgets an ID once its expiry has passed, and sweeps expired IDs", () => {
    let now = 1000;
    const store = new MemoryReplayStore({ now: () => new Date(now * 1000) });
    store.add("a", 1300);
    store.add("b", 1100);
    expect(store.has("a")).toBe(true);
    now = 1300;
    expect(store.has("a")).toBe(true);
    now = 1301;
    expect(store.has("a")).toBe(false);
    expect(store.size).toBe(1);
    store.sweep();
    expect(store.size).toBe(0);
  });

  it("forgets on request, so that a receiver whose processing failed accepts the retry", async () => {
    const store = new MemoryReplayStore({ now: at(0) });
    const body = serializeWebhookEvent(event);
    const headers = signDelivery({ secret: SECRET, deliveryId: event.deliveryId, timestamp: SENT_SECONDS, body });
    await verifyDelivery({ secret: SECRET, headers, body, now: at(0), seen: store });
    store.forget(event.deliveryId);
    await expect(verifyDelivery({ secret: SECRET, headers, body, now: at(0), seen: store })).resolves.toEqual(event);
  });
});

describe("the receiver's helper", () => {
  it("stands alone: verify.ts and what it imports use only node built-ins, zod and each other", () => {
    const seen = new Set<string>();
    const pending = ["verify.ts"];
    const outside: string[] = [];
    for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
      if (seen.has(file)) continue;
      seen.add(file);
      const text = readFileSync(join(__dirname, file), "utf8");
      for (const [, specifier = ""] of text.matchAll(/\bfrom\s*["']([^"']+)["']/g)) {
        if (/^\.\/[a-z-]+$/.test(specifier)) pending.push(`${specifier.slice(2)}.ts`);
        else if (!specifier.startsWith("node:") && specifier !== "zod") outside.push(`${file}: ${specifier}`);
      }
    }
    expect([...seen].sort()).toEqual(["event.ts", "signature.ts", "verify.ts"]);
    expect(outside).toEqual([]);
  });
});
