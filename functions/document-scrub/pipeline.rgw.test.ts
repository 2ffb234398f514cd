/**
 * Documents end to end through a real S3 server (Ceph RADOS Gateway, DESIGN.md §7): a client asks the
 * upload handler for a pre-signed POST of a PDF and submits it; the gateway's bucket notification
 * delivers the ObjectCreated event to the document scrub handler, which cleans the document into
 * the clean bucket or quarantines it with its reason. Each handler has a gateway role named as the
 * stack names its function's (the authorization proof judges their requests against the
 * synthesized policies). The outputs are checked with independent tools (qpdf, exiftool: Debian
 * `qpdf`, `libimage-exiftool-perl`).
 */
import {
  CreateBucketCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  DeleteObjectCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { PDFName } from "@cantoo/pdf-lib";
import { createHash, generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { castNames } from "../../test/authz/recorder";
import { createEvidenceBucket } from "../../test/s3/evidence-bucket";
import { useRadosGateway } from "../../test/s3/lifecycle";
import { type NotificationPush, pushNotifications } from "../../test/s3/notifications";
import { submitForm, uploadApiEvent } from "../../test/s3/browser-upload";
import { assumeRole, createRole } from "../../test/s3/sts";
import { canary, metadataRichPdf, plainDoc, save } from "../../test/support/document-scrub/builders";
import { exiftool, qpdfCheck, requireTool } from "../../test/support/document-scrub/tools";
import { digestSigner, TEST_KEY_ARN } from "../../test/support/evidence/digest-signers";
import { verifyReceipt } from "../evidence/receipt";
import { parseSigningEnv, s3ClientFromEnv as signingClient } from "../signing/env";
import { createSigningHandler } from "../signing/handler";
import { parseDownloadEnv, s3ClientFromEnv as downloadClient } from "../download-presign/env";
import { createDownloadHandler } from "../download-presign/handler";
import { type WebhookEvent, webhookEvent } from "../webhooks/event";
import { derivedUuid, type WebhookPublisher } from "../webhooks/sqs";
import { createScrubHandler, type ScrubBatchResult } from "../image-scrub/scrub-handler";
import type { HttpApiResult } from "../shared/http-api";
import { createLogger } from "../shared/logger";
import { localMac, Pseudonyms } from "../shared/pseudonym";
import { s3ClientFromEnv } from "../shared/s3-env";
import { parseUploadEnv, s3ClientFromEnv as uploadClient } from "../upload-presign/env";
import { createUploadHandler } from "../upload-presign/handler";
import type { PresignedPost } from "../upload-presign/presign";
import { documentScrubConfig, parseDocumentScrubEnv } from "./env";
import { documentEvents } from "./events";
import { DOCUMENT_SCRUBBER_VERSION, type DocumentScrubReport } from "./scrubber";

const pseudonyms = new Pseudonyms(localMac(Buffer.alloc(32, 7)));

const ORIGINALS_KEY = "arn:aws-eusc:kms:eusc-de-east-1:111122223333:key/77777777-8888-4999-aaaa-000000000000";
const CLEAN_KEY = "arn:aws-eusc:kms:eusc-de-east-1:111122223333:key/77777777-8888-4999-aaaa-000000000001";
const EVIDENCE_KEY = "arn:aws-eusc:kms:eusc-de-east-1:111122223333:key/77777777-8888-4999-aaaa-000000000002";
const ORIGINALS = "documents-originals";
const CLEAN = "documents-clean";
const EVIDENCE = "documents-evidence";
const ISSUER = "https://login.example.org/realms/platform";
const claims = { tenant: "acme", subject: "user-1" };

const gateway = useRadosGateway({
  name: "documents",
  region: "eusc-de-east-1",
  kmsKeys: [ORIGINALS_KEY, CLEAN_KEY, EVIDENCE_KEY],
  sts: true,
});

let s3: S3Client;
let push: NotificationPush<ScrubBatchResult<DocumentScrubReport>>;
let uploadHandler: (event: unknown) => Promise<HttpApiResult>;
let signingHandler: (event: unknown) => Promise<HttpApiResult>;
let downloadHandler: (event: unknown) => Promise<HttpApiResult>;
const keys = generateKeyPairSync("ec", { namedCurve: "P-256" });
const verifyWith = { publicKey: { key: keys.publicKey }, keyId: TEST_KEY_ARN };

/** The webhook queue as the producers see it: every event they enqueued, in order. */
const published: WebhookEvent[] = [];
const queue: WebhookPublisher = {
  async publish(type, tenant, data, identity) {
    const event = webhookEvent(type, tenant, data, { randomUUID: () => derivedUuid(type, ...identity) });
    published.push(event);
    return event;
  },
};

/**
 * A gateway role named as the stack names the function's, so that the authorization proof knows
 * which function made each request and judges it against the synthesized policies.
 */
async function functionCredentials(roleName: string, buckets: readonly string[] = [ORIGINALS, CLEAN]) {
  const g = gateway();
  const role = await createRole(g, roleName, {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Action: ["s3:*"],
        Resource: buckets.flatMap((b) => [`arn:aws:s3:::${b}`, `arn:aws:s3:::${b}/*`]),
      },
    ],
  });
  const credentials = await assumeRole(g, role, roleName, 3600);
  return async () => credentials;
}

