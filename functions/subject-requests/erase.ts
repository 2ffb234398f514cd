/**
 * Erasure of one data subject (issue 18, item 3; the core only): every version and every delete
 * marker of the subject's objects is deleted from each place it may live (originals, quarantine,
 * clean copies, the commercial failover bucket), and what was erased is reported for the evidence
 * certificate.
 *
 * Per place, in order:
 * 1. List every version and delete marker under each of the place's prefixes (ListObjectVersions,
 *    paginated). Every prefix must end with the subject's `<tenant>/<pseudonym>/`, so a subject whose
 *    pseudonym shares a beginning with another's (`abc`, `abcd`) never reaches the other's objects.
 * 2. Find what object lock holds: a retention date in the future (GOVERNANCE or COMPLIANCE; the
 *    governance bypass is never used) or a legal hold. Buckets without object lock are asked once.
 * 3. Read each version that is not held (GetObject with its VersionId), streaming, for its SHA-256
 *    and size. Nothing is deleted in a place until every version there has been read.
 * 4. Delete each such version and each delete marker (DeleteObject with VersionId). A delete refused
 *    with AccessDenied while the version has a retention or a legal hold makes it held, not an error.
 * 5. List again: `confirmed` when nothing but the held versions remains; what else remains is listed.
 *
 * A held version is not an error: it is reported with the date it can go (`retainUntil`) or its legal
 * hold, and everything else still proceeds; a later run erases it. Any other failure stops that place:
 * its report carries `error`, lists as erased only what was deleted, and is not confirmed; the other
 * places still run. The caller retries (a repeat run is harmless: what is gone is no longer listed).
 *
 * A dry run lists, checks holds and hashes, and deletes nothing: `erased` is what would be erased.
 *
 * The report holds only strings, safe integers, booleans and null, in a fixed order (places as
 * given; versions by key, then version ID), so that it can go into a canonical evidence document.
 *
 * Pure apart from the injected S3 clients.
 */
import { createHash } from "node:crypto";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  GetObjectLegalHoldCommand,
  GetObjectLockConfigurationCommand,
  GetObjectRetentionCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { isSafeKeySegment } from "../shared/object-keys";
import { byKeyThenVersion, failure, type Listed, listAll, PlaceError, step } from "./versions";

/** The areas of a bucket a subject's objects live under: the key itself, and the quarantine. */
export const SUBJECT_AREAS = ["", "quarantine/"] as const;

/** Whose objects are erased: the tenant and the subject's pseudonym (the key segments). */
export interface ErasureSubject {
  readonly tenant: string;
  readonly pseudonym: string;
}

/** One bucket the subject's objects may live in, with the client that may list, read and delete there. */
export interface ErasurePlace {
  /** The place's name in the report (`originals`, `clean`, `commercial-failover`). */
  readonly name: string;
  readonly client: S3Client;
  readonly bucket: string;
  /** Key prefixes of the subject's objects, each ending with `<tenant>/<pseudonym>/` (see `subjectPrefixes`). */
  readonly prefixes: readonly string[];
  /**
   * The subject as this place names it, when not as the request does: the commercial places name
   * replicas by the standby pseudonym (docs/cross-partition.md §7), and their prefixes end with it.
   * @default - the subject of the erasure or export
   */
  readonly subject?: ErasureSubject;
}

export interface EraseOptions {
  /** List, check holds and hash; delete nothing. @default false */
  readonly dryRun?: boolean;
  /** Versions per ListObjectVersions page (S3's maximum is 1000). @default - the server's (1000) */
  readonly pageSize?: number;
  /** The time retention dates are compared with. @default () => new Date() */
  readonly now?: () => Date;
}

/** A version or delete marker erased (or, in a dry run, to be erased). */
export interface ErasedVersion {
  readonly key: string;
  readonly versionId: string;
  /** Bytes read; 0 for a delete marker. */
  readonly sizeBytes: number;
  /** Lower-case hex SHA-256 of the bytes; null for a delete marker. */
  readonly sha256: string | null;
  readonly deleteMarker: boolean;
}

/** A version object lock keeps: it can go at `retainUntil` (if no legal hold remains). */
export interface HeldVersion {
  readonly key: string;
  readonly versionId: string;
  /** ISO 8601 end of the retention; null when only a legal hold keeps it. */
  readonly retainUntil: string | null;
  /** `GOVERNANCE` or `COMPLIANCE`; null when only a legal hold keeps it. */
  readonly mode: string | null;
  readonly legalHold: boolean;
}

/** A version or delete marker still there after erasure that is not held. */
export interface RemainingVersion {
  readonly key: string;
  readonly versionId: string;
  readonly deleteMarker: boolean;
}

export interface PlaceReport {
  readonly name: string;
  readonly bucket: string;
  readonly prefixes: readonly string[];
  readonly erased: readonly ErasedVersion[];
  readonly held: readonly HeldVersion[];
  /** A listing after the deletes found nothing but the held versions (false in a dry run or after an error). */
  readonly confirmed: boolean;
  /** What that listing found besides the held versions; null when there was no such listing. */
  readonly remaining: readonly RemainingVersion[] | null;
  /** Why the place stopped: the operation and what S3 answered. */
  readonly error?: string;
}

