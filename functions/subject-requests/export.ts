/**
 * Export of one data subject (issue 18, item 2; the core only): every version of the subject's
 * objects in every place it may live (the same subject and places as `eraseSubject` takes) goes into
 * one ZIP archive with a manifest, uploaded under the target's KMS key, and delivered through a
 * pre-signed GET of at most 300 s.
 *
 * In order:
 * 1. Check the input (as the erasure does: each prefix ends with `<tenant>/<pseudonym>/`), before any
 *    request. Start a multipart upload of the archive to the target (SSE-KMS with `kmsKeyId`).
 * 2. Per place, by place name: list every version under the prefixes (delete markers have no bytes
 *    and are left out), by key then version ID. Stream each version (GetObject with its VersionId)
 *    into the archive as the stored (uncompressed) entry `<place>/<key>#<versionId>`, hashing it
 *    (SHA-256) on the way and checking its size against the listing.
 * 3. Last entry: `manifest.json`, the canonical JSON (functions/evidence/canonical.ts) of the manifest.
 * 4. The archive's bytes go out as parts of at least `partSizeBytes` (≥ 5 MiB) except the last, each
 *    uploaded before more is read, so memory is bounded by about one part plus one read chunk, not by
 *    the archive. Complete the upload, then sign a GET of the archive (its version when the target
 *    is versioned) for `expirySeconds`.
 *
 * Any failure aborts the multipart upload (nothing half-written remains) and is thrown: a PlaceError
 * naming the S3 operation, or ExportInputError for refused input.
 *
 * The manifest holds only strings, safe integers and null, in a fixed order (versions by place name,
 * key, version ID), so that it can go into a canonical evidence document as it is.
 *
 * Limits: the archive is plain ZIP (no ZIP64): at most 65 535 entries and 4 GiB; fflate refuses more.
 * Entry times are the versions' LastModified (ZIP stores them at 2-second precision, from 1980).
 *
 * Pure apart from the injected S3 clients.
 */
import { createHash } from "node:crypto";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  type CompletedPart,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  type S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { Zip, ZipPassThrough } from "fflate";
import { canonicalize } from "../evidence/canonical";
import { checkPlaces, type ErasurePlace, type ErasureSubject } from "./erase";
import { byKeyThenVersion, failure, type Listed, listAll, PlaceError, step } from "./versions";

const MiB = 1024 * 1024;
/** S3's minimum part size (all parts but the last). */
export const MIN_PART_SIZE_BYTES = 5 * MiB;
export const DEFAULT_PART_SIZE_BYTES = 8 * MiB;
/** The longest a pre-signed GET of an export may live. */
export const MAX_EXPORT_EXPIRY_SECONDS = 300;
/** The manifest's entry name in the archive. */
export const MANIFEST_ENTRY = "manifest.json";

/** Where the archive goes: the client that may write and sign there, the bucket, the key and the KMS key. */
export interface ExportTarget {
  readonly client: S3Client;
  readonly bucket: string;
  /** The archive's key, e.g. `exports/<tenant>/<pseudonym>/<requestId>.zip`. */
  readonly key: string;
  /** KMS key (ARN or id) the archive is encrypted under (the tenant's or the data class's). */
  readonly kmsKeyId: string;
}

export interface ExportOptions {
  readonly target: ExportTarget;
  /** Lifetime of the pre-signed GET, 1-300 s. */
  readonly expirySeconds: number;
  /** The signing time of the URL (tests sign in the past). @default () => new Date() */
  readonly now?: () => Date;
  /** Versions per ListObjectVersions page. @default - the server's (1000) */
  readonly pageSize?: number;
  /** Size of every part but the last, ≥ 5 MiB. @default 8 MiB */
  readonly partSizeBytes?: number;
}

/** One exported version, as the manifest lists it. */
export interface ExportedVersion {
  readonly place: string;
  readonly bucket: string;
  readonly key: string;
  readonly versionId: string;
  readonly sizeBytes: number;
  /** Lower-case hex SHA-256 of the bytes. */
  readonly sha256: string;
  /** ISO 8601 LastModified of the version, as listed; null when the listing gave none. */
  readonly lastModified: string | null;
}

export interface ExportManifest {
  readonly subject: { readonly tenant: string; readonly pseudonym: string };
  /** By place name, key, version ID. */
  readonly versions: readonly ExportedVersion[];
}

export interface ExportResult {
  readonly manifest: ExportManifest;
  readonly archive: {
    readonly bucket: string;
    readonly key: string;
    readonly sizeBytes: number;
    readonly sha256: string;
  };
  /** A pre-signed GET of the archive. */
  readonly url: string;
  /** ISO 8601 time the URL stops working. */
  readonly expiresAt: string;
}

