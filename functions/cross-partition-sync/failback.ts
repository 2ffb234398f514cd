/**
 * Failback (issue 5): after a sovereign outage, pull what changed in the commercial failover bucket
 * back into the sovereign bucket, with the rules of the sync and over the same one-directional
 * credential (only the sovereign side holds a credential for the commercial partition). Pure: both
 * S3 clients are injected; no environment, no module state. The command line is `failback-cli.ts`.
 *
 * What is examined: ListObjectVersions on the commercial bucket (paginated, optional prefix); per key
 * only the latest entry (version or delete marker), and only when it was made at or after `since`.
 * `since` is compared in whole seconds, the resolution of S3 timestamps, so it includes its own second.
 *
 * A write (latest entry is a version V):
 * 1. HEAD the sovereign object. If it is a sovereign write (not our failback copy of this commercial
 *    key) made in the same second as V or later, the sovereign side is not provably older: HEAD V,
 *    and if V is a replica (it came from sovereign) → `ignored/replica`, else → `conflict/target-newer`.
 *    Nothing is written. A same-second tie counts as a conflict: never overwrite what we cannot
 *    prove older.
 * 2. Otherwise `replicate()` with source = commercial (pinned to V), target = sovereign bucket and
 *    the sovereign KMS key, the same crossing policy. Its decisions apply unchanged: a replica is
 *    `ignored/replica` (loop prevention: what came from sovereign never goes back), a class that may
 *    not cross is `refused`, a sovereign copy already carrying our marker for V is
 *    `skipped/target-current` (a second run writes no second version), a V no longer current is
 *    `skipped/superseded` (a re-run takes the newer one). The copy carries the replica marker
 *    `aws/<commercial bucket>/<key>#<V>`, so the sovereign sync ignores its event: no loop.
 *
 * An erasure (latest entry is a delete marker D; off with `propagateDeletes: false`). The sovereign
 * object is deleted only when all of these hold, else nothing is written:
 * 1. the commercial key is still absent now (HEAD 404), else `skipped/source-exists`: it was
 *    re-created after the listing, and a re-run copies it;
 * 2. the sovereign object exists, else `skipped/target-missing`;
 * 3. its data class may cross (the same policy, judged on the sovereign object's own tags/prefix),
 *    else `refused/data-class`: the commercial side never held such an object, so it cannot erase it;
 * 4. the sovereign current version is not newer-written than the erasure, by one of (`rule`):
 *    - `failback-copy`: the sovereign object is our failback copy of this commercial key (the
 *      commercial side owns it, and erased it);
 *    - `older`: it was last written in an earlier second than D;
 *    - `erased-replica`: the commercial version D hides is our replica of exactly the sovereign
 *      current version (marker names its version id): the commercial side erased what sovereign holds,
 *      whatever the clocks say.
 *    None holds (the sovereign object was written in D's second or later and is not what the
 *    commercial side erased) → `conflict/target-newer`: a sovereign write after the erasure wins and
 *    is reported, because the erasure request may have to be applied again by a person.
 * The delete is a plain DeleteObject: on the versioned sovereign bucket it adds a delete marker, and
 * the older versions expire by the bucket's noncurrent-version lifecycle, as on the commercial side.
 * Timestamps of the two partitions come from two clocks (both NTP-disciplined); the `erased-replica`
 * evidence does not depend on them. Between the sovereign HEAD and the DeleteObject a new sovereign
 * write could slip in (a window of milliseconds); its version stays recoverable as noncurrent.
 *
 * Keys come home through `sovereignKeyOf` (the sovereign standby index: a replica
 * `<tenant>/<standby pseudonym>/<id>` belongs to `<tenant>/<sovereign pseudonym>/<id>`); every
 * sovereign read and write above uses that key, every commercial one and every marker the commercial key.
 *
 * Each key is independent: a failure is recorded (`failed`) and the others go on; at most
 * `concurrency` keys are in flight, and the listing is read page by page as workers need keys.
 * `dryRun` decides everything (all reads happen) but writes nothing: the commercial GET that would
 * start a copy is stopped, and any write to either bucket throws.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  DeleteObjectTaggingCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  ListObjectVersionsCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  type S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import type { Logger } from "../shared/logger";
import { headOrUndefined } from "../shared/s3-objects";
import { actorForKey, type TenantDirectory } from "../shared/tenant-directory";
import { admits, type CrossingPolicy, META, replicaMarker, replicate, SyncError } from "./replication";

export const DEFAULT_CONCURRENCY = 4;
export const MAX_CONCURRENCY = 64;

export interface FailbackSource {
  /** Client of the commercial partition (in production: credentials from `fromRolesAnywhere`). */
  readonly client: S3Client;
  /** Partition id of the commercial side (`aws`), written into the marker of every failback copy. */
  readonly partition: string;
  /** The commercial failover bucket (versioned). */
  readonly bucket: string;
}

