import { firstBlock, literalString } from "../../core/json";
import { customerKeyProblem } from "../../core/keys";
import { resolveReference } from "../../core/references";
import { resourcesOfType } from "../../core/template";
import { defineRule, type Violation, verdict } from "../../core/types";

/** A key (not an alias) ARN: the firewall takes a key ARN or ID. */
const KEY_ARN = /^arn:[^:]+:kms:[^:]*:[^:]*:key\//;

const TYPES = ["aws_networkfirewall_firewall", "aws_networkfirewall_firewall_policy", "aws_networkfirewall_rule_group"];

/** The network firewall, its policy and its rule groups are encrypted with a customer managed key. */
export const NetworkFirewallCmk = defineRule({
  id: "SIP-VPC-7",
  name: "NetworkFirewallCmk",
  service: "vpc",
  severity: "error",
  suppressible: true,
  info: "A Network Firewall, firewall policy or rule group is not encrypted with a customer managed KMS key of this configuration's own account.",
  explanation:
    "The firewall's policy and rule groups hold the egress allowlist, the one control between the sovereign network and the internet. With AWS-owned keys their configuration is outside every key policy and key-use audit of ours; with the platform's key, reading or changing it leaves a trail and follows the key's policy. A literal key ARN of another account or partition passes that control to whoever holds the key, so a literal ARN counts only in the account and partition of the resource's provider.",
  fix: 'Add encryption_configuration { type = "CUSTOMER_KMS", key_id = <aws_kms_key ARN> } to the firewall, its policy and each rule group (modules/controlled-egress does, with the logs key). Refer to an aws_kms_key of this configuration; a literal key ARN must be in the account and partition of the provider, and the provider must state its account (allowed_account_ids).',
  anchors: {
    checkov: ["CKV_AWS_345", "CKV_AWS_346"],
  },
  reads: TYPES.flatMap((type) => [
    { type, attribute: "encryption_configuration.type", as: "literal" as const, passes: '"CUSTOMER_KMS"' },
    {
      type,
      attribute: "encryption_configuration.key_id",
      as: "reference" as const,
      passes:
        "a reference to an aws_kms_key of this configuration, or a literal key ARN in the partition and account of the block's provider (allowed_account_ids)",
    },
  ]),
  evaluate({ template }) {
    const blocks = resourcesOfType(template, ...TYPES);
    const violations: Violation[] = [];
    for (const b of blocks) {
      const enc = firstBlock(b.values.encryption_configuration);
      const type = literalString(enc?.type);
      const key = enc?.key_id;
      const target = resolveReference(template, key)?.resource;
      const literalKey = literalString(key);
      if (enc === undefined)
        violations.push({ address: b.address, detail: "no encryption_configuration: AWS-owned keys" });
      else if (type !== "CUSTOMER_KMS")
        violations.push({
          address: b.address,
          detail: `encryption_configuration.type is ${JSON.stringify(enc.type ?? null)}, not "CUSTOMER_KMS"`,
        });
      else if (target?.type === "aws_kms_key" || (literalKey !== undefined && KEY_ARN.test(literalKey))) {
        const problem = customerKeyProblem(template, b, key);
        if (problem !== undefined)
          violations.push({ address: b.address, detail: `encryption_configuration.key_id: ${problem}` });
      } else if (literalKey === undefined && target === undefined && key !== undefined)
        continue; // unevaluable: reported by the declared read
      else
        violations.push({
          address: b.address,
          detail: `encryption_configuration.key_id ${JSON.stringify(key ?? null)} is not a customer managed key`,
        });
    }
    return verdict(blocks.length, violations);
  },
});
