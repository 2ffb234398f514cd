/**
 * Bringing outage uploads home (docs/cross-partition.md §7) end to end through the PRODUCTION WIRING:
 * `startOutageHomecoming` (failback-run.ts) and the failback function's handler with
 * `{"outageUploads": true}`, with the environment of the synthesized failback function
 * `example-failback-avatars-clean`, references resolved (test/support/cross-partition-sync/e2e-stack.ts).
 * The set-up is the sync's end-to-end test's (sync.e2e.rgw.test.ts, whose header says what the
 * gateways do and do not check):
 *
 * - Two Ceph gateways with STS. The sovereign one holds the originals bucket (OUTAGE_HOME_BUCKET); the
 *   function reaches it as a gateway role carrying the S3 statements of the failback function's
 *   synthesized execution-role policy.
 * - The commercial one holds the outage inbox (OUTAGE_UPLOADS_BUCKET). The wiring reaches it through
 *   Roles Anywhere: a local CreateSession endpoint that trusts only the synthesized trust anchor and
 *   mints real gateway credentials for a gateway role carrying the SYNTHESIZED Roles Anywhere role
 *   policy's S3 statements; a proxy logs which credentials signed each request.
 * - KMS: Ceph has no KMS API, so a stand-in on loopback (kms-stand-in.ts) answers Decrypt under the
 *   sealing key and GenerateMac under the two pseudonym keys, with test keys. It refuses another key
 *   ID for an operation and another algorithm, so a run that moves the upload proves the wiring names
 *   SUBJECT_SEALING_KEY_ID with RSAES_OAEP_SHA_256, and PSEUDONYM_KEY_ID and STANDBY_PSEUDONYM_KEY_ID
 *   with HMAC_SHA_256. The key IDs it expects are the ARNs of the synthesized key resources
 *   (`e2eKeyArn` of their addresses), not read from the environment.
 *
 * Not covered: the tenant directory (TENANT_* are left out, as in the sync's failback case: it looks
 * tenant keys up in KMS, which the stand-in does not answer), KMS key policies and the KMS statements
 * of the role policies (the gateway rejects kms:* actions; the authorization proof judges the recorded
 * KMS calls).
 */
import { generateKeyPairSync, randomUUID } from "node:crypto";
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { DecryptCommand, GenerateMacCommand, KMSClient } from "@aws-sdk/client-kms";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { castNames } from "../../test/authz/recorder";
import { useRadosGateway } from "../../test/s3/lifecycle";
import { assumeRole, createRole } from "../../test/s3/sts";
import {
  COMMERCIAL,
  COMMERCIAL_REGION,
  type E2eStack,
  e2eKeyArn,
  failbackFunctionEnv,
  forGateway,
  SOURCE_KMS_KEY,
  SOVEREIGN_REGION,
  startE2eStack,
  TARGET_KMS_KEY,
} from "../../test/support/cross-partition-sync/e2e-stack";
import { patternBytes } from "../../test/support/cross-partition-sync/harness";
import { type KmsStandIn, startKmsStandIn } from "../../test/support/cross-partition-sync/kms-stand-in";
import { putOutageUpload } from "../../test/support/cross-partition-sync/outage-inbox";
import { createLogger } from "../shared/logger";
import { localMac, Pseudonyms, STANDBY_DOMAIN } from "../shared/pseudonym";
import { OUTAGE_UPLOAD_METADATA, sealSubject } from "../shared/sealed-subject";
import { handler as failbackHandler } from "./failback-handler";
import { parseFailbackArgs, startOutageHomecoming } from "./failback-run";

// The synthesized keys the wiring must name (their resolved ARNs).
const ORIGINALS_KEY = e2eKeyArn("sovereign", "aws_kms_key.sovereign-key-avatars-original_key");
const INBOX_KEY = e2eKeyArn("commercial", "aws_kms_key.standby-serving_outage-key_key");
const SEALING_KEY = e2eKeyArn("sovereign", "aws_kms_key.sovereign-key-outage-subjects_key");
const PSEUDONYM_KEY = e2eKeyArn("sovereign", "aws_kms_key.sovereign-key-pseudonyms_key");
const STANDBY_KEY = e2eKeyArn("sovereign", "aws_kms_external_key.sovereign-key-standby-pseudonyms_key");