export interface FailbackTarget {
  /** Client of the sovereign partition (the caller's own credentials). */
  readonly client: S3Client;
  /** Partition id of the sovereign side (`aws-eusc`): reads the markers of replicas that came from here. */
  readonly partition: string;
  /** The sovereign bucket the failover bucket replicates (clean avatars). */
  readonly bucket: string;
  /** Sovereign KMS key (ARN or id) for SSE-KMS of failback copies. */
  readonly kmsKeyId: string;
}

export interface FailbackOptions {
  readonly source: FailbackSource;
  readonly target: FailbackTarget;
  /** Only keys whose latest commercial entry was made at or after this time (whole seconds) are examined. */
  readonly since: Date;
  /** @default - the whole bucket */
  readonly prefix?: string;
  /** The same policy as the sync: which data classes may cross. */
  readonly policy: CrossingPolicy;
  /** As in `replicate`. @default - none */
  readonly copyMetadata?: readonly string[];
  /** As in `replicate`. @default 16 MiB */
  readonly multipartThresholdBytes?: number;
  /** As in `replicate`. @default 8 MiB */
  readonly partSizeBytes?: number;
  /** Commercial erasures made after `since` reach the sovereign copy (rules in the module comment). @default true */
  readonly propagateDeletes?: boolean;
  /** Keys handled at once, 1 to 64. @default 4 */
  readonly concurrency?: number;
  /** Decide everything, write nothing. @default false */
  readonly dryRun?: boolean;
  /** ListObjectVersions page size (MaxKeys), 1 to 1000. @default 1000 */
  readonly pageSize?: number;
  /**
   * Finds logical-tier tenants: a tenant's object comes back as the tenant's role, under the
   * tenant's key, so that it stays shreddable (docs/architecture.md). A tenant whose key is pending
   * deletion is skipped (`tenant-key-pending-deletion`), and so is a key whose first segment names
   * no tenant of the deployment (`unknown-tenant`).
   * @default - none: every copy is written with `target.client` and `target.kmsKeyId`
   */
  readonly tenants?: TenantDirectory<S3Client>;
  /**
   * The sovereign key of a commercial key: replicas are named by the standby pseudonym, and the way
   * home is the sovereign standby index (standby-index.ts `recordedSovereignKey`), never the replica.
   * Outcomes name the commercial key. @default - the same key (replicas from before the standby pseudonyms)
   */
  readonly sovereignKeyOf?: (commercialKey: string) => Promise<string>;
  /** Called once per examined key as soon as its outcome is known (progress). */
  readonly onOutcome?: (outcome: FailbackOutcome) => void;
  readonly logger?: Logger;
}

/** What the commercial side changed: a write (new version) or an erasure (delete marker). */
export type FailbackChange = "write" | "delete";

export type FailbackOutcome =
  | {
      readonly key: string;
      readonly change: "write";
      readonly outcome: "copied";
      readonly sourceVersionId?: string;
      /** Absent in a dry run. */
      readonly targetVersionId?: string;
      /** Absent in a dry run. */
      readonly bytes?: number;
    }
  | {
      readonly key: string;
      readonly change: FailbackChange;
      readonly outcome: "skipped";
      readonly reason:
        | "source-missing"
        | "superseded"
        | "target-current"
        | "source-exists"
        | "target-missing"
        | "tenant-key-pending-deletion"
        | "unknown-tenant";
    }
  | {
      readonly key: string;
      readonly change: FailbackChange;
      readonly outcome: "ignored";
      readonly reason: "replica" | "deletes-off";
    }
  | {
      readonly key: string;
      readonly change: FailbackChange;
      readonly outcome: "refused";
      readonly reason: "data-class";
      readonly dataClass?: string;
    }
  | {
      readonly key: string;
      readonly change: FailbackChange;
      readonly outcome: "conflict";
      readonly reason: "target-newer";
      /** When the commercial side wrote or erased the key (ISO 8601). */
      readonly sourceLastModified: string;
      /** When the sovereign current version was written (ISO 8601). */
      readonly targetLastModified: string;
    }
  | {
      readonly key: string;
      readonly change: "delete";
      readonly outcome: "deleted";
      readonly rule: "failback-copy" | "older" | "erased-replica";
    }
  | { readonly key: string; readonly change: FailbackChange; readonly outcome: "failed"; readonly error: string };

