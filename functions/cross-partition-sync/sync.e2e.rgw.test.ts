/**
 * The sync function end to end on loopback (issue 5), with everything started by this file. Two Ceph
 * RADOS Gateways stand for the partitions, both with STS: "e2e-sovereign" holds the clean-avatars
 * bucket, and "e2e-commercial" holds the failover bucket.
 *
 * - Events reach the handler as in production. The sovereign gateway's bucket notification (a topic
 *   with a push endpoint) posts them to a listener. The listener invokes the handler the way Lambda
 *   invokes an asynchronous function: 2 retries with backoff, then a DLQ.
 * - The handler is the production wiring (`dependenciesFromEnv`), with the environment of the
 *   synthesized sync function, plus loopback endpoints and 5 MiB parts.
 * - On the sovereign side it reads with the credentials of a gateway role that carries the
 *   function's synthesized execution-role policy.
 * - On the commercial side, `fromRolesAnywhere` signs CreateSession with the leaf certificate from the
 *   signing-material secret (in memory here), against a local CreateSession endpoint:
 *   - The endpoint trusts only the CA certificate taken from the synthesized
 *     `aws_rolesanywhere_trust_anchor`.
 *   - It admits only the synthesized trust anchor, the profile, its role and the role trust
 *     policy's certificate CN.
 *   - It answers with real temporary credentials, minted by the commercial gateway's STS
 *     AssumeRole for a gateway role that carries the synthesized role policy.
 *   - The credentials stop working at the `expiration` they claim.
 * - Commercial requests pass through a proxy that logs which credentials signed them, and that can
 *   cut a transfer off mid-body.
 *
 * Measured gateway behaviour this relies on (Ceph 16.2):
 * - Event keys arrive raw (not URL-encoded). Events carry `versionId` and the object's metadata.
 * - Deleting in a versioned bucket sends `ObjectRemoved:DeleteMarkerCreated`.
 * - The gateway evaluates role and session policies on every request.
 * - It parses only the `aws` partitions' ARNs, and rejects `kms:*` actions in role policies
 *   (MalformedPolicyDocument). So the policies keep their S3 statements, with `arn:aws:` ARNs.
 * - It requires `s3:PutObjectVersionTagging` for PutObjectTagging with a VersionId, as AWS does.
 *   Unlike AWS, it answers a missing key with 404 even without ListBucket.
 */
import { createHash, X509Certificate } from "node:crypto";
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
  S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { s3ClientConfig } from "../../test/s3/radosgw";
import { useRadosGateway } from "../../test/s3/lifecycle";
import { castNames } from "../../test/authz/recorder";
import { assumeRole, createRole } from "../../test/s3/sts";
import { createSession } from "../rolesanywhere/credentials";
import { issue, type TestIdentity } from "../../test/support/rolesanywhere/pki";
import { createLogger } from "../shared/logger";
import { META, replicaMarker, replicate, SHA256_TAG } from "./replication";
import { dependenciesFromEnv } from "./env";
import { createSyncHandler } from "./handler";
import type { SyncDependencies } from "./sync-record";
import { handler as failbackHandler } from "./failback-handler";
import { replay } from "./replay";
import {
  type IssuedSession,
  isUploadPart,
  type NotificationListener,
  patternBytes,
  type RolesAnywhereIssuer,
  type S3FaultProxy,
  type SyncHandlerFn,
  startNotificationListener,
  subscribeBucket,
  replicaOf,
  standbyOf,
} from "../../test/support/cross-partition-sync/harness";
import {
  COMMERCIAL,
  COMMERCIAL_REGION,
  type E2eStack,
  failbackFunctionEnv,
  forGateway,
  SOURCE_KMS_KEY,
  SOVEREIGN,
  SOVEREIGN_REGION,
  startE2eStack,
  type SynthesizedSync,
  TARGET_KMS_KEY,
} from "../../test/support/cross-partition-sync/e2e-stack";

const MiB = 1024 * 1024;

// STS on both: the function's execution role (sovereign) and the Roles Anywhere role (commercial) are gateway roles.
const sovereignGateway = useRadosGateway({
  name: "e2e-sovereign",
  region: SOVEREIGN_REGION,
  kmsKeys: [SOURCE_KMS_KEY],
  sts: true,
});
const commercialGateway = useRadosGateway({
  name: "e2e-commercial",
  region: COMMERCIAL_REGION,
  kmsKeys: [TARGET_KMS_KEY],
  sts: true,
});

