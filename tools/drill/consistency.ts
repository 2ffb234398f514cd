/**
 * The drill's consistency check between the two partitions, after failback (issue 17 item 4). It
 * reads both sides itself (GET of every object, SHA-256 computed here, never taken from a tag) and
 * reports every problem, not only the first:
 *
 * - every current object of a crossing class in the sovereign bucket has its replica, with the same
 *   bytes, under the key the standby index gives (`<tenant>/<standby pseudonym>/<id>`);
 * - every current commercial object maps home through the index to a current sovereign object with
 *   the same bytes (no orphan, no replica of an erased object);
 * - erasures are honoured: an erased sovereign key has no current version on either side;
 * - nothing sovereign-only is on the commercial side: no object of a data class that may not cross,
 *   and no sovereign pseudonym in any key, metadata value or tag value there; no `standby-pseudonym`
 *   metadata either (it stays sovereign);
 * - the outage inbox (outage uploads) is empty: every upload the standby took was brought home, and
 *   no version of an original of the upload class stays on the commercial side.
 */
import { createHash } from "node:crypto";
import {
  GetObjectCommand,
  GetObjectTaggingCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import {
  isSyncRecordKey,
  recordedReplicaKey,
  recordedSovereignKey,
  type StandbyIndex,
} from "../../functions/cross-partition-sync/standby-index";
import { STANDBY_PSEUDONYM_METADATA } from "../../functions/shared/pseudonym";
import { DATA_CLASS_TAG } from "../../functions/shared/s3-objects";

export interface BucketSide {
  readonly client: S3Client;
  readonly bucket: string;
}

export interface ConsistencyInput {
  readonly sovereign: BucketSide;
  readonly commercial: BucketSide;
  readonly index: StandbyIndex;
  readonly crossingClasses: readonly string[];
  /** Sovereign keys erased during the drill: gone on both sides. */
  readonly erased: readonly string[];
  /** The sovereign pseudonyms of the drill's subjects: none may appear on the commercial side. */
  readonly sovereignPseudonyms: readonly string[];
  /** Sovereign prefixes that are not replicated by design (quarantined uploads). @default ["quarantine/"] */
  readonly notReplicated?: readonly string[];
  /** The outage inbox: empty after failback brought the outage uploads home. @default - no outage uploads */
  readonly outageInbox?: BucketSide;
}

export interface ConsistencyReport {
  readonly sovereignObjects: number;
  readonly commercialObjects: number;
  readonly replicasVerified: number;
  readonly problems: readonly string[];
}

interface Found {
  readonly key: string;
  readonly sha256: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly tags: Readonly<Record<string, string>>;
}

async function currentKeys(side: BucketSide): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await side.client.send(
      new ListObjectsV2Command({ Bucket: side.bucket, ...(token === undefined ? {} : { ContinuationToken: token }) }),
    );
    for (const o of page.Contents ?? []) if (o.Key !== undefined) keys.push(o.Key);
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return keys;
}

async function read(side: BucketSide, key: string): Promise<Found | undefined> {
  try {
    const got = await side.client.send(new GetObjectCommand({ Bucket: side.bucket, Key: key }));
    const bytes = await got.Body?.transformToByteArray();
    const tagging = await side.client.send(new GetObjectTaggingCommand({ Bucket: side.bucket, Key: key }));
    return {
      key,
      sha256: createHash("sha256")
        .update(bytes ?? new Uint8Array())
        .digest("hex"),
      metadata: got.Metadata ?? {},
      tags: Object.fromEntries((tagging.TagSet ?? []).map((t) => [t.Key ?? "", t.Value ?? ""])),
    };
  } catch (error) {
    const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (e.name === "NoSuchKey" || e.$metadata?.httpStatusCode === 404) return undefined;
    throw error;
  }
}

