/**
 * One S3 object through the scrubber (DESIGN.md §6, `scrubber.ts`): the original's version is read,
 * scrubbed into a provisional file, and only after `result` resolved written to the clean bucket;
 * a rejected original is quarantined. No environment, no module state: the clients, the tenant
 * directory and the configuration are injected (the handler builds them from the environment).
 *
 * Decisions, in order (`scrubObject`):
 * 1. Not an ObjectCreated event, an object in the clean bucket or under the quarantine prefix, or one
 *    whose event carries the scrubber's metadata (the RADOS Gateway's events do) → `skipped`.
 * 2. A logical-tier tenant's object (its key's first segment names the tenant, found through the
 *    tenant directory, functions/shared/tenant-directory.ts) is read, tagged, quarantined (under
 *    `<quarantinePrefix><tenant>/`, a tenant area of the bucket) and written clean as the tenant's
 *    role, under the tenant's key: deleting that key shreds the original, the clean copy and the
 *    quarantined one. A tenant whose key is pending deletion, or that the deployment does not know,
 *    is `skipped`; a tenant directory that cannot answer throws (the record is retried).
 * 3. Idempotence (HEAD with the function's own role, which may list, so a missing copy is a 404): the
 *    clean or quarantined copy already records this source version → the original is tagged again,
 *    `skipped`.
 * 4. GET the version (an opener pinned to the version, or unversioned to the ETag, that the first read
 *    saw: WebP is read twice) and scrub it into a file under `spoolDir`. The object is gone →
 *    `skipped/object-gone`. Rejected (ScrubRejected: malformed, truncated, disallowed, over a limit) →
 *    the exact version is copied to `<quarantinePrefix><key>` (in `quarantineBucket`, default the
 *    source bucket) with the reason as metadata, the original tagged `scrub-status=quarantined`.
 *    Else PUT to `cleanBucket` under the same key with metadata naming the source (sha256, version,
 *    ETag), the detected type, the orientation and the scrubber version (and the original's
 *    `standby-pseudonym`, by which the sync names the replica of a crossing class), and tag the original
 *    `scrub-status=processed` (adding its data-class tag from the metadata the upload pinned).
 *
 * Nothing the scrubber has not finished with success is ever written to the clean bucket. Any other
 * error (S3 unavailable, access denied, spool full) is thrown; retrying is safe (decision 3).
 */
import { randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
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
import type { Logger } from "../shared/logger";
import { PSEUDONYM, STANDBY_PSEUDONYM_METADATA } from "../shared/pseudonym";
import { DATA_CLASS_TAG, headOrUndefined, isNotFound, taggingHeader } from "../shared/s3-objects";
import { actorForKey, type TenantDirectory } from "../shared/tenant-directory";
import type { EngineOutput, EngineRejection, ScrubEngine } from "./scrub-engine";
import type { ByteSource, ScrubResult } from "./scrubber";

/** Metadata vocabulary (x-amz-meta-*) of clean and quarantined copies. */
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

/** The object an event names, and what the event itself says about it. */
export interface ScrubSource {
  readonly bucket: string;
  /** Decoded. */
  readonly key: string;
  /** @default - unversioned bucket */
  readonly versionId?: string;
  /** The ETag the event reported, unquoted; "" when none. */
  readonly eventEtag: string;
  /** The event reports an object creation. */
  readonly created: boolean;
  /** The event's metadata carries the scrubber's version: the scrubber wrote the object. */
  readonly writtenByScrubber: boolean;
}

/** Where copies go and what scrubs them (from the environment: env.ts `scrubConfig`). */
export interface ScrubConfig<R = ScrubResult> {
  readonly cleanBucket: string;
  /** SSE-KMS key of clean copies (a tenant's object: the tenant's key). @default - the bucket's default encryption */
  readonly cleanKmsKeyId: string | undefined;
  /** The clean copies' `data-class` tag. @default - untagged */
  readonly cleanDataClass: string | undefined;
  /** @default - the source bucket */
  readonly quarantineBucket: string | undefined;
  /** Key prefix of quarantined copies (ends in `/`). */
  readonly quarantinePrefix: string;
  /** Directory of the provisional output. */
  readonly spoolDir: string;
  /** What scrubs the bytes: images (scrub-engine.ts `imageEngine`) or documents (functions/document-scrub). */
  readonly engine: ScrubEngine<R>;
}

export interface ScrubObjectRequest<R = ScrubResult> {
  readonly source: ScrubSource;
  readonly config: ScrubConfig<R>;
  /** The function's own client: the idempotence checks, and every request for an object of no tenant. */
  readonly s3: S3Client;
  /**
   * Finds logical-tier tenants, whose objects are handled as their role under their key.
   * @default - none: every object is handled with `s3` and `cleanKmsKeyId`
   */
  readonly tenants?: TenantDirectory<S3Client> | undefined;
  readonly logger: Logger;
}

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

interface ObjectId {
  readonly bucket: string;
  readonly key: string;
  readonly versionId?: string;
}

export type ScrubObjectResult<R = ScrubResult> =
  | (ObjectId & { readonly outcome: "scrubbed"; readonly result: R })
  /** `reason`: the engine's code (errors.ts RejectReason for images, DocumentRejectReason for documents). */
  | (ObjectId & { readonly outcome: "quarantined"; readonly reason: string; readonly quarantineKey: string })
  | (ObjectId & {
      readonly outcome: "skipped";
      readonly why: SkipReason;
      /** For `already-scrubbed` and `already-quarantined`: what the earlier copy records. */
      readonly earlier?: EarlierCopy;
    });

/** What an earlier clean or quarantined copy of the same source version records. */
export interface EarlierCopy {
  /** SHA-256 (hex) of the original, from the copy's metadata. */
  readonly sourceSha256: string | undefined;
  /** The copy's size. */
  readonly bytes: number | undefined;
  /** A quarantined copy's reason. */
  readonly reason: string | undefined;
}

/** Who reads and writes a record's objects: the function, or a tenant's role with the tenant's key. */
interface Actor {
  readonly io: S3Client;
  readonly tenantKeyArn?: string;
}

/** What the first GET saw; every later read and copy is pinned to it. */
interface SourceFacts {
  versionId: string | undefined;
  etag: string;
  kmsKeyId: string | undefined;
  sse: string | undefined;
  /** The original's standby pseudonym (a crossing class; set by the upload function, signed). */
  standbyPseudonym: string | undefined;
}

/** Scrubs one object into the clean bucket, or quarantines it (see the module comment for the decisions). */
export async function scrubObject<R>(request: ScrubObjectRequest<R>): Promise<ScrubObjectResult<R>> {
  const { source, config } = request;
  const id: ObjectId = {
    bucket: source.bucket,
    key: source.key,
    ...(source.versionId === undefined ? {} : { versionId: source.versionId }),
  };
  const skip = notForTheScrubber(source, config);
  if (skip !== undefined) return { ...id, outcome: "skipped", why: skip };
  const actor = await actorFor(request);
  if (actor === "tenant-key-pending-deletion" || actor === "unknown-tenant")
    return { ...id, outcome: "skipped", why: actor };
  const done = await alreadyDone(request, actor.io);
  if (done !== undefined) return { ...id, outcome: "skipped", why: done.why, earlier: done.earlier };
  return scrubVersion(request, actor, id);
}

/** Decision 1: events and objects the scrubber leaves alone. */
function notForTheScrubber(source: ScrubSource, config: ScrubConfig<unknown>): SkipReason | undefined {
  if (!source.created) return "not-object-created";
  if (source.bucket === config.cleanBucket) return "clean-bucket";
  if (source.bucket === (config.quarantineBucket ?? source.bucket) && source.key.startsWith(config.quarantinePrefix))
    return "quarantine-prefix";
  if (source.writtenByScrubber) return "written-by-scrubber";
  return undefined;
}

/** Decision 2: the client that reads and writes the object and, as a tenant, the tenant's key; or why to skip it. */
async function actorFor(
  request: ScrubObjectRequest<unknown>,
): Promise<Actor | "tenant-key-pending-deletion" | "unknown-tenant"> {
  const { logger: log } = request;
  const actor = await actorForKey(request.tenants, request.source.key);
  if (actor.kind === "self") return { io: request.s3 };
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

/** Decision 3: the clean (or quarantined) copy already records this source version; the original is tagged again. */
async function alreadyDone(
  request: ScrubObjectRequest<unknown>,
  io: S3Client,
): Promise<{ why: "already-scrubbed" | "already-quarantined"; earlier: EarlierCopy } | undefined> {
  const { source, config, s3 } = request;
  const version = config.engine.version;
  const earlier = (head: HeadObjectCommandOutput | undefined): EarlierCopy => ({
    sourceSha256: head?.Metadata?.[META.sourceSha256],
    bytes: head?.ContentLength,
    reason: head?.Metadata?.[META.quarantineReason],
  });
  const clean = await headOrUndefined(s3, config.cleanBucket, source.key);
  if (recordsSource(clean, version, source.versionId, source.eventEtag)) {
    await tagOriginal(io, source.bucket, source.key, source.versionId, "processed");
    return { why: "already-scrubbed", earlier: earlier(clean) };
  }
  const quarantined = await headOrUndefined(s3, quarantineBucketOf(request), quarantineKeyOf(request));
  if (recordsSource(quarantined, version, source.versionId, source.eventEtag)) {
    await tagOriginal(io, source.bucket, source.key, source.versionId, "quarantined");
    return { why: "already-quarantined", earlier: earlier(quarantined) };
  }
  return undefined;
}

/** Same source object, scrubbed by the same engine version: the version id when versioned, else the ETag. */
function recordsSource(
  head: HeadObjectCommandOutput | undefined,
  scrubberVersion: string,
  versionId: string | undefined,
  etag: string,
): boolean {
  const meta = head?.Metadata;
  if (meta === undefined) return false;
  if (meta[META.scrubberVersion] !== scrubberVersion) return false;
  if (versionId !== undefined) return meta[META.sourceVersionId] === versionId;
  return etag !== "" && meta[META.sourceEtag] === etag;
}

const quarantineBucketOf = (request: ScrubObjectRequest<unknown>): string =>
  request.config.quarantineBucket ?? request.source.bucket;
const quarantineKeyOf = (request: ScrubObjectRequest<unknown>): string =>
  `${request.config.quarantinePrefix}${request.source.key}`;

/** Decision 4: scrub the version into the spool, then publish it or quarantine the original. */
async function scrubVersion<R>(
  request: ScrubObjectRequest<R>,
  actor: Actor,
  id: ObjectId,
): Promise<ScrubObjectResult<R>> {
  const { source, config, logger: log } = request;
  const facts: SourceFacts = {
    versionId: source.versionId,
    etag: "",
    kmsKeyId: undefined,
    sse: undefined,
    standbyPseudonym: undefined,
  };
  const tmp = join(config.spoolDir, `scrub-${randomUUID()}`);
  try {
    let spooled: EngineOutput<R>;
    try {
      spooled = await config.engine.scrubToFile(versionOpener(actor.io, source, facts), tmp);
    } catch (error) {
      if (isNotFound(error)) {
        log.warn("source object is gone; nothing to scrub", { error });
        return { ...id, outcome: "skipped", why: "object-gone" };
      }
      const rejection = config.engine.rejection(error);
      if (rejection === undefined) throw error;
      return await quarantineRejected(request, actor, facts, rejection, id);
    }
    return await publishClean(request, actor, facts, spooled, tmp, id);
  } finally {
    await rm(tmp, { force: true });
  }
}

/** Opens the object's bytes; later opens are pinned to the version (or, unversioned, the ETag) the first one saw. */
function versionOpener(io: S3Client, source: ScrubSource, facts: SourceFacts): () => ByteSource {
  let opened = 0;
  return () => ({
    async *[Symbol.asyncIterator]() {
      const first = opened++ === 0;
      const got = await io.send(
        new GetObjectCommand({
          Bucket: source.bucket,
          Key: source.key,
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
        const standby = got.Metadata?.[STANDBY_PSEUDONYM_METADATA];
        facts.standbyPseudonym = standby !== undefined && PSEUDONYM.test(standby) ? standby : undefined;
      }
      const body = got.Body as AsyncIterable<Uint8Array> | undefined;
      if (body === undefined) return;
      yield* body;
    },
  });
}

const unquote = (etag: string | undefined) => (etag ?? "").replace(/^"|"$/g, "");

/** Only now, with `result` resolved, does anything reach the clean bucket. */
async function publishClean<R>(
  request: ScrubObjectRequest<R>,
  actor: Actor,
  facts: SourceFacts,
  spooled: EngineOutput<R>,
  tmp: string,
  id: ObjectId,
): Promise<ScrubObjectResult<R>> {
  const { source, config, logger: log } = request;
  const { result } = spooled;
  const cleanKmsKeyId = actor.tenantKeyArn ?? config.cleanKmsKeyId;
  await actor.io.send(
    new PutObjectCommand({
      Bucket: config.cleanBucket,
      Key: source.key,
      Body: createReadStream(tmp),
      ContentLength: spooled.outputBytes,
      ContentMD5: spooled.md5,
      ContentType: spooled.mediaType,
      ...(cleanKmsKeyId === undefined ? {} : { ServerSideEncryption: "aws:kms", SSEKMSKeyId: cleanKmsKeyId }),
      ...(config.cleanDataClass === undefined
        ? {}
        : { Tagging: taggingHeader({ [DATA_CLASS_TAG]: config.cleanDataClass }) }),
      Metadata: {
        [META.sourceBucket]: source.bucket,
        ...spooled.metadata,
        [META.sourceSha256]: spooled.originalSha256,
        [META.sourceVersionId]: facts.versionId ?? "",
        [META.sourceEtag]: facts.etag,
        [META.detectedType]: spooled.detectedType,
        [META.scrubberVersion]: config.engine.version,
        // The sync names the replica by it (docs/cross-partition.md §7); the clean copy keeps it.
        ...(facts.standbyPseudonym === undefined ? {} : { [STANDBY_PSEUDONYM_METADATA]: facts.standbyPseudonym }),
      },
    }),
  );
  await tagOriginal(actor.io, source.bucket, source.key, facts.versionId, "processed");
  log.info("scrubbed", {
    keyedBy: actor.tenantKeyArn === undefined ? "data-class" : "tenant",
    ...spooled.logFields,
    sha256: spooled.originalSha256,
  });
  return {
    ...id,
    ...(facts.versionId === undefined ? {} : { versionId: facts.versionId }),
    outcome: "scrubbed",
    result,
  };
}

/** A rejected original: copied to the quarantine key, then tagged `quarantined`. */
async function quarantineRejected<R>(
  request: ScrubObjectRequest<R>,
  actor: Actor,
  facts: SourceFacts,
  error: EngineRejection,
  id: ObjectId,
): Promise<ScrubObjectResult<R>> {
  const { source, logger: log } = request;
  const quarantineBucket = quarantineBucketOf(request);
  const quarantineKey = quarantineKeyOf(request);
  await quarantine(actor.io, {
    bucket: source.bucket,
    key: source.key,
    quarantineBucket,
    quarantineKey,
    facts,
    reason: error.reason,
    message: error.message,
    kmsKeyId: actor.tenantKeyArn,
    scrubberVersion: request.config.engine.version,
  });
  await tagOriginal(actor.io, source.bucket, source.key, facts.versionId, "quarantined");
  log.warn("quarantined", { reason: error.reason, detail: error.message, quarantineBucket, quarantineKey });
  return {
    ...id,
    ...(facts.versionId === undefined ? {} : { versionId: facts.versionId }),
    outcome: "quarantined",
    reason: error.reason,
    quarantineKey,
  };
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

interface QuarantineInput {
  bucket: string;
  key: string;
  quarantineBucket: string;
  quarantineKey: string;
  facts: SourceFacts;
  reason: string;
  message: string;
  /** The engine's version, recorded like a clean copy's. */
  scrubberVersion: string;
  /** The key of the copy (a tenant's own key, also for an original written before under the data-class key). @default - the source's key */
  kmsKeyId?: string | undefined;
}

/** Header-safe metadata value: printable ASCII, bounded. */
function metaValue(value: string, max = 512): string {
  return value.replace(/[^\x20-\x7e]/g, "?").slice(0, max);
}

/** RFC 3986 path encoding for CopySource (`/` kept). */
const copySourceKey = (key: string) =>
  key
    .split("/")
    .map((s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join("/");

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
    [META.scrubberVersion]: q.scrubberVersion,
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
