import { DeleteObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { downloadApiEvent } from "../../test/s3/browser-upload";
import { failback } from "../../functions/cross-partition-sync/failback";
import { recordedSovereignKey, s3StandbyIndex } from "../../functions/cross-partition-sync/standby-index";
import { placesOf } from "../../functions/subject-requests/run";
import { eraseSubject } from "../../functions/subject-requests/erase";
import type { RequestRecord } from "../../functions/subject-requests/request";
import { Pseudonyms, STANDBY_DOMAIN, STANDBY_PSEUDONYM_METADATA } from "../../functions/shared/pseudonym";
import {
  must,
  type Options,
  type Rig,
  replicateOne,
  type Scrubbed,
  SOVEREIGN_MAC,
  STANDBY_MAC,
  SUBJECTS,
  s3Event,
  sha256,
  since,
  type Uploaded,
  uploadAndScrub,
  uploadOne,
  versioned,
} from "./rig";

export interface Before {
  readonly uploaded: readonly Uploaded[];
  readonly erased: Uploaded;
  readonly sovereignOnlyKey: string;
  readonly erasure: SubjectErasure;
  /** Scrubbed just before the outage; its sync runs into the outage. */
  readonly inFlight: Scrubbed;
}

export interface SubjectErasure {
  readonly tenant: string;
  readonly subject: string;
  /** The subject's objects before the erasure. */
  readonly objects: readonly Uploaded[];
  readonly places: number;
  readonly erasedVersions: number;
}

export async function ensureVersioned(client: S3Client, bucket: string): Promise<void> {
  try {
    await versioned(client, bucket);
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name !== "BucketAlreadyOwnedByYou" && name !== "BucketAlreadyExists") throw error;
  }
}

/**
 * A data-subject erasure of one subject, as an approved request's run does it: every place of the
 * run function's PLACES (both partitions; the commercial ones by the standby pseudonym, the standby
 * index records with the objects), every version and delete marker, each place confirmed.
 */
export async function eraseOneSubject(r: Rig, objects: readonly Uploaded[]): Promise<SubjectErasure> {
  const { tenant, subject } = objects[0] as Uploaded;
  const runPlaces = JSON.parse(r.world.env.subjectRun.PLACES ?? "[]") as {
    name: string;
    bucket: string;
    partition?: "sovereign" | "commercial";
    standbyIndex?: boolean;
  }[];
  const withClients = runPlaces.map((p) => ({
    ...p,
    client: p.partition === "commercial" ? r.commercial : r.sovereign,
  }));
  for (const p of withClients) await ensureVersioned(p.client, p.bucket);
  const request: RequestRecord = {
    id: "00000000-0000-4000-8000-00000000e1a5",
    tenant,
    pseudonym: await new Pseudonyms(SOVEREIGN_MAC).of(tenant, subject),
    standbyPseudonym: await new Pseudonyms(STANDBY_MAC, undefined, STANDBY_DOMAIN).of(tenant, subject),
    kind: "erase",
    reason: "outage drill",
    requestedBy: "drill",
    requestedAt: new Date().toISOString(),
  };
  const report = await eraseSubject({ tenant, pseudonym: request.pseudonym }, placesOf(request, withClients));
  const unconfirmed = report.places.filter((p) => !p.confirmed);
  if (unconfirmed.length > 0)
    throw new Error(
      `the erasure is not confirmed in ${unconfirmed.map((p) => `${p.name} (${p.error ?? "versions remain"})`).join(", ")}`,
    );
  return {
    tenant,
    subject,
    objects,
    places: report.places.length,
    erasedVersions: report.places.reduce((n, p) => n + p.erased.length, 0),
  };
}