beforeAll(async () => {
  requireTool("qpdf");
  requireTool("exiftool");
  const g = gateway();
  s3 = g.client();
  castNames({
    buckets: {
      [ORIGINALS]: "example-documents-original-111111111111",
      [CLEAN]: "example-documents-clean-111111111111",
      [EVIDENCE]: "example-evidence-111111111111",
    },
    keys: {
      [ORIGINALS_KEY]: "aws_kms_key.sovereign-key-documents-original_key",
      [CLEAN_KEY]: "aws_kms_key.sovereign-key-documents-clean_key",
      [EVIDENCE_KEY]: "aws_kms_key.sovereign-key-evidence_key",
    },
    tenants: { acme: "acme-health" },
  });
  for (const bucket of [ORIGINALS, CLEAN]) {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
  }
  // The evidence bucket as the stack makes it: object lock, a default COMPLIANCE retention.
  await createEvidenceBucket(s3, EVIDENCE);
  const logger = createLogger("documents-test", { level: "error" });
  const server = { S3_ENDPOINT: g.endpoint, AWS_REGION: g.region };
  const uploadSettings = parseUploadEnv({
    ...server,
    UPLOAD_BUCKET: ORIGINALS,
    ALLOWED_CONTENT_TYPES: "application/pdf",
    MAX_SIZE_BYTES: String(4 * 1024 * 1024),
    EXPIRY_SECONDS: "60",
    KMS_KEY_ARNS: JSON.stringify({ "documents-original": ORIGINALS_KEY }),
    PSEUDONYM_KEY_ID: "alias/example/subject-pseudonyms",
  });
  uploadHandler = createUploadHandler({
    s3: uploadClient(uploadSettings.env, await functionCredentials("example-document-upload-function")),
    settings: uploadSettings,
    logger,
    pseudonyms,
  });
  const scrubEnv = parseDocumentScrubEnv({
    ...server,
    CLEAN_BUCKET: CLEAN,
    CLEAN_KMS_KEY_ID: CLEAN_KEY,
    CLEAN_DATA_CLASS: "documents-clean",
    QUARANTINE_PREFIX: "quarantine/",
    MAX_INPUT_BYTES: String(4 * 1024 * 1024),
    MAX_PAGES: "20",
  });
  const scrub = createScrubHandler({
    s3: s3ClientFromEnv(scrubEnv, await functionCredentials("example-document-scrub-function")),
    config: documentScrubConfig(scrubEnv),
    logger,
    onOutcome: documentEvents(queue),
  });
  const downloadSettings = parseDownloadEnv({
    ...server,
    CLEAN_BUCKET: CLEAN,
    EXPIRY_SECONDS: "60",
    PSEUDONYM_KEY_ID: "alias/example/subject-pseudonyms",
  });
  downloadHandler = createDownloadHandler({
    s3: downloadClient(downloadSettings.env, await functionCredentials("example-document-download-function", [CLEAN])),
    settings: downloadSettings,
    pseudonyms,
    logger,
  });
  const signingSettings = parseSigningEnv({
    ...server,
    CLEAN_BUCKET: CLEAN,
    EVIDENCE_BUCKET: EVIDENCE,
    EVIDENCE_KMS_KEY_ID: EVIDENCE_KEY,
    SIGNING_KEY_ID: TEST_KEY_ARN,
    PSEUDONYM_KEY_ID: "alias/example/subject-pseudonyms",
  });
  signingHandler = createSigningHandler({
    s3: signingClient(signingSettings.env, await functionCredentials("example-signing-function", [CLEAN, EVIDENCE])),
    settings: signingSettings,
    signer: digestSigner(keys.privateKey),
    pseudonyms,
    logger,
    events: queue,
  });
  push = await pushNotifications(g, ORIGINALS, "documents", scrub);
});

