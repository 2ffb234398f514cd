/**
 * End to end through a real S3 server (Ceph RADOS Gateway, DESIGN.md §7): a client uploads through a
 * pre-signed POST issued by the upload Lambda handler (over the upload core); the gateway's own bucket
 * notification (SNS-style topic with push-endpoint) delivers the event over HTTP to a server in this
 * test, which invokes the scrub Lambda handler. Both handlers are configured from the environment at
 * import, as in Lambda.
 *
 * Measured gateway behaviour (Ceph 16.2) the handler relies on: keys arrive raw (not URL-encoded),
 * POST uploads have an empty `versionId`, the request's x-amz-meta-* arrive as `object.metadata`, and
 * CopyObject of an SSE-KMS object answers NotImplemented (the handler streams the copy instead).
 */
import {
  CreateBucketCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { useRadosGateway } from "../../test/s3/lifecycle";
import { submitForm, uploadApiEvent } from "../../test/s3/browser-upload";
import { type NotificationPush, pushNotifications } from "../../test/s3/notifications";
import type { PresignedPost } from "../upload-presign/presign";
import type { HttpApiResult } from "../shared/http-api";
import { SCRUBBER_VERSION, scrubBuffer } from "./scrubber";
import { EXIF_HEADER, minimalExifTiff } from "./exif";
import type { ScrubBatchResult } from "./handler";
import { DHT, DQT, EOI, exifApp1, JFIF, jpegSegments, SOI, sof, sos } from "../../test/support/image-scrub/fixtures";

const AVATAR_KEY = "arn:aws-eusc:kms:eusc-de-east-1:111122223333:key/66666666-7777-4888-9999-000000000000";
const ORIGINALS = "scrub-originals";
const CLEAN = "scrub-clean";
const claims = { tenant: "acme", subject: "user-1" };

const gateway = useRadosGateway({ name: "scrub", region: "eusc-de-east-1", kmsKeys: [AVATAR_KEY] });

/** A 16x16 baseline JPEG with a full EXIF block (make, model, serial, dates, GPS IFD, MakerNote, thumbnail) and Orientation 6. */
const jpegWithGps = Buffer.concat([
  SOI,
  JFIF,
  exifApp1(6),
  DQT,
  DHT,
  sof(0xc0, 16, 16),
  sos(),
  Buffer.from([0x00]),
  EOI,
]);
/** The same JPEG cut inside its scan: no EOI. */
const truncatedJpeg = jpegWithGps.subarray(0, jpegWithGps.length - 3);

let s3: S3Client;
let push: NotificationPush<ScrubBatchResult>;
let handler: (event: unknown) => Promise<ScrubBatchResult>;
let uploadHandler: (event: unknown) => Promise<HttpApiResult>;

beforeAll(async () => {
  const g = gateway();
  s3 = g.client();

  // The handler reads its configuration from the environment at import, as in Lambda.
  vi.stubEnv("CLEAN_BUCKET", CLEAN);
  vi.stubEnv("CLEAN_DATA_CLASS", "avatars-clean");
  vi.stubEnv("QUARANTINE_PREFIX", "quarantine/");
  vi.stubEnv("MAX_INPUT_BYTES", String(1024 * 1024));
  vi.stubEnv("MAX_PIXELS", "1000000");
  vi.stubEnv("ALLOWED_TYPES", "jpeg,png,webp");
  vi.stubEnv("S3_ENDPOINT", g.endpoint);
  vi.stubEnv("AWS_REGION", g.region);
  vi.stubEnv("AWS_ACCESS_KEY_ID", g.accessKeyId);
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", g.secretAccessKey);
  vi.stubEnv("LOG_LEVEL", "warn");
  vi.stubEnv("UPLOAD_BUCKET", ORIGINALS);
  vi.stubEnv("ALLOWED_CONTENT_TYPES", "image/jpeg,image/png,image/webp");
  vi.stubEnv("MAX_SIZE_BYTES", String(64 * 1024));
  vi.stubEnv("EXPIRY_SECONDS", "60");
  vi.stubEnv("KMS_KEY_ARNS", JSON.stringify({ avatar: AVATAR_KEY }));
  // KMS (GenerateMac for the subjects' pseudonyms) does not run here: keys keep the subject.
  vi.stubEnv("PSEUDONYMIZE_SUBJECTS", "false");
  handler = (await import("./handler")).handler;
  uploadHandler = (await import("../upload-presign/handler")).handler;

  await s3.send(new CreateBucketCommand({ Bucket: ORIGINALS }));
  await s3.send(new CreateBucketCommand({ Bucket: CLEAN }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: ORIGINALS, VersioningConfiguration: { Status: "Enabled" } }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: CLEAN, VersioningConfiguration: { Status: "Enabled" } }));

  // The gateway's own bucket notification pushes each ObjectCreated event to the handler.
  push = await pushNotifications(g, ORIGINALS, "scrub", handler);
});

