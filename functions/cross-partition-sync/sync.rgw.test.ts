/**
 * Replication between two real, independent S3 servers (Ceph RADOS Gateway, DESIGN.md §7), one per
 * partition: keys of one are unknown to the other, so every copy really streams GET → PUT. The
 * commercial side authenticates with its own static test keys (radosgw has no Roles Anywhere); in
 * production those credentials come from `fromRolesAnywhere`.
 */
import { createHash } from "node:crypto";
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import { arn, PARTITIONS } from "../../config/partitions";
import { castNames } from "../../test/authz/recorder";
import { useRadosGateway } from "../../test/s3/lifecycle";
import { createLogger } from "../shared/logger";
import {
  patternBytes,
  replicaOf,
  scriptedRolesAnywhere,
  standbyOf,
} from "../../test/support/cross-partition-sync/harness";
import { META, replicaMarker, replicate, SHA256_TAG } from "./replication";
import { createSyncHandler, handler } from "./handler";
import type { SyncConfig, SyncDependencies } from "./sync-record";
import { replay } from "./replay";
import { s3StandbyIndex } from "./standby-index";

const MiB = 1024 * 1024;
const SOVEREIGN = PARTITIONS["aws-eusc"];
const COMMERCIAL = PARTITIONS.aws;
const SOVEREIGN_REGION = Object.keys(SOVEREIGN.euRegions)[0] ?? "";
const COMMERCIAL_REGION = "eu-central-1";
const SOURCE_KEY = `arn:${SOVEREIGN.id}:kms:${SOVEREIGN_REGION}:111122223333:key/11111111-2222-4333-8444-555555555555`;
const TARGET_KEY = `arn:${COMMERCIAL.id}:kms:${COMMERCIAL_REGION}:444455556666:key/66666666-7777-4888-9999-000000000000`;
const SOURCE_BUCKET = "clean-avatars";
const TARGET_BUCKET = "failover-avatars";

const sovereignGateway = useRadosGateway({ name: "sync-sovereign", region: SOVEREIGN_REGION, kmsKeys: [SOURCE_KEY] });
// STS on: the end-to-end case gets real temporary credentials for the commercial side.
const commercialGateway = useRadosGateway({
  name: "sync-commercial",
  region: COMMERCIAL_REGION,
  kmsKeys: [TARGET_KEY],
  sts: true,
});

let sovereign: S3Client;
let commercial: S3Client;
let lines: string[];

const config: SyncConfig = {
  sourcePartition: SOVEREIGN.id,
  sourceBucket: SOURCE_BUCKET,
  targetBucket: TARGET_BUCKET,
  targetKmsKeyId: TARGET_KEY,
  policy: { allowedDataClasses: ["avatar"] },
  copyMetadata: ["uploaded-by"],
  multipartThresholdBytes: 5 * MiB,
  partSizeBytes: 5 * MiB,
  propagateDeletes: false,
};

function deps(overrides: Partial<SyncDependencies> = {}): SyncDependencies {
  return {
    config,
    source: sovereign,
    target: commercial,
    logger: createLogger("cross-partition-sync", { write: (l) => lines.push(l) }),
    ...overrides,
  };
}

beforeAll(async () => {
  // For the authorization proof: the test's Roles Anywhere role plays the stack's commercial role.
  castNames({
    roles: { "sync-failover": "example-cross-partition-sync-avatars-clean" },
    buckets: {
      [SOURCE_BUCKET]: "example-avatars-clean-111111111111",
      [TARGET_BUCKET]: "example-avatars-clean-failover-222222222222",
    },
    keys: {
      [SOURCE_KEY]: "aws_kms_key.sovereign-key-avatars-clean_key",
      [TARGET_KEY]: "aws_kms_key.commercial-key-avatars-clean_key",
    },
  });
  sovereign = sovereignGateway().client();
  commercial = commercialGateway().client();
  lines = [];
  await sovereign.send(new CreateBucketCommand({ Bucket: SOURCE_BUCKET }));
  await commercial.send(new CreateBucketCommand({ Bucket: TARGET_BUCKET }));
  for (const [client, bucket] of [
    [sovereign, SOURCE_BUCKET],
    [commercial, TARGET_BUCKET],
  ] as const) {
    await client.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }),
    );
  }
});

