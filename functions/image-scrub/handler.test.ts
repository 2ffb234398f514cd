/**
 * The scrub handler against an in-memory S3 (the client's `send` answered by a fake store): event
 * shapes (AWS and RADOS Gateway), outcomes, idempotence, skips and error propagation. What S3 itself
 * does is tested against the real gateway in scrub.rgw.test.ts.
 */
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it, vi } from "vitest";
import { SCRUBBER_VERSION, scrubBuffer } from "./scrubber";
import { TenantDirectory } from "../shared/tenant-directory";
import { type FakeKms, fakes, PREFIX } from "../../test/support/shared/tenant-fixtures";
import { parseScrubEnv, ScrubConfigError, type ScrubEnv, scrubConfig } from "./env";
import { createScrubHandler, type ScrubBatchResult } from "./handler";
import {
  DHT,
  DQT,
  EOI,
  exifApp1,
  exifTiff,
  JFIF,
  riff,
  riffChunk,
  SOI,
  sof,
  sos,
  vp8Payload,
  vp8x,
} from "../../test/support/image-scrub/fixtures";

vi.hoisted(() => {
  // handler.ts parses the environment at import, as in Lambda.
  process.env.CLEAN_BUCKET = "clean";
  process.env.AWS_REGION = "eusc-de-east-1";
});

const ORIGINALS = "originals";
const CLEAN = "clean";
const KMS = "arn:aws-eusc:kms:eusc-de-east-1:111122223333:key/66666666-7777-4888-9999-000000000000";

const jpeg = Buffer.concat([SOI, JFIF, exifApp1(6), DQT, DHT, sof(0xc0, 16, 16), sos(), Buffer.from([0x00]), EOI]);
const truncated = jpeg.subarray(0, jpeg.length - 3);
const webp = riff([vp8x(0x08, 10, 10), riffChunk("VP8 ", vp8Payload(10, 10)), riffChunk("EXIF", exifTiff())]);

// ---------------------------------------------------------------------------------------------------
// In-memory S3

interface StoredVersion {
  readonly versionId: string;
  readonly body: Buffer;
  readonly etag: string;
  readonly metadata: Record<string, string>;
  readonly contentType: string | undefined;
  readonly sse: string | undefined;
  readonly kmsKeyId: string | undefined;
  tags: { Key: string; Value: string }[];
}

type Input = Record<string, unknown>;

function s3Error(name: string, status: number): Error {
  return Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
}

async function readAll(body: unknown): Promise<Buffer> {
  if (body instanceof Uint8Array) return Buffer.from(body);
  const parts: Buffer[] = [];
  for await (const piece of body as AsyncIterable<Uint8Array>) parts.push(Buffer.from(piece));
  return Buffer.concat(parts);
}

class FakeS3 {
  readonly objects = new Map<string, StoredVersion[]>();
  readonly sent: { name: string; input: Input }[] = [];
  readonly fail = new Map<string, Error>();
  private counter = 0;

