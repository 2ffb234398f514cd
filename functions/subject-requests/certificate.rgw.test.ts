/**
 * Request certificates through a real S3 server (Ceph RADOS Gateway, DESIGN.md §7): a subject's
 * versions are erased (`eraseSubject`, one of them kept by a legal hold) or exported (`exportSubject`),
 * and the certificate of each request is signed by the test signer (KMS's Sign with MessageType DIGEST
 * from a local P-256 key, test/support/evidence/digest-signers.ts) and stored in an evidence bucket
 * with object lock and a default COMPLIANCE retention of one day, as the stack's evidence bucket is to
 * be (see functions/signing/signing.rgw.test.ts for what the gateway does with it). Certificates are
 * checked offline with the public key alone.
 */
import { createHash, generateKeyPairSync } from "node:crypto";
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  GetObjectRetentionCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { unzipSync } from "fflate";
import { beforeAll, describe, expect, it } from "vitest";
import { castNames } from "../../test/authz/recorder";
import { createEvidenceBucket } from "../../test/s3/evidence-bucket";
import { useRadosGateway } from "../../test/s3/lifecycle";
import { digestSigner, TEST_KEY_ARN } from "../../test/support/evidence/digest-signers";
import { verifyCertificate } from "../evidence/certificate";
import {
  CertificateStoreError,
  type CertificateTarget,
  issueRequestCertificate,
  type RequestOutcome,
  RequestEvidenceError,
  type SubjectRequest,
} from "./certificate";
import { type ErasurePlace, type ErasureSubject, eraseSubject, subjectPrefixes } from "./erase";
import { exportSubject } from "./export";

const EVIDENCE_KEY = "arn:aws-eusc:kms:eusc-de-east-1:111122223333:key/88888888-7777-4888-9999-0000000000c1";
const EXPORT_KEY = "arn:aws-eusc:kms:eusc-de-east-1:111122223333:key/e0e0e0e0-7777-4888-9999-0000000000c2";
const DATA = "cert-data";
const HELD = "cert-held";
const EXPORTS = "cert-exports";
const EVIDENCE = "cert-evidence";
/** A bucket that does not exist: every certificate write to it fails. */
const MISSING = "cert-evidence-missing";

const gateway = useRadosGateway({ name: "certificate", region: "eusc-de-east-1", kmsKeys: [EVIDENCE_KEY, EXPORT_KEY] });
const keys = generateKeyPairSync("ec", { namedCurve: "P-256" });
const verifyWith = { publicKey: { key: keys.publicKey }, keyId: TEST_KEY_ARN };
const signer = digestSigner(keys.privateKey);
const target: CertificateTarget = { bucket: EVIDENCE, kmsKeyId: EVIDENCE_KEY };
const now = () => new Date("2026-01-02T11:00:00.000Z");
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

const erasing: ErasureSubject = { tenant: "acme", pseudonym: "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1" };
const exporting: ErasureSubject = { tenant: "acme", pseudonym: "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2" };
const request = (subject: ErasureSubject, kind: "erase" | "export", n: number): SubjectRequest => ({
  id: `6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c${String(n).padStart(2, "0")}`,
  ...subject,
  kind,
  requestedBy: "ops-anna@example.org",
  reason: `GDPR request ${kind}, ticket ${4700 + n}`,
  requestedAt: "2026-01-02T09:00:00.000Z",
  approvedBy: "ops-bert@example.org",
  approvedAt: "2026-01-02T10:30:00.000Z",
});

let s3: S3Client;
const placesOf = (subject: ErasureSubject): ErasurePlace[] => [
  { name: "originals", client: s3, bucket: DATA, prefixes: subjectPrefixes(subject) },
  { name: "held", client: s3, bucket: HELD, prefixes: subjectPrefixes(subject) },
];

async function put(bucket: string, key: string, text: string): Promise<{ versionId: string; sha256: string }> {
  const answer = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.from(text) }));
  return { versionId: answer.VersionId ?? "", sha256: sha256(Buffer.from(text)) };
}

async function read(bucket: string, key: string, versionId?: string): Promise<Buffer> {
  const answer = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
  return Buffer.from((await answer.Body?.transformToByteArray()) ?? []);
}

