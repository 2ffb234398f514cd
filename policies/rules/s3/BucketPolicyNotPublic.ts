import { LITERAL_POLICY, policyReads } from "../../core/unknowns";
import {
  allowsEveryone,
  hasCallerScopingCondition,
  policyDocuments,
  statementLabel,
  statementsOf,
} from "../../core/policy-documents";
import { defineRule, type Violation, verdict } from "../../core/types";

/** No bucket policy statement allows everyone without a condition that scopes the caller. */
export const BucketPolicyNotPublic = defineRule({
  id: "SIP-S3-9",
  name: "BucketPolicyNotPublic",
  service: "s3",
  severity: "error",
  suppressible: true,
  info: 'A bucket policy allows Principal "*" without a condition that limits who the caller is.',
  explanation:
    'An Allow to "*" grants every AWS principal (and, without Block Public Access, anonymous users) access to the bucket. Unless a condition such as aws:PrincipalOrgID, aws:SourceVpce or aws:SourceArn narrows it, that is public access to identity data.',
  fix: 'Name the principals (the roles of this account) instead of "*", or add a condition on aws:PrincipalAccount, aws:PrincipalOrgID, aws:SourceVpce or aws:SourceArn.',
  anchors: {
    checkov: ["CKV_AWS_70"],
    cdkNag: ["NIST.800.53.R5-S3BucketPublicReadProhibited", "NIST.800.53.R5-S3BucketPublicWriteProhibited"],
  },
  reads: policyReads(LITERAL_POLICY, "bucket"),
  evaluate({ template }) {
    const violations: Violation[] = [];
    let checked = 0;
    for (const doc of policyDocuments(template)) {
      if (doc.kind !== "bucket" || doc.document === undefined) continue;
      checked++;
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