  put(
    bucket: string,
    key: string,
    body: Buffer,
    options: { metadata?: Record<string, string>; tags?: Record<string, string>; kms?: boolean } = {},
  ): StoredVersion {
    const version: StoredVersion = {
      versionId: `v${++this.counter}`,
      body,
      etag: createHash("md5").update(body).digest("hex"),
      metadata: options.metadata ?? {},
      contentType: undefined,
      sse: options.kms ? "aws:kms" : undefined,
      kmsKeyId: options.kms ? KMS : undefined,
      tags: Object.entries(options.tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
    };
    const id = `${bucket}/${key}`;
    this.objects.set(id, [...(this.objects.get(id) ?? []), version]);
    return version;
  }

  versions(bucket: string, key: string): StoredVersion[] {
    return this.objects.get(`${bucket}/${key}`) ?? [];
  }

  latest(bucket: string, key: string): StoredVersion | undefined {
    return this.versions(bucket, key).at(-1);
  }

  tags(bucket: string, key: string): Record<string, string> {
    return Object.fromEntries((this.latest(bucket, key)?.tags ?? []).map((t) => [t.Key, t.Value]));
  }

  names(): string[] {
    return this.sent.map((s) => s.name);
  }

  private find(input: Input, notFound = "NoSuchKey"): StoredVersion {
    const all = this.versions(String(input.Bucket), String(input.Key));
    const found = input.VersionId === undefined ? all.at(-1) : all.find((v) => v.versionId === input.VersionId);
    if (found === undefined) throw s3Error(input.VersionId === undefined ? notFound : "NoSuchVersion", 404);
    return found;
  }

  async send(command: { constructor: { name: string }; input: Input }): Promise<unknown> {
    const name = command.constructor.name.replace(/Command$/, "");
    const input = command.input;
    this.sent.push({ name, input });
    const failure = this.fail.get(name);
    if (failure !== undefined) throw failure;
    switch (name) {
      case "HeadObject": {
        const v = this.find(input, "NotFound");
        return { Metadata: v.metadata, ETag: `"${v.etag}"`, VersionId: v.versionId, ContentType: v.contentType };
      }
      case "GetObject": {
        const v = this.find(input);
        if (input.IfMatch !== undefined && input.IfMatch !== `"${v.etag}"`) throw s3Error("PreconditionFailed", 412);
        const pieces = Array.from({ length: Math.ceil(v.body.length / 7) }, (_, i) =>
          v.body.subarray(i * 7, i * 7 + 7),
        );
        return {
          Body: Readable.from(pieces),
          ETag: `"${v.etag}"`,
          VersionId: v.versionId,
          ContentLength: v.body.length,
          ServerSideEncryption: v.sse,
          SSEKMSKeyId: v.kmsKeyId,
        };
      }
      case "PutObject": {
        const body = await readAll(input.Body);
        if (input.ContentLength !== undefined && input.ContentLength !== body.length)
          throw s3Error("IncompleteBody", 400);
        if (input.ContentMD5 !== undefined && input.ContentMD5 !== createHash("md5").update(body).digest("base64"))
          throw s3Error("BadDigest", 400);
        const tags = Object.fromEntries(new URLSearchParams(String(input.Tagging ?? "")));
        const v = this.put(String(input.Bucket), String(input.Key), body, {
          metadata: input.Metadata as Record<string, string>,
          tags,
        });
        Object.assign(v, {
          contentType: input.ContentType,
          sse: input.ServerSideEncryption,
          kmsKeyId: input.SSEKMSKeyId,
        });
        return { ETag: `"${v.etag}"`, VersionId: v.versionId };
      }
      case "CopyObject": {
        const [, bucket, key, version] = /^([^/]+)\/([^?]+)(?:\?versionId=(.+))?$/.exec(String(input.CopySource)) ?? [];
        const source = this.find({
          Bucket: bucket,
          Key: decodeURIComponent(key ?? ""),
          VersionId: version === undefined ? undefined : decodeURIComponent(version),
        });
        const tags = Object.fromEntries(new URLSearchParams(String(input.Tagging ?? "")));
        const v = this.put(String(input.Bucket), String(input.Key), source.body, {
          metadata: input.Metadata as Record<string, string>,
          tags,
        });
        Object.assign(v, { contentType: input.ContentType });
        return { CopyObjectResult: { ETag: `"${v.etag}"` }, VersionId: v.versionId };
      }
      case "GetObjectTagging":
        return { TagSet: this.find(input).tags };
      case "PutObjectTagging": {
        this.find(input).tags = (input.Tagging as { TagSet: { Key: string; Value: string }[] }).TagSet;
        return {};
      }
      default:
        throw new Error(`FakeS3: unexpected ${name}`);
    }
  }
}

function setup(
  envOverrides: Record<string, string> = {},
  tenants?: TenantDirectory<S3Client>,
): { s3: FakeS3; handle: (event: unknown) => Promise<ScrubBatchResult>; env: ScrubEnv } {
  const fake = new FakeS3();
  const client = new S3Client({
    region: "eusc-de-east-1",
    credentials: { accessKeyId: "AKID", secretAccessKey: "secret" },
  });
  vi.spyOn(client, "send").mockImplementation(((command: { constructor: { name: string }; input: Input }) =>
    fake.send(command)) as unknown as S3Client["send"]);
  const env = parseScrubEnv({ CLEAN_BUCKET: CLEAN, MAX_PIXELS: "1000000", ...envOverrides });
  const logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: () => undefined,
    with: () => logger,
  };
  return {
    s3: fake,
    handle: createScrubHandler({
      s3: client,
      config: scrubConfig(env),
      logger,
      ...(tenants === undefined ? {} : { tenants }),
    }),
    env,
  };
}

