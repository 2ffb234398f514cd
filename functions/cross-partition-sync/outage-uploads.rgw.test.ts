/**
 * Homecoming of outage uploads between two real, independent S3 servers (Ceph RADOS Gateway,
 * DESIGN.md §7), one per partition, each request made as the role that makes it in a deployment: the
 * commercial inbox is read and emptied with the failback's commercial role (the Roles Anywhere role
 * of the sync), the sovereign originals bucket written with the failback function's role. The inbox
 * objects are what the standby upload function leaves there (standby-upload.rgw.test.ts): keys
 * `<tenant>/<standby pseudonym>/<id>`, a sealed subject, the data class. Every test works under its
 * own tenant, so the runs do not see each other's objects.
 *
 * With a tenant directory (its keys from the in-memory KMS, its AssumeRole through the sovereign
 * gateway's STS: test/support/shared/gateway-tenants.ts), the logical-tier tenant acme's upload is
 * written home by acme's gateway role under acme's key, which the gateway records; a tenant whose key is
 * pending deletion, or that no key alias names, is skipped and its upload stays in the inbox.
 */
import { generateKeyPairSync } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
import { TENANT_OBJECT_ACTIONS } from "../../modules/private-bucket";
import { castNames } from "../../test/authz/recorder";
import { useRadosGateway } from "../../test/s3/lifecycle";
import { assumeRole, createRole } from "../../test/s3/sts";
import { baselineJpeg } from "../../test/support/image-scrub/fixtures";
import { parseScrubEnv, scrubConfig } from "../image-scrub/env";
import { createScrubHandler } from "../image-scrub/scrub-handler";
import { createLogger } from "../shared/logger";
import { localMac, Pseudonyms, STANDBY_DOMAIN } from "../shared/pseudonym";
import { localUnseal, OUTAGE_UPLOAD_METADATA, sealSubject } from "../shared/sealed-subject";
import { putOutageUpload } from "../../test/support/cross-partition-sync/outage-inbox";
import { gatewayAssumeRole, recording, type SentRequest } from "../../test/support/shared/gateway-tenants";
import { FakeKms, PREFIX } from "../../test/support/shared/tenant-fixtures";
import { TenantDirectory } from "../shared/tenant-directory";
import { type HomecomingOptions, bringOutageUploadsHome } from "./outage-uploads";

const ORIGINALS_KEY = "arn:aws-eusc:kms:eusc-de-east-1:111122223333:key/66666666-7777-4888-9999-000000000000";
const CLEAN_KEY = "arn:aws-eusc:kms:eusc-de-east-1:111122223333:key/77777777-7777-4888-9999-000000000000";
/** The logical-tier tenant acme's own key (the gateway's SSE-KMS testing backend knows it). */
const ACME_KEY = "arn:aws-eusc:kms:eusc-de-east-1:111122223333:key/acacacac-7777-4888-9999-000000000000";
const INBOX_KEY = "arn:aws:kms:eu-central-1:444455556666:key/99999999-7777-4888-9999-000000000000";
const ORIGINALS = "home-originals";
const CLEAN = "home-clean";
const INBOX = "outage-inbox";
const HOME_ROLE = "example-failback-avatars-clean-function";
const INBOX_ROLE = "homecoming-inbox";
const TENANT_ROLE_PREFIX = "example-tenant-";

const sovereignGateway = useRadosGateway({
  name: "homecoming-sovereign",
  region: "eusc-de-east-1",
  kmsKeys: [ORIGINALS_KEY, CLEAN_KEY, ACME_KEY],
  sts: true,
});
const commercialGateway = useRadosGateway({
  name: "homecoming-commercial",
  region: "eu-central-1",
  kmsKeys: [INBOX_KEY],
  sts: true,
});

const sealing = generateKeyPairSync("rsa", {
  modulusLength: 3072,
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
});
/** The sovereign pseudonym key and the standby key (the sovereign copy; the commercial copy is the same material). */
const sovereignNames = new Pseudonyms(localMac(Buffer.alloc(32, 9)));
const standbyNames = new Pseudonyms(localMac(Buffer.alloc(32, 4)), undefined, STANDBY_DOMAIN);
const jpeg = baselineJpeg().bytes;

