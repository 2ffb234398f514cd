/**
 * The abuse matrix of outage uploads (crossPartition.standby.outageUploads; docs/cross-partition.md
 * §7): the standby upload function's role, the outage inbox (originals of a class that may not cross,
 * held in the commercial partition until failback brings them home) and the sovereign sealing key.
 * The standby upload role may sign uploads into the inbox and nothing else of either partition; no
 * commercial reader serves the inbox (unscrubbed originals); only the failback function opens sealed
 * subjects, and only with RSAES_OAEP_SHA_256. Each case must be denied, its legitimate twin allowed.
 */
import type { AbuseAddCase } from "./abuse";
import { type Call, kmsCall, s3Call } from "./actions";
import { type RoleKind, roleKindOf } from "./catalogue";
import type { AuthzWorld, WorldBucket, WorldRole } from "./world";

const OAEP_SHA_256 = { "kms:EncryptionAlgorithm": "RSAES_OAEP_SHA_256" };

/** The roles, buckets and key of outage uploads in the example's world. */
function outageCast(world: AuthzWorld) {
  const role = (kind: RoleKind, address?: RegExp) =>
    [...world.roles.values()].find((r) => roleKindOf(r) === kind && (address === undefined || address.test(r.address)));
  const bucket = (address: string) => [...world.buckets.values()].find((b) => b.address === address);
  return {
    upload: role("standby-upload-function"),
    standbyDownload: role("standby-download-function"),
    failback: role("failback-function", /avatars-clean/),
    sync: role("sync-function", /avatars-clean/),
    rolesAnywhere: role("cross-partition-role", /avatars-clean/),
    inbox: bucket("aws_s3_bucket.standby-serving_outage-inbox_bucket"),
    failover: [...world.buckets.values()].find(
      (b) => b.side.partition.id !== "aws-eusc" && b.address.includes("avatars-clean"),
    ),
    originals: bucket("aws_s3_bucket.sovereign-bucket-avatars-original_bucket"),
    sealing: [...world.keys.values()].find((k) => k.aliases.some((a) => a.endsWith("/outage-subjects"))),
  };
}

/** A browser's upload with the standby upload role's signature (SSE-KMS under the bucket's key). */
function browserPut(role: WorldRole, bucket: WorldBucket): Call {
  return s3Call(role, "PutObject", bucket, "t/s/x", {
    origin: "internet",
    headers: {
      "x-amz-server-side-encryption": "aws:kms",
      "x-amz-server-side-encryption-aws-kms-key-id": bucket.keyArn ?? "",
    },
  });
}

/** A GET from the internet with `role`'s signature. */
function browserGet(role: WorldRole, bucket: WorldBucket): Call {
  return s3Call(role, "GetObject", bucket, "t/s/x", { origin: "internet", objectKmsKeyArn: bucket.keyArn });
}

/** Outage uploads outside their path, each case with its legitimate twin. */
export function outageCases(world: AuthzWorld, add: AbuseAddCase): void {
  const c = outageCast(world);
  const none = "no outage uploads (crossPartition.standby.outageUploads)";
  const { upload, inbox } = c;
  add("outage-upload-into-replicas", "the standby upload role's signature used to write a replica", () =>
    upload === undefined || inbox === undefined || c.failover === undefined
      ? none
      : { call: browserPut(upload, c.failover), control: browserPut(upload, inbox) },
  );
  add("outage-upload-into-sovereign", "the standby upload role's signature used to write a sovereign original", () =>
    upload === undefined || inbox === undefined || c.originals === undefined
      ? none
      : { call: browserPut(upload, c.originals), control: browserPut(upload, inbox) },
  );
  add(
    "outage-upload-url-read",
    "the standby upload role's signature used to read an outage upload from the internet (an unscrubbed original)",
    () =>
      upload === undefined || inbox === undefined
        ? none
        : { call: browserGet(upload, inbox), control: browserPut(upload, inbox) },
  );
  add(
    "standby-serves-outage-inbox",
    "the standby read API's signature used for an outage upload (an unscrubbed original, before failback scrubs it at home)",
    () =>
      c.standbyDownload === undefined || inbox === undefined || c.failover === undefined
        ? none
        : { call: browserGet(c.standbyDownload, inbox), control: browserGet(c.standbyDownload, c.failover) },
  );
  add(
    "sealed-subject-opened-by-another-function",
    "a sovereign function other than failback (the sync) opens sealed subjects with the sealing key",
    () =>
      c.sync === undefined || c.failback === undefined || c.sealing === undefined
        ? none
        : {
            call: kmsCall(c.sync, "Decrypt", c.sealing.arn, "vpc-endpoint", OAEP_SHA_256),
            control: kmsCall(c.failback, "Decrypt", c.sealing.arn, "vpc-endpoint", OAEP_SHA_256),
          },
  );
  add(
    "sealed-subject-opened-by-the-commercial-side",
    "the commercial side (the failback's Roles Anywhere role) opens sealed subjects with the sovereign sealing key",
    () =>
      c.rolesAnywhere === undefined || c.failback === undefined || c.sealing === undefined
        ? none
        : {
            call: kmsCall(c.rolesAnywhere, "Decrypt", c.sealing.arn, "internet", OAEP_SHA_256),
            control: kmsCall(c.failback, "Decrypt", c.sealing.arn, "vpc-endpoint", OAEP_SHA_256),
          },
  );
  add(
    "sealing-key-other-algorithm",
    "failback decrypts with the sealing key under another algorithm than RSAES_OAEP_SHA_256",
    () =>
      c.failback === undefined || c.sealing === undefined
        ? none
        : {
            call: kmsCall(c.failback, "Decrypt", c.sealing.arn, "vpc-endpoint", {
              "kms:EncryptionAlgorithm": "RSAES_OAEP_SHA_1",
            }),
            control: kmsCall(c.failback, "Decrypt", c.sealing.arn, "vpc-endpoint", OAEP_SHA_256),
          },
  );
}
