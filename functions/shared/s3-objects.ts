/**
 * What the upload, scrub, sync and failback functions all say about S3 objects, said once: the
 * data-class tag, "not found", the `x-amz-tagging` header and the object key of an event record.
 */
import { createHash } from "node:crypto";
import {
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  type PutObjectCommandInput,
  type S3Client,
  type Tag,
} from "@aws-sdk/client-s3";

/** The object tag that names an object's data class (written by upload and scrub, read by the sync). */
export const DATA_CLASS_TAG = "data-class";

const NOT_FOUND = new Set(["NotFound", "NoSuchKey", "NoSuchVersion"]);

/**
 * Whether S3 answered "no such object": any 404, or the codes S3 and the RADOS Gateway send with one.
 * `NoSuchVersion` counts: it answers only a request that named a version, and then that version is
 * gone, which is what the caller asked (a HEAD of the current version never gets it).
 */
export function isNotFound(error: unknown): boolean {
  if (error === null || typeof error !== "object") return false;
  const e = error as { name?: unknown; $metadata?: { httpStatusCode?: number } };
  return (typeof e.name === "string" && NOT_FOUND.has(e.name)) || e.$metadata?.httpStatusCode === 404;
}

/** HEAD of the object (of `versionId` when given, else the current version), or undefined when there is none. */
export async function headOrUndefined(
  client: S3Client,
  bucket: string,
  key: string,
  versionId?: string,
): Promise<HeadObjectCommandOutput | undefined> {
  try {
    return await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/**
 * A PutObject of a JSON text under SSE-KMS with `kmsKeyId`, with its Content-MD5 (S3 refuses a body
 * that did not arrive whole). No object-lock headers: a locked bucket's default retention applies
 * (explicit ones would need s3:PutObjectRetention). Records, reports and evidence are written so.
 */
export function kmsJsonPut(bucket: string, key: string, text: string, kmsKeyId: string): PutObjectCommandInput {
  return {
    Bucket: bucket,
    Key: key,
    Body: text,
    ContentType: "application/json",
    ContentMD5: createHash("md5").update(text, "utf8").digest("base64"),
    ServerSideEncryption: "aws:kms",
    SSEKMSKeyId: kmsKeyId,
  };
}

/**
 * The `x-amz-tagging` header (URL query form) of a tag set, or undefined for none. Keys and values are
 * percent-encoded (a space is `%20`, never `+`, which a query decoder may keep as a plus).
 */
export function taggingHeader(tags: readonly Tag[] | Readonly<Record<string, string>>): string | undefined {
  const pairs = Array.isArray(tags)
    ? (tags as readonly Tag[]).map((t) => [t.Key ?? "", t.Value ?? ""] as const)
    : Object.entries(tags);
  if (pairs.length === 0) return undefined;
  return pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&");
}

/**
 * The object key of an event record. AWS URL-encodes keys like a form (`+` is a space, `%2B` a plus,
 * `%XX` UTF-8); the RADOS Gateway (`eventSource: ceph:s3`, 16.2) sends them raw, so `a b+c.jpg` arrives
 * as is and must not be decoded (measured in scrub.rgw.test.ts). An invalid escape throws URIError.
 */
export function decodeEventKey(raw: string, eventSource: string | undefined): string {
  if (eventSource?.startsWith("ceph:")) return raw;
  return decodeURIComponent(raw.replace(/\+/g, " "));
}