let adminHome: S3Client;
let adminInbox: S3Client;
let homeClient: S3Client;
let inboxClient: S3Client;

beforeAll(async () => {
  const sg = sovereignGateway();
  const cg = commercialGateway();
  adminHome = sg.client();
  adminInbox = cg.client();
  castNames({
    roles: { [INBOX_ROLE]: "example-cross-partition-sync-avatars-clean" },
    buckets: {
      [ORIGINALS]: "example-avatars-original-111111111111",
      [CLEAN]: "example-avatars-clean-111111111111",
      [INBOX]: "example-outage-uploads-222222222222",
    },
    keys: {
      [ORIGINALS_KEY]: "aws_kms_key.sovereign-key-avatars-original_key",
      [CLEAN_KEY]: "aws_kms_key.sovereign-key-avatars-clean_key",
      [INBOX_KEY]: "aws_kms_key.standby-serving_outage-key_key",
    },
  });
  for (const [client, bucket] of [
    [adminHome, ORIGINALS],
    [adminHome, CLEAN],
    [adminInbox, INBOX],
  ] as const) {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    await client.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }),
    );
  }
  // The failback function's role: what homecoming needs of the originals bucket, nothing else.
  const homeRole = await createRole(sg, HOME_ROLE, {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:PutObject", "s3:PutObjectTagging"],
        Resource: [`arn:aws:s3:::${ORIGINALS}/*`],
      },
      { Effect: "Allow", Action: ["s3:ListBucket"], Resource: [`arn:aws:s3:::${ORIGINALS}`] },
    ],
  });
  // The commercial role failback holds through Roles Anywhere: read and empty the inbox.
  const inboxRole = await createRole(cg, INBOX_ROLE, {
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: ["s3:ListBucket", "s3:ListBucketVersions"], Resource: [`arn:aws:s3:::${INBOX}`] },
      {
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:GetObjectVersion", "s3:DeleteObjectVersion"],
        Resource: [`arn:aws:s3:::${INBOX}/*`],
      },
    ],
  });
  const homeCredentials = await assumeRole(sg, homeRole, HOME_ROLE, 3600);
  const inboxCredentials = await assumeRole(cg, inboxRole, INBOX_ROLE, 3600);
  homeClient = sg.client({ credentials: homeCredentials });
  inboxClient = cg.client({ credentials: inboxCredentials });
});

const ID = (n: number) => `0b0c5a9e-3c1d-4f2e-9a8b-7c6d5e4f3a${String(n).padStart(2, "0")}`;

/** An upload as the standby upload function leaves it in the inbox; its key and version. */
const outageUpload = (
  tenant: string,
  subject: string,
  id: string,
  /** `null`: no seal at all. */
  seal?: string | null,
) =>
  putOutageUpload(
    { client: adminInbox, bucket: INBOX, kmsKeyId: INBOX_KEY, sealingPublicKey: sealing.publicKey, standbyNames },
    { tenant, subject, id, body: jpeg, ...(seal === undefined ? {} : { seal }) },
  );

const homeKeyOf = async (tenant: string, subject: string, id: string) =>
  `${tenant}/${await sovereignNames.of(tenant, subject)}/${id}`;

function run(prefix: string, overrides: Partial<HomecomingOptions> = {}) {
  return bringOutageUploadsHome({
    inbox: { client: inboxClient, partition: "aws", bucket: INBOX },
    home: { client: homeClient, bucket: ORIGINALS, kmsKeyId: ORIGINALS_KEY },
    unseal: localUnseal(sealing.privateKey),
    pseudonyms: sovereignNames,
    standbyPseudonyms: standbyNames,
    prefix,
    pageSize: 2,
    ...overrides,
  });
}

async function versions(client: S3Client, bucket: string, key: string): Promise<number> {
  const listed = await client.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key }));
  return [...(listed.Versions ?? []), ...(listed.DeleteMarkers ?? [])].filter((v) => v.Key === key).length;
}
const inboxVersions = (key: string) => versions(adminInbox, INBOX, key);
const homeVersions = (key: string) => versions(adminHome, ORIGINALS, key);