/** Checks both sides; resolves with every problem found. */
export async function checkConsistency(input: ConsistencyInput): Promise<ConsistencyReport> {
  const problems: string[] = [];
  const notReplicated = input.notReplicated ?? ["quarantine/"];
  const sovereignKeys = (await currentKeys(input.sovereign)).filter(
    (k) => !isSyncRecordKey(k) && !notReplicated.some((p) => k.startsWith(p)),
  );
  const commercialKeys = await currentKeys(input.commercial);
  const sovereign = new Map<string, Found>();
  for (const key of sovereignKeys) {
    const found = await read(input.sovereign, key);
    if (found !== undefined) sovereign.set(key, found);
  }

  let replicasVerified = 0;
  for (const s of sovereign.values()) {
    const dataClass = s.tags[DATA_CLASS_TAG];
    if (dataClass === undefined || !input.crossingClasses.includes(dataClass)) continue;
    const replicaKey = await recordedReplicaKey(input.index, s.key);
    if (replicaKey === undefined) {
      problems.push(`${s.key}: crossing class ${dataClass}, but the standby index names no replica`);
      continue;
    }
    const replica = await read(input.commercial, replicaKey);
    if (replica === undefined) problems.push(`${s.key}: no replica at ${replicaKey} on the commercial side`);
    else if (replica.sha256 !== s.sha256)
      problems.push(`${s.key}: replica ${replicaKey} differs (SHA-256 ${replica.sha256} against ${s.sha256})`);
    else replicasVerified += 1;
  }

  const leaks = (text: string) => input.sovereignPseudonyms.filter((p) => text.includes(p));
  for (const key of commercialKeys) {
    const c = await read(input.commercial, key);
    if (c === undefined) continue;
    const home = await recordedSovereignKey(input.index, key);
    const s = sovereign.get(home);
    if (input.erased.includes(home)) problems.push(`${key}: replica of the erased ${home} is still current`);
    else if (s === undefined)
      problems.push(`${key}: on the commercial side, with no current sovereign object (${home})`);
    else if (s.sha256 !== c.sha256) problems.push(`${key}: differs from its sovereign object ${home}`);
    const dataClass = c.tags[DATA_CLASS_TAG];
    if (dataClass === undefined || !input.crossingClasses.includes(dataClass))
      problems.push(`${key}: data class ${dataClass ?? "(none)"} may not be on the commercial side`);
    const texts = [key, ...Object.values(c.metadata), ...Object.values(c.tags)];
    for (const p of new Set(texts.flatMap(leaks)))
      problems.push(`${key}: names the sovereign pseudonym ${p} on the commercial side`);
    if (c.metadata[STANDBY_PSEUDONYM_METADATA] !== undefined)
      problems.push(`${key}: carries ${STANDBY_PSEUDONYM_METADATA} metadata, which stays sovereign`);
  }

  if (input.outageInbox !== undefined) problems.push(...(await inboxLeftovers(input.outageInbox)));
  for (const key of input.erased) {
    if (sovereign.has(key) || (await read(input.sovereign, key)) !== undefined)
      problems.push(`${key}: erased, but still current on the sovereign side`);
  }
  return {
    sovereignObjects: sovereign.size,
    commercialObjects: commercialKeys.length,
    replicasVerified,
    problems,
  };
}

/** Every version or delete marker still in the outage inbox (after failback it holds nothing). */
async function inboxLeftovers(inbox: BucketSide): Promise<string[]> {
  const left: string[] = [];
  let keyMarker: string | undefined;
  let versionMarker: string | undefined;
  do {
    const page = await inbox.client.send(
      new ListObjectVersionsCommand({
        Bucket: inbox.bucket,
        ...(keyMarker === undefined ? {} : { KeyMarker: keyMarker, VersionIdMarker: versionMarker }),
      }),
    );
    for (const v of [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])])
      left.push(`${v.Key}: still in the outage inbox ${inbox.bucket} (version ${v.VersionId}), not brought home`);
    const more = page.IsTruncated === true;
    keyMarker = more ? page.NextKeyMarker : undefined;
    versionMarker = more ? page.NextVersionIdMarker : undefined;
  } while (keyMarker !== undefined);
  return left;
}
