/**
 * The signing path through a real S3 server (Ceph RADOS Gateway, DESIGN.md §7) and real STS: the
 * signing handler runs as a gateway role with exactly the grant the stack is to give it (GET on the
 * clean bucket's objects, PUT under the evidence bucket's `signatures/`), reads the caller's clean
 * document, and stores the signed evidence in an evidence bucket with object lock and a default
 * COMPLIANCE retention of one day, as the stack's evidence bucket has.
 *
 * The gateway (Ceph 16.2) supports what this needs, and these tests rely on it: a bucket created with
 * object lock is versioned, the default retention is applied to every new version (GetObjectRetention
 * answers COMPLIANCE with a date a day ahead), and deleting a version under COMPLIANCE is refused with
 * 403 AccessDenied, with or without the governance bypass. Unlike AWS it answers a GET of a missing key
 * with 404 NoSuchKey to a role without s3:ListBucket (AWS answers 403); the function treats both as
 * `unknown_object`.
 *
 * No KMS runs here: the evidence is signed by the test signer (test/support/evidence/digest-signers.ts,
 * KMS's Sign with MessageType DIGEST from a local P-256 key) and checked with its public key alone.
 */
import { createHash, generateKeyPairSync } from "node:crypto";
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetBucketVersioningCommand,
  GetObjectLockConfigurationCommand,
  GetObjectCommand,
  GetObjectRetentionCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import { castNames } from "../../test/authz/recorder";
import { createEvidenceBucket } from "../../test/s3/evidence-bucket";
import { useRadosGateway } from "../../test/s3/lifecycle";
import { assumeRole, createRole } from "../../test/s3/sts";
import { digestSigner, TEST_KEY_ARN } from "../../test/support/evidence/digest-signers";
import { verifyCertificate } from "../evidence/certificate";
import { verifyReceipt } from "../evidence/receipt";
import type { HttpApiEvent, HttpApiResult } from "../shared/http-api";
import { createLogger } from "../shared/logger";
import { localMac, Pseudonyms } from "../shared/pseudonym";
import { parseSigningEnv, s3ClientFromEnv } from "./env";
import { createSigningHandler } from "./handler";

const CLEAN_KEY = "arn:aws-eusc:kms:eusc-de-east-1:111122223333:key/77777777-7777-4888-9999-000000000000";
const EVIDENCE_KEY = "arn:aws-eusc:kms:eusc-de-east-1:111122223333:key/88888888-7777-4888-9999-000000000000";
const CLEAN = "sign-clean";
const EVIDENCE = "sign-evidence";
/** A bucket that does not exist: every evidence write to it fails. */
const NO_EVIDENCE = "sign-evidence-missing";
const ROLE = "example-signing-function";
const ISSUER = "https://idp.example";
const gateway = useRadosGateway({
  name: "signing",
  region: "eusc-de-east-1",
  kmsKeys: [CLEAN_KEY, EVIDENCE_KEY],
  sts: true,
});

const pseudonyms = new Pseudonyms(localMac(Buffer.alloc(32, 9)));
const keys = generateKeyPairSync("ec", { namedCurve: "P-256" });
const verifyWith = { publicKey: { key: keys.publicKey }, keyId: TEST_KEY_ARN };
const ids = {
  mine: "0b0c5a9e-3c1d-4f2e-9a8b-7c6d5e4f3a31",
  otherSubject: "0b0c5a9e-3c1d-4f2e-9a8b-7c6d5e4f3a32",
  otherTenant: "0b0c5a9e-3c1d-4f2e-9a8b-7c6d5e4f3a33",
  missing: "0b0c5a9e-3c1d-4f2e-9a8b-7c6d5e4f3a34",
};
/** A scan of a few MB: read in many chunks, never whole. */
const pdf = Buffer.concat([
  Buffer.from("%PDF-1.7\n"),
  Buffer.from(Array.from({ length: 3 * 1024 * 1024 + 17 }, (_, i) => (i * 31 + (i >> 9)) & 0xff)),
]);
const pdfSha256 = createHash("sha256").update(pdf).digest("hex");

const alice = { tenant: "acme", sub: "alice@example.org" };
const bob = { tenant: "acme", sub: "bob@example.org" };
const carol = { tenant: "other", sub: "carol@example.org" };
const body = (r: HttpApiResult) => JSON.parse(r.body);
const request = { purpose: "approve the lease of 2026-01-02", consent: true };

