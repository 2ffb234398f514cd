/**
 * `make drill`: the outage drill on loopback (issue 17 item 4). Two Ceph RADOS Gateways stand for
 * the partitions; the functions are the production handlers with the environment the example stack
 * gives them (tools/drill/world.ts). Steps:
 *
 * 1. Before the outage: subjects of two tenants upload through the upload function's pre-signed POST,
 *    the scrub function writes the clean copies, the sync function replicates them under the standby
 *    pseudonym; one object is deleted by its owner (the delete reaches the replica), one object of a
 *    sovereign-only data class sits in the clean bucket (the sync refuses it).
 * 2. The outage: the sovereign gateway stops answering (pause). A client reads its object through the
 *    sovereign read path, gives up after its timeout, and reads it from the standby: the standby
 *    function `<env>-standby-download` (the download function with PSEUDONYM_DOMAIN=standby over the
 *    commercial failover bucket, as the example deploys it). Every subject's
 *    objects are then listed and read from the standby and compared byte for byte.
 * 3. The sovereign side returns; the sync of the object scrubbed just before the outage, which failed
 *    during it, is retried and replicates it; failback runs over the outage window.
 * 4. The consistency check (tools/drill/consistency.ts).
 *
 * Figures: the recovery point (replication lag of the last object written before the outage) and
 * the recovery time as simulated (outage start to the first successful standby read). Writes during
 * the outage are reported as not exercised: the standby has no upload route (outage writes are not built).
 * Authorization is not what the drill checks (the gateways' admin credentials are used): the
 * authorization proof covers these calls. Exit 0 when consistent, 1 on any inconsistency or failed
 * step, 64 on a usage error.
 */
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { startRadosGateway, type RadosGateway } from "../../test/s3/radosgw";
import { downloadApiEvent, submitForm, uploadApiEvent } from "../../test/s3/browser-upload";
import { DHT_CODED, DQT, EOI, SOI, codedScan, exifApp1, sof, sos } from "../../test/support/image-scrub/fixtures";
import { createUploadHandler } from "../../functions/upload-presign/handler";
import { loadUploadSettings } from "../../functions/upload-presign/env";
import { createScrubHandler } from "../../functions/image-scrub/scrub-handler";
import { parseScrubEnv, scrubConfig } from "../../functions/image-scrub/env";
import { createSyncHandler } from "../../functions/cross-partition-sync/handler";
import { parseSyncEnv, syncConfig } from "../../functions/cross-partition-sync/env";
import { failback } from "../../functions/cross-partition-sync/failback";
import { recordedSovereignKey, s3StandbyIndex } from "../../functions/cross-partition-sync/standby-index";
import { createDownloadHandler } from "../../functions/download-presign/handler";
import { downloadPseudonyms, loadDownloadSettings } from "../../functions/download-presign/env";
import { placesOf } from "../../functions/subject-requests/run";
import { eraseSubject } from "../../functions/subject-requests/erase";
import type { RequestRecord } from "../../functions/subject-requests/request";
import { localMac, Pseudonyms, STANDBY_DOMAIN, STANDBY_PSEUDONYM_METADATA } from "../../functions/shared/pseudonym";
import { createLogger } from "../../functions/shared/logger";
import type { HttpApiResult } from "../../functions/shared/http-api";
import { checkConsistency, type ConsistencyReport } from "./consistency";
import { type DrillWorld, synthesizedWorld } from "./world";

const USAGE = `Usage: node dist/drill.mjs [--objects-per-subject N] [--report FILE] [--client-timeout-ms MS]

The outage drill on loopback: two Ceph gateways as the two partitions; upload, scrub and sync; the
sovereign side stops; reads are served from the commercial standby; the sovereign side returns;
failback; a consistency check. Prints the recovery figures and writes a JSON report.

Options:
  --objects-per-subject N  objects each subject uploads before the outage (default 2, 1-20)
  --client-timeout-ms MS   how long the client waits for the sovereign side before it fails over (default 1000)
  --report FILE            the JSON report (default dist/drill-report.json)
  -h, --help               show this help

Exit status: 0 consistent, 1 an inconsistency or a failed step, 64 usage error.
Needs radosgw, ceph-mon and ceph-osd (sudo apt-get install -y radosgw ceph-mon ceph-osd).`;

