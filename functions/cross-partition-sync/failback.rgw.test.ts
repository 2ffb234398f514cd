/**
 * Failback between two real, independent S3 servers (Ceph RADOS Gateway, DESIGN.md §7), one per
 * partition. The commercial failover bucket plays the outage: objects are written and erased there
 * natively, next to replicas the sovereign sync wrote before. Every test works under its own key
 * prefix, so the runs do not see each other's objects. Times are compared in whole seconds (S3's
 * resolution); a test that needs "later" waits for the next second.
 */
import { createHash } from "node:crypto";
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
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
import { patternBytes, scriptedRolesAnywhere } from "../../test/support/cross-partition-sync/harness";
import { META, replicaMarker, replicate } from "./replication";
import { type FailbackOptions, failback } from "./failback";
import { main } from "./failback-cli";
import { createSyncHandler } from "./handler";
import type { SyncConfig } from "./sync-record";
import { recordedSovereignKey, s3StandbyIndex } from "./standby-index";

const SOVEREIGN = PARTITIONS["aws-eusc"];
const COMMERCIAL = PARTITIONS.aws;
const SOVEREIGN_REGION = Object.keys(SOVEREIGN.euRegions)[0] ?? "";
const COMMERCIAL_REGION = "eu-central-1";
const SOVEREIGN_KEY = `arn:${SOVEREIGN.id}:kms:${SOVEREIGN_REGION}:111122223333:key/11111111-2222-4333-8444-555555555555`;
const COMMERCIAL_KEY = `arn:${COMMERCIAL.id}:kms:${COMMERCIAL_REGION}:444455556666:key/66666666-7777-4888-9999-000000000000`;
const SOVEREIGN_BUCKET = "clean-avatars";
const COMMERCIAL_BUCKET = "failover-avatars";
const POLICY = { allowedDataClasses: ["avatar"] };

const sovereignGateway = useRadosGateway({
  name: "failback-sovereign",
  region: SOVEREIGN_REGION,
  kmsKeys: [SOVEREIGN_KEY],
});
// STS on: the command-line case gets real temporary credentials for the commercial side.
const commercialGateway = useRadosGateway({
  name: "failback-commercial",
  region: COMMERCIAL_REGION,
  kmsKeys: [COMMERCIAL_KEY],
  sts: true,
});

let sovereign: S3Client;
let commercial: S3Client;

beforeAll(async () => {
  // For the authorization proof: the test's Roles Anywhere role plays the stack's commercial role.
  castNames({
    roles: { "failback-read": "example-cross-partition-sync-avatars-clean" },
    buckets: {
      [SOVEREIGN_BUCKET]: "example-avatars-clean-111111111111",
      [COMMERCIAL_BUCKET]: "example-avatars-clean-failover-222222222222",
    },
    keys: {
      [SOVEREIGN_KEY]: "aws_kms_key.sovereign-key-avatars-clean_key",
      [COMMERCIAL_KEY]: "aws_kms_key.commercial-key-avatars-clean_key",
    },
  });
  sovereign = sovereignGateway().client();
  commercial = commercialGateway().client();
  for (const [client, bucket] of [
    [sovereign, SOVEREIGN_BUCKET],
    [commercial, COMMERCIAL_BUCKET],
  ] as const) {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    await client.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }),
    );
  }
});

const bytes = patternBytes;
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("base64");

/** Waits until the wall clock (also the gateways' clock) is in the next second. */
async function nextSecond(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 20));
}

async function put(
  client: S3Client,
  bucket: string,
  kmsKey: string,
  key: string,
  body: Buffer,
  dataClass = "avatar",
): Promise<string | undefined> {
  const put = await client.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: body,
      ContentType: "image/png",
      Tagging: `data-class=${dataClass}`,
      ServerSideEncryption: "aws:kms",
      SSEKMSKeyId: kmsKey,
    }),
  );
  return put.VersionId;
}
const putSovereign = (key: string, body: Buffer, dataClass?: string) =>
  put(sovereign, SOVEREIGN_BUCKET, SOVEREIGN_KEY, key, body, dataClass);
