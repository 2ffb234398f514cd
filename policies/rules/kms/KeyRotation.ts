import { literalBool, literalString } from "../../core/json";
import { resourcesOfType } from "../../core/template";
import { defineRule, type Violation, verdict } from "../../core/types";

/** Key specs of asymmetric and HMAC keys, which KMS cannot rotate automatically. */
const NOT_ROTATABLE_SPEC =
  /^(RSA_(2048|3072|4096)|ECC_(NIST_P(256|384|521)|SECG_P256K1|NIST_EDWARDS25519)|HMAC_(224|256|384|512)|SM2|ML_DSA_(44|65|87))$/;
/** Key usages only asymmetric or HMAC keys have. */
const NOT_ROTATABLE_USAGE = new Set(["SIGN_VERIFY", "GENERATE_VERIFY_MAC", "KEY_AGREEMENT"]);

/**
 * Whether the key is exempt: a key spec or usage that names an asymmetric or HMAC key, spelled as
 * KMS spells it. Any other value (`symmetric_default`, a stray space) is held to the rule rather than
 * exempted (issue 15: every value but the exact SYMMETRIC_DEFAULT / ENCRYPT_DECRYPT was exempt).
 */
function cannotRotate(values: Record<string, unknown>): boolean {
  const spec = literalString(values.customer_master_key_spec);
  const usage = literalString(values.key_usage);
  return (
    (spec !== undefined && NOT_ROTATABLE_SPEC.test(spec)) || (usage !== undefined && NOT_ROTATABLE_USAGE.has(usage))
  );
}

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
      if (cannotRotate(key.values)) continue;
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
