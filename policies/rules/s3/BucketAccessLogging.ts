import { bucketOf, buckets, configsOf } from "../../core/buckets";
import { blocks, type JsonObject, literalBool, literalString, strings } from "../../core/json";
import { placementOf } from "../../core/placement";
import { refersTo } from "../../core/references";
import { mayBeAbsent, resourcesOfType, type Template, type TfResource } from "../../core/template";
import { defineRule, type Violation, verdict } from "../../core/types";

/**
 * Whether an ARN prefix of a data event selector covers every object of the bucket: all buckets
 * (`arn:<partition>:s3`, `arn:<partition>:s3:::`), or the bucket's ARN with nothing after its `/`
 * (`${aws_s3_bucket.b.arn}/`). A key prefix after the slash (`<bucket ARN>/public/`) records only
 * some objects (issue 15).
 */
function coversBucket(value: string, bucket: TfResource): boolean {
  if (/^arn:[^:]+:s3(:::)?$/.test(value)) return true; // all buckets
  if (/^\$\{[^{}]+\}\/?$/.test(value) && refersTo(value, bucket.address)) return true;
  const name = literalString(bucket.values.bucket);
  return name !== undefined && new RegExp(`^arn:[^:]+:s3:::${name.replace(/[.]/g, "\\.")}/?$`).test(value);
}

/** A basic event selector that records reads and writes of the bucket's objects. */
function basicCovers(sel: JsonObject, bucket: TfResource): boolean {
  const rw = literalString(sel.read_write_type) ?? "All";
  return (
    rw === "All" &&
    blocks(sel.data_resource).some(
      (d) => d.type === "AWS::S3::Object" && strings(d.values).some((v) => coversBucket(v, bucket)),
    )
  );
}

/** Fields an advanced selector may have and still record every read and write of the bucket's objects. */
const ADVANCED_FIELDS = new Set(["eventCategory", "resources.type", "resources.ARN"]);

/**
 * An advanced event selector that records every object operation of the bucket: object events, no
 * field that narrows them (readOnly, eventName, eventSource, userIdentity.arn, ...), and an ARN field,
 * if any, that only starts with prefixes and one of them covers the bucket.
 */
function advancedCovers(sel: JsonObject, bucket: TfResource): boolean {
  const fields = blocks(sel.field_selector);
  const field = (name: string) => fields.find((f) => f.field === name);
  if (!strings(field("resources.type")?.equals).includes("AWS::S3::Object")) return false;
  if (fields.some((f) => typeof f.field !== "string" || !ADVANCED_FIELDS.has(f.field))) return false;
  const category = field("eventCategory");
  if (category !== undefined && !strings(category.equals).every((c) => c === "Data")) return false;
  const arn = field("resources.ARN");
  if (arn === undefined) return true;
  if (["equals", "ends_with", "not_equals", "not_starts_with", "not_ends_with"].some((k) => arn[k] !== undefined))
    return false;
  return strings(arn.starts_with).some((v) => coversBucket(v, bucket));
}

/**
 * Whether a trail records read and write data events for the bucket: one that Terraform certainly
 * creates, that logs (enable_logging not false), in the bucket's partition and, unless it records
 * every region, in the bucket's region.
 */
function dataEventsCover(template: Template, bucket: TfResource): boolean {
  const where = placementOf(template, bucket);
  return resourcesOfType(template, "aws_cloudtrail").some((trail) => {
    if (mayBeAbsent(trail) || literalBool(trail.values.enable_logging ?? true) !== true) return false;
    const at = placementOf(template, trail);
    if (at.partition?.id !== where.partition?.id) return false;
    if (literalBool(trail.values.is_multi_region_trail) !== true && at.region !== where.region) return false;
    return (
      blocks(trail.values.event_selector).some((sel) => basicCovers(sel, bucket)) ||
      blocks(trail.values.advanced_event_selector).some((sel) => advancedCovers(sel, bucket))
    );
  });
}

/**
 * Buckets that receive logs (server access logs or trails) from blocks Terraform certainly creates:
 * they cannot log into themselves. A decoy under `count = 0` exempts nothing (issue 15).
 */
function logDestinations(template: Template): Set<string> {
  const out = new Set<string>();
  for (const l of resourcesOfType(template, "aws_s3_bucket_logging").filter((r) => !mayBeAbsent(r))) {
    const target = bucketOf(template, l.values.target_bucket);
    if (target) out.add(target.address);
  }
  for (const t of resourcesOfType(template, "aws_cloudtrail").filter((r) => !mayBeAbsent(r))) {
    const target = bucketOf(template, t.values.s3_bucket_name);
    if (target) out.add(target.address);
  }
  return out;
}

/**
 * Requests to the bucket are recorded: server access logging, or CloudTrail data events (reads and
 * writes) for its objects. Log destination buckets themselves are exempt.
 */
export const BucketAccessLogging = defineRule({
  id: "SIP-S3-8",
  name: "BucketAccessLogging",
  service: "s3",
  severity: "error",
  suppressible: true,
  info: "Requests to the bucket are not recorded: no server access logging and no CloudTrail data events for its objects.",
  explanation:
    "Without access records nobody can answer who read or changed a person's data, which data protection law and incident response require. CloudTrail data events (reads and writes) or server access logs provide that record.",
  fix: 'Cover the bucket with CloudTrail data events (event_selector with read_write_type "All" and data_resource type AWS::S3::Object for "<bucket ARN>/"), or add aws_s3_bucket_logging to a log bucket.',
  anchors: {
    checkov: ["CKV_AWS_18"],
    trivy: ["AVD-AWS-0089", "AVD-AWS-0171", "AVD-AWS-0172"],
    cdkNag: ["AwsSolutions-S1", "NIST.800.53.R5-S3BucketLoggingEnabled"],
  },
  reads: [
    {
      type: "aws_s3_bucket_logging",
      attribute: "bucket",
      as: "reference",
      passes: "a reference to an aws_s3_bucket of this configuration, or its literal name",
    },
    {
      type: "aws_s3_bucket_logging",
      attribute: "target_bucket",
      as: "reference",
      passes: "a reference to an aws_s3_bucket of this configuration, or its literal name",
    },
  ],
  evaluate({ template }) {
    const violations: Violation[] = [];
    const destinations = logDestinations(template);
    let checked = 0;
    for (const bucket of buckets(template)) {
      if (destinations.has(bucket.address)) continue;
      checked++;
      const logging =
        configsOf(template, bucket, "aws_s3_bucket_logging").length > 0 || blocks(bucket.values.logging).length > 0;
      if (!logging && !dataEventsCover(template, bucket)) {
        violations.push({
          address: bucket.address,
          detail:
            "neither aws_s3_bucket_logging nor a CloudTrail trail with read and write data events covers this bucket",
        });
      }
    }
    return verdict(checked, violations);
  },
});
