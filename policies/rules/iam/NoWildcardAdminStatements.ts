import { LITERAL_POLICY, policyReads } from "../../core/unknowns";
import { policyDocuments, statementLabel, statementsOf } from "../../core/policy-documents";
import { defineRule, type Violation, verdict } from "../../core/types";

/** Identity policies grant no `*` action, no NotAction allow and no `<service>:*` on every resource. */
export const NoWildcardAdminStatements = defineRule({
  id: "SIP-IAM-1",
  name: "NoWildcardAdminStatements",
  service: "iam",
  severity: "error",
  suppressible: true,
  info: 'An identity policy allows "*" actions, allows with NotAction, or allows a whole service ("<service>:*") on every resource.',
  explanation:
    "Such a statement turns a workload role into an administrator of the account (or of a whole service): one compromised function could then read every data class, change key policies or create credentials.",
  fix: 'List the actions the workload needs and scope Resource to its own ARNs; the modules\' grant methods (perms.ts) produce such statements.',
  anchors: {
    checkov: ["CKV_AWS_62", "CKV_AWS_63", "CKV_AWS_1", "CKV_AWS_49"],
    trivy: ["AVD-AWS-0057"],
    cdkNag: ["AwsSolutions-IAM5", "NIST.800.53.R5-IAMPolicyNoStatementsWithAdminAccess", "NIST.800.53.R5-IAMPolicyNoStatementsWithFullAccess"],
  },
  reads: policyReads(LITERAL_POLICY, "identity"),
  evaluate({ template }) {
    const violations: Violation[] = [];
    let checked = 0;
    for (const doc of policyDocuments(template)) {
      if (doc.kind !== "identity" || doc.document === undefined) continue;
      checked++;
      const problems: string[] = [];
      for (const s of statementsOf(doc.document)) {
        if (s.effect !== "Allow") continue;
        if (s.actions.some((a) => a === "*" || a === "*:*")) problems.push(`${statementLabel(s)} allows action "*"`);
        else if (s.notActions.length > 0) problems.push(`${statementLabel(s)} allows everything except NotAction`);
        else if (s.resources.includes("*")) {
          const services = s.actions.filter((a) => /^[^:*]+:\*$/.test(a));
          if (services.length > 0) problems.push(`${statementLabel(s)} allows ${services.join(", ")} on Resource "*"`);
        }
      }
      if (problems.length > 0) violations.push({ address: doc.address, detail: `${doc.attribute}: ${problems.join("; ")}` });
    }
    return verdict(checked, violations);
  },
});