/** Test-only key material: the drill's two HMAC keys (KMS holds the real ones). */
const SOVEREIGN_MAC = localMac(Buffer.from("drill: sovereign pseudonym key (test material)"));
const STANDBY_MAC = localMac(Buffer.from("drill: standby pseudonym key (test material, both partitions)"));
const SUBJECTS = ["alice@example.org", "bob@example.org"];

const progress = (line: string) => process.stderr.write(`[drill] ${line}\n`);
const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const since = (t: number) => Math.round(performance.now() - t);
const quiet = (service: string) => createLogger(service, { write: () => undefined });

interface Options {
  readonly objectsPerSubject: number;
  readonly clientTimeoutMs: number;
  readonly report: string;
}

interface Uploaded {
  readonly tenant: string;
  readonly subject: string;
  readonly id: string;
  readonly sovereignKey: string;
  readonly sha256: string;
  /** Replication lag: clean copy written to replica written, ms. */
  readonly lagMs: number;
}

function parse(argv: string[]): Options | { usage: string } | "help" {
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        "objects-per-subject": { type: "string" },
        "client-timeout-ms": { type: "string" },
        report: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) return "help";
    const whole = (name: string, raw: string | undefined, fallback: number, min: number, max: number) => {
      const n = raw === undefined ? fallback : Number(raw);
      if (!Number.isInteger(n) || n < min || n > max)
        throw new Error(`--${name} must be a whole number of ${min}-${max}`);
      return n;
    };
    return {
      objectsPerSubject: whole("objects-per-subject", values["objects-per-subject"], 2, 1, 20),
      clientTimeoutMs: whole("client-timeout-ms", values["client-timeout-ms"], 1000, 100, 60_000),
      report: resolve(values.report ?? "dist/drill-report.json"),
    };
  } catch (error) {
    return { usage: error instanceof Error ? error.message : String(error) };
  }
}

/** A small baseline JPEG with EXIF (which the scrubber removes) and entropy data unique to `seed`. */
function photo(seed: number): Buffer {
  return Buffer.concat([SOI, exifApp1(6), DQT, DHT_CODED, sof(0xc0, 16, 16), sos(), codedScan(4, { seed }), EOI]);
}

/** An S3 event notification of one object, as the functions receive it. */
function s3Event(eventName: string, bucket: string, key: string, versionId?: string) {
  return { Records: [{ eventName, s3: { bucket: { name: bucket }, object: { key, versionId } } }] };
}

function must(result: HttpApiResult, status: number, what: string): Record<string, unknown> {
  if (result.statusCode !== status) throw new Error(`${what}: HTTP ${result.statusCode} ${result.body}`);
  return JSON.parse(result.body) as Record<string, unknown>;
}

async function versioned(client: S3Client, bucket: string): Promise<void> {
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  await client.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
}

/** Everything the drill's steps use: clients, buckets and the functions' handlers. */
interface Rig {
  readonly world: DrillWorld;
  readonly sovereignGw: RadosGateway;
  readonly sovereign: S3Client;
  readonly commercial: S3Client;
  readonly uploadBucket: string;
  readonly cleanBucket: string;
  readonly failoverBucket: string;
  readonly sync: ReturnType<typeof syncConfig>;
  readonly upload: ReturnType<typeof createUploadHandler>;
  readonly scrub: ReturnType<typeof createScrubHandler>;
  readonly syncHandler: ReturnType<typeof createSyncHandler>;
  readonly sovereignRead: ReturnType<typeof createDownloadHandler>;
  readonly standbyRead: ReturnType<typeof createDownloadHandler>;
}