/** Input the export refuses before any request. */
export class ExportInputError extends Error {
  override readonly name = "ExportInputError";
}

/** The archive entry name of a version: `<place>/<key>#<versionId>`. */
export const entryName = (place: string, key: string, versionId: string) => `${place}/${key}#${versionId}`;

function checkOptions(options: ExportOptions): void {
  const { target, expirySeconds } = options;
  const partSize = options.partSizeBytes ?? DEFAULT_PART_SIZE_BYTES;
  const problems: string[] = [];
  if (!Number.isInteger(expirySeconds) || expirySeconds < 1 || expirySeconds > MAX_EXPORT_EXPIRY_SECONDS)
    problems.push(`expirySeconds must be a whole number of 1-${MAX_EXPORT_EXPIRY_SECONDS} (value: ${expirySeconds})`);
  if (!Number.isSafeInteger(partSize) || partSize < MIN_PART_SIZE_BYTES)
    problems.push(`partSizeBytes must be an integer >= ${MIN_PART_SIZE_BYTES} (value: ${partSize})`);
  if (options.pageSize !== undefined && (!Number.isSafeInteger(options.pageSize) || options.pageSize < 1))
    problems.push(`pageSize must be a positive integer (value: ${options.pageSize})`);
  if (target.bucket === "" || target.key === "" || target.kmsKeyId === "")
    problems.push("the target needs a bucket, a key and a kmsKeyId");
  if (problems.length > 0) throw new ExportInputError(problems.join("; "));
}

/** The archive's bytes on their way to a multipart upload: hashed, counted, sent a part at a time. */
class PartWriter {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private readonly parts: CompletedPart[] = [];
  private readonly hash = createHash("sha256");
  sizeBytes = 0;

  constructor(
    private readonly target: ExportTarget,
    private readonly uploadId: string,
    private readonly partSize: number,
  ) {}

  write(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    this.sizeBytes += chunk.length;
    this.hash.update(chunk);
  }

  /** Sends what is buffered once it makes a part (or, at the end, whatever is left). */
  async flush(last: boolean): Promise<void> {
    if (this.buffered === 0 || (!last && this.buffered < this.partSize)) return;
    const body = Buffer.concat(this.chunks, this.buffered);
    this.chunks = [];
    this.buffered = 0;
    const partNumber = this.parts.length + 1;
    const { bucket, key } = this.target;
    const answer = await step(`UploadPart ${bucket}/${key} #${partNumber}`, () =>
      this.target.client.send(
        new UploadPartCommand({
          Bucket: bucket,
          Key: key,
          UploadId: this.uploadId,
          PartNumber: partNumber,
          Body: body,
        }),
      ),
    );
    this.parts.push({ PartNumber: partNumber, ETag: answer.ETag });
  }

  completed(): CompletedPart[] {
    return [...this.parts];
  }

  sha256(): string {
    return this.hash.digest("hex");
  }
}

/** The ZIP stream feeding a PartWriter; its errors are kept and thrown at the next check. */
class ArchiveWriter {
  private readonly zip: Zip;
  private error: Error | undefined;

  constructor(readonly out: PartWriter) {
    this.zip = new Zip((error, chunk) => {
      if (error) this.error ??= error;
      else this.out.write(chunk);
    });
  }

  /** Adds a stored entry and streams the bytes into it, sending parts as they fill. */
  async entry(name: string, mtime: Date, chunks: AsyncIterable<Uint8Array>): Promise<void> {
    const file = new ZipPassThrough(name);
    file.mtime = mtime;
    this.zip.add(file);
    for await (const chunk of chunks) {
      file.push(chunk);
      await this.check();
    }
    file.push(new Uint8Array(0), true);
    await this.check();
  }

  async end(): Promise<void> {
    this.zip.end();
    this.throwIfFailed();
    await this.out.flush(true);
  }

  private async check(): Promise<void> {
    this.throwIfFailed();
    await this.out.flush(false);
  }

  private throwIfFailed(): void {
    if (this.error !== undefined) throw new PlaceError("ZIP", this.error);
  }
}