export interface FailbackSummary {
  /** Keys whose latest commercial entry was made at or after `since`. */
  readonly examined: number;
  readonly copied: number;
  readonly skipped: number;
  readonly ignored: number;
  readonly refused: number;
  readonly conflicts: number;
  readonly deleted: number;
  readonly failed: readonly { readonly key: string; readonly error: string }[];
}

export interface FailbackResult {
  /** In a dry run, `copied` and `deleted` say what would have been written. */
  readonly dryRun: boolean;
  readonly since: string;
  readonly prefix?: string;
  readonly summary: FailbackSummary;
  /** One per examined key, sorted by key. */
  readonly outcomes: readonly FailbackOutcome[];
}

/** The listing failed part-way: `result` holds what was done until then (writes may have happened). */
export class FailbackIncompleteError extends Error {
  override readonly name = "FailbackIncompleteError";
  constructor(
    readonly result: FailbackResult,
    override readonly cause: unknown,
  ) {
    super(`listing the commercial bucket failed after ${result.summary.examined} keys: ${describeError(cause)}`);
  }
}

/** The latest entry of one key and, below a delete marker, the newest version it hides. */
export interface LatestChange {
  readonly key: string;
  readonly kind: "version" | "delete-marker";
  readonly versionId?: string;
  readonly lastModified: Date;
  /** For a delete marker: the newest older version (what the erasure removed), if still listed. */
  readonly erasedVersionId?: string;
}

/** Runs failback; see the module comment. Throws `SyncError` on bad options and `FailbackIncompleteError` when listing fails. */
export async function failback(options: FailbackOptions): Promise<FailbackResult> {
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const pageSize = options.pageSize ?? 1000;
  checkOptions(options, concurrency, pageSize);
  const dryRun = options.dryRun ?? false;
  const source = dryRun
    ? { ...options.source, client: dryRunClient(options.source.client, "stop-at-get") }
    : options.source;
  const target = dryRun
    ? { ...options.target, client: dryRunClient(options.target.client, "reads-only") }
    : options.target;
  const ctx: Context = { ...options, source, target, dryRun, propagateDeletes: options.propagateDeletes ?? true };

  const changes = latestChanges(source.client, source.bucket, options.prefix, pageSize, options.since);
  const { outcomes, listingError } = await drainListing(
    changes,
    concurrency,
    (change) => handleChange(ctx, change),
    options.onOutcome,
  );
  const result: FailbackResult = {
    dryRun,
    since: options.since.toISOString(),
    prefix: options.prefix,
    summary: summarize(outcomes),
    outcomes,
  };
  if (listingError !== undefined) throw new FailbackIncompleteError(result, listingError);
  return result;
}

function checkOptions(options: FailbackOptions, concurrency: number, pageSize: number): void {
  const problems: string[] = [];
  if (!(options.since instanceof Date) || Number.isNaN(options.since.getTime()))
    problems.push(`since must be a valid Date (value: ${String(options.since)})`);
  problems.push(...runProblems({ concurrency, pageSize, prefix: options.prefix, whole: "the whole bucket" }));
  if (problems.length > 0) throw new SyncError(problems.join("; "));
}

/** What is wrong with a run's concurrency, page size and prefix (failback and the homecoming). */
export function runProblems(run: {
  readonly concurrency: number;
  readonly pageSize: number;
  readonly prefix: string | undefined;
  /** What leaving the prefix out means, for its message. */
  readonly whole: string;
}): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(run.concurrency) || run.concurrency < 1 || run.concurrency > MAX_CONCURRENCY)
    problems.push(`concurrency must be an integer from 1 to ${MAX_CONCURRENCY} (value: ${run.concurrency})`);
  if (!Number.isInteger(run.pageSize) || run.pageSize < 1 || run.pageSize > 1000)
    problems.push(`pageSize must be an integer from 1 to 1000 (value: ${run.pageSize})`);
  if (run.prefix === "") problems.push(`prefix must not be empty (leave it out for ${run.whole})`);
  return problems;
}