describe("homecoming of outage uploads", () => {
  it("moves an upload home under the sovereign key with the marker and what the scrubber needs, then empties the inbox", async () => {
    // Prepare
    const { key, versionId } = await outageUpload("t1", "alice@example.org", ID(1));
    const home = await homeKeyOf("t1", "alice@example.org", ID(1));

    // Act
    const result = await run("t1/");

    // Assess
    expect(result.summary).toEqual({ examined: 1, moved: 1, skipped: 0, refused: 0, conflicts: 0, failed: [] });
    expect(result.outcomes[0]).toMatchObject({ key, outcome: "moved", sourceVersionId: versionId, bytes: jpeg.length });
    expect(JSON.stringify(result)).not.toContain(home.split("/")[1]);
    const head = await adminHome.send(new HeadObjectCommand({ Bucket: ORIGINALS, Key: home }));
    expect(head.SSEKMSKeyId).toBe(ORIGINALS_KEY);
    expect(head.ContentType).toBe("image/jpeg");
    expect(head.Metadata).toEqual({
      "original-name": "me.jpg",
      "data-class": "avatars-original",
      "standby-pseudonym": key.split("/")[1],
      [OUTAGE_UPLOAD_METADATA]: `aws/${INBOX}/${key}#${versionId}`,
    });
    const tags = await adminHome.send(new GetObjectTaggingCommand({ Bucket: ORIGINALS, Key: home }));
    expect(tags.TagSet).toEqual([{ Key: "data-class", Value: "avatars-original" }]);
    const got = await adminHome.send(new GetObjectCommand({ Bucket: ORIGINALS, Key: home }));
    expect(Buffer.from(await (got.Body?.transformToByteArray() ?? Promise.resolve(new Uint8Array())))).toEqual(jpeg);
    expect(await inboxVersions(key)).toBe(0);
  });

  it("is accepted by the real scrubber as an original: the clean copy carries the standby pseudonym for the sync", async () => {
    // Prepare
    await outageUpload("t2", "bob@example.org", ID(2));
    const home = await homeKeyOf("t2", "bob@example.org", ID(2));
    await run("t2/");
    const head = await adminHome.send(new HeadObjectCommand({ Bucket: ORIGINALS, Key: home }));
    const scrubEnv = parseScrubEnv({
      CLEAN_BUCKET: CLEAN,
      CLEAN_KMS_KEY_ID: CLEAN_KEY,
      CLEAN_DATA_CLASS: "avatars-clean",
      QUARANTINE_PREFIX: "quarantine/",
      SPOOL_DIR: await mkdtemp(join(tmpdir(), "homecoming-scrub-")),
      S3_ENDPOINT: sovereignGateway().endpoint,
      AWS_REGION: "eusc-de-east-1",
    });
    const scrub = createScrubHandler({
      s3: adminHome,
      config: scrubConfig(scrubEnv),
      logger: createLogger("image-scrub", { level: "error" }),
    });

    // Act: the record the gateway delivers for the homecoming copy (it carries the copy's metadata).
    const scrubbed = await scrub({
      Records: [
        {
          eventName: "ObjectCreated:Put",
          eventSource: "ceph:s3",
          s3: {
            bucket: { name: ORIGINALS },
            object: {
              key: home,
              versionId: head.VersionId,
              eTag: head.ETag,
              metadata: Object.entries(head.Metadata ?? {}).map(([k, val]) => ({ key: `x-amz-meta-${k}`, val })),
            },
          },
        },
      ],
    });

    // Assess
    expect(scrubbed.records[0]).toMatchObject({ outcome: "scrubbed", key: home });
    const clean = await adminHome.send(new HeadObjectCommand({ Bucket: CLEAN, Key: home }));
    expect(clean.Metadata?.["standby-pseudonym"]).toBe(head.Metadata?.["standby-pseudonym"]);
    const originalTags = await adminHome.send(new GetObjectTaggingCommand({ Bucket: ORIGINALS, Key: home }));
    expect(originalTags.TagSet).toContainEqual({ Key: "scrub-status", Value: "processed" });
  });

  it("keeps and refuses an upload whose seal names another subject, or that has no seal", async () => {
    // Prepare: carol's key with dave's seal (a valid seal, of someone else), and one without any.
    const mismatch = await outageUpload("t3", "carol@example.org", ID(3), sealSubject(sealing.publicKey, "t3", "dave"));
    const otherTenant = await outageUpload(
      "t3",
      "erin@example.org",
      ID(4),
      sealSubject(sealing.publicKey, "t9", "erin@example.org"),
    );
    const unsealed = await outageUpload("t3", "frank@example.org", ID(5), null);

    // Act
    const result = await run("t3/");

    // Assess
    const reasons = Object.fromEntries(result.outcomes.map((o) => [o.key, "reason" in o ? o.reason : o.outcome]));
    expect(reasons).toEqual({
      [mismatch.key]: "seal-mismatch",
      [otherTenant.key]: "seal-mismatch",
      [unsealed.key]: "seal-missing",
    });
    expect(result.summary.refused).toBe(3);
    for (const { key } of [mismatch, otherTenant, unsealed]) expect(await inboxVersions(key)).toBe(1);
    expect(await homeVersions(await homeKeyOf("t3", "dave", ID(3)))).toBe(0);
    expect(await homeVersions(await homeKeyOf("t3", "carol@example.org", ID(3)))).toBe(0);
  });

  it("loses nothing when the inbox delete fails after the copy: the re-run finds it home and completes, no second version", async () => {
    // Prepare: the commercial side refuses every delete in the first run.
    const { key } = await outageUpload("t4", "gina@example.org", ID(6));
    const home = await homeKeyOf("t4", "gina@example.org", ID(6));
    const failingDeletes = new Proxy(inboxClient, {
      get(target, property, receiver) {
        if (property !== "send") return Reflect.get(target, property, receiver);
        return (command: unknown) =>
          command instanceof DeleteObjectCommand
            ? Promise.reject(Object.assign(new Error("connection reset"), { name: "NetworkingError" }))
            : target.send(command as never);
      },
    });

    // Act
    const first = await run("t4/", { inbox: { client: failingDeletes, partition: "aws", bucket: INBOX } });
    const between = { inbox: await inboxVersions(key), home: await homeVersions(home) };
    const second = await run("t4/");
    const third = await run("t4/");

    // Assess
    expect(first.outcomes).toEqual([{ key, outcome: "failed", error: "NetworkingError: connection reset" }]);
    expect(between).toEqual({ inbox: 1, home: 1 });
    expect(second.outcomes).toEqual([{ key, outcome: "skipped", reason: "home-current", inboxVersionsDeleted: 1 }]);
    expect(third.outcomes).toEqual([]);
    expect({ inbox: await inboxVersions(key), home: await homeVersions(home) }).toEqual({ inbox: 0, home: 1 });
  });

  it("reports a conflict and writes nothing when the sovereign key holds something else", async () => {
    // Prepare
    const { key } = await outageUpload("t5", "hank@example.org", ID(7));
    const home = await homeKeyOf("t5", "hank@example.org", ID(7));
    await adminHome.send(new PutObjectCommand({ Bucket: ORIGINALS, Key: home, Body: "sovereign" }));

    // Act
    const result = await run("t5/");

    // Assess
    expect(result.outcomes).toEqual([{ key, outcome: "conflict", reason: "home-exists" }]);
    expect({ inbox: await inboxVersions(key), home: await homeVersions(home) }).toEqual({ inbox: 1, home: 1 });
  });

  it("decides everything in a dry run and writes nothing; the real run then moves it", async () => {
    // Prepare
    const { key, versionId } = await outageUpload("t6", "ivy@example.org", ID(8));
    const home = await homeKeyOf("t6", "ivy@example.org", ID(8));

    // Act
    const dry = await run("t6/", { dryRun: true });
    const after = { inbox: await inboxVersions(key), home: await homeVersions(home) };
    const real = await run("t6/");

    // Assess
    expect(dry).toMatchObject({ dryRun: true, outcomes: [{ key, outcome: "moved", sourceVersionId: versionId }] });
    expect(after).toEqual({ inbox: 1, home: 0 });
    expect(real.summary.moved).toBe(1);
    expect({ inbox: await inboxVersions(key), home: await homeVersions(home) }).toEqual({ inbox: 0, home: 1 });
  });
});

