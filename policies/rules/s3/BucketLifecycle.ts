import { buckets, configsOf } from "../../core/buckets";
import { blocks, type JsonObject, literalBool, literalNumber, literalString } from "../../core/json";
import { defineRule, type Violation, verdict } from "../../core/types";

function enabled(rule: JsonObject): boolean {
  return literalString(rule.status) === "Enabled" || literalBool(rule.enabled) === true;
}

function has(rules: JsonObject[], block: string, field: string | readonly string[]): boolean {
  const fields = typeof field === "string" ? [field] : field;
  return rules.some((r) => blocks(r[block]).some((b) => fields.some((f) => literalNumber(b[f]) !== undefined || literalString(b[f]) !== undefined)));
}

/** What an enabled lifecycle misses: expiry of current and noncurrent versions, aborting uploads. */
function missing(rules: JsonObject[]): string[] {
  const on = rules.filter(enabled);
  const out: string[] = [];
  if (!has(on, "expiration", ["days", "date"])) out.push("expiration of current versions");
  if (!has(on, "noncurrent_version_expiration", ["noncurrent_days", "days"])) out.push("noncurrent_version_expiration");
  if (!has(on, "abort_incomplete_multipart_upload", ["days_after_initiation"]) && !on.some((r) => literalNumber(r.abort_incomplete_multipart_upload_days) !== undefined)) {
    out.push("abort_incomplete_multipart_upload");
  }
  return out;
}

/**
 * An enabled lifecycle expires current versions (the data class's retention), noncurrent versions
 * and incomplete multipart uploads.
 */
export const BucketLifecycle = defineRule({
  id: "SIP-S3-7",
  name: "BucketLifecycle",
  service: "s3",
  severity: "error",
  suppressible: true,
  info: "The bucket's lifecycle does not expire current versions, noncurrent versions and incomplete multipart uploads.",
  explanation:
    "Personal data may be kept only as long as its data class allows. With versioning on, deleted and overwritten objects stay as noncurrent versions, and aborted uploads stay as invisible parts, unless the lifecycle removes them.",
  fix: "Add aws_s3_bucket_lifecycle_configuration with an enabled rule that sets expiration.days (the data class's retentionDays), noncurrent_version_expiration.noncurrent_days and abort_incomplete_multipart_upload.days_after_initiation.",
  anchors: {
    checkov: ["CKV2_AWS_61", "CKV_AWS_300"],
  },
  evaluate({ template }) {
    const violations: Violation[] = [];
    const all = buckets(template);
    for (const bucket of all) {
      const configs = configsOf(template, bucket, "aws_s3_bucket_lifecycle_configuration");
      const inline = blocks(bucket.values.lifecycle_rule);
      if (configs.length === 0 && inline.length === 0) {
        violations.push({ address: bucket.address, detail: "no aws_s3_bucket_lifecycle_configuration refers to this bucket" });
        continue;
      }
      const rules = [...configs.flatMap((c) => blocks(c.values.rule)), ...inline];
      const gaps = missing(rules);
      if (gaps.length > 0) {
        const address = configs[0]?.address ?? bucket.address;
        violations.push({ address, detail: `no enabled lifecycle rule sets ${gaps.join(", ")} (for ${bucket.address})` });
      }
    }
    return verdict(all.length, violations);
  },
});
