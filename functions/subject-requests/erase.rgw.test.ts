/**
 * Erasure of one subject through two real S3 servers (Ceph RADOS Gateway, DESIGN.md §7): the
 * sovereign partition's originals (with the quarantine area) and clean buckets, and the commercial
 * partition's failover bucket on a second gateway with its own keys. Every bucket is versioned; one
 * sovereign bucket is created with object lock (no default retention) and one version gets an
 * explicit COMPLIANCE retention of one day, another a legal hold.
 *
 * What the gateway (Ceph 16.2) was found to do, and these tests rely on: a bucket created with object
 * lock is versioned; PutObjectRetention and PutObjectLegalHold work per version, GetObjectRetention
 * answers the mode and date; deleting a version under COMPLIANCE retention or a legal hold is refused
 * with 403 AccessDenied (the erasure checks the hold before deleting, so it never asks); a legal hold
 * can be lifted and the version then goes.
 */
import { createHash } from "node:crypto";
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectLegalHoldCommand,
  GetObjectLockConfigurationCommand,
  GetObjectRetentionCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  PutObjectRetentionCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import { castNames } from "../../test/authz/recorder";
import { useRadosGateway } from "../../test/s3/lifecycle";
import { canonicalize } from "../evidence/canonical";
import {
  type ErasedVersion,
  type ErasurePlace,
  type ErasureSubject,
  ErasureInputError,
  eraseSubject,
  subjectPrefixes,
} from "./erase";

const ORIGINALS = "erase-originals";
const CLEAN = "erase-clean";
const LOCKED = "erase-locked";
const FAILOVER = "erase-failover";
/** A bucket that does not exist on the sovereign gateway. */
const MISSING = "erase-missing";

const sovereignGateway = useRadosGateway({ name: "erase-sovereign", region: "eusc-de-east-1" });
const commercialGateway = useRadosGateway({ name: "erase-commercial", region: "eu-central-1" });

let sovereign: S3Client;
let commercial: S3Client;

beforeAll(async () => {
  castNames({ outOfScope: "erasure core: no role of the stack yet" });
  sovereign = sovereignGateway().client();
  commercial = commercialGateway().client();
  for (const [client, bucket] of [
    [sovereign, ORIGINALS],
    [sovereign, CLEAN],
    [commercial, FAILOVER],
  ] as const) {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    await client.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }),
    );
  }
  await sovereign.send(new CreateBucketCommand({ Bucket: LOCKED, ObjectLockEnabledForBucket: true }));
});

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

/** Writes a version and returns what the report must say of it. */
async function put(client: S3Client, bucket: string, key: string, text: string): Promise<ErasedVersion> {
  const body = Buffer.from(text);
  const answer = await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  return { key, versionId: answer.VersionId ?? "", sizeBytes: body.length, sha256: sha256(body), deleteMarker: false };
}

/** Deletes the current version (a delete marker) and returns what the report must say of the marker. */
async function mark(client: S3Client, bucket: string, key: string): Promise<ErasedVersion> {
  const answer = await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  expect(answer.DeleteMarker).toBe(true);
  return { key, versionId: answer.VersionId ?? "", sizeBytes: 0, sha256: null, deleteMarker: true };
}

const ID = (n: number) => `0b0c5a9e-3c1d-4f2e-9a8b-7c6d5e4f3a${String(n).padStart(2, "0")}`;

/**
 * A subject's objects in every place: originals with an overwritten version and a deleted object (its
 * delete marker), the quarantine, a clean copy, and a failover copy with two versions in the other
 * partition. Returns what each place's report must list as erased, in the report's order.
 */
async function seed(subject: ErasureSubject): Promise<Record<"originals" | "clean" | "failover", ErasedVersion[]>> {
  const own = `${subject.tenant}/${subject.pseudonym}/`;
  const tag = `${subject.tenant}:${subject.pseudonym}`;
  const originals = [
    await put(sovereign, ORIGINALS, `${own}${ID(1)}`, `${tag} scan, first`),
    await put(sovereign, ORIGINALS, `${own}${ID(1)}`, `${tag} scan, second`),
    await put(sovereign, ORIGINALS, `${own}${ID(2)}`, `${tag} photo`),
    await mark(sovereign, ORIGINALS, `${own}${ID(2)}`),
    await put(sovereign, ORIGINALS, `quarantine/${own}${ID(3)}`, `${tag} suspicious upload`),
  ];
  const clean = [await put(sovereign, CLEAN, `${own}${ID(1)}`, `${tag} scan, scrubbed`)];
  const failover = [
    await put(commercial, FAILOVER, `${own}${ID(1)}`, `${tag} replica, first`),
    await put(commercial, FAILOVER, `${own}${ID(1)}`, `${tag} replica, second`),
  ];
  const order = (a: ErasedVersion, b: ErasedVersion) =>
    a.key < b.key ? -1 : a.key > b.key ? 1 : a.versionId < b.versionId ? -1 : a.versionId > b.versionId ? 1 : 0;
  return { originals: originals.sort(order), clean: clean.sort(order), failover: failover.sort(order) };
}

