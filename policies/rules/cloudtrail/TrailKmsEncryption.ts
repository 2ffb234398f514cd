import { customerKeyProblem } from "../../core/keys";
import { resourcesOfType } from "../../core/template";
import { defineRule, type Violation, verdict } from "../../core/types";

export const TrailKmsEncryption = defineRule({
  id: "SIP-CT-2",
  name: "TrailKmsEncryption",
  service: "cloudtrail",
  severity: "error",
  suppressible: true,
  info: "The trail's log files are not encrypted with a customer managed KMS key.",
  explanation:
    "Audit logs name principals, source addresses and object keys of personal data. SSE-KMS with the platform's own key restricts who can read them to those the key policy allows, and records every read.",
  fix: "Set kms_key_id on the aws_cloudtrail to the audit key's ARN, an aws_kms_key of this configuration (its key policy must allow cloudtrail.amazonaws.com to encrypt with aws:SourceArn of the trail). A literal key ARN counts only in the account and partition of the provider, which must state its account (allowed_account_ids).",
  anchors: {
    checkov: ["CKV_AWS_35"],
    trivy: ["AVD-AWS-0015"],
    cdkNag: ["NIST.800.53.R5-CloudTrailEncryptionEnabled"],
  },
  reads: [
    {
      type: "aws_cloudtrail",
      attribute: "kms_key_id",
      as: "reference",
      passes:
        "a reference to a customer managed key of this configuration, or a literal key ARN in the partition and account of the block's provider (allowed_account_ids)",
    },
  ],
  evaluate({ template }) {
    const trails = resourcesOfType(template, "aws_cloudtrail");
    const violations: Violation[] = [];
    for (const t of trails) {
      const key = t.values.kms_key_id;
      if (typeof key !== "string" || key === "") {
        violations.push({ address: t.address, detail: "kms_key_id is not set" });
        continue;
      }
      const problem = customerKeyProblem(template, t, key);
      if (problem !== undefined) violations.push({ address: t.address, detail: `kms_key_id: ${problem}` });
    }
    return verdict(trails.length, violations);
  },
});
