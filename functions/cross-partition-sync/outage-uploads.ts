/**
 * Homecoming (docs/cross-partition.md §7, writes during an outage): after a sovereign outage, bring
 * what the commercial standby accepted into the outage inbox home into the sovereign ORIGINALS bucket,
 * where the sovereign scrubber scrubs it before anything serves it; the sync then replicates the clean
 * copy under the standby name as for any upload. Pure: both S3 clients, the unsealing and the
 * pseudonyms are injected; no environment, no module state (like failback.ts). Run by the failback
 * function and command line (`failback --outage-uploads`).
 *
 * The inbox holds `<tenant>/<standby pseudonym>/<id>`, each with the tenant and subject sealed to the
 * sovereign sealing key (`sealed-subject`, functions/shared/sealed-subject.ts). For each current object
 * (ListObjectsV2, optional prefix), in order:
 * 1. HEAD it (the current version V); gone → `skipped/source-missing`. A key not of that shape, or
 *    without a valid `data-class` → `refused/not-an-upload`; no seal → `refused/seal-missing`; a seal
 *    that does not open (another key, changed) → `refused/seal-invalid`.
 * 2. The seal must name the key's tenant, and the standby pseudonym of its subject (under the
 *    SOVEREIGN copy of the standby key) must be the key's; else `refused/seal-mismatch`. Refused
 *    objects stay in the inbox, reported, for a person to look at.
 * 3. The sovereign pseudonym of the subject gives the home key `<tenant>/<sovereign pseudonym>/<id>`.
 *    It exists carrying the marker `outage-upload` = `<partition>/<inbox bucket>/<key>#<V>` →
 *    `skipped/home-current` (no second version), and the inbox versions are deleted (step 5). It exists
 *    with the marker of another version of the same inbox key → copied again (the newer upload). It
 *    exists otherwise → `conflict/home-exists`: nothing written, nothing deleted.
 * 4. Copy V (GET pinned to it, streamed into one PutObject: at most 5 GiB) to the home key, SSE-KMS
 *    with the originals key (a logical-tier tenant's own key, written as its role), with what the
 *    sovereign upload function would have given it: content type and disposition, the metadata
 *    `original-name`, `data-class` and `standby-pseudonym` (the key's), the data-class tag, and the
 *    marker. The scrubber takes it as any original (its event carries no scrubber metadata).
 * 5. Only once a HEAD of the home key shows the marker: DeleteObject with VersionId for every version
 *    (and delete marker) of the inbox key. A failure before leaves both copies: a re-run finds the
 *    object again, sees the home copy current (3) and deletes then. Nothing is lost either way.
 *
 * Outcomes name the inbox key only: no sovereign pseudonym leaves the sovereign side in a report.
 * Each key is independent (a failure is recorded as `failed`, the others go on), at most `concurrency`
 * in flight; `dryRun` makes every decision (all reads happen, also the unsealing) and writes nothing.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  type HeadObjectCommandOutput,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import type { Logger } from "../shared/logger";
import { CLAIM_SEGMENT, OBJECT_ID } from "../shared/object-keys";
import { PSEUDONYM, type Pseudonyms, STANDBY_PSEUDONYM_METADATA } from "../shared/pseudonym";
import { DATA_CLASS_TAG, headOrUndefined, taggingHeader } from "../shared/s3-objects";
import {
  OUTAGE_UPLOAD_METADATA,
  openSealedSubject,
  SEALED_SUBJECT_METADATA,
  type Unseal,
  UnsealError,
} from "../shared/sealed-subject";
import { actorForKey, type TenantDirectory } from "../shared/tenant-directory";
import { DEFAULT_CONCURRENCY, describeError, drainListing, dryRunClient, runProblems } from "./failback";
import { replicaMarker, SyncError } from "./replication";

/** One PutObject holds at most 5 GiB; uploads are far smaller (the upload function's limits). */
export const MAX_HOMECOMING_BYTES = 5 * 1024 ** 3;

export interface OutageInbox {
  /** Client of the commercial partition (the failback's Roles Anywhere credentials). */
  readonly client: S3Client;
  /** Partition id of the commercial side (`aws`), written into the marker. */
  readonly partition: string;
  /** The outage inbox (versioned). */
  readonly bucket: string;
}

export interface OutageHome {
  /** Client of the sovereign partition (the function's role): HEADs, and writes of objects of no tenant. */
  readonly client: S3Client;
  /** The sovereign originals bucket of the upload class. */
  readonly bucket: string;
  /** Its KMS key (ARN or id). */
  readonly kmsKeyId: string;
}

