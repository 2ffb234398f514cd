import { buckets, configsOf } from "../../core/buckets";
import { blocks, type JsonObject, literalBool, literalNumber, literalString } from "../../core/json";
import { defineRule, type Violation, verdict } from "../../core/types";

function enabled(rule: JsonObject): boolean {
  return literalString(rule.status) === "Enabled" || literalBool(rule.enabled) === true;
}

function has(rules: JsonObject[], block: string, field: string | readonly string[]): boolean {
  const fields = typeof field === "string" ? [field] : field;
  return rules.some((r) =>
    blocks(r[block]).some((b) =>
      fields.some((f) => literalNumber(b[f]) !== undefined || literalString(b[f]) !== undefined),
    ),
  );
}

/**
 * Whether a rule applies to every object of the bucket: no filter, or a filter with an empty prefix
 * and nothing else. A prefix, a tag, an object size or an `and` block limits it to some objects, and
 * the others would never expire.
 */
function wholeBucket(rule: JsonObject): boolean {
  const legacyPrefix = literalString(rule.prefix);
  if (rule.prefix !== undefined && legacyPrefix !== "") return false;
  const filters = blocks(rule.filter);
  return filters.every((f) =>
    Object.entries(f).every(([k, v]) =>
      k === "prefix" ? literalString(v) === "" : v === undefined || v === null || (Array.isArray(v) && v.length === 0),
    ),
  );
}

/** What an enabled lifecycle misses: expiry of current and noncurrent versions, aborting uploads. */
function missing(rules: JsonObject[]): string[] {
  const on = rules.filter((r) => enabled(r) && wholeBucket(r));
  const out: string[] = [];
  if (!has(on, "expiration", ["days", "date"])) out.push("expiration of current versions");
  if (!has(on, "noncurrent_version_expiration", ["noncurrent_days", "days"])) out.push("noncurrent_version_expiration");
  if (
    !has(on, "abort_incomplete_multipart_upload", ["days_after_initiation"]) &&
    !on.some((r) => literalNumber(r.abort_incomplete_multipart_upload_days) !== undefined)
  ) {
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
  reads: [
    {
      type: "aws_s3_bucket_lifecycle_configuration",
      attribute: "bucket",
      as: "reference",
      passes: "a reference to an aws_s3_bucket of this configuration, or its literal name",
    },
    {
      type: "aws_s3_bucket_lifecycle_configuration",
      attribute: "rule.status",
      as: "literal",
      passes: 'a literal "Enabled"',
    },
    {
      type: "aws_s3_bucket_lifecycle_configuration",
      attribute: "rule.filter.prefix",
      as: "literal",
      passes: 'a literal "", or no filter',
    },
    {
      type: "aws_s3_bucket_lifecycle_configuration",
      attribute: "rule.expiration.days",
      as: "literal",
      passes: "a literal number of days",
    },
    {
      type: "aws_s3_bucket_lifecycle_configuration",
      attribute: "rule.noncurrent_version_expiration.noncurrent_days",
      as: "literal",
      passes: "a literal number of days",
    },
    {
      type: "aws_s3_bucket_lifecycle_configuration",
      attribute: "rule.abort_incomplete_multipart_upload.days_after_initiation",
      as: "literal",
      passes: "a literal number of days",
    },
  ],
  evaluate({ template }) {
    const violations: Violation[] = [];
    const all = buckets(template);
    for (const bucket of all) {
      const configs = configsOf(template, bucket, "aws_s3_bucket_lifecycle_configuration");
      const inline = blocks(bucket.values.lifecycle_rule);
      if (configs.length === 0 && inline.length === 0) {
        violations.push({
          address: bucket.address,
          detail: "no aws_s3_bucket_lifecycle_configuration refers to this bucket",
        });
        continue;
      }
      const rules = [...configs.flatMap((c) => blocks(c.values.rule)), ...inline];
      const gaps = missing(rules);
      if (gaps.length > 0) {
        const address = configs[0]?.address ?? bucket.address;
        const partial = rules.some((r) => enabled(r) && !wholeBucket(r));
        violations.push({
          address,
          detail: `no enabled lifecycle rule for the whole bucket sets ${gaps.join(", ")} (for ${bucket.address})${partial ? "; rules limited by a prefix, tag or size filter cover only some objects" : ""}`,
        });
      }
    }
    return verdict(all.length, violations);
  },
});
