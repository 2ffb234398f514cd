/**
 * Export of one subject through two real S3 servers (Ceph RADOS Gateway, DESIGN.md §7): the
 * sovereign partition's originals (with the quarantine area), clean and exports buckets, and the
 * commercial partition's failover bucket on a second gateway with its own keys. Every bucket is
 * versioned; the sovereign gateway knows the export's KMS key (testing backend).
 *
 * The archive is fetched through its pre-signed URL with plain `fetch`, as the subject would.
 */
import { createHash } from "node:crypto";
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { unzipSync } from "fflate";
import { beforeAll, describe, expect, it } from "vitest";
import { castNames } from "../../test/authz/recorder";
import { useRadosGateway } from "../../test/s3/lifecycle";
import { type ErasurePlace, type ErasureSubject, subjectPrefixes } from "./erase";
import {
  type ExportedVersion,
  ExportInputError,
  type ExportOptions,
  entryName,
  exportSubject,
  MANIFEST_ENTRY,
  MIN_PART_SIZE_BYTES,
} from "./export";
import { PlaceError } from "./versions";

const ORIGINALS = "export-originals";
const CLEAN = "export-clean";
const EXPORTS = "export-archives";
const FAILOVER = "export-failover";
/** A bucket that does not exist on the sovereign gateway. */
const MISSING = "export-missing";
const EXPORT_KEY = "arn:aws-eusc:kms:eusc-de-east-1:111122223333:key/e0e0e0e0-7777-4888-9999-000000000000";

const sovereignGateway = useRadosGateway({ name: "export-sovereign", region: "eusc-de-east-1", kmsKeys: [EXPORT_KEY] });
const commercialGateway = useRadosGateway({ name: "export-commercial", region: "eu-central-1" });

let sovereign: S3Client;
let commercial: S3Client;

beforeAll(async () => {
  castNames({ outOfScope: "export core: no role of the stack yet" });
  sovereign = sovereignGateway().client();
  commercial = commercialGateway().client();
  for (const [client, bucket] of [
    [sovereign, ORIGINALS],
    [sovereign, CLEAN],
    [sovereign, EXPORTS],
    [commercial, FAILOVER],
  ] as const) {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    await client.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }),
    );
  }
});

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** A version written by the test: where, and its bytes. */
interface Written {
  readonly place: string;
  readonly bucket: string;
  readonly key: string;
  readonly versionId: string;
  readonly bytes: Buffer;
}

async function put(client: S3Client, place: string, bucket: string, key: string, body: Buffer): Promise<Written> {
  const answer = await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  return { place, bucket, key, versionId: answer.VersionId ?? "", bytes: body };
}

const ID = (n: number) => `0b0c5a9e-3c1d-4f2e-9a8b-7c6d5e4f3a${String(n).padStart(2, "0")}`;

/** Bytes that differ along the whole object (so a misplaced part would show). */
function large(bytes: number, seed: string): Buffer {
  const out = Buffer.alloc(bytes);
  let block = createHash("sha256").update(seed).digest();
  for (let at = 0; at < bytes; at += block.length) {
    block.copy(out, at);
    block = createHash("sha256").update(block).digest();
  }
  return out;
}

/**
 * The subject's versions in every place: originals with an overwritten version, a 6 MiB scan, a
 * deleted object (its version stays, its delete marker has no bytes), the quarantine; a clean copy;
 * the failover copy in the other partition. Returns the versions the archive must hold.
 */
