/**
 * The upload handler with API Gateway HTTP API (payload 2.0) events built here: routing, claims from
 * the JWT authorizer only, status codes and error bodies. Signing runs for real (offline); S3 calls of
 * the multipart routes are answered by a spy. What S3 enforces is tested in upload.rgw.test.ts.
 */
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectTaggingCommand,
  ListPartsCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import { createLogger } from "../shared/logger";
import { localMac, Pseudonyms, STANDBY_DOMAIN } from "../shared/pseudonym";
import { TenantDirectory } from "../shared/tenant-directory";
import { type FakeKms, type Fakes, fakes, PREFIX } from "../../test/support/shared/tenant-fixtures";
import { localUnseal, openSealedSubject } from "../shared/sealed-subject";
import { loadUploadSettings, parseUploadEnv, s3ClientFromEnv, uploadDependencies, uploadPseudonyms } from "./env";
import { UploadConfigError, UploadRequestError } from "./errors";
import { sealed } from "./routes";
import { createUploadHandler, handler } from "./handler";
import type { HttpApiEvent, HttpApiResult } from "../shared/http-api";

const IDENTITY_KEY = "arn:aws-eusc:kms:eusc-de-east-1:111122223333:key/11111111-2222-4333-8444-555555555555";
const AVATAR_KEY = "arn:aws-eusc:kms:eusc-de-east-1:111122223333:key/66666666-7777-4888-9999-000000000000";
const ID = "0b0c5a9e-3c1d-4f2e-9a8b-7c6d5e4f3a2b";
const MiB = 1024 * 1024;

const ENV = vi.hoisted(() => {
  const env = {
    UPLOAD_BUCKET: "originals",
    ALLOWED_CONTENT_TYPES: "image/jpeg,image/png",
    MAX_SIZE_BYTES: String(10 * 1024 * 1024),
    EXPIRY_SECONDS: "120",
    KMS_KEY_ARNS: JSON.stringify({
      identity: "arn:aws-eusc:kms:eusc-de-east-1:111122223333:key/11111111-2222-4333-8444-555555555555",
      avatar: "arn:aws-eusc:kms:eusc-de-east-1:111122223333:key/66666666-7777-4888-9999-000000000000",
    }),
    MULTIPART_PART_SIZE_BYTES: String(5 * 1024 * 1024),
    MULTIPART_MAX_SIZE_BYTES: String(100 * 1024 * 1024),
    TENANT_CLAIM: "custom:tenant",
    // The module's own handler (built at import) keeps subjects in keys: KMS (GenerateMac) does not
    // run here. The pseudonyms are tested below with a local HMAC key.
    PSEUDONYMIZE_SUBJECTS: "false",
    S3_ENDPOINT: "https://s3.eusc-de-east-1.amazonaws.eu",
    AWS_REGION: "eusc-de-east-1",
    AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
    AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    LOG_LEVEL: "error",
  };
  // handler.ts parses the environment at import, as in Lambda.
  Object.assign(process.env, env);
  return env;
});

const CLAIMS = { "custom:tenant": "acme", sub: "user-1", iss: "https://idp.example", aud: "uploads" };
const postBody = { fileName: "avatar.png", contentType: "image/png", sizeBytes: 1000, dataClass: "avatar" };
const MD5 = Buffer.alloc(16, 1).toString("base64");

function event(
  path: string,
  body: unknown,
  options: {
    method?: string;
    claims?: Record<string, unknown> | null;
    routeKey?: string;
    raw?: string;
    base64?: boolean;
  } = {},
): HttpApiEvent {
  const method = options.method ?? "POST";
  const text = options.raw ?? JSON.stringify(body);
  return {
    version: "2.0",
    routeKey: options.routeKey ?? `${method} ${path}`,
    rawPath: path,
    rawQueryString: "tenant=evil",
    headers: { "content-type": "application/json", "x-tenant": "evil", authorization: "Bearer eyJ..." },
    requestContext: {
      accountId: "111122223333",
      apiId: "api1",
      domainName: "api.example",
      requestId: "req-1",
      routeKey: options.routeKey ?? `${method} ${path}`,
      stage: "$default",
      time: "23/Nov/2026:10:00:00 +0000",
      timeEpoch: 1795428000000,
      http: { method, path, protocol: "HTTP/1.1", sourceIp: "203.0.113.1", userAgent: "test" },
      ...(options.claims === null ? {} : { authorizer: { jwt: { claims: options.claims ?? CLAIMS, scopes: null } } }),
    },
    body: options.base64 ? Buffer.from(text).toString("base64") : text,
    isBase64Encoded: options.base64 ?? false,
  } as HttpApiEvent;
}

const bodyOf = (result: HttpApiResult) =>
  JSON.parse(result.body) as Record<string, unknown> & {
    error?: { code: string; field: string; message: string; issues?: unknown[] };
  };

