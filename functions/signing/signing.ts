/**
 * The signing service's core (issue 19, item 2): the caller signs one of their own clean documents.
 * The document is read once, streaming, for its SHA-256 and size; an evidence document records what
 * was signed (object ID, version, digest, size), by whom (tenant, the token's subject and issuer), for
 * what purpose, when consent was given and when it was signed, under which key. The evidence is signed
 * twice with one signer (KMS): as a certificate, stored in the evidence bucket (COMPLIANCE object lock
 * by the bucket's default retention), and as a receipt (a compact JWS) for the caller.
 *
 * - Only the clean bucket is read, only the key `<tenant>/<pseudonym>/<id>` of the token's tenant and
 *   subject; nothing in the request names a tenant, subject, bucket or key.
 * - Nothing half-done: the receipt is returned only after the certificate is stored; a failed write
 *   is `EvidenceStoreError` (HTTP 500), and the receipt signed for it is dropped.
 *
 * Pure apart from the injected S3 clients and signer.
 */
import { createHash, randomUUID } from "node:crypto";
import { GetObjectCommand, type GetObjectCommandOutput, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { kmsJsonPut } from "../shared/s3-objects";
import { z } from "zod";
import type { EvidenceSigner, SigningAlgorithm } from "../evidence/algorithms";
import type { EvidenceDocument } from "../evidence/canonical";
import { formatCertificate, signEvidence } from "../evidence/certificate";
import { signReceipt } from "../evidence/receipt";
import type { TokenClaims } from "../shared/http-api";
import { OBJECT_ID, ownerPrefix } from "../shared/object-keys";
import { SIGNATURES_PREFIX } from "./evidence-layout";

/** Longest purpose, in Unicode code points. */
export const MAX_PURPOSE_LENGTH = 500;
export { SIGNATURES_PREFIX } from "./evidence-layout";

export interface SigningConfig {
  /** The clean bucket: the only bucket documents are read from. */
  readonly cleanBucket: string;
  /** The platform's evidence bucket (object lock, default COMPLIANCE retention). */
  readonly evidenceBucket: string;
  /** The KMS key the evidence is encrypted with (SSE-KMS). */
  readonly evidenceKmsKeyId: string;
}

export interface SigningDeps {
  /** Reads the document: the function's client, or a logical-tier tenant's role's. */
  readonly documents: S3Client;
  /** Writes the evidence: always the function's own client (the evidence bucket is the platform's). */
  readonly evidence: S3Client;
  /** Signs certificate and receipt (KMS in production). */
  readonly signer: EvidenceSigner;
  /** Consent and signing times. @default () => new Date() */
  readonly now?: () => Date;
  /** The signature's ID, a UUID v4. @default randomUUID */
  readonly newId?: () => string;
}

/** Machine-readable codes of a refused request. */
export type SigningErrorCode =
  /** The body is not JSON, or names a member twice. */
  | "invalid_json"
  /** The body is not a JSON object. */
  | "invalid_body"
  /** The body has a field a signing request does not take. */
  | "unknown_field"
  /** A required field is absent. */
  | "missing_field"
  /** Not a string of 1-500 characters without control characters. */
  | "invalid_purpose"
  /** `consent` is not literally `true`. */
  | "consent_required"
  /** The path's ID is not an object ID. */
  | "invalid_object_id"
  /** No clean object of the caller's has this ID (HTTP 404). */
  | "unknown_object";

export interface SigningIssue {
  readonly code: SigningErrorCode;
  readonly field: string;
  readonly message: string;
}

/** A request the function refuses, before anything is signed or stored. The first issue is `code`/`field`. */
export class SigningRequestError extends Error {
  readonly code: SigningErrorCode;
  readonly field: string;

  constructor(
    readonly status: 400 | 404,
    readonly issues: readonly SigningIssue[],
    /** What S3 answered, for the log (a 404 or, without s3:ListBucket, a 403). */
    options?: { cause: unknown },
  ) {
    const first = issues[0];
    if (first === undefined) throw new TypeError("SigningRequestError needs at least one issue");
    super(issues.map((i) => `${i.field || "body"}: ${i.message} (${i.code})`).join("; "), options);
    this.name = "SigningRequestError";
    this.code = first.code;
    this.field = first.field;
  }
}

/** The certificate could not be stored: nothing is returned (HTTP 500). The cause is logged, never returned. */
export class EvidenceStoreError extends Error {
  constructor(
    readonly key: string,
    options: { cause: unknown },
  ) {
    super(`the evidence record ${key} could not be stored`, options);
    this.name = "EvidenceStoreError";
  }
}

/** C0/C1 controls, lone surrogates (no canonical form) and bidirectional overrides and isolates (text that reads otherwise than it is). */
const UNSAFE_TEXT = /[\p{Cc}\p{Cs}\u202a-\u202e\u2066-\u2069]/u;

const purpose = z
  .string({ error: "purpose must be a string" })
  .refine((s) => s.trim() !== "", { error: "purpose must not be empty", abort: true })
  .refine((s) => [...s].length <= MAX_PURPOSE_LENGTH, {
    error: `purpose must be at most ${MAX_PURPOSE_LENGTH} characters`,
    abort: true,
  })
  .refine((s) => !UNSAFE_TEXT.test(s), {
    error: "purpose must not hold control characters, lone surrogates or bidirectional overrides",
  });

export const signingRequestSchema = z.strictObject({
  /** What the signature is for, in the signer's words. */
  purpose,
  /** The signer's consent to sign: literally `true`. */
  consent: z.literal(true, { error: "consent must be true: the signer consents to signing" }),
});

export type SigningRequest = z.output<typeof signingRequestSchema>;

function present(input: unknown, field: string): boolean {
  return typeof input === "object" && input !== null && Object.hasOwn(input, field);
}

/** The request body, checked; throws SigningRequestError (400) naming every problem. */
export function parseSigningRequest(input: unknown): SigningRequest {
  if (typeof input !== "object" || input === null || Array.isArray(input))
    throw new SigningRequestError(400, [
      { code: "invalid_body", field: "", message: "the body must be a JSON object" },
    ]);
  const result = signingRequestSchema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.flatMap((issue): SigningIssue[] => {
    const field = issue.path.map(String).join(".");
    if (issue.code === "unrecognized_keys")
      return issue.keys.map((key) => ({
        code: "unknown_field",
        field: key,
        message: `${key} is not a field of a signing request (purpose, consent)`,
      }));
    if (!present(input, field)) return [{ code: "missing_field", field, message: `${field} is required` }];
    return [{ code: field === "consent" ? "consent_required" : "invalid_purpose", field, message: issue.message }];
  });
  throw new SigningRequestError(400, issues);
}

/** Who signs: from the verified token only. */
export interface SignerIdentity {
  readonly tenant: string;
  /** The token's subject claim itself (the evidence names the person; keys hold only the pseudonym). */
  readonly subject: string;
  /** The token's `iss` claim. */
  readonly issuer: string;
}

export interface SignatureInput {
  /** Tenant and pseudonym: the key prefix of the caller's objects. */
  readonly owner: TokenClaims;
  readonly signer: SignerIdentity;
  /** The object ID from the path. */
  readonly id: string;
  readonly request: SigningRequest;
}

/** What was signed: the document as read. */
export interface SignedObject {
  readonly id: string;
  /** S3's version ID of the bytes read; null in a bucket that has never been versioned. */
  readonly versionId: string | null;
  /** Lower-case hex SHA-256 of the object's bytes. */
  readonly sha256: string;
  readonly sizeBytes: number;
}

export interface Signature {
  readonly signatureId: string;
  /** The compact JWS of the evidence document. */
  readonly receipt: string;
  /** The certificate's key in the evidence bucket. */
  readonly certificateKey: string;
  readonly keyId: string;
  readonly algorithm: SigningAlgorithm;
  readonly document: SignedObject;
}

function isMissing(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === "NoSuchKey" || e.name === "NotFound" || e.$metadata?.httpStatusCode === 404;
}

/** Without s3:ListBucket (the function's grant), AWS answers a missing key with 403 AccessDenied, not 404. */
function isDenied(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === "AccessDenied" || e.$metadata?.httpStatusCode === 403;
}

/** The object's SHA-256 and size, read as a stream (only the hash state is held), and its version. */
async function digestObject(s3: S3Client, bucket: string, key: string, id: string): Promise<SignedObject> {
  let answer: GetObjectCommandOutput;
  try {
    answer = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  } catch (error) {
    if (isMissing(error) || isDenied(error))
      throw new SigningRequestError(
        404,
        [{ code: "unknown_object", field: "id", message: "no such object of yours" }],
        { cause: error },
      );
    throw error;
  }
  const body = answer.Body as Partial<AsyncIterable<Uint8Array>> | undefined;
  if (body?.[Symbol.asyncIterator] === undefined) throw new Error(`GetObject of ${key} returned no readable body`);
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of body as AsyncIterable<Uint8Array>) {
    hash.update(chunk);
    size += chunk.length;
  }
  if (answer.ContentLength !== undefined && answer.ContentLength !== size)
    throw new Error(`GetObject of ${key} ended after ${size} of ${answer.ContentLength} bytes`);
  return { id, versionId: answer.VersionId ?? null, sha256: hash.digest("hex"), sizeBytes: size };
}

