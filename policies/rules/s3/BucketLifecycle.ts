import { buckets, configsThatMayExist } from "../../core/buckets";
import { blocks, type JsonObject, literalBool, literalNumber, literalString } from "../../core/json";
import { mayBeAbsent, type TfResource } from "../../core/template";
import { defineRule, type Violation, verdict } from "../../core/types";

function enabled(rule: JsonObject): boolean {
  return literalString(rule.status) === "Enabled" || literalBool(rule.enabled) === true;
}

/** A literal whole number of days, at least 1 (0 is no expiry to the provider, which omits it). */
function positiveDays(value: unknown): number | undefined {
  const n = literalNumber(value);
  return n !== undefined && Number.isInteger(n) && n >= 1 ? n : undefined;
}

/** Whether a rule expires current versions: after a number of days, or on a literal date. */
function expiresCurrent(rule: JsonObject): boolean {
  return blocks(rule.expiration).some(
    (e) => positiveDays(e.days) !== undefined || /^\d{4}-\d{2}-\d{2}/.test(literalString(e.date) ?? ""),
  );
}

/**
 * Whether a rule expires every noncurrent version: newer_noncurrent_versions keeps that many of them
 * whatever their age (a large number keeps them all).
 */
function expiresNoncurrent(rule: JsonObject): boolean {
  return blocks(rule.noncurrent_version_expiration).some(
    (e) =>
      (positiveDays(e.noncurrent_days) ?? positiveDays(e.days)) !== undefined &&
      (e.newer_noncurrent_versions === undefined || e.newer_noncurrent_versions === null),
  );
}

function abortsUploads(rule: JsonObject): boolean {
  return (
    blocks(rule.abort_incomplete_multipart_upload).some((a) => positiveDays(a.days_after_initiation) !== undefined) ||
    positiveDays(rule.abort_incomplete_multipart_upload_days) !== undefined
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

/** What one lifecycle configuration misses: expiry of current and noncurrent versions, aborting uploads. */
function missing(rules: JsonObject[]): string[] {
  const on = rules.filter((r) => enabled(r) && wholeBucket(r));
  const out: string[] = [];
  if (!on.some(expiresCurrent)) out.push("expiration of current versions");
  if (!on.some(expiresNoncurrent)) out.push("noncurrent_version_expiration (without newer_noncurrent_versions)");
  if (!on.some(abortsUploads)) out.push("abort_incomplete_multipart_upload");
  return out;
}

/** The finding for one lifecycle configuration (a resource, or the bucket's inline rules), if incomplete. */
function judge(address: string, bucket: TfResource, rules: JsonObject[]): Violation[] {
  const gaps = missing(rules);
  if (gaps.length === 0) return [];
  const partial = rules.some((r) => enabled(r) && !wholeBucket(r));
  return [
    {
      address,
      detail: `no enabled lifecycle rule for the whole bucket sets ${gaps.join(", ")} (for ${bucket.address})${partial ? "; rules limited by a prefix, tag or size filter cover only some objects" : ""}`,
    },
  ];
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
  fix: "Add one aws_s3_bucket_lifecycle_configuration for the bucket with an enabled rule for the whole bucket that sets expiration.days (the data class's retentionDays), noncurrent_version_expiration.noncurrent_days (without newer_noncurrent_versions) and abort_incomplete_multipart_upload.days_after_initiation, each at least 1.",
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
      // S3 keeps one lifecycle configuration per bucket: each that may be applied must be complete.
      const configs = configsThatMayExist(template, bucket, "aws_s3_bucket_lifecycle_configuration");
      const inline = blocks(bucket.values.lifecycle_rule);
      if (inline.length === 0 && !configs.some((c) => !mayBeAbsent(c))) {
        violations.push({
          address: bucket.address,
          detail: "no aws_s3_bucket_lifecycle_configuration that Terraform certainly creates refers to this bucket",
        });
      }
      for (const c of configs) violations.push(...judge(c.address, bucket, blocks(c.values.rule)));
      if (inline.length > 0) violations.push(...judge(bucket.address, bucket, inline));
    }
    return verdict(all.length, violations);
  },
});