const putCommercial = (key: string, body: Buffer, dataClass?: string) =>
  put(commercial, COMMERCIAL_BUCKET, COMMERCIAL_KEY, key, body, dataClass);

/** The normal sync, before the outage: sovereign → commercial replica. */
async function syncToCommercial(key: string, versionId: string | undefined): Promise<void> {
  const result = await replicate({
    source: { client: sovereign, partition: SOVEREIGN.id, bucket: SOVEREIGN_BUCKET, key, versionId },
    target: { client: commercial, bucket: COMMERCIAL_BUCKET, kmsKeyId: COMMERCIAL_KEY },
    policy: POLICY,
  });
  expect(result.outcome).toBe("copied");
}

function run(prefix: string, since: Date, overrides: Partial<FailbackOptions> = {}) {
  return failback({
    source: { client: commercial, partition: COMMERCIAL.id, bucket: COMMERCIAL_BUCKET },
    target: { client: sovereign, partition: SOVEREIGN.id, bucket: SOVEREIGN_BUCKET, kmsKeyId: SOVEREIGN_KEY },
    since,
    prefix,
    policy: POLICY,
    pageSize: 2,
    ...overrides,
  });
}

async function sovereignBytes(key: string): Promise<Buffer> {
  const got = await sovereign.send(new GetObjectCommand({ Bucket: SOVEREIGN_BUCKET, Key: key }));
  return Buffer.from(await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
}

async function history(
  client: S3Client,
  bucket: string,
  key: string,
): Promise<{ versions: number; deleteMarkers: number }> {
  const listed = await client.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key }));
  return {
    versions: (listed.Versions ?? []).filter((v) => v.Key === key).length,
    deleteMarkers: (listed.DeleteMarkers ?? []).filter((d) => d.Key === key).length,
  };
}
const sovereignHistory = (key: string) => history(sovereign, SOVEREIGN_BUCKET, key);

async function sovereignExists(key: string): Promise<boolean> {
  const head = await sovereign
    .send(new HeadObjectCommand({ Bucket: SOVEREIGN_BUCKET, Key: key }))
    .catch((e: { $metadata?: { httpStatusCode?: number } }) => e);
  return !("$metadata" in head && head.$metadata?.httpStatusCode === 404);
}

/** An S3 event notification from the sovereign bucket, as S3 sends it (key URL-encoded). */
function sovereignEvent(eventName: string, key: string, versionId?: string) {
  return {
    Records: [
      {
        eventName,
        s3: {
          bucket: { name: SOVEREIGN_BUCKET },
          object: { key: encodeURIComponent(key).replace(/%2F/g, "/"), versionId },
        },
      },
    ],
  };
}

const syncConfig: SyncConfig = {
  sourcePartition: SOVEREIGN.id,
  sourceBucket: SOVEREIGN_BUCKET,
  targetBucket: COMMERCIAL_BUCKET,
  targetKmsKeyId: COMMERCIAL_KEY,
  policy: POLICY,
  copyMetadata: [],
  multipartThresholdBytes: 16 * 1024 * 1024,
  partSizeBytes: 8 * 1024 * 1024,
  propagateDeletes: true,
};
const sovereignSync = () =>
  createSyncHandler({
    config: syncConfig,
    source: sovereign,
    target: commercial,
    logger: createLogger("cross-partition-sync", { write: () => {} }),
  });

