import { resourcesOfType, type TfResource } from "../../core/template";
import { defineRule, verdict } from "../../core/types";

const USER_TYPES = [
  "aws_iam_user",
  "aws_iam_access_key",
  "aws_iam_user_policy",
  "aws_iam_user_policy_attachment",
  "aws_iam_user_login_profile",
  "aws_iam_user_ssh_key",
  "aws_iam_service_specific_credential",
  "aws_iam_signing_certificate",
  "aws_iam_group",
  "aws_iam_group_policy",
  "aws_iam_group_policy_attachment",
  "aws_iam_group_membership",
  "aws_iam_user_group_membership",
];

/** The platform uses roles (and IAM Roles Anywhere across partitions), never IAM users. */
export const NoIamUsers = defineRule({
  id: "SIP-IAM-5",
  name: "NoIamUsers",
  service: "iam",
  severity: "error",
  suppressible: true,
  info: "The configuration creates IAM users, groups, access keys or policies attached to users or groups.",
  explanation:
    "IAM users carry long-term credentials that leak, are copied between partitions and are rarely rotated. Workloads use roles; the cross-partition path uses short-lived credentials from IAM Roles Anywhere.",
  fix: "Replace the user with a role assumed by the workload (or through IAM Roles Anywhere for the other partition), and attach policies to roles only.",
  anchors: {
    checkov: ["CKV_AWS_40"],
    trivy: ["AVD-AWS-0143"],
    cdkNag: ["NIST.800.53.R5-IAMUserNoPolicies"],
  },
  reads: [
    {
      type: "aws_iam_policy_attachment",
      attribute: "users",
      as: "reference",
      passes: "leaving it out, or an empty list",
    },
    {
      type: "aws_iam_policy_attachment",
      attribute: "groups",
      as: "reference",
      passes: "leaving it out, or an empty list",
    },
  ],
  evaluate({ template }) {
    const users = resourcesOfType(template, ...USER_TYPES);
    // aws_iam_policy_attachment attaches a policy to users and groups too (and is exclusive).
    // `users = null` is Terraform for "not set".
    const given = (a: TfResource, k: string) => a.values[k] !== undefined && a.values[k] !== null;
    const attachments = resourcesOfType(template, "aws_iam_policy_attachment").filter(
      (a) => given(a, "users") || given(a, "groups"),
    );
    const detail = (a: (typeof attachments)[number]): string => {
      const named = ["users", "groups"].filter((k) => given(a, k));
      const unknown = named.filter((k) => !Array.isArray(a.values[k]));
      if (unknown.length > 0)
        return `aws_iam_policy_attachment: ${unknown.join(" and ")} could not be evaluated (${unknown.map((k) => JSON.stringify(a.values[k])).join(", ")}); attach policies to roles only`;
      return `aws_iam_policy_attachment attaches the policy to IAM ${named.join(" and ")}; attach policies to roles only`;
    };
    const open = attachments.filter(
      (a) =>
        !["users", "groups"].every(
          (k) => !given(a, k) || (Array.isArray(a.values[k]) && (a.values[k] as unknown[]).length === 0),
        ),
    );
    return verdict(users.length + attachments.length, [
      ...users.map((u) => ({
        address: u.address,
        detail: `${u.type}: IAM users, groups and their credentials are not used by this platform`,
      })),
      ...open.map((a) => ({ address: a.address, detail: detail(a) })),
    ]);
  },
});