/** Step 1: uploads, a deletion that reaches the replica, and a sovereign-only object the sync refuses. */
export async function beforeOutage(r: Rig, options: Options): Promise<Before> {
  const uploaded: Uploaded[] = [];
  let seed = 1;
  for (const tenant of r.world.tenants)
    for (const subject of SUBJECTS)
      for (let i = 0; i < options.objectsPerSubject; i++) uploaded.push(await uploadOne(r, tenant, subject, seed++));
  // The owner deletes one object: the delete marker's event reaches the replica through the index.
  const erased = uploaded[0] as Uploaded;
  const deleted = await r.sovereign.send(new DeleteObjectCommand({ Bucket: r.cleanBucket, Key: erased.sovereignKey }));
  const removal = await r.syncHandler(
    s3Event("ObjectRemoved:DeleteMarkerCreated", r.cleanBucket, erased.sovereignKey, deleted.VersionId),
  );
  if (removal.outcomes[0]?.outcome !== "deleted")
    throw new Error(
      `the deletion of ${erased.sovereignKey} did not reach the replica: ${JSON.stringify(removal.outcomes)}`,
    );
  // An object of a sovereign-only class in the same bucket, with a standby pseudonym: refused.
  const owner = uploaded[0] as Uploaded;
  const pseudonym = owner.sovereignKey.split("/")[1] ?? "";
  const sovereignOnlyKey = `${owner.tenant}/${pseudonym}/00000000-0000-4000-8000-00000000d011`;
  const put = await r.sovereign.send(
    new PutObjectCommand({
      Bucket: r.cleanBucket,
      Key: sovereignOnlyKey,
      Body: "sovereign only",
      Tagging: `data-class=${r.world.sovereignOnlyClass}`,
      Metadata: { [STANDBY_PSEUDONYM_METADATA]: "0".repeat(32) },
    }),
  );
  const refused = await r.syncHandler(s3Event("ObjectCreated:Put", r.cleanBucket, sovereignOnlyKey, put.VersionId));
  if (refused.outcomes[0]?.outcome !== "refused")
    throw new Error(
      `the sync did not refuse a ${r.world.sovereignOnlyClass} object: ${JSON.stringify(refused.outcomes)}`,
    );
  // A data-subject erasure of the first tenant's second subject, in both partitions.
  const first = r.world.tenants[0] as string;
  const victim = uploaded.filter((u) => u.tenant === first && u.subject === SUBJECTS[1]);
  const erasure = await eraseOneSubject(r, victim);
  // The last object before the outage: scrubbed, its replication not yet done when the outage starts.
  const inFlight = await uploadAndScrub(r, r.world.tenants.at(-1) as string, SUBJECTS[0] as string, seed++);
  return {
    uploaded: uploaded.filter((u) => u !== erased && !victim.includes(u)),
    erased,
    sovereignOnlyKey,
    erasure,
    inFlight,
  };
}

export interface Outage {
  readonly recoveryTimeMs: number;
  readonly sovereignAttemptMs: number;
  readonly readsServed: number;
  readonly refusedAsExpected: number;
  /** The in-flight object's sync failed while the sovereign side was down (as it must: nothing lost, retried). */
  readonly inFlightSyncFailed: boolean;
  /** The in-flight object was not on the standby during the outage: the loss window of the recovery point. */
  readonly inFlightMissingOnStandby: boolean;
  readonly problems: readonly string[];
}

/** A client's read of one object: the sovereign path first, then the standby; the bytes it got. */
export async function readAsClient(
  r: Rig,
  u: Uploaded,
): Promise<{ bytes: Uint8Array | undefined; side: string; sovereignMs: number }> {
  const claims = { tenant: u.tenant, sub: u.subject };
  const t = performance.now();
  const first = await r.sovereignRead(downloadApiEvent(claims, u.id));
  const sovereignMs = since(t);
  const answer = first.statusCode === 200 ? first : await r.standbyRead(downloadApiEvent(claims, u.id));
  if (answer.statusCode !== 200) return { bytes: undefined, side: "none", sovereignMs };
  const { url } = JSON.parse(answer.body) as { url: string };
  const response = await fetch(url);
  if (!response.ok) return { bytes: undefined, side: "none", sovereignMs };
  return {
    bytes: new Uint8Array(await response.arrayBuffer()),
    side: first.statusCode === 200 ? "sovereign" : "standby",
    sovereignMs,
  };
}

