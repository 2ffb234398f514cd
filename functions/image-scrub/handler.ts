/**
 * Scrub Lambda: a thin adapter from S3 ObjectCreated events (AWS, or Ceph RGW bucket notifications)
 * to the pure scrub core (`scrubber.ts`).
 *
 * Per record: GET the object version (an opener, so WebP can be read twice), scrub it into a
 * provisional file under SPOOL_DIR, and only after `result` resolved PUT it to CLEAN_BUCKET under the
 * same key with metadata naming the source (sha256, version, ETag), the detected type, the orientation
 * and the scrubber version; then tag the original `scrub-status=processed`. A rejected input (the
 * core's ScrubRejected: malformed, truncated, disallowed, over a limit) is copied server-side to
 * `<QUARANTINE_PREFIX><key>` (in QUARANTINE_BUCKET, default the source bucket) with the reason as
 * metadata, and the original is tagged `scrub-status=quarantined`. Nothing the core has not finished
 * with success is ever written to the clean bucket.
 *
 * A logical-tier tenant's object (its key's first segment names the tenant, found through the tenant
 * directory, functions/shared/tenant-directory.ts) is read, tagged, quarantined (under
 * `<QUARANTINE_PREFIX><tenant>/`, a tenant area of the bucket) and written clean as the tenant's role,
 * under the tenant's key: deleting that key shreds the original, the clean copy and the quarantined
 * one. Only the idempotence checks (HEAD) use the function's own role. A tenant whose key is pending
 * deletion is skipped; a tenant directory that cannot answer fails the record (retried).
 *
 * Errors: rejections are outcomes, not errors. Any other error (S3 unavailable, access denied, spool
 * full) is rethrown after the other records of the batch were tried, so Lambda's asynchronous
 * invocation retries the event and then sends it to the dead-letter queue. Retrying is safe: a record
 * whose clean (or quarantined) copy already records this source version is not processed again.
 */