/** Streams one version into the archive; returns its manifest entry. */
async function exportVersion(archive: ArchiveWriter, place: ErasurePlace, version: Listed): Promise<ExportedVersion> {
  const at = `${place.bucket}/${version.key}@${version.versionId}`;
  const answer = await step(`GetObject ${at}`, () =>
    place.client.send(new GetObjectCommand({ Bucket: place.bucket, Key: version.key, VersionId: version.versionId })),
  );
  const body = answer.Body as Partial<AsyncIterable<Uint8Array>> | undefined;
  if (body?.[Symbol.asyncIterator] === undefined)
    throw new PlaceError(`GetObject ${at}`, failure("UnreadableBody", "GetObject returned no readable body"));
  if (answer.VersionId !== undefined && answer.VersionId !== version.versionId)
    throw new PlaceError(`GetObject ${at}`, failure("VersionMismatch", `read version ${answer.VersionId}`));
  const hash = createHash("sha256");
  let size = 0;
  async function* hashed(): AsyncGenerator<Uint8Array> {
    for await (const chunk of body as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      size += chunk.length;
      yield chunk;
    }
  }
  const mtime = version.lastModified === null ? new Date() : new Date(version.lastModified);
  await step(`GetObject ${at}`, () =>
    archive.entry(entryName(place.name, version.key, version.versionId), mtime, hashed()),
  );
  if (size !== version.size)
    throw new PlaceError(`GetObject ${at}`, failure("SizeMismatch", `read ${size} bytes, listed ${version.size}`));
  return {
    place: place.name,
    bucket: place.bucket,
    key: version.key,
    versionId: version.versionId,
    sizeBytes: size,
    sha256: hash.digest("hex"),
    lastModified: version.lastModified,
  };
}

/** Writes every place's versions and the manifest into the archive. */
async function writeArchive(
  subject: ErasureSubject,
  places: readonly ErasurePlace[],
  options: ExportOptions,
  archive: ArchiveWriter,
): Promise<ExportManifest> {
  const versions: ExportedVersion[] = [];
  const ordered = [...places].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const place of ordered) {
    const listed = (await listAll(place, options.pageSize)).filter((v) => !v.deleteMarker).sort(byKeyThenVersion);
    for (const version of listed) versions.push(await exportVersion(archive, place, version));
  }
  const manifest: ExportManifest = { subject: { tenant: subject.tenant, pseudonym: subject.pseudonym }, versions };
  const text = new TextEncoder().encode(canonicalize(manifest));
  await archive.entry(
    MANIFEST_ENTRY,
    new Date(),
    (async function* () {
      yield text;
    })(),
  );
  await archive.end();
  return manifest;
}

/** Uploads the archive with a multipart upload that is aborted on any failure. */
async function uploadArchive(
  options: ExportOptions,
  write: (archive: ArchiveWriter) => Promise<ExportManifest>,
): Promise<{ manifest: ExportManifest; out: PartWriter; versionId: string | undefined }> {
  const { client, bucket, key, kmsKeyId } = options.target;
  const created = await step(`CreateMultipartUpload ${bucket}/${key}`, () =>
    client.send(
      new CreateMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        ContentType: "application/zip",
        ServerSideEncryption: "aws:kms",
        SSEKMSKeyId: kmsKeyId,
      }),
    ),
  );
  const uploadId = created.UploadId;
  if (uploadId === undefined)
    throw new PlaceError(`CreateMultipartUpload ${bucket}/${key}`, failure("NoUploadId", "no UploadId answered"));
  const out = new PartWriter(options.target, uploadId, options.partSizeBytes ?? DEFAULT_PART_SIZE_BYTES);
  try {
    const manifest = await write(new ArchiveWriter(out));
    const done = await step(`CompleteMultipartUpload ${bucket}/${key}`, () =>
      client.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: out.completed() },
        }),
      ),
    );
    return { manifest, out, versionId: done.VersionId };
  } catch (error) {
    // Best effort: the original failure is what the caller needs; an abort that fails leaves the
    // upload to the bucket's lifecycle rule for incomplete multipart uploads.
    await client
      .send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }))
      .catch(() => {});
    throw error;
  }
}

/**
 * Exports every version of the subject's objects from each place into one archive at the target
 * (see the module comment). Throws ExportInputError (or ErasureInputError for the subject and places)
 * before any request, and PlaceError for an S3 failure, after aborting the upload.
 */
export async function exportSubject(
  subject: ErasureSubject,
  places: readonly ErasurePlace[],
  options: ExportOptions,
): Promise<ExportResult> {
  checkPlaces(subject, places);
  checkOptions(options);
  const { manifest, out, versionId } = await uploadArchive(options, (archive) =>
    writeArchive(subject, places, options, archive),
  );
  const { client, bucket, key } = options.target;
  const now = (options.now ?? (() => new Date()))();
  const get = new GetObjectCommand({ Bucket: bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) });
  const url = await getSignedUrl(client, get, { expiresIn: options.expirySeconds, signingDate: now });
  return {
    manifest,
    archive: { bucket, key, sizeBytes: out.sizeBytes, sha256: out.sha256() },
    url,
    expiresAt: new Date(now.getTime() + options.expirySeconds * 1000).toISOString(),
  };
}