export interface ErasureReport {
  readonly subject: { readonly tenant: string; readonly pseudonym: string };
  readonly dryRun: boolean;
  readonly places: readonly PlaceReport[];
}

/** Input the erasure refuses before any request (a subject or prefix that could reach others' objects). */
export class ErasureInputError extends Error {
  override readonly name = "ErasureInputError";
}

/** The subject's key prefix: `<tenant>/<pseudonym>/`. */
export function subjectKeyPrefix(subject: ErasureSubject): string {
  for (const segment of ["tenant", "pseudonym"] as const)
    if (!isSafeKeySegment(subject[segment]))
      throw new ErasureInputError(`the subject's ${segment} is not a safe key segment (value: ${subject[segment]})`);
  return `${subject.tenant}/${subject.pseudonym}/`;
}

/** The standard prefixes of a subject in a bucket: `<area><tenant>/<pseudonym>/` for each of SUBJECT_AREAS. */
export function subjectPrefixes(subject: ErasureSubject): string[] {
  const own = subjectKeyPrefix(subject);
  return SUBJECT_AREAS.map((area) => `${area}${own}`);
}

/** Throws ErasureInputError for a place name given twice, a place without prefixes, or a prefix not ending with the subject's. */
export function checkPlaces(subject: ErasureSubject, places: readonly ErasurePlace[]): void {
  const problems: string[] = [];
  const names = new Set<string>();
  for (const place of places) {
    if (names.has(place.name)) problems.push(`the place name ${place.name} is given twice`);
    names.add(place.name);
    if (place.prefixes.length === 0) problems.push(`${place.name}: no prefixes`);
    if (place.subject !== undefined && place.subject.tenant !== subject.tenant)
      problems.push(`${place.name}: names the subject in another tenant (${place.subject.tenant})`);
    const own = subjectKeyPrefix(place.subject ?? subject);
    for (const prefix of place.prefixes)
      if (!prefix.endsWith(own)) problems.push(`${place.name}: the prefix ${prefix} does not end with ${own}`);
  }
  if (problems.length > 0) throw new ErasureInputError(problems.join("; "));
}