/** The clients, buckets and handlers, wired as the example stack wires the functions. */
async function rig(
  world: DrillWorld,
  sovereignGw: RadosGateway,
  commercialGw: RadosGateway,
  options: Options,
): Promise<Rig> {
  const on = (gw: RadosGateway, env: Readonly<Record<string, string>>): Record<string, string> => ({
    ...env,
    S3_ENDPOINT: gw.endpoint,
    S3_FORCE_PATH_STYLE: "true",
  });
  const sovereign = sovereignGw.client({ requestChecksumCalculation: "WHEN_REQUIRED" });
  const commercial = commercialGw.client({ requestChecksumCalculation: "WHEN_REQUIRED" });
  // The client of the sovereign read path gives up after its timeout, as a browser or SDK would.
  const sovereignReads = sovereignGw.client({
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: options.clientTimeoutMs,
      requestTimeout: options.clientTimeoutMs,
      throwOnRequestTimeout: true,
    }),
  });
  const uploadEnv = on(sovereignGw, world.env.upload);
  const scrubEnv = on(sovereignGw, world.env.scrub);
  const sync = syncConfig(parseSyncEnv(on(sovereignGw, world.env.sync)));
  const uploadBucket = String(uploadEnv.UPLOAD_BUCKET);
  const cleanBucket = String(scrubEnv.CLEAN_BUCKET);
  for (const b of [uploadBucket, cleanBucket]) await versioned(sovereign, b);
  await versioned(commercial, sync.targetBucket);
  const standbySettings = loadDownloadSettings(on(commercialGw, world.env.standbyDownload));
  if (!(standbySettings instanceof Error) && standbySettings.config.bucket !== sync.targetBucket)
    throw new Error(`the standby serves ${standbySettings.config.bucket}, the sync writes ${sync.targetBucket}`);
  return {
    world,
    sovereignGw,
    sovereign,
    commercial,
    uploadBucket,
    cleanBucket,
    failoverBucket: sync.targetBucket,
    sync,
    upload: createUploadHandler({
      settings: loadUploadSettings(uploadEnv),
      s3: sovereign,
      pseudonyms: new Pseudonyms(SOVEREIGN_MAC),
      standbyPseudonyms: new Pseudonyms(STANDBY_MAC, undefined, STANDBY_DOMAIN),
      logger: quiet("upload-presign"),
    }),
    scrub: createScrubHandler({
      s3: sovereign,
      config: scrubConfig(parseScrubEnv(scrubEnv)),
      logger: quiet("image-scrub"),
    }),
    syncHandler: createSyncHandler({
      config: sync,
      // Lambda ends an invocation that hangs at its timeout; here the client's own timeout does it.
      source: sovereignGw.client({
        requestChecksumCalculation: "WHEN_REQUIRED",
        maxAttempts: 2,
        requestHandler: new NodeHttpHandler({
          requestTimeout: 3 * options.clientTimeoutMs,
          throwOnRequestTimeout: true,
        }),
      }),
      target: commercial,
      logger: quiet("cross-partition-sync"),
    }),
    sovereignRead: createDownloadHandler({
      s3: sovereignReads,
      settings: loadDownloadSettings(on(sovereignGw, world.env.download)),
      pseudonyms: new Pseudonyms(SOVEREIGN_MAC),
      logger: quiet("download-presign"),
    }),
    // The standby: the synthesized standby function's environment (PSEUDONYM_DOMAIN=standby over the
    // failover bucket), its pseudonyms under the standby key's material.
    standbyRead: createDownloadHandler({
      s3: commercial,
      settings: standbySettings,
      pseudonyms: standbySettings instanceof Error ? undefined : downloadPseudonyms(standbySettings, STANDBY_MAC),
      logger: quiet("download-presign"),
    }),
  };
}

