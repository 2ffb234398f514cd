/**
 * The upload function's pre-signing: from verified claims, a request body and the configuration, issue a
 * pre-signed POST, a pre-signed PUT, or a multipart upload whose every URL S3 itself holds to the rules:
 *
 * - the key is exactly `<tenant>/<subject>/<uuid>`: tenant and subject from the token (the handler
 *   passes the subject's pseudonym, functions/shared/pseudonym.ts, never the claim), the uuid from
 *   `crypto.randomUUID`; the client's file name only reaches a sanitised `Content-Disposition`;
 * - `Content-Type` is the declared, allowed type; the size is at most the declared size;
 * - SSE-KMS with the data class's key (a logical-tier tenant's own key, signed as its role);
 * - no tags on browser uploads (POST, PUT, parts): S3 would authorize a tagged upload as
 *   s3:PutObjectTagging too, which the originals bucket denies outside the VPC endpoint. The data
 *   class travels as metadata (signed), and the scrub function tags the original inside the VPC;
 *   a multipart upload is tagged when this function creates it (inside the VPC);
 * - expiry at most 300 s (configuration can only lower it).
 *
 * Pure apart from the injected S3 client (used to sign, and for the multipart calls). Nothing is
 * issued unless the whole request is valid. Construct the client with `requestChecksumCalculation:
 * "WHEN_REQUIRED"`: otherwise the SDK signs a CRC32 of the empty body into PUT and part URLs, which S3
 * would enforce (the functions here refuse to hand such a URL out).
 */
import { randomUUID } from "node:crypto";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListPartsCommand,
  type ListPartsCommandOutput,
  PutObjectCommand,
  PutObjectTaggingCommand,
  type S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { createPresignedPost, type PresignedPostOptions } from "@aws-sdk/s3-presigned-post";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { TokenClaims } from "../shared/http-api";
import { assertClaims } from "../shared/object-keys";
import { PSEUDONYM, STANDBY_PSEUDONYM_METADATA } from "../shared/pseudonym";
import { SEALED_SUBJECT_METADATA } from "../shared/sealed-subject";
import { taggingHeader } from "../shared/s3-objects";
import { UploadConfigError, UploadRequestError } from "./errors";
import {
  ISSUED_KEY,
  multipartCompleteRequestSchema,
  multipartCreateRequestSchema,
  multipartPartsRequestSchema,
  parseRequest,
  postRequestSchema,
  putRequestSchema,
  sanitiseFileName,
  type UploadConfig,
} from "./schema";

/** From the verified JWT (the authorizer's claims), never from the body. */
export type UploadClaims = TokenClaims;

export interface UploadDeps {
  /** Signs URLs and policies; runs the multipart calls. Use `requestChecksumCalculation: "WHEN_REQUIRED"`. */
  readonly s3: S3Client;
  /** @default crypto.randomUUID */
  readonly newId?: () => string;
  /**
   * A logical-tier tenant's own KMS key: every upload is encrypted with it instead of the data
   * class's key (and `s3` then signs as the tenant's role), so deleting the key shreds the uploads.
   * @default - the data class's key
   */
  readonly tenantKeyArn?: string;
  /**
   * The subject's standby pseudonym, for a data class that crosses to the commercial partition: kept
   * in the object's metadata (`standby-pseudonym`), signed like the rest, so the client cannot change
   * it; the sync names the replica by it (docs/cross-partition.md §7). @default - none (does not cross)
   */
  readonly standbyPseudonym?: string;
  /**
   * The commercial standby during an outage: the tenant and subject sealed to the sovereign key
   * (functions/shared/sealed-subject.ts), kept in the object's metadata (`sealed-subject`), signed
   * like the rest, so the client can neither change nor drop it. @default - none (sovereign uploads)
   */
  readonly sealedSubject?: string;
}

export interface PresignedPost {
  readonly method: "POST";
  readonly url: string;
  /** Form fields to send, in any order, before the `file` field. */
  readonly fields: Readonly<Record<string, string>>;
  readonly bucket: string;
  readonly key: string;
  readonly expiresAt: string;
}

