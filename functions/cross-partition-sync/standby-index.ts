/**
 * The standby index (docs/cross-partition.md §7, option (b)): replicas in the commercial partition
 * are named `<tenant>/<standby pseudonym>/<id>`, the sovereign objects `<tenant>/<sovereign
 * pseudonym>/<id>`. Which standby pseudonym belongs to which sovereign one is recorded here, in the
 * SOVEREIGN bucket the sync reads (under `sip-sync-records/`, never under a tenant's prefix), and
 * nowhere else: a delete event carries no metadata, so the sync finds the replica of a deleted object
 * through the index, and failback finds the way home (standby → sovereign) through it too. Nothing on
 * the commercial side names a sovereign pseudonym.
 *
 * One record per subject and direction, both holding `{"tenant","sovereign","standby"}`:
 * `sip-sync-records/by-sovereign/<tenant>/<sovereign>/record.json` and
 * `sip-sync-records/by-standby/<tenant>/<standby>/record.json`.
 * Written by the sync before a replica is (so a replica never exists that the index cannot map back);
 * rewritten when older than REFRESH_DAYS, so the bucket's expiration never removes the record of a
 * subject whose objects are still written. A record naming another standby pseudonym for the same
 * sovereign one is a conflict (another standby key?): the sync refuses to guess and fails the record.
 */
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { isNotFound } from "../shared/s3-objects";
import { PSEUDONYM, STANDBY_PSEUDONYM_METADATA } from "../shared/pseudonym";
import { META, SyncError } from "./replication";

import { SYNC_RECORDS_PREFIX } from "./standby-index-layout";

export { SYNC_RECORDS_PREFIX };
const BY_SOVEREIGN = `${SYNC_RECORDS_PREFIX}by-sovereign/`;
const BY_STANDBY = `${SYNC_RECORDS_PREFIX}by-standby/`;
/** A record older than this is written again (the bucket's expiration must not catch it). */
export const REFRESH_DAYS = 30;

/** One subject's two pseudonyms within a tenant. */
export interface SubjectPair {
  readonly tenant: string;
  readonly sovereign: string;
  readonly standby: string;
}

/** The sovereign index of standby pseudonyms. */
export interface StandbyIndex {
  /** Records the pair (both directions); throws SyncError when the index holds another pairing. */
  record(pair: SubjectPair): Promise<void>;
  /** The standby pseudonym of a sovereign one, if recorded. */
  standbyOf(tenant: string, sovereign: string): Promise<string | undefined>;
  /** The sovereign pseudonym of a standby one, if recorded. */
  sovereignOf(tenant: string, standby: string): Promise<string | undefined>;
}

/**
 * A record's key: `<direction><tenant>/<pseudonym>/record.json`. It ends in the subject's
 * `<tenant>/<pseudonym>/` segment like the subject's objects, so an erasure by prefix reaches it.
 */
export function recordKey(direction: string, tenant: string, pseudonym: string): string {
  return `${direction}${tenant}/${pseudonym}/record.json`;
}

/** Where the index records of a subject are, per direction (an erasure's prefixes in the sovereign bucket). */
export const INDEX_DIRECTIONS = { bySovereign: BY_SOVEREIGN, byStandby: BY_STANDBY } as const;

/** Whether a key of the sovereign bucket is one of the index's own records. */
export function isSyncRecordKey(key: string): boolean {
  return key.startsWith(SYNC_RECORDS_PREFIX);
}

/** `<tenant>/<pseudonym>/<rest>`, or undefined when the key has not that shape. */
export function splitSubjectKey(
  key: string,
): { readonly tenant: string; readonly pseudonym: string; readonly rest: string } | undefined {
  const [tenant, pseudonym, ...rest] = key.split("/");
  if (tenant === undefined || pseudonym === undefined || tenant === "" || pseudonym === "" || rest.length === 0)
    return undefined;
  return { tenant, pseudonym, rest: rest.join("/") };
}

/**
 * The replica's key of a sovereign object of a crossing class: `<tenant>/<standby pseudonym>/<id>`,
 * the standby pseudonym from the object's metadata (set by the upload function, kept by the
 * scrubber). Throws SyncError naming what is missing: the object is then not replicated (never under
 * its sovereign key), and the record fails, so Lambda retries it and the DLQ keeps it for replay.
 */
export function replicaKeyOf(
  sourceKey: string,
  metadata: Readonly<Record<string, string>> | undefined,
): { readonly key: string; readonly pair: SubjectPair } {
  const parts = splitSubjectKey(sourceKey);
  if (parts === undefined)
    throw new SyncError(
      `not replicated: ${sourceKey} is not <tenant>/<pseudonym>/<id>, so no replica name can be derived`,
    );
  const standby = metadata?.[STANDBY_PSEUDONYM_METADATA];
  if (standby === undefined || !PSEUDONYM.test(standby))
    throw new SyncError(
      `not replicated: the object has no valid ${STANDBY_PSEUDONYM_METADATA} metadata (32 lower-case hex characters; value: ${standby === undefined ? "absent" : "invalid"}), and a replica is never named by the sovereign pseudonym. Fix: the upload function of a crossing class sets it (STANDBY_PSEUDONYM_KEY_ID); for an object uploaded before, rewrite it with the metadata, then replay the event`,
    );
  return {
    key: `${parts.tenant}/${standby}/${parts.rest}`,
    pair: { tenant: parts.tenant, sovereign: parts.pseudonym, standby },
  };
}

