import { describe, expect, it } from "vitest";
import {
  generateWebhookSecret,
  MIN_SECRET_BYTES,
  secretKey,
  signDelivery,
  signedContent,
  WebhookSecretError,
} from "./signature";

/**
 * The Standard Webhooks reference libraries' signing vector (the same in every language's tests):
 * https://github.com/standard-webhooks/standard-webhooks/blob/59104160f10908d80ee571a81460e1c9c0c05355/libraries/go/webhook_test.go
 * (TestWebhookSign; also libraries/java/.../TestScenario.java and libraries/csharp/.../WebhookTest.cs).
 * The libraries are MIT-licensed (libraries/LICENSE, Copyright (c) 2023 Svix); the spec itself is
 * Apache-2.0 and publishes no complete vector (its example signature comes without its secret).
 */
const SPEC_VECTOR = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};

const secret = (bytes: number, fill = 7) => `whsec_${Buffer.alloc(bytes, fill).toString("base64")}`;

describe("signDelivery", () => {
  it("matches the Standard Webhooks reference libraries' signing vector", () => {
    const headers = signDelivery({
      secret: SPEC_VECTOR.secret,
      deliveryId: SPEC_VECTOR.id,
      timestamp: SPEC_VECTOR.timestamp,
      body: SPEC_VECTOR.body,
    });
    expect(headers).toEqual({
      "webhook-id": SPEC_VECTOR.id,
      "webhook-timestamp": String(SPEC_VECTOR.timestamp),
      "webhook-signature": SPEC_VECTOR.signature,
    });
  });

  it("signs the body's bytes, whether given as a string or as bytes", () => {
    const body = '{"é":"ü"}';
    const asString = signDelivery({ secret: secret(32), deliveryId: "a", timestamp: 1, body });
    const asBytes = signDelivery({ secret: secret(32), deliveryId: "a", timestamp: 1, body: Buffer.from(body) });
    expect(asBytes).toEqual(asString);
    expect(signedContent("a", 1, body).toString("utf8")).toBe(`a.1.${body}`);
  });

  it("writes one space-separated v1 signature per secret, in the order given (rotation)", () => {
    const headers = signDelivery({
      secret: [secret(32, 1), secret(32, 2)],
      deliveryId: "id",
      timestamp: 5,
      body: "{}",
    });
    const parts = headers["webhook-signature"].split(" ");
    expect(parts).toHaveLength(2);
    expect(parts[0]).toBe(
      signDelivery({ secret: secret(32, 1), deliveryId: "id", timestamp: 5, body: "{}" })["webhook-signature"],
    );
    expect(parts[1]).toBe(
      signDelivery({ secret: secret(32, 2), deliveryId: "id", timestamp: 5, body: "{}" })["webhook-signature"],
    );
  });

  it("refuses an ID with a full stop or space, a fractional timestamp and an empty secret list", () => {
    expect(() => signDelivery({ secret: secret(32), deliveryId: "a.b", timestamp: 1, body: "" })).toThrow(/full stops/);
    expect(() => signDelivery({ secret: secret(32), deliveryId: "a b", timestamp: 1, body: "" })).toThrow(/webhook-id/);
    expect(() => signDelivery({ secret: secret(32), deliveryId: "a", timestamp: 1.5, body: "" })).toThrow(
      /unix seconds/,
    );
    expect(() => signDelivery({ secret: [], deliveryId: "a", timestamp: 1, body: "" })).toThrow(WebhookSecretError);
  });
});

describe("secretKey", () => {
  it("accepts whsec_ and base64 of 24 to 64 bytes", () => {
    expect(secretKey(secret(24))).toHaveLength(24);
    expect(secretKey(secret(64))).toHaveLength(64);
  });

  it("rejects a secret shorter than 24 bytes with a clear error that does not repeat it", () => {
    const short = secret(MIN_SECRET_BYTES - 1);
    expect(() => secretKey(short)).toThrow(
      new WebhookSecretError("a webhook secret must hold at least 24 random bytes (this one has 23)"),
    );
    try {
      secretKey(short);
    } catch (error) {
      expect((error as Error).message).not.toContain(short.slice(6));
    }
  });

  it("rejects a missing prefix, non-base64, an empty key and more than 64 bytes", () => {
    expect(() => secretKey(Buffer.alloc(32).toString("base64"))).toThrow(/must start with whsec_/);
    expect(() => secretKey("whsec_not base64!")).toThrow(/standard base64/);
    expect(() => secretKey("whsec_")).toThrow(/standard base64/);
    expect(() => secretKey(secret(65))).toThrow(/at most 64 bytes/);
  });

  it("generates secrets of 32 random bytes by default, accepted by secretKey", () => {
    const generated = generateWebhookSecret();
    expect(generated).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(secretKey(generated)).toHaveLength(32);
    expect(generateWebhookSecret()).not.toBe(generated);
    expect(() => generateWebhookSecret(16)).toThrow(WebhookSecretError);
  });
});
