import { literalBool, literalString } from "../../core/json";
import { resourcesOfType } from "../../core/template";
import { defineRule, type Violation, verdict } from "../../core/types";

/** Symmetric customer managed keys rotate automatically. */
export const KeyRotation = defineRule({
  id: "SIP-KMS-1",
  name: "KeyRotation",
  service: "kms",
  severity: "error",
  suppressible: true,
  info: "The symmetric KMS key does not have automatic rotation enabled.",
  explanation:
    "Automatic rotation limits how much data one key version protects and is expected by every compliance baseline. Rotation keeps old versions, so nothing becomes unreadable.",
  fix: "Set enable_key_rotation = true on the aws_kms_key (the kms-key module does).",
  anchors: {
    checkov: ["CKV_AWS_7"],
    trivy: ["AVD-AWS-0065"],
    cdkNag: ["AwsSolutions-KMS5", "NIST.800.53.R5-KMSBackingKeyRotationEnabled"],
  },
  reads: [
    { type: "aws_kms_key", attribute: "enable_key_rotation", as: "literal", passes: "a literal true" },
    {
      type: "aws_kms_key",
      attribute: "customer_master_key_spec",
      as: "literal",
      passes: "a literal key spec, or leaving it out",
    },
    { type: "aws_kms_key", attribute: "key_usage", as: "literal", passes: "a literal key usage, or leaving it out" },
  ],
  evaluate({ template }) {
    const violations: Violation[] = [];
    let checked = 0;
    for (const key of resourcesOfType(template, "aws_kms_key")) {
      const spec = literalString(key.values.customer_master_key_spec) ?? "SYMMETRIC_DEFAULT";
      const usage = literalString(key.values.key_usage) ?? "ENCRYPT_DECRYPT";
      if (spec !== "SYMMETRIC_DEFAULT" || usage !== "ENCRYPT_DECRYPT") continue; // cannot rotate
      checked++;
      if (literalBool(key.values.enable_key_rotation) !== true) {
        violations.push({
          address: key.address,
          detail: `enable_key_rotation is ${JSON.stringify(key.values.enable_key_rotation ?? null)}`,
        });
      }
    }
    return verdict(checked, violations);
  },
});