let admin: S3Client;
let functionClient: S3Client;
let mineVersionId: string;
const signer = digestSigner(keys.privateKey);
let handlerFor: (evidenceBucket?: string) => (event: unknown) => Promise<HttpApiResult>;

/** Consent at 03:04:05, signing a second later, and so on: a clock the test controls. */
function clock(): () => Date {
  let tick = 0;
  return () => new Date(Date.UTC(2026, 0, 2, 3, 4, 5 + tick++));
}

function event(claims: Record<string, string>, id: string, requestBody: unknown = request): HttpApiEvent {
  const path = `/v1/objects/${id}/signatures`;
  return {
    version: "2.0",
    routeKey: "POST /v1/objects/{id}/signatures",
    rawPath: path,
    pathParameters: { id },
    body: typeof requestBody === "string" ? requestBody : JSON.stringify(requestBody),
    requestContext: {
      requestId: "r-1",
      http: { method: "POST", path },
      authorizer: { jwt: { claims: { iss: ISSUER, aud: "app", ...claims } } },
    },
  };
}

async function put(key: string): Promise<string> {
  const answer = await admin.send(
    new PutObjectCommand({
      Bucket: CLEAN,
      Key: key,
      Body: pdf,
      ContentType: "application/pdf",
      ServerSideEncryption: "aws:kms",
      SSEKMSKeyId: CLEAN_KEY,
    }),
  );
  return answer.VersionId ?? "";
}

/** Every version and delete marker under the evidence bucket's `signatures/`. */
async function storedEvidence(): Promise<string[]> {
  const listed = await admin.send(new ListObjectVersionsCommand({ Bucket: EVIDENCE, Prefix: "signatures/" }));
  return [...(listed.Versions ?? []), ...(listed.DeleteMarkers ?? [])].map((v) => `${v.Key}@${v.VersionId}`).sort();
}

async function text(bucket: string, key: string, versionId?: string): Promise<string> {
  const answer = await admin.send(
    new GetObjectCommand({ Bucket: bucket, Key: key, ...(versionId === undefined ? {} : { VersionId: versionId }) }),
  );
  return (await answer.Body?.transformToString("utf8")) ?? "";
}

beforeAll(async () => {
  const g = gateway();
  admin = g.client();
  castNames({
    // NO_EVIDENCE plays the evidence bucket when it cannot be written (its write is refused by the server).
    buckets: {
      [CLEAN]: "example-documents-clean-111111111111",
      [EVIDENCE]: "example-evidence-111111111111",
      [NO_EVIDENCE]: "example-evidence-111111111111",
    },
    keys: {
      [CLEAN_KEY]: "aws_kms_key.sovereign-key-documents-clean_key",
      [EVIDENCE_KEY]: "aws_kms_key.sovereign-key-evidence_key",
    },
    tenants: { acme: "acme-health", other: "bergstadt" },
  });
  await admin.send(new CreateBucketCommand({ Bucket: CLEAN }));
  await admin.send(new PutBucketVersioningCommand({ Bucket: CLEAN, VersioningConfiguration: { Status: "Enabled" } }));
  // The evidence bucket as the stack makes it: object lock (hence versioning), default COMPLIANCE retention.
  await createEvidenceBucket(admin, EVIDENCE);
  const p = (claims: { tenant: string; sub: string }) => pseudonyms.of(claims.tenant, claims.sub);
  mineVersionId = await put(`acme/${await p(alice)}/${ids.mine}`);
  await put(`acme/${await p(bob)}/${ids.otherSubject}`);
  await put(`other/${await p(carol)}/${ids.otherTenant}`);
  // The function's role with the stack's grant, enforced by the gateway.
  const role = await createRole(g, ROLE, {
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: ["s3:GetObject"], Resource: [`arn:aws:s3:::${CLEAN}/*`] },
      { Effect: "Allow", Action: ["s3:PutObject"], Resource: [`arn:aws:s3:::${EVIDENCE}/signatures/*`] },
    ],
  });
  const credentials = await assumeRole(g, role, ROLE, 3600);
  const settingsFor = (evidenceBucket: string) =>
    parseSigningEnv({
      CLEAN_BUCKET: CLEAN,
      EVIDENCE_BUCKET: evidenceBucket,
      EVIDENCE_KMS_KEY_ID: EVIDENCE_KEY,
      SIGNING_KEY_ID: TEST_KEY_ARN,
      PSEUDONYMIZE_SUBJECTS: "true",
      PSEUDONYM_KEY_ID: "alias/example/subject-pseudonyms",
      S3_ENDPOINT: g.endpoint,
      AWS_REGION: g.region,
    });
  functionClient = s3ClientFromEnv(settingsFor(EVIDENCE).env, async () => credentials);
  const logger = createLogger("signing-test", { level: "error" });
  handlerFor = (evidenceBucket = EVIDENCE) =>
    createSigningHandler({
      s3: functionClient,
      settings: settingsFor(evidenceBucket),
      signer,
      pseudonyms,
      logger,
      now: clock(),
    });
});

