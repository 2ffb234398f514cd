/**
 * A logical-tier tenant's objects, end to end through a real S3 server with real STS (Ceph RADOS
 * Gateway, DESIGN.md §7): the upload and scrub handlers find the tenant through the tenant directory,
 * assume the tenant's role through the gateway's STS (the SDK adapter `stsAssumeRole`, for real), and
 * the gateway enforces that role's policy on every request, browser uploads included. Every object of
 * the tenant (original, clean copy, quarantined copy) ends up under the tenant's key; other tenants'
 * objects keep the data-class keys and the functions' own credentials.
 *
 * KMS does not run here: the directory's key lookup is the in-memory one
 * (test/support/shared/tenant-fixtures.ts). The gateway's SSE-KMS testing backend knows the tenant key's ID, so the
 * object's key is real gateway state.
 * Ceph's role ARNs carry no partition or account (`arn:aws:iam:::role/<name>`): the test maps the ARN
 * the directory derives from the key to the gateway's form, and nothing else.
 */
import { createHash } from "node:crypto";
import {
  CreateBucketCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { TENANT_OBJECT_ACTIONS } from "../../modules/private-bucket";
import { useRadosGateway } from "../../test/s3/lifecycle";
import { castNames } from "../../test/authz/recorder";
import { assumeRole, createRole } from "../../test/s3/sts";
import { failback } from "../cross-partition-sync/failback";
import { createScrubHandler, type ScrubBatchResult } from "../image-scrub/handler";
import { parseScrubEnv, s3ClientFromEnv as scrubClient, scrubConfig } from "../image-scrub/env";
import { DHT, DQT, EOI, exifApp1, JFIF, SOI, sof, sos } from "../../test/support/image-scrub/fixtures";
import type { MultipartUpload, PresignedPut } from "../upload-presign/presign";
import { parseUploadEnv, s3ClientFromEnv as uploadClient } from "../upload-presign/env";
import { createUploadHandler } from "../upload-presign/handler";
import type { HttpApiResult } from "./http-api";
import { parseDownloadEnv, s3ClientFromEnv as downloadClient } from "../download-presign/env";
import { createDownloadHandler } from "../download-presign/handler";
import { createLogger } from "./logger";
import { localMac, Pseudonyms } from "./pseudonym";
import { stsAssumeRole, TenantDirectory } from "./tenant-directory";
import { cephRoleArn, recording as record, type SentRequest } from "../../test/support/shared/gateway-tenants";
import { FakeKms, PREFIX } from "../../test/support/shared/tenant-fixtures";

vi.hoisted(() => {
  // The handler modules parse the environment at import, as in Lambda; these tests build their own handlers.
  process.env.CLEAN_BUCKET = "tenant-clean";
});

const ORIGINALS_KEY = "arn:aws-eusc:kms:eusc-de-east-1:111122223333:key/66666666-7777-4888-9999-000000000000";
const CLEAN_KEY = "arn:aws-eusc:kms:eusc-de-east-1:111122223333:key/77777777-7777-4888-9999-000000000000";
const ACME_KEY = "arn:aws-eusc:kms:eusc-de-east-1:111122223333:key/acacacac-7777-4888-9999-000000000000";
const ORIGINALS = "tenant-originals";
const CLEAN = "tenant-clean";
/** Plays the commercial failover bucket for failback (the same gateway: the partitions are labels here). */
const FAILOVER = "tenant-failover";
const ROLE_PREFIX = "example-tenant-";
const MiB = 1024 * 1024;

const gateway = useRadosGateway({
  name: "tenant",
  region: "eusc-de-east-1",
  kmsKeys: [ORIGINALS_KEY, CLEAN_KEY, ACME_KEY],
  sts: true,
});

const jpeg = Buffer.concat([SOI, JFIF, exifApp1(6), DQT, DHT, sof(0xc0, 16, 16), sos(), Buffer.from([0x00]), EOI]);
const truncated = jpeg.subarray(0, jpeg.length - 3);
const md5 = (b: Buffer) => createHash("md5").update(b).digest("base64");
const logger = createLogger("tenant-test", { level: "error" });

/** What each client sent, by client ("function" or "tenant"): proves which credentials did which request. */
const sent: SentRequest[] = [];
const recording = <C extends S3Client>(client: C, who: "function" | "tenant") => record(client, who, sent);

let s3: S3Client;
let upload: (event: unknown) => Promise<HttpApiResult>;
let scrub: (event: unknown) => Promise<ScrubBatchResult>;
let download: (event: unknown) => Promise<HttpApiResult>;
/** The download function's own access key. */
let downloadKeyId: string;
/** The upload and download functions derive the same pseudonyms (one KMS HMAC key in the stack). */
const pseudonyms = new Pseudonyms(localMac(Buffer.alloc(32, 5)));
let directory: TenantDirectory<S3Client>;
/** The upload function's own access key: URLs it signs itself carry it, a tenant role's carry the tenant session's. */
let uploadKeyId: string;
const signer = (url: string) => new URL(url).searchParams.get("X-Amz-Credential")?.split("/")[0];

beforeAll(async () => {
  const g = gateway();
  s3 = g.client();
  for (const bucket of [ORIGINALS, CLEAN, FAILOVER]) {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
  }
  // The tenant role's policy as the stack writes it (the tenant's areas of both buckets), with the
  // tenant's name in place of ${aws:PrincipalTag/Tenant}, which the gateway does not evaluate.
  await createRole(g, `${ROLE_PREFIX}acme`, {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Action: [...TENANT_OBJECT_ACTIONS],
        Resource: [
          `arn:aws:s3:::${ORIGINALS}/acme/*`,
          `arn:aws:s3:::${ORIGINALS}/quarantine/acme/*`,
          `arn:aws:s3:::${CLEAN}/acme/*`,
        ],
      },
      {
        Effect: "Allow",
        Action: ["s3:ListBucket"],
        Resource: [`arn:aws:s3:::${CLEAN}`],
        Condition: { StringLike: { "s3:prefix": "acme/*" } },
      },
    ],
  });

  // The tenant directory's STS client: the gateway's test user (the default credential chain).
  vi.stubEnv("AWS_ACCESS_KEY_ID", g.accessKeyId);
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", g.secretAccessKey);
  // The functions' own credentials: a gateway role each, named as the stack names them, so that the
  // authorization proof knows which function made each request (and what browsers did with its URLs).
  const functionCredentials = async (roleName: string) => {
    const role = await createRole(g, roleName, {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Action: ["s3:*"],
          Resource: [ORIGINALS, CLEAN].flatMap((b) => [`arn:aws:s3:::${b}`, `arn:aws:s3:::${b}/*`]),
        },
      ],
    });
    const credentials = await assumeRole(g, role, roleName, 3600);
    return Object.assign(async () => credentials, { accessKeyId: credentials.accessKeyId });
  };
  const uploadCredentials = await functionCredentials("example-upload-function");
  uploadKeyId = uploadCredentials.accessKeyId;
  const scrubCredentials = await functionCredentials("example-scrub-function");
  const downloadCredentials = await functionCredentials("example-download-function");
  downloadKeyId = downloadCredentials.accessKeyId;
  castNames({
    buckets: {
      [ORIGINALS]: "example-avatars-original-111111111111",
      [CLEAN]: "example-avatars-clean-111111111111",
      [FAILOVER]: "example-avatars-clean-failover-222222222222",
    },
    keys: {
      [ORIGINALS_KEY]: "aws_kms_key.sovereign-key-avatars-original_key",
      [CLEAN_KEY]: "aws_kms_key.sovereign-key-avatars-clean_key",
      [ACME_KEY]: "aws_kms_key.tenant-kleinverein_key_key",
    },
    tenants: { acme: "kleinverein" },
  });
  const kms = new FakeKms();
  kms.add("acme", { keyArn: ACME_KEY });
  // A tenant whose key names a tier without a role of its own: its uploads use the data-class keys.
  kms.add("shared-co", { tags: { Tenant: "shared-co", Tier: "shared" } });
  kms.add("shredded", { keyState: "PendingDeletion" });
  const sts = stsAssumeRole({ region: g.region, endpoint: g.endpoint });
  const common = {
    S3_ENDPOINT: g.endpoint,
    AWS_REGION: g.region,
    TENANT_KEY_ALIAS_PREFIX: PREFIX,
    TENANT_ROLE_NAME_PREFIX: ROLE_PREFIX,
  };
  const uploadSettings = parseUploadEnv({
    ...common,
    PSEUDONYM_KEY_ID: "alias/example/subject-pseudonyms",
    UPLOAD_BUCKET: ORIGINALS,
    ALLOWED_CONTENT_TYPES: "image/jpeg",
    MAX_SIZE_BYTES: "65536",
    MULTIPART_PART_SIZE_BYTES: String(5 * 1024 * 1024),
    MULTIPART_MAX_SIZE_BYTES: String(16 * 1024 * 1024),
    EXPIRY_SECONDS: "60",
    KMS_KEY_ARNS: JSON.stringify({ "avatars-original": ORIGINALS_KEY }),
  });
  const scrubEnv = parseScrubEnv({
    ...common,
    CLEAN_BUCKET: CLEAN,
    CLEAN_KMS_KEY_ID: CLEAN_KEY,
    CLEAN_DATA_CLASS: "avatars-clean",
    QUARANTINE_PREFIX: "quarantine/",
  });
  directory = new TenantDirectory({
    keyAliasPrefix: PREFIX,
    roleNamePrefix: ROLE_PREFIX,
    kms,
    assumeRole: (roleArn, session, seconds) => sts(cephRoleArn(roleArn), session, seconds),
    sessionName: "example-functions",
    minRemainingSeconds: 120,
    sessionSeconds: 900,
    clientFor: (credentials) => recording(scrubClient(scrubEnv, credentials), "tenant"),
  });
  upload = createUploadHandler({
    s3: recording(uploadClient(uploadSettings.env, uploadCredentials), "function"),
    settings: uploadSettings,
    logger,
    tenants: directory,
    pseudonyms,
  });
  const downloadSettings = parseDownloadEnv({
    ...common,
    CLEAN_BUCKET: CLEAN,
    EXPIRY_SECONDS: "60",
    PSEUDONYM_KEY_ID: "alias/example/subject-pseudonyms",
  });
  download = createDownloadHandler({
    s3: recording(downloadClient(downloadSettings.env, downloadCredentials), "function"),
    settings: downloadSettings,
    pseudonyms,
    tenants: directory,
    logger,
  });
  scrub = createScrubHandler({
    s3: recording(scrubClient(scrubEnv, scrubCredentials), "function"),
    config: scrubConfig(scrubEnv),
    logger,
    tenants: directory,
  });
});

