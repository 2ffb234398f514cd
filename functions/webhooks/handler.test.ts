import type { GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  closedPort,
  type LoopbackReceiver,
  type ReceivedRequest,
  startReceiver,
} from "../../test/support/webhooks/receiver";
import { createLogger } from "../shared/logger";
import { backoffSeconds } from "./deliver";
import { type SecretsManagerPort, secretsManagerSecrets, WebhookConfigError, type WebhookSettings } from "./env";
import { serializeWebhookEvent, type WebhookEvent, webhookEvent } from "./event";
import { createWebhookHandler, handler, type WebhookHandlerDeps } from "./handler";
import type { DeadLetter } from "./queue";
import { generateWebhookSecret } from "./signature";
import { MemoryReplayStore, verifyDelivery } from "./verify";

const SECRETS: Record<string, string> = {
  "test/webhooks/tenant-a": generateWebhookSecret(),
  "test/webhooks/tenant-b": generateWebhookSecret(),
};
const TOP_OF_JITTER = () => 0.999999;

/** A Secrets Manager stand-in: an object with `send`, counting reads; unknown names fail as AWS does. */
function fakeSecretsManager(values: Record<string, string> = SECRETS) {
  const reads: string[] = [];
  const client: SecretsManagerPort = {
    async send(command: GetSecretValueCommand) {
      const id = command.input.SecretId ?? "";
      reads.push(id);
      const value = values[id];
      if (value === undefined)
        throw Object.assign(new Error("Secrets Manager can't find the specified secret."), {
          name: "ResourceNotFoundException",
        });
      return { SecretString: value };
    },
  };
  return { client, reads };
}

let counter = 0;
const objectId = () => `0f8fad5b-d9cb-469f-a165-${String(700000000000 + counter++).padStart(12, "0")}`;
const scrubbed = (tenant: string) =>
  webhookEvent("document.scrubbed", tenant, { objectId: objectId(), sha256: "c".repeat(64), sizeBytes: 10 });

const record = (messageId: string, body: string, receiveCount = 1) => ({
  messageId,
  receiptHandle: `receipt-${messageId}-${receiveCount}`,
  body,
  attributes: { ApproximateReceiveCount: String(receiveCount), SentTimestamp: "1767225600000" },
  messageAttributes: {},
  md5OfBody: "",
  eventSource: "aws:sqs",
  eventSourceARN: "arn:aws:sqs:eu-central-1:111122223333:webhooks",
  awsRegion: "eu-central-1",
});
const batch = (...records: ReturnType<typeof record>[]) => ({ Records: records });

