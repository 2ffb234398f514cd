import { bucketOf, buckets, configsOf } from "../../core/buckets";
import { literalBool } from "../../core/json";
import { resourcesOfType } from "../../core/template";
import { defineRule, type Violation, verdict } from "../../core/types";

const FLAGS = ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"] as const;

/** Every bucket has a public access block with all four settings on. */
export const BucketPublicAccessBlock = defineRule({
  id: "SIP-S3-1",
  name: "BucketPublicAccessBlock",
  service: "s3",
  severity: "error",
  suppressible: true,
  info: "The bucket has no public access block, or not all four of its settings are on.",
  explanation:
    "Block Public Access is the control that keeps a bucket private even when a policy or ACL is later written wrongly. Without all four settings, one mistaken statement or ACL publishes identity data to the internet.",
  fix: "Add an aws_s3_bucket_public_access_block for the bucket with block_public_acls, block_public_policy, ignore_public_acls and restrict_public_buckets set to true (the private-bucket module does).",
  anchors: {
    checkov: ["CKV2_AWS_6", "CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56"],
    trivy: ["AVD-AWS-0094", "AVD-AWS-0086", "AVD-AWS-0087", "AVD-AWS-0091", "AVD-AWS-0093"],
    cdkNag: ["AwsSolutions-S2", "NIST.800.53.R5-S3BucketLevelPublicAccessProhibited"],
  },
  reads: [
    {
      type: "aws_s3_bucket_public_access_block",
      attribute: "bucket",
      as: "reference",
      passes: "a reference to an aws_s3_bucket of this configuration, or its literal name",
    },
    {
      type: "aws_s3_bucket_public_access_block",
      attribute: "block_public_acls",
      as: "literal",
      passes: "a literal true",
    },
    {
      type: "aws_s3_bucket_public_access_block",
      attribute: "block_public_policy",
      as: "literal",
      passes: "a literal true",
    },
    {
      type: "aws_s3_bucket_public_access_block",
      attribute: "ignore_public_acls",
      as: "literal",
      passes: "a literal true",
    },
    {
      type: "aws_s3_bucket_public_access_block",
      attribute: "restrict_public_buckets",
      as: "literal",
      passes: "a literal true",
    },
  ],
  evaluate({ template }) {
    const violations: Violation[] = [];
    const all = buckets(template);
    for (const bucket of all) {
      const blocks = configsOf(template, bucket, "aws_s3_bucket_public_access_block");
      if (blocks.length === 0) {
        violations.push({
          address: bucket.address,
          detail: "no aws_s3_bucket_public_access_block refers to this bucket",
        });
        continue;
      }
      for (const pab of blocks) {
        const off = FLAGS.filter((f) => literalBool(pab.values[f]) !== true);
        if (off.length > 0)
          violations.push({
            address: pab.address,
            detail: `${off.join(", ")} ${off.length === 1 ? "is" : "are"} not true (for ${bucket.address})`,
          });
      }
    }
    // A public access block for a bucket this configuration does not declare still weakens that bucket.
    const outside = resourcesOfType(template, "aws_s3_bucket_public_access_block").filter(
      (pab) => bucketOf(template, pab.values.bucket) === undefined,
    );
    for (const pab of outside) {
      const off = FLAGS.filter((f) => literalBool(pab.values[f]) !== true);
      if (off.length > 0)
        violations.push({
          address: pab.address,
          detail: `${off.join(", ")} ${off.length === 1 ? "is" : "are"} not true (for ${JSON.stringify(pab.values.bucket)}, a bucket outside this configuration)`,
        });
    }
    return verdict(all.length + outside.length, violations);
  },
});