function places(subject: ErasureSubject, originalsBucket = ORIGINALS): ErasurePlace[] {
  const prefixes = subjectPrefixes(subject);
  return [
    { name: "originals", client: sovereign, bucket: originalsBucket, prefixes },
    { name: "clean", client: sovereign, bucket: CLEAN, prefixes },
    { name: "commercial-failover", client: commercial, bucket: FAILOVER, prefixes },
  ];
}

/** Every version and delete marker of a bucket as `key@versionId`, listed by the admin client. */
async function everything(client: S3Client, bucket: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  let markers: { KeyMarker?: string; VersionIdMarker?: string } = {};
  for (;;) {
    const page = await client.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: prefix, ...markers }));
    for (const v of [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])]) out.push(`${v.Key}@${v.VersionId}`);
    if (page.IsTruncated !== true) return out.sort();
    markers = { KeyMarker: page.NextKeyMarker, VersionIdMarker: page.NextVersionIdMarker };
  }
}

async function snapshot(): Promise<string[]> {
  return [
    ...(await everything(sovereign, ORIGINALS)),
    ...(await everything(sovereign, CLEAN)),
    ...(await everything(commercial, FAILOVER)),
  ];
}

const subjectOnes = (subject: ErasureSubject) => (entry: string) =>
  subjectPrefixes(subject).some((prefix) => entry.startsWith(prefix));

describe("subjectPrefixes", () => {
  it("names the subject's own area and its quarantine, each ending with a slash", () => {
    expect(subjectPrefixes({ tenant: "acme", pseudonym: "abc" })).toEqual(["acme/abc/", "quarantine/acme/abc/"]);
  });

  it.each([
    ["an empty pseudonym", { tenant: "acme", pseudonym: "" }],
    ["a pseudonym with a slash", { tenant: "acme", pseudonym: "abc/.." }],
    ["a dot segment as tenant", { tenant: "..", pseudonym: "abc" }],
  ])("fails for %s", (_what, subject) => {
    expect(() => subjectPrefixes(subject)).toThrow(ErasureInputError);
  });
});

describe("object lock on the gateway, as the erasure relies on it", () => {
  it("answers 404 to the lock questions of a bucket without object lock and of a version without a hold", async () => {
    // Prepare
    const plain = await put(sovereign, CLEAN, "probe/plain", "x");
    const unlocked = await put(sovereign, LOCKED, "probe/unlocked", "x");
    const ids = (bucket: string, v: ErasedVersion) => ({ Bucket: bucket, Key: v.key, VersionId: v.versionId });
    // Act / Assess
    await expect(sovereign.send(new GetObjectLockConfigurationCommand({ Bucket: CLEAN }))).rejects.toMatchObject({
      name: "ObjectLockConfigurationNotFoundError",
      $metadata: { httpStatusCode: 404 },
    });
    for (const question of [
      new GetObjectRetentionCommand(ids(LOCKED, unlocked)),
      new GetObjectLegalHoldCommand(ids(LOCKED, unlocked)),
    ])
      await expect(sovereign.send(question)).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
    await sovereign.send(new DeleteObjectCommand(ids(CLEAN, plain)));
    await sovereign.send(new DeleteObjectCommand(ids(LOCKED, unlocked)));
  });

  it("refuses to delete a version under COMPLIANCE retention or a legal hold with 403 AccessDenied", async () => {
    // Prepare
    const retained = await put(sovereign, LOCKED, "probe/retained", "x");
    const onHold = await put(sovereign, LOCKED, "probe/on-hold", "x");
    const ids = (v: ErasedVersion) => ({ Bucket: LOCKED, Key: v.key, VersionId: v.versionId });
    const until = new Date(Date.now() + 24 * 3600 * 1000);
    await sovereign.send(
      new PutObjectRetentionCommand({ ...ids(retained), Retention: { Mode: "COMPLIANCE", RetainUntilDate: until } }),
    );
    await sovereign.send(new PutObjectLegalHoldCommand({ ...ids(onHold), LegalHold: { Status: "ON" } }));
    // Act / Assess
    for (const version of [retained, onHold])
      await expect(sovereign.send(new DeleteObjectCommand(ids(version)))).rejects.toMatchObject({
        name: "AccessDenied",
        $metadata: { httpStatusCode: 403 },
      });
    // The legal hold lifted, the version goes (the retained one stays until the gateway is thrown away).
    await sovereign.send(new PutObjectLegalHoldCommand({ ...ids(onHold), LegalHold: { Status: "OFF" } }));
    await sovereign.send(new DeleteObjectCommand(ids(onHold)));
  });
});

