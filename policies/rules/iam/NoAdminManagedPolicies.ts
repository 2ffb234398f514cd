import { strings } from "../../core/json";
import { resolveReference } from "../../core/references";
import { resourcesOfType, type Template } from "../../core/template";
import { defineRule, type Violation, verdict } from "../../core/types";

const ADMIN_NAMES = /^(AdministratorAccess|IAMFullAccess|PowerUserAccess)$/i;
const ADMIN = /:iam::aws:policy\/(AdministratorAccess|IAMFullAccess|PowerUserAccess)$/i;

/**
 * The admin policy a policy ARN value designates: a literal ARN (any case, surrounding spaces), or a
 * reference to a `data.aws_iam_policy` that looks the AWS managed policy up by ARN or by name.
 */
function adminPolicy(template: Template, value: string): string | undefined {
  if (ADMIN.test(value.trim())) return value.trim();
  const ref = resolveReference(template, value);
  if (ref === undefined || ref.resource.mode !== "data" || ref.resource.type !== "aws_iam_policy") return undefined;
  const { arn, name } = ref.resource.values;
  if (typeof arn === "string" && ADMIN.test(arn.trim())) return `${arn.trim()} (through ${ref.resource.address})`;
  if (typeof name === "string" && ADMIN_NAMES.test(name.trim()))
    return `${name.trim()} (through ${ref.resource.address})`;
  return undefined;
}

export const NoAdminManagedPolicies = defineRule({
  id: "SIP-IAM-3",
  name: "NoAdminManagedPolicies",
  service: "iam",
  severity: "error",
  suppressible: true,
  info: "An IAM role, user or group, or an IAM Identity Center permission set, gets the AWS managed AdministratorAccess, PowerUserAccess or IAMFullAccess policy.",
  explanation:
    "These policies grant (nearly) everything in the account, including changing other roles and key policies. No platform workload needs them; administration happens through the deployment role outside this configuration.",
  fix: "Attach a customer managed policy (to a permission set: an inline policy) with the actions the principal needs.",
  anchors: {
    checkov: ["CKV_AWS_274"],
    cdkNag: ["AwsSolutions-IAM4"],
  },
  reads: [
    {
      type: "aws_iam_role_policy_attachment",
      attribute: "policy_arn",
      as: "reference",
      passes:
        "a literal ARN of a policy other than AdministratorAccess, PowerUserAccess and IAMFullAccess, or a reference to a policy of this configuration",
    },
    {
      type: "aws_iam_user_policy_attachment",
      attribute: "policy_arn",
      as: "reference",
      passes:
        "a literal ARN of a policy other than AdministratorAccess, PowerUserAccess and IAMFullAccess, or a reference to a policy of this configuration",
    },
    {
      type: "aws_iam_group_policy_attachment",
      attribute: "policy_arn",
      as: "reference",
      passes:
        "a literal ARN of a policy other than AdministratorAccess, PowerUserAccess and IAMFullAccess, or a reference to a policy of this configuration",
    },
    {
      type: "aws_iam_policy_attachment",
      attribute: "policy_arn",
      as: "reference",
      passes:
        "a literal ARN of a policy other than AdministratorAccess, PowerUserAccess and IAMFullAccess, or a reference to a policy of this configuration",
    },
    {
      type: "aws_iam_role",
      attribute: "managed_policy_arns",
      as: "reference",
      passes:
        "a literal ARN of a policy other than AdministratorAccess, PowerUserAccess and IAMFullAccess, or a reference to a policy of this configuration",
    },
    { type: "data.aws_iam_policy", attribute: "arn", as: "literal", passes: "a literal ARN" },
    { type: "data.aws_iam_policy", attribute: "name", as: "literal", passes: "a literal name" },
    {
      type: "aws_ssoadmin_managed_policy_attachment",
      attribute: "managed_policy_arn",
      as: "reference",
      passes:
        "a literal ARN of a policy other than AdministratorAccess, PowerUserAccess and IAMFullAccess, or a reference to a policy of this configuration",
    },
    {
      type: "aws_iam_role_policy_attachments_exclusive",
      attribute: "policy_arns",
      as: "reference",
      passes:
        "a literal ARN of a policy other than AdministratorAccess, PowerUserAccess and IAMFullAccess, or a reference to a policy of this configuration",
    },
  ],
  evaluate({ template }) {
    const violations: Violation[] = [];
    const attachments = resourcesOfType(
      template,
      "aws_iam_role_policy_attachment",
      "aws_iam_user_policy_attachment",
      "aws_iam_group_policy_attachment",
      "aws_iam_policy_attachment",
    );
    const exclusive = resourcesOfType(template, "aws_iam_role_policy_attachments_exclusive");
    const roles = resourcesOfType(template, "aws_iam_role");
    // An IAM Identity Center permission set gets an AWS managed policy by managed_policy_arn; every
    // user assigned to it gets the policy in each account it is assigned to (issue 15 probe).
    const sso = resourcesOfType(template, "aws_ssoadmin_managed_policy_attachment");
    for (const a of [...attachments, ...sso]) {
      const arn = strings(
        a.type === "aws_ssoadmin_managed_policy_attachment" ? a.values.managed_policy_arn : a.values.policy_arn,
      )
        .map((p) => adminPolicy(template, p))
        .find((p) => p !== undefined);
      if (arn) violations.push({ address: a.address, detail: `attaches ${arn}` });
    }
    for (const r of [...exclusive, ...roles]) {
      const arns = strings(r.type === "aws_iam_role" ? r.values.managed_policy_arns : r.values.policy_arns).flatMap(
        (p) => adminPolicy(template, p) ?? [],
      );
      if (arns.length > 0) violations.push({ address: r.address, detail: `attaches ${arns.join(", ")}` });
    }
    return verdict(attachments.length + sso.length + exclusive.length + roles.length, violations);
  },
});