/** The index in the sovereign bucket `bucket`, through `client` (reads; writes only in `record`). */
export function s3StandbyIndex(client: S3Client, bucket: string, now: () => Date = () => new Date()): StandbyIndex {
  const read = async (key: string): Promise<{ pair: SubjectPair; lastModified: Date | undefined } | undefined> => {
    try {
      const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const pair = JSON.parse((await got.Body?.transformToString()) ?? "") as SubjectPair;
      return { pair, lastModified: got.LastModified };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  };
  const fresh = (found: { lastModified: Date | undefined } | undefined) =>
    found?.lastModified !== undefined && now().getTime() - found.lastModified.getTime() < REFRESH_DAYS * 86_400_000;
  const write = (key: string, pair: SubjectPair) =>
    client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: JSON.stringify({ tenant: pair.tenant, sovereign: pair.sovereign, standby: pair.standby }),
        ContentType: "application/json",
      }),
    );
  return {
    async record(pair) {
      const bySovereign = recordKey(BY_SOVEREIGN, pair.tenant, pair.sovereign);
      const byStandby = recordKey(BY_STANDBY, pair.tenant, pair.standby);
      const [s, t] = await Promise.all([read(bySovereign), read(byStandby)]);
      if (s !== undefined && s.pair.standby !== pair.standby)
        throw new SyncError(
          `not replicated: the standby index maps this subject to another standby pseudonym (was the standby key replaced?); fix the index under ${BY_SOVEREIGN}${pair.tenant}/ before replaying`,
        );
      if (t !== undefined && t.pair.sovereign !== pair.sovereign)
        throw new SyncError(
          `not replicated: the standby index maps this standby pseudonym to another subject; fix the index under ${BY_STANDBY}${pair.tenant}/ before replaying`,
        );
      // The sovereign → standby record first: a delete can then always find the replica.
      if (!fresh(s)) await write(bySovereign, pair);
      if (!fresh(t)) await write(byStandby, pair);
    },
    async standbyOf(tenant, sovereign) {
      return (await read(recordKey(BY_SOVEREIGN, tenant, sovereign)))?.pair.standby;
    },
    async sovereignOf(tenant, standby) {
      return (await read(recordKey(BY_STANDBY, tenant, standby)))?.pair.sovereign;
    },
  };
}

/**
 * The replica's key of a (deleted) sovereign object, from the index; undefined when unrecorded. The
 * caller then asks the object's own last version (`failbackCopyKey`) and otherwise leaves the
 * commercial side alone: asking it about the sovereign key would name a sovereign pseudonym there.
 */
export async function recordedReplicaKey(index: StandbyIndex, sourceKey: string): Promise<string | undefined> {
  const parts = splitSubjectKey(sourceKey);
  if (parts === undefined) return undefined;
  const standby = await index.standbyOf(parts.tenant, parts.pseudonym);
  return standby === undefined ? undefined : `${parts.tenant}/${standby}/${parts.rest}`;
}

/**
 * The commercial key a sovereign object's last version was a failback copy of (its marker
 * `<commercial partition>/<bucket>/<key>#<version>` names the commercial key), or undefined. Reads
 * the sovereign bucket only (ListObjectVersions, HeadObject of that version).
 */
export async function failbackCopyKey(
  client: S3Client,
  bucket: string,
  key: string,
  ownPartition: string,
): Promise<string | undefined> {
  const listed = await client.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key }));
  const last = (listed.Versions ?? []).find((v) => v.Key === key && v.VersionId !== undefined);
  if (last === undefined) return undefined;
  const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key, VersionId: last.VersionId }));
  const marker = head.Metadata?.[META.replicatedFrom] ?? "";
  const match = /^([^/]+)\/[^/]+\/(.+)#[^#]*$/.exec(marker);
  if (match === null || match[1] === ownPartition) return undefined;
  return (match[2] ?? "").split("/").map(decodeURIComponent).join("/");
}

/** The sovereign key of a commercial object, from the index; its own key when unrecorded (a replica from before the standby pseudonyms). */
export async function recordedSovereignKey(index: StandbyIndex, commercialKey: string): Promise<string> {
  const parts = splitSubjectKey(commercialKey);
  if (parts === undefined) return commercialKey;
  const sovereign = await index.sovereignOf(parts.tenant, parts.pseudonym);
  return sovereign === undefined ? commercialKey : `${parts.tenant}/${sovereign}/${parts.rest}`;
}
