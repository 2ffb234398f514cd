/**
 * The abuse matrix of the commercial standby (crossPartition.standby; stacks/standby-serving.ts): its
 * function's role beside its path. It may list and GET the replicas of its failover bucket (its
 * signature on a browser's GET) and derive standby pseudonyms; each case below must be denied, and
 * its legitimate twin allowed. Which subject's replica a request names is decided by the function
 * (the token's standby pseudonym), as on the sovereign read path: the Ceph tests show it
 * (functions/download-presign/download.rgw.test.ts), IAM cannot.
 */
import type { AbuseAddCase } from "./abuse";
import { type Call, kmsCall, s3Call } from "./actions";
import { roleKindOf } from "./catalogue";
import type { AuthzWorld, WorldBucket, WorldRole } from "./world";

/** An S3 request by `principal`; a browser's (the standby's signature) unless `origin` says otherwise. */
function s3(
  principal: WorldRole,
  operation: string,
  bucket: WorldBucket,
  key: string,
  extra: Partial<Call> = {},
): Call {
  return s3Call(principal, operation, bucket, key, { origin: "internet", ...extra });
}

/** A GenerateMac under `keyArn` by `principal`, from `origin`. */
function mac(principal: WorldRole, keyArn: string, origin: Call["origin"]): Call {
  return kmsCall(principal, "GenerateMac", keyArn, origin);
}

/** The standby's role, the failover bucket its policies name, and the buckets and keys it must not reach. */
function standbyCast(world: AuthzWorld) {
  const role = [...world.roles.values()].find((r) => roleKindOf(r) === "standby-download-function");
  const granted = JSON.stringify(role?.identityPolicies ?? []);
  const buckets = [...world.buckets.values()];
  const failover = buckets.find((b) => b.side.partition.id !== "aws-eusc" && granted.includes(b.arn));
  const sovereignClean = buckets.find(
    (b) => b.side.partition.id === "aws-eusc" && b.address === "aws_s3_bucket.sovereign-bucket-avatars-clean_bucket",
  );
  const otherCommercial = buckets.find(
    (b) =>
      failover !== undefined && b.side.partition.id === failover.side.partition.id && b.address !== failover.address,
  );
  const standbyKey = [...world.keys.values()].find(
    (k) => k.side.partition.id !== "aws-eusc" && k.aliases.some((a) => a.endsWith("/standby-pseudonyms")),
  );
  const rolesAnywhere = [...world.roles.values()].find((r) => roleKindOf(r) === "cross-partition-role");
  return { role, failover, sovereignClean, otherCommercial, standbyKey, rolesAnywhere };
}

/** The standby function's role outside its path, each case with its legitimate twin. */
export function standbyCases(world: AuthzWorld, add: AbuseAddCase): void {
  const { role, failover, sovereignClean, otherCommercial, standbyKey, rolesAnywhere } = standbyCast(world);
  const none = "no commercial standby (crossPartition.standby)";
  const browserGet = (r: WorldRole, b: WorldBucket): Call =>
    s3(r, "GetObject", b, "t/s/x", { objectKmsKeyArn: b.keyArn });
  add("standby-reads-sovereign", "the standby's signature used for a sovereign clean object", () =>
    role === undefined || failover === undefined || sovereignClean === undefined
      ? none
      : { call: browserGet(role, sovereignClean), control: browserGet(role, failover) },
  );
  add(
    "standby-writes-replica",
    "a standby download URL altered into a write of a replica (PUT from the internet)",
    () =>
      role === undefined || failover === undefined
        ? none
        : {
            call: s3(role, "PutObject", failover, "t/s/x", {
              headers: {
                "x-amz-server-side-encryption": "aws:kms",
                "x-amz-server-side-encryption-aws-kms-key-id": failover.keyArn ?? "",
              },
            }),
            control: browserGet(role, failover),
          },
  );
  add("standby-deletes-replica", "a standby download URL altered into a delete of a replica", () =>
    role === undefined || failover === undefined
      ? none
      : { call: s3(role, "DeleteObject", failover, "t/s/x"), control: browserGet(role, failover) },
  );
  add(
    "standby-reads-versions",
    "a standby download URL altered to read an older version of a replica (after an erasure)",
    () =>
      role === undefined || failover === undefined
        ? none
        : {
            call: s3(role, "GetObject", failover, "t/s/x", {
              versionId: "3HL4kqtJlcpXroDTDmJ-rmSpXd3dIbrHY",
              objectKmsKeyArn: failover.keyArn,
            }),
            control: browserGet(role, failover),
          },
  );
  add("standby-other-bucket", "the standby's signature used for another commercial bucket (the audit trail)", () =>
    role === undefined || failover === undefined || otherCommercial === undefined
      ? none
      : { call: browserGet(role, otherCommercial), control: browserGet(role, failover) },
  );
  add(
    "standby-pseudonyms-by-another-commercial-role",
    "another commercial role (the sync's Roles Anywhere role) derives standby pseudonyms with the commercial standby key",
    () =>
      role === undefined || standbyKey === undefined || rolesAnywhere === undefined
        ? none
        : { call: mac(rolesAnywhere, standbyKey.arn, "internet"), control: mac(role, standbyKey.arn, "vpc-endpoint") },
  );
}
