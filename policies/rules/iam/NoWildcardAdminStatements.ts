import { LITERAL_POLICY, policyReads } from "../../core/unknowns";
import { policyDocuments, statementLabel, statementsOf } from "../../core/policy-documents";
import { defineRule, type Violation, verdict } from "../../core/types";

/** An action pattern that matches every action: `*`, `*:*`, `**`, `*:?*` (wildcards and a colon only). */
function everyAction(action: string): boolean {
  const a = action.trim();
  return /^[*?:]+$/.test(a) && a.includes("*");
}

/** An action pattern that matches every action of a service: `s3:*`, `s3:**`, `S3:?*`. */
function wholeService(action: string): boolean {
  return /^[^:*?]+:[*?]*\*[*?]*$/.test(action.trim());
}

/**
 * A resource pattern that matches every resource of a service or of all: `*`, or an ARN whose region,
 * account and resource fields are wildcards or empty (an IAM ARN with account and resource `*`, an S3 ARN with resource `*`, or `arn:*`).
 */
function everyResource(resource: string): boolean {
  const wild = (f: string) => /^[*?]*$/.test(f);
  const r = resource.trim();
  if (wild(r)) return r.includes("*");
  const fields = r.split(":");
  if (fields[0] !== "arn") return false;
  // `*` also matches colons: `arn:*` and a partition followed by `:*` cover every field after them.
  if (fields.length < 6)
    return (
      fields.slice(3).every(wild) &&
      (fields[fields.length - 1] ?? "").includes("*") &&
      wild(fields[fields.length - 1] ?? "")
    );
  const [, , , region = "", account = "", ...rest] = fields;
  return wild(region) && wild(account) && wild(rest.join(":")) && rest.join(":").includes("*");
}

/** Identity policies grant no `*` action, no NotAction allow and no `<service>:*` on every resource. */
export const NoWildcardAdminStatements = defineRule({
  id: "SIP-IAM-1",
  name: "NoWildcardAdminStatements",
  service: "iam",
  severity: "error",
  suppressible: true,
  info: 'An identity policy allows "*" actions (also spelled "**", "*:*"), allows with NotAction, or allows a whole service ("<service>:*") on every resource ("*", an ARN of wildcards such as arn:aws:iam::*:*, or NotResource).',
  explanation:
    "Such a statement turns a workload role into an administrator of the account (or of a whole service): one compromised function could then read every data class, change key policies or create credentials.",
  fix: "List the actions the workload needs and scope Resource to its own ARNs; the modules' grant methods (perms.ts) produce such statements.",
  anchors: {
    checkov: ["CKV_AWS_62", "CKV_AWS_63", "CKV_AWS_1", "CKV_AWS_49"],
    trivy: ["AVD-AWS-0057"],
    cdkNag: [
      "AwsSolutions-IAM5",
      "NIST.800.53.R5-IAMPolicyNoStatementsWithAdminAccess",
      "NIST.800.53.R5-IAMPolicyNoStatementsWithFullAccess",
    ],
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
        const wide = s.resources.find(everyResource);
        const everywhere =
          s.notResources.length > 0
            ? "every resource except NotResource"
            : wide === undefined
              ? undefined
              : `Resource ${JSON.stringify(wide)}`;
        if (s.actions.some(everyAction)) problems.push(`${statementLabel(s)} allows action "*"`);
        else if (s.notActions.length > 0) problems.push(`${statementLabel(s)} allows everything except NotAction`);
        else if (everywhere !== undefined) {
          const services = s.actions.filter(wholeService);
          if (services.length > 0) problems.push(`${statementLabel(s)} allows ${services.join(", ")} on ${everywhere}`);
        }
      }
      if (problems.length > 0)
        violations.push({ address: doc.address, detail: `${doc.attribute}: ${problems.join("; ")}` });
    }
    return verdict(checked, violations);
  },
});