export interface PresignedPut {
  readonly method: "PUT";
  readonly url: string;
  /**
   * Every one is signed: send exactly these with a body of exactly the declared size (browsers derive
   * Content-Length from the body themselves; the value listed is what the signature expects).
   */
  readonly headers: Readonly<Record<string, string>>;
  readonly bucket: string;
  readonly key: string;
  readonly expiresAt: string;
}

export interface PresignedPart {
  readonly partNumber: number;
  readonly url: string;
  /** Content-Length is signed: the part must be exactly this long. */
  readonly headers: Readonly<Record<string, string>>;
}

export interface MultipartUpload {
  readonly bucket: string;
  readonly key: string;
  readonly uploadId: string;
  readonly partSizeBytes: number;
  readonly partCount: number;
  readonly parts: readonly PresignedPart[];
  readonly expiresAt: string;
}

export interface PresignedParts {
  readonly parts: readonly PresignedPart[];
  readonly expiresAt: string;
}

export interface CompletedUpload {
  readonly bucket: string;
  readonly key: string;
  readonly sizeBytes: number;
  readonly partCount: number;
}

const SSE = "aws:kms";

// ---------------------------------------------------------------------------------------------------
// Pure helpers

export { assertClaims } from "../shared/object-keys";

/** The only key shape this function issues. */
export function objectKey(claims: UploadClaims, id: string): string {
  const key = `${claims.tenant}/${claims.subject}/${id}`;
  if (!ISSUED_KEY.test(key))
    throw new UploadConfigError(`generated key "${key}" is not <tenant>/<subject>/<uuid v4>: check the id generator`);
  return key;
}