async function bytesOf(client: S3Client, bucket: string, key: string): Promise<Uint8Array> {
  const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await got.Body?.transformToByteArray()) ?? new Uint8Array();
}

/** One subject's object: uploaded, scrubbed and replicated, with the replication lag measured. */
/** An object uploaded and scrubbed, not yet replicated: where its clean copy is, and when it was written. */
interface Scrubbed {
  readonly tenant: string;
  readonly subject: string;
  readonly id: string;
  readonly key: string;
  readonly versionId: string | undefined;
  readonly sha256: string;
  /** performance.now() when the clean copy was written. */
  readonly cleanAt: number;
}

/** One subject's object: uploaded through the pre-signed POST, and scrubbed into the clean bucket. */
async function uploadAndScrub(r: Rig, tenant: string, subject: string, seed: number): Promise<Scrubbed> {
  const bytes = photo(seed);
  const fileName = `photo-${seed}.jpg`;
  const issued = await r.upload(
    uploadApiEvent(
      { tenant, subject },
      { fileName, contentType: "image/jpeg", sizeBytes: bytes.length, dataClass: r.world.uploadClass },
    ),
  );
  if (issued.statusCode !== 200) throw new Error(`upload refused: HTTP ${issued.statusCode} ${issued.body}`);
  const { post, status } = await submitForm(issued, bytes, fileName);
  if (status < 200 || status > 299) throw new Error(`the upload form was refused: HTTP ${status}`);
  const scrubbed = await r.scrub(s3Event("ObjectCreated:Post", r.uploadBucket, post.key));
  const outcome = scrubbed.records[0];
  if (outcome?.outcome !== "scrubbed") throw new Error(`scrub of ${post.key}: ${JSON.stringify(outcome)}`);
  const head = await r.sovereign.send(new HeadObjectCommand({ Bucket: r.cleanBucket, Key: post.key }));
  return {
    tenant,
    subject,
    id: post.key.split("/").at(-1) ?? "",
    key: post.key,
    versionId: head.VersionId,
    sha256: sha256(await bytesOf(r.sovereign, r.cleanBucket, post.key)),
    cleanAt: performance.now(),
  };
}

/** The clean copy's event to the sync function; the replication lag is measured from the clean write. */
async function replicateOne(r: Rig, o: Scrubbed): Promise<Uploaded> {
  const synced = await r.syncHandler(s3Event("ObjectCreated:Put", r.cleanBucket, o.key, o.versionId));
  const lagMs = performance.now() - o.cleanAt;
  if (synced.outcomes[0]?.outcome !== "copied") throw new Error(`sync of ${o.key}: ${JSON.stringify(synced.outcomes)}`);
  return { tenant: o.tenant, subject: o.subject, id: o.id, sovereignKey: o.key, sha256: o.sha256, lagMs };
}

async function uploadOne(r: Rig, tenant: string, subject: string, seed: number): Promise<Uploaded> {
  return replicateOne(r, await uploadAndScrub(r, tenant, subject, seed));
}

interface Before {
  readonly uploaded: readonly Uploaded[];
  readonly erased: Uploaded;
  readonly sovereignOnlyKey: string;
  readonly erasure: SubjectErasure;
  /** Scrubbed just before the outage; its sync runs into the outage. */
  readonly inFlight: Scrubbed;
}

interface SubjectErasure {
  readonly tenant: string;
  readonly subject: string;
  /** The subject's objects before the erasure. */
  readonly objects: readonly Uploaded[];
  readonly places: number;
  readonly erasedVersions: number;
}

