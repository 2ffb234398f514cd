/**
 * The download function's core: from the verified token's tenant and subject (the subject's
 * pseudonym, as in the keys the upload function issued), the caller's own clean objects, listed, and
 * short-lived pre-signed GETs for one of them.
 *
 * - Only the clean bucket (scrubbed copies) is ever read or signed for: originals and quarantined
 *   uploads live in the originals bucket, which this function has no access to.
 * - The key is `<tenant>/<subject>/<id>` with tenant and subject from the token and the id a UUID
 *   the upload function issued; nothing in the request names a tenant, a subject or a bucket.
 * - A URL is issued only for an object that exists (HEAD first), lives at most `expirySeconds`
 *   (≤ 300, configuration may lower it), and is signed by the client it is given: the function's
 *   own role, or a logical-tier tenant's role for that tenant's objects.
 *
 * Pure apart from the injected S3 client.
 */
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { TokenClaims } from "../shared/http-api";
import { OBJECT_ID, ownerPrefix } from "../shared/object-keys";

/** AWS's ceiling for a pre-signed download here; configuration may lower it, never raise it. */
export const MAX_DOWNLOAD_EXPIRY_SECONDS = 300;
/** Most objects one listing page returns (S3's own page size). */
export const MAX_PAGE_SIZE = 1000;
const DEFAULT_PAGE_SIZE = 100;

export interface DownloadConfig {
  /** The clean bucket. */
  readonly bucket: string;
  /** Lifetime of every issued URL, 1-300 s. */
  readonly expirySeconds: number;
}

export interface DownloadDeps {
  /** Signs URLs and makes the HEAD and list calls: the function's client, or a tenant role's. */
  readonly s3: S3Client;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/** A request the function refuses: HTTP status, stable code, the parameter at fault. */
export class DownloadRequestError extends Error {
  constructor(
    readonly status: 400 | 404,
    readonly code: "invalid_object_id" | "invalid_query" | "unknown_object",
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = "DownloadRequestError";
  }
}

export interface PresignedGet {
  readonly method: "GET";
  readonly url: string;
  readonly id: string;
  readonly sizeBytes: number;
  readonly contentType: string | undefined;
  readonly expiresAt: string;
}

export interface OwnObject {
  readonly id: string;
  readonly sizeBytes: number;
  readonly lastModified: string | undefined;
}

export interface ObjectPage {
  readonly objects: readonly OwnObject[];
  /** Pass as `cursor` for the next page; absent on the last page. */
  readonly nextCursor?: string;
}

/** Throws unless the configuration is usable (a deployment bug, answered with 500 by the handler). */
export function assertDownloadConfig(config: DownloadConfig): void {
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(config.bucket))
    throw new RangeError(`bucket "${config.bucket}" is not an S3 bucket name`);
  if (
    !Number.isInteger(config.expirySeconds) ||
    config.expirySeconds < 1 ||
    config.expirySeconds > MAX_DOWNLOAD_EXPIRY_SECONDS
  )
    throw new RangeError(
      `expirySeconds ${config.expirySeconds} must be a whole number of 1-${MAX_DOWNLOAD_EXPIRY_SECONDS}: configurable down, never up`,
    );
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === "NotFound" || e.name === "NoSuchKey" || e.$metadata?.httpStatusCode === 404;
}

/**
 * A pre-signed GET for the caller's clean object `id`. 404 `unknown_object` when there is none under
 * the caller's prefix (another subject's or tenant's id, a quarantined upload, a deleted object
 * all look the same); 400 `invalid_object_id` unless `id` is an object ID.
 */
export async function issueDownload(
  deps: DownloadDeps,
  config: DownloadConfig,
  claims: TokenClaims,
  id: string,
): Promise<PresignedGet> {
  if (!OBJECT_ID.test(id))
    throw new DownloadRequestError(400, "invalid_object_id", "id", "id must be an object ID the upload service issued");
  const key = `${ownerPrefix(claims)}${id}`;
  let head: { ContentLength?: number | undefined; ContentType?: string | undefined };
  try {
    head = await deps.s3.send(new HeadObjectCommand({ Bucket: config.bucket, Key: key }));
  } catch (error) {
    if (isNotFound(error)) throw new DownloadRequestError(404, "unknown_object", "id", "no such object of yours");
    throw error;
  }
  const now = (deps.now ?? (() => new Date()))();
  const url = await getSignedUrl(deps.s3, new GetObjectCommand({ Bucket: config.bucket, Key: key }), {
    expiresIn: config.expirySeconds,
    signingDate: now,
  });
  return {
    method: "GET",
    url,
    id,
    sizeBytes: head.ContentLength ?? 0,
    contentType: head.ContentType,
    expiresAt: new Date(now.getTime() + config.expirySeconds * 1000).toISOString(),
  };
}

/** `limit` (1-1000, default 100) and `cursor` (from the last page) of a listing. */
function pageQuery(query: Readonly<Record<string, string>>): { limit: number; cursor: string | undefined } {
  for (const name of Object.keys(query)) {
    if (name !== "limit" && name !== "cursor")
      throw new DownloadRequestError(
        400,
        "invalid_query",
        name,
        `unknown query parameter ${name}: use limit and cursor`,
      );
  }
  const raw = query.limit;
  const limit = raw === undefined ? DEFAULT_PAGE_SIZE : Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE || (raw !== undefined && !/^\d+$/.test(raw)))
    throw new DownloadRequestError(400, "invalid_query", "limit", `limit must be a whole number of 1-${MAX_PAGE_SIZE}`);
  const cursor = query.cursor;
  if (cursor !== undefined && !/^[A-Za-z0-9+/=_.:@-]{1,1024}$/.test(cursor))
    throw new DownloadRequestError(400, "invalid_query", "cursor", "cursor must be a nextCursor this service returned");
  return { limit, cursor };
}

/** One page of the caller's clean objects, oldest keys first (S3's order: by ID). */
export async function listOwnObjects(
  deps: DownloadDeps,
  config: DownloadConfig,
  claims: TokenClaims,
  query: Readonly<Record<string, string>>,
): Promise<ObjectPage> {
  const { limit, cursor } = pageQuery(query);
  const prefix = ownerPrefix(claims);
  const listed = await deps.s3.send(
    new ListObjectsV2Command({
      Bucket: config.bucket,
      Prefix: prefix,
      MaxKeys: limit,
      ...(cursor === undefined ? {} : { ContinuationToken: cursor }),
    }),
  );
  const objects: OwnObject[] = [];
  for (const o of listed.Contents ?? []) {
    const id = (o.Key ?? "").slice(prefix.length);
    // Only keys the upload service issued: anything else under the prefix is not the caller's upload.
    if (!OBJECT_ID.test(id)) continue;
    objects.push({ id, sizeBytes: o.Size ?? 0, lastModified: o.LastModified?.toISOString() });
  }
  const next = listed.IsTruncated === true ? listed.NextContinuationToken : undefined;
  return next === undefined ? { objects } : { objects, nextCursor: next };
}
