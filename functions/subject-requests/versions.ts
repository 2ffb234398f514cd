/**
 * What the subject-request cores (erasure, export) share: listing every version and delete marker of
 * a subject's prefixes in one bucket, their order, and failures that name the S3 operation.
 */
import { ListObjectVersionsCommand, type S3Client } from "@aws-sdk/client-s3";

/** Versions in the reports' order: by key, then version ID (plain code-unit order). */
export const byKeyThenVersion = (a: { key: string; versionId: string }, b: { key: string; versionId: string }) =>
  a.key < b.key ? -1 : a.key > b.key ? 1 : a.versionId < b.versionId ? -1 : a.versionId > b.versionId ? 1 : 0;

/** A version or delete marker as listed. */
export interface Listed {
  readonly key: string;
  readonly versionId: string;
  readonly deleteMarker: boolean;
  /** The listed size (versions only). */
  readonly size: number;
  /** ISO 8601 time of the version's last modification; null when the listing gave none. */
  readonly lastModified: string | null;
}

/** A failure that stops a place: what was being done, and the cause. */
export class PlaceError extends Error {
  constructor(operation: string, cause: unknown) {
    const e = cause as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    const status = e.$metadata?.httpStatusCode;
    const detail = [e.name ?? "Error", status === undefined ? "" : `(${status})`, e.message ? `: ${e.message}` : ""];
    super(`${operation}: ${detail.join(" ").replace(" :", ":").trim()}`, { cause });
  }
}

/** Runs one S3 operation; a failure becomes a PlaceError naming it. */
export async function step<T>(operation: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw error instanceof PlaceError ? error : new PlaceError(operation, error);
  }
}

/** A failure found by the core itself (not an S3 answer), named like one. */
export function failure(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/** Where to list: a bucket, the client that may list it, and the key prefixes. */
export interface ListedPlace {
  readonly client: S3Client;
  readonly bucket: string;
  readonly prefixes: readonly string[];
}

/** Every version and delete marker under the prefixes, by key and version ID (each once). */
export async function listAll(place: ListedPlace, pageSize: number | undefined): Promise<Listed[]> {
  const found = new Map<string, Listed>();
  for (const prefix of place.prefixes) {
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    for (;;) {
      const page = await step(`ListObjectVersions ${place.bucket}/${prefix}`, () =>
        place.client.send(
          new ListObjectVersionsCommand({
            Bucket: place.bucket,
            Prefix: prefix,
            ...(pageSize === undefined ? {} : { MaxKeys: pageSize }),
            ...(keyMarker === undefined ? {} : { KeyMarker: keyMarker }),
            ...(versionIdMarker === undefined ? {} : { VersionIdMarker: versionIdMarker }),
          }),
        ),
      );
      const entries = [
        ...(page.Versions ?? []).map((v) => ({
          key: v.Key,
          versionId: v.VersionId,
          deleteMarker: false,
          size: v.Size,
          lastModified: v.LastModified,
        })),
        ...(page.DeleteMarkers ?? []).map((m) => ({
          key: m.Key,
          versionId: m.VersionId,
          deleteMarker: true,
          size: 0,
          lastModified: m.LastModified,
        })),
      ];
      for (const entry of entries) {
        if (entry.key === undefined || entry.versionId === undefined || !entry.key.startsWith(prefix))
          throw new PlaceError(
            `ListObjectVersions ${place.bucket}/${prefix}`,
            failure(
              "UnexpectedListing",
              `an entry without key or version ID, or outside the prefix (key: ${entry.key})`,
            ),
          );
        found.set(`${entry.key}\n${entry.versionId}`, {
          key: entry.key,
          versionId: entry.versionId,
          deleteMarker: entry.deleteMarker,
          size: entry.size ?? 0,
          lastModified: entry.lastModified?.toISOString() ?? null,
        });
      }
      if (page.IsTruncated !== true) break;
      if (page.NextKeyMarker === undefined && page.NextVersionIdMarker === undefined)
        throw new PlaceError(
          `ListObjectVersions ${place.bucket}/${prefix}`,
          failure("UnexpectedListing", "a truncated page without a next marker"),
        );
      keyMarker = page.NextKeyMarker;
      versionIdMarker = page.NextVersionIdMarker;
    }
  }
  return [...found.values()].sort(byKeyThenVersion);
}