/** Every version and delete marker under the evidence bucket's `requests/`. */
async function stored(bucket = EVIDENCE): Promise<string[]> {
  const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: "requests/" }));
  return [...(listed.Versions ?? []), ...(listed.DeleteMarkers ?? [])].map((v) => `${v.Key}@${v.VersionId}`).sort();
}

beforeAll(async () => {
  castNames({ outOfScope: "request certificates: no role of the stack yet" });
  s3 = gateway().client();
  for (const bucket of [DATA, EXPORTS]) {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
  }
  await s3.send(new CreateBucketCommand({ Bucket: HELD, ObjectLockEnabledForBucket: true }));
  // The evidence bucket as the stack is to make it: object lock (hence versioning), default COMPLIANCE retention.
  await createEvidenceBucket(s3, EVIDENCE);
});

describe("issueRequestCertificate", () => {
  it("certifies an erasure: what was erased with its hashes, what is held, the approvals; verifiable offline", async () => {
    // Prepare: two versions and a delete marker erased, one version kept by a legal hold.
    const own = `${erasing.tenant}/${erasing.pseudonym}/`;
    const first = await put(DATA, `${own}scan`, "scan, first");
    const second = await put(DATA, `${own}scan`, "scan, second");
    const marker = (await s3.send(new DeleteObjectCommand({ Bucket: DATA, Key: `${own}scan` }))).VersionId ?? "";
    const held = await put(HELD, `${own}contract`, "contract under a legal hold");
    await s3.send(
      new PutObjectLegalHoldCommand({
        Bucket: HELD,
        Key: `${own}contract`,
        VersionId: held.versionId,
        LegalHold: { Status: "ON" },
      }),
    );
    const report = await eraseSubject(erasing, placesOf(erasing));
    const req = request(erasing, "erase", 1);
    // Act
    const issued = await issueRequestCertificate({ s3, signer, now }, target, req, { kind: "erase", erasure: report });
    // Assess: stored where it belongs, and it verifies with the public key alone
    expect(issued.key).toBe(`requests/acme/${erasing.pseudonym}/${req.id}.json`);
    const text = (await read(EVIDENCE, issued.key, issued.versionId)).toString("utf8");
    const verified = verifyCertificate(text, verifyWith);
    expect(verified).toMatchObject({ valid: true, kind: "certificate", keyId: TEST_KEY_ARN });
    if (!verified.valid) throw new Error(verified.message);
    const versions = [first, second, { versionId: marker, sha256: null }];
    expect(verified.document).toEqual({
      type: "data-subject-request",
      request: req,
      erasure: {
        places: [
          {
            name: "originals",
            bucket: DATA,
            erased: 3,
            erasedVersions: versions
              .map((v) => ({ key: `${own}scan`, versionId: v.versionId, sha256: v.sha256 }))
              .sort((a, b) => (a.versionId < b.versionId ? -1 : 1)),
            held: [],
            confirmed: true,
          },
          {
            name: "held",
            bucket: HELD,
            erased: 0,
            erasedVersions: [],
            held: [
              { key: `${own}contract`, versionId: held.versionId, retainUntil: null, mode: null, legalHold: true },
            ],
            confirmed: true,
          },
        ],
      },
      completedAt: "2026-01-02T11:00:00.000Z",
    });
    expect(verified.document).toEqual(issued.certificate.document);
  });

  it("certifies an export: the archive's and its manifest.json's SHA-256 as stored, the approvals", async () => {
    // Prepare
    const own = `${exporting.tenant}/${exporting.pseudonym}/`;
    await put(DATA, `${own}scan`, "scan to export");
    await put(DATA, `quarantine/${own}upload`, "quarantined upload to export");
    const exportKey = `exports/acme/${exporting.pseudonym}/r2.zip`;
    const result = await exportSubject(exporting, placesOf(exporting), {
      target: { client: s3, bucket: EXPORTS, key: exportKey, kmsKeyId: EXPORT_KEY },
      expirySeconds: 300,
    });
    const req = request(exporting, "export", 2);
    // Act
    const issued = await issueRequestCertificate({ s3, signer, now }, target, req, { kind: "export", export: result });
    // Assess: the hashes recorded are those of the stored archive and of its manifest.json
    const verified = verifyCertificate((await read(EVIDENCE, issued.key)).toString("utf8"), verifyWith);
    if (!verified.valid) throw new Error(verified.message);
    const archive = await read(EXPORTS, exportKey);
    const manifest = unzipSync(archive)["manifest.json"] ?? new Uint8Array();
    expect(verified.document).toEqual({
      type: "data-subject-request",
      request: req,
      export: {
        archive: { bucket: EXPORTS, key: exportKey, sizeBytes: archive.length, sha256: sha256(archive) },
        manifestSha256: sha256(manifest),
        versions: 2,
      },
      completedAt: "2026-01-02T11:00:00.000Z",
    });
  });

  it("stores the certificate encrypted with the evidence key, under COMPLIANCE retention the server enforces", async () => {
    // Prepare
    const subject = { tenant: "acme", pseudonym: "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3" };
    const report = await eraseSubject(subject, placesOf(subject));
    const issued = await issueRequestCertificate({ s3, signer, now }, target, request(subject, "erase", 3), {
      kind: "erase",
      erasure: report,
    });
    // Act
    const head = await s3.send(
      new GetObjectCommand({ Bucket: EVIDENCE, Key: issued.key, VersionId: issued.versionId }),
    );
    const retention = await s3.send(
      new GetObjectRetentionCommand({ Bucket: EVIDENCE, Key: issued.key, VersionId: issued.versionId }),
    );
    const deleted = s3.send(
      new DeleteObjectCommand({ Bucket: EVIDENCE, Key: issued.key, VersionId: issued.versionId }),
    );
    // Assess
    expect([head.ContentType, head.ServerSideEncryption, head.SSEKMSKeyId]).toEqual([
      "application/json",
      "aws:kms",
      EVIDENCE_KEY,
    ]);
    expect(retention.Retention?.Mode).toBe("COMPLIANCE");
    await expect(deleted).rejects.toMatchObject({ name: "AccessDenied", $metadata: { httpStatusCode: 403 } });
    expect(
      verifyCertificate((await read(EVIDENCE, issued.key, issued.versionId)).toString("utf8"), verifyWith).valid,
    ).toBe(true);
  });

  const subject = { tenant: "acme", pseudonym: "d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4" };
  const base = request(subject, "erase", 4);
  const confirmed = (): RequestOutcome => ({
    kind: "erase",
    erasure: {
      subject,
      dryRun: false,
      places: [{ name: "originals", bucket: DATA, prefixes: [], erased: [], held: [], confirmed: true, remaining: [] }],
    },
  });
  it.each([
    ["a self-approval", { ...base, approvedBy: base.requestedBy }, confirmed(), "request.approvedBy"],
    [
      "an approval before the request",
      { ...base, approvedAt: "2026-01-02T08:00:00.000Z" },
      confirmed(),
      "request.approvedAt",
    ],
    ["a mismatched kind", { ...base, kind: "export" as const }, confirmed(), "outcome.kind"],
    [
      "an unconfirmed erasure",
      base,
      {
        kind: "erase",
        erasure: {
          subject,
          dryRun: false,
          places: [
            {
              name: "originals",
              bucket: MISSING,
              prefixes: [],
              erased: [],
              held: [],
              confirmed: false,
              remaining: null,
              error: "ListObjectVersions: NoSuchBucket (404)",
            },
          ],
        },
      } as RequestOutcome,
      "erasure.places[0]",
    ],
  ])("refuses %s before anything is signed or stored", async (_what, req, outcome, field) => {
    // Prepare
    const before = await stored();
    const signatures = signer.digests.length;
    // Act
    const issued = issueRequestCertificate({ s3, signer, now }, target, req, outcome);
    // Assess
    await expect(issued).rejects.toBeInstanceOf(RequestEvidenceError);
    await expect(issued).rejects.toMatchObject({ field });
    expect(signer.digests.length).toBe(signatures);
    expect(await stored()).toEqual(before);
  });

  it("throws when the evidence bucket is missing, and stores nothing", async () => {
    // Prepare
    const before = await stored();
    // Act
    const issued = issueRequestCertificate({ s3, signer, now }, { ...target, bucket: MISSING }, base, confirmed());
    // Assess
    await expect(issued).rejects.toBeInstanceOf(CertificateStoreError);
    await expect(issued).rejects.toThrow(new RegExp(`PutObject ${MISSING}: \\w+ \\(404\\)`));
    expect(await stored()).toEqual(before);
  });
});
