import { bucketOf, buckets, configsOf } from "../../core/buckets";
import { blocks, literalString, strings } from "../../core/json";
import { placementOf } from "../../core/placement";
import { refersTo } from "../../core/references";
import { resourcesOfType, type Template, type TfResource } from "../../core/template";
import { defineRule, type Violation, verdict } from "../../core/types";

/** Whether an ARN prefix value of a data event selector covers the bucket's objects. */
function coversBucket(value: string, bucket: TfResource): boolean {
  if (/^arn:[^:]+:s3(:::)?$/.test(value)) return true; // all buckets
  if (refersTo(value, bucket.address)) return true;
  const name = literalString(bucket.values.bucket);
  return name !== undefined && value.startsWith(`arn:`) && value.includes(`:s3:::${name}/`);
}

/** Whether a trail in the bucket's partition logs read and write data events for the bucket. */
function dataEventsCover(template: Template, bucket: TfResource): boolean {
  const partition = placementOf(template, bucket).partition?.id;
  return resourcesOfType(template, "aws_cloudtrail").some((trail) => {
    if (placementOf(template, trail).partition?.id !== partition) return false;
    const basic = blocks(trail.values.event_selector).some((sel) => {
      const rw = literalString(sel.read_write_type) ?? "All";
      return (
        rw === "All" &&
        blocks(sel.data_resource).some(
          (d) => d.type === "AWS::S3::Object" && strings(d.values).some((v) => coversBucket(v, bucket)),
        )
      );
    });
    const advanced = blocks(trail.values.advanced_event_selector).some((sel) => {
      const fields = blocks(sel.field_selector);
      const field = (name: string) => fields.find((f) => f.field === name);
      if (!strings(field("resources.type")?.equals).includes("AWS::S3::Object")) return false;
      if (field("readOnly") !== undefined) return false; // only reads or only writes
      const arn = field("resources.ARN");
      if (arn === undefined) return true;
      return [...strings(arn.starts_with), ...strings(arn.equals)].some((v) => coversBucket(v, bucket));
    });
    return basic || advanced;
  });
}

/** Buckets that receive logs (server access logs or trails): they cannot log into themselves. */
function logDestinations(template: Template): Set<string> {
  const out = new Set<string>();
  for (const l of resourcesOfType(template, "aws_s3_bucket_logging")) {
    const target = bucketOf(template, l.values.target_bucket);
    if (target) out.add(target.address);
  }
  for (const t of resourcesOfType(template, "aws_cloudtrail")) {
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