describe("failback: writes", () => {
  it("copies the latest version of an object written in the commercial bucket during the outage, with marker, identical bytes and the sovereign key", async () => {
    // Prepare
    const since = new Date();
    const key = "t1/user-1/avatar.png";
    await putCommercial(key, bytes(1000, "t1-old"));
    const latest = bytes(3000, "t1-latest");
    const latestVersion = await putCommercial(key, latest);
    for (const other of ["t1/user-2/a.png", "t1/user-3/a.png"]) await putCommercial(other, bytes(500, other));

    // Act
    const result = await run("t1/", since);

    // Assess
    expect(result.summary).toEqual({
      examined: 3,
      copied: 3,
      skipped: 0,
      ignored: 0,
      refused: 0,
      conflicts: 0,
      deleted: 0,
      failed: [],
    });
    expect(result.outcomes[0]).toMatchObject({
      key,
      change: "write",
      outcome: "copied",
      sourceVersionId: latestVersion,
      bytes: 3000,
    });
    const head = await sovereign.send(new HeadObjectCommand({ Bucket: SOVEREIGN_BUCKET, Key: key }));
    expect(head.Metadata?.[META.replicatedFrom]).toBe(
      replicaMarker(COMMERCIAL.id, COMMERCIAL_BUCKET, key, latestVersion),
    );
    expect(head.Metadata?.[META.sourceSha256]).toBe(sha256(latest));
    expect(head.ServerSideEncryption).toBe("aws:kms");
    expect(head.SSEKMSKeyId).toBe(SOVEREIGN_KEY);
    expect(head.ContentType).toBe("image/png");
    const tags = await sovereign.send(new GetObjectTaggingCommand({ Bucket: SOVEREIGN_BUCKET, Key: key }));
    expect(tags.TagSet).toEqual([{ Key: "data-class", Value: "avatar" }]);
    expect(sha256(await sovereignBytes(key))).toBe(sha256(latest));
    expect(await sovereignHistory(key)).toEqual({ versions: 1, deleteMarkers: 0 });
  });

  it("never copies back a replica that came from sovereign", async () => {
    // Prepare
    const since = new Date();
    const key = "t2/user-1/avatar.png";
    const versionId = await putSovereign(key, bytes(1000, "t2"));
    await syncToCommercial(key, versionId);

    // Act
    const result = await run("t2/", since);

    // Assess
    expect(result.outcomes).toEqual([{ key, change: "write", outcome: "ignored", reason: "replica" }]);
    expect(await sovereignHistory(key)).toEqual({ versions: 1, deleteMarkers: 0 });
  });

  it("does not touch an object changed before since", async () => {
    // Prepare
    const key = "t3/user-1/avatar.png";
    await putCommercial(key, bytes(1000, "t3"));
    // The next whole second: later than the write (S3 timestamps are compared in whole seconds).
    const since = new Date((Math.floor(Date.now() / 1000) + 1) * 1000);

    // Act
    const result = await run("t3/", since);

    // Assess
    expect(result.summary.examined).toBe(0);
    expect(result.outcomes).toEqual([]);
    expect(await sovereignHistory(key)).toEqual({ versions: 0, deleteMarkers: 0 });
  });

  it("reports a conflict and keeps the sovereign object when sovereign was written after the commercial change", async () => {
    // Prepare
    const since = new Date();
    const key = "t4/user-1/avatar.png";
    await putCommercial(key, bytes(1000, "t4-commercial"));
    await nextSecond();
    const sovereignBody = bytes(1000, "t4-sovereign");
    await putSovereign(key, sovereignBody);

    // Act
    const result = await run("t4/", since);

    // Assess
    expect(result.summary.conflicts).toBe(1);
    expect(result.outcomes[0]).toMatchObject({ key, change: "write", outcome: "conflict", reason: "target-newer" });
    expect(sha256(await sovereignBytes(key))).toBe(sha256(sovereignBody));
    expect(await sovereignHistory(key)).toEqual({ versions: 1, deleteMarkers: 0 });
  });

  it("refuses an object whose data class may not cross", async () => {
    // Prepare
    const since = new Date();
    const key = "t5/user-1/passport.png";
    await putCommercial(key, bytes(1000, "t5"), "identity");

    // Act
    const result = await run("t5/", since);

    // Assess
    expect(result.outcomes).toEqual([
      { key, change: "write", outcome: "refused", reason: "data-class", dataClass: "identity" },
    ]);
    expect(await sovereignHistory(key)).toEqual({ versions: 0, deleteMarkers: 0 });
  });

  it("creates no second version when it runs twice, and the sovereign sync ignores the copy's event (no loop)", async () => {
    // Prepare
    const since = new Date();
    const key = "t6/user-1/avatar.png";
    await putCommercial(key, bytes(2000, "t6"));

    // Act
    const first = await run("t6/", since);
    const second = await run("t6/", since);
    const copyVersion = first.outcomes[0]?.outcome === "copied" ? first.outcomes[0].targetVersionId : undefined;
    const synced = await sovereignSync()(sovereignEvent("ObjectCreated:Put", key, copyVersion));

    // Assess
    expect(first.summary.copied).toBe(1);
    expect(second.outcomes).toEqual([{ key, change: "write", outcome: "skipped", reason: "target-current" }]);
    expect(await sovereignHistory(key)).toEqual({ versions: 1, deleteMarkers: 0 });
    expect(synced.outcomes).toEqual([{ key, outcome: "ignored", reason: "replica" }]);
    expect(await history(commercial, COMMERCIAL_BUCKET, key)).toEqual({ versions: 1, deleteMarkers: 0 });
  });
});