/** Step 2: the sovereign side stops; the first read, then every subject's objects from the standby. */
export async function duringOutage(r: Rig, before: Before): Promise<Outage> {
  const problems: string[] = [];
  const last = before.uploaded.at(-1) as Uploaded;
  const started = performance.now();
  r.sovereignGw.pause();
  const first = await readAsClient(r, last);
  const recoveryTimeMs = since(started);
  if (first.side !== "standby" || first.bytes === undefined || sha256(first.bytes) !== last.sha256)
    problems.push(
      `the first read during the outage was not served by the standby with the right bytes (${first.side})`,
    );
  let readsServed = first.side === "standby" ? 1 : 0;
  let refusedAsExpected = 0;
  const owners = new Map(before.uploaded.map((u) => [`${u.tenant}\0${u.subject}`, u]));
  for (const owner of owners.values()) {
    const claims = { tenant: owner.tenant, sub: owner.subject };
    const listed = must(await r.standbyRead(downloadApiEvent(claims)), 200, "standby listing") as {
      objects: { id: string }[];
    };
    const expected = before.uploaded.filter((u) => u.tenant === owner.tenant && u.subject === owner.subject);
    const ids = listed.objects.map((o) => o.id).sort();
    if (
      ids.join() !==
      expected
        .map((u) => u.id)
        .sort()
        .join()
    )
      problems.push(
        `standby listing of ${owner.tenant}/${owner.subject}: ${ids.length} objects, expected ${expected.length}`,
      );
    for (const u of expected) {
      const issued = must(await r.standbyRead(downloadApiEvent(claims, u.id)), 200, `standby read of ${u.id}`) as {
        url: string;
      };
      const got = new Uint8Array(await (await fetch(issued.url)).arrayBuffer());
      if (sha256(got) === u.sha256) readsServed += 1;
      else problems.push(`standby read of ${u.tenant}/${u.id}: different bytes`);
    }
  }
  // The deleted object and the sovereign-only one are not served by the standby.
  const erasedClaims = { tenant: before.erased.tenant, sub: before.erased.subject };
  if ((await r.standbyRead(downloadApiEvent(erasedClaims, before.erased.id))).statusCode === 404)
    refusedAsExpected += 1;
  else problems.push(`the standby serves ${before.erased.id}, deleted before the outage`);
  const onlyId = before.sovereignOnlyKey.split("/").at(-1) ?? "";
  if ((await r.standbyRead(downloadApiEvent(erasedClaims, onlyId))).statusCode === 404) refusedAsExpected += 1;
  else problems.push("the standby serves an object of a sovereign-only class");
  // The subject erased by a data-subject request: nothing listed, nothing served.
  const { erasure } = before;
  const victim = { tenant: erasure.tenant, sub: erasure.subject };
  const listed = must(await r.standbyRead(downloadApiEvent(victim)), 200, "standby listing") as { objects: unknown[] };
  if (listed.objects.length > 0)
    problems.push(`the standby lists ${listed.objects.length} objects of the erased subject`);
  for (const u of erasure.objects) {
    if ((await r.standbyRead(downloadApiEvent(victim, u.id))).statusCode === 404) refusedAsExpected += 1;
    else problems.push(`the standby serves ${u.id} of the erased subject`);
  }
  // The object scrubbed just before the outage: its sync cannot read the source now, and fails (Lambda
  // retries the event; after the retries the dead-letter queue keeps it for replay). The standby does
  // not have it yet.
  const { inFlight } = before;
  const inFlightSyncFailed = await r
    .syncHandler(s3Event("ObjectCreated:Put", r.cleanBucket, inFlight.key, inFlight.versionId))
    .then(
      () => false,
      () => true,
    );
  if (!inFlightSyncFailed) problems.push("the sync of the in-flight object succeeded with the sovereign side down");
  const owner = { tenant: inFlight.tenant, sub: inFlight.subject };
  const inFlightMissingOnStandby = (await r.standbyRead(downloadApiEvent(owner, inFlight.id))).statusCode === 404;
  if (!inFlightMissingOnStandby) problems.push("the standby serves the in-flight object, which was never replicated");
  return {
    recoveryTimeMs,
    sovereignAttemptMs: first.sovereignMs,
    readsServed,
    refusedAsExpected,
    inFlightSyncFailed,
    inFlightMissingOnStandby,
    problems,
  };
}

/** Step 3: the sovereign side returns; failback over the outage window. */
export async function afterOutage(r: Rig, before: Before, outageStart: Date) {
  r.sovereignGw.resume();
  const back = performance.now();
  for (;;) {
    try {
      await r.sovereign.send(new HeadObjectCommand({ Bucket: r.cleanBucket, Key: "sip-drill-probe" }));
      break;
    } catch (error) {
      if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) break;
      if (since(back) > 30_000) throw new Error("the sovereign gateway did not answer within 30 s of the outage's end");
    }
  }
  // The in-flight object's event again, as Lambda's retry (or a replay from the dead-letter queue) sends it.
  const inFlight = await replicateOne(r, before.inFlight);
  const index = s3StandbyIndex(r.sovereign, r.cleanBucket);
  const result = await failback({
    source: { client: r.commercial, partition: r.world.commercial.partition, bucket: r.failoverBucket },
    target: {
      client: r.sovereign,
      partition: r.world.sovereign.partition,
      bucket: r.cleanBucket,
      kmsKeyId: String(r.world.env.scrub.CLEAN_KMS_KEY_ID),
    },
    since: outageStart,
    policy: r.sync.policy,
    sovereignKeyOf: (key) => recordedSovereignKey(index, key),
  });
  return { sovereignAnsweringMs: since(back), failback: result.summary, index, inFlight };
}