afterAll(async () => {
  await push?.close();
  vi.unstubAllEnvs();
});

/** Asks the upload Lambda (HTTP API event with verified JWT claims) for a pre-signed POST and submits the form like a browser. */
async function upload(file: Buffer, fileName: string): Promise<PresignedPost> {
  const request = { fileName, contentType: "image/jpeg", sizeBytes: file.length, dataClass: "avatar" };
  const issued = await uploadHandler(uploadApiEvent(claims, request));
  expect(issued.statusCode).toBe(200);
  const { post, status } = await submitForm(issued, file, fileName);
  expect(status).toBe(204);
  return post;
}

/** The first delivery about `key` (the gateway pushes while the upload request is answered). */
const deliveryFor = (key: string) => push.deliveryFor(key);

async function bytesOf(bucket: string, key: string, versionId?: string): Promise<Buffer> {
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
  return Buffer.from((await got.Body?.transformToByteArray()) ?? new Uint8Array());
}

async function tagsOf(bucket: string, key: string): Promise<Record<string, string>> {
  const tagging = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }));
  return Object.fromEntries((tagging.TagSet ?? []).map((t) => [t.Key, t.Value]));
}

async function cleanVersions(key: string): Promise<number> {
  const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: CLEAN, Prefix: key }));
  return (listed.Versions ?? []).filter((v) => v.Key === key).length;
}