describe("failback: erasures", () => {
  it("removes the sovereign copy when the commercial side erased it during the outage, once, and the sync does not echo it", async () => {
    // Prepare
    const since = new Date();
    const key = "t7/user-1/avatar.png";
    const versionId = await putSovereign(key, bytes(1000, "t7"));
    await syncToCommercial(key, versionId);
    await commercial.send(new DeleteObjectCommand({ Bucket: COMMERCIAL_BUCKET, Key: key }));

    // Act
    const result = await run("t7/", since);
    const again = await run("t7/", since);
    const synced = await sovereignSync()(sovereignEvent("ObjectRemoved:DeleteMarkerCreated", key));

    // Assess
    expect(result.outcomes).toEqual([
      { key, change: "delete", outcome: "deleted", rule: expect.stringMatching(/^(erased-replica|older)$/) },
    ]);
    expect(await sovereignExists(key)).toBe(false);
    expect(again.outcomes).toEqual([{ key, change: "delete", outcome: "skipped", reason: "target-missing" }]);
    expect(await sovereignHistory(key)).toEqual({ versions: 1, deleteMarkers: 1 });
    // The sync's echo asks nothing of the commercial side: no index record, no failback copy names a replica.
    expect(synced.outcomes).toEqual([{ key, outcome: "skipped", reason: "not-recorded" }]);
    expect(await history(commercial, COMMERCIAL_BUCKET, key)).toEqual({ versions: 1, deleteMarkers: 1 });
  });

  it("keeps a sovereign object written after the commercial erasure and reports the conflict", async () => {
    // Prepare
    const since = new Date();
    const key = "t8/user-1/avatar.png";
    const versionId = await putSovereign(key, bytes(1000, "t8-v1"));
    await syncToCommercial(key, versionId);
    await commercial.send(new DeleteObjectCommand({ Bucket: COMMERCIAL_BUCKET, Key: key }));
    await nextSecond();
    const rewritten = bytes(1000, "t8-v2");
    await putSovereign(key, rewritten);

    // Act
    const result = await run("t8/", since);

    // Assess
    expect(result.outcomes).toEqual([
      expect.objectContaining({ key, change: "delete", outcome: "conflict", reason: "target-newer" }),
    ]);
    expect(sha256(await sovereignBytes(key))).toBe(sha256(rewritten));
    expect(await sovereignHistory(key)).toEqual({ versions: 2, deleteMarkers: 0 });
  });

  it("decides without writing in a dry run, leaves erasures alone with deletes off, and then applies both", async () => {
    // Prepare
    const since = new Date();
    const written = "t9/user-1/avatar.png";
    const erased = "t9/user-2/avatar.png";
    await putCommercial(written, bytes(1000, "t9-written"));
    const versionId = await putSovereign(erased, bytes(1000, "t9-erased"));
    await syncToCommercial(erased, versionId);
    await commercial.send(new DeleteObjectCommand({ Bucket: COMMERCIAL_BUCKET, Key: erased }));

    // Act
    const dry = await run("t9/", since, { dryRun: true });
    const afterDry = { written: await sovereignHistory(written), erased: await sovereignHistory(erased) };
    const noDeletes = await run("t9/", since, { propagateDeletes: false });
    const erasedKept = await sovereignExists(erased);
    const full = await run("t9/", since);

    // Assess
    expect(dry.dryRun).toBe(true);
    expect(dry.outcomes.map((o) => [o.key, o.outcome])).toEqual([
      [written, "copied"],
      [erased, "deleted"],
    ]);
    expect(afterDry).toEqual({ written: { versions: 0, deleteMarkers: 0 }, erased: { versions: 1, deleteMarkers: 0 } });
    expect(noDeletes.outcomes.map((o) => [o.key, o.outcome, "reason" in o ? o.reason : undefined])).toEqual([
      [written, "copied", undefined],
      [erased, "ignored", "deletes-off"],
    ]);
    expect(erasedKept).toBe(true);
    expect(full.outcomes.map((o) => [o.key, o.outcome])).toEqual([
      [written, "skipped"],
      [erased, "deleted"],
    ]);
    expect(await sovereignExists(erased)).toBe(false);
  });
});