// ---------------------------------------------------------------------------------------------------
// Event fixtures

function awsEvent(
  key: string,
  options: { versionId?: string; eTag?: string; size?: number; eventName?: string; bucket?: string } = {},
) {
  return {
    Records: [
      {
        eventVersion: "2.1",
        eventSource: "aws:s3",
        awsRegion: "eusc-de-east-1",
        eventTime: "2026-11-23T10:00:00.000Z",
        eventName: options.eventName ?? "ObjectCreated:Put",
        userIdentity: { principalId: "AWS:AROAEXAMPLE" },
        s3: {
          s3SchemaVersion: "1.0",
          configurationId: "scrub",
          bucket: { name: options.bucket ?? ORIGINALS, arn: `arn:aws:s3:::${options.bucket ?? ORIGINALS}` },
          object: {
            key,
            size: options.size ?? 100,
            eTag: options.eTag ?? "0123",
            ...(options.versionId === undefined ? {} : { versionId: options.versionId }),
            sequencer: "0055AED6DCD90281E5",
          },
        },
      },
    ],
  };
}

/** As the RADOS Gateway 16.2 pushes it (DESIGN.md §7, captured in scrub.rgw.test.ts): raw key, empty region and version. */
function rgwEvent(
  key: string,
  options: { versionId?: string; eTag?: string; metadata?: { key: string; val: string }[]; eventName?: string } = {},
) {
  return {
    Records: [
      {
        eventVersion: "2.2",
        eventSource: "ceph:s3",
        awsRegion: "",
        eventTime: "2026-11-23T10:22:57.957641Z",
        eventName: options.eventName ?? "ObjectCreated:Post",
        userIdentity: { principalId: "test" },
        requestParameters: { sourceIPAddress: "" },
        responseElements: { "x-amz-request-id": "c0be2348.4114.1", "x-amz-id-2": "1012-default-default" },
        s3: {
          s3SchemaVersion: "1.0",
          configurationId: "scrub",
          bucket: {
            name: ORIGINALS,
            ownerIdentity: { principalId: "test" },
            arn: `arn:aws:s3:::${ORIGINALS}`,
            id: "c0be2348.4116.1",
          },
          object: {
            key,
            size: 537,
            eTag: options.eTag ?? "c6e1119ff430ff2da3e0c3fc59d822a0",
            versionId: options.versionId ?? "",
            sequencer: "0114046B54881439",
            metadata: options.metadata ?? [],
            tags: [],
          },
        },
        eventId: "1795429377.957646.c6e1119ff430ff2da3e0c3fc59d822a0",
        opaqueData: "",
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------------

describe("parseScrubEnv", () => {
  it("applies the defaults", () => {
    // Act
    const env = parseScrubEnv({ CLEAN_BUCKET: "clean" });

    // Assess
    expect(env).toMatchObject({
      CLEAN_BUCKET: "clean",
      QUARANTINE_PREFIX: "quarantine/",
      MAX_INPUT_BYTES: 64 * 1024 * 1024,
      MAX_PIXELS: 100_000_000,
      ALLOWED_TYPES: ["jpeg", "png", "webp"],
      S3_FORCE_PATH_STYLE: false,
    });
  });

  it("accepts media types in ALLOWED_TYPES and an endpoint with path style", () => {
    // Act
    const env = parseScrubEnv({
      CLEAN_BUCKET: "clean",
      ALLOWED_TYPES: "image/jpeg, WEBP,jpg",
      S3_ENDPOINT: "http://127.0.0.1:8000",
      MAX_INPUT_BYTES: "1024",
    });

    // Assess
    expect(env).toMatchObject({
      ALLOWED_TYPES: ["jpeg", "webp"],
      S3_ENDPOINT: "http://127.0.0.1:8000",
      S3_FORCE_PATH_STYLE: true,
      MAX_INPUT_BYTES: 1024,
    });
  });

  it("lists every problem", () => {
    // Act
    const attempt = () =>
      parseScrubEnv({
        CLEAN_BUCKET: "Not_A_Bucket",
        MAX_PIXELS: "-1",
        ALLOWED_TYPES: "gif",
        QUARANTINE_PREFIX: "../q",
      });

    // Assess
    expect(attempt).toThrow(ScrubConfigError);
    expect(attempt).toThrow(
      /CLEAN_BUCKET.*MAX_PIXELS.*ALLOWED_TYPES.*QUARANTINE_PREFIX|CLEAN_BUCKET.*QUARANTINE_PREFIX.*MAX_PIXELS.*ALLOWED_TYPES/,
    );
  });
});

describe("scrub handler", () => {
  it("scrubs an AWS event's object version into the clean bucket under the decoded key", async () => {
    // Prepare
    const { s3, handle } = setup();
    const key = "acme/user-1/my photo+1.jpg";
    const original = s3.put(ORIGINALS, key, jpeg, { tags: { "data-class": "avatar" }, kms: true });
    const expected = await scrubBuffer(jpeg);

    // Act
    const outcome = await handle(
      awsEvent("acme/user-1/my+photo%2B1.jpg", { versionId: original.versionId, eTag: original.etag }),
    );

    // Assess
    expect(outcome.records).toMatchObject([{ outcome: "scrubbed", key, versionId: original.versionId }]);
    const clean = s3.latest(CLEAN, key);
    expect(clean?.body).toEqual(expected.bytes);
    expect(clean?.contentType).toBe("image/jpeg");
    expect(clean?.metadata).toEqual({
      "scrub-source-bucket": ORIGINALS,
      "scrub-source-sha256": expected.result.originalSha256,
      "scrub-source-version-id": original.versionId,
      "scrub-source-etag": original.etag,
      "scrub-detected-type": "jpeg",
      "scrub-orientation": "6",
      "scrub-orientation-preserved": "true",
      "scrub-scrubber-version": SCRUBBER_VERSION,
    });
    expect(s3.tags(ORIGINALS, key)).toEqual({ "data-class": "avatar", "scrub-status": "processed" });
    expect(s3.sent.filter((s) => s.name === "GetObject").map((s) => s.input.VersionId)).toEqual([original.versionId]);
  });

  it("takes a RADOS Gateway event's raw key and empty version, pinning the version the first read saw", async () => {
    // Prepare
    const { s3, handle } = setup();
    const key = "acme/user-1/a b+c.jpg";
    const original = s3.put(ORIGINALS, key, jpeg);

    // Act
    const outcome = await handle(rgwEvent(key, { eTag: original.etag }));

    // Assess
    expect(outcome.records).toMatchObject([{ outcome: "scrubbed", key, versionId: original.versionId }]);
    expect(s3.latest(CLEAN, key)?.metadata["scrub-source-version-id"]).toBe(original.versionId);
    expect(s3.tags(ORIGINALS, key)).toEqual({ "scrub-status": "processed" });
  });

  it("reads a WebP twice through the opener, the second time pinned to the same version and ETag", async () => {
    // Prepare
    const { s3, handle } = setup();
    const original = s3.put(ORIGINALS, "acme/user-1/w", webp);

    // Act
    const outcome = await handle(awsEvent("acme/user-1/w", { versionId: original.versionId }));

    // Assess
    expect(outcome.records).toMatchObject([{ outcome: "scrubbed" }]);
    const gets = s3.sent.filter((s) => s.name === "GetObject").map((s) => s.input);
    expect(gets).toEqual([
      { Bucket: ORIGINALS, Key: "acme/user-1/w", VersionId: original.versionId },
      { Bucket: ORIGINALS, Key: "acme/user-1/w", VersionId: original.versionId, IfMatch: `"${original.etag}"` },
    ]);
    expect(s3.latest(CLEAN, "acme/user-1/w")?.body.includes("EXIF")).toBe(false);
  });

  it("quarantines a truncated image with its reason and writes nothing to the clean bucket", async () => {
    // Prepare
    const { s3, handle } = setup();
    const key = "acme/user-1/broken";
    const original = s3.put(ORIGINALS, key, truncated, { tags: { "data-class": "avatar" } });

    // Act
    const outcome = await handle(awsEvent(key, { versionId: original.versionId }));

    // Assess
    expect(outcome.records).toMatchObject([
      { outcome: "quarantined", reason: "truncated", quarantineKey: `quarantine/${key}` },
    ]);
    expect(s3.versions(CLEAN, key)).toEqual([]);
    expect(s3.sent.some((s) => s.name === "PutObject" && s.input.Bucket === CLEAN)).toBe(false);
    const copy = s3.latest(ORIGINALS, `quarantine/${key}`);
    expect(copy?.body).toEqual(truncated);
    expect(copy?.metadata).toMatchObject({
      "scrub-quarantine-reason": "truncated",
      "scrub-source-version-id": original.versionId,
      "scrub-scrubber-version": SCRUBBER_VERSION,
    });
    expect(copy?.metadata["scrub-quarantine-message"]).toMatch(/entropy-coded/);
    expect(s3.tags(ORIGINALS, `quarantine/${key}`)).toEqual({ "scrub-status": "quarantined" });
    expect(s3.tags(ORIGINALS, key)).toEqual({ "data-class": "avatar", "scrub-status": "quarantined" });
  });

  it.each([
    ["a disallowed type", { ALLOWED_TYPES: "png" }, jpeg, "disallowed-type"],
    ["an input over MAX_INPUT_BYTES", { MAX_INPUT_BYTES: "100" }, jpeg, "too-large"],
    [
      "an image over MAX_PIXELS",
      {},
      Buffer.concat([SOI, JFIF, DQT, DHT, sof(0xc0, 2000, 2000), sos(), Buffer.from([0x00]), EOI]),
      "too-many-pixels",
    ],
    ["a PDF", {}, Buffer.from("%PDF-1.7\n%secret\n"), "disallowed-type"],
    ["an empty object", {}, Buffer.alloc(0), "empty"],
  ] as const)("quarantines %s", async (_what, env, body, reason) => {
    // Prepare
    const { s3, handle } = setup(env);
    const original = s3.put(ORIGINALS, "k", Buffer.from(body));

    // Act
    const outcome = await handle(awsEvent("k", { versionId: original.versionId }));

    // Assess
    expect(outcome.records).toMatchObject([{ outcome: "quarantined", reason }]);
    expect(s3.versions(CLEAN, "k")).toEqual([]);
  });

  it("quarantines into a configured bucket and prefix", async () => {
    // Prepare
    const { s3, handle } = setup({ QUARANTINE_BUCKET: "held", QUARANTINE_PREFIX: "rejected/" });
    const original = s3.put(ORIGINALS, "k", truncated);

    // Act
    await handle(awsEvent("k", { versionId: original.versionId }));

    // Assess
    expect(s3.latest("held", "rejected/k")?.metadata["scrub-quarantine-reason"]).toBe("truncated");
  });

  it("streams the original to quarantine when the server cannot copy it", async () => {
    // Prepare
    const { s3, handle } = setup();
    const original = s3.put(ORIGINALS, "k", truncated, { kms: true });
    s3.fail.set("CopyObject", s3Error("NotImplemented", 501));

    // Act
    const outcome = await handle(awsEvent("k", { versionId: original.versionId }));

    // Assess
    expect(outcome.records).toMatchObject([{ outcome: "quarantined", reason: "truncated" }]);
    const copy = s3.latest(ORIGINALS, "quarantine/k");
    expect(copy?.body).toEqual(truncated);
    expect(copy).toMatchObject({ sse: "aws:kms", kmsKeyId: KMS });
    expect(copy?.metadata["scrub-quarantine-reason"]).toBe("truncated");
  });

  it("skips a version it has already scrubbed, writing nothing again", async () => {
    // Prepare
    const { s3, handle } = setup();
    const original = s3.put(ORIGINALS, "k", jpeg);
    const event = awsEvent("k", { versionId: original.versionId });
    await handle(event);
    const before = s3.versions(CLEAN, "k");

    // Act
    const again = await handle(event);

    // Assess
    expect(again.records).toMatchObject([{ outcome: "skipped", why: "already-scrubbed" }]);
    expect(s3.versions(CLEAN, "k")).toEqual(before);
    expect(before).toHaveLength(1);
  });

  it("skips a version it has already quarantined", async () => {
    // Prepare
    const { s3, handle } = setup();
    const original = s3.put(ORIGINALS, "k", truncated);
    const event = awsEvent("k", { versionId: original.versionId });
    await handle(event);

    // Act
    const again = await handle(event);

    // Assess
    expect(again.records).toMatchObject([{ outcome: "skipped", why: "already-quarantined" }]);
    expect(s3.versions(ORIGINALS, "quarantine/k")).toHaveLength(1);
  });

  it("scrubs a new version of a key that was scrubbed before", async () => {
    // Prepare
    const { s3, handle } = setup();
    const first = s3.put(ORIGINALS, "k", jpeg);
    await handle(awsEvent("k", { versionId: first.versionId }));
    const second = s3.put(ORIGINALS, "k", webp);

    // Act
    const outcome = await handle(awsEvent("k", { versionId: second.versionId }));

    // Assess
    expect(outcome.records).toMatchObject([{ outcome: "scrubbed" }]);
    expect(s3.latest(CLEAN, "k")?.metadata["scrub-detected-type"]).toBe("webp");
  });

  it.each([
    ["a key under the quarantine prefix", awsEvent("quarantine/acme/user-1/x"), "quarantine-prefix"],
    ["an event from the clean bucket", awsEvent("acme/user-1/x", { bucket: CLEAN }), "clean-bucket"],
    [
      "an object the scrubber wrote (gateway metadata)",
      rgwEvent("acme/x", { metadata: [{ key: "x-amz-meta-scrub-scrubber-version", val: SCRUBBER_VERSION }] }),
      "written-by-scrubber",
    ],
    [
      "an event that is not ObjectCreated",
      awsEvent("acme/user-1/x", { eventName: "ObjectRemoved:Delete" }),
      "not-object-created",
    ],
  ])("skips %s without reading it", async (_what, event, why) => {
    // Prepare
    const { s3, handle } = setup();

    // Act
    const outcome = await handle(event);

    // Assess
    expect(outcome.records).toMatchObject([{ outcome: "skipped", why }]);
    expect(s3.sent).toEqual([]);
  });

  it("accepts the gateway's s3:-prefixed event names", async () => {
    // Prepare
    const { s3, handle } = setup();
    const original = s3.put(ORIGINALS, "k", jpeg);

    // Act
    const outcome = await handle(rgwEvent("k", { eventName: "s3:ObjectCreated:Put", versionId: original.versionId }));

    // Assess
    expect(outcome.records).toMatchObject([{ outcome: "scrubbed" }]);
  });

  it("skips an object deleted before it was read", async () => {
    // Prepare
    const { handle } = setup();

    // Act
    const outcome = await handle(awsEvent("gone", { versionId: "v9" }));

    // Assess
    expect(outcome.records).toMatchObject([{ outcome: "skipped", why: "object-gone" }]);
  });

  it("rethrows an S3 failure after trying the other records, so that Lambda retries the event", async () => {
    // Prepare
    const { s3, handle } = setup();
    const good = s3.put(ORIGINALS, "good", jpeg);
    const bad = s3.put(ORIGINALS, "bad", jpeg);
    const event = {
      Records: [
        ...awsEvent("bad", { versionId: bad.versionId }).Records,
        ...awsEvent("good", { versionId: good.versionId }).Records,
      ],
    };
    const original = s3.send.bind(s3);
    vi.spyOn(s3, "send").mockImplementation(async (command) => {
      if (command.constructor.name === "GetObjectCommand" && command.input.Key === "bad")
        throw s3Error("InternalError", 500);
      return original(command);
    });

    // Act
    const attempt = handle(event);

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: "InternalError" });
    expect(s3.versions(CLEAN, "bad")).toEqual([]);
    expect(s3.versions(CLEAN, "good")).toHaveLength(1);
  });

  it("rethrows every failure of a batch as an AggregateError", async () => {
    // Prepare
    const { s3, handle } = setup();
    s3.fail.set("HeadObject", s3Error("AccessDenied", 403));
    const event = { Records: [...awsEvent("a").Records, ...awsEvent("b").Records] };

    // Act
    const attempt = handle(event);

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(AggregateError);
    await expect(attempt).rejects.toMatchObject({ errors: [{ name: "AccessDenied" }, { name: "AccessDenied" }] });
  });

  it("never writes to the clean bucket when the clean write is what fails", async () => {
    // Prepare
    const { s3, handle } = setup();
    const original = s3.put(ORIGINALS, "k", jpeg);
    s3.fail.set("PutObject", s3Error("SlowDown", 503));

    // Act
    const attempt = handle(awsEvent("k", { versionId: original.versionId }));

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: "SlowDown" });
    expect(s3.versions(CLEAN, "k")).toEqual([]);
    expect(s3.tags(ORIGINALS, "k")).toEqual({});
  });

  it("rejects an event that is not an S3 notification", async () => {
    // Prepare
    const { handle } = setup();

    // Act
    const attempt = handle({ Records: [{ eventName: "ObjectCreated:Put", s3: { bucket: {} } }] });

    // Assess
    await expect(attempt).rejects.toThrow(/not an S3 notification/);
  });

  it("is exported as the Lambda entry point, configured from the environment", async () => {
    // Act
    const module = await import("./handler");

    // Assess
    expect(typeof module.handler).toBe("function");
  });
});

