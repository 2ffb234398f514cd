import { LITERAL_POLICY, policyReads } from "../../core/unknowns";
import { hasCallerScopingCondition, policyDocuments, statementLabel, statementsOf } from "../../core/policy-documents";
import { defineRule, type Violation, verdict } from "../../core/types";
import { tokenIdentityKeys, unscopedFederatedPrincipals } from "../../core/federated-trust";

function describeTokenKeys(federated: string): string {
  const keys = tokenIdentityKeys(federated);
  return keys === "saml" ? "a SAML: key" : keys.join(" or ");
}

/** Service principals whose trust must name the source (any configuration of the service could assume otherwise). */
const SOURCE_BOUND_SERVICES = new Set(["rolesanywhere.amazonaws.com"]);
const ROOT = /^(\d{12}|arn:[^:]+:iam::\d{12}:root)$/;

/**
 * Trust policies name who may assume the role: no `*`, no whole account (root) without a
 * condition, no federated principal without a positive condition on the token's identity (its
 * subject; core/federated-trust.ts), and Roles Anywhere trust bound to the trust anchor.
 */
export const ScopedTrustPolicy = defineRule({
  id: "SIP-IAM-2",
  name: "ScopedTrustPolicy",
  service: "iam",
  severity: "error",
  suppressible: true,
  info: "A role's trust policy lets too broad a set of principals assume it (\"*\", a whole account, a federated principal without a condition on the token's identity, a Roles Anywhere principal without conditions).",
  explanation:
    "Whoever can assume a role has its permissions. A trust policy open to *, to every principal of an account, to any token of an identity provider or to any certificate of any trust anchor hands the role to principals nobody reviewed.",
  fix: "Name the exact principals (role ARNs, service principals) and add conditions: aws:PrincipalArn or sts:ExternalId for accounts, the token's subject for federation (<provider host>:sub for OIDC, e.g. token.actions.githubusercontent.com:sub = repo:org/repo:ref:refs/heads/main; the audience alone admits every identity of the provider), aws:SourceArn of the trust anchor (and the certificate subject) for IAM Roles Anywhere.",
  anchors: {
    checkov: ["CKV_AWS_60", "CKV_AWS_61"],
  },
  reads: policyReads(LITERAL_POLICY, "trust"),
  evaluate({ template }) {
    const violations: Violation[] = [];
    let checked = 0;
    for (const doc of policyDocuments(template)) {
      if (doc.kind !== "trust" || doc.document === undefined) continue;
      checked++;
      const problems: string[] = [];
      for (const s of statementsOf(doc.document)) {
        if (s.effect !== "Allow" || s.principal === undefined) continue;
        // A principal's tags are set by whoever owns it, in any account: they never scope "*" or an
        // account root, only an IAM Roles Anywhere certificate (its subject) next to the trust anchor.
        const scoped = hasCallerScopingCondition(s);
        const certificateScoped =
          scoped ||
          s.conditions.some(
            (c) =>
              /^aws:PrincipalTag\/x509/i.test(c.key) &&
              !/Not|Null|IfExists/i.test(c.operator) &&
              c.values.every((v) => typeof v === "string" && v !== "" && !/^[*?]+$/.test(v)),
          );
        if (s.principal.anyone && !scoped)
          problems.push(
            `${statementLabel(s)} trusts "*"${s.conditions.length > 0 ? " with no condition that names specific callers" : ""}`,
          );
        const roots = s.principal.aws.filter((a) => ROOT.test(a));
        if (roots.length > 0 && !scoped)
          problems.push(
            `${statementLabel(s)} trusts every principal of ${roots.join(", ")} without aws:PrincipalArn or sts:ExternalId`,
          );
        const unscoped = unscopedFederatedPrincipals(s);
        if (unscoped.length > 0)
          problems.push(
            `${statementLabel(s)} trusts ${unscoped.join(", ")} without a condition on the token's identity (${unscoped.map(describeTokenKeys).join("; ")})`,
          );
        const bound = s.principal.service.filter((svc) => SOURCE_BOUND_SERVICES.has(svc));
        if (bound.length > 0 && !certificateScoped)
          problems.push(
            `${statementLabel(s)} trusts ${bound.join(", ")} without aws:SourceArn (trust anchor) or certificate conditions`,
          );
      }
      if (problems.length > 0) violations.push({ address: doc.address, detail: problems.join("; ") });
    }
    return verdict(checked, violations);
  },
});