describe("failback command line", () => {
  it("pulls with Roles Anywhere credentials as the source, goes on after a failed object and exits 1", async () => {
    // Prepare: a leaf certificate the (fake) trust anchor trusts; CreateSession answers with real
    // temporary credentials of a commercial role that may only read and list the failover bucket.
    const since = new Date();
    const good = "t10/user-1/avatar.png";
    const broken = "t10/user-2/avatar.png";
    const body = bytes(4000, "t10");
    await putCommercial(good, body);
    // SSE-C: without the customer key even HEAD fails (400), a real per-object failure.
    const customerKey = bytes(32, "customer-key");
    await commercial.send(
      new PutObjectCommand({
        Bucket: COMMERCIAL_BUCKET,
        Key: broken,
        Body: bytes(100, "t10-broken"),
        Tagging: "data-class=avatar",
        SSECustomerAlgorithm: "AES256",
        SSECustomerKey: customerKey.toString("base64"),
        SSECustomerKeyMD5: createHash("md5").update(customerKey).digest("base64"),
      }),
    );
    const bucketArn = arn(COMMERCIAL, { service: "s3", resource: COMMERCIAL_BUCKET });
    const readOnly = {
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: ["s3:ListBucket", "s3:ListBucketVersions"], Resource: [bucketArn] },
        {
          Effect: "Allow",
          Action: ["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTagging", "s3:GetObjectVersionTagging"],
          Resource: [`${bucketArn}/*`],
        },
      ],
    };
    const trust = await scriptedRolesAnywhere(commercialGateway(), "failback-read", readOnly);
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_REGION: SOVEREIGN_REGION,
      // Sovereign: the default credential chain (here: the sovereign gateway's test user).
      AWS_ACCESS_KEY_ID: sovereignGateway().accessKeyId,
      AWS_SECRET_ACCESS_KEY: sovereignGateway().secretAccessKey,
      SOURCE_BUCKET: SOVEREIGN_BUCKET,
      SOURCE_S3_ENDPOINT: sovereignGateway().endpoint,
      SOURCE_KMS_KEY_ARN: SOVEREIGN_KEY,
      TARGET_REGION: COMMERCIAL_REGION,
      TARGET_BUCKET: COMMERCIAL_BUCKET,
      TARGET_KMS_KEY_ARN: COMMERCIAL_KEY,
      TARGET_S3_ENDPOINT: commercialGateway().endpoint,
      ...trust.env,
    });
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    let stdout = "";
    let stderr = "";
    const io = { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } };

    // Act
    const code = await main(
      ["--since", since.toISOString(), "--prefix", "t10/", "--concurrency", "2"],
      process.env,
      io,
    ).finally(async () => {
      process.env = saved;
      await trust.close();
    });

    // Assess
    expect(code).toBe(1);
    const printed = JSON.parse(stdout) as { summary: { copied: number; failed: { key: string; error: string }[] } };
    expect(printed.summary.copied).toBe(1);
    expect(printed.summary.failed).toEqual([{ key: broken, error: expect.stringContaining("400") }]);
    expect(stderr).toContain(`failback: copied write ${good}\n`);
    expect(stderr).toContain(`failback: failed write ${broken}: `);
    expect(stderr).toMatch(
      /failback: 2 keys changed since .*: 1 copied, 0 deleted, 0 skipped, 0 ignored, 0 refused, 0 conflicts, 1 failed\n/,
    );
    expect(trust.endpoint.verified).toHaveLength(1);
    expect(trust.endpoint.rejected).toEqual([]);
    expect(sha256(await sovereignBytes(good))).toBe(sha256(body));
    expect(await sovereignHistory(broken)).toEqual({ versions: 0, deleteMarkers: 0 });
  });
});

