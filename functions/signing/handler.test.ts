/**
 * The signing handler's answers that come before any S3 call: its configuration, routing, the token's
 * claims, the request body and the tenant's state. What S3 serves, stores and refuses is in
 * signing.rgw.test.ts.
 */
import { generateKeyPairSync } from "node:crypto";
import { S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { digestSigner, TEST_KEY_ARN } from "../../test/support/evidence/digest-signers";
import { fakes, PREFIX } from "../../test/support/shared/tenant-fixtures";
import type { HttpApiEvent, HttpApiResult } from "../shared/http-api";
import { createLogger } from "../shared/logger";
import { TenantDirectory } from "../shared/tenant-directory";
import { loadSigningSettings, parseSigningEnv, SigningConfigError } from "./env";
import { createSigningHandler } from "./handler";
import { MAX_PURPOSE_LENGTH, parseSigningRequest, SigningRequestError } from "./signing";

const ID = "0b0c5a9e-3c1d-4f2e-9a8b-7c6d5e4f3a2b";
const EVIDENCE_KEY = "arn:aws-eusc:kms:eusc-de-east-1:111122223333:key/88888888-7777-4888-9999-000000000000";
const ENV = {
  CLEAN_BUCKET: "clean",
  EVIDENCE_BUCKET: "evidence",
  EVIDENCE_KMS_KEY_ID: EVIDENCE_KEY,
  SIGNING_KEY_ID: TEST_KEY_ARN,
  PSEUDONYMIZE_SUBJECTS: "false",
  AWS_REGION: "eusc-de-east-1",
};
const logger = createLogger("signing-test", { level: "error" });
/** Any S3 call would fail: these answers must come before one. */
const offline = new S3Client({ region: "eusc-de-east-1", endpoint: "http://127.0.0.1:9", maxAttempts: 1 });
const signer = digestSigner(generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey);

const PATH = `/v1/objects/${ID}/signatures`;
const ROUTE_KEY = "POST /v1/objects/{id}/signatures";
const goodBody = JSON.stringify({ purpose: "approve the lease", consent: true });

function event(
  options: {
    method?: string;
    path?: string;
    body?: string;
    claims?: Record<string, string | number | boolean | string[]>;
    routeKey?: string;
  } = {},
): HttpApiEvent {
  const path = options.path ?? PATH;
  return {
    version: "2.0",
    ...(options.routeKey === undefined ? {} : { routeKey: options.routeKey }),
    rawPath: path,
    ...(options.body === undefined ? {} : { body: options.body }),
    requestContext: {
      http: { method: options.method ?? "POST", path },
      authorizer: { jwt: { claims: options.claims ?? { tenant: "acme", sub: "alice", iss: "https://idp.example" } } },
    },
  };
}

const answer = (r: HttpApiResult) => [r.statusCode, JSON.parse(r.body).error?.code, JSON.parse(r.body).error?.field];

describe("configuration", () => {
  it("names every problem of the environment at once", () => {
    // Act
    const error = loadSigningSettings({ EVIDENCE_KMS_KEY_ID: "alias/evidence", TENANT_CLAIM: "bad claim" });
    // Assess
    expect(error).toBeInstanceOf(SigningConfigError);
    const message = (error as Error).message;
    for (const name of ["CLEAN_BUCKET", "EVIDENCE_BUCKET", "EVIDENCE_KMS_KEY_ID", "SIGNING_KEY_ID", "TENANT_CLAIM"])
      expect(message).toContain(name);
    const second = loadSigningSettings({
      ...ENV,
      EVIDENCE_BUCKET: "clean",
      PSEUDONYMIZE_SUBJECTS: "true",
      TENANT_KEY_ALIAS_PREFIX: "alias/example/tenant/",
    });
    expect((second as Error).message).toMatch(/EVIDENCE_BUCKET: must not be the clean bucket/);
    expect((second as Error).message).toMatch(/PSEUDONYM_KEY_ID is required/);
    expect((second as Error).message).toMatch(/TENANT_ROLE_NAME_PREFIX: set together with TENANT_KEY_ALIAS_PREFIX/);
  });

  it("refuses a signing key named by alias: evidence records the key's ARN", () => {
    expect(() => parseSigningEnv({ ...ENV, SIGNING_KEY_ID: "alias/evidence-signing" })).toThrow(
      /SIGNING_KEY_ID: must be a KMS key ARN/,
    );
  });

  it("reads the buckets and keys of the environment", () => {
    const settings = parseSigningEnv(ENV);
    expect(settings.config).toEqual({
      cleanBucket: "clean",
      evidenceBucket: "evidence",
      evidenceKmsKeyId: EVIDENCE_KEY,
    });
    expect(settings.signingKeyId).toBe(TEST_KEY_ARN);
  });

  it("answers 500 invalid_config on every request when misconfigured, without details", async () => {
    // Prepare
    const handle = createSigningHandler({
      s3: offline,
      settings: new SigningConfigError("signing environment is invalid: CLEAN_BUCKET: required"),
      pseudonyms: undefined,
      logger,
    });
    // Act
    const result = await handle(event({ body: goodBody }));
    // Assess
    expect(answer(result)).toEqual([500, "invalid_config", ""]);
    expect(result.body).not.toContain("CLEAN_BUCKET");
  });

  it("answers 500 invalid_config when no signer is given", async () => {
    const handle = createSigningHandler({ s3: offline, settings: parseSigningEnv(ENV), pseudonyms: undefined, logger });
    expect(answer(await handle(event({ body: goodBody })))).toEqual([500, "invalid_config", ""]);
  });
});

describe("routing and claims", () => {
  const handle = createSigningHandler({
    s3: offline,
    settings: parseSigningEnv(ENV),
    signer,
    pseudonyms: undefined,
    logger,
  });

  it.each([
    ["GET", PATH, 405, "method_not_allowed"],
    ["PUT", PATH, 405, "method_not_allowed"],
    ["POST", `/v1/objects/${ID}`, 404, "unknown_route"],
    ["POST", `/v1/objects/${ID}/signatures/x`, 404, "unknown_route"],
    ["POST", "/v1/signatures", 404, "unknown_route"],
    ["POST", "/v1/objects/%E0%A4%A/signatures", 400, "invalid_object_id"],
    ["POST", "/v1/objects/not-an-id/signatures", 400, "invalid_object_id"],
  ])("answers %s %s with %i %s", async (method, path, status, code) => {
    expect(answer(await handle(event({ method, path, body: goodBody }))).slice(0, 2)).toEqual([status, code]);
  });

  it.each([
    ["no tenant claim", { sub: "alice", iss: "https://idp.example" }, "tenant"],
    ["a tenant claim that is a path", { tenant: "acme/../other", sub: "alice", iss: "https://idp.example" }, "tenant"],
    ["a subject claim with a slash", { tenant: "acme", sub: "a/b", iss: "https://idp.example" }, "subject"],
    ["an array claim", { tenant: ["acme"], sub: "alice", iss: "https://idp.example" }, "tenant"],
    ["no issuer claim", { tenant: "acme", sub: "alice" }, "issuer"],
    ["an issuer with a control character", { tenant: "acme", sub: "alice", iss: "https://idp\n.example" }, "issuer"],
  ])("answers 403 invalid_claims for %s", async (_what, claims, field) => {
    expect(answer(await handle(event({ claims, body: goodBody, routeKey: ROUTE_KEY })))).toEqual([
      403,
      "invalid_claims",
      field,
    ]);
  });

  it("takes the ID from API Gateway's path parameter, not from the path", async () => {
    // Prepare: a path that names a valid ID, a path parameter that does not.
    const e = { ...event({ body: goodBody, routeKey: ROUTE_KEY }), pathParameters: { id: "x" } };
    // Act / Assess
    expect(answer(await handle(e))).toEqual([400, "invalid_object_id", "id"]);
  });
});

describe("request body", () => {
  const handle = createSigningHandler({
    s3: offline,
    settings: parseSigningEnv(ENV),
    signer,
    pseudonyms: undefined,
    logger,
  });

  it.each([
    ["no body", undefined, "invalid_json", ""],
    ["a body that is not JSON", "{purpose:", "invalid_json", ""],
    ["a member named twice", '{"purpose":"a","consent":false,"consent":true}', "invalid_json", ""],
    ["an array", "[]", "invalid_body", ""],
    ["a string", '"sign"', "invalid_body", ""],
    ["consent false", JSON.stringify({ purpose: "a", consent: false }), "consent_required", "consent"],
    ["consent as a string", JSON.stringify({ purpose: "a", consent: "true" }), "consent_required", "consent"],
    ["no consent", JSON.stringify({ purpose: "a" }), "missing_field", "consent"],
    ["no purpose", JSON.stringify({ consent: true }), "missing_field", "purpose"],
    ["an empty purpose", JSON.stringify({ purpose: "", consent: true }), "invalid_purpose", "purpose"],
    ["a blank purpose", JSON.stringify({ purpose: "  ", consent: true }), "invalid_purpose", "purpose"],
    ["a purpose as a number", JSON.stringify({ purpose: 7, consent: true }), "invalid_purpose", "purpose"],
    ["a purpose with a newline", JSON.stringify({ purpose: "a\nb", consent: true }), "invalid_purpose", "purpose"],
    ["a purpose with a NUL", JSON.stringify({ purpose: "a\u0000b", consent: true }), "invalid_purpose", "purpose"],
    [
      "a purpose with a C1 control",
      JSON.stringify({ purpose: "a\u0085", consent: true }),
      "invalid_purpose",
      "purpose",
    ],
    [
      "a purpose with a bidi override",
      JSON.stringify({ purpose: "a\u202eb", consent: true }),
      "invalid_purpose",
      "purpose",
    ],
    ["a purpose with a lone surrogate", '{"purpose":"a\\ud800","consent":true}', "invalid_purpose", "purpose"],
    [
      "a purpose one character too long",
      JSON.stringify({ purpose: "é".repeat(MAX_PURPOSE_LENGTH + 1), consent: true }),
      "invalid_purpose",
      "purpose",
    ],
    ["an unknown field", JSON.stringify({ purpose: "a", consent: true, tenant: "other" }), "unknown_field", "tenant"],
    ["a key named in the body", JSON.stringify({ purpose: "a", consent: true, key: "x" }), "unknown_field", "key"],
  ])("answers 400 for %s", async (_what, body, code, field) => {
    expect(answer(await handle(event({ routeKey: ROUTE_KEY, ...(body === undefined ? {} : { body }) })))).toEqual([
      400,
      code,
      field,
    ]);
  });

  it("reads a base64-encoded body as API Gateway passes it", async () => {
    // Prepare: a valid request, base64: the answer is the S3 call failing, not a body error.
    const e = { ...event(), body: Buffer.from(goodBody).toString("base64"), isBase64Encoded: true };
    // Act / Assess: past the body (the offline client fails): 500, never a 400.
    expect(answer(await handle(e))).toEqual([500, "internal_error", ""]);
  });

  it("names every problem of a body at once", () => {
    // Act
    let error: unknown;
    try {
      parseSigningRequest({ purpose: "", consent: false, extra: 1 });
    } catch (e) {
      error = e;
    }
    // Assess
    expect(error).toBeInstanceOf(SigningRequestError);
    expect((error as SigningRequestError).issues.map((i) => [i.code, i.field])).toEqual(
      expect.arrayContaining([
        ["unknown_field", "extra"],
        ["invalid_purpose", "purpose"],
        ["consent_required", "consent"],
      ]),
    );
  });

  it("accepts a purpose of exactly 500 characters, counted as code points", () => {
    const purpose = "😀".repeat(MAX_PURPOSE_LENGTH);
    expect(parseSigningRequest({ purpose, consent: true })).toEqual({ purpose, consent: true });
  });
});

describe("tenants", () => {
  function tenantHandler() {
    const f = fakes();
    f.kms.add("acme");
    f.kms.add("shredded", { keyState: "PendingDeletion" });
    const tenants = new TenantDirectory<S3Client>({
      keyAliasPrefix: PREFIX,
      roleNamePrefix: "example-tenant-",
      kms: f.kms,
      assumeRole: f.assumeRole,
      sessionName: "example-signing",
      clientFor: () => offline,
      minRemainingSeconds: 900,
      now: f.clock.now,
    });
    return createSigningHandler({
      s3: offline,
      settings: parseSigningEnv(ENV),
      signer,
      pseudonyms: undefined,
      tenants,
      logger,
    });
  }

  it("answers 403 for a tenant the deployment does not know, and for one whose key is going", async () => {
    const handle = tenantHandler();
    const claims = (tenant: string) => ({ tenant, sub: "alice", iss: "https://idp.example" });
    expect(answer(await handle(event({ claims: claims("nobody"), body: goodBody })))).toEqual([
      403,
      "unknown_tenant",
      "",
    ]);
    expect(answer(await handle(event({ claims: claims("shredded"), body: goodBody })))).toEqual([
      403,
      "tenant_key_unavailable",
      "",
    ]);
    expect(signer.digests).toEqual([]);
  });
});
