/**
 * Replication's decisions without a server. What S3 itself does (versions, SSE-KMS, multipart, abort)
 * is proven against two real gateways in sync.rgw.test.ts; here a recording fake client stands in
 * only to show which calls each decision makes (and, above all, which it never makes).
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { PARTITIONS } from "../../config/partitions";
import {
  admits,
  isReplica,
  META,
  propagateDelete,
  replicaMarker,
  replicate,
  SHA256_TAG,
  SyncError,
} from "./replication";

const SOVEREIGN = PARTITIONS["aws-eusc"].id;

interface Call {
  readonly command: string;
  readonly input: Record<string, unknown>;
}

/** A fake client: answers by command name; unknown commands fail the test. */
function fakeClient(answers: Record<string, (input: Record<string, unknown>) => unknown>): {
  client: S3Client;
  calls: Call[];
} {
  const calls: Call[] = [];
  const client = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      const name = command.constructor.name;
      calls.push({ command: name, input: command.input });
      const answer = answers[name];
      if (answer === undefined) throw new Error(`unexpected ${name}`);
      return answer(command.input);
    },
  } as unknown as S3Client;
  return { client, calls };
}

const notFound = () => {
  throw Object.assign(new Error("not found"), { name: "NotFound", $metadata: { httpStatusCode: 404 } });
};

const policy = { allowedDataClasses: ["avatar"] };

function request(source: S3Client, target: S3Client, versionId?: string) {
  return {
    source: { client: source, partition: SOVEREIGN, bucket: "clean-avatars", key: "a/b.png", versionId },
    target: { client: target, bucket: "failover", kmsKeyId: "key-1" },
    policy,
  };
}

describe("admits", () => {
  it("allows a tagged object whose class is allowed", () => {
    // Prepare
    const tags = [{ Key: "data-class", Value: "avatar" }];

    // Act
    const result = admits(policy, "x/y", tags);

    // Assess
    expect(result).toEqual({ allowed: true, dataClass: "avatar" });
  });

  it("refuses a tagged object of another class even under an allowed prefix", () => {
    // Prepare
    const tags = [{ Key: "data-class", Value: "identity" }];

    // Act
    const result = admits({ ...policy, allowedPrefixes: ["avatars/"] }, "avatars/passport.png", tags);

    // Assess
    expect(result).toEqual({ allowed: false, dataClass: "identity" });
  });

  it("judges an untagged object by its key prefix", () => {
    // Prepare
    const withPrefix = { ...policy, allowedPrefixes: ["avatars/"] };

    // Act
    const inside = admits(withPrefix, "avatars/a.png", []);
    const outside = admits(withPrefix, "documents/a.pdf", []);
    const noPrefixes = admits(policy, "avatars/a.png", []);

    // Assess
    expect([inside.allowed, outside.allowed, noPrefixes.allowed]).toEqual([true, false, false]);
  });
});

describe("replica marker", () => {
  it("names partition, bucket, percent-encoded key and version", () => {
    // Act
    const marker = replicaMarker(SOVEREIGN, "clean-avatars", "acme/user 1/ä.png", undefined);

    // Assess
    expect(marker).toBe(`${SOVEREIGN}/clean-avatars/acme/user%201/%C3%A4.png#null`);
    expect(isReplica({ [META.replicatedFrom]: marker })).toBe(true);
    expect(isReplica({ other: "x" })).toBe(false);
  });
});