const bytes = patternBytes;
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("base64");

async function putSource(
  key: string,
  body: Buffer,
  dataClass: string | undefined,
  metadata: Record<string, string> = {},
): Promise<string | undefined> {
  const put = await sovereign.send(
    new PutObjectCommand({
      Bucket: SOURCE_BUCKET,
      Key: key,
      Body: body,
      ContentType: "image/png",
      // As the upload function signs it and the scrubber keeps it (docs/cross-partition.md §7).
      Metadata: { "standby-pseudonym": standbyOf(key), ...metadata },
      Tagging: dataClass === undefined ? undefined : `data-class=${dataClass}`,
      ServerSideEncryption: "aws:kms",
      SSEKMSKeyId: SOURCE_KEY,
    }),
  );
  return put.VersionId;
}

/** An S3 event notification as S3 sends it (key URL-encoded, `+` for space). */
function createdEvent(key: string, versionId?: string) {
  const encoded = encodeURIComponent(key).replace(/%20/g, "+").replace(/%2F/g, "/");
  return {
    Records: [
      {
        eventVersion: "2.1",
        eventSource: "aws:s3",
        eventName: "ObjectCreated:Put",
        s3: { bucket: { name: SOURCE_BUCKET }, object: { key: encoded, versionId } },
      },
    ],
  };
}

async function targetBytes(key: string): Promise<Buffer> {
  const got = await commercial.send(new GetObjectCommand({ Bucket: TARGET_BUCKET, Key: key }));
  return Buffer.from(await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
}

async function versionCount(client: S3Client, bucket: string, key: string): Promise<number> {
  const listed = await client.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key }));
  return (listed.Versions ?? []).filter((v) => v.Key === key).length;
}

async function targetExists(key: string): Promise<boolean> {
  return (await versionCount(commercial, TARGET_BUCKET, key)) > 0;
}