describe("webhook handler", () => {
  let receiver: LoopbackReceiver;
  let statusFor: Record<string, { status: number; headers?: Record<string, string> }>;
  let delays: [string, number][];
  let deadLetters: DeadLetter[];
  // Every test's log lines, for the last test but one (tests in a file run in order).
  const logLines: string[] = [];

  beforeAll(async () => {
    receiver = await startReceiver((request) => statusFor[request.path] ?? { status: 204 });
  });
  beforeEach(() => {
    receiver.requests.length = 0;
    statusFor = {};
    delays = [];
    deadLetters = [];
  });
  afterAll(() => receiver.close());

  function settings(endpoints: Record<string, string> = {}): WebhookSettings {
    return {
      endpoints: new Map(
        Object.entries({ "tenant-a": `${receiver.origin}/a`, "tenant-b": `${receiver.origin}/b`, ...endpoints }),
      ),
      secretPrefix: "test/webhooks/",
      region: "eu-central-1",
      timeoutMs: 2000,
    };
  }

  function build(options: { deadLetter?: boolean } & Partial<WebhookHandlerDeps> = {}) {
    const { deadLetter, ...deps } = options;
    return createWebhookHandler({
      settings: settings(),
      secrets: secretsManagerSecrets(fakeSecretsManager().client, "test/webhooks/"),
      queue: {
        delay: async (receiptHandle, seconds) => {
          delays.push([receiptHandle, seconds]);
        },
        ...(deadLetter === true ? { deadLetter: async (message: DeadLetter) => void deadLetters.push(message) } : {}),
      },
      logger: createLogger("webhooks", { write: (line) => logLines.push(line) }),
      random: TOP_OF_JITTER,
      allowHttpLoopback: true,
      ...deps,
    });
  }

  const verifiedAs = (request: ReceivedRequest | undefined, tenant: string) =>
    verifyDelivery({
      secret: SECRETS[`test/webhooks/${tenant}`] ?? "",
      headers: request?.headers ?? {},
      body: request?.body ?? "",
      seen: new MemoryReplayStore(),
    });

  it("delivers a batch and reports exactly the messages that failed", async () => {
    statusFor["/b"] = { status: 500 };
    const [a1, b1, a2, c1] = [scrubbed("tenant-a"), scrubbed("tenant-b"), scrubbed("tenant-a"), scrubbed("tenant-c")];
    const events = [a1, b1, a2, c1] as WebhookEvent[];
    const result = await build()(batch(...events.map((e, i) => record(`m${i + 1}`, serializeWebhookEvent(e)))), {
      awsRequestId: "req-1",
    });
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: "m2" }] });
    expect(delays).toEqual([["receipt-m2-1", backoffSeconds(1, TOP_OF_JITTER)]]);
    // tenant-c has no endpoint: dropped, not failed, nothing sent.
    expect(receiver.requests.map((r) => r.path).sort()).toEqual(["/a", "/a", "/b"]);
    const toA = receiver.requests.filter((r) => r.path === "/a");
    const verified = await Promise.all(toA.map((r) => verifiedAs(r, "tenant-a")));
    expect(verified.map((e) => e.deliveryId).sort()).toEqual([a1?.deliveryId, a2?.deliveryId].sort());
    await expect(verifiedAs(toA[0], "tenant-b")).rejects.toMatchObject({ code: "bad-signature" });
    expect(
      logLines.some(
        (l) => l.includes('"message":"tenant has no webhook endpoint; event dropped"') && l.includes("tenant-c"),
      ),
    ).toBe(true);
  });

  it("reports a message that keeps failing on every attempt, with a growing backoff, until SQS dead-letters it", async () => {
    statusFor["/b"] = { status: 503 };
    const body = serializeWebhookEvent(scrubbed("tenant-b"));
    const handle = build();
    for (let receiveCount = 1; receiveCount <= 6; receiveCount += 1) {
      expect(await handle(batch(record("m1", body, receiveCount)))).toEqual({
        batchItemFailures: [{ itemIdentifier: "m1" }],
      });
    }
    expect(delays).toEqual([
      ["receipt-m1-1", 30],
      ["receipt-m1-2", 60],
      ["receipt-m1-3", 120],
      ["receipt-m1-4", 240],
      ["receipt-m1-5", 480],
      ["receipt-m1-6", 900],
    ]);
    // Every attempt is the same delivery (same webhook-id), each freshly signed and verifiable.
    expect(new Set(receiver.requests.map((r) => r.headers["webhook-id"])).size).toBe(1);
    expect(receiver.requests).toHaveLength(6);
    await expect(verifiedAs(receiver.requests[5], "tenant-b")).resolves.toMatchObject({ type: "document.scrubbed" });
  });

  it("waits as long as the receiver's Retry-After asks", async () => {
    statusFor["/b"] = { status: 429, headers: { "retry-after": "45" } };
    const result = await build()(batch(record("m1", serializeWebhookEvent(scrubbed("tenant-b")), 2)));
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: "m1" }]);
    expect(delays).toEqual([["receipt-m1-2", 45]]);
  });

  it("retries when the receiver is down", async () => {
    const port = await closedPort();
    const handle = build({ settings: settings({ "tenant-b": `http://127.0.0.1:${port}/b` }) });
    const result = await handle(batch(record("m1", serializeWebhookEvent(scrubbed("tenant-b")), 3)));
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: "m1" }]);
    expect(delays).toEqual([["receipt-m1-3", 120]]);
    expect(logLines.some((l) => l.includes("ECONNREFUSED"))).toBe(true);
  });

  it("without a dead-letter port, reports a malformed message failed at visibility 0 and calls no endpoint", async () => {
    const good = serializeWebhookEvent(scrubbed("tenant-a"));
    const result = await build()(
      batch(record("bad1", "{not json"), record("bad2", '{"type":"document.deleted"}'), record("ok", good)),
    );
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: "bad1" }, { itemIdentifier: "bad2" }] });
    expect(delays).toEqual([
      ["receipt-bad1-1", 0],
      ["receipt-bad2-1", 0],
    ]);
    expect(receiver.requests).toHaveLength(1);
    const logged = logLines.filter((l) => l.includes("not a webhook event")).map((l) => JSON.parse(l));
    expect(logged.map((l) => l.messageId).sort()).toEqual(["bad1", "bad2"]);
  });

  it("with a dead-letter port, moves malformed and rejected messages there at once and reports them done", async () => {
    statusFor["/b"] = { status: 403 };
    const rejected = serializeWebhookEvent(scrubbed("tenant-b"));
    const result = await build({ deadLetter: true })(batch(record("bad", "[]"), record("gone", rejected)));
    expect(result).toEqual({ batchItemFailures: [] });
    expect(delays).toEqual([]);
    expect(deadLetters).toEqual([
      { messageId: "bad", receiptHandle: "receipt-bad-1", body: "[]", reason: "malformed message" },
      { messageId: "gone", receiptHandle: "receipt-gone-1", body: rejected, reason: "HTTP 403" },
    ]);
    expect(receiver.requests).toHaveLength(1);
  });

  it("without a dead-letter port, retries a rejected message with backoff; and if the port fails, reports it failed", async () => {
    statusFor["/b"] = { status: 400 };
    const body = serializeWebhookEvent(scrubbed("tenant-b"));
    expect(await build()(batch(record("m1", body, 2)))).toEqual({ batchItemFailures: [{ itemIdentifier: "m1" }] });
    expect(delays).toEqual([["receipt-m1-2", 60]]);
    const failing = build({
      queue: {
        delay: async (handleId, seconds) => void delays.push([handleId, seconds]),
        deadLetter: async () => {
          throw new Error("SQS unavailable");
        },
      },
    });
    expect(await failing(batch(record("m2", body, 1)))).toEqual({ batchItemFailures: [{ itemIdentifier: "m2" }] });
    expect(delays.at(-1)).toEqual(["receipt-m2-1", 30]);
  });

  it("fails only the record an unexpected error hit, not the batch", async () => {
    const good = SECRETS["test/webhooks/tenant-a"] ?? "";
    const handle = build({
      secrets: { secretsFor: async (tenant) => (tenant === "tenant-b" ? ["whsec_AAAA"] : [good]) },
    });
    const result = await handle(
      batch(
        record("m1", serializeWebhookEvent(scrubbed("tenant-a"))),
        record("m2", serializeWebhookEvent(scrubbed("tenant-b"))),
      ),
    );
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: "m2" }] });
    expect(delays).toEqual([["receipt-m2-1", 30]]);
    expect(receiver.requests.map((r) => r.path)).toEqual(["/a"]);
  });

  it("reads each tenant's secret once per 5 minutes, and again after a failed read", async () => {
    const sm = fakeSecretsManager();
    let now = 0;
    const handle = build({ secrets: secretsManagerSecrets(sm.client, "test/webhooks/", { now: () => now }) });
    const body = () => serializeWebhookEvent(scrubbed("tenant-a"));
    await handle(batch(record("m1", body()), record("m2", body())));
    await handle(batch(record("m3", body())));
    expect(sm.reads).toEqual(["test/webhooks/tenant-a"]);
    now += 5 * 60_000 + 1;
    await handle(batch(record("m4", body())));
    expect(sm.reads).toHaveLength(2);

    const missing = fakeSecretsManager({});
    const unreadable = build({ secrets: secretsManagerSecrets(missing.client, "test/webhooks/") });
    expect(await unreadable(batch(record("m5", body())))).toEqual({ batchItemFailures: [{ itemIdentifier: "m5" }] });
    expect(await unreadable(batch(record("m6", body())))).toEqual({ batchItemFailures: [{ itemIdentifier: "m6" }] });
    expect(missing.reads).toEqual(["test/webhooks/tenant-a", "test/webhooks/tenant-a"]);
    expect(logLines.some((l) => l.includes("ResourceNotFoundException"))).toBe(true);
  });

  it("signs with both secrets while one is rotated, so that the receiver's old or new secret verifies", async () => {
    const next = generateWebhookSecret();
    const old = SECRETS["test/webhooks/tenant-a"] ?? "";
    const sm = fakeSecretsManager({ "test/webhooks/tenant-a": `${next}\n${old}` });
    await build({ secrets: secretsManagerSecrets(sm.client, "test/webhooks/") })(
      batch(record("m1", serializeWebhookEvent(scrubbed("tenant-a")))),
    );
    const request = receiver.requests[0];
    expect(String(request?.headers["webhook-signature"]).split(" ")).toHaveLength(2);
    for (const secret of [old, next]) {
      await expect(
        verifyDelivery({
          secret,
          headers: request?.headers ?? {},
          body: request?.body ?? "",
          seen: new MemoryReplayStore(),
        }),
      ).resolves.toMatchObject({ tenant: "tenant-a" });
    }
  });

  it("never logs a secret or a message body", () => {
    expect(logLines.length).toBeGreaterThan(10);
    const all = logLines.join("\n");
    expect(all).not.toContain("whsec_");
    expect(all).not.toContain("c".repeat(64));
    expect(all).not.toContain("{not json");
  });

  it("fails the whole invocation on invalid configuration or an event that is not an SQS batch", async () => {
    const misconfigured = build({
      settings: new WebhookConfigError("webhook environment is invalid: WEBHOOK_ENDPOINTS: Required"),
    });
    await expect(misconfigured(batch())).rejects.toThrow(/WEBHOOK_ENDPOINTS/);
    await expect(build()({ detail: {} })).rejects.toThrow(/not an SQS batch/);
  });

  it("exports an entry point that can be imported without configuration and refuses to run without it", async () => {
    await expect(handler(batch())).rejects.toBeInstanceOf(WebhookConfigError);
  });
});
