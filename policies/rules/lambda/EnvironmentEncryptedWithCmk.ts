import { blocks, isObject } from "../../core/json";
import { customerKeyProblem } from "../../core/keys";
import { resourcesOfType } from "../../core/template";
import { defineRule, type Violation, verdict } from "../../core/types";

export const EnvironmentEncryptedWithCmk = defineRule({
  id: "SIP-LAMBDA-6",
  name: "EnvironmentEncryptedWithCmk",
  service: "lambda",
  severity: "error",
  suppressible: true,
  info: "The function has environment variables but no customer managed key (kms_key_arn) to encrypt them.",
  explanation:
    "Environment variables hold bucket names, ARNs and configuration of the data path. With the platform's own key, reading them requires a key grant and is recorded; with the AWS managed key it does not.",
  fix: "Set kms_key_arn on the function to the platform's key of the function's partition (an aws_kms_key of this configuration; a literal key ARN counts only in the account and partition of the provider, which must state its account in allowed_account_ids).",
  anchors: {
    checkov: ["CKV_AWS_173"],
  },
  reads: [
    {
      type: "aws_lambda_function",
      attribute: "kms_key_arn",
      as: "reference",
      passes:
        "a reference to a customer managed key of this configuration, or a literal key ARN in the partition and account of the block's provider (allowed_account_ids)",
    },
  ],
  evaluate({ template }) {
    const violations: Violation[] = [];
    let checked = 0;
    for (const fn of resourcesOfType(template, "aws_lambda_function")) {
      const hasVariables = blocks(fn.values.environment).some(
        (e) => isObject(e.variables) && Object.keys(e.variables).length > 0,
      );
      if (!hasVariables) continue;
      checked++;
      if (typeof fn.values.kms_key_arn !== "string" || fn.values.kms_key_arn === "")
        violations.push({ address: fn.address, detail: "environment variables are set but kms_key_arn is not" });
      else {
        const problem = customerKeyProblem(template, fn, fn.values.kms_key_arn);
        if (problem !== undefined) violations.push({ address: fn.address, detail: `kms_key_arn: ${problem}` });
      }
    }
    return verdict(checked, violations);
  },
});