/** The certificate's key: `signatures/<tenant>/<pseudonym>/<id>/<signatureId>.json`. */
export function certificateKey(owner: TokenClaims, id: string, signatureId: string): string {
  return `${SIGNATURES_PREFIX}${ownerPrefix(owner)}${id}/${signatureId}.json`;
}

/**
 * Signs the caller's clean object `id`: reads it, records and signs the evidence, stores the
 * certificate, and returns the receipt. 400 `invalid_object_id` unless `id` is an object ID; 404
 * `unknown_object` when the caller has no such clean object (another subject's or tenant's look the
 * same); EvidenceStoreError when the certificate cannot be stored (no receipt then).
 */
export async function signDocument(
  deps: SigningDeps,
  config: SigningConfig,
  input: SignatureInput,
): Promise<Signature> {
  const { owner, signer, id, request } = input;
  if (!OBJECT_ID.test(id))
    throw new SigningRequestError(400, [
      { code: "invalid_object_id", field: "id", message: "id must be an object ID the upload service issued" },
    ]);
  const now = deps.now ?? (() => new Date());
  const consentAt = now().toISOString();
  const object = await digestObject(deps.documents, config.cleanBucket, `${ownerPrefix(owner)}${id}`, id);
  const signatureId = (deps.newId ?? randomUUID)();
  if (!OBJECT_ID.test(signatureId)) throw new Error(`the signature ID ${signatureId} is not a UUID v4`);
  const evidence: EvidenceDocument = {
    type: "signature",
    signatureId,
    document: { ...object },
    signer: { tenant: signer.tenant, subject: signer.subject, issuer: signer.issuer },
    purpose: request.purpose,
    consentAt,
    signedAt: now().toISOString(),
    keyId: deps.signer.keyId,
  };
  const certificate = await signEvidence(evidence, deps.signer);
  const receipt = await signReceipt(evidence, deps.signer);
  const key = certificateKey(owner, id, signatureId);
  const text = formatCertificate(certificate);
  try {
    await deps.evidence.send(
      // The bucket's default COMPLIANCE retention applies (kmsJsonPut sends no object-lock headers).
      new PutObjectCommand(kmsJsonPut(config.evidenceBucket, key, text, config.evidenceKmsKeyId)),
    );
  } catch (error) {
    throw new EvidenceStoreError(key, { cause: error });
  }
  return {
    signatureId,
    receipt,
    certificateKey: key,
    keyId: certificate.keyId,
    algorithm: certificate.algorithm,
    document: object,
  };
}