/** A pre-signed PUT from the upload handler for a verified tenant, sent like a browser. */
async function browserPut(tenant: string, file: Buffer): Promise<{ target: PresignedPut; status: number }> {
  const result = await upload({
    version: "2.0",
    routeKey: "POST /v1/uploads/put",
    requestContext: {
      requestId: "r1",
      http: { method: "POST", path: "/v1/uploads/put" },
      authorizer: { jwt: { claims: { tenant, sub: "user-1" } } },
    },
    body: JSON.stringify({
      fileName: "me.jpg",
      contentType: "image/jpeg",
      sizeBytes: file.length,
      contentMd5: md5(file),
      dataClass: "avatars-original",
    }),
  });
  expect(result.statusCode).toBe(200);
  const target = JSON.parse(result.body) as PresignedPut;
  const response = await fetch(target.url, { method: "PUT", headers: target.headers, body: file });
  await response.arrayBuffer();
  return { target, status: response.status };
}

/** The record the gateway would deliver for the object's current version. */
async function created(key: string): Promise<unknown> {
  const head = await s3.send(new HeadObjectCommand({ Bucket: ORIGINALS, Key: key }));
  return {
    Records: [
      {
        eventName: "ObjectCreated:Put",
        eventSource: "ceph:s3",
        s3: { bucket: { name: ORIGINALS }, object: { key, versionId: head.VersionId, eTag: head.ETag } },
      },
    ],
  };
}

