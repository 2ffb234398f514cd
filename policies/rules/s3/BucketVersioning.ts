import { buckets, configsOf } from "../../core/buckets";
import { blocks, literalBool, literalString } from "../../core/json";
import { defineRule, type Violation, verdict } from "../../core/types";

/** Versioning is enabled. */
export const BucketVersioning = defineRule({
  id: "SIP-S3-6",
  name: "BucketVersioning",
  service: "s3",
  severity: "error",
  suppressible: true,
  info: "The bucket does not have versioning enabled.",
  explanation:
    "Versioning keeps overwritten and deleted objects recoverable, which protects against accidental or malicious deletion and is a precondition for object lock and for replication.",
  fix: 'Add aws_s3_bucket_versioning with versioning_configuration.status = "Enabled".',
  anchors: {
    checkov: ["CKV_AWS_21"],
    trivy: ["AVD-AWS-0090"],
    cdkNag: ["NIST.800.53.R5-S3BucketVersioningEnabled"],
  },
  reads: [
    {
      type: "aws_s3_bucket_versioning",
      attribute: "bucket",
      as: "reference",
      passes: "a reference to an aws_s3_bucket of this configuration, or its literal name",
    },
    {
      type: "aws_s3_bucket_versioning",
      attribute: "versioning_configuration.status",
      as: "literal",
      passes: 'a literal "Enabled"',
    },
    { type: "aws_s3_bucket", attribute: "versioning.enabled", as: "literal", passes: "a literal true" },
  ],
  evaluate({ template }) {
    const violations: Violation[] = [];
    const all = buckets(template);
    for (const bucket of all) {
      const configs = configsOf(template, bucket, "aws_s3_bucket_versioning");
      const inline = blocks(bucket.values.versioning).some((v) => literalBool(v.enabled) === true);
      if (configs.length === 0 && !inline) {
        violations.push({ address: bucket.address, detail: "no aws_s3_bucket_versioning refers to this bucket" });
        continue;
      }
      for (const c of configs) {
        const status = blocks(c.values.versioning_configuration).map((v) => literalString(v.status));
        if (!status.includes("Enabled"))
          violations.push({
            address: c.address,
            detail: `status is ${status.map((s) => JSON.stringify(s ?? null)).join(", ") || "not set"}, not "Enabled" (for ${bucket.address})`,
          });
      }
    }
    return verdict(all.length, violations);
  },
});
