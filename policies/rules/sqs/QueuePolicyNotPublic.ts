import { LITERAL_POLICY } from "../../core/unknowns";
import {
  allowsEveryone,
  hasCallerScopingCondition,
  policyDocuments,
  statementLabel,
  statementsOf,
} from "../../core/policy-documents";
import { defineRule, type Violation, verdict } from "../../core/types";

/** A queue policy never allows "*" without a condition that names specific callers. */
export const QueuePolicyNotPublic = defineRule({
  id: "SIP-SQS-2",
  name: "QueuePolicyNotPublic",
  service: "sqs",
  severity: "error",
  suppressible: true,
  info: 'The queue policy allows Principal "*" without a condition that names specific callers, or cannot be evaluated.',
  explanation:
    "A queue open to every AWS principal lets anyone read the failed events (object keys of every tenant) or inject forged ones that a replay would act on.",
  fix: "Name the principals (the function's role, a service with aws:SourceArn) or add a condition that names specific callers (aws:SourceArn, aws:SourceAccount, aws:PrincipalOrgID with literal values).",
  anchors: {
    checkov: ["CKV_AWS_72", "CKV_AWS_168"],
    trivy: ["AVD-AWS-0097"],
  },
  reads: [
    { type: "aws_sqs_queue", attribute: "policy", as: "document", passes: LITERAL_POLICY },
    { type: "aws_sqs_queue_policy", attribute: "policy", as: "document", passes: LITERAL_POLICY },
  ],
  evaluate({ template }) {
    const violations: Violation[] = [];
    let checked = 0;
    for (const doc of policyDocuments(template)) {
      if (!["aws_sqs_queue", "aws_sqs_queue_policy"].includes(doc.resource.type)) continue;
      checked++;
      if (doc.document === undefined) {
        violations.push({
          address: doc.address,
          detail: `the queue policy could not be evaluated (${doc.problem ?? "not a literal document"}), so it may be open to everyone`,
        });
        continue;
      }
      const open = statementsOf(doc.document).filter((s) => allowsEveryone(s) && !hasCallerScopingCondition(s));
      if (open.length > 0)
        violations.push({
          address: doc.address,
          detail: `${open.map((s) => (s.notPrincipal === undefined ? statementLabel(s) : `${statementLabel(s)} (NotPrincipal: everyone but the principals it names)`)).join(", ")} allow${open.length === 1 ? "s" : ""} Principal "*" without a condition that names specific callers`,
        });
    }
    return verdict(checked, violations);
  },
});