describe("the evidence bucket on the gateway", () => {
  it("is versioned, with object lock and a default COMPLIANCE retention of one day", async () => {
    const versioning = await admin.send(new GetBucketVersioningCommand({ Bucket: EVIDENCE }));
    const lock = await admin.send(new GetObjectLockConfigurationCommand({ Bucket: EVIDENCE }));
    expect(versioning.Status).toBe("Enabled");
    expect(lock.ObjectLockConfiguration).toEqual({
      ObjectLockEnabled: "Enabled",
      Rule: { DefaultRetention: { Mode: "COMPLIANCE", Days: 1 } },
    });
  });
});

describe("POST /v1/objects/{id}/signatures", () => {
  it("signs the caller's own clean document: a receipt that verifies offline, over the document's SHA-256", async () => {
    // Act
    const result = await handlerFor()(event(alice, ids.mine));
    // Assess: the answer
    expect(result.statusCode).toBe(201);
    const signed = body(result);
    const document = { id: ids.mine, versionId: mineVersionId, sha256: pdfSha256, sizeBytes: pdf.length };
    expect(signed).toEqual({
      signatureId: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      receipt: expect.any(String),
      certificateKey: expect.stringMatching(
        new RegExp(`^signatures/acme/[0-9a-f]{32}/${ids.mine}/[0-9a-f-]{36}\\.json$`),
      ),
      keyId: TEST_KEY_ARN,
      algorithm: "ECDSA_SHA_256",
      document,
    });
    expect(signed.certificateKey).not.toContain("alice");
    // Assess: the receipt, with the public key alone
    const receipt = verifyReceipt(signed.receipt, verifyWith);
    expect(receipt).toMatchObject({ valid: true, kind: "receipt", keyId: TEST_KEY_ARN, algorithm: "ECDSA_SHA_256" });
    if (!receipt.valid) throw new Error(receipt.message);
    expect(receipt.document).toEqual({
      type: "signature",
      signatureId: signed.signatureId,
      document,
      signer: { tenant: "acme", subject: "alice@example.org", issuer: ISSUER },
      purpose: request.purpose,
      consentAt: "2026-01-02T03:04:05.000Z",
      signedAt: "2026-01-02T03:04:06.000Z",
      keyId: TEST_KEY_ARN,
    });
    expect((receipt.document.document as { sha256: string }).sha256).toBe(pdfSha256);
  });

  it("stores the signed certificate, encrypted with the evidence key, under COMPLIANCE retention", async () => {
    // Prepare
    const signed = body(await handlerFor()(event(alice, ids.mine)));
    // Act
    const stored = await admin.send(new GetObjectCommand({ Bucket: EVIDENCE, Key: signed.certificateKey }));
    const certificate = (await stored.Body?.transformToString("utf8")) ?? "";
    const retention = await admin.send(
      new GetObjectRetentionCommand({ Bucket: EVIDENCE, Key: signed.certificateKey, VersionId: stored.VersionId }),
    );
    // Assess
    expect(stored.ContentType).toBe("application/json");
    expect([stored.ServerSideEncryption, stored.SSEKMSKeyId]).toEqual(["aws:kms", EVIDENCE_KEY]);
    const verified = verifyCertificate(certificate, verifyWith);
    expect(verified).toMatchObject({ valid: true, kind: "certificate", keyId: TEST_KEY_ARN });
    const receipt = verifyReceipt(signed.receipt, verifyWith);
    expect(verified.valid && receipt.valid && verified.document).toEqual(receipt.valid && receipt.document);
    expect(retention.Retention?.Mode).toBe("COMPLIANCE");
    const until = retention.Retention?.RetainUntilDate?.getTime() ?? 0;
    expect(until).toBeGreaterThan(Date.now() + 23 * 3600 * 1000);
  });

  it("keeps the stored evidence version: the server refuses to delete it, and an overwrite leaves it as it was", async () => {
    // Prepare
    const signed = body(await handlerFor()(event(alice, ids.mine)));
    const [version] = (
      await admin.send(new ListObjectVersionsCommand({ Bucket: EVIDENCE, Prefix: signed.certificateKey }))
    ).Versions ?? [{}];
    const versionId = version?.VersionId ?? "";
    const original = await text(EVIDENCE, signed.certificateKey, versionId);
    // Act / Assess: deleting the version is refused under COMPLIANCE, even with the governance bypass.
    for (const bypass of [false, true]) {
      const deleted = admin.send(
        new DeleteObjectCommand({
          Bucket: EVIDENCE,
          Key: signed.certificateKey,
          VersionId: versionId,
          ...(bypass ? { BypassGovernanceRetention: true } : {}),
        }),
      );
      await expect(deleted).rejects.toMatchObject({ name: "AccessDenied", $metadata: { httpStatusCode: 403 } });
    }
    // Act / Assess: an overwrite and a delete (marker) leave the version as it was.
    await admin.send(new PutObjectCommand({ Bucket: EVIDENCE, Key: signed.certificateKey, Body: "{}" }));
    await admin.send(new DeleteObjectCommand({ Bucket: EVIDENCE, Key: signed.certificateKey }));
    expect(await text(EVIDENCE, signed.certificateKey, versionId)).toBe(original);
    expect(verifyCertificate(original, verifyWith).valid).toBe(true);
  });

  it.each([
    ["another subject's document of the same tenant", alice, ids.otherSubject],
    ["another tenant's document", alice, ids.otherTenant],
    ["a document that does not exist", alice, ids.missing],
    ["the caller's document, asked for by another subject's token", bob, ids.mine],
    ["the caller's document, asked for by another tenant's token", carol, ids.mine],
  ])("answers 404 for %s, and stores and signs nothing", async (_what, claims, id) => {
    // Prepare
    const before = await storedEvidence();
    const signatures = signer.digests.length;
    // Act
    const result = await handlerFor()(event(claims, id));
    // Assess
    expect([result.statusCode, body(result).error.code]).toEqual([404, "unknown_object"]);
    expect(await storedEvidence()).toEqual(before);
    expect(signer.digests.length).toBe(signatures);
  });

  it.each([
    ["consent false", { purpose: "approve", consent: false }, "consent_required"],
    ["no consent", { purpose: "approve" }, "missing_field"],
    ["no purpose", { consent: true }, "missing_field"],
    ["an unknown field", { ...request, key: `acme/x/${ids.otherSubject}` }, "unknown_field"],
  ])("answers 400 for %s, and stores and signs nothing", async (_what, requestBody, code) => {
    // Prepare
    const before = await storedEvidence();
    const signatures = signer.digests.length;
    // Act
    const result = await handlerFor()(event(alice, ids.mine, requestBody));
    // Assess
    expect([result.statusCode, body(result).error.code]).toEqual([400, code]);
    expect(await storedEvidence()).toEqual(before);
    expect(signer.digests.length).toBe(signatures);
  });

  it("answers 500 without a receipt when the evidence cannot be stored", async () => {
    // Prepare: evidence is stored (and listed) when the bucket exists.
    await handlerFor()(event(alice, ids.mine));
    const before = await storedEvidence();
    expect(before.length).toBeGreaterThan(0);
    // Act
    const result = await handlerFor(NO_EVIDENCE)(event(alice, ids.mine));
    // Assess
    expect(result.statusCode).toBe(500);
    expect(body(result)).toEqual({
      error: { code: "evidence_not_stored", field: "", message: expect.any(String) },
    });
    expect(result.body).not.toMatch(/NoSuchBucket|receipt|eyJ/);
    expect(await storedEvidence()).toEqual(before);
  });
});