const sovereignGateway = useRadosGateway({
  name: "e2e-home-sovereign",
  region: SOVEREIGN_REGION,
  kmsKeys: [SOURCE_KMS_KEY, ORIGINALS_KEY],
  sts: true,
});
const commercialGateway = useRadosGateway({
  name: "e2e-home-commercial",
  region: COMMERCIAL_REGION,
  kmsKeys: [TARGET_KMS_KEY, INBOX_KEY],
  sts: true,
});

// Test key material: the sealing key pair, the sovereign pseudonym key and the standby key.
const sealing = generateKeyPairSync("rsa", {
  modulusLength: 3072,
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
});
const PSEUDONYM_SECRET = Buffer.alloc(32, 0x5a);
const STANDBY_SECRET = Buffer.alloc(32, 0xa5);
const sovereignNames = new Pseudonyms(localMac(PSEUDONYM_SECRET));
const standbyNames = new Pseudonyms(localMac(STANDBY_SECRET), undefined, STANDBY_DOMAIN);

let stack: E2eStack;
let kms: KmsStandIn;
let env: Record<string, string>;
let home: { client: S3Client; bucket: string };
let inbox: { client: S3Client; bucket: string };
/** The failback function's own credentials on the sovereign gateway (its execution role). */
let functionAccessKeyId: string;
const logLines: string[] = [];
const logger = createLogger("cross-partition-failback", { level: "debug", write: (l) => logLines.push(l) });

beforeAll(async () => {
  stack = await startE2eStack({ sovereign: sovereignGateway(), commercial: commercialGateway() });
  const { synth } = stack;
  kms = await startKmsStandIn({
    rsa: { keyId: SEALING_KEY, privateKey: sealing.privateKey },
    hmac: { [PSEUDONYM_KEY]: PSEUDONYM_SECRET, [STANDBY_KEY]: STANDBY_SECRET },
  });
  env = await failbackFunctionEnv(stack, sovereignGateway(), { KMS_ENDPOINT: kms.url });
  home = { client: sovereignGateway().client(), bucket: env.OUTAGE_HOME_BUCKET ?? "" };
  inbox = { client: commercialGateway().client(), bucket: env.OUTAGE_UPLOADS_BUCKET ?? "" };
  castNames({
    keys: {
      [SOURCE_KMS_KEY]: "aws_kms_key.sovereign-key-avatars-clean_key",
      [TARGET_KMS_KEY]: "aws_kms_key.commercial-key-avatars-clean_key",
      [ORIGINALS_KEY]: "aws_kms_key.sovereign-key-avatars-original_key",
      [INBOX_KEY]: "aws_kms_key.standby-serving_outage-key_key",
      [SEALING_KEY]: "aws_kms_key.sovereign-key-outage-subjects_key",
      [PSEUDONYM_KEY]: "aws_kms_key.sovereign-key-pseudonyms_key",
      [STANDBY_KEY]: "aws_kms_external_key.sovereign-key-standby-pseudonyms_key",
    },
  });
  for (const { client, bucket } of [home, inbox]) {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    await client.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }),
    );
  }
  // The failback function's role with its synthesized S3 statements; Lambda passes its credentials in these variables.
  const role = await createRole(sovereignGateway(), synth.failbackRoleName, forGateway(synth.failbackPolicy));
  const credentials = await assumeRole(sovereignGateway(), role, "failback-function", 3600);
  functionAccessKeyId = credentials.accessKeyId;
  vi.stubEnv("AWS_ACCESS_KEY_ID", credentials.accessKeyId);
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", credentials.secretAccessKey);
  vi.stubEnv("AWS_SESSION_TOKEN", credentials.sessionToken);
  vi.stubEnv("AWS_PROFILE", undefined);
});

afterAll(async () => {
  await kms?.close();
  await stack?.close();
  vi.unstubAllEnvs();
});