const keyOf = async (bucket: string, key: string) =>
  (await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).SSEKMSKeyId;
const tagsOf = async (bucket: string, key: string) =>
  Object.fromEntries(
    ((await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }))).TagSet ?? []).map((t) => [
      t.Key,
      t.Value,
    ]),
  );
const requestsFor = (key: string) => sent.filter((r) => r.key.endsWith(key));

describe("a logical-tier tenant's objects, under its own key", () => {
  it("takes a browser upload signed as the tenant's role, encrypted with the tenant's key", async () => {
    // Act
    const { target, status } = await browserPut("acme", jpeg);

    // Assess
    expect(status).toBe(200);
    expect(signer(target.url)).not.toBe(uploadKeyId);
    expect(new URL(target.url).searchParams.get("X-Amz-Security-Token")).not.toBeNull();
    expect(await keyOf(ORIGINALS, target.key)).toBe(ACME_KEY);
  });

  it("is bound by the tenant role's policy: a URL its session signs for another tenant's prefix is refused", async () => {
    // Prepare
    const access = await directory.resolve("acme");
    if (access.kind !== "own-key") throw new Error(`expected own-key, got ${access.kind}`);
    const url = await getSignedUrl(
      access.client,
      new PutObjectCommand({ Bucket: ORIGINALS, Key: "globex/user-1/stolen", ContentLength: 3 }),
      { expiresIn: 60 },
    );

    // Act
    const response = await fetch(url, { method: "PUT", body: "abc" });
    await response.arrayBuffer();

    // Assess
    expect(response.status).toBe(403);
    const listed = await s3
      .send(new HeadObjectCommand({ Bucket: ORIGINALS, Key: "globex/user-1/stolen" }))
      .catch((e: Error) => e.name);
    expect(listed).toBe("NotFound");
  });

  it.each([
    ["acme", "tenant", ACME_KEY],
    ["shared-co", "function", ORIGINALS_KEY],
  ] as const)(
    "runs %s's multipart upload as the %s's role: parts from the browser, the object under its key and tagged",
    async (tenant, signedBy, expectedKey) => {
      // Prepare
      const total = 5 * MiB + 1234;
      const data = Buffer.alloc(total, 7);
      const call = async (path: string, body: unknown) => {
        const result = await upload({
          version: "2.0",
          routeKey: `POST ${path}`,
          requestContext: {
            requestId: "r2",
            http: { method: "POST", path },
            authorizer: { jwt: { claims: { tenant, sub: "user-1" } } },
          },
          body: JSON.stringify(body),
        });
        expect(result.statusCode, result.body).toBe(200);
        return JSON.parse(result.body);
      };

      // Act
      const created = (await call("/v1/uploads/multipart", {
        fileName: "big.jpg",
        contentType: "image/jpeg",
        sizeBytes: total,
        dataClass: "avatars-original",
      })) as MultipartUpload;
      const parts = [];
      for (const part of created.parts) {
        const start = (part.partNumber - 1) * created.partSizeBytes;
        const response = await fetch(part.url, {
          method: "PUT",
          headers: part.headers,
          body: data.subarray(start, start + Number(part.headers["Content-Length"])),
        });
        await response.arrayBuffer();
        expect(response.status).toBe(200);
        parts.push({ partNumber: part.partNumber, eTag: response.headers.get("etag") ?? "" });
      }
      await call("/v1/uploads/multipart/complete", { key: created.key, uploadId: created.uploadId, parts });

      // Assess
      expect(created.parts.every((p) => (signer(p.url) === uploadKeyId) === (signedBy === "function"))).toBe(true);
      expect(await keyOf(ORIGINALS, created.key)).toBe(expectedKey);
      expect(await tagsOf(ORIGINALS, created.key)).toEqual({ "data-class": "avatars-original" });
      expect(requestsFor(created.key).filter((r) => r.client !== signedBy)).toEqual([]);
    },
  );

  it("scrubs as the tenant's role: the clean copy is under the tenant's key, and the function's own role only asked", async () => {
    // Prepare
    const { target } = await browserPut("acme", jpeg);

    // Act
    const outcome = await scrub(await created(target.key));

    // Assess
    expect(outcome.records.map((r) => r.outcome)).toEqual(["scrubbed"]);
    expect(await keyOf(CLEAN, target.key)).toBe(ACME_KEY);
    expect(await tagsOf(ORIGINALS, target.key)).toEqual({
      "data-class": "avatars-original",
      "scrub-status": "processed",
    });
    const byClient = (who: string) =>
      requestsFor(target.key)
        .filter((r) => r.client === who)
        .map((r) => `${r.command} ${r.bucket}`);
    expect(byClient("function")).toEqual([`HeadObjectCommand ${CLEAN}`, `HeadObjectCommand ${ORIGINALS}`]);
    expect(byClient("tenant")).toEqual(
      expect.arrayContaining([
        `GetObjectCommand ${ORIGINALS}`,
        `PutObjectCommand ${CLEAN}`,
        `PutObjectTaggingCommand ${ORIGINALS}`,
      ]),
    );
  });

  it("serves the clean copy to its subject: listed, and a GET signed as the tenant's role that the browser can use", async () => {
    // Prepare
    const { target } = await browserPut("acme", jpeg);
    await scrub(await created(target.key));
    const id = target.key.split("/").pop() ?? "";
    const get = (path: string, routeKey: string, pathParameters?: Record<string, string>) =>
      download({
        version: "2.0",
        routeKey,
        ...(pathParameters === undefined ? {} : { pathParameters }),
        requestContext: {
          requestId: "r4",
          http: { method: "GET", path },
          authorizer: { jwt: { claims: { tenant: "acme", sub: "user-1" } } },
        },
      });

    // Act
    const listed = JSON.parse((await get("/v1/objects", "GET /v1/objects")).body);
    const issued = JSON.parse((await get(`/v1/objects/${id}`, "GET /v1/objects/{id}", { id })).body);
    const response = await fetch(issued.url);
    const served = Buffer.from(await response.arrayBuffer());

    // Assess
    expect(listed.objects.map((o: { id: string }) => o.id)).toContain(id);
    expect(signer(issued.url)).not.toBe(downloadKeyId);
    expect(new URL(issued.url).searchParams.get("X-Amz-Security-Token")).not.toBeNull();
    expect(response.status).toBe(200);
    const clean = await s3.send(new GetObjectCommand({ Bucket: CLEAN, Key: target.key }));
    expect(served).toEqual(
      Buffer.from(await (clean.Body?.transformToByteArray() ?? Promise.resolve(new Uint8Array()))),
    );
    expect(
      requestsFor(id).filter((r) => r.client === "function" && r.bucket === CLEAN && r.command !== "HeadObjectCommand"),
    ).toEqual([]);
  });

  it("quarantines a rejected upload in the tenant's quarantine area, under the tenant's key", async () => {
    // Prepare
    const { target } = await browserPut("acme", truncated);

    // Act
    const outcome = await scrub(await created(target.key));

    // Assess
    expect(outcome.records.map((r) => r.outcome)).toEqual(["quarantined"]);
    expect(await keyOf(ORIGINALS, `quarantine/${target.key}`)).toBe(ACME_KEY);
    expect(await s3.send(new HeadObjectCommand({ Bucket: CLEAN, Key: target.key })).catch((e: Error) => e.name)).toBe(
      "NotFound",
    );
  });

  it.each([
    ["scrubbed", jpeg, CLEAN, ""],
    ["quarantined", truncated, ORIGINALS, "quarantine/"],
  ] as const)(
    "moves an original written before under the data-class key to the tenant's key when it is %s",
    async (outcome, file, bucket, prefix) => {
      // Prepare: an upload of the tenant from before its uploads were keyed with its own key.
      const key = `acme/user-1/${outcome}-before`;
      await s3.send(
        new PutObjectCommand({
          Bucket: ORIGINALS,
          Key: key,
          Body: file,
          ContentMD5: md5(file),
          ServerSideEncryption: "aws:kms",
          SSEKMSKeyId: ORIGINALS_KEY,
        }),
      );

      // Act
      const result = await scrub(await created(key));

      // Assess
      expect(result.records.map((r) => r.outcome)).toEqual([outcome]);
      expect(await keyOf(bucket, `${prefix}${key}`)).toBe(ACME_KEY);
    },
  );
});