// ---------------------------------------------------------------------------------------------------
// Wiring

let synth: SynthesizedSync;
/** The sync function's own credentials on the sovereign gateway (the process environment, as Lambda sets it). */
let syncCredentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
let stack: E2eStack;
let ca: TestIdentity;
let sovereign: S3Client;
let commercial: S3Client;
let issuer: RolesAnywhereIssuer;
let proxy: S3FaultProxy;
let listener: NotificationListener;
let handlerEnv: Record<string, string>;
let deps: SyncDependencies;
let baseHandle: SyncHandlerFn;
/** The Secrets Manager secret holding the signing material, and how often it was read. */
const secrets = { value: "", reads: 0 };
/** The handler's log lines (kept out of the test output). */
const logLines: string[] = [];
/** Per-test instrumentation of the running handler (the hooks object of the dependencies delegates here). */
let hooks: { beforeUploadPart?: (partNumber: number) => Promise<void> } = {};

/** A handler as Lambda builds it at its first invocation: production wiring from the environment. */
function newHandler(): { handle: SyncHandlerFn; deps: SyncDependencies } {
  const secretReader = {
    getSecretString: async (secretId: string) => {
      if (secretId !== synth.signingSecretArn) throw new Error(`no secret ${secretId}`);
      secrets.reads++;
      return secrets.value;
    },
  };
  const built: SyncDependencies = {
    ...dependenciesFromEnv(handlerEnv, {
      secrets: secretReader,
      logger: createLogger("cross-partition-sync", { level: "info", write: (l) => logLines.push(l) }),
    }),
    hooks: { beforeUploadPart: (n) => hooks.beforeUploadPart?.(n) },
  };
  return { handle: createSyncHandler(built), deps: built };
}

beforeAll(async () => {
  // The synthesized stack, the Roles Anywhere side (role, CreateSession endpoint) and the proxy.
  stack = await startE2eStack({ sovereign: sovereignGateway(), commercial: commercialGateway() });
  ({ synth, ca, issuer, proxy } = stack);
  secrets.value = stack.signingMaterial;

  // For the authorization proof: one gateway key per side stands for that side's key of the data class.
  castNames({
    keys: {
      [SOURCE_KMS_KEY]: "aws_kms_key.sovereign-key-avatars-clean_key",
      [TARGET_KMS_KEY]: "aws_kms_key.commercial-key-avatars-clean_key",
    },
  });
  sovereign = sovereignGateway().client();
  commercial = commercialGateway().client();
  await sovereign.send(new CreateBucketCommand({ Bucket: synth.sourceBucket }));
  await commercial.send(new CreateBucketCommand({ Bucket: synth.targetBucket }));
  for (const [client, bucket] of [
    [sovereign, synth.sourceBucket],
    [commercial, synth.targetBucket],
  ] as const) {
    await client.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }),
    );
  }
  // The function's role carries its synthesized S3 statements (and nothing more), as the Roles Anywhere role does.
  const functionRole = await createRole(sovereignGateway(), synth.functionRoleName, forGateway(synth.functionPolicy));
  const functionCredentials = await assumeRole(sovereignGateway(), functionRole, "sync-function", 3600);
  syncCredentials = functionCredentials;
  handlerEnv = {
    ...synth.env,
    // Set by Lambda: the function's region.
    AWS_REGION: SOVEREIGN_REGION,
    // Loopback endpoints instead of the partition table's.
    SOURCE_S3_ENDPOINT: sovereignGateway().endpoint,
    TARGET_S3_ENDPOINT: proxy.url,
    ROLES_ANYWHERE_ENDPOINT: issuer.url,
    // Small parts keep the multipart cases small (the defaults are 16 MiB / 8 MiB).
    SYNC_MULTIPART_THRESHOLD_BYTES: String(5 * MiB),
    SYNC_PART_SIZE_BYTES: String(5 * MiB),
  };
  // The function's own role on the sovereign side: Lambda passes its credentials in these variables.
  vi.stubEnv("AWS_ACCESS_KEY_ID", functionCredentials.accessKeyId);
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", functionCredentials.secretAccessKey);
  vi.stubEnv("AWS_SESSION_TOKEN", functionCredentials.sessionToken);
  vi.stubEnv("AWS_PROFILE", undefined);
  const built = newHandler();
  deps = built.deps;
  baseHandle = built.handle;
  listener = await startNotificationListener(baseHandle);
  await subscribeBucket(sovereignGateway(), synth.sourceBucket, `${listener.url}/`);
});