/** An upload as the standby upload function writes it into the inbox during the outage. */
const outageUpload = (tenant: string, subject: string, id: string, body: Buffer, seal?: string) =>
  putOutageUpload(
    {
      client: inbox.client,
      bucket: inbox.bucket,
      kmsKeyId: INBOX_KEY,
      sealingPublicKey: sealing.publicKey,
      standbyNames,
    },
    { tenant, subject, id, body, ...(seal === undefined ? {} : { seal }) },
  );

async function versionsOf(target: { client: S3Client; bucket: string }, key: string): Promise<number> {
  const listed = await target.client.send(new ListObjectVersionsCommand({ Bucket: target.bucket, Prefix: key }));
  return [...(listed.Versions ?? []), ...(listed.DeleteMarkers ?? [])].filter((v) => v.Key === key).length;
}

/** Requests to the inbox that passed the proxy from `from` on. */
const inboxRequestsSince = (from: number) =>
  stack.proxy.requests.slice(from).filter((r) => r.path.startsWith(`/${inbox.bucket}`));

describe("homecoming end to end: the failback function's wiring, the synthesized policies, the keys it names", () => {
  it("the KMS stand-in refuses another key, another algorithm and another operation (so a move proves the wiring's choices)", async () => {
    // Prepare
    const client = new KMSClient({ region: SOVEREIGN_REGION, endpoint: kms.url, maxAttempts: 1 });
    const ciphertext = Buffer.from(sealSubject(sealing.publicKey, "t", "s"), "base64");
    const message = Buffer.from("m");

    // Act
    const refusals = await Promise.all(
      [
        new DecryptCommand({
          KeyId: PSEUDONYM_KEY,
          CiphertextBlob: ciphertext,
          EncryptionAlgorithm: "RSAES_OAEP_SHA_256",
        }),
        new DecryptCommand({ KeyId: SEALING_KEY, CiphertextBlob: ciphertext }),
        new DecryptCommand({ KeyId: SEALING_KEY, CiphertextBlob: ciphertext, EncryptionAlgorithm: "RSAES_OAEP_SHA_1" }),
        new GenerateMacCommand({ KeyId: SEALING_KEY, MacAlgorithm: "HMAC_SHA_256", Message: message }),
        new GenerateMacCommand({ KeyId: STANDBY_KEY, MacAlgorithm: "HMAC_SHA_512", Message: message }),
      ].map((command) =>
        client.send(command as never).then(
          () => "answered",
          (error: { name?: string; $metadata?: { httpStatusCode?: number } }) =>
            `${error.$metadata?.httpStatusCode} ${error.name}`,
        ),
      ),
    );
    const opened = await client.send(
      new DecryptCommand({ KeyId: SEALING_KEY, CiphertextBlob: ciphertext, EncryptionAlgorithm: "RSAES_OAEP_SHA_256" }),
    );
    client.destroy();

    // Assess
    expect(refusals).toEqual([
      "400 NotFoundException",
      "400 InvalidKeyUsageException",
      "400 InvalidKeyUsageException",
      "400 NotFoundException",
      "400 InvalidKeyUsageException",
    ]);
    expect(Buffer.from(opened.Plaintext ?? new Uint8Array()).toString()).toBe("sip-sealed-subject-v1\0t\0s");
  });

  it("moves an outage upload home under the sovereign pseudonym, with the keys and credentials the stack names, and empties the inbox", async () => {
    // Prepare
    const [tenant, subject, id] = ["acme", "alice@example.org", randomUUID()];
    const body = patternBytes(40_000, "homecoming");
    const { key, versionId } = await outageUpload(tenant, subject, id, body);
    const homeKey = `${tenant}/${await sovereignNames.of(tenant, subject)}/${id}`;
    const cli = parseFailbackArgs(["--outage-uploads", "--prefix", `${tenant}/`]);
    if (cli === undefined) throw new Error("no options");
    const [kmsBefore, proxyBefore, sessionsBefore] = [
      kms.calls.length,
      stack.proxy.requests.length,
      stack.issuer.sessions.length,
    ];

    // Act
    const { run } = startOutageHomecoming(env, cli, { logger });
    const result = await run;

    // Assess: moved, home under the sovereign pseudonym with the same bytes and the marker
    expect(result.outcomes).toEqual([
      {
        key,
        outcome: "moved",
        sourceVersionId: versionId,
        targetVersionId: expect.any(String),
        bytes: body.length,
        inboxVersionsDeleted: 1,
      },
    ]);
    const head = await home.client.send(new HeadObjectCommand({ Bucket: home.bucket, Key: homeKey }));
    expect(head.Metadata?.[OUTAGE_UPLOAD_METADATA]).toBe(`${COMMERCIAL.id}/${inbox.bucket}/${key}#${versionId}`);
    expect(head.SSEKMSKeyId).toBe(ORIGINALS_KEY);
    const got = await home.client.send(new GetObjectCommand({ Bucket: home.bucket, Key: homeKey }));
    expect(Buffer.from((await got.Body?.transformToByteArray()) ?? new Uint8Array()).equals(body)).toBe(true);
    expect(await versionsOf(inbox, key)).toBe(0);
    // KMS: one Decrypt under the sealing key, a MAC under each pseudonym key, all as the function's role
    expect(kms.calls.slice(kmsBefore)).toEqual(
      expect.arrayContaining([
        {
          operation: "Decrypt",
          keyId: SEALING_KEY,
          algorithm: "RSAES_OAEP_SHA_256",
          accessKeyId: functionAccessKeyId,
          status: 200,
        },
        {
          operation: "GenerateMac",
          keyId: STANDBY_KEY,
          algorithm: "HMAC_SHA_256",
          accessKeyId: functionAccessKeyId,
          status: 200,
        },
        {
          operation: "GenerateMac",
          keyId: PSEUDONYM_KEY,
          algorithm: "HMAC_SHA_256",
          accessKeyId: functionAccessKeyId,
          status: 200,
        },
      ]),
    );
    expect(kms.calls.slice(kmsBefore)).toHaveLength(3);
    // Commercial: every inbox request signed by a Roles Anywhere session, none refused
    const sessionKeys = new Set(stack.issuer.sessions.slice(sessionsBefore).map((s) => s.accessKeyId));
    const requests = inboxRequestsSince(proxyBefore);
    expect(sessionKeys.size).toBeGreaterThan(0);
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.filter((r) => !sessionKeys.has(r.accessKeyId ?? ""))).toEqual([]);
    expect(requests.map((r) => r.status)).not.toContain(403);
    expect(requests.filter((r) => r.method === "DELETE" && r.query.get("versionId") === versionId)).toHaveLength(1);
  });

  it("refuses an upload whose seal names another subject (seal-mismatch) when invoked as the function: it stays in the inbox, nothing comes home", async () => {
    // Prepare: carol's key, dave's (valid) seal
    const [tenant, id] = ["globex", randomUUID()];
    const body = patternBytes(5_000, "mismatch");
    const { key } = await outageUpload(
      tenant,
      "carol@example.org",
      id,
      body,
      sealSubject(sealing.publicKey, tenant, "dave@example.org"),
    );
    const kmsBefore = kms.calls.length;

    // Act
    const answer = await failbackHandler({ outageUploads: true, prefix: `${tenant}/` }, env);

    // Assess
    expect(answer.outcomes).toEqual([{ key, outcome: "refused", reason: "seal-mismatch" }]);
    expect(answer.summary).toMatchObject({ examined: 1, refused: 1, moved: 0, failed: [] });
    expect(await versionsOf(inbox, key)).toBe(1);
    for (const subject of ["carol@example.org", "dave@example.org"])
      expect(await versionsOf(home, `${tenant}/${await sovereignNames.of(tenant, subject)}/${id}`)).toBe(0);
    expect(
      kms.calls
        .slice(kmsBefore)
        .map(
          (c) =>
            `${c.operation} ${c.keyId === SEALING_KEY ? "sealing" : c.keyId === STANDBY_KEY ? "standby" : c.keyId} ${c.status}`,
        ),
    ).toEqual(["Decrypt sealing 200", "GenerateMac standby 200"]);
  });
});