describe("other tenants' objects, under the data-class keys", () => {
  it("refuses uploads for a tenant the deployment does not have (403 unknown_tenant), and leaves such objects unscrubbed", async () => {
    // Act
    const result = await upload({
      version: "2.0",
      routeKey: "POST /v1/uploads/put",
      requestContext: {
        requestId: "r3",
        http: { method: "POST", path: "/v1/uploads/put" },
        authorizer: { jwt: { claims: { tenant: "globex", sub: "user-1" } } },
      },
      body: JSON.stringify({
        fileName: "me.jpg",
        contentType: "image/jpeg",
        sizeBytes: jpeg.length,
        contentMd5: md5(jpeg),
        dataClass: "avatars-original",
      }),
    });
    // An object under an unknown tenant's prefix (written before the check existed) is not scrubbed, so never served or replicated.
    await s3.send(
      new PutObjectCommand({
        Bucket: ORIGINALS,
        Key: "globex/user-1/old",
        Body: jpeg,
        ServerSideEncryption: "aws:kms",
        SSEKMSKeyId: ORIGINALS_KEY,
      }),
    );
    const outcome = await scrub(await created("globex/user-1/old"));

    // Assess
    expect(result.statusCode).toBe(403);
    expect(JSON.parse(result.body).error.code).toBe("unknown_tenant");
    expect(outcome.records).toEqual([expect.objectContaining({ outcome: "skipped", why: "unknown-tenant" })]);
    expect(
      await s3.send(new HeadObjectCommand({ Bucket: CLEAN, Key: "globex/user-1/old" })).catch((e: Error) => e.name),
    ).toBe("NotFound");
  });

  it.each(["shared-co"])("uploads and scrubs %s's objects as the functions themselves", async (tenant) => {
    // Prepare
    const { target, status } = await browserPut(tenant, jpeg);

    // Act
    const outcome = await scrub(await created(target.key));

    // Assess
    expect(status).toBe(200);
    expect(signer(target.url)).toBe(uploadKeyId);
    expect(outcome.records.map((r) => r.outcome)).toEqual(["scrubbed"]);
    expect(await keyOf(ORIGINALS, target.key)).toBe(ORIGINALS_KEY);
    expect(await keyOf(CLEAN, target.key)).toBe(CLEAN_KEY);
    expect(requestsFor(target.key).every((r) => r.client === "function")).toBe(true);
  });
});