describe("replication across partitions", () => {
  it("copies a small object with marker, checksum, metadata, tags, the target KMS key and identical bytes", async () => {
    // Prepare
    const key = "acme/user 1/avatar.png";
    const body = bytes(200 * 1024, "small");
    const versionId = await putSource(key, body, "avatar", { "uploaded-by": "user-1", secret: "not copied" });

    // Act
    const result = await createSyncHandler(deps())(createdEvent(key, versionId));

    // Assess
    expect(result.outcomes).toEqual([{ key, outcome: "copied", reason: undefined }]);
    // Named by the standby pseudonym; nothing on the commercial side names the sovereign one ("user 1").
    expect(await targetExists(key)).toBe(false);
    const head = await commercial.send(new HeadObjectCommand({ Bucket: TARGET_BUCKET, Key: replicaOf(key) }));
    expect(head.Metadata?.[META.replicatedFrom]).toBe(
      `${SOVEREIGN.id}/${SOURCE_BUCKET}/acme/${standbyOf(key)}/avatar.png#${versionId}`,
    );
    expect(JSON.stringify(head.Metadata)).not.toMatch(/user 1|user%201/);
    expect(head.Metadata?.[META.sourceSha256]).toBe(sha256(body));
    expect(head.Metadata?.["uploaded-by"]).toBe("user-1");
    expect(head.Metadata?.secret).toBeUndefined();
    expect(head.ContentType).toBe("image/png");
    expect(head.ServerSideEncryption).toBe("aws:kms");
    expect(head.SSEKMSKeyId).toBe(TARGET_KEY);
    const tags = await commercial.send(new GetObjectTaggingCommand({ Bucket: TARGET_BUCKET, Key: replicaOf(key) }));
    expect(tags.TagSet).toEqual([{ Key: "data-class", Value: "avatar" }]);
    expect(sha256(await targetBytes(replicaOf(key)))).toBe(sha256(body));
    // The way back stays sovereign: the standby index in the source bucket.
    const index = s3StandbyIndex(sovereign, SOURCE_BUCKET);
    expect(await index.sovereignOf("acme", standbyOf(key))).toBe("user 1");
    expect(await index.standbyOf("acme", "user 1")).toBe(standbyOf(key));
  });

  it("streams a 12 MiB object in 5 MiB parts and never holds more than one part plus a chunk", async () => {
    // Prepare
    const key = "acme/user-2/large.png";
    const body = bytes(12 * MiB, "large");
    const versionId = await putSource(key, body, "avatar");
    const buffered: number[] = [];

    // Act
    const result = await replicate({
      source: { client: sovereign, partition: SOVEREIGN.id, bucket: SOURCE_BUCKET, key, versionId },
      target: { client: commercial, bucket: TARGET_BUCKET, kmsKeyId: TARGET_KEY },
      policy: config.policy,
      multipartThresholdBytes: 5 * MiB,
      partSizeBytes: 5 * MiB,
      hooks: { onBufferedBytes: (n) => buffered.push(n) },
    });

    // Assess
    expect(result).toMatchObject({
      outcome: "copied",
      mode: "multipart",
      parts: 3,
      bytes: 12 * MiB,
      sha256: sha256(body),
    });
    const peak = Math.max(...buffered);
    console.log(
      `[sync] 12 MiB multipart: peak buffered ${(peak / MiB).toFixed(2)} MiB over ${buffered.length} samples`,
    );
    expect(peak).toBeLessThanOrEqual(5 * MiB + 1 * MiB);
    expect(peak).toBeGreaterThanOrEqual(5 * MiB);
    const head = await commercial.send(new HeadObjectCommand({ Bucket: TARGET_BUCKET, Key: key }));
    expect(head.SSEKMSKeyId).toBe(TARGET_KEY);
    expect(head.Metadata?.[META.replicatedFrom]).toBe(replicaMarker(SOVEREIGN.id, SOURCE_BUCKET, key, versionId));
    const tags = await commercial.send(new GetObjectTaggingCommand({ Bucket: TARGET_BUCKET, Key: key }));
    expect(tags.TagSet).toContainEqual({ Key: SHA256_TAG, Value: sha256(body) });
    expect(tags.TagSet).toContainEqual({ Key: "data-class", Value: "avatar" });
    expect(sha256(await targetBytes(key))).toBe(sha256(body));
  });

  it("creates no second version when the same event arrives twice", async () => {
    // Prepare
    const key = "acme/user-3/avatar.png";
    const versionId = await putSource(key, bytes(1000, "dup"), "avatar");
    const handle = createSyncHandler(deps());
    const event = createdEvent(key, versionId);

    // Act
    const first = await handle(event);
    const second = await handle(event);

    // Assess
    expect(first.outcomes[0]?.outcome).toBe("copied");
    expect(second.outcomes[0]).toMatchObject({ outcome: "skipped", reason: "target-current" });
    expect(await versionCount(commercial, TARGET_BUCKET, replicaOf(key))).toBe(1);
  });

  it("ignores an event of an older version so an out-of-order delivery never rolls the replica back", async () => {
    // Prepare
    const key = "acme/user-4/avatar.png";
    const v1 = await putSource(key, bytes(1000, "v1"), "avatar");
    const v2 = await putSource(key, bytes(1000, "v2"), "avatar");
    const handle = createSyncHandler(deps());
    await handle(createdEvent(key, v2));

    // Act
    const late = await handle(createdEvent(key, v1));

    // Assess
    expect(late.outcomes[0]).toMatchObject({ outcome: "skipped", reason: "superseded" });
    expect(sha256(await targetBytes(replicaOf(key)))).toBe(sha256(bytes(1000, "v2")));
    expect(await versionCount(commercial, TARGET_BUCKET, replicaOf(key))).toBe(1);
  });

  it("never replicates a replica back to the partition it came from", async () => {
    // Prepare
    const key = "acme/user-5/avatar.png";
    const versionId = await putSource(key, bytes(1000, "loop"), "avatar");
    await createSyncHandler(deps())(createdEvent(key, versionId));
    const failbackTarget = "failback-avatars";
    await sovereign.send(new CreateBucketCommand({ Bucket: failbackTarget }));

    // Act: the failback direction pulls from commercial into sovereign with the same core
    const back = await replicate({
      source: { client: commercial, partition: COMMERCIAL.id, bucket: TARGET_BUCKET, key: replicaOf(key) },
      target: { client: sovereign, bucket: failbackTarget, kmsKeyId: SOURCE_KEY },
      policy: config.policy,
    });

    // Assess
    expect(back).toEqual({ outcome: "ignored", reason: "replica" });
    expect(await versionCount(sovereign, failbackTarget, replicaOf(key))).toBe(0);
  });

  it("aborts a multipart upload that fails mid-transfer, leaves nothing visible, and succeeds on retry", async () => {
    // Prepare
    const key = "acme/user-6/large.png";
    const body = bytes(11 * MiB, "retry");
    const versionId = await putSource(key, body, "avatar");
    const flaky = commercialGateway().client();
    let failures = 0;
    flaky.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { PartNumber?: number };
        if (context.commandName === "UploadPartCommand" && input.PartNumber === 2 && failures === 0) {
          failures++;
          throw Object.assign(new Error("injected: target unavailable"), { name: "ServiceUnavailable" });
        }
        return next(args);
      },
      { step: "initialize", name: "injectTargetFailure" },
    );
    const handle = createSyncHandler(deps({ target: flaky }));
    const event = createdEvent(key, versionId);

    // Act
    const failed = await handle(event).then(
      () => undefined,
      (error: unknown) => error,
    );
    const uploadsAfterFailure = await commercial.send(
      new ListMultipartUploadsCommand({ Bucket: TARGET_BUCKET, Prefix: replicaOf(key) }),
    );
    const visibleAfterFailure = await targetExists(replicaOf(key));
    const retried = await handle(event);

    // Assess
    expect(failed).toMatchObject({
      name: "SyncBatchError",
      message: expect.stringContaining("injected: target unavailable"),
    });
    expect(uploadsAfterFailure.Uploads ?? []).toEqual([]);
    expect(visibleAfterFailure).toBe(false);
    expect(retried.outcomes[0]?.outcome).toBe("copied");
    expect(sha256(await targetBytes(replicaOf(key)))).toBe(sha256(body));
    expect(await versionCount(commercial, TARGET_BUCKET, replicaOf(key))).toBe(1);
  });

  it("refuses and logs an object whose data class may not cross, and copies nothing", async () => {
    // Prepare
    const key = "acme/user-7/passport.png";
    const versionId = await putSource(key, bytes(1000, "identity"), "identity");
    lines = [];

    // Act
    const result = await createSyncHandler(deps())(createdEvent(key, versionId));

    // Assess
    expect(result.outcomes).toEqual([{ key, outcome: "refused", reason: "data-class" }]);
    expect(await targetExists(key)).toBe(false);
    expect(await targetExists(replicaOf(key))).toBe(false);
    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged).toContainEqual(
      expect.objectContaining({
        level: "warn",
        message: "record refused: data class may not cross",
        key,
        dataClass: "identity",
      }),
    );
  });

  it("keeps the replica when the source is deleted and deletes are not propagated", async () => {
    // Prepare
    const key = "acme/user-8/avatar.png";
    const versionId = await putSource(key, bytes(1000, "kept"), "avatar");
    await createSyncHandler(deps())(createdEvent(key, versionId));
    const removed = {
      Records: [{ eventName: "ObjectRemoved:Delete", s3: { bucket: { name: SOURCE_BUCKET }, object: { key } } }],
    };

    // Act
    const result = await createSyncHandler(deps())(removed);

    // Assess
    expect(result.outcomes).toEqual([{ key, outcome: "ignored", reason: "deletes-off" }]);
    expect(await targetExists(replicaOf(key))).toBe(true);
  });

  it("deletes the replica when deletes are propagated and the source is really gone", async () => {
    // Prepare
    const key = "acme/user-11/avatar.png";
    const versionId = await putSource(key, bytes(1000, "erase"), "avatar");
    await createSyncHandler(deps())(createdEvent(key, versionId));
    await sovereign.send(new DeleteObjectCommand({ Bucket: SOURCE_BUCKET, Key: key }));
    const removed = {
      Records: [
        { eventName: "ObjectRemoved:DeleteMarkerCreated", s3: { bucket: { name: SOURCE_BUCKET }, object: { key } } },
      ],
    };

    // Act
    const result = await createSyncHandler(deps({ config: { ...config, propagateDeletes: true } }))(removed);

    // Assess: the delete event has no metadata; the sovereign index named the replica.
    expect(result.outcomes).toEqual([{ key, outcome: "deleted" }]);
    const head = await commercial
      .send(new HeadObjectCommand({ Bucket: TARGET_BUCKET, Key: replicaOf(key) }))
      .catch((e: unknown) => e);
    expect(head).toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });

  it("erases the commercial original of a failback copy when the sovereign copy is deleted", async () => {
    // Prepare: written on the commercial side during an outage, pulled back by failback
    const key = "acme/user-12/avatar.png";
    const native = await commercial.send(
      new PutObjectCommand({
        Bucket: TARGET_BUCKET,
        Key: key,
        Body: bytes(900, "outage"),
        ContentType: "image/png",
        Tagging: "data-class=avatar",
        ServerSideEncryption: "aws:kms",
        SSEKMSKeyId: TARGET_KEY,
      }),
    );
    const pulled = await replicate({
      source: { client: commercial, partition: COMMERCIAL.id, bucket: TARGET_BUCKET, key, versionId: native.VersionId },
      target: { client: sovereign, bucket: SOURCE_BUCKET, kmsKeyId: SOURCE_KEY },
      policy: { allowedDataClasses: ["avatar"] },
    });
    expect(pulled.outcome).toBe("copied");
    await sovereign.send(new DeleteObjectCommand({ Bucket: SOURCE_BUCKET, Key: key }));
    const removed = {
      Records: [
        { eventName: "ObjectRemoved:DeleteMarkerCreated", s3: { bucket: { name: SOURCE_BUCKET }, object: { key } } },
      ],
    };

    // Act
    const result = await createSyncHandler(deps({ config: { ...config, propagateDeletes: true } }))(removed);

    // Assess: the original is hidden by a delete marker (its version stays until the lifecycle expires it)
    expect(result.outcomes).toEqual([{ key, outcome: "deleted" }]);
    expect(
      await commercial.send(new HeadObjectCommand({ Bucket: TARGET_BUCKET, Key: key })).catch((e: unknown) => e),
    ).toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });

  it("keeps the commercial original when the sovereign object deleted was written natively after the failback", async () => {
    // Prepare: failback copy, then a sovereign write over it, then the delete
    const key = "acme/user-13/avatar.png";
    const native = await commercial.send(
      new PutObjectCommand({
        Bucket: TARGET_BUCKET,
        Key: key,
        Body: bytes(900, "outage-2"),
        ContentType: "image/png",
        Tagging: "data-class=avatar",
        ServerSideEncryption: "aws:kms",
        SSEKMSKeyId: TARGET_KEY,
      }),
    );
    await replicate({
      source: { client: commercial, partition: COMMERCIAL.id, bucket: TARGET_BUCKET, key, versionId: native.VersionId },
      target: { client: sovereign, bucket: SOURCE_BUCKET, kmsKeyId: SOURCE_KEY },
      policy: { allowedDataClasses: ["avatar"] },
    });
    await putSource(key, bytes(700, "sovereign-later"), "avatar");
    await sovereign.send(new DeleteObjectCommand({ Bucket: SOURCE_BUCKET, Key: key }));
    const removed = {
      Records: [
        { eventName: "ObjectRemoved:DeleteMarkerCreated", s3: { bucket: { name: SOURCE_BUCKET }, object: { key } } },
      ],
    };

    // Act
    const result = await createSyncHandler(deps({ config: { ...config, propagateDeletes: true } }))(removed);

    // Assess: the last version is a sovereign write, not a failback copy, and the index names no
    // replica: the commercial side is not even asked (the key names a sovereign pseudonym).
    expect(result.outcomes).toEqual([{ key, outcome: "skipped", reason: "not-recorded" }]);
    expect((await commercial.send(new HeadObjectCommand({ Bucket: TARGET_BUCKET, Key: key }))).VersionId).toBe(
      native.VersionId,
    );
  });

  it("replays a DLQ message (SQS body holding the original event) to the same result", async () => {
    // Prepare
    const key = "acme/user-9/avatar.png";
    const versionId = await putSource(key, bytes(1000, "replay"), "avatar");
    const message = { MessageId: "m-1", Body: JSON.stringify(createdEvent(key, versionId)) };

    // Act
    const result = await replay(JSON.stringify(message), deps());

    // Assess
    expect(result.outcomes[0]?.outcome).toBe("copied");
    expect(await versionCount(commercial, TARGET_BUCKET, replicaOf(key))).toBe(1);
  });

  it("runs the Lambda entry point end to end with Roles Anywhere credentials for the commercial side", async () => {
    // Prepare: a CA and leaf (the certificate the trust anchor trusts), a CreateSession endpoint that
    // verifies the signature and answers with real temporary credentials of the commercial gateway
    const key = "acme/user-10/avatar.png";
    const body = bytes(3000, "e2e");
    const versionId = await putSource(key, body, "avatar");
    const bucketArn = arn(COMMERCIAL, { service: "s3", resource: TARGET_BUCKET });
    const trust = await scriptedRolesAnywhere(commercialGateway(), "sync-failover", {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: ["s3:*"], Resource: [bucketArn, `${bucketArn}/*`] }],
    });
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_REGION: SOVEREIGN_REGION,
      // The function's own role: Lambda passes its credentials in these variables.
      AWS_ACCESS_KEY_ID: sovereignGateway().accessKeyId,
      AWS_SECRET_ACCESS_KEY: sovereignGateway().secretAccessKey,
      SOURCE_BUCKET,
      SOURCE_S3_ENDPOINT: sovereignGateway().endpoint,
      TARGET_REGION: COMMERCIAL_REGION,
      TARGET_BUCKET,
      TARGET_KMS_KEY_ARN: TARGET_KEY,
      TARGET_S3_ENDPOINT: commercialGateway().endpoint,
      ...trust.env,
      LOG_LEVEL: "warn",
    });
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;

    // Act
    const result = await handler(createdEvent(key, versionId)).finally(async () => {
      process.env = saved;
      await trust.close();
    });

    // Assess
    expect(result.outcomes).toEqual([{ key, outcome: "copied", reason: undefined }]);
    expect(trust.endpoint.verified).toHaveLength(1);
    expect(trust.endpoint.verified[0]?.body.roleArn).toBe(trust.roleArn);
    expect(trust.endpoint.rejected).toEqual([]);
    const head = await commercial.send(new HeadObjectCommand({ Bucket: TARGET_BUCKET, Key: replicaOf(key) }));
    expect(head.SSEKMSKeyId).toBe(TARGET_KEY);
    expect(sha256(await targetBytes(replicaOf(key)))).toBe(sha256(body));
  });

  it("refuses an object of a crossing class without its standby pseudonym: the record fails (retried, then the DLQ) and nothing is written", async () => {
    // Prepare: uploaded before the standby pseudonyms, or by something else than the upload function
    const key = "acme/user-14/avatar.png";
    const put = await sovereign.send(
      new PutObjectCommand({
        Bucket: SOURCE_BUCKET,
        Key: key,
        Body: bytes(1000, "no-standby"),
        ContentType: "image/png",
        Tagging: "data-class=avatar",
        ServerSideEncryption: "aws:kms",
        SSEKMSKeyId: SOURCE_KEY,
      }),
    );
    lines = [];

    // Act
    const failed = await createSyncHandler(deps())(createdEvent(key, put.VersionId)).then(
      () => undefined,
      (error: unknown) => error,
    );

    // Assess
    expect(failed).toMatchObject({
      name: "SyncBatchError",
      message: expect.stringContaining("no valid standby-pseudonym metadata"),
    });
    expect(await targetExists(key)).toBe(false);
    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged).toContainEqual(expect.objectContaining({ level: "error", message: "record failed", key }));
  });

  it("ignores the events of the standby index's own records", async () => {
    // Prepare
    const key = `sip-sync-records/by-standby/acme/${standbyOf("acme/user-1/x")}/record.json`;

    // Act
    const result = await createSyncHandler(deps())(createdEvent(key));

    // Assess
    expect(result.outcomes).toEqual([{ key, outcome: "ignored", reason: "sync-record" }]);
  });
});
