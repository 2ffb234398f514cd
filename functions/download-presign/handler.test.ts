/**
 * The download handler's answers that come before any S3 call: its configuration, routing, the
 * token's claims and the tenant's state. What S3 serves and refuses is in download.rgw.test.ts.
 */
import { S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { fakes, PREFIX } from "../../test/support/shared/tenant-fixtures";
import type { HttpApiEvent, HttpApiResult } from "../shared/http-api";
import { createLogger } from "../shared/logger";
import { localMac, Pseudonyms, STANDBY_DOMAIN } from "../shared/pseudonym";
import { TenantDirectory } from "../shared/tenant-directory";
import { DownloadConfigError, downloadPseudonyms, loadDownloadSettings, parseDownloadEnv } from "./env";
import { createDownloadHandler } from "./handler";

const ID = "0b0c5a9e-3c1d-4f2e-9a8b-7c6d5e4f3a2b";
const ENV = { CLEAN_BUCKET: "clean", PSEUDONYMIZE_SUBJECTS: "false", AWS_REGION: "eusc-de-east-1" };
const logger = createLogger("download-test", { level: "error" });
/** Any S3 call would fail: these answers must come before one. */
const offline = new S3Client({ region: "eusc-de-east-1", endpoint: "http://127.0.0.1:9", maxAttempts: 1 });

function event(
  method: string,
  path: string,
  claims: Record<string, string | number | boolean | string[]> = { tenant: "acme", sub: "alice" },
  routeKey?: string,
): HttpApiEvent {
  return {
    version: "2.0",
    ...(routeKey === undefined ? {} : { routeKey }),
    rawPath: path,
    requestContext: { http: { method, path }, authorizer: { jwt: { claims } } },
  };
}

const answer = (r: HttpApiResult) => [r.statusCode, JSON.parse(r.body).error?.code];

describe("configuration", () => {
  it("names every problem of the environment at once", () => {
    // Act
    const error = loadDownloadSettings({ EXPIRY_SECONDS: "301", TENANT_CLAIM: "bad claim" });
    // Assess
    expect(error).toBeInstanceOf(DownloadConfigError);
    expect(String((error as Error).message)).toMatch(/CLEAN_BUCKET/);
    expect(String((error as Error).message)).toMatch(/TENANT_CLAIM/);
    const second = loadDownloadSettings({ CLEAN_BUCKET: "clean", EXPIRY_SECONDS: "301" });
    expect((second as Error).message).toMatch(/expirySeconds 301 must be a whole number of 1-300/);
    expect((second as Error).message).toMatch(/PSEUDONYM_KEY_ID is required/);
  });

  it("defaults the URL lifetime to 300 s", () => {
    expect(parseDownloadEnv(ENV).config).toEqual({ bucket: "clean", expirySeconds: 300 });
  });

  it("answers 500 invalid_config on every request when misconfigured, without details", async () => {
    // Prepare
    const handle = createDownloadHandler({
      s3: offline,
      settings: new DownloadConfigError("download environment is invalid: CLEAN_BUCKET: required"),
      pseudonyms: undefined,
      logger,
    });
    // Act
    const result = await handle(event("GET", "/v1/objects"));
    // Assess
    expect(answer(result)).toEqual([500, "invalid_config"]);
    expect(result.body).not.toContain("CLEAN_BUCKET");
  });
});

describe("as the commercial standby (PSEUDONYM_DOMAIN=standby)", () => {
  const STANDBY = {
    CLEAN_BUCKET: "example-avatars-clean-failover-222222222222",
    PSEUDONYM_DOMAIN: "standby",
    PSEUDONYM_KEY_ID: "alias/example/standby-pseudonyms",
    AWS_REGION: "eu-central-1",
  };
  const mac = localMac(Buffer.alloc(32, 5));

  it("derives the standby pseudonym, the one replicas are named by, not the sovereign one", async () => {
    // Prepare
    const settings = parseDownloadEnv(STANDBY);
    // Act
    const derived = await downloadPseudonyms(settings, mac)?.of("acme", "alice@example.org");
    // Assess
    expect(settings.pseudonymDomain).toBe("standby");
    expect(derived).toBe(await new Pseudonyms(mac, undefined, STANDBY_DOMAIN).of("acme", "alice@example.org"));
    expect(derived).not.toBe(await new Pseudonyms(mac).of("acme", "alice@example.org"));
  });

  it("derives the sovereign pseudonym by default", async () => {
    const settings = parseDownloadEnv({ ...STANDBY, PSEUDONYM_DOMAIN: undefined });
    expect(settings.pseudonymDomain).toBe("subject");
    expect(await downloadPseudonyms(settings, mac)?.of("acme", "alice")).toBe(
      await new Pseudonyms(mac).of("acme", "alice"),
    );
  });

  it.each([
    [
      { PSEUDONYM_DOMAIN: "commercial" },
      /PSEUDONYM_DOMAIN: "commercial" is not a pseudonym domain\. Fix: set subject .* or standby/,
    ],
    [
      { PSEUDONYMIZE_SUBJECTS: "false" },
      /PSEUDONYM_DOMAIN=standby with PSEUDONYMIZE_SUBJECTS=false.*Fix: remove PSEUDONYMIZE_SUBJECTS/,
    ],
    [{ PSEUDONYM_KEY_ID: undefined }, /PSEUDONYM_KEY_ID is required/],
    [
      { TENANT_KEY_ALIAS_PREFIX: "alias/example/tenant/", TENANT_ROLE_NAME_PREFIX: "example-tenant-" },
      /the commercial partition has no tenant roles.*Fix: remove both prefixes/,
    ],
    [{ STANDBY_PSEUDONYM_KEY_ID: "alias/example/standby-pseudonyms" }, /Fix: remove STANDBY_PSEUDONYM_KEY_ID/],
  ])("fails with %j, naming the setting and the fix", (change, message) => {
    // Act
    const error = loadDownloadSettings({ ...STANDBY, ...change });
    // Assess
    expect(error).toBeInstanceOf(DownloadConfigError);
    expect((error as Error).message).toMatch(message);
  });
});

describe("routing and claims", () => {
  const handle = createDownloadHandler({ s3: offline, settings: parseDownloadEnv(ENV), pseudonyms: undefined, logger });

  it.each([
    ["POST", "/v1/objects", 405, "method_not_allowed"],
    ["DELETE", `/v1/objects/${ID}`, 405, "method_not_allowed"],
    ["GET", "/v1/uploads", 404, "unknown_route"],
    ["GET", `/v1/objects/${ID}/versions`, 404, "unknown_route"],
    ["GET", "/v1/objects/%E0%A4%A", 400, "invalid_object_id"],
  ])("answers %s %s with %i %s", async (method, path, status, code) => {
    expect(answer(await handle(event(method, path)))).toEqual([status, code]);
  });

  it.each([
    ["no tenant claim", { sub: "alice" }],
    ["a tenant claim that is a path", { tenant: "acme/../other", sub: "alice" }],
    ["a subject claim with a slash", { tenant: "acme", sub: "a/b" }],
    ["an array claim", { tenant: ["acme"], sub: "alice" }],
  ])("answers 403 invalid_claims for %s", async (_what, claims) => {
    expect(answer(await handle(event("GET", "/v1/objects", claims, "GET /v1/objects")))).toEqual([
      403,
      "invalid_claims",
    ]);
  });

  it("takes the ID from API Gateway's path parameter, not from the path", async () => {
    // Prepare: a path that names a valid ID, a path parameter that does not.
    const e = { ...event("GET", `/v1/objects/${ID}`, undefined, "GET /v1/objects/{id}"), pathParameters: { id: "x" } };
    // Act / Assess
    expect(answer(await handle(e))).toEqual([400, "invalid_object_id"]);
  });
});

describe("tenants", () => {
  function tenantHandler() {
    const f = fakes();
    f.kms.add("acme");
    f.kms.add("shredded", { keyState: "PendingDeletion" });
    const settings = parseDownloadEnv(ENV);
    const tenants = new TenantDirectory<S3Client>({
      keyAliasPrefix: PREFIX,
      roleNamePrefix: "example-tenant-",
      kms: f.kms,
      assumeRole: f.assumeRole,
      sessionName: "example-download",
      clientFor: () => offline,
      minRemainingSeconds: 360,
      now: f.clock.now,
    });
    return createDownloadHandler({ s3: offline, settings, pseudonyms: undefined, tenants, logger });
  }

  it("answers 403 for a tenant the deployment does not know, and for one whose key is going", async () => {
    const handle = tenantHandler();
    expect(answer(await handle(event("GET", "/v1/objects", { tenant: "nobody", sub: "alice" })))).toEqual([
      403,
      "unknown_tenant",
    ]);
    expect(answer(await handle(event("GET", "/v1/objects", { tenant: "shredded", sub: "alice" })))).toEqual([
      403,
      "tenant_key_unavailable",
    ]);
  });
});
