import { literalString } from "../../core/json";
import { LITERAL_POLICY } from "../../core/unknowns";
import { coversAction, policyDocuments, statementsOf } from "../../core/policy-documents";
import { refersTo } from "../../core/references";
import { resourcesOfType } from "../../core/template";
import { defineRule, type Violation, verdict } from "../../core/types";

/**
 * What the service control policies attached to a tenant account must deny between them (issue 20
 * item 1): each an action that a Deny statement covers, narrowed at most by an aws:PrincipalArn
 * condition (the deploy roles' exemption).
 */
export const REQUIRED_DENIES: ReadonlyArray<readonly [string, string]> = [
  ["iam:CreateUser", "creating IAM users"],
  ["iam:CreateAccessKey", "creating access keys"],
  ["organizations:LeaveOrganization", "leaving the organization"],
  ["cloudtrail:StopLogging", "stopping the trail"],
  ["cloudtrail:DeleteTrail", "deleting the trail"],
  ["kms:ScheduleKeyDeletion", "scheduling the deletion of keys"],
  ["kms:DisableKey", "disabling keys"],
  ["s3:PutAccountPublicAccessBlock", "changing the account's S3 Block Public Access"],
];

export const ScpAttached = defineRule({
  id: "SIP-ORG-1",
  name: "ScpAttached",
  service: "organizations",
  severity: "error",
  suppressible: true,
  info: "A member account of the organization lacks the platform's service control policies.",
  explanation:
    "The guardrail checker proves the Terraform; someone with a role in a tenant account can still change things in the console. Service control policies bound every principal of the account: no IAM users or access keys, no leaving the organization, the trail and the keys stay on, Block Public Access stays on, nothing outside the allowed regions.",
  fix: "Attach the platform's SCPs (modules/organization-guardrails) to the account or its OU with aws_organizations_policy_attachment; each required action must be covered by a Deny statement of an attached SERVICE_CONTROL_POLICY, and one must deny requests outside the allowed regions (aws:RequestedRegion).",
  anchors: {},
  reads: [
    {
      type: "aws_organizations_policy_attachment",
      attribute: "target_id",
      as: "reference",
      passes: "a reference to an aws_organizations_account of this configuration",
    },
    {
      type: "aws_organizations_policy_attachment",
      attribute: "policy_id",
      as: "reference",
      passes: "a reference to an aws_organizations_policy of this configuration",
    },
    {
      type: "aws_organizations_policy",
      attribute: "type",
      as: "literal",
      passes: 'a literal "SERVICE_CONTROL_POLICY"',
    },
    { type: "aws_organizations_policy", attribute: "content", as: "document", passes: LITERAL_POLICY },
  ],
  evaluate({ template }) {
    const accounts = resourcesOfType(template, "aws_organizations_account");
    const attachments = resourcesOfType(template, "aws_organizations_policy_attachment");
    const scps = resourcesOfType(template, "aws_organizations_policy").filter(
      (p) => (literalString(p.values.type) ?? "SERVICE_CONTROL_POLICY") === "SERVICE_CONTROL_POLICY",
    );
    const documents = policyDocuments(template).filter((d) => d.kind === "scp" && d.document !== undefined);
    const violations: Violation[] = [];
    for (const account of accounts) {
      const attached = scps.filter((scp) =>
        attachments.some(
          (a) => refersTo(a.values.target_id, account.address) && refersTo(a.values.policy_id, scp.address),
        ),
      );
      const denies = documents
        .filter((d) => attached.some((scp) => scp.address === d.address))
        .flatMap((d) => statementsOf(d.document ?? {}).filter((s) => s.effect === "Deny"));
      // A deny counts when only a principal exemption (the deploy roles) narrows it: one that holds
      // only outside the regions, say, does not stop the action inside them.
      const general = denies.filter((s) => s.conditions.every((c) => c.key.toLowerCase() === "aws:principalarn"));
      const missing = REQUIRED_DENIES.filter(([action]) => !general.some((s) => coversAction(s.actions, action))).map(
        ([, what]) => what,
      );
      const regionDeny = denies.some((s) => s.conditions.some((c) => c.key.toLowerCase() === "aws:requestedregion"));
      if (!regionDeny) missing.push("requests outside the allowed regions (aws:RequestedRegion)");
      // AWS attaches at most five SCPs to a target; FullAWSAccess, the default, is one of them.
      if (attached.length > 4)
        missing.push(
          `with ${attached.length} SCPs attached besides FullAWSAccess (AWS attaches at most five to an account: merge them into four or fewer)`,
        );
      if (missing.length > 0)
        violations.push({
          address: account.address,
          detail:
            attached.length === 0
              ? "no service control policy is attached to it"
              : `its attached SCPs (${attached.map((s) => s.address).join(", ")}) do not deny ${missing.join("; ")}`,
        });
    }
    return verdict(accounts.length, violations);
  },
});