describe("replicate decisions", () => {
  it("skips without reading when the source is gone", async () => {
    // Prepare
    const source = fakeClient({ HeadObjectCommand: notFound });
    const target = fakeClient({});

    // Act
    const result = await replicate(request(source.client, target.client));

    // Assess
    expect(result).toEqual({ outcome: "skipped", reason: "source-missing" });
    expect(target.calls).toEqual([]);
  });

  it("skips an event whose version is no longer current", async () => {
    // Prepare
    const source = fakeClient({
      HeadObjectCommand: () => ({ VersionId: "v2", ETag: '"e"', ContentLength: 1, Metadata: {} }),
    });
    const target = fakeClient({});

    // Act
    const result = await replicate(request(source.client, target.client, "v1"));

    // Assess
    expect(result).toEqual({ outcome: "skipped", reason: "superseded" });
    expect(target.calls).toEqual([]);
  });

  it("ignores a replica and never touches the target (no loop)", async () => {
    // Prepare
    const source = fakeClient({
      HeadObjectCommand: () => ({
        ETag: '"e"',
        ContentLength: 1,
        Metadata: { [META.replicatedFrom]: "aws/failover/a/b.png#null" },
      }),
    });
    const target = fakeClient({});

    // Act
    const result = await replicate(request(source.client, target.client));

    // Assess
    expect(result).toEqual({ outcome: "ignored", reason: "replica" });
    expect(source.calls.map((c) => c.command)).toEqual(["HeadObjectCommand"]);
    expect(target.calls).toEqual([]);
  });

  it("refuses a data class that may not cross before any byte is read", async () => {
    // Prepare
    const source = fakeClient({
      HeadObjectCommand: () => ({ ETag: '"e"', ContentLength: 1, Metadata: {} }),
      GetObjectTaggingCommand: () => ({ TagSet: [{ Key: "data-class", Value: "identity" }] }),
    });
    const target = fakeClient({});

    // Act
    const result = await replicate(request(source.client, target.client));

    // Assess
    expect(result).toEqual({ outcome: "refused", reason: "data-class", dataClass: "identity" });
    expect(source.calls.map((c) => c.command)).not.toContain("GetObjectCommand");
    expect(target.calls).toEqual([]);
  });

  it("skips when the target already holds this source version and ETag", async () => {
    // Prepare
    const source = fakeClient({
      HeadObjectCommand: () => ({ VersionId: "v1", ETag: '"e1"', ContentLength: 1, Metadata: {} }),
      GetObjectTaggingCommand: () => ({ TagSet: [{ Key: "data-class", Value: "avatar" }] }),
    });
    const target = fakeClient({
      HeadObjectCommand: () => ({
        Metadata: {
          [META.replicatedFrom]: replicaMarker(SOVEREIGN, "clean-avatars", "a/b.png", "v1"),
          [META.sourceEtag]: "e1",
          [META.sourceSha256]: "c2hh",
        },
      }),
    });

    // Act
    const result = await replicate(request(source.client, target.client, "v1"));

    // Assess
    expect(result).toEqual({ outcome: "skipped", reason: "target-current" });
    expect(target.calls.map((c) => c.command)).toEqual(["HeadObjectCommand"]);
  });

  it("skips a multipart replica by its checksum tag, and copies again one that lacks it", async () => {
    // Prepare: both replicas carry the marker; only the first got its checksum tag after Complete
    const source = () =>
      fakeClient({
        HeadObjectCommand: () => ({
          VersionId: "v1",
          ETag: '"e1"',
          ContentLength: 3,
          ContentType: "image/png",
          Metadata: {},
        }),
        GetObjectTaggingCommand: () => ({ TagSet: [{ Key: "data-class", Value: "avatar" }] }),
        GetObjectCommand: () => ({
          Body: (async function* () {
            yield new Uint8Array([1, 2, 3]);
          })(),
        }),
      });
    const target = (tags: Array<{ Key: string; Value: string }>) =>
      fakeClient({
        HeadObjectCommand: () => ({
          VersionId: "t1",
          Metadata: {
            [META.replicatedFrom]: replicaMarker(SOVEREIGN, "clean-avatars", "a/b.png", "v1"),
            [META.sourceEtag]: "e1",
          },
        }),
        GetObjectTaggingCommand: (input) => (input.VersionId === "t1" ? { TagSet: tags } : { TagSet: [] }),
        PutObjectCommand: () => ({ VersionId: "t2" }),
      });
    const complete = target([{ Key: SHA256_TAG, Value: "c2hh" }]);
    const incomplete = target([]);

    // Act
    const skipped = await replicate(request(source().client, complete.client, "v1"));
    const copied = await replicate(request(source().client, incomplete.client, "v1"));

    // Assess
    expect(skipped).toEqual({ outcome: "skipped", reason: "target-current" });
    expect(copied).toMatchObject({ outcome: "copied", targetVersionId: "t2" });
  });

  it("copies when the target holds an older source version", async () => {
    // Prepare
    const source = fakeClient({
      HeadObjectCommand: () => ({
        VersionId: "v2",
        ETag: '"e2"',
        ContentLength: 3,
        ContentType: "image/png",
        Metadata: {},
      }),
      GetObjectTaggingCommand: () => ({ TagSet: [{ Key: "data-class", Value: "avatar" }] }),
      GetObjectCommand: () => ({
        Body: (async function* () {
          yield new Uint8Array([1, 2, 3]);
        })(),
      }),
    });
    const target = fakeClient({
      HeadObjectCommand: () => ({
        Metadata: {
          [META.replicatedFrom]: replicaMarker(SOVEREIGN, "clean-avatars", "a/b.png", "v1"),
          [META.sourceEtag]: "e1",
        },
      }),
      PutObjectCommand: () => ({ VersionId: "t2" }),
    });

    // Act
    const result = await replicate(request(source.client, target.client, "v2"));

    // Assess
    expect(result).toMatchObject({ outcome: "copied", mode: "single", bytes: 3, targetVersionId: "t2" });
    const put = target.calls.find((c) => c.command === "PutObjectCommand")?.input;
    expect(put).toMatchObject({
      ServerSideEncryption: "aws:kms",
      SSEKMSKeyId: "key-1",
      ContentType: "image/png",
      Tagging: "data-class=avatar",
      Metadata: { [META.sourceVersion]: "v2" },
    });
  });

  it("rejects a part size below the S3 minimum", async () => {
    // Prepare
    const source = fakeClient({});

    // Act
    const attempt = replicate({ ...request(source.client, source.client), partSizeBytes: 1024 });

    // Assess
    await expect(attempt).rejects.toThrow(SyncError);
    expect(source.calls).toEqual([]);
  });
});

describe("propagateDelete", () => {
  it("deletes nothing while the source still exists", async () => {
    // Prepare
    const source = fakeClient({ HeadObjectCommand: () => ({ ETag: '"e"' }) });
    const target = fakeClient({});

    // Act
    const result = await propagateDelete({
      source: { client: source.client, partition: SOVEREIGN, bucket: "clean-avatars", key: "a/b.png" },
      target: { client: target.client, bucket: "failover" },
    });

    // Assess
    expect(result).toEqual({ outcome: "skipped", reason: "source-exists" });
    expect(target.calls).toEqual([]);
  });

  it("never deletes a target object that is not our replica of this key", async () => {
    // Prepare
    const source = fakeClient({ HeadObjectCommand: notFound, ListObjectVersionsCommand: () => ({ Versions: [] }) });
    const target = fakeClient({
      HeadObjectCommand: () => ({
        Metadata: { [META.replicatedFrom]: replicaMarker(SOVEREIGN, "clean-avatars", "a/b.png.other", "v1") },
      }),
    });

    // Act
    const result = await propagateDelete({
      source: { client: source.client, partition: SOVEREIGN, bucket: "clean-avatars", key: "a/b.png" },
      target: { client: target.client, bucket: "failover" },
    });

    // Assess
    expect(result).toEqual({ outcome: "skipped", reason: "not-our-replica" });
    expect(target.calls.map((c) => c.command)).toEqual(["HeadObjectCommand"]);
  });
});