afterAll(async () => {
  await listener?.close();
  await stack?.close();
  vi.unstubAllEnvs();
});

// ---------------------------------------------------------------------------------------------------
// Helpers

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("base64");

async function putSource(key: string, body: Buffer, metadata: Record<string, string> = {}): Promise<string> {
  const put = await sovereign.send(
    new PutObjectCommand({
      Bucket: synth.sourceBucket,
      Key: key,
      Body: body,
      ContentType: "image/png",
      // As the upload function signs it and the scrubber keeps it (docs/cross-partition.md §7).
      Metadata: { "standby-pseudonym": standbyOf(key), ...metadata },
      Tagging: `${synth.dataClassTag}=${synth.dataClass}`,
      ServerSideEncryption: "aws:kms",
      SSEKMSKeyId: SOURCE_KMS_KEY,
    }),
  );
  if (put.VersionId === undefined) throw new Error("the source bucket is not versioned");
  return put.VersionId;
}

async function targetBytes(key: string): Promise<Buffer> {
  const got = await commercial.send(new GetObjectCommand({ Bucket: synth.targetBucket, Key: key }));
  return Buffer.from((await got.Body?.transformToByteArray()) ?? new Uint8Array());
}

async function targetVersions(key: string): Promise<{ versions: number; deleteMarkers: number }> {
  const listed = await commercial.send(new ListObjectVersionsCommand({ Bucket: synth.targetBucket, Prefix: key }));
  return {
    versions: (listed.Versions ?? []).filter((v) => v.Key === key).length,
    deleteMarkers: (listed.DeleteMarkers ?? []).filter((m) => m.Key === key).length,
  };
}

async function targetHead(key: string) {
  return commercial.send(new HeadObjectCommand({ Bucket: synth.targetBucket, Key: key }));
}

/** Requests the handler sent to the commercial partition about `key`. */
function targetRequests(key: string) {
  return proxy.requests.filter((r) => r.key === key);
}

/** HeadObject on the target with exactly these session credentials: the HTTP status. */
async function statusWith(session: IssuedSession, key: string): Promise<number> {
  const client = new S3Client({
    ...s3ClientConfig(commercialGateway().endpoint, COMMERCIAL_REGION, "-", "-"),
    credentials: session,
    maxAttempts: 1,
  });
  try {
    const head = await client.send(new HeadObjectCommand({ Bucket: synth.targetBucket, Key: key }));
    return head.$metadata.httpStatusCode ?? 0;
  } catch (error) {
    return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? -1;
  } finally {
    client.destroy();
  }
}

// ---------------------------------------------------------------------------------------------------