describe("failback: replicas named by the standby pseudonym (docs/cross-partition.md §7)", () => {
  const STANDBY = "5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b";
  const index = () => s3StandbyIndex(sovereign, SOVEREIGN_BUCKET);
  const runHome = (prefix: string, since: Date) =>
    run(prefix, since, { sovereignKeyOf: (key) => recordedSovereignKey(index(), key) });

  /** A sovereign object of a crossing class, synced by the sync function: its replica is `<tenant>/<standby>/<id>`. */
  async function synced(tenant: string, body: Buffer): Promise<{ sovereignKey: string; replicaKey: string }> {
    const sovereignKey = `${tenant}/user-1/avatar.png`;
    const put = await sovereign.send(
      new PutObjectCommand({
        Bucket: SOVEREIGN_BUCKET,
        Key: sovereignKey,
        Body: body,
        ContentType: "image/png",
        Tagging: "data-class=avatar",
        Metadata: { "standby-pseudonym": STANDBY },
        ServerSideEncryption: "aws:kms",
        SSEKMSKeyId: SOVEREIGN_KEY,
      }),
    );
    const result = await createSyncHandler({
      config: { ...syncConfig, replicaKeys: "standby-pseudonym" },
      source: sovereign,
      target: commercial,
      logger: createLogger("cross-partition-sync", { write: () => {} }),
    })(sovereignEvent("ObjectCreated:Put", sovereignKey, put.VersionId));
    expect(result.outcomes[0]?.outcome).toBe("copied");
    return { sovereignKey, replicaKey: `${tenant}/${STANDBY}/avatar.png` };
  }

  it("brings a commercial write to a replica home to its sovereign key, found in the sovereign standby index", async () => {
    // Prepare: replicated before the outage, overwritten on the commercial side during it
    const { sovereignKey, replicaKey } = await synced("t20", bytes(1000, "t20-before"));
    await nextSecond();
    const since = new Date();
    const outage = bytes(1500, "t20-outage");
    const outageVersion = await putCommercial(replicaKey, outage);

    // Act
    const result = await runHome("t20/", since);

    // Assess
    expect(result.outcomes).toEqual([
      expect.objectContaining({ key: replicaKey, change: "write", outcome: "copied", sourceVersionId: outageVersion }),
    ]);
    expect(sha256(await sovereignBytes(sovereignKey))).toBe(sha256(outage));
    // The copy's marker names the commercial key, never the sovereign one.
    const head = await sovereign.send(new HeadObjectCommand({ Bucket: SOVEREIGN_BUCKET, Key: sovereignKey }));
    expect(head.Metadata?.[META.replicatedFrom]).toBe(
      replicaMarker(COMMERCIAL.id, COMMERCIAL_BUCKET, replicaKey, outageVersion),
    );
    expect(await history(sovereign, SOVEREIGN_BUCKET, replicaKey)).toEqual({ versions: 0, deleteMarkers: 0 });
  });

  it("erases the sovereign object of a replica the commercial side erased during the outage", async () => {
    // Prepare
    const { sovereignKey, replicaKey } = await synced("t21", bytes(1000, "t21"));
    await nextSecond();
    const since = new Date();
    await commercial.send(new DeleteObjectCommand({ Bucket: COMMERCIAL_BUCKET, Key: replicaKey }));

    // Act
    const result = await runHome("t21/", since);

    // Assess
    expect(result.outcomes).toEqual([
      expect.objectContaining({ key: replicaKey, change: "delete", outcome: "deleted" }),
    ]);
    expect(
      await sovereign.send(new HeadObjectCommand({ Bucket: SOVEREIGN_BUCKET, Key: sovereignKey })).catch((e) => e),
    ).toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });
});