async function ensureVersioned(client: S3Client, bucket: string): Promise<void> {
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
async function eraseOneSubject(r: Rig, objects: readonly Uploaded[]): Promise<SubjectErasure> {
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
async function beforeOutage(r: Rig, options: Options): Promise<Before> {
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

interface Outage {
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
async function readAsClient(
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
async function duringOutage(r: Rig, before: Before): Promise<Outage> {
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
async function afterOutage(r: Rig, before: Before, outageStart: Date) {
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

const stats = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => Math.round(s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN);
  return { min: at(0), median: at(0.5), max: at(1) };
};

async function drill(world: DrillWorld, gateways: [RadosGateway, RadosGateway], options: Options) {
  const [sovereignGw, commercialGw] = gateways;
  const r = await rig(world, sovereignGw, commercialGw, options);
  const before = await beforeOutage(r, options);
  progress(
    `${before.uploaded.length + 1 + before.erasure.objects.length} objects uploaded, scrubbed and replicated; one deleted by its owner; ${before.erasure.objects.length} erased with their subject (${before.erasure.erasedVersions} versions in ${before.erasure.places} places); one more scrubbed, its sync not yet run; the sovereign side stops`,
  );
  const outageStart = new Date(Math.floor(Date.now() / 1000) * 1000);
  const outage = await duringOutage(r, before);
  progress(
    `first standby read after ${outage.recoveryTimeMs} ms; ${outage.readsServed} reads served; the sovereign side returns`,
  );
  const after = await afterOutage(r, before, outageStart);
  progress("failback done; checking both sides");
  const sovereignPseudonyms = new Pseudonyms(SOVEREIGN_MAC);
  const subjects = [...new Set(before.uploaded.map((u) => `${u.tenant}\0${u.subject}`))];
  const consistency: ConsistencyReport = await checkConsistency({
    sovereign: { client: r.sovereign, bucket: r.cleanBucket },
    commercial: { client: r.commercial, bucket: r.failoverBucket },
    index: after.index,
    crossingClasses: r.sync.policy.allowedDataClasses,
    erased: [before.erased.sovereignKey, ...before.erasure.objects.map((u) => u.sovereignKey)],
    sovereignPseudonyms: await Promise.all(
      subjects.map((s) => sovereignPseudonyms.of(s.split("\0")[0] ?? "", s.split("\0")[1] ?? "")),
    ),
  });
  const lags = [...before.uploaded, before.erased, ...before.erasure.objects].map((u) => u.lagMs);
  const problems = [...outage.problems, ...consistency.problems];
  return {
    drill: "outage",
    measured: "on loopback: two Ceph RADOS Gateways as the partitions, the functions' production handlers",
    environment: { node: process.version, sovereign: world.sovereign.region, commercial: world.commercial.region },
    objects: {
      uploaded: lags.length + 1,
      deletedBeforeOutage: 1,
      sovereignOnly: 1,
      erasedBySubjectRequest: before.erasure.objects.length,
    },
    subjectErasure: {
      meaning: "one subject erased before the outage as an approved request's run does it, in both partitions",
      places: before.erasure.places,
      versionsErased: before.erasure.erasedVersions,
    },
    recoveryPoint: {
      meaning:
        "replication lag (clean copy written to replica written) of the last object replicated before the outage; what was written within that lag of the outage is missing on the standby until the sovereign side returns",
      lastObjectMs: Math.round((before.uploaded.at(-1) as Uploaded).lagMs),
      replicationLagMs: stats(lags),
      inFlight: {
        meaning: "an object scrubbed just before the outage, its sync not yet run: the outage interrupts it",
        syncFailedDuringOutage: outage.inFlightSyncFailed,
        missingOnStandbyDuringOutage: outage.inFlightMissingOnStandby,
        replicatedAfterReturnMs: Math.round(after.inFlight.lagMs),
      },
    },
    recoveryTime: {
      meaning:
        "as simulated: outage start to the first successful standby read, the client's timeout on the sovereign side included; DNS failover (health checks and record TTL) adds its own time in a deployment",
      firstStandbyReadMs: outage.recoveryTimeMs,
      ...(world.dnsFailover === undefined
        ? {}
        : {
            dnsFailoverSeconds: {
              meaning:
                "what DNS failover adds in a deployment, at most: health check interval x failure threshold, then the record's TTL",
              ...world.dnsFailover,
              atMost:
                world.dnsFailover.requestIntervalSeconds * world.dnsFailover.failureThreshold +
                world.dnsFailover.ttlSeconds,
            },
          }),
      clientTimeoutMs: options.clientTimeoutMs,
      sovereignAttemptMs: outage.sovereignAttemptMs,
    },
    outage: {
      readsServedByStandby: outage.readsServed,
      refusedAsExpected: outage.refusedAsExpected,
      writes: "not exercised: the standby's upload route is not built yet (uploads there are off by default)",
    },
    failback: { sovereignAnsweringAfterMs: after.sovereignAnsweringMs, summary: after.failback },
    consistency,
    problems,
    pass: problems.length === 0,
  };
}

export async function main(argv: string[]): Promise<number> {
  const options = parse(argv);
  if (options === "help") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if ("usage" in options) {
    process.stderr.write(`drill: ${options.usage}\n${USAGE}\n`);
    return 64;
  }
  progress("synthesizing the example");
  const world = synthesizedWorld();
  progress("starting two gateways (sovereign, commercial)");
  const started = await Promise.allSettled([
    startRadosGateway({
      name: "drill-sovereign",
      region: world.sovereign.region,
      kmsKeys: [...world.sovereign.kmsKeys],
    }),
    startRadosGateway({
      name: "drill-commercial",
      region: world.commercial.region,
      kmsKeys: [...world.commercial.kmsKeys],
    }),
  ]);
  const gateways = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  try {
    const failed = started.find((s) => s.status === "rejected");
    if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
    const report = await drill(world, gateways as [RadosGateway, RadosGateway], options);
    mkdirSync(dirname(options.report), { recursive: true });
    writeFileSync(options.report, `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(
      [
        `outage drill: ${report.pass ? "consistent" : "INCONSISTENT"} -> ${options.report}`,
        `  recovery point (replication lag of the last object before the outage): ${report.recoveryPoint.lastObjectMs} ms (all: min ${report.recoveryPoint.replicationLagMs.min}, median ${report.recoveryPoint.replicationLagMs.median}, max ${report.recoveryPoint.replicationLagMs.max})`,
        `  in flight at the outage: its sync ${report.recoveryPoint.inFlight.syncFailedDuringOutage ? "failed" : "DID NOT FAIL"} during the outage, ${report.recoveryPoint.inFlight.missingOnStandbyDuringOutage ? "missing" : "SERVED"} on the standby; replicated by the retry ${report.recoveryPoint.inFlight.replicatedAfterReturnMs} ms after its clean copy was written`,
        `  recovery time, simulated (outage to first standby read, client timeout ${options.clientTimeoutMs} ms): ${report.recoveryTime.firstStandbyReadMs} ms`,
        ...(report.recoveryTime.dnsFailoverSeconds === undefined
          ? []
          : [
              `  DNS failover in a deployment adds at most ${report.recoveryTime.dnsFailoverSeconds.atMost} s (health check ${report.recoveryTime.dnsFailoverSeconds.requestIntervalSeconds} s x ${report.recoveryTime.dnsFailoverSeconds.failureThreshold}, TTL ${report.recoveryTime.dnsFailoverSeconds.ttlSeconds} s)`,
            ]),
        `  reads served by the standby: ${report.outage.readsServedByStandby}; refused as expected: ${report.outage.refusedAsExpected}`,
        `  consistency: ${report.consistency.replicasVerified} replicas verified, ${report.consistency.sovereignObjects} sovereign and ${report.consistency.commercialObjects} commercial objects checked`,
        `  failback: ${JSON.stringify(report.failback.summary)}`,
        ...report.problems.map((p) => `  PROBLEM: ${p}`),
        "",
      ].join("\n"),
    );
    return report.pass ? 0 : 1;
  } catch (error) {
    process.stderr.write(`drill: failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await Promise.all(gateways.map((g) => g.stop()));
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`drill: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  },
);
