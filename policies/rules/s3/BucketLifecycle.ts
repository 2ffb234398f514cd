import { buckets, configsThatMayExist } from "../../core/buckets";
import { blocks, type JsonObject, literalBool, literalNumber, literalString } from "../../core/json";
import { DATA_CLASS_TAG, MAX_RETENTION_DAYS, retentionLimit } from "../../core/residency";
import { mayBeAbsent, type TfResource } from "../../core/template";
import { defineRule, type Violation, verdict } from "../../core/types";

const DAY_MS = 24 * 60 * 60 * 1000;

/** The longest an object version of the bucket may be kept, and why (core/residency retentionLimit). */
interface Limit {
  readonly days: number;
  readonly because: string;
}

function enabled(rule: JsonObject): boolean {
  return literalString(rule.status) === "Enabled" || literalBool(rule.enabled) === true;
}

/** A literal whole number of days, at least 1 (0 is no expiry to the provider, which omits it). */
function positiveDays(value: unknown): number | undefined {
  const n = literalNumber(value);
  return n !== undefined && Number.isInteger(n) && n >= 1 ? n : undefined;
}

/** A literal expiration date (`2030-01-01`, `2030-01-01T00:00:00Z`) in milliseconds, or undefined. */
function literalDate(value: unknown): number | undefined {
  const text = literalString(value) ?? "";
  const ms = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : Number.NaN;
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * The days after which a rule expires current versions at the latest: its number of days, or for a
 * literal date the days from now until then (an object written today lives until the date; a date
 * that has passed expires every object at once). Undefined when the rule does not expire them.
 */
function currentDays(rule: JsonObject): number | undefined {
  const days = blocks(rule.expiration).flatMap((e) => {
    const n = positiveDays(e.days);
    if (n !== undefined) return [n];
    const date = literalDate(e.date);
    return date === undefined ? [] : [Math.max(1, Math.ceil((date - Date.now()) / DAY_MS))];
  });
  return days.length === 0 ? undefined : Math.min(...days);
}

/**
 * The days after which a rule expires every noncurrent version, or undefined when it does not:
 * newer_noncurrent_versions keeps that many of them whatever their age (a large number keeps them all).
 */
function noncurrentDays(rule: JsonObject): number | undefined {
  const days = blocks(rule.noncurrent_version_expiration).flatMap((e) => {
    const n = positiveDays(e.noncurrent_days) ?? positiveDays(e.days);
    return n !== undefined && (e.newer_noncurrent_versions === undefined || e.newer_noncurrent_versions === null)
      ? [n]
      : [];
  });
  return days.length === 0 ? undefined : Math.min(...days);
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

/** The shortest of the days the whole-bucket rules set, or undefined when none sets any. */
function shortest(rules: readonly JsonObject[], days: (rule: JsonObject) => number | undefined): number | undefined {
  const all = rules.flatMap((r) => {
    const n = days(r);
    return n === undefined ? [] : [n];
  });
  return all.length === 0 ? undefined : Math.min(...all);
}

/**
 * What one lifecycle configuration misses: expiry of current and noncurrent versions within the
 * bucket's limit, aborting uploads. S3 applies the earliest expiration of the rules that cover an
 * object, so the shortest whole-bucket rule counts.
 */
function missing(rules: JsonObject[], limit: Limit): { gaps: string[]; tooLong: string[] } {
  const on = rules.filter((r) => enabled(r) && wholeBucket(r));
  const gaps: string[] = [];
  const tooLong: string[] = [];
  const current = shortest(on, currentDays);
  if (current === undefined) gaps.push("expiration of current versions");
  else if (current > limit.days) tooLong.push(`current versions expire after ${current} days`);
  const noncurrent = shortest(on, noncurrentDays);
  if (noncurrent === undefined) gaps.push("noncurrent_version_expiration (without newer_noncurrent_versions)");
  else if (noncurrent > limit.days) tooLong.push(`noncurrent versions expire after ${noncurrent} days`);
  if (!on.some(abortsUploads)) gaps.push("abort_incomplete_multipart_upload");
  return { gaps, tooLong };
}

/** The finding for one lifecycle configuration (a resource, or the bucket's inline rules), if incomplete. */
function judge(address: string, bucket: TfResource, rules: JsonObject[], limit: Limit): Violation[] {
  const { gaps, tooLong } = missing(rules, limit);
  const problems: string[] = [];
  if (gaps.length > 0) {
    const partial = rules.some((r) => enabled(r) && !wholeBucket(r));
    problems.push(
      `no enabled lifecycle rule for the whole bucket sets ${gaps.join(", ")} (for ${bucket.address})${partial ? "; rules limited by a prefix, tag or size filter cover only some objects" : ""}`,
    );
  }
  if (tooLong.length > 0)
    problems.push(
      `${tooLong.join(" and ")}, longer than the ${limit.days} days ${bucket.address} may keep them (${limit.because})`,
    );
  return problems.length === 0 ? [] : [{ address, detail: problems.join("; ") }];
}

/**
 * An enabled lifecycle expires current versions and noncurrent versions within the bucket's limit,
 * and incomplete multipart uploads. The limit is the retentionDays of the data class the bucket
 * carries (DataClass tag) when the configuration declares it, else ten years (MAX_RETENTION_DAYS,
 * as for log groups): an expiration after 36500 days is no expiration (issue 15).
 */
export const BucketLifecycle = defineRule({
  id: "SIP-S3-7",
  name: "BucketLifecycle",
  service: "s3",
  severity: "error",
  suppressible: true,
  info: `The bucket's lifecycle does not expire current versions and noncurrent versions within its data class's retentionDays (${MAX_RETENTION_DAYS} days without a class), or does not abort incomplete multipart uploads.`,
  explanation: `Personal data may be kept only as long as its data class allows; an expiration decades away (36500 days) keeps it in practice forever. With versioning on, deleted and overwritten objects stay as noncurrent versions, and aborted uploads stay as invisible parts, unless the lifecycle removes them. A bucket without a ${DATA_CLASS_TAG} tag keeps objects at most ${MAX_RETENTION_DAYS} days (ten years, as log groups).`,
  fix: `Add one aws_s3_bucket_lifecycle_configuration for the bucket with an enabled rule for the whole bucket that sets expiration.days and noncurrent_version_expiration.noncurrent_days (without newer_noncurrent_versions), each from 1 to the retentionDays of the bucket's ${DATA_CLASS_TAG} in the deployment configuration (at most ${MAX_RETENTION_DAYS} without a class), and abort_incomplete_multipart_upload.days_after_initiation of at least 1.`,
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
      type: "aws_s3_bucket",
      attribute: `tags.${DATA_CLASS_TAG}`,
      as: "literal",
      passes: "a literal data class, or leaving it out",
    },
    {
      type: "aws_s3_bucket_lifecycle_configuration",
      attribute: "rule.abort_incomplete_multipart_upload.days_after_initiation",
      as: "literal",
      passes: "a literal number of days",
    },
  ],
  evaluate({ template, config }) {
    const violations: Violation[] = [];
    const all = buckets(template);
    for (const bucket of all) {
      const limit = retentionLimit(template, bucket, config);
      // S3 keeps one lifecycle configuration per bucket: each that may be applied must be complete.
      const configs = configsThatMayExist(template, bucket, "aws_s3_bucket_lifecycle_configuration");
      const inline = blocks(bucket.values.lifecycle_rule);
      if (inline.length === 0 && !configs.some((c) => !mayBeAbsent(c))) {
        violations.push({
          address: bucket.address,
          detail: "no aws_s3_bucket_lifecycle_configuration that Terraform certainly creates refers to this bucket",
        });
      }
      for (const c of configs) violations.push(...judge(c.address, bucket, blocks(c.values.rule), limit));
      if (inline.length > 0) violations.push(...judge(bucket.address, bucket, inline, limit));
    }
    return verdict(all.length, violations);
  },
});