async function seed(subject: ErasureSubject, withLarge: boolean): Promise<Written[]> {
  const own = `${subject.tenant}/${subject.pseudonym}/`;
  const text = (what: string) => Buffer.from(`${subject.tenant}:${subject.pseudonym} ${what}`);
  const written = [
    await put(sovereign, "originals", ORIGINALS, `${own}${ID(1)}`, text("scan, first")),
    await put(sovereign, "originals", ORIGINALS, `${own}${ID(1)}`, text("scan, second")),
    await put(sovereign, "originals", ORIGINALS, `${own}${ID(4)}`, text("deleted photo")),
    await put(sovereign, "originals", ORIGINALS, `quarantine/${own}${ID(3)}`, text("suspicious upload")),
    await put(sovereign, "clean", CLEAN, `${own}${ID(1)}`, text("scan, scrubbed")),
    await put(commercial, "commercial-failover", FAILOVER, `${own}${ID(1)}`, text("replica")),
  ];
  if (withLarge)
    written.push(await put(sovereign, "originals", ORIGINALS, `${own}${ID(2)}`, large(6 * 1024 * 1024 + 123, own)));
  await sovereign.send(new DeleteObjectCommand({ Bucket: ORIGINALS, Key: `${own}${ID(4)}` }));
  return written;
}

/** Objects of others: a pseudonym sharing the subject's beginning, another subject, other tenants. */
async function seedNeighbours(subject: ErasureSubject): Promise<void> {
  const { tenant, pseudonym } = subject;
  for (const key of [
    `${tenant}/${pseudonym}d/${ID(1)}`,
    `quarantine/${tenant}/${pseudonym}d/${ID(3)}`,
    `${tenant}/someone-else/${ID(1)}`,
    `${tenant}-eu/${pseudonym}/${ID(1)}`,
    `other/${pseudonym}/${ID(1)}`,
  ])
    await sovereign.send(new PutObjectCommand({ Bucket: ORIGINALS, Key: key, Body: `neighbour ${key}` }));
  await commercial.send(
    new PutObjectCommand({ Bucket: FAILOVER, Key: `${tenant}/${pseudonym}d/${ID(1)}`, Body: "neighbour" }),
  );
}

function places(subject: ErasureSubject, extra: ErasurePlace[] = []): ErasurePlace[] {
  const prefixes = subjectPrefixes(subject);
  return [
    { name: "originals", client: sovereign, bucket: ORIGINALS, prefixes },
    { name: "clean", client: sovereign, bucket: CLEAN, prefixes },
    { name: "commercial-failover", client: commercial, bucket: FAILOVER, prefixes },
    ...extra,
  ];
}

const options = (subject: ErasureSubject, request: string, more: Partial<ExportOptions> = {}): ExportOptions => ({
  target: {
    client: sovereign,
    bucket: EXPORTS,
    key: `exports/${subject.tenant}/${subject.pseudonym}/${request}.zip`,
    kmsKeyId: EXPORT_KEY,
  },
  expirySeconds: 120,
  partSizeBytes: MIN_PART_SIZE_BYTES,
  ...more,
});

const order = (a: ExportedVersion, b: ExportedVersion) =>
  [a.place, a.key, a.versionId].join("\n") < [b.place, b.key, b.versionId].join("\n") ? -1 : 1;

