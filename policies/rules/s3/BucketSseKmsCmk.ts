import { buckets, configsOf } from "../../core/buckets";
import { blocks, literalString } from "../../core/json";
import { customerKeyProblem } from "../../core/keys";
import type { Template, TfResource } from "../../core/template";
import { defineRule, type Violation, verdict } from "../../core/types";

const KMS_ALGORITHMS = new Set(["aws:kms", "aws:kms:dsse"]);

/** A rule block of an SSE configuration uses SSE-KMS with a customer managed key. */
function describeRule(template: Template, resource: TfResource, rule: Record<string, unknown>): string | undefined {
  const byDefault = blocks(rule.apply_server_side_encryption_by_default)[0];
  const algorithm = literalString(byDefault?.sse_algorithm);
  const key = byDefault?.kms_master_key_id;
  if (algorithm === undefined || !KMS_ALGORITHMS.has(algorithm))
    return `sse_algorithm is ${JSON.stringify(byDefault?.sse_algorithm ?? null)}, not aws:kms`;
  if (typeof key !== "string" || key === "")
    return "kms_master_key_id is not set, so S3 uses the AWS managed key aws/s3";
  const problem = customerKeyProblem(template, resource, key);
  return problem === undefined ? undefined : `kms_master_key_id: ${problem}`;
}

/** Default encryption is SSE-KMS with a customer managed key. */
export const BucketSseKmsCmk = defineRule({
  id: "SIP-S3-3",
  name: "BucketSseKmsCmk",
  service: "s3",
  severity: "error",
  suppressible: true,
  info: "The bucket's default encryption is not SSE-KMS with a customer managed key.",
  explanation:
    "Only a customer managed key gives the platform its own key policy, rotation, audit trail and crypto-shredding (deleting the key makes the data unreadable). SSE-S3 or the AWS managed aws/s3 key leave all of that to AWS.",
  fix: 'Add aws_s3_bucket_server_side_encryption_configuration with sse_algorithm "aws:kms" and kms_master_key_id set to the data class key (the private-bucket module takes an encryptionKey). A literal key ARN counts only in the account and partition of the provider, which must state its account (allowed_account_ids).',
  anchors: {
    checkov: ["CKV_AWS_145", "CKV_AWS_19"],
    trivy: ["AVD-AWS-0132", "AVD-AWS-0088"],
    cdkNag: ["AwsSolutions-S3", "NIST.800.53.R5-S3DefaultEncryptionKMS"],
  },
  reads: [
    {
      type: "aws_s3_bucket_server_side_encryption_configuration",
      attribute: "bucket",
      as: "reference",
      passes: "a reference to an aws_s3_bucket of this configuration, or its literal name",
    },
    {
      type: "aws_s3_bucket_server_side_encryption_configuration",
      attribute: "rule.apply_server_side_encryption_by_default.sse_algorithm",
      as: "literal",
      passes: 'a literal "aws:kms" or "aws:kms:dsse"',
    },
    {
      type: "aws_s3_bucket_server_side_encryption_configuration",
      attribute: "rule.apply_server_side_encryption_by_default.kms_master_key_id",
      as: "reference",
      passes:
        "a reference to a customer managed key of this configuration, or a literal key ARN in the partition and account of the block's provider (allowed_account_ids)",
    },
    {
      type: "aws_s3_bucket",
      attribute: "server_side_encryption_configuration.rule.apply_server_side_encryption_by_default.sse_algorithm",
      as: "literal",
      passes: 'a literal "aws:kms" or "aws:kms:dsse"',
    },
    {
      type: "aws_s3_bucket",
      attribute: "server_side_encryption_configuration.rule.apply_server_side_encryption_by_default.kms_master_key_id",
      as: "reference",
      passes:
        "a reference to a customer managed key of this configuration, or a literal key ARN in the partition and account of the block's provider (allowed_account_ids)",
    },
  ],
  evaluate({ template }) {
    const violations: Violation[] = [];
    const all = buckets(template);
    for (const bucket of all) {
      const configs = configsOf(template, bucket, "aws_s3_bucket_server_side_encryption_configuration");
      const inline = blocks(bucket.values.server_side_encryption_configuration);
      if (configs.length === 0 && inline.length === 0) {
        violations.push({
          address: bucket.address,
          detail: "no server-side encryption configuration refers to this bucket (S3 falls back to SSE-S3)",
        });
        continue;
      }
      for (const [resource, rules] of [
        ...configs.map((c) => [c, blocks(c.values.rule)] as const),
        ...inline.map((i) => [bucket, blocks(i.rule)] as const),
      ]) {
        const address = resource.address;
        const problems = rules.map((r) => describeRule(template, resource, r));
        if (rules.length === 0) violations.push({ address, detail: "the encryption configuration has no rule" });
        else if (problems.every((p) => p !== undefined)) violations.push({ address, detail: problems.join("; ") });
      }
    }
    return verdict(all.length, violations);
  },
});
