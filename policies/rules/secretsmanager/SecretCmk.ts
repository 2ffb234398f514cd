import { customerKeyProblem } from "../../core/keys";
import { resourcesOfType } from "../../core/template";
import { defineRule, type Violation, verdict } from "../../core/types";

export const SecretCmk = defineRule({
  id: "SIP-SM-1",
  name: "SecretCmk",
  service: "secretsmanager",
  severity: "error",
  suppressible: true,
  info: "The secret is not encrypted with a customer managed KMS key.",
  explanation:
    "With the AWS managed aws/secretsmanager key anyone allowed to read the secret in the account can decrypt it. A customer managed key adds a second, reviewed policy and makes secrets of a tenant shreddable with its key.",
  fix: "Set kms_key_id on the aws_secretsmanager_secret to a customer managed key of this configuration (a literal key ARN counts only in the account and partition of the provider, which must state its account in allowed_account_ids).",
  anchors: {
    checkov: ["CKV_AWS_149"],
    trivy: ["AVD-AWS-0098"],
    cdkNag: ["NIST.800.53.R5-SecretsManagerUsingKMSKey"],
  },
  reads: [
    {
      type: "aws_secretsmanager_secret",
      attribute: "kms_key_id",
      as: "reference",
      passes:
        "a reference to a customer managed key of this configuration, or a literal key ARN in the partition and account of the block's provider (allowed_account_ids)",
    },
  ],
  evaluate({ template }) {
    const secrets = resourcesOfType(template, "aws_secretsmanager_secret");
    const violations: Violation[] = [];
    for (const s of secrets) {
      const key = s.values.kms_key_id;
      if (typeof key !== "string" || key === "")
        violations.push({ address: s.address, detail: "kms_key_id is not set (AWS managed key aws/secretsmanager)" });
      else {
        const problem = customerKeyProblem(template, s, key);
        if (problem !== undefined) violations.push({ address: s.address, detail: `kms_key_id: ${problem}` });
      }
    }
    return verdict(secrets.length, violations);
  },
});