export interface HomecomingOptions {
  readonly inbox: OutageInbox;
  readonly home: OutageHome;
  /** Opens sealed subjects (KMS Decrypt under the sovereign sealing key; a local key in tests). */
  readonly unseal: Unseal;
  /** Sovereign pseudonyms (the sovereign pseudonym key): name the home key. */
  readonly pseudonyms: Pseudonyms;
  /** Standby pseudonyms under the sovereign copy of the standby key: check the seal against the key. */
  readonly standbyPseudonyms: Pseudonyms;
  /** @default - the whole inbox */
  readonly prefix?: string;
  /** Keys handled at once, 1 to 64. @default 4 */
  readonly concurrency?: number;
  /** Decide everything, write nothing. @default false */
  readonly dryRun?: boolean;
  /** ListObjectsV2 page size, 1 to 1000. @default 1000 */
  readonly pageSize?: number;
  /**
   * Finds logical-tier tenants: a tenant's upload comes home written as the tenant's role, under its
   * key (shreddable). A tenant whose key is pending deletion, or no tenant of the deployment, is skipped.
   * @default - none: every copy is written with `home.client` and `home.kmsKeyId`
   */
  readonly tenants?: TenantDirectory<S3Client>;
  /** Called once per examined key as soon as its outcome is known (progress). */
  readonly onOutcome?: (outcome: HomecomingOutcome) => void;
  readonly logger?: Logger;
}

export type HomecomingOutcome =
  | {
      readonly key: string;
      readonly outcome: "moved";
      readonly sourceVersionId?: string;
      /** Absent in a dry run. */
      readonly targetVersionId?: string;
      /** Absent in a dry run. */
      readonly bytes?: number;
      /** Inbox versions deleted; absent in a dry run. */
      readonly inboxVersionsDeleted?: number;
    }
  | {
      readonly key: string;
      readonly outcome: "skipped";
      readonly reason: "home-current" | "source-missing" | "tenant-key-pending-deletion" | "unknown-tenant";
      /** For `home-current`: inbox versions deleted; absent in a dry run. */
      readonly inboxVersionsDeleted?: number;
    }
  | {
      readonly key: string;
      readonly outcome: "refused";
      readonly reason: "not-an-upload" | "seal-missing" | "seal-invalid" | "seal-mismatch";
    }
  | { readonly key: string; readonly outcome: "conflict"; readonly reason: "home-exists" }
  | { readonly key: string; readonly outcome: "failed"; readonly error: string };

export interface HomecomingSummary {
  readonly examined: number;
  readonly moved: number;
  readonly skipped: number;
  readonly refused: number;
  readonly conflicts: number;
  readonly failed: readonly { readonly key: string; readonly error: string }[];
}

export interface HomecomingResult {
  /** In a dry run, `moved` says what would have been moved. */
  readonly dryRun: boolean;
  readonly prefix?: string;
  readonly summary: HomecomingSummary;
  /** One per examined key, sorted by key. */
  readonly outcomes: readonly HomecomingOutcome[];
}

/** The listing failed part-way: `result` holds what was done until then. */
export class HomecomingIncompleteError extends Error {
  override readonly name = "HomecomingIncompleteError";
  constructor(
    readonly result: HomecomingResult,
    override readonly cause: unknown,
  ) {
    super(`listing the outage inbox failed after ${result.summary.examined} keys: ${describeError(cause)}`);
  }
}

/** `<tenant>/<standby pseudonym>/<id>`, as the standby upload function names uploads. */
const INBOX_KEY = new RegExp(
  `^(${CLAIM_SEGMENT.source.slice(1, -1)})/(${PSEUDONYM.source.slice(1, -1)})/(${OBJECT_ID.source.slice(1, -1)})$`,
);
/** A data class as the upload function pins it (and a tag value may hold it). */
const DATA_CLASS_VALUE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** Brings the outage inbox home; see the module comment. Throws SyncError on bad options, HomecomingIncompleteError when listing fails. */
export async function bringOutageUploadsHome(options: HomecomingOptions): Promise<HomecomingResult> {
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const pageSize = options.pageSize ?? 1000;
  checkOptions(options, concurrency, pageSize);
  const dryRun = options.dryRun ?? false;
  const ctx: HomecomingOptions = dryRun
    ? {
        ...options,
        inbox: { ...options.inbox, client: dryRunClient(options.inbox.client, "reads-only") },
        home: { ...options.home, client: dryRunClient(options.home.client, "reads-only") },
      }
    : options;
  const keys = inboxKeys(ctx.inbox, options.prefix, pageSize);
  const { outcomes, listingError } = await drainListing(
    keys,
    concurrency,
    (key) => handleKey(ctx, dryRun, key),
    options.onOutcome,
  );
  const result: HomecomingResult = { dryRun, prefix: options.prefix, summary: summarizeHomecoming(outcomes), outcomes };
  if (listingError !== undefined) throw new HomecomingIncompleteError(result, listingError);
  return result;
}

