/**
 * The outage drill's rig (tools/drill/README.md): the test-only key material, the clients and
 * buckets of the two gateways, the functions' handlers wired with the example's environments, and
 * the upload → scrub → sync of one object.
 */
import { createHash } from "node:crypto";
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutBucketVersioningCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import type { RadosGateway } from "../../test/s3/radosgw";
import { submitForm, uploadApiEvent } from "../../test/s3/browser-upload";
import { DHT_CODED, DQT, EOI, SOI, codedScan, exifApp1, sof, sos } from "../../test/support/image-scrub/fixtures";
import { createUploadHandler } from "../../functions/upload-presign/handler";
import { loadUploadSettings, uploadPseudonyms } from "../../functions/upload-presign/env";
import { createScrubHandler } from "../../functions/image-scrub/scrub-handler";
import { parseScrubEnv, scrubConfig } from "../../functions/image-scrub/env";
import { createSyncHandler } from "../../functions/cross-partition-sync/handler";
import { parseSyncEnv, syncConfig } from "../../functions/cross-partition-sync/env";
import { createDownloadHandler } from "../../functions/download-presign/handler";
import { downloadPseudonyms, loadDownloadSettings } from "../../functions/download-presign/env";
import { localMac, Pseudonyms, STANDBY_DOMAIN } from "../../functions/shared/pseudonym";
import { createLogger } from "../../functions/shared/logger";
import type { HttpApiResult } from "../../functions/shared/http-api";
import type { DrillWorld } from "./world";

/** Test-only key material: the drill's two HMAC keys (KMS holds the real ones). */
export const SOVEREIGN_MAC = localMac(Buffer.from("drill: sovereign pseudonym key (test material)"));
export const STANDBY_MAC = localMac(Buffer.from("drill: standby pseudonym key (test material, both partitions)"));
export const SUBJECTS = ["alice@example.org", "bob@example.org"];

export const progress = (line: string) => process.stderr.write(`[drill] ${line}\n`);
export const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
export const since = (t: number) => Math.round(performance.now() - t);
export const quiet = (service: string) => createLogger(service, { write: () => undefined });

export interface Options {
  readonly objectsPerSubject: number;
  readonly clientTimeoutMs: number;
  readonly report: string;
}

export interface Uploaded {
  readonly tenant: string;
  readonly subject: string;
  readonly id: string;
  readonly sovereignKey: string;
  readonly sha256: string;
  /** Replication lag: clean copy written to replica written, ms. */
  readonly lagMs: number;
}

/** A small baseline JPEG with EXIF (which the scrubber removes) and entropy data unique to `seed`. */
export function photo(seed: number): Buffer {
  return Buffer.concat([SOI, exifApp1(6), DQT, DHT_CODED, sof(0xc0, 16, 16), sos(), codedScan(4, { seed }), EOI]);
}

/** An S3 event notification of one object, as the functions receive it. */
export function s3Event(eventName: string, bucket: string, key: string, versionId?: string) {
  return { Records: [{ eventName, s3: { bucket: { name: bucket }, object: { key, versionId } } }] };
}

export function must(result: HttpApiResult, status: number, what: string): Record<string, unknown> {
  if (result.statusCode !== status) throw new Error(`${what}: HTTP ${result.statusCode} ${result.body}`);
  return JSON.parse(result.body) as Record<string, unknown>;
}

export async function versioned(client: S3Client, bucket: string): Promise<void> {
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  await client.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
}

/** Everything the drill's steps use: clients, buckets and the functions' handlers. */
export interface Rig {
  readonly world: DrillWorld;
  readonly sovereignGw: RadosGateway;
  readonly sovereign: S3Client;
  readonly commercial: S3Client;
  readonly uploadBucket: string;
  readonly cleanBucket: string;
  readonly failoverBucket: string;
  /** The outage inbox (commercial): the standby's uploads during the outage, until failback brings them home. */
  readonly inboxBucket: string;
  readonly sync: ReturnType<typeof syncConfig>;
  readonly upload: ReturnType<typeof createUploadHandler>;
  readonly scrub: ReturnType<typeof createScrubHandler>;
  readonly syncHandler: ReturnType<typeof createSyncHandler>;
  readonly sovereignRead: ReturnType<typeof createDownloadHandler>;
  readonly standbyRead: ReturnType<typeof createDownloadHandler>;
  /** The standby's upload function (PSEUDONYM_DOMAIN=standby, subjects sealed), into the inbox. */
  readonly standbyUpload: ReturnType<typeof createUploadHandler>;
}

