import { customerKeyProblem } from "../../core/keys";
import { resourcesOfType } from "../../core/template";
import { defineRule, type Violation, verdict } from "../../core/types";

export const LogGroupKms = defineRule({
  id: "SIP-LOGS-1",
  name: "LogGroupKms",
  service: "logs",
  severity: "error",
  suppressible: true,
  info: "The CloudWatch log group is not encrypted with a customer managed KMS key.",
  explanation:
    "Function and access logs contain tenant IDs, object keys and sometimes personal data. A customer managed key puts them under the platform's key policy and makes them unreadable when the key is deleted.",
  fix: "Set kms_key_id on the aws_cloudwatch_log_group to an aws_kms_key of this configuration (the key policy must allow logs.<region>.<dns suffix> with the kms:EncryptionContext:aws:logs:arn condition). A literal key ARN counts only in the account and partition of the provider, which must state its account (allowed_account_ids).",
  anchors: {
    checkov: ["CKV_AWS_158"],
    trivy: ["AVD-AWS-0017"],
    cdkNag: ["NIST.800.53.R5-CloudWatchLogGroupEncrypted"],
  },
  reads: [
    {
      type: "aws_cloudwatch_log_group",
      attribute: "kms_key_id",
      as: "reference",
      passes:
        "a reference to a customer managed key of this configuration, or a literal key ARN in the partition and account of the block's provider (allowed_account_ids)",
    },
  ],
  evaluate({ template }) {
    const groups = resourcesOfType(template, "aws_cloudwatch_log_group");
    const violations: Violation[] = [];
    for (const g of groups) {
      const key = g.values.kms_key_id;
      if (typeof key !== "string" || key === "") {
        violations.push({ address: g.address, detail: "kms_key_id is not set" });
        continue;
      }
      const problem = customerKeyProblem(template, g, key);
      if (problem !== undefined) violations.push({ address: g.address, detail: `kms_key_id: ${problem}` });
    }
    return verdict(groups.length, violations);
  },
});
