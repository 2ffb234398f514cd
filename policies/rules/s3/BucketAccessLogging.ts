import { bucketOf, buckets, configsOf, missingFromBucketPolicies } from "../../core/buckets";
import { blocks, type JsonObject, literalBool, literalString, strings } from "../../core/json";
import { placementOf } from "../../core/placement";
import { deniesWritesButLogDelivery } from "../../core/policy-checks";
import { type PolicyDocumentRef, policyDocuments, statementsOf } from "../../core/policy-documents";
import { refersTo } from "../../core/references";
import { DATA_CLASS_TAG, dataClassOf } from "../../core/residency";
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
 * Buckets that receive logs (server access logs or trails) from blocks Terraform certainly creates,
 * with the blocks that deliver them. A decoy under `count = 0` makes no bucket a log bucket (issue 15).
 */
function logDestinations(template: Template): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (target: TfResource | undefined, source: string) => {
    if (target) out.set(target.address, [...(out.get(target.address) ?? []), source]);
  };
  for (const l of resourcesOfType(template, "aws_s3_bucket_logging").filter((r) => !mayBeAbsent(r)))
    add(bucketOf(template, l.values.target_bucket), l.address);
  for (const t of resourcesOfType(template, "aws_cloudtrail").filter((r) => !mayBeAbsent(r)))
    add(bucketOf(template, t.values.s3_bucket_name), t.address);
  return out;
}

/**
 * Why a bucket that receives logs is not a dedicated log bucket, or undefined when it is: it carries
 * no data class, or every bucket policy it may end up with denies object writes to everyone but log
 * deliveries, so it can hold no application data (the platform's audit buckets, which carry a class
 * in the commercial partition because everything there must). A data bucket that also receives logs
 * is not exempt from recording its own requests (issue 15: being another bucket's log target exempted it).
 */
function notDedicated(template: Template, bucket: TfResource, docs: readonly PolicyDocumentRef[]): string | undefined {
  const dataClass = dataClassOf(template, bucket);
  if (dataClass === undefined) return undefined;
  const missing = missingFromBucketPolicies(
    template,
    bucket,
    docs,
    (p) => p.document !== undefined && statementsOf(p.document).some(deniesWritesButLogDelivery),
    "object writes other than log deliveries (s3:PutObject and s3:ReplicateObject to everyone on all of its objects, unless aws:SourceArn names the log source or aws:PrincipalServiceName a log delivery service, under no other condition)",
  );
  return missing === undefined ? undefined : `it carries ${DATA_CLASS_TAG} ${dataClass} and ${missing}`;
}

/**
 * Requests to the bucket are recorded: server access logging, or CloudTrail data events (reads and
 * writes) for its objects. Dedicated log buckets (they receive logs and carry no data class, or deny
 * every object write but log deliveries) are exempt: they cannot record into themselves.
 */
export const BucketAccessLogging = defineRule({
  id: "SIP-S3-8",
  name: "BucketAccessLogging",
  service: "s3",
  severity: "error",
  suppressible: true,
  info: "Requests to the bucket are not recorded: no server access logging and no CloudTrail data events for its objects (only a dedicated log bucket is exempt).",
  explanation: `Without access records nobody can answer who read or changed a person's data, which data protection law and incident response require. CloudTrail data events (reads and writes) or server access logs provide that record. Only a dedicated log bucket is exempt, because it cannot record into itself: one that receives server access logs or trail log files and carries no ${DATA_CLASS_TAG}, or whose bucket policy denies every object write but log deliveries. A data bucket does not become exempt by also receiving logs.`,
  fix: `Cover the bucket with CloudTrail data events (event_selector with read_write_type "All" and data_resource type AWS::S3::Object for "<bucket ARN>/"), or add aws_s3_bucket_logging to a log bucket. Deliver logs to a bucket of their own: without a ${DATA_CLASS_TAG}, or with a bucket policy statement that denies s3:PutObject and s3:ReplicateObject on "<bucket ARN>/*" to Principal "*" under StringNotEquals aws:SourceArn (the trail or logged bucket) and no other condition.`,
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
    {
      type: "aws_s3_bucket",
      attribute: `tags.${DATA_CLASS_TAG}`,
      as: "literal",
      passes: "a literal data class, or leaving it out",
    },
  ],
  evaluate({ template }) {
    const violations: Violation[] = [];
    const destinations = logDestinations(template);
    const docs = policyDocuments(template);
    let checked = 0;
    for (const bucket of buckets(template)) {
      const sources = destinations.get(bucket.address);
      const why = sources === undefined ? undefined : notDedicated(template, bucket, docs);
      if (sources !== undefined && why === undefined) continue;
      checked++;
      const logging =
        configsOf(template, bucket, "aws_s3_bucket_logging").length > 0 || blocks(bucket.values.logging).length > 0;
      if (!logging && !dataEventsCover(template, bucket)) {
        violations.push({
          address: bucket.address,
          detail: `neither aws_s3_bucket_logging nor a CloudTrail trail with read and write data events covers this bucket${sources === undefined ? "" : `; it receives logs from ${sources.join(", ")}, but is no dedicated log bucket: ${why}`}`,
        });
      }
    }
    return verdict(checked, violations);
  },
});