describe("homecoming of a logical-tier tenant's outage uploads", () => {
  /** Which credentials sent which request: the failback function's role or the tenant's. */
  const sent: SentRequest[] = [];
  let tenants: TenantDirectory<S3Client>;

  beforeAll(async () => {
    const sg = sovereignGateway();
    // acme's role as the stack writes it (its areas of the originals bucket), with the tenant's name in
    // place of ${aws:PrincipalTag/Tenant}, which the gateway does not evaluate.
    await createRole(sg, `${TENANT_ROLE_PREFIX}acme`, {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Action: [...TENANT_OBJECT_ACTIONS],
          Resource: [`arn:aws:s3:::${ORIGINALS}/acme/*`, `arn:aws:s3:::${ORIGINALS}/quarantine/acme/*`],
        },
      ],
    });
    castNames({ keys: { [ACME_KEY]: "aws_kms_key.tenant-kleinverein_key_key" }, tenants: { acme: "kleinverein" } });
    const kms = new FakeKms();
    kms.add("acme", { keyArn: ACME_KEY });
    kms.add("shredded", { keyState: "PendingDeletion" });
    tenants = new TenantDirectory({
      keyAliasPrefix: PREFIX,
      roleNamePrefix: TENANT_ROLE_PREFIX,
      kms,
      assumeRole: gatewayAssumeRole(sg),
      sessionName: "example-failback",
      clientFor: (credentials) => recording(sg.client({ credentials }), "tenant", sent),
    });
    recording(homeClient, "function", sent);
  });

  const putsOf = (key: string) => sent.filter((r) => r.command === "PutObjectCommand" && r.key === key);

  it("writes acme's upload home as acme's role under acme's own key, with the marker, then empties the inbox", async () => {
    // Prepare
    const { key, versionId } = await outageUpload("acme", "jane@example.org", ID(11));
    const home = await homeKeyOf("acme", "jane@example.org", ID(11));

    // Act
    const result = await run("acme/", { tenants });

    // Assess
    expect(result.outcomes).toEqual([expect.objectContaining({ key, outcome: "moved", sourceVersionId: versionId })]);
    const head = await adminHome.send(new HeadObjectCommand({ Bucket: ORIGINALS, Key: home }));
    expect(head.SSEKMSKeyId).toBe(ACME_KEY);
    expect(head.Metadata?.[OUTAGE_UPLOAD_METADATA]).toBe(`aws/${INBOX}/${key}#${versionId}`);
    expect(putsOf(home).map((r) => r.client)).toEqual(["tenant"]);
    const got = await adminHome.send(new GetObjectCommand({ Bucket: ORIGINALS, Key: home }));
    expect(Buffer.from(await (got.Body?.transformToByteArray() ?? Promise.resolve(new Uint8Array())))).toEqual(jpeg);
    expect({ inbox: await inboxVersions(key), home: await homeVersions(home) }).toEqual({ inbox: 0, home: 1 });
  });

  it.each([
    ["shredded", "tenant-key-pending-deletion"],
    ["globex", "unknown-tenant"],
  ] as const)("keeps %s's upload in the inbox and writes nothing home (skipped/%s)", async (tenant, reason) => {
    // Prepare
    const { key } = await outageUpload(tenant, "kim@example.org", ID(12));
    const home = await homeKeyOf(tenant, "kim@example.org", ID(12));

    // Act
    const result = await run(`${tenant}/`, { tenants });
    const again = await run(`${tenant}/`, { tenants });

    // Assess
    expect(result.outcomes).toEqual([{ key, outcome: "skipped", reason }]);
    expect(again.outcomes).toEqual([{ key, outcome: "skipped", reason }]);
    expect(putsOf(home)).toEqual([]);
    expect({ inbox: await inboxVersions(key), home: await homeVersions(home) }).toEqual({ inbox: 1, home: 0 });
  });
});
