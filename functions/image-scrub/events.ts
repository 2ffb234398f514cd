/**
 * The S3 event notification the scrub function receives (AWS, or a Ceph RGW bucket notification),
 * and the facts `scrubObject` needs from one record.
 */
import { z } from "zod";
import { decodeEventKey } from "../shared/s3-objects";
import { META, type ScrubSource } from "./scrub-object";

const recordSchema = z.object({
  eventVersion: z.string().optional(),
  /** `aws:s3`, or `ceph:s3` from the RADOS Gateway. */
  eventSource: z.string().optional(),
  /** Empty from the RADOS Gateway. */
  awsRegion: z.string().optional(),
  /** `ObjectCreated:Put` (AWS); the gateway may prefix `s3:`. */
  eventName: z.string(),
  s3: z.object({
    bucket: z.object({ name: z.string().min(1) }),
    object: z.object({
      key: z.string().min(1),
      size: z.number().int().nonnegative().optional(),
      eTag: z.string().optional(),
      versionId: z.string().optional(),
      sequencer: z.string().optional(),
      /** RADOS Gateway only: `[{key, val}]` (the request's x-amz-meta-*). */
      metadata: z.unknown().optional(),
    }),
  }),
});

export const s3EventSchema = z.object({ Records: z.array(recordSchema) });
export type S3EventRecord = z.output<typeof recordSchema>;

/** The event's version id, or undefined for unversioned buckets (`null` / empty). */
function versionOf(record: S3EventRecord): string | undefined {
  const v = record.s3.object.versionId;
  return v === undefined || v === "" || v === "null" ? undefined : v;
}

/** RADOS Gateway events carry the request's metadata: `[{key: "x-amz-meta-...", val}]`. */
function eventMetadataKeys(record: S3EventRecord): string[] {
  const metadata = record.s3.object.metadata;
  if (!Array.isArray(metadata)) return [];
  return metadata.flatMap((m) =>
    m !== null && typeof m === "object" && typeof (m as { key?: unknown }).key === "string"
      ? [(m as { key: string }).key.toLowerCase()]
      : [],
  );
}

/** The object a record names; throws URIError for a key that cannot be decoded (the record fails). */
export function scrubSource(record: S3EventRecord): ScrubSource {
  const key = decodeEventKey(record.s3.object.key, record.eventSource);
  const versionId = versionOf(record);
  return {
    bucket: record.s3.bucket.name,
    key,
    ...(versionId === undefined ? {} : { versionId }),
    eventEtag: (record.s3.object.eTag ?? "").replace(/^"|"$/g, ""),
    created: record.eventName.replace(/^s3:/, "").startsWith("ObjectCreated:"),
    writtenByScrubber: eventMetadataKeys(record).some((k) => k === `x-amz-meta-${META.scrubberVersion}`),
  };
}

/** What each of a record's log lines carries; the key decoded where it can be (else raw: its record fails). */
export function recordLogFields(record: S3EventRecord): Record<string, string | undefined> {
  let key = record.s3.object.key;
  try {
    key = decodeEventKey(record.s3.object.key, record.eventSource);
  } catch {
    // kept raw for the log line; scrubSource throws the URIError
  }
  return { bucket: record.s3.bucket.name, key, versionId: record.s3.object.versionId, eventSource: record.eventSource };
}
