/**
 * The drill's writes during the outage (crossPartition.standby.outageUploads; docs/cross-partition.md
 * §7): uploads through the commercial standby into the outage inbox, one by a subject who never
 * uploaded before (no standby index record: the sealed subject is their only way home), one by a
 * subject who did; neither is served before the sovereign scrubber has scrubbed it at home. After the
 * outage, failback's homecoming opens each seal (the drill's test key stands for the sovereign KMS
 * key), copies the upload home into the originals bucket under the sovereign pseudonym, and empties
 * the inbox; the scrubber and the sync then treat it as any upload.
 */
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { bringOutageUploadsHome, type HomecomingSummary } from "../../functions/cross-partition-sync/outage-uploads";
import { Pseudonyms, STANDBY_DOMAIN } from "../../functions/shared/pseudonym";
import { localUnseal, SEALED_SUBJECT_METADATA } from "../../functions/shared/sealed-subject";
import { downloadApiEvent, submitForm, uploadApiEvent } from "../../test/s3/browser-upload";
import {
  photo,
  type Rig,
  replicateOne,
  SOVEREIGN_MAC,
  STANDBY_MAC,
  scrubOne,
  sha256,
  since,
  type Uploaded,
} from "./rig";

/** A subject whose first upload ever happens during the outage. */
export const NEW_SUBJECT = "carol@example.org";

export interface OutageUpload {
  readonly tenant: string;
  readonly subject: string;
  readonly id: string;
  /** `<tenant>/<standby pseudonym>/<id>` in the inbox. */
  readonly inboxKey: string;
  /** Whether the subject had uploaded before the outage. */
  readonly knownSubject: boolean;
}

const standbyPseudonyms = new Pseudonyms(STANDBY_MAC, undefined, STANDBY_DOMAIN);
const sovereignPseudonyms = new Pseudonyms(SOVEREIGN_MAC);

/** One upload through the standby: its key must hold the standby pseudonym and carry a sealed subject. */
async function uploadToStandby(r: Rig, tenant: string, subject: string, seed: number, problems: string[]) {
  const bytes = photo(seed);
  const fileName = `outage-${seed}.jpg`;
  const issued = await r.standbyUpload(
    uploadApiEvent(
      { tenant, subject },
      { fileName, contentType: "image/jpeg", sizeBytes: bytes.length, dataClass: r.world.uploadClass },
    ),
  );
  if (issued.statusCode !== 200)
    throw new Error(`the standby refused an upload: HTTP ${issued.statusCode} ${issued.body}`);
  const { post, status } = await submitForm(issued, bytes, fileName);
  if (status < 200 || status > 299) throw new Error(`the standby's upload form was refused: HTTP ${status}`);
  const [keyTenant, pseudonym, id = ""] = post.key.split("/");
  if (keyTenant !== tenant || pseudonym !== (await standbyPseudonyms.of(tenant, subject)))
    problems.push(`the standby named an upload ${post.key}, not by the tenant and standby pseudonym`);
  if (pseudonym === (await sovereignPseudonyms.of(tenant, subject)))
    problems.push(`the standby named an upload by the sovereign pseudonym (${post.key})`);
  const head = await r.commercial.send(new HeadObjectCommand({ Bucket: r.inboxBucket, Key: post.key }));
  if (head.Metadata?.[SEALED_SUBJECT_METADATA] === undefined)
    problems.push(`the outage upload ${post.key} carries no sealed subject`);
  return { id, inboxKey: post.key };
}

/** During the outage: a known and a new subject upload through the standby; neither is served before it is scrubbed. */
export async function writeDuringOutage(r: Rig, known: { tenant: string; subject: string }, seed: number) {
  const problems: string[] = [];
  const uploads: OutageUpload[] = [];
  for (const [who, knownSubject] of [
    [known, true],
    [{ tenant: r.world.tenants[0] as string, subject: NEW_SUBJECT }, false],
  ] as const) {
    const { id, inboxKey } = await uploadToStandby(r, who.tenant, who.subject, seed++, problems);
    uploads.push({ tenant: who.tenant, subject: who.subject, id, inboxKey, knownSubject });
    const read = await r.standbyRead(downloadApiEvent({ tenant: who.tenant, sub: who.subject }, id));
    if (read.statusCode !== 404) problems.push(`the standby serves the unscrubbed outage upload ${inboxKey}`);
  }
  return { uploads, problems };
}

/**
 * After the outage: failback's homecoming, then the scrubber and the sync on each upload brought home;
 * each is read back by its owner from the sovereign read path and from the standby (its replica).
 */
export async function bringHome(r: Rig, uploads: readonly OutageUpload[]) {
  const problems: string[] = [];
  const started = performance.now();
  const result = await bringOutageUploadsHome({
    inbox: { client: r.commercial, partition: r.world.commercial.partition, bucket: r.inboxBucket },
    home: {
      client: r.sovereign,
      bucket: r.uploadBucket,
      kmsKeyId: String(r.world.env.failback.OUTAGE_HOME_KMS_KEY_ID),
    },
    unseal: localUnseal(r.world.sealing.privateKey),
    pseudonyms: sovereignPseudonyms,
    standbyPseudonyms,
  });
  const replicated: Uploaded[] = [];
  for (const u of uploads) {
    const outcome = result.outcomes.find((o) => o.key === u.inboxKey);
    if (outcome?.outcome !== "moved") {
      problems.push(`homecoming of ${u.inboxKey}: ${JSON.stringify(outcome)}`);
      continue;
    }
    const homeKey = `${u.tenant}/${await sovereignPseudonyms.of(u.tenant, u.subject)}/${u.id}`;
    replicated.push(await replicateOne(r, await scrubOne(r, u.tenant, u.subject, homeKey)));
  }
  const servedMs = since(started);
  for (const u of replicated) {
    const claims = { tenant: u.tenant, sub: u.subject };
    for (const [side, read] of [
      ["sovereign", r.sovereignRead],
      ["standby", r.standbyRead],
    ] as const) {
      const answer = await read(downloadApiEvent(claims, u.id));
      const url = answer.statusCode === 200 ? (JSON.parse(answer.body) as { url: string }).url : undefined;
      const bytes = url === undefined ? undefined : new Uint8Array(await (await fetch(url)).arrayBuffer());
      if (bytes === undefined || sha256(bytes) !== u.sha256)
        problems.push(
          `the ${side} read path does not serve ${u.tenant}/${u.id} (uploaded during the outage) to its owner`,
        );
    }
  }
  return { summary: result.summary as HomecomingSummary, replicated, servedMs, problems };
}