afterAll(async () => {
  await push?.close();
});

/** Asks the upload Lambda for a pre-signed POST of a PDF and submits the form like a browser. */
async function upload(file: Uint8Array, fileName: string, contentType = "application/pdf"): Promise<PresignedPost> {
  const request = { fileName, contentType, sizeBytes: file.length, dataClass: "documents-original" };
  const issued = await uploadHandler(uploadApiEvent(claims, request));
  expect(issued.statusCode, issued.body).toBe(200);
  const { post, status } = await submitForm(issued, file, fileName);
  expect(status).toBe(204);
  return post;
}

async function bytesOf(bucket: string, key: string): Promise<Buffer> {
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from((await got.Body?.transformToByteArray()) ?? new Uint8Array());
}

async function tagsOf(bucket: string, key: string): Promise<Record<string, string>> {
  const tagging = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }));
  return Object.fromEntries((tagging.TagSet ?? []).map((t) => [t.Key, t.Value]));
}

describe("documents: upload, then the document scrub handler behind the gateway's notification", () => {
  it("cleans an uploaded PDF's metadata into the clean bucket, checked by qpdf and exiftool", async () => {
    // Prepare
    const pdf = await metadataRichPdf();
    expect(exiftool(pdf)["PDF:Author"]).toBe(canary("info-author"));

    // Act
    const post = await upload(pdf, "contract.pdf");
    const outcome = await (await push.deliveryFor(post.key)).done;

    // Assess
    expect(outcome.records.map((r) => r.outcome)).toEqual(["scrubbed"]);
    const clean = await bytesOf(CLEAN, post.key);
    expect(qpdfCheck(clean).stderr).toBe("");
    const tags = exiftool(clean);
    for (const tag of ["PDF:Author", "PDF:Title", "PDF:Creator", "PDF:Producer", "PDF:CreateDate", "XMP:Creator"])
      expect(tags[tag], tag).toBeUndefined();
    expect(clean.includes(canary("info-author"))).toBe(false);
    const head = await s3.send(new HeadObjectCommand({ Bucket: CLEAN, Key: post.key }));
    expect(head.ContentType).toBe("application/pdf");
    expect(head.Metadata).toMatchObject({
      "scrub-detected-type": "pdf",
      "scrub-pages": "2",
      "scrub-scrubber-version": DOCUMENT_SCRUBBER_VERSION,
    });
    expect(await tagsOf(ORIGINALS, post.key)).toEqual({
      "data-class": "documents-original",
      "scrub-status": "processed",
    });
    expect(await tagsOf(CLEAN, post.key)).toEqual({ "data-class": "documents-clean" });
    // The tenant's webhook hears of it: the object ID and digest, never the subject.
    const objectId = post.key.split("/")[2] ?? "";
    expect(published.filter((e) => e.data.objectId === objectId)).toEqual([
      expect.objectContaining({
        type: "document.scrubbed",
        tenant: "acme",
        data: { objectId, sha256: createHash("sha256").update(pdf).digest("hex"), sizeBytes: clean.length },
      }),
    ]);
    expect(JSON.stringify(published)).not.toContain(claims.subject);
  });

  it("serves the sanitized document to its subject through a short-lived GET the browser can use, never the original", async () => {
    // Prepare
    const post = await upload(await metadataRichPdf(), "statement.pdf");
    await (await push.deliveryFor(post.key)).done;
    const objectId = post.key.split("/")[2] ?? "";
    const path = `/v1/objects/${objectId}`;

    // Act
    const issued = await downloadHandler({
      version: "2.0",
      routeKey: "GET /v1/objects/{id}",
      rawPath: path,
      pathParameters: { id: objectId },
      requestContext: {
        requestId: "r-get",
        http: { method: "GET", path },
        authorizer: { jwt: { claims: { tenant: claims.tenant, sub: claims.subject } } },
      },
      isBase64Encoded: false,
    });
    const { url } = JSON.parse(issued.body) as { url: string };
    const response = await fetch(url);

    // Assess
    expect(issued.statusCode, issued.body).toBe(200);
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer())).toEqual(await bytesOf(CLEAN, post.key));
    expect(new URL(url).pathname).toContain(CLEAN);
  });

  it("signs the sanitized document: a receipt that verifies offline, over the clean document's SHA-256, kept under COMPLIANCE lock", async () => {
    // Prepare
    const post = await upload(await metadataRichPdf(), "lease.pdf");
    await (await push.deliveryFor(post.key)).done;
    const objectId = post.key.split("/")[2] ?? "";
    const clean = await bytesOf(CLEAN, post.key);
    const path = `/v1/objects/${objectId}/signatures`;

    // Act
    const result = await signingHandler({
      version: "2.0",
      routeKey: "POST /v1/objects/{id}/signatures",
      rawPath: path,
      pathParameters: { id: objectId },
      body: JSON.stringify({ purpose: "sign the lease", consent: true }),
      requestContext: {
        requestId: "r-sign",
        http: { method: "POST", path },
        authorizer: { jwt: { claims: { iss: ISSUER, tenant: claims.tenant, sub: claims.subject } } },
      },
      isBase64Encoded: false,
    });

    // Assess: the receipt, with the public key alone, names the clean document's digest
    expect(result.statusCode, result.body).toBe(201);
    const signed = JSON.parse(result.body) as { signatureId: string; receipt: string; certificateKey: string };
    const receipt = verifyReceipt(signed.receipt, verifyWith);
    if (!receipt.valid) throw new Error(receipt.message);
    const cleanSha256 = createHash("sha256").update(clean).digest("hex");
    expect(receipt.document.document).toMatchObject({ id: objectId, sha256: cleanSha256, sizeBytes: clean.length });
    // Assess: the evidence version cannot be deleted (the server enforces the lock)
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: EVIDENCE, Prefix: signed.certificateKey }));
    const versionId = versions.Versions?.[0]?.VersionId;
    await expect(
      s3.send(new DeleteObjectCommand({ Bucket: EVIDENCE, Key: signed.certificateKey, VersionId: versionId })),
    ).rejects.toMatchObject({ name: "AccessDenied" });
    // Assess: the webhook event of the signature
    expect(published.filter((e) => e.type === "document.signed")).toEqual([
      expect.objectContaining({
        tenant: "acme",
        data: { objectId, signatureId: signed.signatureId, sha256: cleanSha256 },
      }),
    ]);
  });

  it("quarantines a PDF that runs JavaScript with its reason, and writes nothing clean", async () => {
    // Prepare
    const { doc } = await plainDoc();
    doc.catalog.set(PDFName.of("OpenAction"), doc.context.obj({ S: "JavaScript", JS: "app.alert(1)" }));
    const pdf = await save(doc);

    // Act
    const post = await upload(pdf, "invoice.pdf");
    const outcome = await (await push.deliveryFor(post.key)).done;

    // Assess
    expect(outcome.records).toMatchObject([{ outcome: "quarantined", reason: "active-content" }]);
    await expect(s3.send(new HeadObjectCommand({ Bucket: CLEAN, Key: post.key }))).rejects.toMatchObject({
      name: "NotFound",
    });
    const quarantined = await s3.send(new HeadObjectCommand({ Bucket: ORIGINALS, Key: `quarantine/${post.key}` }));
    expect(quarantined.Metadata?.["scrub-quarantine-reason"]).toBe("active-content");
    expect(quarantined.Metadata?.["scrub-quarantine-message"]).toMatch(/JavaScript/);
    expect(await bytesOf(ORIGINALS, `quarantine/${post.key}`)).toEqual(Buffer.from(pdf));
    expect(await tagsOf(ORIGINALS, post.key)).toMatchObject({ "scrub-status": "quarantined" });
    const objectId = post.key.split("/")[2] ?? "";
    expect(published.filter((e) => e.data.objectId === objectId)).toEqual([
      expect.objectContaining({ type: "document.quarantined", data: { objectId, reason: "active-content" } }),
    ]);
  });

  it("quarantines a file declared as a PDF whose bytes are not one (the type comes from the bytes)", async () => {
    // Prepare
    const html = Buffer.from("<html><script>alert(1)</script></html>");

    // Act
    const post = await upload(html, "scan.pdf");
    const outcome = await (await push.deliveryFor(post.key)).done;

    // Assess
    expect(outcome.records).toMatchObject([{ outcome: "quarantined", reason: "unknown-type" }]);
  });

  it("refuses to issue an upload for a type the document class does not take", async () => {
    // Act
    const issued = await uploadHandler(
      uploadApiEvent(claims, {
        fileName: "a.jpg",
        contentType: "image/jpeg",
        sizeBytes: 10,
        dataClass: "documents-original",
      }),
    );

    // Assess
    expect(issued.statusCode).toBe(400);
    expect(issued.body).toMatch(/contentType/);
  });
});