describe("eraseSubject on the gateways", () => {
  it("erases every version and delete marker of the subject in both partitions and reports each with its SHA-256", async () => {
    // Prepare: the subject, and neighbours whose keys share a beginning with the subject's.
    const subject = { tenant: "acme", pseudonym: "abc" };
    const expected = await seed(subject);
    for (const neighbour of [
      { tenant: "acme", pseudonym: "abcd" },
      { tenant: "acme", pseudonym: "bob" },
      { tenant: "other", pseudonym: "abc" },
      { tenant: "acme-eu", pseudonym: "abc" },
    ])
      await seed(neighbour);
    const before = await snapshot();
    // Act: small pages, so that the listing is paginated.
    const report = await eraseSubject(subject, places(subject), { pageSize: 2 });
    // Assess: the report
    expect(report).toEqual({
      subject,
      dryRun: false,
      places: [
        ["originals", ORIGINALS, expected.originals],
        ["clean", CLEAN, expected.clean],
        ["commercial-failover", FAILOVER, expected.failover],
      ].map(([name, bucket, erased]) => ({
        name,
        bucket,
        prefixes: ["acme/abc/", "quarantine/acme/abc/"],
        erased,
        held: [],
        confirmed: true,
        remaining: [],
      })),
    });
    expect(() => canonicalize(report)).not.toThrow();
    // Assess: nothing of the subject is left, everything of the others is.
    const after = await snapshot();
    expect(after.filter(subjectOnes(subject))).toEqual([]);
    expect(after).toEqual(before.filter((entry) => !subjectOnes(subject)(entry)));
    expect(after.filter(subjectOnes({ tenant: "acme", pseudonym: "abcd" }))).toHaveLength(8);
  });

  it("deletes nothing in a dry run, and reports what would be erased", async () => {
    // Prepare
    const subject = { tenant: "acme", pseudonym: "dry" };
    const expected = await seed(subject);
    const before = await snapshot();
    // Act
    const report = await eraseSubject(subject, places(subject), { dryRun: true });
    // Assess
    expect(await snapshot()).toEqual(before);
    expect(report.dryRun).toBe(true);
    expect(report.places.map((p) => [p.name, p.erased, p.held, p.confirmed, p.remaining])).toEqual([
      ["originals", expected.originals, [], false, null],
      ["clean", expected.clean, [], false, null],
      ["commercial-failover", expected.failover, [], false, null],
    ]);
  });

  it("reports a place whose bucket does not exist as an error, and still erases the other places", async () => {
    // Prepare
    const subject = { tenant: "acme", pseudonym: "gone" };
    const expected = await seed(subject);
    // Act
    const report = await eraseSubject(subject, places(subject, MISSING));
    // Assess
    const [missing, clean, failover] = report.places;
    expect(missing).toMatchObject({ name: "originals", bucket: MISSING, erased: [], held: [], confirmed: false });
    expect(missing?.error).toMatch(/^ListObjectVersions erase-missing\/acme\/gone\/: NoSuchBucket \(404\)/);
    expect(missing?.remaining).toBeNull();
    expect([clean?.erased, clean?.confirmed, clean?.error]).toEqual([expected.clean, true, undefined]);
    expect([failover?.erased, failover?.confirmed]).toEqual([expected.failover, true]);
    expect(await everything(sovereign, CLEAN, "acme/gone/")).toEqual([]);
    expect(await everything(commercial, FAILOVER, "acme/gone/")).toEqual([]);
    expect(await everything(sovereign, ORIGINALS, "acme/gone/")).toHaveLength(4);
  });

  it("reports a version under retention or legal hold as held, with its date, keeps it and erases the rest", async () => {
    // Prepare: in the object-lock bucket, one version under COMPLIANCE retention, one under a legal hold.
    const subject = { tenant: "acme", pseudonym: "held" };
    const own = "acme/held/";
    const retained = await put(sovereign, LOCKED, `${own}${ID(1)}`, "contract, signed");
    const newer = await put(sovereign, LOCKED, `${own}${ID(1)}`, "contract, amended");
    const onHold = await put(sovereign, LOCKED, `${own}${ID(2)}`, "evidence in a dispute");
    const plain = await put(sovereign, LOCKED, `quarantine/${own}${ID(3)}`, "upload");
    const neighbour = await put(sovereign, LOCKED, `acme/heldx/${ID(1)}`, "someone else's");
    const until = new Date(Date.now() + 24 * 3600 * 1000);
    const ids = (v: ErasedVersion) => ({ Bucket: LOCKED, Key: v.key, VersionId: v.versionId });
    await sovereign.send(
      new PutObjectRetentionCommand({ ...ids(retained), Retention: { Mode: "COMPLIANCE", RetainUntilDate: until } }),
    );
    await sovereign.send(new PutObjectLegalHoldCommand({ ...ids(onHold), LegalHold: { Status: "ON" } }));
    const stored = await sovereign.send(new GetObjectRetentionCommand(ids(retained)));
    const retainUntil = stored.Retention?.RetainUntilDate?.toISOString() ?? "";
    expect(retainUntil.slice(0, 16)).toBe(until.toISOString().slice(0, 16));
    const place = { name: "locked", client: sovereign, bucket: LOCKED, prefixes: subjectPrefixes(subject) };
    const heldRetained = {
      key: retained.key,
      versionId: retained.versionId,
      retainUntil,
      mode: "COMPLIANCE",
      legalHold: false,
    };
    const heldOnHold = { key: onHold.key, versionId: onHold.versionId, retainUntil: null, mode: null, legalHold: true };
    // Act
    const [report] = (await eraseSubject(subject, [place])).places;
    // Assess: the held versions are reported and survive; the rest is gone.
    expect(report).toEqual({
      name: "locked",
      bucket: LOCKED,
      prefixes: subjectPrefixes(subject),
      erased: [newer, plain],
      held: [heldRetained, heldOnHold],
      confirmed: true,
      remaining: [],
    });
    const key = (v: ErasedVersion) => `${v.key}@${v.versionId}`;
    /** The bucket's versions besides the probes of the object-lock tests above. */
    const locked = async () => (await everything(sovereign, LOCKED)).filter((entry) => !entry.startsWith("probe/"));
    expect(await locked()).toEqual([key(neighbour), key(retained), key(onHold)].sort());
    // Act / Assess: once the legal hold is lifted, a follow-up run erases that version; the retained one stays.
    await sovereign.send(new PutObjectLegalHoldCommand({ ...ids(onHold), LegalHold: { Status: "OFF" } }));
    const [again] = (await eraseSubject(subject, [place])).places;
    expect([again?.erased, again?.held, again?.confirmed]).toEqual([[onHold], [heldRetained], true]);
    expect(await locked()).toEqual([key(neighbour), key(retained)].sort());
  });

  it("reports a version as held when its delete is refused for a retention set after the check, and erases the rest", async () => {
    // Prepare: a client that puts a COMPLIANCE retention on one version just before the erasure deletes it.
    const subject = { tenant: "acme", pseudonym: "late" };
    const late = await put(sovereign, LOCKED, `acme/late/${ID(1)}`, "retained at the last moment");
    const other = await put(sovereign, LOCKED, `acme/late/${ID(2)}`, "erased");
    const until = new Date(Date.now() + 24 * 3600 * 1000);
    const client = sovereignGateway().client();
    const send = client.send.bind(client);
    client.send = (async (command: unknown) => {
      const input = (command as { input?: { VersionId?: string } }).input;
      if (command instanceof DeleteObjectCommand && input?.VersionId === late.versionId)
        await sovereign.send(
          new PutObjectRetentionCommand({
            Bucket: LOCKED,
            Key: late.key,
            VersionId: late.versionId,
            Retention: { Mode: "COMPLIANCE", RetainUntilDate: until },
          }),
        );
      return send(command as Parameters<typeof send>[0]);
    }) as typeof client.send;
    const place = { name: "locked", client, bucket: LOCKED, prefixes: subjectPrefixes(subject) };
    // Act
    const [report] = (await eraseSubject(subject, [place])).places;
    // Assess
    expect(report?.error).toBeUndefined();
    expect(report?.erased).toEqual([other]);
    expect(report?.held).toEqual([
      {
        key: late.key,
        versionId: late.versionId,
        retainUntil: expect.any(String),
        mode: "COMPLIANCE",
        legalHold: false,
      },
    ]);
    expect(Date.parse(report?.held[0]?.retainUntil ?? "")).toBeGreaterThan(Date.now() + 23 * 3600 * 1000);
    expect(report?.confirmed).toBe(true);
    expect(await everything(sovereign, LOCKED, "acme/late/")).toEqual([`${late.key}@${late.versionId}`]);
  });

  it("fails before any request for a prefix that does not end with the subject's key prefix", async () => {
    const subject = { tenant: "acme", pseudonym: "abc" };
    const wide = { name: "originals", client: sovereign, bucket: ORIGINALS, prefixes: ["acme/abc"] };
    await expect(eraseSubject(subject, [wide])).rejects.toThrow(/the prefix acme\/abc does not end with acme\/abc\//);
  });
});