import { createHash, randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { type Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  CopyObjectCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  PutObjectCommand,
  PutObjectTaggingCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { z } from "zod";
import { createLogger, type Logger } from "../shared/logger";
import { DATA_CLASS_TAG, decodeEventKey, headOrUndefined, isNotFound, taggingHeader } from "../shared/s3-objects";
import { actorForKey, type TenantDirectory } from "../shared/tenant-directory";
import { tenantDirectoryFromEnv } from "../shared/tenant-env";
import { type ByteSource, SCRUBBER_VERSION, type ScrubResult, scrub } from "./scrubber";
import { parseScrubEnv, type ScrubEnv, s3ClientFromEnv } from "./env";
import { isScrubRejected, type RejectReason } from "./errors";

// ---------------------------------------------------------------------------------------------------
// Event

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

// ---------------------------------------------------------------------------------------------------
// Metadata vocabulary (x-amz-meta-*)

export const META = {
  sourceBucket: "scrub-source-bucket",
  sourceSha256: "scrub-source-sha256",
  sourceVersionId: "scrub-source-version-id",
  sourceEtag: "scrub-source-etag",
  detectedType: "scrub-detected-type",
  orientation: "scrub-orientation",
  orientationPreserved: "scrub-orientation-preserved",
  scrubberVersion: "scrub-scrubber-version",
  quarantineReason: "scrub-quarantine-reason",
  quarantineMessage: "scrub-quarantine-message",
} as const;

export const STATUS_TAG = "scrub-status";

export type RecordOutcome =
  | {
      readonly outcome: "scrubbed";
      readonly bucket: string;
      readonly key: string;
      readonly versionId?: string;
      readonly result: ScrubResult;
    }
  | {
      readonly outcome: "quarantined";
      readonly bucket: string;
      readonly key: string;
      readonly versionId?: string;
      readonly reason: RejectReason;
      readonly quarantineKey: string;
    }
  | {
      readonly outcome: "skipped";
      readonly bucket: string;
      readonly key: string;
      readonly versionId?: string;
      readonly why: SkipReason;
    };

export type SkipReason =
  | "not-object-created"
  | "clean-bucket"
  | "quarantine-prefix"
  | "written-by-scrubber"
  | "already-scrubbed"
  | "already-quarantined"
  | "object-gone"
  | "tenant-key-pending-deletion"
  /** The key's first segment names no tenant of the deployment (the tenant directory has no key for it). */
  | "unknown-tenant";

export interface ScrubHandlerDeps {
  readonly s3: S3Client;
  readonly env: ScrubEnv;
  readonly logger?: Logger;
  /**
   * Finds logical-tier tenants, whose objects are handled as their role under their key.
   * @default - none: every object is handled with `s3` and CLEAN_KMS_KEY_ID
   */
  readonly tenants?: TenantDirectory<S3Client>;
}

export interface ScrubBatchResult {
  readonly records: readonly RecordOutcome[];
}

// ---------------------------------------------------------------------------------------------------
// Helpers

/** Header-safe metadata value: printable ASCII, bounded. */
function metaValue(value: string, max = 512): string {
  return value.replace(/[^\x20-\x7e]/g, "?").slice(0, max);
}

const unquote = (etag: string | undefined) => (etag ?? "").replace(/^"|"$/g, "");

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

/** Same source object: the version id when versioned, else the ETag. */
function recordsSource(
  head: HeadObjectCommandOutput | undefined,
  versionId: string | undefined,
  etag: string,
): boolean {
  const meta = head?.Metadata;
  if (meta === undefined) return false;
  if (meta[META.scrubberVersion] !== SCRUBBER_VERSION) return false;
  if (versionId !== undefined) return meta[META.sourceVersionId] === versionId;
  return etag !== "" && meta[META.sourceEtag] === etag;
}

/** A data class as a tag value may hold it (what the upload function wrote into x-amz-meta-data-class). */
const DATA_CLASS_VALUE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/**
 * Tags the original with its scrub status and, when it lacks one, its data class from the metadata
 * the upload pinned (`x-amz-meta-data-class`). Browsers upload without tags: S3 would authorize a
 * tagged upload as s3:PutObjectTagging too, which the bucket denies outside the VPC endpoint; so the
 * data-class tag is applied here, inside the VPC.
 */
async function tagOriginal(
  s3: S3Client,
  bucket: string,
  key: string,
  versionId: string | undefined,
  status: "processed" | "quarantined",
): Promise<void> {
  const current = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
  const others = (current.TagSet ?? []).filter((t) => t.Key !== STATUS_TAG);
  if (!others.some((t) => t.Key === DATA_CLASS_TAG)) {
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
    const dataClass = head.Metadata?.[DATA_CLASS_TAG];
    if (dataClass !== undefined && DATA_CLASS_VALUE.test(dataClass))
      others.push({ Key: DATA_CLASS_TAG, Value: dataClass });
  }
  await s3.send(
    new PutObjectTaggingCommand({
      Bucket: bucket,
      Key: key,
      VersionId: versionId,
      Tagging: { TagSet: [...others, { Key: STATUS_TAG, Value: status }] },
    }),
  );
}

/** RFC 3986 path encoding for CopySource (`/` kept). */
const copySourceKey = (key: string) =>
  key
    .split("/")
    .map((s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join("/");

// ---------------------------------------------------------------------------------------------------
// One record

interface SourceFacts {
  versionId: string | undefined;
  etag: string;
  kmsKeyId: string | undefined;
  sse: string | undefined;
}

/** The client that reads and writes a record's objects and, acting as a tenant, the tenant's key; or why to skip it. */
async function actorFor(
  deps: HandlerDeps,
  key: string,
  log: Logger,
): Promise<
  { readonly io: S3Client; readonly tenantKeyArn?: string } | "tenant-key-pending-deletion" | "unknown-tenant"
> {
  const actor = await actorForKey(deps.tenants, key);
  if (actor.kind === "self") return { io: deps.s3 };
  if (actor.kind === "tenant-key-pending-deletion") return actor.kind;
  if (actor.kind === "unknown-tenant") {
    log.warn("object of no configured tenant: not scrubbed (nothing is served or replicated from it)", {
      tenant: actor.tenant,
    });
    return actor.kind;
  }
  log.debug("acting as the tenant", { tenant: actor.tenant, roleArn: actor.roleArn });
  return { io: actor.client, tenantKeyArn: actor.keyArn };
}

type HandlerDeps = ScrubHandlerDeps & { readonly logger: Logger };

async function processRecord(deps: HandlerDeps, record: S3EventRecord, log: Logger): Promise<RecordOutcome> {
  const { s3, env } = deps;
  const bucket = record.s3.bucket.name;
  const key = decodeEventKey(record.s3.object.key, record.eventSource);
  const versionId = versionOf(record);
  const base = { bucket, key, ...(versionId === undefined ? {} : { versionId }) };
  const quarantineBucket = env.QUARANTINE_BUCKET ?? bucket;
  const quarantineKey = `${env.QUARANTINE_PREFIX}${key}`;

  const eventName = record.eventName.replace(/^s3:/, "");
  if (!eventName.startsWith("ObjectCreated:")) return { ...base, outcome: "skipped", why: "not-object-created" };
  if (bucket === env.CLEAN_BUCKET) return { ...base, outcome: "skipped", why: "clean-bucket" };
  if (bucket === quarantineBucket && key.startsWith(env.QUARANTINE_PREFIX))
    return { ...base, outcome: "skipped", why: "quarantine-prefix" };
  if (eventMetadataKeys(record).some((k) => k === `x-amz-meta-${META.scrubberVersion}`))
    return { ...base, outcome: "skipped", why: "written-by-scrubber" };

  const actor = await actorFor(deps, key, log);
  if (actor === "tenant-key-pending-deletion" || actor === "unknown-tenant")
    return { ...base, outcome: "skipped", why: actor };
  const { io } = actor;
  const cleanKmsKeyId = actor.tenantKeyArn ?? env.CLEAN_KMS_KEY_ID;

  // Idempotence: the clean (or quarantined) copy already records this source version. The function's
  // own role asks (it may list, so a missing copy is a 404, not a 403).
  const eventEtag = unquote(record.s3.object.eTag);
  const clean = await headOrUndefined(s3, env.CLEAN_BUCKET, key);
  if (recordsSource(clean, versionId, eventEtag)) {
    await tagOriginal(io, bucket, key, versionId, "processed");
    return { ...base, outcome: "skipped", why: "already-scrubbed" };
  }
  const quarantined = await headOrUndefined(s3, quarantineBucket, quarantineKey);
  if (recordsSource(quarantined, versionId, eventEtag)) {
    await tagOriginal(io, bucket, key, versionId, "quarantined");
    return { ...base, outcome: "skipped", why: "already-quarantined" };
  }

  // The opener pins every read to the version (or, unversioned, the ETag) the first read saw.
  const facts: SourceFacts = { versionId, etag: "", kmsKeyId: undefined, sse: undefined };
  let opened = 0;
  const open = (): ByteSource => ({
    async *[Symbol.asyncIterator]() {
      const first = opened++ === 0;
      const got = await io.send(
        new GetObjectCommand({
          Bucket: bucket,
          Key: key,
          VersionId: facts.versionId,
          ...(first || facts.etag === "" ? {} : { IfMatch: `"${facts.etag}"` }),
        }),
      );
      if (first) {
        facts.etag = unquote(got.ETag);
        facts.versionId =
          facts.versionId ?? (got.VersionId === undefined || got.VersionId === "null" ? undefined : got.VersionId);
        facts.kmsKeyId = got.SSEKMSKeyId;
        facts.sse = got.ServerSideEncryption;
      }
      const body = got.Body as AsyncIterable<Uint8Array> | undefined;
      if (body === undefined) return;
      yield* body;
    },
  });

  const tmp = join(env.SPOOL_DIR, `scrub-${randomUUID()}`);
  try {
    let result: ScrubResult;
    const md5 = createHash("md5");
    try {
      const scrubbed = scrub(open, {
        maxInputBytes: env.MAX_INPUT_BYTES,
        maxPixels: env.MAX_PIXELS,
        allowedTypes: env.ALLOWED_TYPES,
      });
      const hashing = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          md5.update(chunk);
          done(null, chunk);
        },
      });
      [, result] = await Promise.all([pipeline(scrubbed.output, hashing, createWriteStream(tmp)), scrubbed.result]);
    } catch (error) {
      if (isNotFound(error)) {
        log.warn("source object is gone; nothing to scrub", { error });
        return { ...base, outcome: "skipped", why: "object-gone" };
      }
      if (!isScrubRejected(error)) throw error;
      await quarantine(io, {
        bucket,
        key,
        quarantineBucket,
        quarantineKey,
        facts,
        reason: error.reason,
        message: error.message,
        kmsKeyId: actor.tenantKeyArn,
      });
      await tagOriginal(io, bucket, key, facts.versionId, "quarantined");
      log.warn("quarantined", { reason: error.reason, detail: error.message, quarantineBucket, quarantineKey });
      return {
        ...base,
        ...(facts.versionId === undefined ? {} : { versionId: facts.versionId }),
        outcome: "quarantined",
        reason: error.reason,
        quarantineKey,
      };
    }

    // Only now, with `result` resolved, does anything reach the clean bucket.
    await io.send(
      new PutObjectCommand({
        Bucket: env.CLEAN_BUCKET,
        Key: key,
        Body: createReadStream(tmp),
        ContentLength: result.outputBytes,
        ContentMD5: md5.digest("base64"),
        ContentType: result.mediaType,
        ...(cleanKmsKeyId === undefined ? {} : { ServerSideEncryption: "aws:kms", SSEKMSKeyId: cleanKmsKeyId }),
        ...(env.CLEAN_DATA_CLASS === undefined
          ? {}
          : { Tagging: taggingHeader({ [DATA_CLASS_TAG]: env.CLEAN_DATA_CLASS }) }),
        Metadata: {
          [META.sourceBucket]: bucket,
          [META.sourceSha256]: result.originalSha256,
          [META.sourceVersionId]: facts.versionId ?? "",
          [META.sourceEtag]: facts.etag,
          [META.detectedType]: result.type,
          [META.orientation]: result.orientation === null ? "none" : String(result.orientation),
          [META.orientationPreserved]: String(result.orientationPreserved),
          [META.scrubberVersion]: result.scrubberVersion,
        },
      }),
    );
    await tagOriginal(io, bucket, key, facts.versionId, "processed");
    log.info("scrubbed", {
      keyedBy: actor.tenantKeyArn === undefined ? "data-class" : "tenant",
      type: result.type,
      originalBytes: result.originalBytes,
      outputBytes: result.outputBytes,
      removedBytes: result.removedBytes,
      orientation: result.orientation,
      sha256: result.originalSha256,
    });
    return {
      ...base,
      ...(facts.versionId === undefined ? {} : { versionId: facts.versionId }),
      outcome: "scrubbed",
      result,
    };
  } finally {
    await rm(tmp, { force: true });
  }
}

interface QuarantineInput {
  bucket: string;
  key: string;
  quarantineBucket: string;
  quarantineKey: string;
  facts: SourceFacts;
  reason: RejectReason;
  message: string;
  /** The key of the copy (a tenant's own key, also for an original written before under the data-class key). @default - the source's key */
  kmsKeyId?: string | undefined;
}

/**
 * Copies the exact source version to the quarantine key, its metadata replaced by the reason and the
 * source. Server-side CopyObject; where the server refuses to copy the object (Ceph RGW 16 answers
 * NotImplemented for SSE-KMS sources), the version is streamed through GetObject/PutObject instead.
 */
async function quarantine(s3: S3Client, q: QuarantineInput): Promise<void> {
  const metadata = {
    [META.quarantineReason]: q.reason,
    [META.quarantineMessage]: metaValue(q.message),
    [META.sourceBucket]: q.bucket,
    [META.sourceVersionId]: q.facts.versionId ?? "",
    [META.sourceEtag]: q.facts.etag,
    [META.scrubberVersion]: SCRUBBER_VERSION,
  };
  const kmsKeyId = q.kmsKeyId ?? (q.facts.sse === "aws:kms" ? q.facts.kmsKeyId : undefined);
  const sse = kmsKeyId !== undefined ? { ServerSideEncryption: "aws:kms" as const, SSEKMSKeyId: kmsKeyId } : {};
  const tagging = new URLSearchParams({ [STATUS_TAG]: "quarantined" }).toString();
  const version = q.facts.versionId === undefined ? "" : `?versionId=${encodeURIComponent(q.facts.versionId)}`;
  try {
    await s3.send(
      new CopyObjectCommand({
        Bucket: q.quarantineBucket,
        Key: q.quarantineKey,
        CopySource: `${q.bucket}/${copySourceKey(q.key)}${version}`,
        ...(q.facts.etag === "" ? {} : { CopySourceIfMatch: `"${q.facts.etag}"` }),
        MetadataDirective: "REPLACE",
        ContentType: "application/octet-stream",
        ...sse,
        TaggingDirective: "REPLACE",
        Tagging: tagging,
        Metadata: metadata,
      }),
    );
    return;
  } catch (error) {
    if (!(error instanceof Error && error.name === "NotImplemented")) throw error;
  }
  const got = await s3.send(
    new GetObjectCommand({
      Bucket: q.bucket,
      Key: q.key,
      VersionId: q.facts.versionId,
      ...(q.facts.etag === "" ? {} : { IfMatch: `"${q.facts.etag}"` }),
    }),
  );
  await s3.send(
    new PutObjectCommand({
      Bucket: q.quarantineBucket,
      Key: q.quarantineKey,
      Body: got.Body as Readable,
      ContentLength: got.ContentLength,
      ContentType: "application/octet-stream",
      ...sse,
      Tagging: tagging,
      Metadata: metadata,
    }),
  );
}

// ---------------------------------------------------------------------------------------------------
// Handler

/**
 * Builds the handler over injected dependencies (tests); `handler` below is the Lambda entry point.
 * Every record is tried; if any failed with a non-rejection error, the first such error is rethrown
 * (an AggregateError when several failed) so that the invocation is retried and then dead-lettered.
 */
export function createScrubHandler(
  deps: ScrubHandlerDeps,
): (event: unknown, context?: { awsRequestId?: string }) => Promise<ScrubBatchResult> {
  const logger = deps.logger ?? createLogger("image-scrub");
  const full = { ...deps, logger };
  return async (event, context) => {
    const log = logger.with({ requestId: context?.awsRequestId });
    const parsed = s3EventSchema.safeParse(event);
    if (!parsed.success) {
      // Not an S3 event: retrying cannot help, but it must not vanish silently either.
      log.error("event is not an S3 notification", {
        issues: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`),
      });
      throw new TypeError("event is not an S3 notification (Records[].s3.bucket.name, Records[].s3.object.key)");
    }
    const records: RecordOutcome[] = [];
    const errors: unknown[] = [];
    for (const record of parsed.data.Records) {
      let key = record.s3.object.key;
      try {
        key = decodeEventKey(record.s3.object.key, record.eventSource);
      } catch {
        // kept raw for the log line; processRecord throws the URIError
      }
      const recordLog = log.with({
        bucket: record.s3.bucket.name,
        key,
        versionId: record.s3.object.versionId,
        eventSource: record.eventSource,
      });
      try {
        const outcome = await processRecord(full, record, recordLog);
        if (outcome.outcome === "skipped") recordLog.info("skipped", { why: outcome.why });
        records.push(outcome);
      } catch (error) {
        recordLog.error("record failed; the invocation will be retried", { error });
        errors.push(error);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1)
      throw new AggregateError(errors, `${errors.length} of ${parsed.data.Records.length} records failed`);
    return { records };
  };
}

// Module scope: configuration and the client are built once per Lambda container.
const env = parseScrubEnv(process.env);

/** The Lambda entry point (`handler.handler`). */
export const handler = createScrubHandler({ s3: s3ClientFromEnv(env), env, tenants: scrubTenantDirectory(env) });

/** Tenant credentials are renewed a few minutes before they expire (nothing signed outlives the call). */
export function scrubTenantDirectory(env: ScrubEnv): TenantDirectory<S3Client> | undefined {
  return tenantDirectoryFromEnv(env, {
    defaultSessionName: "image-scrub",
    minRemainingSeconds: 300,
    clientFor: (credentials) => s3ClientFromEnv(env, credentials),
  });
}
