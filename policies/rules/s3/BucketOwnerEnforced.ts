import { buckets, configsOf } from "../../core/buckets";
import { blocks, literalString } from "../../core/json";
import { defineRule, type Violation, verdict } from "../../core/types";

/** ACLs are disabled: ownership controls say BucketOwnerEnforced and no ACL is set. */
export const BucketOwnerEnforced = defineRule({
  id: "SIP-S3-2",
  name: "BucketOwnerEnforced",
  service: "s3",
  severity: "error",
  suppressible: true,
  info: "The bucket does not disable ACLs (object ownership is not BucketOwnerEnforced, or an ACL is set).",
  explanation:
    "With ACLs enabled, objects written by another account stay owned by that account and can carry their own grants, outside the bucket policy. BucketOwnerEnforced makes the bucket policy the only access control, which is what reviews and the simulation tests reason about.",
  fix: 'Add aws_s3_bucket_ownership_controls with rule.object_ownership = "BucketOwnerEnforced" and remove aws_s3_bucket_acl resources and acl/grant arguments.',
  anchors: {
    checkov: ["CKV2_AWS_65", "CKV_AWS_20", "CKV_AWS_57"],
    trivy: ["AVD-AWS-0092"],
    cdkNag: ["NIST.800.53.R5-S3BucketPublicReadProhibited", "NIST.800.53.R5-S3BucketPublicWriteProhibited"],
  },
  reads: [
    {
      type: "aws_s3_bucket_ownership_controls",
      attribute: "bucket",
      as: "reference",
      passes: "a reference to an aws_s3_bucket of this configuration, or its literal name",
    },
    {
      type: "aws_s3_bucket_ownership_controls",
      attribute: "rule.object_ownership",
      as: "literal",
      passes: 'a literal "BucketOwnerEnforced"',
    },
    {
      type: "aws_s3_bucket_acl",
      attribute: "bucket",
      as: "reference",
      passes: "a reference to an aws_s3_bucket of this configuration, or its literal name",
    },
  ],
  evaluate({ template }) {
    const violations: Violation[] = [];
    const all = buckets(template);
    for (const bucket of all) {
      const controls = configsOf(template, bucket, "aws_s3_bucket_ownership_controls");
      if (controls.length === 0)
        violations.push({
          address: bucket.address,
          detail: "no aws_s3_bucket_ownership_controls refers to this bucket, so ACLs stay enabled",
        });
      for (const c of controls) {
        const ownership = blocks(c.values.rule).map((r) => literalString(r.object_ownership));
        if (!ownership.includes("BucketOwnerEnforced")) {
          violations.push({
            address: c.address,
            detail: `object_ownership is ${ownership.map((o) => JSON.stringify(o ?? null)).join(", ") || "not set"}, not "BucketOwnerEnforced" (for ${bucket.address})`,
          });
        }
      }
      for (const acl of configsOf(template, bucket, "aws_s3_bucket_acl")) {
        violations.push({ address: acl.address, detail: `sets an ACL on ${bucket.address}; ACLs must stay disabled` });
      }
      const inline = bucket.values.acl !== undefined || bucket.values.grant !== undefined;
      if (inline)
        violations.push({
          address: bucket.address,
          detail: "the bucket sets acl or grant arguments; ACLs must stay disabled",
        });
    }
    return verdict(all.length, violations);
  },
});