describe("scrub handler behind the gateway's bucket notification", () => {
  it("scrubs an uploaded JPEG into the clean bucket under the same key and tags the original", async () => {
    // Prepare
    const expected = await scrubBuffer(jpegWithGps);

    // Act
    const post = await upload(jpegWithGps, "holiday.jpg");
    const delivery = await deliveryFor(post.key);
    const outcome = await delivery.done;

    // Assess
    expect(outcome.records).toHaveLength(1);
    expect(outcome.records[0]?.outcome).toBe("scrubbed");
    const original = await s3.send(new HeadObjectCommand({ Bucket: ORIGINALS, Key: post.key }));
    const clean = await bytesOf(CLEAN, post.key);
    expect(clean).toEqual(expected.bytes);
    const app1 = jpegSegments(clean).filter((s) => s.marker === 0xe1);
    expect(app1.map((s) => s.data)).toEqual([Buffer.concat([EXIF_HEADER, minimalExifTiff(6)])]);
    for (const secret of ["Canon", "SN-0123456789", "MakerNoteSecret", "2024:05:17"])
      expect(clean.includes(secret)).toBe(false);
    expect(clean.includes(Buffer.from([0x88, 0x25]))).toBe(false); // GPS IFD pointer tag
    const head = await s3.send(new HeadObjectCommand({ Bucket: CLEAN, Key: post.key }));
    expect(head.ContentType).toBe("image/jpeg");
    expect(head.Metadata).toEqual({
      "scrub-source-bucket": ORIGINALS,
      "scrub-source-sha256": expected.result.originalSha256,
      "scrub-source-version-id": original.VersionId,
      "scrub-source-etag": original.ETag?.replace(/"/g, ""),
      "scrub-detected-type": "jpeg",
      "scrub-orientation": "6",
      "scrub-orientation-preserved": "true",
      "scrub-scrubber-version": SCRUBBER_VERSION,
    });
    expect(await tagsOf(ORIGINALS, post.key)).toEqual({ "data-class": "avatar", "scrub-status": "processed" });
    // The clean copy carries its own class, by which the sync function admits it to the other partition.
    expect(await tagsOf(CLEAN, post.key)).toEqual({ "data-class": "avatars-clean" });
  });

  it("quarantines a truncated upload with its reason and writes nothing to the clean bucket", async () => {
    // Prepare
    const file = truncatedJpeg;

    // Act
    const post = await upload(file, "broken.jpg");
    const outcome = await (await deliveryFor(post.key)).done;

    // Assess
    expect(outcome.records[0]).toMatchObject({
      outcome: "quarantined",
      reason: "truncated",
      quarantineKey: `quarantine/${post.key}`,
    });
    const head = await s3.send(new HeadObjectCommand({ Bucket: ORIGINALS, Key: `quarantine/${post.key}` }));
    expect(head.Metadata?.["scrub-quarantine-reason"]).toBe("truncated");
    expect(head.Metadata?.["scrub-quarantine-message"]).toMatch(/\S/);
    expect(await bytesOf(ORIGINALS, `quarantine/${post.key}`)).toEqual(file);
    expect(await cleanVersions(post.key)).toBe(0);
    expect(await tagsOf(ORIGINALS, post.key)).toMatchObject({ "scrub-status": "quarantined" });
    const ownWrite = await (await deliveryFor(`quarantine/${post.key}`)).done;
    expect(ownWrite.records[0]).toMatchObject({ outcome: "skipped" });
  });

  it("quarantines an image over the pixel limit", async () => {
    // Prepare
    const huge = Buffer.concat([SOI, JFIF, DQT, DHT, sof(0xc0, 2000, 2000), sos(), Buffer.from([0x00]), EOI]);

    // Act
    const post = await upload(huge, "huge.jpg");
    const outcome = await (await deliveryFor(post.key)).done;

    // Assess
    expect(outcome.records[0]).toMatchObject({ outcome: "quarantined", reason: "too-many-pixels" });
    expect(await cleanVersions(post.key)).toBe(0);
  });

  it("leaves one clean version with identical bytes when the same event is delivered twice", async () => {
    // Prepare
    const post = await upload(jpegWithGps, "twice.jpg");
    const first = await deliveryFor(post.key);
    await first.done;
    const before = await bytesOf(CLEAN, post.key);

    // Act
    const again = await handler(first.body);

    // Assess
    expect(again.records[0]).toMatchObject({ outcome: "skipped", why: "already-scrubbed" });
    expect(await cleanVersions(post.key)).toBe(1);
    expect(await bytesOf(CLEAN, post.key)).toEqual(before);
  });

  it("takes the gateway's raw keys with spaces and plus signs as they are", async () => {
    // Prepare
    const key = "acme/user-1/photo of me+1.jpg";

    // Act
    await s3.send(new PutObjectCommand({ Bucket: ORIGINALS, Key: key, Body: jpegWithGps, ContentType: "image/jpeg" }));
    const outcome = await (await deliveryFor("photo of me+1")).done;

    // Assess
    expect(outcome.records[0]).toMatchObject({ outcome: "scrubbed", key });
    expect(await cleanVersions(key)).toBe(1);
  });

  it("keeps the original's standby pseudonym on the clean copy, by which the sync names the replica", async () => {
    // Prepare: an original of a crossing class, as the upload function signs it (docs/cross-partition.md §7).
    const key = "acme/user-1/standby.jpg";
    const standby = "0123456789abcdef0123456789abcdef";

    // Act
    await s3.send(
      new PutObjectCommand({
        Bucket: ORIGINALS,
        Key: key,
        Body: jpegWithGps,
        ContentType: "image/jpeg",
        Metadata: { "data-class": "avatar", "standby-pseudonym": standby },
      }),
    );
    const outcome = await (await deliveryFor("standby.jpg")).done;

    // Assess
    expect(outcome.records[0]).toMatchObject({ outcome: "scrubbed", key });
    const head = await s3.send(new HeadObjectCommand({ Bucket: CLEAN, Key: key }));
    expect(head.Metadata?.["standby-pseudonym"]).toBe(standby);
    // Nothing else of the original's metadata reaches the clean copy.
    expect(head.Metadata?.["data-class"]).toBeUndefined();
  });
});