/**
 * Handles the listing's items with at most `concurrency` in flight, the listing read as workers need
 * items; each outcome reported as soon as it is known. Returns the outcomes sorted by key, and the
 * error that ended the listing early, if any (what was handled until then is kept).
 */
export async function drainListing<T, O extends { readonly key: string }>(
  items: AsyncIterator<T>,
  concurrency: number,
  handle: (item: T) => Promise<O>,
  onOutcome?: (outcome: O) => void,
): Promise<{ readonly outcomes: O[]; readonly listingError: unknown }> {
  const outcomes: O[] = [];
  let listingError: unknown;
  const worker = async (): Promise<void> => {
    for (;;) {
      let next: IteratorResult<T>;
      try {
        next = await items.next();
      } catch (error) {
        listingError ??= error;
        return;
      }
      if (next.done) return;
      const outcome = await handle(next.value);
      outcomes.push(outcome);
      onOutcome?.(outcome);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  outcomes.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { outcomes, listingError };
}

export function summarize(outcomes: readonly FailbackOutcome[]): FailbackSummary {
  const count = (outcome: FailbackOutcome["outcome"]) => outcomes.filter((o) => o.outcome === outcome).length;
  return {
    examined: outcomes.length,
    copied: count("copied"),
    skipped: count("skipped"),
    ignored: count("ignored"),
    refused: count("refused"),
    conflicts: count("conflict"),
    deleted: count("deleted"),
    failed: outcomes.flatMap((o) => (o.outcome === "failed" ? [{ key: o.key, error: o.error }] : [])),
  };
}

/** Whole seconds: S3 timestamps have this resolution (HEAD's Last-Modified always; listings on AWS). */
function seconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

/**
 * The latest entry of every key whose latest entry was made at or after `since`. Keys come in
 * listing pages; only the page's last key (NextKeyMarker) can continue on the next page, so it is
 * held until its group is complete.
 */
export async function* latestChanges(
  client: S3Client,
  bucket: string,
  prefix: string | undefined,
  pageSize: number,
  since: Date,
): AsyncGenerator<LatestChange> {
  interface Group {
    latest?: Omit<LatestChange, "erasedVersionId">;
    erasedVersionId?: string;
  }
  const groups = new Map<string, Group>();
  const group = (key: string): Group => {
    let g = groups.get(key);
    if (g === undefined) {
      g = {};
      groups.set(key, g);
    }
    return g;
  };
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  for (;;) {
    const page = await client.send(
      new ListObjectVersionsCommand({
        Bucket: bucket,
        Prefix: prefix,
        MaxKeys: pageSize,
        KeyMarker: keyMarker,
        VersionIdMarker: versionIdMarker,
      }),
    );
    // Within each array, a key's entries come newest first, also across pages.
    for (const v of page.Versions ?? []) {
      if (v.Key === undefined || v.LastModified === undefined) continue;
      const g = group(v.Key);
      if (v.IsLatest === true)
        g.latest = { key: v.Key, kind: "version", versionId: v.VersionId, lastModified: v.LastModified };
      else g.erasedVersionId ??= v.VersionId;
    }
    for (const d of page.DeleteMarkers ?? []) {
      if (d.Key === undefined || d.LastModified === undefined || d.IsLatest !== true) continue;
      group(d.Key).latest = { key: d.Key, kind: "delete-marker", versionId: d.VersionId, lastModified: d.LastModified };
    }
    const more = page.IsTruncated === true;
    for (const [key, g] of [...groups]) {
      if (more && key === page.NextKeyMarker) continue;
      groups.delete(key);
      if (g.latest === undefined || seconds(g.latest.lastModified) < seconds(since)) continue;
      yield g.latest.kind === "delete-marker" ? { ...g.latest, erasedVersionId: g.erasedVersionId } : g.latest;
    }
    if (!more) return;
    if (page.NextKeyMarker === undefined)
      throw new SyncError("ListObjectVersions is truncated but returned no NextKeyMarker");
    keyMarker = page.NextKeyMarker;
    versionIdMarker = page.NextVersionIdMarker;
  }
}

interface Context extends FailbackOptions {
  readonly dryRun: boolean;
  readonly propagateDeletes: boolean;
}

async function handleChange(ctx: Context, change: LatestChange): Promise<FailbackOutcome> {
  const kind: FailbackChange = change.kind === "version" ? "write" : "delete";
  try {
    return change.kind === "version" ? await failbackWrite(ctx, change) : await failbackDelete(ctx, change);
  } catch (error) {
    ctx.logger?.error("failback of key failed", { key: change.key, change: kind, error });
    return { key: change.key, change: kind, outcome: "failed", error: describeError(error) };
  }
}

async function failbackWrite(ctx: Context, change: LatestChange): Promise<FailbackOutcome> {
  const { source, target } = ctx;
  const key = change.key;
  const home = await sovereignKeyOf(ctx, key);
  const sovereign = await headOrUndefined(target.client, target.bucket, home);
  if (
    sovereign !== undefined &&
    !isFailbackCopyOf(ctx, key, sovereign) &&
    sovereign.LastModified !== undefined &&
    seconds(sovereign.LastModified) >= seconds(change.lastModified)
  ) {
    const commercial = await source.client.send(
      new HeadObjectCommand({ Bucket: source.bucket, Key: key, VersionId: change.versionId }),
    );
    if (commercial.Metadata?.[META.replicatedFrom] !== undefined)
      return { key, change: "write", outcome: "ignored", reason: "replica" };
    return conflict(key, "write", change.lastModified, sovereign.LastModified);
  }
  const actor = await actorForKey(ctx.tenants, home);
  if (actor.kind === "tenant-key-pending-deletion" || actor.kind === "unknown-tenant")
    return { key, change: "write", outcome: "skipped", reason: actor.kind };
  const writer = actor.kind === "tenant" ? { client: actor.client, kmsKeyId: actor.keyArn } : undefined;
  try {
    const result = await replicate({
      source: {
        client: source.client,
        partition: source.partition,
        bucket: source.bucket,
        key,
        versionId: change.versionId,
      },
      target: {
        client: writer?.client ?? target.client,
        headClient: target.client,
        bucket: target.bucket,
        key: home,
        kmsKeyId: writer?.kmsKeyId ?? target.kmsKeyId,
      },
      // The marker names the commercial key (never the sovereign one): the sync ignores the copy.
      markerKey: key,
      policy: ctx.policy,
      copyMetadata: ctx.copyMetadata,
      multipartThresholdBytes: ctx.multipartThresholdBytes,
      partSizeBytes: ctx.partSizeBytes,
      logger: ctx.logger?.with({ direction: "failback" }),
    });
    switch (result.outcome) {
      case "copied":
        return {
          key,
          change: "write",
          outcome: "copied",
          sourceVersionId: change.versionId,
          targetVersionId: result.targetVersionId,
          bytes: result.bytes,
        };
      case "refused":
        return { key, change: "write", outcome: "refused", reason: "data-class", dataClass: result.dataClass };
      case "skipped":
        return { key, change: "write", outcome: "skipped", reason: result.reason };
      case "ignored":
        return { key, change: "write", outcome: "ignored", reason: result.reason };
    }
  } catch (error) {
    // Dry run: every decision was made; the GET that would start the copy was stopped.
    if (error instanceof DryRunStop)
      return { key, change: "write", outcome: "copied", sourceVersionId: change.versionId };
    throw error;
  }
}

async function failbackDelete(ctx: Context, change: LatestChange): Promise<FailbackOutcome> {
  const { source, target } = ctx;
  const key = change.key;
  if (!ctx.propagateDeletes) return { key, change: "delete", outcome: "ignored", reason: "deletes-off" };
  if ((await headOrUndefined(source.client, source.bucket, key)) !== undefined)
    return { key, change: "delete", outcome: "skipped", reason: "source-exists" };
  const home = await sovereignKeyOf(ctx, key);
  const sovereign = await headOrUndefined(target.client, target.bucket, home);
  if (sovereign === undefined) return { key, change: "delete", outcome: "skipped", reason: "target-missing" };
  const tagging = await target.client.send(
    new GetObjectTaggingCommand({ Bucket: target.bucket, Key: home, VersionId: sovereign.VersionId }),
  );
  const admission = admits(ctx.policy, home, tagging.TagSet ?? []);
  if (!admission.allowed)
    return { key, change: "delete", outcome: "refused", reason: "data-class", dataClass: admission.dataClass };

  const rule = await deleteRule(ctx, change, sovereign);
  if (rule === undefined) return conflict(key, "delete", change.lastModified, sovereign.LastModified);
  if (!ctx.dryRun) await target.client.send(new DeleteObjectCommand({ Bucket: target.bucket, Key: home }));
  ctx.logger?.info(ctx.dryRun ? "would delete sovereign object (dry run)" : "sovereign object deleted", {
    key,
    rule,
    targetBucket: target.bucket,
  });
  return { key, change: "delete", outcome: "deleted", rule };
}

/** Why the sovereign current version may be erased, or undefined when it may not (see the module comment). */
async function deleteRule(
  ctx: Context,
  change: LatestChange,
  sovereign: HeadObjectCommandOutput,
): Promise<"failback-copy" | "older" | "erased-replica" | undefined> {
  if (isFailbackCopyOf(ctx, change.key, sovereign)) return "failback-copy";
  if (sovereign.LastModified !== undefined && seconds(sovereign.LastModified) < seconds(change.lastModified))
    return "older";
  if (change.erasedVersionId === undefined) return undefined;
  const erased = await headOrUndefined(ctx.source.client, ctx.source.bucket, change.key, change.erasedVersionId);
  const expected = replicaMarker(ctx.target.partition, ctx.target.bucket, change.key, sovereign.VersionId);
  return erased?.Metadata?.[META.replicatedFrom] === expected ? "erased-replica" : undefined;
}

/** The sovereign key a commercial key comes home to (`sovereignKeyOf`, else the same key). */
function sovereignKeyOf(ctx: Context, commercialKey: string): Promise<string> {
  return ctx.sovereignKeyOf === undefined ? Promise.resolve(commercialKey) : ctx.sovereignKeyOf(commercialKey);
}

/** Whether the sovereign object is a failback copy of this very commercial key (any version). */
function isFailbackCopyOf(ctx: Context, key: string, sovereign: HeadObjectCommandOutput): boolean {
  const marker = sovereign.Metadata?.[META.replicatedFrom];
  if (marker === undefined) return false;
  const prefix = replicaMarker(ctx.source.partition, ctx.source.bucket, key, undefined).replace(/null$/, "");
  return marker.startsWith(prefix);
}

function conflict(
  key: string,
  change: FailbackChange,
  sourceLastModified: Date,
  targetLastModified: Date | undefined,
): FailbackOutcome {
  return {
    key,
    change,
    outcome: "conflict",
    reason: "target-newer",
    sourceLastModified: sourceLastModified.toISOString(),
    targetLastModified: targetLastModified?.toISOString() ?? "",
  };
}

/** `Name: message (HTTP status)`; S3-compatible servers may send empty messages. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const message =
    error.message && error.message !== error.name && error.message !== "UnknownError" ? error.message : "";
  // A plain Error says it all in its message; named errors (S3's codes) keep their name.
  const text =
    error.name === "Error" && message !== "" ? message : `${error.name}${message === "" ? "" : `: ${message}`}`;
  return `${text}${status !== undefined ? ` (HTTP ${status})` : ""}`;
}

/** Thrown by a dry-run source client instead of the GET that would start a copy. */
class DryRunStop extends Error {
  override readonly name = "DryRunStop";
}

const WRITE_COMMANDS = [
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  DeleteObjectTaggingCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  UploadPartCommand,
];

/**
 * The client for a dry run: reads pass through; any write throws; with `stop-at-get`, GetObject
 * (in `replicate`, the first step after every decision) throws `DryRunStop`.
 */
export function dryRunClient(client: S3Client, mode: "stop-at-get" | "reads-only"): S3Client {
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property !== "send") return Reflect.get(target, property, receiver);
      return (command: unknown, ...rest: unknown[]) => {
        if (mode === "stop-at-get" && command instanceof GetObjectCommand)
          return Promise.reject(new DryRunStop("dry run: copy not started"));
        if (WRITE_COMMANDS.some((c) => command instanceof c))
          return Promise.reject(new SyncError(`dry run: refused to send ${(command as object).constructor.name}`));
        return (target.send as (...args: unknown[]) => Promise<unknown>)(command, ...rest);
      };
    },
  });
}