describe("scrub handler: logical-tier tenants", () => {
  /** A directory whose tenant clients would fail loudly if used: these cases must not reach them. */
  function tenantSetup(configure: (kms: FakeKms) => void) {
    const f = fakes();
    configure(f.kms);
    const tenants = new TenantDirectory<S3Client>({
      keyAliasPrefix: PREFIX,
      roleNamePrefix: "example-tenant-",
      kms: f.kms,
      assumeRole: f.assumeRole,
      sessionName: "example-scrub",
      clientFor: () => {
        throw new Error("no tenant client in these cases");
      },
    });
    return { ...setup({}, tenants), f };
  }

  it("skips a tenant's object while the tenant's key is pending deletion (it is being shredded), writing nothing", async () => {
    // Prepare
    const { s3, handle, f } = tenantSetup((kms) => kms.add("acme", { keyState: "PendingDeletion" }));
    const version = s3.put(ORIGINALS, "acme/user-1/a.jpg", jpeg);

    // Act
    const result = await handle(awsEvent("acme/user-1/a.jpg", { versionId: version.versionId, eTag: version.etag }));

    // Assess
    expect(result.records.map((r) => (r.outcome === "skipped" ? r.why : r.outcome))).toEqual([
      "tenant-key-pending-deletion",
    ]);
    expect(s3.versions(CLEAN, "acme/user-1/a.jpg")).toEqual([]);
    expect(f.assumeRole.calls).toEqual([]);
  });

  it("fails the record (so Lambda retries) when the tenant directory cannot answer, writing nothing", async () => {
    // Prepare
    const { s3, handle } = tenantSetup((kms) => {
      kms.error = Object.assign(new Error("throttled"), { name: "ThrottlingException" });
    });
    const version = s3.put(ORIGINALS, "acme/user-1/a.jpg", jpeg);

    // Act
    const outcome = handle(awsEvent("acme/user-1/a.jpg", { versionId: version.versionId, eTag: version.etag }));

    // Assess
    await expect(outcome).rejects.toThrow(/throttled/);
    expect(s3.versions(CLEAN, "acme/user-1/a.jpg")).toEqual([]);
  });

  it("handles an object whose first segment cannot name a tenant as the function itself", async () => {
    // Prepare
    const { s3, handle, f } = tenantSetup(() => undefined);
    const version = s3.put(ORIGINALS, "a.jpg", jpeg);

    // Act
    const result = await handle(awsEvent("a.jpg", { versionId: version.versionId, eTag: version.etag }));

    // Assess
    expect(result.records.map((r) => r.outcome)).toEqual(["scrubbed"]);
    expect(f.kms.aliasesAsked).toEqual([]);
  });
});