const status = (error: unknown) => (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
const errorName = (error: unknown) => (error as { name?: string }).name;

/** Whether the bucket has object lock; without it no version can be held. */
async function lockEnabled(place: ErasurePlace): Promise<boolean> {
  try {
    const answer = await place.client.send(new GetObjectLockConfigurationCommand({ Bucket: place.bucket }));
    return answer.ObjectLockConfiguration?.ObjectLockEnabled === "Enabled";
  } catch (error) {
    // AWS: ObjectLockConfigurationNotFoundError (404) for a bucket without object lock.
    if (status(error) === 404 && errorName(error) !== "NoSuchBucket") return false;
    throw new PlaceError(`GetObjectLockConfiguration ${place.bucket}`, error);
  }
}

/** A retention or legal-hold question answered "there is none" (404, the bucket and key being there). */
const noLock = (error: unknown) =>
  status(error) === 404 && errorName(error) !== "NoSuchBucket" && errorName(error) !== "NoSuchVersion";

/** The version's hold, if object lock keeps it at `now`. */
async function holdOf(place: ErasurePlace, version: Listed, now: Date): Promise<HeldVersion | undefined> {
  const at = `${place.bucket}/${version.key}@${version.versionId}`;
  const ids = { Bucket: place.bucket, Key: version.key, VersionId: version.versionId };
  const retention = await step(`GetObjectRetention ${at}`, async () => {
    try {
      return (await place.client.send(new GetObjectRetentionCommand(ids))).Retention;
    } catch (error) {
      if (noLock(error)) return undefined;
      throw error;
    }
  });
  const legalHold = await step(`GetObjectLegalHold ${at}`, async () => {
    try {
      return (await place.client.send(new GetObjectLegalHoldCommand(ids))).LegalHold?.Status === "ON";
    } catch (error) {
      if (noLock(error)) return false;
      throw error;
    }
  });
  const until = retention?.RetainUntilDate;
  const retained = until !== undefined && until.getTime() > now.getTime();
  if (!retained && !legalHold) return undefined;
  return {
    key: version.key,
    versionId: version.versionId,
    retainUntil: retained ? until.toISOString() : null,
    mode: retained ? (retention?.Mode ?? null) : null,
    legalHold,
  };
}

/** The version's SHA-256 and size, read as a stream (only the hash state is held). */
async function digest(place: ErasurePlace, version: Listed): Promise<ErasedVersion> {
  const at = `${place.bucket}/${version.key}@${version.versionId}`;
  return step(`GetObject ${at}`, async () => {
    const answer = await place.client.send(
      new GetObjectCommand({ Bucket: place.bucket, Key: version.key, VersionId: version.versionId }),
    );
    const body = answer.Body as Partial<AsyncIterable<Uint8Array>> | undefined;
    if (body?.[Symbol.asyncIterator] === undefined)
      throw failure("UnreadableBody", "GetObject returned no readable body");
    const hash = createHash("sha256");
    let size = 0;
    for await (const chunk of body as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      size += chunk.length;
    }
    if (size !== version.size || (answer.ContentLength !== undefined && answer.ContentLength !== size))
      throw failure("SizeMismatch", `read ${size} bytes, listed ${version.size}`);
    if (answer.VersionId !== undefined && answer.VersionId !== version.versionId)
      throw failure("VersionMismatch", `read version ${answer.VersionId}`);
    return {
      key: version.key,
      versionId: version.versionId,
      sizeBytes: size,
      sha256: hash.digest("hex"),
      deleteMarker: false,
    };
  });
}

interface PlaceProgress {
  erased: ErasedVersion[];
  held: HeldVersion[];
}

async function erasePlace(
  place: ErasurePlace,
  options: EraseOptions,
  progress: PlaceProgress,
): Promise<Pick<PlaceReport, "confirmed" | "remaining">> {
  const now = (options.now ?? (() => new Date()))();
  const found = await listAll(place, options.pageSize);
  const locked = found.some((v) => !v.deleteMarker) && (await lockEnabled(place));
  // Holds and hashes first: nothing is deleted in the place until every version has been read.
  const toErase: ErasedVersion[] = [];
  for (const version of found) {
    if (version.deleteMarker) {
      toErase.push({ key: version.key, versionId: version.versionId, sizeBytes: 0, sha256: null, deleteMarker: true });
      continue;
    }
    const hold = locked ? await holdOf(place, version, now) : undefined;
    if (hold !== undefined) progress.held.push(hold);
    else toErase.push(await digest(place, version));
  }
  if (options.dryRun === true) {
    progress.erased.push(...toErase);
    return { confirmed: false, remaining: null };
  }
  for (const version of toErase) {
    const at = `${place.bucket}/${version.key}@${version.versionId}`;
    try {
      await place.client.send(
        new DeleteObjectCommand({ Bucket: place.bucket, Key: version.key, VersionId: version.versionId }),
      );
    } catch (error) {
      const refused = errorName(error) === "AccessDenied" || status(error) === 403;
      const listed = { ...version, size: version.sizeBytes, lastModified: null };
      // Refused because object lock keeps it (a retention set since it was checked): held, not an error.
      const hold = refused && !version.deleteMarker ? await holdOf(place, listed, now) : undefined;
      if (hold === undefined) throw new PlaceError(`DeleteObject ${at}`, error);
      progress.held.push(hold);
      continue;
    }
    progress.erased.push(version);
  }
  const held = new Set(progress.held.map((h) => `${h.key}\n${h.versionId}`));
  const remaining = (await listAll(place, options.pageSize))
    .filter((v) => !held.has(`${v.key}\n${v.versionId}`))
    .map((v) => ({ key: v.key, versionId: v.versionId, deleteMarker: v.deleteMarker }));
  return { confirmed: remaining.length === 0, remaining };
}

/**
 * Erases every version of the subject's objects from each place (see the module comment). Throws
 * ErasureInputError, before any request, for an unsafe subject, a prefix that does not end with the
 * subject's `<tenant>/<pseudonym>/`, or a place name given twice; S3 failures are reported per place.
 */
export async function eraseSubject(
  subject: ErasureSubject,
  places: readonly ErasurePlace[],
  options: EraseOptions = {},
): Promise<ErasureReport> {
  checkPlaces(subject, places);
  if (options.pageSize !== undefined && (!Number.isSafeInteger(options.pageSize) || options.pageSize < 1))
    throw new ErasureInputError(`pageSize must be a positive integer (value: ${options.pageSize})`);
  const reports: PlaceReport[] = [];
  for (const place of places) {
    const progress: PlaceProgress = { erased: [], held: [] };
    let outcome: Pick<PlaceReport, "confirmed" | "remaining" | "error">;
    try {
      outcome = await erasePlace(place, options, progress);
    } catch (error) {
      if (!(error instanceof PlaceError)) throw error;
      outcome = { confirmed: false, remaining: null, error: error.message };
    }
    reports.push({
      name: place.name,
      bucket: place.bucket,
      prefixes: [...place.prefixes],
      erased: progress.erased.sort(byKeyThenVersion),
      held: progress.held.sort(byKeyThenVersion),
      confirmed: outcome.confirmed,
      remaining: outcome.remaining === null ? null : [...outcome.remaining].sort(byKeyThenVersion),
      ...(outcome.error === undefined ? {} : { error: outcome.error }),
    });
  }
  return {
    subject: { tenant: subject.tenant, pseudonym: subject.pseudonym },
    dryRun: options.dryRun === true,
    places: reports,
  };
}