function multipartHandler(answer: (command: object) => unknown) {
  const s3 = new S3Client({
    endpoint: ENV.S3_ENDPOINT,
    region: ENV.AWS_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: ENV.AWS_ACCESS_KEY_ID, secretAccessKey: ENV.AWS_SECRET_ACCESS_KEY },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  const sent: object[] = [];
  vi.spyOn(s3, "send").mockImplementation((async (command: object) => {
    sent.push(command);
    return answer(command);
  }) as unknown as S3Client["send"]);
  const logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: () => undefined,
    with: () => logger,
  };
  return {
    handle: createUploadHandler({ s3, settings: parseUploadEnv(ENV), logger, newId: () => ID, pseudonyms: undefined }),
    sent,
  };
}

describe("upload handler: pre-signed POST and PUT", () => {
  it("issues a pre-signed POST for the tenant and subject of the verified token", async () => {
    // Act
    const result = await handler(event("/v1/uploads", postBody));

    // Assess
    expect(result.statusCode).toBe(200);
    expect(result.headers).toEqual({ "content-type": "application/json", "cache-control": "no-store" });
    const body = bodyOf(result);
    expect(body).toMatchObject({ method: "POST", bucket: "originals" });
    expect(body.key).toMatch(/^acme\/user-1\/[0-9a-f-]{36}$/);
    expect((body.fields as Record<string, string>).key).toBe(body.key);
    expect((body.fields as Record<string, string>)["x-amz-server-side-encryption-aws-kms-key-id"]).toBe(AVATAR_KEY);
  });

  it("takes tenant and subject from the claims only, never from the body, headers or query", async () => {
    // Prepare
    const withIdentity = {
      ...postBody,
      tenant: "evil",
      subject: "mallory",
      "custom:tenant": "evil",
      sub: "mallory",
      key: "evil/mallory/x",
    };

    // Act
    const result = await handler(event("/v1/uploads", withIdentity));

    // Assess
    expect(result.statusCode).toBe(400);
    const error = bodyOf(result).error;
    expect(error?.code).toBe("unknown_field");
    expect(error?.issues).toHaveLength(5);
    expect(result.body).not.toMatch(/"key":"evil/);
    const issued = bodyOf(await handler(event("/v1/uploads", postBody)));
    expect(String(issued.key).startsWith("acme/user-1/")).toBe(true);
  });

  it("uses the configured tenant claim and ignores a `tenant` claim of another name", async () => {
    // Act
    const result = await handler(
      event("/v1/uploads", postBody, { claims: { tenant: "evil", "custom:tenant": "globex", sub: "u-7" } }),
    );

    // Assess
    expect(bodyOf(result).key).toMatch(/^globex\/u-7\//);
  });

  it("issues a pre-signed PUT", async () => {
    // Act
    const result = await handler(event("/v1/uploads/put", { ...postBody, contentMd5: MD5 }));

    // Assess
    expect(result.statusCode).toBe(200);
    const body = bodyOf(result);
    expect(body).toMatchObject({ method: "PUT", headers: { "Content-MD5": MD5, "Content-Type": "image/png" } });
    expect(new URL(String(body.url)).searchParams.get("X-Amz-Expires")).toBe("120");
  });

  it("decodes a base64-encoded body", async () => {
    // Act
    const result = await handler(event("/v1/uploads", postBody, { base64: true }));

    // Assess
    expect(result.statusCode).toBe(200);
  });

  it("matches the path when the route is $default, with or without a trailing slash", async () => {
    // Act
    const result = await handler(event("/v1/uploads/", postBody, { routeKey: "$default" }));

    // Assess
    expect(result.statusCode).toBe(200);
  });
});

describe("upload handler: errors", () => {
  it.each([
    ["not JSON", "{fileName:"],
    ["empty", ""],
  ])("answers 400 invalid_json for a body that is %s", async (_what, raw) => {
    // Act
    const result = await handler(event("/v1/uploads", undefined, { raw }));

    // Assess
    expect(result.statusCode).toBe(400);
    expect(bodyOf(result)).toEqual({
      error: { code: "invalid_json", field: "", message: "the body must be a JSON object" },
    });
  });

  it("answers 400 with the code and field of an invalid request", async () => {
    // Act
    const result = await handler(event("/v1/uploads", { ...postBody, contentType: "application/pdf" }));

    // Assess
    expect(result.statusCode).toBe(400);
    expect(bodyOf(result).error).toMatchObject({
      code: "unsupported_content_type",
      field: "contentType",
      message: expect.stringContaining("image/jpeg, image/png"),
    });
    expect(result.body).not.toMatch(/at .*\.ts|stack/);
  });

  it("answers 400 size_too_large above the configured maximum", async () => {
    // Act
    const result = await handler(event("/v1/uploads", { ...postBody, sizeBytes: 10 * MiB + 1 }));

    // Assess
    expect(result.statusCode).toBe(400);
    expect(bodyOf(result).error).toMatchObject({ code: "size_too_large", field: "sizeBytes" });
  });

  it("answers 400 invalid_body for JSON that is not an object", async () => {
    // Act
    const result = await handler(event("/v1/uploads", [postBody]));

    // Assess
    expect(result.statusCode).toBe(400);
    expect(bodyOf(result).error).toMatchObject({ code: "invalid_body", field: "" });
  });

  it.each([
    ["no authorizer", null],
    ["no tenant claim", { sub: "user-1" }],
    ["a tenant claim with a slash", { "custom:tenant": "acme/../other", sub: "user-1" }],
    ["an array claim", { "custom:tenant": ["acme"], sub: "user-1" }],
  ])("answers 403 invalid_claims for %s", async (_what, claims) => {
    // Act
    const result = await handler(event("/v1/uploads", postBody, { claims }));

    // Assess
    expect(result.statusCode).toBe(403);
    expect(bodyOf(result)).toEqual({
      error: {
        code: "invalid_claims",
        field: "tenant",
        message: "the verified token does not name a usable tenant and subject",
      },
    });
  });

  it("answers 404 for an unknown route and 405 for another method", async () => {
    // Act
    const unknown = await handler(event("/v1/other", postBody));
    const get = await handler(event("/v1/uploads", postBody, { method: "GET" }));

    // Assess
    expect([unknown.statusCode, bodyOf(unknown).error?.code]).toEqual([404, "unknown_route"]);
    expect([get.statusCode, bodyOf(get).error?.code]).toEqual([405, "method_not_allowed"]);
  });

  it("answers 500 invalid_config without details when the configuration is invalid", async () => {
    // Prepare
    const logged: string[] = [];
    const logger = createLogger("upload-presign", { level: "error", write: (line) => logged.push(line) });
    const handle = createUploadHandler({
      s3: new S3Client({ region: "eusc-de-east-1" }),
      settings: new UploadConfigError("expirySeconds: must be at most 300"),
      logger,
      pseudonyms: undefined,
    });

    // Act
    const result = await handle(event("/v1/uploads", postBody));

    // Assess
    expect(result.statusCode).toBe(500);
    expect(bodyOf(result)).toEqual({
      error: { code: "invalid_config", field: "", message: "the upload service is misconfigured" },
    });
    expect(logged.join("")).toContain("expirySeconds");
  });

  it("answers 500 internal_error without the S3 error's details", async () => {
    // Prepare
    const { handle } = multipartHandler(() => {
      throw Object.assign(new Error("secret internal detail"), { name: "AccessDenied" });
    });

    // Act
    const result = await handle(event("/v1/uploads/multipart", { ...postBody, sizeBytes: 12 * MiB }));

    // Assess
    expect(result.statusCode).toBe(500);
    expect(bodyOf(result)).toEqual({ error: { code: "internal_error", field: "", message: "internal error" } });
  });

  it("answers 500 for an event that is not an HTTP API v2 event", async () => {
    // Act
    const result = await handler({ version: "1.0", httpMethod: "POST" });

    // Assess
    expect(result.statusCode).toBe(500);
    expect(bodyOf(result).error?.code).toBe("internal_error");
  });
});

describe("upload handler: multipart", () => {
  const key = `acme/user-1/${ID}`;

  it("creates a multipart upload with part URLs under the token's scope", async () => {
    // Prepare
    const { handle, sent } = multipartHandler((command) =>
      command instanceof CreateMultipartUploadCommand ? { UploadId: "up-1" } : {},
    );

    // Act
    const result = await handle(event("/v1/uploads/multipart", { ...postBody, sizeBytes: 12 * MiB }));

    // Assess
    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toMatchObject({ key, uploadId: "up-1", partCount: 3 });
    expect((sent[0] as CreateMultipartUploadCommand).input).toMatchObject({
      Bucket: "originals",
      Key: key,
      SSEKMSKeyId: AVATAR_KEY,
    });
  });

  it("re-issues part URLs", async () => {
    // Prepare
    const { handle } = multipartHandler(() => ({ Parts: [] }));

    // Act
    const result = await handle(
      event("/v1/uploads/multipart/parts", { key, uploadId: "up-1", sizeBytes: 12 * MiB, partNumbers: [2] }),
    );

    // Assess
    expect(result.statusCode).toBe(200);
    expect((bodyOf(result).parts as { partNumber: number }[]).map((p) => p.partNumber)).toEqual([2]);
  });

  it("completes an upload", async () => {
    // Prepare
    const { handle, sent } = multipartHandler((command) => {
      if (command instanceof ListPartsCommand) return { Parts: [{ PartNumber: 1, ETag: '"e1"', Size: 1000 }] };
      if (command instanceof GetObjectTaggingCommand) return { TagSet: [{ Key: "data-class", Value: "avatar" }] };
      return {};
    });

    // Act
    const result = await handle(
      event("/v1/uploads/multipart/complete", { key, uploadId: "up-1", parts: [{ partNumber: 1, eTag: "e1" }] }),
    );

    // Assess
    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toEqual({ bucket: "originals", key, sizeBytes: 1000, partCount: 1 });
    expect(sent.some((c) => c instanceof CompleteMultipartUploadCommand)).toBe(true);
  });

  it("answers 403 key_out_of_scope for another tenant's upload, without calling S3", async () => {
    // Prepare
    const { handle, sent } = multipartHandler(() => ({}));

    // Act
    const result = await handle(
      event("/v1/uploads/multipart/complete", {
        key: `globex/user-1/${ID}`,
        uploadId: "up-1",
        parts: [{ partNumber: 1, eTag: "e1" }],
      }),
    );

    // Assess
    expect(result.statusCode).toBe(403);
    expect(bodyOf(result).error).toMatchObject({ code: "key_out_of_scope", field: "key" });
    expect(sent).toEqual([]);
  });

  it("answers 404 unknown_upload when the upload does not exist", async () => {
    // Prepare
    const { handle } = multipartHandler(() => {
      throw Object.assign(new Error("NoSuchUpload"), { name: "NoSuchUpload" });
    });

    // Act
    const result = await handle(
      event("/v1/uploads/multipart/parts", { key, uploadId: "up-1", sizeBytes: 12 * MiB, partNumbers: [1] }),
    );

    // Assess
    expect(result.statusCode).toBe(404);
    expect(bodyOf(result).error).toMatchObject({ code: "unknown_upload", field: "uploadId" });
  });
});

describe("parseUploadEnv", () => {
  it("builds the upload configuration from the environment with defaults", () => {
    // Act
    const settings = parseUploadEnv({
      UPLOAD_BUCKET: "originals",
      ALLOWED_CONTENT_TYPES: '["image/png"]',
      MAX_SIZE_BYTES: "1000",
      KMS_KEY_ARNS: JSON.stringify({ identity: IDENTITY_KEY }),
      PSEUDONYM_KEY_ID: "alias/example/subject-pseudonyms",
    });

    // Assess
    expect(settings.config).toMatchObject({
      bucket: "originals",
      allowedContentTypes: ["image/png"],
      maxSizeBytes: 1000,
      expirySeconds: 300,
      kmsKeyArnByDataClass: { identity: IDENTITY_KEY },
    });
    expect([settings.tenantClaim, settings.subjectClaim]).toEqual(["tenant", "sub"]);
    expect(settings.env.PSEUDONYMIZE_SUBJECTS).toBe("true");
  });

  it.each([
    ["an expiry above 300 s", { EXPIRY_SECONDS: "600" }, /expirySeconds/],
    ["KMS key ARNs that are not JSON", { KMS_KEY_ARNS: "identity=arn" }, /KMS_KEY_ARNS/],
    ["a size that is not a number", { MAX_SIZE_BYTES: "ten" }, /MAX_SIZE_BYTES/],
    ["no bucket", { UPLOAD_BUCKET: undefined }, /UPLOAD_BUCKET/],
  ])("refuses %s", (_what, change, message) => {
    // Prepare
    const env = { ...ENV, ...change };

    // Act
    const attempt = () => parseUploadEnv(env);

    // Assess
    expect(attempt).toThrow(UploadConfigError);
    expect(attempt).toThrow(message);
  });
});

describe("upload handler: logical-tier tenants (crypto-shredding)", () => {
  const TENANT_KEY = "arn:aws-eusc:kms:eusc-de-east-1:111122223333:key/99999999-8888-4777-8666-555555555555";
  const quiet = {
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: () => undefined,
    with: () => quiet,
  };

  /** The handler with a tenant directory over in-memory KMS and STS; S3 signing is real (offline). */
  function tenantHandler(setup: (kms: FakeKms, sts: Fakes["assumeRole"]) => void = () => undefined) {
    const f = fakes();
    f.kms.add("acme", { keyArn: TENANT_KEY });
    f.kms.add("bergstadt", { tags: { Tenant: "bergstadt", Tier: "vpc" } });
    // An account-tier tenant's alias in the platform account (its platform key).
    f.kms.add("acme-health", { tags: { Tenant: "acme-health", Tier: "account" } });
    // A key tagged with a tier that has no role: the shared path.
    f.kms.add("shared-co", { tags: { Tenant: "shared-co", Tier: "shared" } });
    setup(f.kms, f.assumeRole);
    const settings = parseUploadEnv(ENV);
    const tenants = new TenantDirectory({
      keyAliasPrefix: PREFIX,
      roleNamePrefix: "example-tenant-",
      kms: f.kms,
      assumeRole: f.assumeRole,
      sessionName: "example-upload",
      clientFor: (credentials) => s3ClientFromEnv(settings.env, credentials),
      minRemainingSeconds: settings.config.expirySeconds + 60,
      now: f.clock.now,
    });
    const s3 = s3ClientFromEnv(settings.env);
    return {
      handle: createUploadHandler({ s3, settings, logger: quiet, newId: () => ID, tenants, pseudonyms: undefined }),
      f,
    };
  }
  const credentialOf = (url: string) => new URL(url).searchParams.get("X-Amz-Credential")?.split("/")[0];

  it("signs a logical-tier tenant's upload as the tenant's role, under the tenant's key", async () => {
    // Prepare
    const { handle, f } = tenantHandler();

    // Act
    const put = bodyOf(await handle(event("/v1/uploads/put", { ...postBody, contentMd5: MD5 })));
    const post = bodyOf(await handle(event("/v1/uploads", postBody)));

    // Assess
    expect(f.assumeRole.calls).toEqual([
      ["arn:aws-eusc:iam::111122223333:role/example-tenant-acme", "example-upload", 3600],
    ]);
    expect(credentialOf(String(put.url))).toBe("ASIA1");
    expect(new URL(String(put.url)).searchParams.get("X-Amz-Security-Token")).toBe("token-1");
    expect((put.headers as Record<string, string>)["x-amz-server-side-encryption-aws-kms-key-id"]).toBe(TENANT_KEY);
    const fields = post.fields as Record<string, string>;
    expect(fields["x-amz-server-side-encryption-aws-kms-key-id"]).toBe(TENANT_KEY);
    expect(fields["X-Amz-Credential"]?.split("/")[0]).toBe("ASIA1");
    expect(fields["X-Amz-Security-Token"]).toBe("token-1");
  });

  it("signs vpc- and account-tier tenants' uploads as their roles under their keys, and a key of a tier without role's as the function", async () => {
    // Prepare
    const { handle, f } = tenantHandler();

    // Act
    const vpcTier = bodyOf(
      await handle(
        event(
          "/v1/uploads/put",
          { ...postBody, contentMd5: MD5 },
          { claims: { "custom:tenant": "bergstadt", sub: "u" } },
        ),
      ),
    );
    const accountTier = bodyOf(
      await handle(
        event(
          "/v1/uploads/put",
          { ...postBody, contentMd5: MD5 },
          { claims: { "custom:tenant": "acme-health", sub: "u" } },
        ),
      ),
    );
    const shared = bodyOf(
      await handle(
        event(
          "/v1/uploads/put",
          { ...postBody, contentMd5: MD5 },
          { claims: { "custom:tenant": "shared-co", sub: "u" } },
        ),
      ),
    );

    // Assess
    for (const [body, tenant] of [
      [vpcTier, "bergstadt"],
      [accountTier, "acme-health"],
    ] as const) {
      expect(credentialOf(String(body.url))).not.toBe(ENV.AWS_ACCESS_KEY_ID);
      expect((body.headers as Record<string, string>)["x-amz-server-side-encryption-aws-kms-key-id"]).toMatch(
        new RegExp(`key/tenant-${tenant}$`),
      );
    }
    expect(f.assumeRole.calls.map((c) => c[0])).toEqual([
      expect.stringMatching(/:role\/example-tenant-bergstadt$/),
      expect.stringMatching(/:role\/example-tenant-acme-health$/),
    ]);
    expect(credentialOf(String(shared.url))).toBe(ENV.AWS_ACCESS_KEY_ID);
    expect((shared.headers as Record<string, string>)["x-amz-server-side-encryption-aws-kms-key-id"]).toBe(AVATAR_KEY);
  });

  it.each(["globex", "user@acme.example"])(
    "answers 403 unknown_tenant for a tenant claim %s that names no tenant of the deployment, and signs nothing",
    async (tenant) => {
      // Prepare
      const { handle, f } = tenantHandler();

      // Act
      const result = await handle(
        event("/v1/uploads/put", { ...postBody, contentMd5: MD5 }, { claims: { "custom:tenant": tenant, sub: "u" } }),
      );

      // Assess
      expect(result.statusCode).toBe(403);
      expect(bodyOf(result).error).toMatchObject({
        code: "unknown_tenant",
        message: expect.stringMatching(/names no tenant of this deployment/),
      });
      expect(f.assumeRole.calls).toEqual([]);
    },
  );

  it("answers 403 tenant_key_unavailable while the tenant's key is pending deletion, and signs nothing", async () => {
    // Prepare
    const { handle, f } = tenantHandler((kms) => kms.add("acme", { keyArn: TENANT_KEY, keyState: "PendingDeletion" }));

    // Act
    const result = await handle(event("/v1/uploads", postBody));

    // Assess
    expect(result.statusCode).toBe(403);
    expect(bodyOf(result).error).toEqual({
      code: "tenant_key_unavailable",
      field: "",
      message: "the tenant's key is PendingDeletion: uploads for this tenant are closed",
    });
    expect(f.assumeRole.calls).toEqual([]);
  });

  it("answers 500 when the tenant directory cannot answer, never falling back to the data-class key", async () => {
    // Prepare
    const { handle } = tenantHandler((kms) => {
      kms.error = Object.assign(new Error("throttled"), { name: "ThrottlingException" });
    });

    // Act
    const result = await handle(event("/v1/uploads", postBody));

    // Assess
    expect(result.statusCode).toBe(500);
    expect(bodyOf(result).error?.code).toBe("internal_error");
    expect(result.body).not.toContain(AVATAR_KEY);
  });

  it("answers 500 when the tenant role cannot be assumed", async () => {
    // Prepare
    const { handle } = tenantHandler((_kms, sts) => {
      sts.fail = Object.assign(new Error("not authorized to perform sts:AssumeRole"), { name: "AccessDenied" });
    });

    // Act
    const result = await handle(event("/v1/uploads/put", { ...postBody, contentMd5: MD5 }));

    // Assess
    expect(result.statusCode).toBe(500);
  });

  it("refuses an environment that names only one of the two tenant prefixes", () => {
    // Act
    const error = (() => {
      try {
        parseUploadEnv({ ...ENV, TENANT_KEY_ALIAS_PREFIX: "alias/example/tenant/" });
      } catch (e) {
        return e;
      }
    })();

    // Assess
    expect(error).toBeInstanceOf(UploadConfigError);
    expect(String(error)).toMatch(/TENANT_ROLE_NAME_PREFIX: set together with TENANT_KEY_ALIAS_PREFIX/);
  });
});

describe("upload handler: subjects as pseudonyms", () => {
  const SECRET = Buffer.alloc(32, 3);
  const STANDBY_SECRET = Buffer.alloc(32, 4);
  const quiet = createLogger("upload-presign", { level: "error", write: () => undefined });
  function pseudonymHandler() {
    const logged: string[] = [];
    const settings = parseUploadEnv({
      ...ENV,
      PSEUDONYMIZE_SUBJECTS: "true",
      PSEUDONYM_KEY_ID: "alias/example/subject-pseudonyms",
    });
    const logger = createLogger("upload-presign", { level: "info", write: (line) => logged.push(line) });
    const s3 = s3ClientFromEnv(settings.env);
    vi.spyOn(s3, "send").mockImplementation((async () => ({
      UploadId: "up-1",
      Parts: [],
    })) as unknown as S3Client["send"]);
    return {
      handle: createUploadHandler({
        s3,
        settings,
        logger,
        newId: () => ID,
        pseudonyms: new Pseudonyms(localMac(SECRET)),
      }),
      logged,
    };
  }
  const email = "jane.doe@example.org";
  const claims = { "custom:tenant": "acme", sub: email };

  it("names objects <tenant>/<pseudonym>/<uuid>: the subject claim is in neither the key, the URL, nor the log", async () => {
    // Prepare
    const { handle, logged } = pseudonymHandler();
    const pseudonym = await new Pseudonyms(localMac(SECRET)).of("acme", email);

    // Act
    const result = await handle(event("/v1/uploads/put", { ...postBody, contentMd5: MD5 }, { claims }));

    // Assess
    expect(result.statusCode).toBe(200);
    expect(bodyOf(result).key).toBe(`acme/${pseudonym}/${ID}`);
    expect(result.body).not.toMatch(/jane|example\.org/);
    expect(logged.join("\n")).not.toMatch(/jane|example\.org/);
    expect(logged.join("\n")).toContain(pseudonym);
  });

  it("keeps a subject to its own uploads: a key of another subject's pseudonym is out of scope", async () => {
    // Prepare
    const { handle } = pseudonymHandler();
    const other = await new Pseudonyms(localMac(SECRET)).of("acme", "someone.else@example.org");

    // Act
    const result = await handle(
      event(
        "/v1/uploads/multipart/complete",
        { key: `acme/${other}/${ID}`, uploadId: "up-1", parts: [{ partNumber: 1, eTag: "e1" }] },
        { claims },
      ),
    );

    // Assess
    expect(result.statusCode).toBe(403);
    expect(bodyOf(result).error).toMatchObject({ code: "key_out_of_scope" });
  });

  it("records the standby pseudonym of a crossing class in the signed metadata, never the subject", async () => {
    // Prepare
    const settings = parseUploadEnv({
      ...ENV,
      PSEUDONYMIZE_SUBJECTS: "true",
      PSEUDONYM_KEY_ID: "alias/example/subject-pseudonyms",
      STANDBY_PSEUDONYM_KEY_ID: "alias/example/standby-pseudonyms",
    });
    const sent: unknown[] = [];
    const s3 = s3ClientFromEnv(settings.env);
    vi.spyOn(s3, "send").mockImplementation((async (command: { input: unknown }) => {
      sent.push(command.input);
      return { UploadId: "up-1", Parts: [] };
    }) as unknown as S3Client["send"]);
    const standbyOf = new Pseudonyms(localMac(STANDBY_SECRET), undefined, STANDBY_DOMAIN);
    const handle = createUploadHandler({
      s3,
      settings,
      logger: quiet,
      newId: () => ID,
      pseudonyms: new Pseudonyms(localMac(SECRET)),
      standbyPseudonyms: standbyOf,
    });
    const standby = await standbyOf.of("acme", email);
    const sovereign = await new Pseudonyms(localMac(SECRET)).of("acme", email);

    // Act
    const post = await handle(event("/v1/uploads", postBody, { claims }));
    const putted = await handle(event("/v1/uploads/put", { ...postBody, contentMd5: MD5 }, { claims }));
    const multipart = await handle(event("/v1/uploads/multipart", postBody, { claims }));

    // Assess
    expect(standby).not.toBe(sovereign);
    expect(bodyOf(post).key).toBe(`acme/${sovereign}/${ID}`);
    const policy = JSON.parse(
      Buffer.from((bodyOf(post).fields as Record<string, string>).Policy ?? "", "base64").toString("utf8"),
    );
    expect(policy.conditions).toContainEqual({ "x-amz-meta-standby-pseudonym": standby });
    expect(bodyOf(putted).headers).toMatchObject({ "x-amz-meta-standby-pseudonym": standby });
    expect(multipart.statusCode).toBe(200);
    expect(sent).toContainEqual(
      expect.objectContaining({ Metadata: expect.objectContaining({ "standby-pseudonym": standby }) }),
    );
    expect(JSON.stringify([post, putted, multipart, sent])).not.toMatch(/jane|example\.org/);
  });

  it("records no standby pseudonym where the class does not cross", async () => {
    // Prepare
    const { handle } = pseudonymHandler();

    // Act
    const post = await handle(event("/v1/uploads", postBody, { claims }));

    // Assess
    expect(
      Buffer.from((bodyOf(post).fields as Record<string, string>).Policy ?? "", "base64").toString("utf8"),
    ).not.toContain("standby-pseudonym");
  });

  it("fails at start-up without the HMAC key, naming the variable and the opt-out", () => {
    expect(() => parseUploadEnv({ ...ENV, PSEUDONYMIZE_SUBJECTS: "true" })).toThrow(
      /PSEUDONYM_KEY_ID is required .* Fix: .*PSEUDONYMIZE_SUBJECTS=false/,
    );
  });
});

describe("upload handler: as the commercial standby during an outage (PSEUDONYM_DOMAIN=standby)", () => {
  const STANDBY_SECRET = Buffer.alloc(32, 4);
  const sealing = generateKeyPairSync("rsa", {
    modulusLength: 3072,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
  const STANDBY = {
    ...ENV,
    UPLOAD_BUCKET: "outage-uploads",
    KMS_KEY_ARNS: JSON.stringify({ avatar: "arn:aws:kms:eu-central-1:444455556666:key/inbox" }),
    PSEUDONYMIZE_SUBJECTS: undefined,
    PSEUDONYM_DOMAIN: "standby",
    PSEUDONYM_KEY_ID: "arn:aws:kms:eu-central-1:444455556666:key/standby-pseudonyms",
    SUBJECT_SEALING_PUBLIC_KEY: sealing.publicKey,
  };
  const email = "jane.doe@example.org";
  const claims = { "custom:tenant": "acme", sub: email };

  function standbyHandler() {
    const settings = parseUploadEnv(STANDBY);
    const sent: { input: { Metadata?: Record<string, string> } }[] = [];
    const logged: string[] = [];
    const s3 = s3ClientFromEnv(settings.env);
    vi.spyOn(s3, "send").mockImplementation((async (command: { input: { Metadata?: Record<string, string> } }) => {
      sent.push(command);
      return { UploadId: "up-1", Parts: [] };
    }) as unknown as S3Client["send"]);
    const deps = uploadDependencies(settings, STANDBY);
    const handle = createUploadHandler({
      ...deps,
      s3,
      logger: createLogger("upload-presign", { level: "info", write: (line) => logged.push(line) }),
      newId: () => ID,
      // What the environment selects (the standby domain), under the standby key's material.
      pseudonyms: uploadPseudonyms(settings, localMac(STANDBY_SECRET)),
    });
    return { handle, sent, logged, deps };
  }

  it("names uploads by the standby pseudonym and signs the sealed subject into POST, PUT and multipart, without a standby-pseudonym", async () => {
    // Prepare
    const { handle, sent, logged, deps } = standbyHandler();
    const standby = await new Pseudonyms(localMac(STANDBY_SECRET), undefined, STANDBY_DOMAIN).of("acme", email);
    const unseal = localUnseal(sealing.privateKey);

    // Act
    const post = await handle(event("/v1/uploads", postBody, { claims }));
    const putted = await handle(event("/v1/uploads/put", { ...postBody, contentMd5: MD5 }, { claims }));
    const multipart = await handle(event("/v1/uploads/multipart", postBody, { claims }));

    // Assess
    expect(deps.standbyPseudonyms).toBeUndefined();
    expect([post.statusCode, putted.statusCode, multipart.statusCode]).toEqual([200, 200, 200]);
    for (const r of [post, putted, multipart]) expect(bodyOf(r).key).toBe(`acme/${standby}/${ID}`);
    const fields = bodyOf(post).fields as Record<string, string>;
    const policy = JSON.parse(Buffer.from(fields.Policy ?? "", "base64").toString("utf8"));
    const postSeal = fields["x-amz-meta-sealed-subject"] ?? "";
    expect(policy.conditions).toContainEqual({ "x-amz-meta-sealed-subject": postSeal });
    const putHeaders = bodyOf(putted).headers as Record<string, string>;
    const putSeal = putHeaders["x-amz-meta-sealed-subject"] ?? "";
    expect(new URL(bodyOf(putted).url as string).searchParams.get("X-Amz-SignedHeaders")).toContain(
      "x-amz-meta-sealed-subject",
    );
    const multipartSeal = sent[0]?.input.Metadata?.["sealed-subject"] ?? "";
    for (const seal of [postSeal, putSeal, multipartSeal])
      expect(await openSealedSubject(unseal, seal)).toEqual({ tenant: "acme", subject: email });
    expect(JSON.stringify([post, putted, sent])).not.toContain("standby-pseudonym");
    expect(JSON.stringify([post, putted, multipart, sent, logged])).not.toMatch(/jane|example\.org/);
  });

  it("seals the longest claims a token may carry (128 characters each): every valid token fits the key", async () => {
    // Prepare
    const { handle } = standbyHandler();
    const longest = { "custom:tenant": "t".repeat(128), sub: "s".repeat(128) };

    // Act
    const result = await handle(event("/v1/uploads", postBody, { claims: longest }));

    // Assess
    expect(result.statusCode).toBe(200);
    const seal = (bodyOf(result).fields as Record<string, string>)["x-amz-meta-sealed-subject"] ?? "";
    expect(await openSealedSubject(localUnseal(sealing.privateKey), seal)).toEqual({
      tenant: longest["custom:tenant"],
      subject: longest.sub,
    });
  });

  it("refuses claims too long for the sealing key with 400 naming the claim", () => {
    // Act
    const attempt = () =>
      sealed(createPublicKey(sealing.publicKey), { tenant: "acme", subject: "x".repeat(300) }, "email");

    // Assess
    expect(attempt).toThrow(UploadRequestError);
    expect(attempt).toThrow(/email claim is too long .* 327 bytes, the sealing key holds 318/);
    try {
      attempt();
    } catch (error) {
      expect([(error as UploadRequestError).status, (error as UploadRequestError).field]).toEqual([400, "email"]);
      expect((error as UploadRequestError).code).toBe("claims_too_long");
    }
  });

  it.each([
    ["no sealing key", { SUBJECT_SEALING_PUBLIC_KEY: undefined }, /without SUBJECT_SEALING_PUBLIC_KEY.*Fix: set/],
    [
      "a sealing key on the sovereign side",
      { PSEUDONYM_DOMAIN: undefined },
      /SUBJECT_SEALING_PUBLIC_KEY without PSEUDONYM_DOMAIN=standby.*Fix: remove/,
    ],
    [
      "a second standby key",
      { STANDBY_PSEUDONYM_KEY_ID: "alias/x" },
      /STANDBY_PSEUDONYM_KEY_ID would be a second key\. Fix/,
    ],
    [
      "a tenant directory",
      { TENANT_KEY_ALIAS_PREFIX: "alias/example/tenants/", TENANT_ROLE_NAME_PREFIX: "example-tenant-" },
      /no tenant roles.*Fix: remove both prefixes/,
    ],
    ["pseudonyms turned off", { PSEUDONYMIZE_SUBJECTS: "false" }, /PSEUDONYMIZE_SUBJECTS=false.*Fix/],
    [
      "an RSA key of 2048 bits",
      {
        SUBJECT_SEALING_PUBLIC_KEY: generateKeyPairSync("rsa", {
          modulusLength: 2048,
          publicKeyEncoding: { type: "spki", format: "pem" },
          privateKeyEncoding: { type: "pkcs8", format: "pem" },
        }).publicKey,
      },
      /2048 bits; at least 3072.*Fix: set the PEM/,
    ],
    ["a key that is no PEM", { SUBJECT_SEALING_PUBLIC_KEY: "MIIB..." }, /not a PEM public key/],
  ])("refuses to start the standby with %s: 500 on every request, the fix logged", async (_what, change, message) => {
    // Prepare
    const logged: string[] = [];
    const settings = loadUploadSettings({ ...STANDBY, ...change });
    const handle = createUploadHandler({
      ...uploadDependencies(settings, STANDBY),
      logger: createLogger("upload-presign", { level: "info", write: (line) => logged.push(line) }),
    });

    // Act
    const result = await handle(event("/v1/uploads", postBody, { claims }));

    // Assess
    expect(settings).toBeInstanceOf(UploadConfigError);
    expect([result.statusCode, bodyOf(result).error?.code]).toEqual([500, "invalid_config"]);
    expect(logged.join("\n")).toMatch(message);
  });
});
