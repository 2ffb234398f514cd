/**
 * The S3 event notification the function receives (asynchronous invocation from the source bucket),
 * and the dead-letter message a failed event turns into.
 *
 * Lambda retries a failed asynchronous invocation (2 retries, with backoff) and then sends it to the
 * function's dead-letter queue (SQS). The DLQ message body is the original event, unchanged, and
 * replication is idempotent and re-reads the source, so that event is all a replay needs. An
 * on-failure destination wraps it as `{requestContext, requestPayload, ...}`; `parseDlqMessage`
 * accepts the bare event, that wrapper, and an SQS message (`Body`/`body` holding either).
 */
import { z } from "zod";
import { decodeEventKey } from "../shared/s3-objects";

const S3Record = z.looseObject({
  eventName: z.string(),
  eventSource: z.string().optional(),
  s3: z.looseObject({
    bucket: z.looseObject({ name: z.string().min(1) }),
    object: z.looseObject({
      /** URL-encoded, `+` for space (as S3 sends it). */
      key: z.string().min(1),
      versionId: z.string().optional(),
      eTag: z.string().optional(),
      size: z.number().optional(),
      /** Ceph RGW adds the object's metadata to the event (AWS does not). */
      metadata: z.unknown().optional(),
    }),
  }),
});
export type S3EventRecord = z.infer<typeof S3Record>;

export const S3Event = z.looseObject({ Records: z.array(S3Record) });
export type S3Event = z.infer<typeof S3Event>;

/** The object key of a record, decoded (`+` is a space in S3 event keys). */
export function recordKey(record: S3EventRecord): string {
  // The RADOS Gateway (`ceph:s3`) sends keys raw; S3 form-encodes them (test/s3/README.md).
  return decodeEventKey(record.s3.object.key, record.eventSource);
}

/** `ObjectCreated` / `ObjectRemoved` / other, whatever the prefix (`s3:` on some servers). */
export function recordKind(record: S3EventRecord): "created" | "removed" | "other" {
  const name = record.eventName.replace(/^s3:/, "");
  if (name.startsWith("ObjectCreated:")) return "created";
  if (name.startsWith("ObjectRemoved:")) return "removed";
  return "other";
}

/** Metadata carried by the event itself (Ceph: `[{key, val}]`, keys with or without `x-amz-meta-`). */
export function recordMetadata(record: S3EventRecord): Record<string, string> {
  const raw = record.s3.object.metadata;
  const out: Record<string, string> = {};
  const put = (k: unknown, v: unknown) => {
    if (typeof k === "string" && typeof v === "string") out[k.toLowerCase().replace(/^x-amz-meta-/, "")] = v;
  };
  if (Array.isArray(raw))
    for (const entry of raw) put((entry as { key?: unknown })?.key, (entry as { val?: unknown })?.val);
  else if (typeof raw === "object" && raw !== null) for (const [k, v] of Object.entries(raw)) put(k, v);
  return out;
}

/** The S3 event inside a DLQ message (see the module comment); throws when there is none. */
export function parseDlqMessage(input: unknown): S3Event {
  let value = input;
  for (let depth = 0; depth < 4; depth++) {
    if (typeof value === "string") {
      value = JSON.parse(value);
      continue;
    }
    const direct = S3Event.safeParse(value);
    if (direct.success) return direct.data;
    const o = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
    const inner = o.requestPayload ?? o.Body ?? o.body;
    if (inner === undefined) break;
    value = inner;
  }
  throw new Error(
    "the message holds no S3 event (expected {Records: [...]}, an on-failure destination record, or an SQS message with it as body)",
  );
}