describe("failback of a tenant's objects", () => {
  it.each([
    ["acme", ACME_KEY, "tenant"],
    ["shared-co", CLEAN_KEY, "function"],
  ] as const)(
    "brings %s's object written during the outage back under %s, written by the %s's credentials",
    async (tenant, expectedKey, writer) => {
      // Prepare: during the outage, the object was written in the commercial failover bucket.
      const key = `${tenant}/user-1/during-outage`;
      const since = new Date(Date.now() - 5000);
      await s3.send(
        new PutObjectCommand({
          Bucket: FAILOVER,
          Key: key,
          Body: jpeg,
          Tagging: "data-class=avatars-clean",
          ServerSideEncryption: "aws:kms",
          SSEKMSKeyId: CLEAN_KEY,
        }),
      );
      const operator = recording(
        scrubClient(
          parseScrubEnv({ CLEAN_BUCKET: CLEAN, S3_ENDPOINT: gateway().endpoint, AWS_REGION: gateway().region }),
        ),
        "function",
      );

      // Act
      const result = await failback({
        source: { client: s3, partition: "aws", bucket: FAILOVER },
        target: { client: operator, partition: "aws-eusc", bucket: CLEAN, kmsKeyId: CLEAN_KEY },
        since,
        prefix: `${tenant}/`,
        policy: { allowedDataClasses: ["avatars-clean"] },
        tenants: directory,
      });

      // Assess
      expect(result.outcomes.map((o) => o.outcome)).toEqual(["copied"]);
      expect(await keyOf(CLEAN, key)).toBe(expectedKey);
      expect(
        requestsFor(key)
          .filter((r) => r.command === "PutObjectCommand")
          .map((r) => r.client),
      ).toEqual([writer]);
    },
  );

  it("leaves a tenant whose key is pending deletion where it is: it is being shredded", async () => {
    // Prepare
    const key = "shredded/user-1/during-outage";
    const since = new Date(Date.now() - 5000);
    await s3.send(
      new PutObjectCommand({
        Bucket: FAILOVER,
        Key: key,
        Body: jpeg,
        Tagging: "data-class=avatars-clean",
        ServerSideEncryption: "aws:kms",
        SSEKMSKeyId: CLEAN_KEY,
      }),
    );

    // Act
    const result = await failback({
      source: { client: s3, partition: "aws", bucket: FAILOVER },
      target: { client: s3, partition: "aws-eusc", bucket: CLEAN, kmsKeyId: CLEAN_KEY },
      since,
      prefix: "shredded/",
      policy: { allowedDataClasses: ["avatars-clean"] },
      tenants: directory,
    });

    // Assess
    expect(result.outcomes).toEqual([
      { key, change: "write", outcome: "skipped", reason: "tenant-key-pending-deletion" },
    ]);
    expect(await s3.send(new HeadObjectCommand({ Bucket: CLEAN, Key: key })).catch((e: Error) => e.name)).toBe(
      "NotFound",
    );
  });
});
