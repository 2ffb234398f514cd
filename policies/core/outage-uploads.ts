/**
 * The two named exceptions of outage uploads (crossPartition.standby.outageUploads,
 * docs/cross-partition.md §7), both verified by structure:
 *
 * - `outage-uploads` (SIP-RES-3, SIP-RES-6): the commercial inbox of the upload class, which may not
 *   cross, and its key. Accepted only with outageUploads in the configuration, for the upload class
 *   (`upload.dataClasses`), when the bucket is named `<environment>-outage-uploads-<commercial
 *   account>`, carries the marking (`sip:exception = outage-uploads`), is versioned, encrypted under a
 *   key with the same marking and class, and expires its objects within outageUploads.retentionDays
 *   (the upload class's retentionDays by default). Any other commercial resource of a class that
 *   does not cross stays an error.
 * - `sealing-public-key` (SIP-RES-4): a function's `SUBJECT_SEALING_PUBLIC_KEY` variable that is
 *   exactly the `public_key_pem` of a `data.aws_kms_public_key` of the other partition: a public key,
 *   which seals and opens nothing. Only that variable, only that attribute; any other reference across
 *   partitions stays an error.
 */
import type { DeploymentConfig } from "../../config/schema";
import { outageUploadsOf } from "../../config/standby";
import { configsOf } from "./buckets";
import { blocks, isObject, literalString } from "./json";
import { OUTAGE_UPLOADS_EXCEPTION, SEALING_PUBLIC_KEY_EXCEPTION } from "./exception-names";
import { placementOf } from "./placement";
import { resolveReference } from "./references";
import { dataClassOf, tagsOf } from "./residency";
import { resourcesOfType, type Template, type TfResource } from "./template";

export { OUTAGE_UPLOADS_EXCEPTION, SEALING_PUBLIC_KEY_EXCEPTION };

/** Whether the resource carries the inbox's marking and the class. */
const marked = (template: Template, r: TfResource, dataClass: string) =>
  tagsOf(template, r)["sip:exception"] === OUTAGE_UPLOADS_EXCEPTION && dataClassOf(template, r) === dataClass;

/** Why a marked bucket is not the inbox the standby builds (empty: it is). */
function inboxProblems(template: Template, bucket: TfResource, expected: string, days: number, dataClass: string) {
  const why: string[] = [];
  if (literalString(bucket.values.bucket) !== expected) why.push(`it is not named ${expected}`);
  if (placementOf(template, bucket).partition?.id === "aws-eusc") why.push("it is in the sovereign partition");
  const versioned = configsOf(template, bucket, "aws_s3_bucket_versioning").some((v) =>
    blocks(v.values.versioning_configuration).some((c) => literalString(c.status) === "Enabled"),
  );
  if (!versioned) why.push("it is not versioned");
  const keys = configsOf(template, bucket, "aws_s3_bucket_server_side_encryption_configuration").flatMap((c) =>
    blocks(c.values.rule).flatMap((rule) =>
      blocks(rule.apply_server_side_encryption_by_default).map(
        (d) => resolveReference(template, d.kms_master_key_id)?.resource,
      ),
    ),
  );
  if (keys.length === 0 || !keys.every((k) => k?.type === "aws_kms_key" && marked(template, k, dataClass)))
    why.push(`its key is not a key of this configuration marked ${OUTAGE_UPLOADS_EXCEPTION}`);
  const expires = configsOf(template, bucket, "aws_s3_bucket_lifecycle_configuration").some((c) =>
    blocks(c.values.rule).some((rule) =>
      blocks(rule.expiration).some((e) => typeof e.days === "number" && e.days <= days),
    ),
  );
  if (!expires) why.push(`it does not expire its objects within ${days} days`);
  return why;
}

/**
 * The inbox bucket and its key, accepted as the named exception `outage-uploads`, with the reason
 * (by address); `problems` says why a marked bucket is not accepted.
 */
export function outageUploadExceptions(
  template: Template,
  config: DeploymentConfig | undefined,
): { accepted: Map<string, string>; problems: Map<string, string> } {
  const accepted = new Map<string, string>();
  const problems = new Map<string, string>();
  const outage = config === undefined ? undefined : outageUploadsOf(config);
  if (config === undefined || outage === undefined) return { accepted, problems };
  const expected = `${config.environment}-outage-uploads-${config.partitions.commercial.accountId}`;
  const reason = `named exception ${OUTAGE_UPLOADS_EXCEPTION} (crossPartition.standby.outageUploads, docs/cross-partition.md §7): the commercial inbox of upload class ${outage.dataClass} during a sovereign outage, kept at most ${outage.retentionDays} days until failback brings its uploads home`;
  for (const bucket of resourcesOfType(template, "aws_s3_bucket")) {
    if (!marked(template, bucket, outage.dataClass)) continue;
    const why = inboxProblems(template, bucket, expected, outage.retentionDays, outage.dataClass);
    if (why.length > 0) {
      problems.set(bucket.address, `marked ${OUTAGE_UPLOADS_EXCEPTION}, but ${why.join("; ")}`);
      continue;
    }
    accepted.set(bucket.address, reason);
    for (const c of configsOf(template, bucket, "aws_s3_bucket_server_side_encryption_configuration"))
      for (const rule of blocks(c.values.rule))
        for (const d of blocks(rule.apply_server_side_encryption_by_default)) {
          const key = resolveReference(template, d.kms_master_key_id)?.resource;
          if (key !== undefined) accepted.set(key.address, reason);
        }
  }
  return { accepted, problems };
}

/** A variable that is exactly `${data.aws_kms_public_key.<name>.public_key_pem}`. */
const PUBLIC_KEY_PEM = /^\$\{data\.aws_kms_public_key\.[A-Za-z0-9_-]+\.public_key_pem\}$/;

/** Functions whose SUBJECT_SEALING_PUBLIC_KEY is another partition's public key: which path is accepted, and why. */
export function sealingPublicKeyExceptions(
  template: Template,
): Map<string, { readonly paths: (path: string) => boolean; readonly reason: string }> {
  const out = new Map<string, { paths: (path: string) => boolean; reason: string }>();
  for (const fn of resourcesOfType(template, "aws_lambda_function")) {
    const variables = blocks(fn.values.environment)[0]?.variables;
    const value = isObject(variables) ? variables.SUBJECT_SEALING_PUBLIC_KEY : undefined;
    if (typeof value !== "string" || !PUBLIC_KEY_PEM.test(value)) continue;
    out.set(fn.address, {
      paths: (p) => /^environment(?:\[0\])?\.variables\.SUBJECT_SEALING_PUBLIC_KEY$/.test(p),
      reason: `named exception ${SEALING_PUBLIC_KEY_EXCEPTION} (docs/cross-partition.md §7): SUBJECT_SEALING_PUBLIC_KEY is only the public key (public_key_pem) of the other partition's sealing key, which opens nothing`,
    });
  }
  return out;
}