/** The clients, buckets and handlers, wired as the example stack wires the functions. */
export async function rig(
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
  const standbyUploadSettings = loadUploadSettings(on(commercialGw, world.env.standbyUpload));
  if (standbyUploadSettings instanceof Error) throw standbyUploadSettings;
  const inboxBucket = standbyUploadSettings.config.bucket;
  const { failback } = world.env;
  if (failback.OUTAGE_UPLOADS_BUCKET !== inboxBucket || failback.OUTAGE_HOME_BUCKET !== uploadBucket)
    throw new Error(
      `failback brings ${failback.OUTAGE_UPLOADS_BUCKET} home into ${failback.OUTAGE_HOME_BUCKET}; the standby uploads into ${inboxBucket}, the sovereign side into ${uploadBucket}`,
    );
  await versioned(commercial, inboxBucket);
  return {
    world,
    sovereignGw,
    sovereign,
    commercial,
    uploadBucket,
    cleanBucket,
    failoverBucket: sync.targetBucket,
    inboxBucket,
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
    standbyUpload: createUploadHandler({
      settings: standbyUploadSettings,
      s3: commercial,
      pseudonyms: uploadPseudonyms(standbyUploadSettings, STANDBY_MAC),
      logger: quiet("upload-presign"),
    }),
  };
}

export async function bytesOf(client: S3Client, bucket: string, key: string): Promise<Uint8Array> {
  const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await got.Body?.transformToByteArray()) ?? new Uint8Array();
}

/** An object uploaded and scrubbed, not yet replicated: where its clean copy is, and when it was written. */
export interface Scrubbed {
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
export async function uploadAndScrub(r: Rig, tenant: string, subject: string, seed: number): Promise<Scrubbed> {
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
  return scrubOne(r, tenant, subject, post.key);
}

/** The scrubber's run on an original of the sovereign originals bucket (its S3 event), into the clean bucket. */
export async function scrubOne(r: Rig, tenant: string, subject: string, key: string): Promise<Scrubbed> {
  const scrubbed = await r.scrub(s3Event("ObjectCreated:Post", r.uploadBucket, key));
  const outcome = scrubbed.records[0];
  if (outcome?.outcome !== "scrubbed") throw new Error(`scrub of ${key}: ${JSON.stringify(outcome)}`);
  const head = await r.sovereign.send(new HeadObjectCommand({ Bucket: r.cleanBucket, Key: key }));
  return {
    tenant,
    subject,
    id: key.split("/").at(-1) ?? "",
    key,
    versionId: head.VersionId,
    sha256: sha256(await bytesOf(r.sovereign, r.cleanBucket, key)),
    cleanAt: performance.now(),
  };
}

/** The clean copy's event to the sync function; the replication lag is measured from the clean write. */
export async function replicateOne(r: Rig, o: Scrubbed): Promise<Uploaded> {
  const synced = await r.syncHandler(s3Event("ObjectCreated:Put", r.cleanBucket, o.key, o.versionId));
  const lagMs = performance.now() - o.cleanAt;
  if (synced.outcomes[0]?.outcome !== "copied") throw new Error(`sync of ${o.key}: ${JSON.stringify(synced.outcomes)}`);
  return { tenant: o.tenant, subject: o.subject, id: o.id, sovereignKey: o.key, sha256: o.sha256, lagMs };
}

export async function uploadOne(r: Rig, tenant: string, subject: string, seed: number): Promise<Uploaded> {
  return replicateOne(r, await uploadAndScrub(r, tenant, subject, seed));
}
