import { resourcesOfType } from "../../core/template";
import { defineRule, verdict } from "../../core/types";

const USER_TYPES = ["aws_iam_user", "aws_iam_access_key", "aws_iam_user_policy", "aws_iam_user_policy_attachment", "aws_iam_user_login_profile"];

/** The platform uses roles (and IAM Roles Anywhere across partitions), never IAM users. */
export const NoIamUsers = defineRule({
  id: "SIP-IAM-5",
  name: "NoIamUsers",
  service: "iam",
  severity: "error",
  suppressible: true,
  info: "The configuration creates IAM users, access keys or user policies.",
  explanation:
    "IAM users carry long-term credentials that leak, are copied between partitions and are rarely rotated. Workloads use roles; the cross-partition path uses short-lived credentials from IAM Roles Anywhere.",
  fix: "Replace the user with a role assumed by the workload (or through IAM Roles Anywhere for the other partition), and attach policies to roles only.",
  anchors: {
    checkov: ["CKV_AWS_40"],
    trivy: ["AVD-AWS-0143"],
    cdkNag: ["NIST.800.53.R5-IAMUserNoPolicies"],
  },
  evaluate({ template }) {
    const users = resourcesOfType(template, ...USER_TYPES);
    return verdict(
      users.length,
      users.map((u) => ({ address: u.address, detail: `${u.type}: IAM users and their credentials are not used by this platform` })),
    );
  },
});
