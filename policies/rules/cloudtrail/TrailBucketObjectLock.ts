import { bucketOf, configsThatMayExist } from "../../core/buckets";
import { blocks, type JsonObject, literalBool, literalNumber, literalString } from "../../core/json";
import { mayBeAbsent, resourcesOfType } from "../../core/template";
import { defineRule, type Violation, verdict } from "../../core/types";

/**
 * The shortest default retention accepted: a year, what the platform's own audit buckets lock every
 * log file for (AuditTrail objectLockDays, modules/audit-trail) and the minimum SIP-LOGS-2 keeps
 * events for. A lock of a day or a month lets whoever can delete objects remove the logs of an
 * incident before anyone looks at them (issue 15: a 1-day retention passed).
 */
export const MIN_LOCK_DAYS = 365;

/** Days of a default retention: its days, or its years as 365 days each; undefined unless literal. */
function retentionDays(d: JsonObject): number | undefined {
  const days = literalNumber(d.days);
  if (days !== undefined) return days;
  const years = literalNumber(d.years);
  return years === undefined ? undefined : years * 365;
}

/** A lock rule with a default retention: a mode and at least MIN_LOCK_DAYS days (or a year). */
function hasDefaultRetention(rule: JsonObject): boolean {
  return blocks(rule.default_retention).some(
    (d) =>
      ["COMPLIANCE", "GOVERNANCE"].includes(literalString(d.mode) ?? "") && (retentionDays(d) ?? 0) >= MIN_LOCK_DAYS,
  );
}

/** The trail delivers into a bucket with object lock on and a default retention of at least a year. */
export const TrailBucketObjectLock = defineRule({
  id: "SIP-CT-3",
  name: "TrailBucketObjectLock",
  service: "cloudtrail",
  severity: "error",
  suppressible: true,
  info: `The trail's bucket is not declared here, or it has no object lock with a default retention of at least ${MIN_LOCK_DAYS} days.`,
  explanation: `Whoever can delete audit logs can hide what they did. Object lock with a default retention (WORM) keeps every delivered log file immutable for the retention period, even against administrators; a retention shorter than ${MIN_LOCK_DAYS} days (the platform's audit buckets lock for ${MIN_LOCK_DAYS}) lets the logs of an incident be deleted before it is investigated.`,
  fix: `Deliver the trail into the audit bucket of this configuration; create that bucket with object_lock_enabled = true and add aws_s3_bucket_object_lock_configuration with a default_retention (mode COMPLIANCE or GOVERNANCE) of at least ${MIN_LOCK_DAYS} days (or years = 1).`,
  anchors: {
    cdkNag: ["NIST.800.53.R4-S3BucketDefaultLockEnabled"],
    checkov: ["CKV_AWS_143"],
  },
  reads: [
    {
      type: "aws_cloudtrail",
      attribute: "s3_bucket_name",
      as: "reference",
      passes: "a reference to an aws_s3_bucket of this configuration, or its literal name",
    },
    {
      type: "aws_s3_bucket_object_lock_configuration",
      attribute: "rule.default_retention.days",
      as: "literal",
      passes: `a literal number of days, at least ${MIN_LOCK_DAYS}`,
    },
    {
      type: "aws_s3_bucket_object_lock_configuration",
      attribute: "rule.default_retention.years",
      as: "literal",
      passes: "a literal number of years, at least 1",
    },
  ],
  evaluate({ template }) {
    const trails = resourcesOfType(template, "aws_cloudtrail");
    const violations: Violation[] = [];
    for (const trail of trails) {
      const bucket = bucketOf(template, trail.values.s3_bucket_name);
      if (bucket === undefined) {
        violations.push({
          address: trail.address,
          detail: `s3_bucket_name ${JSON.stringify(trail.values.s3_bucket_name ?? null)} is not a bucket of this configuration, so its object lock cannot be verified`,
        });
        continue;
      }
      const inline = blocks(bucket.values.object_lock_configuration);
      const enabled =
        literalBool(bucket.values.object_lock_enabled) === true ||
        inline.some((c) => literalString(c.object_lock_enabled) === "Enabled");
      // S3 keeps one object lock configuration per bucket: each that may be applied needs a default
      // retention, and one that Terraform certainly creates (issue 15: a second one without passed).
      const lockConfigs = configsThatMayExist(template, bucket, "aws_s3_bucket_object_lock_configuration");
      const retains = (rules: unknown) => blocks(rules).some(hasDefaultRetention);
      const lacking = lockConfigs.filter((c) => !retains(c.values.rule));
      const retention =
        lacking.length === 0 && (lockConfigs.some((c) => !mayBeAbsent(c)) || inline.some((c) => retains(c.rule)));
      const problems: string[] = [];
      if (!enabled) problems.push(`${bucket.address} does not have object_lock_enabled`);
      if (!retention)
        problems.push(
          `${bucket.address} has no object lock default_retention of at least ${MIN_LOCK_DAYS} days${lacking.length > 0 ? ` in ${lacking.map((c) => c.address).join(", ")}` : ""}`,
        );
      if (problems.length > 0) violations.push({ address: trail.address, detail: problems.join("; ") });
    }
    return verdict(trails.length, violations);
  },
});