describe("sync end to end: gateway notifications → handler → the other partition", () => {
  it("copies a new object with Roles Anywhere credentials that only the synthesized trust anchor, profile, role and CN yield", async () => {
    // Prepare
    const key = "acme/user 1/avatar.png";
    const body = patternBytes(300 * 1024, "create");

    // Act
    const versionId = await putSource(key, body, { "uploaded-by": "user-1" });
    const delivery = await listener.next(key, "ObjectCreated");
    const result = await delivery.done;

    // Assess
    expect(result?.outcomes).toEqual([{ key, outcome: "copied", reason: undefined }]);
    expect(delivery.attempts).toBe(1);
    const head = await targetHead(replicaOf(key));
    expect(head.Metadata?.[META.replicatedFrom]).toBe(
      replicaMarker(SOVEREIGN.id, synth.sourceBucket, replicaOf(key), versionId),
    );
    expect(head.Metadata?.[META.sourceSha256]).toBe(sha256(body));
    expect(head.SSEKMSKeyId).toBe(TARGET_KMS_KEY);
    expect(sha256(await targetBytes(replicaOf(key)))).toBe(sha256(body));
    expect(issuer.fake.rejected).toEqual([]);
    expect(issuer.refused).toEqual([]);
    expect(issuer.fake.verified[0]?.body).toEqual({
      durationSeconds: synth.profileDurationSeconds,
      profileArn: synth.profileArn,
      roleArn: synth.roleArn,
      trustAnchorArn: synth.trustAnchorArn,
    });
    expect(issuer.fake.verified[0]?.subject).toContain(`CN=${synth.workloadCommonName}`);
    const signers = new Set(targetRequests(replicaOf(key)).map((r) => r.accessKeyId));
    expect([...signers]).toEqual([issuer.sessions[0]?.accessKeyId]);
    expect(secrets.reads).toBe(1);
  });

  it("rejects a CreateSession signed by a certificate of another CA, and the trust anchor's CA is the configured one", async () => {
    // Prepare
    const stranger = issue({ commonName: "Stranger CA", ca: true });
    const strangerLeaf = issue({ commonName: synth.workloadCommonName }, stranger);
    const rejectedBefore = issuer.fake.rejected.length;

    // Act
    const outcome = await createSession(
      {
        region: COMMERCIAL_REGION,
        endpoint: issuer.url,
        trustAnchorArn: synth.trustAnchorArn,
        profileArn: synth.profileArn,
        roleArn: synth.roleArn,
      },
      { certificate: strangerLeaf.certificatePem, privateKey: strangerLeaf.privateKeyPem },
    ).catch((error: unknown) => error);

    // Assess
    expect(outcome).toMatchObject({ name: "CreateSessionError", status: 403 });
    expect(issuer.fake.rejected.slice(rejectedBefore)).toEqual(["untrusted certificate"]);
    expect(new X509Certificate(synth.trustAnchorPem).fingerprint256).toBe(ca.certificate.fingerprint256);
  });

  it("replaces the replica when the source is overwritten", async () => {
    // Prepare
    const key = "acme/user-2/avatar.png";
    await putSource(key, patternBytes(2000, "overwrite-1"));
    await (await listener.next(key, "ObjectCreated")).done;
    const body = patternBytes(3000, "overwrite-2");

    // Act
    const v2 = await putSource(key, body);
    const result = await (await listener.next(key, "ObjectCreated")).done;

    // Assess
    expect(result?.outcomes[0]?.outcome).toBe("copied");
    expect(sha256(await targetBytes(replicaOf(key)))).toBe(sha256(body));
    expect((await targetHead(replicaOf(key))).Metadata?.[META.replicatedFrom]).toBe(
      replicaMarker(SOVEREIGN.id, synth.sourceBucket, replicaOf(key), v2),
    );
    expect(await targetVersions(replicaOf(key))).toEqual({ versions: 2, deleteMarkers: 0 });
  });

  it("deletes the replica when the source is deleted (erasure reaches the commercial copy)", async () => {
    // Prepare
    const key = "acme/user-3/avatar.png";
    await putSource(key, patternBytes(2000, "delete"));
    await (await listener.next(key, "ObjectCreated")).done;

    // Act
    await sovereign.send(new DeleteObjectCommand({ Bucket: synth.sourceBucket, Key: key }));
    const delivery = await listener.next(key, "ObjectRemoved");
    const result = await delivery.done;

    // Assess
    expect(delivery.eventNames).toEqual(["ObjectRemoved:DeleteMarkerCreated"]);
    expect(result?.outcomes).toEqual([{ key, outcome: "deleted" }]);
    expect(await targetHead(replicaOf(key)).catch((e: unknown) => e)).toMatchObject({
      $metadata: { httpStatusCode: 404 },
    });
    expect(await targetVersions(replicaOf(key))).toEqual({ versions: 1, deleteMarkers: 1 });
  });

  it("creates no second version and writes nothing when the gateway's event is delivered twice", async () => {
    // Prepare
    const key = "acme/user-4/avatar.png";
    await putSource(key, patternBytes(2000, "duplicate"));
    const first = await listener.next(key, "ObjectCreated");
    await first.done;
    const writesBefore = targetRequests(replicaOf(key)).filter((r) => r.method === "PUT").length;

    // Act
    const again = await listener.redeliver(first.body).done;

    // Assess
    expect(again?.outcomes).toEqual([{ key, outcome: "skipped", reason: "target-current" }]);
    expect(targetRequests(replicaOf(key)).filter((r) => r.method === "PUT")).toHaveLength(writesBefore);
    expect(await targetVersions(replicaOf(key))).toEqual({ versions: 1, deleteMarkers: 0 });
  });

  it("keeps the newest version when the events of two writes arrive in reverse order", async () => {
    // Prepare
    const key = "acme/user-5/avatar.png";
    const newest = patternBytes(2000, "order-2");
    listener.hold();
    await putSource(key, patternBytes(2000, "order-1"));
    const v2 = await putSource(key, newest);
    const older = await listener.next(key, "ObjectCreated");
    const newer = await listener.next(key, "ObjectCreated");

    // Act
    await listener.release((held) => [...held].reverse());

    // Assess
    expect((await newer.done)?.outcomes[0]?.outcome).toBe("copied");
    expect((await older.done)?.outcomes[0]).toMatchObject({ outcome: "skipped", reason: "superseded" });
    expect(sha256(await targetBytes(replicaOf(key)))).toBe(sha256(newest));
    expect((await targetHead(replicaOf(key))).Metadata?.[META.sourceVersion]).toBe(v2);
    expect(await targetVersions(replicaOf(key))).toEqual({ versions: 1, deleteMarkers: 0 });
  });

  it("never deletes a re-created object when the delete event arrives after the re-creation's", async () => {
    // Prepare
    const key = "acme/user-6/avatar.png";
    const recreated = patternBytes(2000, "recreated");
    listener.hold();
    await putSource(key, patternBytes(2000, "before-delete"));
    await sovereign.send(new DeleteObjectCommand({ Bucket: synth.sourceBucket, Key: key }));
    await putSource(key, recreated);
    const created = await listener.next(key, "ObjectCreated");
    const removed = await listener.next(key, "ObjectRemoved");
    const recreatedEvent = await listener.next(key, "ObjectCreated");

    // Act
    await listener.release(() => [recreatedEvent, removed, created]);

    // Assess
    expect((await recreatedEvent.done)?.outcomes[0]?.outcome).toBe("copied");
    expect((await removed.done)?.outcomes[0]).toMatchObject({ outcome: "skipped", reason: "source-exists" });
    expect((await created.done)?.outcomes[0]).toMatchObject({ outcome: "skipped", reason: "superseded" });
    expect(sha256(await targetBytes(replicaOf(key)))).toBe(sha256(recreated));
    expect(await targetVersions(replicaOf(key))).toEqual({ versions: 1, deleteMarkers: 0 });
  });

  it("retries a multipart transfer whose connection is cut mid-part, and loses nothing", async () => {
    // Prepare: part 2 dies after 1 MiB on every SDK attempt until the first invocation gives up (aborts)
    const key = "acme/user-7/large.png";
    const body = patternBytes(11 * MiB, "cut");
    const aborted = () => targetRequests(replicaOf(key)).some((r) => r.method === "DELETE" && r.query.has("uploadId"));
    const stop = proxy.cut({ match: (r) => r.key === replicaOf(key) && isUploadPart(2)(r) && !aborted() });

    // Act
    await putSource(key, body);
    const delivery = await listener.next(key, "ObjectCreated");
    const result = await delivery.done.finally(stop);

    // Assess
    expect(delivery.attempts).toBe(2);
    expect(delivery.errors[0]).toMatchObject({ name: "SyncBatchError" });
    expect(result?.outcomes[0]?.outcome).toBe("copied");
    const requests = targetRequests(replicaOf(key));
    expect(requests.filter((r) => r.cut)).toHaveLength(3);
    expect(requests.filter((r) => r.method === "DELETE" && r.query.has("uploadId"))).toHaveLength(1);
    const uploads = await commercial.send(
      new ListMultipartUploadsCommand({ Bucket: synth.targetBucket, Prefix: replicaOf(key) }),
    );
    expect(uploads.Uploads ?? []).toEqual([]);
    expect(sha256(await targetBytes(replicaOf(key)))).toBe(sha256(body));
    const tags = await commercial.send(
      new GetObjectTaggingCommand({ Bucket: synth.targetBucket, Key: replicaOf(key) }),
    );
    expect(tags.TagSet).toContainEqual({ Key: SHA256_TAG, Value: sha256(body) });
    expect(await targetVersions(replicaOf(key))).toEqual({ versions: 1, deleteMarkers: 0 });
  });

  it("puts an event that fails on every retry into the DLQ, and a replay of the DLQ message copies it", async () => {
    // Prepare: every write of this key is cut until the target "recovers"
    const key = "acme/user-8/avatar.png";
    const body = patternBytes(4000, "dlq");
    const recover = proxy.cut({ match: (r) => r.key === replicaOf(key) && r.method === "PUT", afterBytes: 1000 });

    // Act
    await putSource(key, body);
    const delivery = await listener.next(key, "ObjectCreated");
    const dead = await delivery.done;
    const letter = listener.dlq.find((d) => d.event === delivery.body);
    const visibleBeforeReplay = await targetVersions(replicaOf(key));
    recover();
    const replayed = await replay(JSON.stringify({ MessageId: "m-1", Body: JSON.stringify(letter?.event) }), deps);

    // Assess
    expect(dead).toBeUndefined();
    expect(delivery.errors).toEqual([
      expect.objectContaining({ name: "SyncBatchError" }),
      expect.objectContaining({ name: "SyncBatchError" }),
      expect.objectContaining({ name: "SyncBatchError" }),
    ]);
    expect(letter?.attempts).toBe(3);
    expect(visibleBeforeReplay).toEqual({ versions: 0, deleteMarkers: 0 });
    expect(replayed.outcomes).toEqual([{ key, outcome: "copied", reason: undefined }]);
    expect(sha256(await targetBytes(replicaOf(key)))).toBe(sha256(body));
  });

  it("refreshes credentials that expire in the middle of a multipart transfer, and the expired ones really stop working", async () => {
    // Prepare: a fresh execution environment whose first session lasts 2 s; the transfer waits
    // before part 2 until that session has expired
    const key = "acme/user-9/large.png";
    const body = patternBytes(12 * MiB, "expiry");
    const fresh = newHandler();
    listener.setHandler(fresh.handle);
    const sessionsBefore = issuer.sessions.length;
    const secretReadsBefore = secrets.reads;
    issuer.shortenNext(2);
    hooks = {
      beforeUploadPart: async (partNumber) => {
        const first = issuer.sessions[sessionsBefore];
        if (partNumber === 2 && first !== undefined)
          await new Promise((resolve) => setTimeout(resolve, first.expiration.getTime() - Date.now() + 250));
      },
    };

    // Act
    await putSource(key, body);
    const delivery = await listener.next(key, "ObjectCreated");
    const result = await delivery.done.finally(() => {
      hooks = {};
      listener.setHandler(baseHandle);
    });

    // Assess
    expect(result?.outcomes[0]?.outcome).toBe("copied");
    expect(delivery.attempts).toBe(1);
    const [expired, renewed, ...more] = issuer.sessions.slice(sessionsBefore);
    if (expired === undefined || renewed === undefined)
      throw new Error(`expected two sessions, got ${issuer.sessions.length - sessionsBefore}`);
    expect(more).toEqual([]);
    expect(secrets.reads - secretReadsBefore).toBe(2);
    expect(expired.expiration.getTime() - expired.issuedAt.getTime()).toBeLessThanOrEqual(3000);
    const requests = targetRequests(replicaOf(key));
    const byExpired = requests.filter((r) => r.accessKeyId === expired.accessKeyId);
    const byRenewed = requests.filter((r) => r.accessKeyId === renewed.accessKeyId);
    expect(byExpired.length).toBeGreaterThan(0);
    expect(byExpired.every((r) => r.at < expired.expiration.getTime())).toBe(true);
    expect(byRenewed.map((r) => r.query.get("partNumber"))).toEqual(expect.arrayContaining(["2", "3"]));
    expect(byExpired.length + byRenewed.length).toBe(requests.length);
    expect(requests.map((r) => `${r.method} ${r.status}`)).not.toContainEqual(expect.stringMatching(/ 403$/));
    expect(await statusWith(expired, replicaOf(key))).toBe(403);
    expect(await statusWith(renewed, replicaOf(key))).toBe(200);
    expect(sha256(await targetBytes(replicaOf(key)))).toBe(sha256(body));
    expect(await targetVersions(replicaOf(key))).toEqual({ versions: 1, deleteMarkers: 0 });
  });

  it("runs failback as the failback function, invoked with the outage's start: its own role brings the outage's object home", async () => {
    // Prepare: an object written natively in the commercial partition during an outage, and the
    // failback function as Lambda runs it: its environment, its role, the signing material in files.
    const since = new Date(Math.floor(Date.now() / 1000) * 1000 - 1000);
    const key = "acme/user-11/written-in-outage.png";
    const body = patternBytes(3000, "failback-function");
    await commercial.send(
      new PutObjectCommand({
        Bucket: synth.targetBucket,
        Key: key,
        Body: body,
        Tagging: `${synth.dataClassTag}=${synth.dataClass}`,
        ServerSideEncryption: "aws:kms",
        SSEKMSKeyId: TARGET_KMS_KEY,
      }),
    );
    const role = await createRole(sovereignGateway(), synth.failbackRoleName, forGateway(synth.failbackPolicy));
    const credentials = await assumeRole(sovereignGateway(), role, "failback-function", 900);
    const env = await failbackFunctionEnv(stack, sovereignGateway());
    vi.stubEnv("AWS_ACCESS_KEY_ID", credentials.accessKeyId);
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", credentials.secretAccessKey);
    vi.stubEnv("AWS_SESSION_TOKEN", credentials.sessionToken);

    // Act
    let answer: Awaited<ReturnType<typeof failbackHandler>>;
    try {
      answer = await failbackHandler({ since: since.toISOString(), prefix: "acme/user-11/" }, env);
    } finally {
      // Back to the sync function's own credentials (beforeAll), which the other tests run with.
      vi.stubEnv("AWS_ACCESS_KEY_ID", syncCredentials.accessKeyId);
      vi.stubEnv("AWS_SECRET_ACCESS_KEY", syncCredentials.secretAccessKey);
      vi.stubEnv("AWS_SESSION_TOKEN", syncCredentials.sessionToken);
    }
    const delivery = await listener.next(key, "ObjectCreated");
    await delivery.done;

    // Assess
    expect(answer.summary).toMatchObject({ examined: 1, copied: 1, failed: [] });
    expect(answer.outcomesOmitted).toBe(0);
    const head = await sovereign.send(new HeadObjectCommand({ Bucket: synth.sourceBucket, Key: key }));
    expect(head.SSEKMSKeyId).toBe(SOURCE_KMS_KEY);
    const got = await sovereign.send(new GetObjectCommand({ Bucket: synth.sourceBucket, Key: key }));
    expect(sha256(Buffer.from(await (got.Body?.transformToByteArray() ?? Promise.resolve(new Uint8Array()))))).toBe(
      sha256(body),
    );
  });

  it("refuses a failback event without the outage's start, naming the field", async () => {
    await expect(failbackHandler({ prefix: "acme/" }, {})).rejects.toThrow(
      /invalid failback event: since: .*Fix: send \{"since"/,
    );
    await expect(failbackHandler({ since: "yesterday" }, {})).rejects.toThrow(
      /since must be an ISO 8601 time with a zone/,
    );
  });

  it("ignores the event of a replica that failback wrote into the source bucket, so nothing loops back", async () => {
    // Prepare: an object written natively in the commercial partition during an outage
    const key = "acme/user-10/written-in-outage.png";
    const body = patternBytes(2000, "native");
    await commercial.send(
      new PutObjectCommand({
        Bucket: synth.targetBucket,
        Key: key,
        Body: body,
        Tagging: `${synth.dataClassTag}=${synth.dataClass}`,
        ServerSideEncryption: "aws:kms",
        SSEKMSKeyId: TARGET_KMS_KEY,
      }),
    );

    // Act: failback copies it into the sovereign clean bucket; the gateway notifies the sync
    const back = await replicate({
      source: { client: commercial, partition: COMMERCIAL.id, bucket: synth.targetBucket, key },
      target: { client: sovereign, bucket: synth.sourceBucket, kmsKeyId: SOURCE_KMS_KEY },
      policy: { allowedDataClasses: [synth.dataClass] },
    });
    const delivery = await listener.next(key, "ObjectCreated");
    const result = await delivery.done;

    // Assess
    expect(back.outcome).toBe("copied");
    expect(result?.outcomes).toEqual([{ key, outcome: "ignored", reason: "replica" }]);
    expect(targetRequests(key)).toEqual([]);
    expect(await targetVersions(key)).toEqual({ versions: 1, deleteMarkers: 0 });
    expect(sha256(await targetBytes(key))).toBe(sha256(body));
  });
});