describe("exportSubject", () => {
  it("archives every version of the subject in both partitions with a manifest, behind a short pre-signed GET", async () => {
    // Prepare
    const subject = { tenant: "acme", pseudonym: "abc" };
    const written = await seed(subject, true);
    await seedNeighbours(subject);
    // Act
    const result = await exportSubject(subject, places(subject), options(subject, "r-1"));
    // Assess: the manifest lists exactly the written versions, in order, with their hashes.
    const expected = written
      .map((w) => ({
        place: w.place,
        bucket: w.bucket,
        key: w.key,
        versionId: w.versionId,
        sizeBytes: w.bytes.length,
        sha256: sha256(w.bytes),
      }))
      .sort((a, b) => order(a as ExportedVersion, b as ExportedVersion));
    expect(result.manifest.subject).toEqual(subject);
    expect(result.manifest.versions.map(({ lastModified: _, ...rest }) => rest)).toEqual(expected);
    for (const v of result.manifest.versions) expect(v.lastModified).toMatch(/^\d{4}-\d\d-\d\dT/);
    // The archive, fetched through the URL, is the one reported and unzips into exactly these entries.
    const response = await fetch(result.url);
    expect(response.status).toBe(200);
    const zip = new Uint8Array(await response.arrayBuffer());
    expect({ sizeBytes: zip.length, sha256: sha256(zip) }).toEqual({
      sizeBytes: result.archive.sizeBytes,
      sha256: result.archive.sha256,
    });
    const entries = unzipSync(zip);
    expect(Object.keys(entries).sort()).toEqual(
      [MANIFEST_ENTRY, ...written.map((w) => entryName(w.place, w.key, w.versionId))].sort(),
    );
    for (const w of written) {
      const bytes = entries[entryName(w.place, w.key, w.versionId)] ?? new Uint8Array();
      expect(Buffer.from(bytes).equals(w.bytes), w.key).toBe(true);
    }
    for (const v of result.manifest.versions)
      expect(sha256(entries[entryName(v.place, v.key, v.versionId)] ?? new Uint8Array())).toBe(v.sha256);
    expect(JSON.parse(new TextDecoder().decode(entries[MANIFEST_ENTRY]))).toEqual(result.manifest);
    expect(Object.keys(entries).filter((name) => /abcd|someone-else|acme-eu|other\//.test(name))).toEqual([]);
    // Stored under the given KMS key, uploaded in more than one part.
    const head = await sovereign.send(new HeadObjectCommand({ Bucket: EXPORTS, Key: result.archive.key }));
    expect(head).toMatchObject({ ServerSideEncryption: "aws:kms", SSEKMSKeyId: EXPORT_KEY });
    expect(head.ETag).toMatch(/-2"?$/);
    expect(Date.parse(result.expiresAt) - Date.now()).toBeLessThanOrEqual(120_000);
  });

  it("signs a URL the server refuses once it has expired", async () => {
    // Prepare
    const subject = { tenant: "acme", pseudonym: "expired" };
    await seed(subject, false);
    const past = new Date(Date.now() - 10 * 60 * 1000);
    // Act
    const result = await exportSubject(subject, places(subject), options(subject, "r-2", { now: () => past }));
    // Assess
    expect(Date.parse(result.expiresAt)).toBeLessThan(Date.now());
    const response = await fetch(result.url);
    expect(response.status).toBe(403);
    expect(await response.text()).toContain("AccessDenied");
  });

  it("fails for a place whose bucket does not exist and leaves no archive and no unfinished upload", async () => {
    // Prepare: the missing place comes last, after a 6 MiB version has already gone out as a part.
    const subject = { tenant: "acme", pseudonym: "missing" };
    await seed(subject, true);
    const missing = { name: "zz-missing", client: sovereign, bucket: MISSING, prefixes: subjectPrefixes(subject) };
    const request = options(subject, "r-3");
    // Act / Assess
    const failure = exportSubject(subject, places(subject, [missing]), request);
    await expect(failure).rejects.toThrow(PlaceError);
    await expect(failure).rejects.toThrow(/ListObjectVersions export-missing\/.*NoSuchBucket/);
    await expect(
      sovereign.send(new HeadObjectCommand({ Bucket: EXPORTS, Key: request.target.key })),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
    const uploads = await sovereign.send(new ListMultipartUploadsCommand({ Bucket: EXPORTS }));
    expect(uploads.Uploads ?? []).toEqual([]);
  });

  it.each([
    ["an expiry above 300 s", { expirySeconds: 301 }],
    ["an expiry of 0 s", { expirySeconds: 0 }],
    ["parts below 5 MiB", { partSizeBytes: 1024 }],
  ])("fails before any request for %s", async (_what, more) => {
    const subject = { tenant: "acme", pseudonym: "refused" };
    await expect(exportSubject(subject, places(subject), options(subject, "r-4", more))).rejects.toThrow(
      ExportInputError,
    );
    await expect(
      sovereign.send(new HeadObjectCommand({ Bucket: EXPORTS, Key: options(subject, "r-4").target.key })),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });
});
