import { LITERAL_POLICY, policyReads } from "../../core/unknowns";
import {
  allowsEveryone,
  hasCallerScopingCondition,
  policyDocuments,
  statementLabel,
  statementsOf,
} from "../../core/policy-documents";
import { defineRule, type Violation, verdict } from "../../core/types";

/** No key policy statement allows `*` without a condition that scopes the caller. */
export const KeyPolicyNoPublicPrincipal = defineRule({
  id: "SIP-KMS-2",
  name: "KeyPolicyNoPublicPrincipal",
  service: "kms",
  severity: "error",
  suppressible: true,
  info: 'A key policy allows Principal "*" without a condition that limits the caller (kms:CallerAccount, kms:ViaService, aws:PrincipalOrgID, ...).',
  explanation:
    "The key policy is the root of access to everything the key encrypts. An unconditioned * principal lets any AWS account use or manage the key, and with it decrypt the data of a data class or tenant.",
  fix: "Delegate to the account root of the key's own partition (arn:<partition>:iam::<account>:root) or name roles; if * is needed, add kms:CallerAccount or kms:ViaService conditions.",
  anchors: {
    checkov: ["CKV_AWS_33"],
  },
  reads: policyReads(LITERAL_POLICY, "key"),
  evaluate({ template }) {
    const violations: Violation[] = [];
    let checked = 0;
    for (const doc of policyDocuments(template)) {
      if (doc.kind !== "key") continue;
      checked++;
      // A key policy the checker cannot read (invalid JSON, computed) may be open to everyone: a finding, as for queue policies.
      if (doc.document === undefined) {
        violations.push({
          address: doc.address,
          detail: `the key policy could not be evaluated (${doc.problem ?? "not a literal document"}), so it may allow everyone`,
        });
        continue;
      }
      const open = statementsOf(doc.document).filter((s) => allowsEveryone(s) && !hasCallerScopingCondition(s));
      if (open.length > 0)
        violations.push({
          address: doc.address,
          detail: `${open.map((s) => (s.notPrincipal === undefined ? statementLabel(s) : `${statementLabel(s)} (NotPrincipal: everyone but the principals it names)`)).join(", ")} allow${open.length === 1 ? "s" : ""} Principal "*" without a caller-scoping condition`,
        });
    }
    return verdict(checked, violations);
  },
});