/** The sanitised name, UTF-8 percent-encoded (RFC 8187 `value-chars`): ASCII, safe in a header. */
export function encodedFileName(fileName: string): string {
  return encodeURIComponent(sanitiseFileName(fileName)).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** `attachment` with an ASCII fallback and the RFC 8187 UTF-8 form of the sanitised name. */
export function contentDisposition(fileName: string): string {
  const ascii = sanitiseFileName(fileName).replace(/[^\x20-\x7e]|[%;]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodedFileName(fileName)}`;
}

/**
 * User metadata on every object: the sanitised, percent-encoded file name (Ceph RGW drops a POST form's
 * Content-Disposition, so the name is also kept here), the data class (completeMultipartUpload
 * restores the tag from it on servers that drop a multipart upload's tagging, as Ceph RGW does),
 * for a crossing data class the subject's standby pseudonym and, on the commercial standby, the
 * sealed subject.
 */
export function objectMetadata(
  fileName: string,
  dataClass: string,
  standbyPseudonym?: string,
  sealedSubject?: string,
): Record<string, string> {
  if (standbyPseudonym !== undefined && !PSEUDONYM.test(standbyPseudonym))
    throw new UploadConfigError("the standby pseudonym is not 32 lower-case hex characters: check the standby key");
  if (sealedSubject !== undefined && !SEALED.test(sealedSubject))
    throw new UploadConfigError("the sealed subject is not the base64 of an RSA ciphertext: check the sealing key");
  return {
    [META_ORIGINAL_NAME]: encodedFileName(fileName),
    [META_DATA_CLASS]: dataClass,
    ...(standbyPseudonym === undefined ? {} : { [STANDBY_PSEUDONYM_METADATA]: standbyPseudonym }),
    ...(sealedSubject === undefined ? {} : { [SEALED_SUBJECT_METADATA]: sealedSubject }),
  };
}

/** Standard base64 of 384 to 512 bytes (RSA-3072 to RSA-4096): well inside S3's 2 KB of user metadata. */
const SEALED = /^[A-Za-z0-9+/]{512,684}={0,2}$/;

/** The metadata of one upload under `deps`. */
const metadataOf = (deps: UploadDeps, fileName: string, dataClass: string) =>
  objectMetadata(fileName, dataClass, deps.standbyPseudonym, deps.sealedSubject);

const META_ORIGINAL_NAME = "original-name";
const META_DATA_CLASS = "data-class";

/** The data class's key, or the tenant's own key where deps name one; the data class must be known either way. */
function kmsKeyOf(deps: UploadDeps, config: UploadConfig, dataClass: string): string {
  const arn = config.kmsKeyArnByDataClass[dataClass];
  if (arn === undefined)
    throw UploadRequestError.of(
      "unknown_data_class",
      "dataClass",
      `dataClass must be one of ${Object.keys(config.kmsKeyArnByDataClass).join(", ")}`,
    );
  return deps.tenantKeyArn ?? arn;
}

/** Part count and exact part lengths for a declared total. */
export function partLengths(sizeBytes: number, partSizeBytes: number): number[] {
  const count = Math.max(1, Math.ceil(sizeBytes / partSizeBytes));
  return Array.from({ length: count }, (_, i) =>
    i < count - 1 ? partSizeBytes : sizeBytes - (count - 1) * partSizeBytes,
  );
}

function scopedKey(claims: UploadClaims, key: string): string {
  const match = ISSUED_KEY.exec(key);
  if (match === null)
    throw UploadRequestError.of(
      "invalid_key",
      "key",
      "key must be a key this service issued (<tenant>/<subject>/<uuid>)",
    );
  if (match[1] !== claims.tenant || match[2] !== claims.subject)
    throw UploadRequestError.of("key_out_of_scope", "key", "key belongs to another tenant or subject");
  return key;
}

// ---------------------------------------------------------------------------------------------------
// Pre-signed POST

/**
 * A pre-signed POST whose policy pins: bucket, exact key, Content-Type, Content-Disposition, SSE-KMS
 * and its key id, the metadata (file name, data class), `content-length-range` 1..declared size, and
 * the expiry. No `tagging` field (see the module comment).
 */
export async function issuePresignedPost(
  deps: UploadDeps,
  config: UploadConfig,
  claims: UploadClaims,
  body: unknown,
): Promise<PresignedPost> {
  assertClaims(claims);
  const request = parseRequest(postRequestSchema(config), body);
  const key = objectKey(claims, (deps.newId ?? randomUUID)());
  const fields: Record<string, string> = {
    "Content-Type": request.contentType,
    "Content-Disposition": contentDisposition(request.fileName),
    "x-amz-server-side-encryption": SSE,
    "x-amz-server-side-encryption-aws-kms-key-id": kmsKeyOf(deps, config, request.dataClass),
    ...Object.fromEntries(
      Object.entries(metadataOf(deps, request.fileName, request.dataClass)).map(([k, v]) => [`x-amz-meta-${k}`, v]),
    ),
  };
  // Every field above also becomes an exact-match condition (as do bucket, key and the signing fields).
  const conditions: NonNullable<PresignedPostOptions["Conditions"]> = [["content-length-range", 1, request.sizeBytes]];
  const post = await createPresignedPost(deps.s3, {
    Bucket: config.bucket,
    Key: key,
    Fields: fields,
    Conditions: conditions,
    Expires: config.expirySeconds,
  });
  const policy = JSON.parse(Buffer.from(post.fields.Policy ?? "", "base64").toString("utf8")) as { expiration: string };
  return {
    method: "POST",
    url: post.url,
    fields: post.fields,
    bucket: config.bucket,
    key,
    expiresAt: policy.expiration,
  };
}

// ---------------------------------------------------------------------------------------------------
// Pre-signed PUT and parts

/** Query parameters the SDK adds when the client computes checksums by default (CRC32 of an empty body). */
const UNWANTED_QUERY = [
  "x-amz-checksum-crc32",
  "x-amz-checksum-crc32c",
  "x-amz-checksum-crc64nvme",
  "x-amz-sdk-checksum-algorithm",
];

async function presign(
  s3: S3Client,
  command: PutObjectCommand | UploadPartCommand,
  headers: Readonly<Record<string, string>>,
  expiresIn: number,
  signingDate: Date,
): Promise<string> {
  const names = Object.keys(headers).map((h) => h.toLowerCase());
  // The presigner's signature is generic over one command type; both commands are presigned alike.
  const url = await getSignedUrl(s3, command as PutObjectCommand, {
    expiresIn,
    signingDate,
    // Content-Type is unsignable by default in the presigner; sign it, and keep x-amz-* as headers.
    signableHeaders: new Set(names),
    unhoistableHeaders: new Set(names.filter((n) => n.startsWith("x-amz-"))),
  });
  const params = new URL(url).searchParams;
  const unwanted = UNWANTED_QUERY.filter((p) => [...params.keys()].some((k) => k.toLowerCase() === p));
  if (unwanted.length > 0) {
    throw new UploadConfigError(
      `the S3 client added ${unwanted.join(", ")} to a pre-signed URL: construct it with requestChecksumCalculation: "WHEN_REQUIRED"`,
    );
  }
  const signed = (params.get("X-Amz-SignedHeaders") ?? "").split(";").sort();
  const expected = [...names, "host"].sort();
  if (signed.join(";") !== expected.join(";")) {
    throw new UploadConfigError(`pre-signed URL signs [${signed.join(", ")}], expected [${expected.join(", ")}]`);
  }
  return url;
}

/**
 * A pre-signed PUT with the same key rules. Signed headers: Content-Type, Content-Length (the declared
 * size), Content-MD5 (required), x-amz-checksum-sha256 (when given), Content-Disposition, SSE-KMS and
 * key id, the metadata. No x-amz-tagging (see the module comment).
 */
export async function issuePresignedPut(
  deps: UploadDeps,
  config: UploadConfig,
  claims: UploadClaims,
  body: unknown,
): Promise<PresignedPut> {
  assertClaims(claims);
  const request = parseRequest(putRequestSchema(config), body);
  const key = objectKey(claims, (deps.newId ?? randomUUID)());
  const kmsKey = kmsKeyOf(deps, config, request.dataClass);
  const disposition = contentDisposition(request.fileName);
  const metadata = metadataOf(deps, request.fileName, request.dataClass);
  const headers: Record<string, string> = {
    "Content-Type": request.contentType,
    "Content-Length": String(request.sizeBytes),
    "Content-MD5": request.contentMd5,
    ...(request.checksumSha256 === undefined ? {} : { "x-amz-checksum-sha256": request.checksumSha256 }),
    "Content-Disposition": disposition,
    "x-amz-server-side-encryption": SSE,
    "x-amz-server-side-encryption-aws-kms-key-id": kmsKey,
    ...Object.fromEntries(Object.entries(metadata).map(([k, v]) => [`x-amz-meta-${k}`, v])),
  };
  const command = new PutObjectCommand({
    Bucket: config.bucket,
    Key: key,
    ContentType: request.contentType,
    ContentLength: request.sizeBytes,
    ContentMD5: request.contentMd5,
    ChecksumSHA256: request.checksumSha256,
    ContentDisposition: disposition,
    ServerSideEncryption: SSE,
    SSEKMSKeyId: kmsKey,
    Metadata: metadata,
  });
  const signingDate = new Date();
  const url = await presign(deps.s3, command, headers, config.expirySeconds, signingDate);
  return {
    method: "PUT",
    url,
    headers,
    bucket: config.bucket,
    key,
    expiresAt: expiresAt(signingDate, config.expirySeconds),
  };
}

function expiresAt(signingDate: Date, seconds: number): string {
  return new Date(Math.floor(signingDate.getTime() / 1000) * 1000 + seconds * 1000)
    .toISOString()
    .replace(/\.000Z$/, "Z");
}

async function presignParts(
  deps: UploadDeps,
  config: UploadConfig,
  key: string,
  uploadId: string,
  lengths: readonly number[],
  partNumbers: readonly number[],
): Promise<PresignedParts> {
  const signingDate = new Date();
  const parts = await Promise.all(
    partNumbers.map(async (partNumber) => {
      const length = lengths[partNumber - 1];
      if (length === undefined)
        throw UploadRequestError.of(
          "invalid_parts",
          "partNumbers",
          `partNumber ${partNumber} is beyond the ${lengths.length} parts of this upload`,
        );
      const headers = { "Content-Length": String(length) };
      const command = new UploadPartCommand({
        Bucket: config.bucket,
        Key: key,
        UploadId: uploadId,
        PartNumber: partNumber,
        ContentLength: length,
      });
      return { partNumber, url: await presign(deps.s3, command, headers, config.expirySeconds, signingDate), headers };
    }),
  );
  return { parts, expiresAt: expiresAt(signingDate, config.expirySeconds) };
}

// ---------------------------------------------------------------------------------------------------
// Multipart

/**
 * Creates the multipart upload (SSE-KMS, key id, tag, Content-Type and Content-Disposition are set here
 * and apply to the completed object) and pre-signs every part with its exact length.
 */
export async function createMultipartUpload(
  deps: UploadDeps,
  config: UploadConfig,
  claims: UploadClaims,
  body: unknown,
): Promise<MultipartUpload> {
  assertClaims(claims);
  const request = parseRequest(multipartCreateRequestSchema(config), body);
  const key = objectKey(claims, (deps.newId ?? randomUUID)());
  const created = await deps.s3.send(
    new CreateMultipartUploadCommand({
      Bucket: config.bucket,
      Key: key,
      ContentType: request.contentType,
      ContentDisposition: contentDisposition(request.fileName),
      ServerSideEncryption: SSE,
      SSEKMSKeyId: kmsKeyOf(deps, config, request.dataClass),
      Tagging: taggingHeader({ [config.dataClassTagKey]: request.dataClass }),
      Metadata: metadataOf(deps, request.fileName, request.dataClass),
    }),
  );
  const uploadId = created.UploadId;
  if (uploadId === undefined) throw new Error("CreateMultipartUpload returned no UploadId");
  const lengths = partLengths(request.sizeBytes, config.multipartPartSizeBytes);
  const { parts, expiresAt: at } = await presignParts(
    deps,
    config,
    key,
    uploadId,
    lengths,
    lengths.map((_, i) => i + 1),
  );
  return {
    bucket: config.bucket,
    key,
    uploadId,
    partSizeBytes: config.multipartPartSizeBytes,
    partCount: lengths.length,
    parts,
    expiresAt: at,
  };
}

async function listAllParts(
  s3: S3Client,
  bucket: string,
  key: string,
  uploadId: string,
): Promise<NonNullable<ListPartsCommandOutput["Parts"]>> {
  const parts: NonNullable<ListPartsCommandOutput["Parts"]> = [];
  let marker: string | undefined;
  for (;;) {
    let page: ListPartsCommandOutput;
    try {
      page = await s3.send(
        new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumberMarker: marker }),
      );
    } catch (error) {
      if (error instanceof Error && error.name === "NoSuchUpload")
        throw UploadRequestError.of("unknown_upload", "uploadId", "no such multipart upload under this key");
      throw error;
    }
    parts.push(...(page.Parts ?? []));
    if (!page.IsTruncated || page.NextPartNumberMarker === undefined) return parts;
    marker = page.NextPartNumberMarker;
  }
}

/**
 * Re-issues part URLs (for example after the first ones expired) for an upload in the caller's scope.
 * Lengths are computed from the re-declared total, which is bounded by `multipartMaxSizeBytes`;
 * completeMultipartUpload checks what was actually uploaded.
 */
export async function presignUploadParts(
  deps: UploadDeps,
  config: UploadConfig,
  claims: UploadClaims,
  body: unknown,
): Promise<PresignedParts> {
  assertClaims(claims);
  const request = parseRequest(multipartPartsRequestSchema(config), body);
  const key = scopedKey(claims, request.key);
  await listAllParts(deps.s3, config.bucket, key, request.uploadId);
  return presignParts(
    deps,
    config,
    key,
    request.uploadId,
    partLengths(request.sizeBytes, config.multipartPartSizeBytes),
    request.partNumbers,
  );
}

const unquote = (etag: string | undefined) => (etag ?? "").replace(/^"|"$/g, "");

/**
 * Completes an upload in the caller's scope after checking, against ListParts, that the parts named are
 * exactly the parts uploaded (numbers 1..n, ETags), that every part but the last has the configured part
 * size, and that the total is within `multipartMaxSizeBytes`; an oversized upload is aborted.
 */
export async function completeMultipartUpload(
  deps: UploadDeps,
  config: UploadConfig,
  claims: UploadClaims,
  body: unknown,
): Promise<CompletedUpload> {
  assertClaims(claims);
  const request = parseRequest(multipartCompleteRequestSchema, body);
  const key = scopedKey(claims, request.key);
  const uploaded = await listAllParts(deps.s3, config.bucket, key, request.uploadId);
  const byNumber = new Map(uploaded.map((p) => [p.PartNumber, p]));
  request.parts.forEach((part, i) => {
    const actual = byNumber.get(part.partNumber);
    if (part.partNumber !== i + 1)
      throw UploadRequestError.of(
        "invalid_parts",
        `parts.${i}.partNumber`,
        `parts must be numbered 1..n without gaps; expected ${i + 1}`,
      );
    if (actual === undefined)
      throw UploadRequestError.of("invalid_parts", `parts.${i}.partNumber`, `part ${part.partNumber} was not uploaded`);
    if (unquote(actual.ETag) !== unquote(part.eTag))
      throw UploadRequestError.of("invalid_parts", `parts.${i}.eTag`, `part ${part.partNumber} has a different ETag`);
  });
  if (uploaded.length !== request.parts.length)
    throw UploadRequestError.of(
      "invalid_parts",
      "parts",
      `${uploaded.length} parts were uploaded, ${request.parts.length} named`,
    );
  request.parts.slice(0, -1).forEach((part, i) => {
    const size = byNumber.get(part.partNumber)?.Size;
    if (size !== config.multipartPartSizeBytes) {
      throw UploadRequestError.of(
        "invalid_parts",
        `parts.${i}.partNumber`,
        `part ${part.partNumber} is ${String(size)} bytes; every part but the last must be ${config.multipartPartSizeBytes}`,
      );
    }
  });
  const sizeBytes = uploaded.reduce((sum, p) => sum + (p.Size ?? 0), 0);
  if (sizeBytes > config.multipartMaxSizeBytes) {
    await deps.s3.send(
      new AbortMultipartUploadCommand({ Bucket: config.bucket, Key: key, UploadId: request.uploadId }),
    );
    throw UploadRequestError.of(
      "size_too_large",
      "parts",
      `the parts add up to ${sizeBytes} bytes, more than ${config.multipartMaxSizeBytes}; the upload was aborted`,
    );
  }
  await deps.s3.send(
    new CompleteMultipartUploadCommand({
      Bucket: config.bucket,
      Key: key,
      UploadId: request.uploadId,
      MultipartUpload: { Parts: request.parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.eTag })) },
    }),
  );
  await ensureDataClassTag(deps.s3, config, key);
  return { bucket: config.bucket, key, sizeBytes, partCount: request.parts.length };
}

/**
 * S3 applies CreateMultipartUpload's tagging to the completed object; Ceph RGW 16 does not. Restore the
 * data-class tag from the metadata this function set at creation when it is missing, keeping other tags.
 * On S3 this costs one GetObjectTagging and writes nothing.
 */
async function ensureDataClassTag(s3: S3Client, config: UploadConfig, key: string): Promise<void> {
  const tagging = await s3.send(new GetObjectTaggingCommand({ Bucket: config.bucket, Key: key }));
  const tags = tagging.TagSet ?? [];
  if (tags.some((t) => t.Key === config.dataClassTagKey)) return;
  const head = await s3.send(new HeadObjectCommand({ Bucket: config.bucket, Key: key }));
  const dataClass = head.Metadata?.[META_DATA_CLASS];
  if (dataClass === undefined || !(dataClass in config.kmsKeyArnByDataClass)) {
    throw new Error(`completed object ${key} carries no valid ${META_DATA_CLASS} metadata: cannot tag it`);
  }
  await s3.send(
    new PutObjectTaggingCommand({
      Bucket: config.bucket,
      Key: key,
      Tagging: { TagSet: [...tags, { Key: config.dataClassTagKey, Value: dataClass }] },
    }),
  );
}
