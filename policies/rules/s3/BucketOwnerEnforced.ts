import { bucketOf, buckets, configsThatMayExist } from "../../core/buckets";
import { blocks, literalString } from "../../core/json";
import { certainlyAbsent, mayBeAbsent, resourcesOfType, type Template, type TfResource } from "../../core/template";
import { defineRule, type Violation, verdict } from "../../core/types";

/** Why ownership controls leave ACLs enabled (a rule other than BucketOwnerEnforced), or undefined. */
function notEnforced(controls: TfResource): string | undefined {
  const ownership = blocks(controls.values.rule).map((r) => literalString(r.object_ownership));
  if (ownership.length > 0 && ownership.every((o) => o === "BucketOwnerEnforced")) return undefined;
  return `object_ownership is ${ownership.map((o) => JSON.stringify(o ?? null)).join(", ") || "not set"}, not "BucketOwnerEnforced"`;
}

/**
 * A bucket's own findings: no ownership controls that Terraform certainly creates, controls that may
 * exist and do not enforce (S3 keeps the one applied last), acl or grant arguments on the bucket.
 */
function bucketViolations(template: Template, bucket: TfResource): Violation[] {
  const violations: Violation[] = [];
  const controls = configsThatMayExist(template, bucket, "aws_s3_bucket_ownership_controls");
  if (!controls.some((c) => !mayBeAbsent(c)))
    violations.push({
      address: bucket.address,
      detail: `no aws_s3_bucket_ownership_controls that Terraform certainly creates refers to this bucket, so ACLs may stay enabled`,
    });
  for (const c of controls) {
    const problem = notEnforced(c);
    if (problem !== undefined) violations.push({ address: c.address, detail: `${problem} (for ${bucket.address})` });
  }
  if (bucket.values.acl !== undefined || bucket.values.grant !== undefined)
    violations.push({
      address: bucket.address,
      detail: "the bucket sets acl or grant arguments; ACLs must stay disabled",
    });
  return violations;
}

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
    for (const bucket of all) violations.push(...bucketViolations(template, bucket));
    // Any ACL resource Terraform may create enables ACLs on its bucket, declared here or not.
    for (const acl of resourcesOfType(template, "aws_s3_bucket_acl").filter((r) => !certainlyAbsent(r))) {
      const target = bucketOf(template, acl.values.bucket);
      violations.push({
        address: acl.address,
        detail: `sets an ACL on ${target?.address ?? JSON.stringify(acl.values.bucket ?? null)}; ACLs must stay disabled`,
      });
    }
    // Ownership controls for a bucket this configuration does not declare still weaken that bucket.
    const outside = resourcesOfType(template, "aws_s3_bucket_ownership_controls").filter(
      (c) => !certainlyAbsent(c) && bucketOf(template, c.values.bucket) === undefined,
    );
    for (const c of outside) {
      const problem = notEnforced(c);
      if (problem !== undefined)
        violations.push({
          address: c.address,
          detail: `${problem} (for ${JSON.stringify(c.values.bucket ?? null)}, a bucket outside this configuration)`,
        });
    }
    return verdict(all.length + outside.length, violations);
  },
});
