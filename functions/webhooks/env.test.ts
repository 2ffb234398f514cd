import { describe, expect, it } from "vitest";
import { loadWebhookSettings, parseWebhookEnv, secretsInValue, WebhookConfigError } from "./env";
import { generateWebhookSecret, WebhookSecretError } from "./signature";

const GOOD = {
  WEBHOOK_ENDPOINTS: JSON.stringify({
    "tenant-a": "https://hooks.a.example/in",
    "tenant.b@x": "https://b.example:8443/w?k=1",
  }),
  WEBHOOK_SECRET_PREFIX: "prod/webhooks/",
  AWS_REGION: "eu-central-1",
};

const problem = (raw: Record<string, string | undefined>) => {
  const result = loadWebhookSettings(raw);
  expect(result).toBeInstanceOf(WebhookConfigError);
  return (result as WebhookConfigError).message;
};

describe("parseWebhookEnv", () => {
  it("reads the endpoints, the secret prefix and the defaults", () => {
    const settings = parseWebhookEnv(GOOD);
    expect([...settings.endpoints]).toEqual([
      ["tenant-a", "https://hooks.a.example/in"],
      ["tenant.b@x", "https://b.example:8443/w?k=1"],
    ]);
    expect(settings).toMatchObject({ secretPrefix: "prod/webhooks/", region: "eu-central-1", timeoutMs: 15_000 });
    expect(parseWebhookEnv({ ...GOOD, WEBHOOK_TIMEOUT_MS: "5000" }).timeoutMs).toBe(5000);
  });

  it("names the tenant whose endpoint is not https:", () => {
    const endpoints = JSON.stringify({ "tenant-a": "https://ok.example/", "tenant-b": "http://plain.example/" });
    expect(problem({ ...GOOD, WEBHOOK_ENDPOINTS: endpoints })).toBe(
      "webhook environment is invalid: WEBHOOK_ENDPOINTS.tenant-b: the endpoint URL must be https: (not http:)",
    );
  });

  it("names a tenant ID that cannot be part of a secret's name, and a URL with credentials", () => {
    const endpoints = JSON.stringify({ "tenant:x": "https://ok.example/", "tenant-c": "https://u:p@ok.example/" });
    const message = problem({ ...GOOD, WEBHOOK_ENDPOINTS: endpoints });
    expect(message).toContain("WEBHOOK_ENDPOINTS.tenant:x: tenant IDs must be key segments usable in a secret name");
    expect(message).toContain("WEBHOOK_ENDPOINTS.tenant-c: the endpoint URL must not hold credentials");
  });

  it("names what is not JSON, not an object, or missing", () => {
    expect(problem({ ...GOOD, WEBHOOK_ENDPOINTS: "{tenant-a: https://x}" })).toContain(
      "WEBHOOK_ENDPOINTS: must be JSON: an object of tenant ID to https: URL",
    );
    expect(problem({ ...GOOD, WEBHOOK_ENDPOINTS: '["https://x.example/"]' })).toContain(
      "WEBHOOK_ENDPOINTS: must be an object",
    );
    const missing = problem({ AWS_REGION: "eu-central-1" });
    expect(missing).toContain("WEBHOOK_ENDPOINTS:");
    expect(missing).toContain("WEBHOOK_SECRET_PREFIX:");
  });

  it("refuses a secret prefix Secrets Manager would not take, and a timeout above 30 s", () => {
    expect(problem({ ...GOOD, WEBHOOK_SECRET_PREFIX: "prod webhooks:" })).toContain(
      "WEBHOOK_SECRET_PREFIX: must be the start",
    );
    expect(problem({ ...GOOD, WEBHOOK_TIMEOUT_MS: "60000" })).toContain("WEBHOOK_TIMEOUT_MS");
  });
});

describe("secretsInValue", () => {
  it("reads one secret, or several separated by whitespace (newest first)", () => {
    const [a, b] = [generateWebhookSecret(), generateWebhookSecret()];
    expect(secretsInValue("id", a)).toEqual([a]);
    expect(secretsInValue("id", `${a}\n${b}\n`)).toEqual([a, b]);
  });

  it("names the secret and the entry, never the value", () => {
    const short = `whsec_${Buffer.alloc(20, 9).toString("base64")}`;
    const good = generateWebhookSecret();
    expect(() => secretsInValue("prod/webhooks/t", `${good} ${short}`)).toThrow(
      new WebhookSecretError(
        "secret prod/webhooks/t, entry 2: a webhook secret must hold at least 24 random bytes (this one has 20)",
      ),
    );
    expect(() => secretsInValue("prod/webhooks/t", "  ")).toThrow("secret prod/webhooks/t is empty");
    expect(() => secretsInValue("prod/webhooks/t", undefined)).toThrow("has no SecretString");
    try {
      secretsInValue("prod/webhooks/t", "hunter2-not-a-secret");
    } catch (error) {
      expect((error as Error).message).not.toContain("hunter2");
    }
  });
});