function checkOptions(options: HomecomingOptions, concurrency: number, pageSize: number): void {
  const problems = runProblems({ concurrency, pageSize, prefix: options.prefix, whole: "the whole inbox" });
  if (problems.length > 0) throw new SyncError(problems.join("; "));
}

export function summarizeHomecoming(outcomes: readonly HomecomingOutcome[]): HomecomingSummary {
  const count = (outcome: HomecomingOutcome["outcome"]) => outcomes.filter((o) => o.outcome === outcome).length;
  return {
    examined: outcomes.length,
    moved: count("moved"),
    skipped: count("skipped"),
    refused: count("refused"),
    conflicts: count("conflict"),
    failed: outcomes.flatMap((o) => (o.outcome === "failed" ? [{ key: o.key, error: o.error }] : [])),
  };
}

/** The inbox's current keys, page by page. */
async function* inboxKeys(inbox: OutageInbox, prefix: string | undefined, pageSize: number): AsyncGenerator<string> {
  let token: string | undefined;
  do {
    const page = await inbox.client.send(
      new ListObjectsV2Command({ Bucket: inbox.bucket, Prefix: prefix, MaxKeys: pageSize, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) if (o.Key !== undefined) yield o.Key;
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    if (page.IsTruncated === true && token === undefined)
      throw new SyncError("ListObjectsV2 is truncated but returned no NextContinuationToken");
  } while (token !== undefined);
}

async function handleKey(ctx: HomecomingOptions, dryRun: boolean, key: string): Promise<HomecomingOutcome> {
  try {
    return await homecoming(ctx, dryRun, key);
  } catch (error) {
    ctx.logger?.error("homecoming of an outage upload failed", { key, error });
    return { key, outcome: "failed", error: describeError(error) };
  }
}

/** What the inbox object says about itself, once its seal checked out. */
interface Admitted {
  readonly head: HeadObjectCommandOutput;
  readonly dataClass: string;
  readonly standbyPseudonym: string;
  readonly homeKey: string;
  readonly marker: string;
}

async function homecoming(ctx: HomecomingOptions, dryRun: boolean, key: string): Promise<HomecomingOutcome> {
  const admitted = await admit(ctx, key);
  if ("outcome" in admitted) return admitted;
  const existing = await headOrUndefined(ctx.home.client, ctx.home.bucket, admitted.homeKey);
  const existingMarker = existing?.Metadata?.[OUTAGE_UPLOAD_METADATA];
  if (existingMarker === admitted.marker) {
    const deleted = dryRun ? undefined : await deleteInboxVersions(ctx.inbox, key);
    ctx.logger?.info("outage upload already home", { key, inboxVersionsDeleted: deleted });
    return {
      key,
      outcome: "skipped",
      reason: "home-current",
      ...(deleted === undefined ? {} : { inboxVersionsDeleted: deleted }),
    };
  }
  if (existing !== undefined && !existingMarker?.startsWith(admitted.marker.replace(/#[^#]*$/, "#")))
    return { key, outcome: "conflict", reason: "home-exists" };
  const actor = await actorForKey(ctx.tenants, admitted.homeKey);
  if (actor.kind === "tenant-key-pending-deletion" || actor.kind === "unknown-tenant")
    return { key, outcome: "skipped", reason: actor.kind };
  const sourceVersionId = admitted.head.VersionId;
  if (dryRun) return { key, outcome: "moved", ...(sourceVersionId === undefined ? {} : { sourceVersionId }) };
  const writer = actor.kind === "tenant" ? { client: actor.client, kmsKeyId: actor.keyArn } : ctx.home;
  const put = await copyHome(ctx, key, admitted, writer);
  const confirmed = await headOrUndefined(ctx.home.client, ctx.home.bucket, admitted.homeKey);
  if (confirmed?.Metadata?.[OUTAGE_UPLOAD_METADATA] !== admitted.marker)
    throw new SyncError("the home copy does not show its marker after the write: the inbox object is kept");
  const deleted = await deleteInboxVersions(ctx.inbox, key);
  ctx.logger?.info("outage upload brought home", { key, bytes: put.bytes, inboxVersionsDeleted: deleted });
  return {
    key,
    outcome: "moved",
    ...(sourceVersionId === undefined ? {} : { sourceVersionId }),
    ...(put.versionId === undefined ? {} : { targetVersionId: put.versionId }),
    bytes: put.bytes,
    inboxVersionsDeleted: deleted,
  };
}

/** Steps 1 and 2: the inbox object's current version, its seal opened and checked against its key. */
async function admit(ctx: HomecomingOptions, key: string): Promise<Admitted | HomecomingOutcome> {
  const match = INBOX_KEY.exec(key);
  if (match === null) return { key, outcome: "refused", reason: "not-an-upload" };
  const [, keyTenant = "", keyPseudonym = "", id = ""] = match;
  const head = await headOrUndefined(ctx.inbox.client, ctx.inbox.bucket, key);
  if (head === undefined) return { key, outcome: "skipped", reason: "source-missing" };
  const dataClass = head.Metadata?.[DATA_CLASS_TAG];
  if (dataClass === undefined || !DATA_CLASS_VALUE.test(dataClass))
    return { key, outcome: "refused", reason: "not-an-upload" };
  const sealed = head.Metadata?.[SEALED_SUBJECT_METADATA];
  if (sealed === undefined) return { key, outcome: "refused", reason: "seal-missing" };
  let opened: { readonly tenant: string; readonly subject: string };
  try {
    opened = await openSealedSubject(ctx.unseal, sealed);
  } catch (error) {
    if (error instanceof UnsealError) return { key, outcome: "refused", reason: "seal-invalid" };
    throw error;
  }
  if (opened.tenant !== keyTenant || (await ctx.standbyPseudonyms.of(opened.tenant, opened.subject)) !== keyPseudonym) {
    ctx.logger?.warn("outage upload whose seal names another subject: kept in the inbox", { key });
    return { key, outcome: "refused", reason: "seal-mismatch" };
  }
  const sovereign = await ctx.pseudonyms.of(opened.tenant, opened.subject);
  return {
    head,
    dataClass,
    standbyPseudonym: keyPseudonym,
    homeKey: `${keyTenant}/${sovereign}/${id}`,
    marker: replicaMarker(ctx.inbox.partition, ctx.inbox.bucket, key, head.VersionId),
  };
}

/** Step 4: the pinned version, streamed into one PutObject at the home key. */
async function copyHome(
  ctx: HomecomingOptions,
  key: string,
  admitted: Admitted,
  writer: { readonly client: S3Client; readonly kmsKeyId: string },
): Promise<{ readonly versionId: string | undefined; readonly bytes: number }> {
  const { head } = admitted;
  const bytes = head.ContentLength ?? 0;
  if (bytes > MAX_HOMECOMING_BYTES)
    throw new SyncError(`${bytes} bytes: more than one PutObject holds (${MAX_HOMECOMING_BYTES})`);
  const got = await ctx.inbox.client.send(
    new GetObjectCommand({
      Bucket: ctx.inbox.bucket,
      Key: key,
      VersionId: head.VersionId,
      IfMatch: head.VersionId === undefined ? head.ETag : undefined,
    }),
  );
  if (got.Body === undefined) throw new SyncError(`GET ${ctx.inbox.bucket}/${key} returned no body`);
  const originalName = head.Metadata?.["original-name"];
  const put = await writer.client.send(
    new PutObjectCommand({
      Bucket: ctx.home.bucket,
      Key: admitted.homeKey,
      Body: got.Body as NonNullable<ConstructorParameters<typeof PutObjectCommand>[0]["Body"]>,
      ContentLength: got.ContentLength ?? bytes,
      ContentType: head.ContentType,
      ContentDisposition: head.ContentDisposition,
      ServerSideEncryption: "aws:kms",
      SSEKMSKeyId: writer.kmsKeyId,
      Tagging: taggingHeader({ [DATA_CLASS_TAG]: admitted.dataClass }),
      Metadata: {
        ...(originalName === undefined ? {} : { "original-name": originalName }),
        [DATA_CLASS_TAG]: admitted.dataClass,
        [STANDBY_PSEUDONYM_METADATA]: admitted.standbyPseudonym,
        [OUTAGE_UPLOAD_METADATA]: admitted.marker,
      },
    }),
  );
  return { versionId: put.VersionId, bytes: got.ContentLength ?? bytes };
}

/** Step 5: every version and delete marker of the inbox key, each by its VersionId; how many. */
async function deleteInboxVersions(inbox: OutageInbox, key: string): Promise<number> {
  const versions: (string | undefined)[] = [];
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  for (;;) {
    const page = await inbox.client.send(
      new ListObjectVersionsCommand({
        Bucket: inbox.bucket,
        Prefix: key,
        KeyMarker: keyMarker,
        VersionIdMarker: versionIdMarker,
      }),
    );
    for (const v of [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])])
      if (v.Key === key) versions.push(v.VersionId);
    if (page.IsTruncated !== true) break;
    keyMarker = page.NextKeyMarker;
    versionIdMarker = page.NextVersionIdMarker;
  }
  for (const versionId of versions)
    await inbox.client.send(new DeleteObjectCommand({ Bucket: inbox.bucket, Key: key, VersionId: versionId }));
  return versions.length;
}
