import { LITERAL_POLICY } from "../../core/unknowns";
import { refersTo } from "../../core/references";
import { resourcesOfType } from "../../core/template";
import { defineRule, type Violation, verdict } from "../../core/types";

/** Every customer managed key has a key policy written in the configuration. */
export const KeyPolicyExplicit = defineRule({
  id: "SIP-KMS-3",
  name: "KeyPolicyExplicit",
  service: "kms",
  severity: "error",
  suppressible: true,
  info: "The KMS key has no explicit key policy (neither policy nor an aws_kms_key_policy).",
  explanation:
    "Without a policy, KMS applies its default: the account root with kms:*, which hands the key to every IAM principal of the account that IAM allows, administrators included, and leaves nothing to review in the change.",
  fix: "Set policy on the aws_kms_key (the kms-key module writes one: administration by the deploy role without use, use through named principals and services).",
  anchors: {
    checkov: ["CKV2_AWS_64"],
  },
  reads: [
    { type: "aws_kms_key", attribute: "policy", as: "document", passes: LITERAL_POLICY },
    { type: "aws_kms_external_key", attribute: "policy", as: "document", passes: LITERAL_POLICY },
    { type: "aws_kms_replica_key", attribute: "policy", as: "document", passes: LITERAL_POLICY },
    {
      type: "aws_kms_key_policy",
      attribute: "key_id",
      as: "reference",
      passes: "a reference to a key of this configuration",
    },
  ],
  evaluate({ template }) {
    const keys = resourcesOfType(template, "aws_kms_key", "aws_kms_external_key", "aws_kms_replica_key");
    const policies = resourcesOfType(template, "aws_kms_key_policy");
    const violations: Violation[] = keys
      .filter((k) => k.values.policy === undefined && !policies.some((p) => refersTo(p.values.key_id, k.address)))
      .map((k) => ({
        address: k.address,
        detail: "no policy and no aws_kms_key_policy: KMS applies its default policy (the account root with kms:*)",
      }));
    return verdict(keys.length, violations);
  },
});
