import { describe, expect, it } from "vitest";
import { NoAdminManagedPolicies } from "../../rules/iam/NoAdminManagedPolicies";
import { NoIamUsers } from "../../rules/iam/NoIamUsers";
import { NoWildcardAdminStatements } from "../../rules/iam/NoWildcardAdminStatements";
import { PolicyDocumentValid } from "../../rules/iam/PolicyDocumentValid";
import { RestrictableActionsOnNamedResources } from "../../rules/iam/RestrictableActionsOnNamedResources";
import { ScopedTrustPolicy } from "../../rules/iam/ScopedTrustPolicy";
import { describeRules, evaluate, fixture } from "../harness";

const C = ["iam/compliant.tf.json"];
const n = (rule: string, i: number) => `iam/${rule}/noncompliant-${i}.tf.json`;

describeRules([
  {
    rule: RestrictableActionsOnNamedResources,
    compliant: C,
    noncompliant: [
      // a data read on every secret
      [n("RestrictableActionsOnNamedResources", 1), ["aws_iam_role_policy.fn"]],
      // privilege escalation on every role
      [n("RestrictableActionsOnNamedResources", 2), ["aws_iam_role_policy.fn"]],
      // a wildcard action that expands to data reads
      [n("RestrictableActionsOnNamedResources", 3), ["aws_iam_role_policy.fn"]],
      // NotResource: every key but one
      [n("RestrictableActionsOnNamedResources", 4), ["aws_iam_role_policy.fn"]],
      // the Lambda network-interface actions on a role that is no Lambda function's
      [n("RestrictableActionsOnNamedResources", 5), ["aws_iam_role_policy.sync"]],
      // NotAction, arn:*, **, every object, every secret, every key under a condition an untagged key meets
      [
        n("RestrictableActionsOnNamedResources", 6),
        [
          "aws_iam_role_policy.arn-wildcard",
          "aws_iam_role_policy.double-star",
          "aws_iam_role_policy.every-key-forall",
          "aws_iam_role_policy.every-key-negated",
          "aws_iam_role_policy.every-object",
          "aws_iam_role_policy.every-secret",
          "aws_iam_role_policy.not-action",
        ],
      ],
      // issue 15 probe: an IAM Identity Center permission set's inline policy reads every secret
      [n("RestrictableActionsOnNamedResources", 7), ["aws_ssoadmin_permission_set_inline_policy.support"]],
    ],
  },
  {
    rule: NoWildcardAdminStatements,
    compliant: C,
    noncompliant: [
      [n("NoWildcardAdminStatements", 1), ["aws_iam_policy.admin"]],
      [n("NoWildcardAdminStatements", 2), ["aws_iam_role.wide", "aws_iam_role_policy.except"]],
      // issue 15 probes: "**", a service on an all-wildcard ARN, NotResource, "s3:*?"
      [
        n("NoWildcardAdminStatements", 3),
        ["aws_iam_policy.arnall", "aws_iam_policy.notresource", "aws_iam_policy.stars", "aws_iam_policy.svcstar"],
      ],
      // issue 15 probe: "*" and iam:* in the inline policies of IAM Identity Center permission sets
      [
        n("NoWildcardAdminStatements", 4),
        ["aws_ssoadmin_permission_set_inline_policy.admins", "aws_ssoadmin_permission_set_inline_policy.iam"],
      ],
    ],
  },
  {
    rule: ScopedTrustPolicy,
    compliant: C,
    noncompliant: [
      [n("ScopedTrustPolicy", 1), ["aws_iam_role.open"]],
      [n("ScopedTrustPolicy", 2), ["aws_iam_role.account", "aws_iam_role.oidc"]],
      [n("ScopedTrustPolicy", 3), ["aws_iam_role.sync"]],
      // "*" scoped only by a principal tag, which the principal's owner sets
      [n("ScopedTrustPolicy", 4), ["aws_iam_role.open"]],
      // "*" with an ARN condition whose account is a wildcard
      [n("ScopedTrustPolicy", 5), ["aws_iam_role.open"]],
      // "*" with an ...IfExists condition
      [n("ScopedTrustPolicy", 6), ["aws_iam_role.open"]],
      // "*" in a jsonencode trust policy with a computed condition: could not be evaluated (issue 15)
      [n("ScopedTrustPolicy", 7), ["aws_iam_role.computed"]],
      // federation limited only by the audience, an unrelated key, "repo:*", a negated or IfExists
      // subject, or another provider's claim (issue 15); EKS, SAML and Cognito with their identity keys pass
      [
        n("ScopedTrustPolicy", 8),
        [
          "aws_iam_role.aud_only",
          "aws_iam_role.if_exists_sub",
          "aws_iam_role.not_sub",
          "aws_iam_role.other_provider_sub",
          "aws_iam_role.unrelated",
          "aws_iam_role.wildcard_sub",
        ],
      ],
    ],
  },
  {
    rule: NoAdminManagedPolicies,
    compliant: C,
    noncompliant: [
      [n("NoAdminManagedPolicies", 1), ["aws_iam_role_policy_attachment.admin"]],
      [n("NoAdminManagedPolicies", 2), ["aws_iam_role.power"]],
      // issue 15 probe: the managed policy looked up through data.aws_iam_policy (by ARN, by name)
      [
        n("NoAdminManagedPolicies", 3),
        ["aws_iam_role_policy_attachment.admin", "aws_iam_role_policy_attachment.power"],
      ],
      // issue 15 probe: AdministratorAccess and PowerUserAccess on IAM Identity Center permission sets
      [
        n("NoAdminManagedPolicies", 4),
        ["aws_ssoadmin_managed_policy_attachment.admins", "aws_ssoadmin_managed_policy_attachment.power"],
      ],
    ],
  },
  {
    rule: PolicyDocumentValid,
    compliant: C,
    noncompliant: [
      [n("PolicyDocumentValid", 1), ["aws_iam_policy.typos"]],
      [n("PolicyDocumentValid", 2), ["aws_s3_bucket_policy.b"]],
      [n("PolicyDocumentValid", 3), ["aws_iam_policy.broken"]],
      [
        n("PolicyDocumentValid", 4),
        ["aws_iam_policy.principal", "aws_iam_role.noprincipal", "aws_iam_role.withresource"],
      ],
      // an OIDC claim IAM does not map (":subject" for ":sub"); the compliant fixture's ":aud"/":sub" pass
      [n("PolicyDocumentValid", 5), ["aws_iam_role.ci"]],
      // denies that cannot match: Bool "flase", Condtion, Action [], a /33 CIDR, a variable in a key's service part
      [
        n("PolicyDocumentValid", 6),
        [
          "aws_s3_bucket_policy.bool-typo",
          "aws_s3_bucket_policy.empty-action",
          "aws_s3_bucket_policy.ip-typo",
          "aws_s3_bucket_policy.misspelt-condition",
          "aws_s3_bucket_policy.variable-key",
        ],
      ],
      // issue 15 probe: the inline policy of an IAM Identity Center permission set, misspelt and not JSON
      [
        n("PolicyDocumentValid", 7),
        ["aws_ssoadmin_permission_set_inline_policy.broken", "aws_ssoadmin_permission_set_inline_policy.typos"],
      ],
    ],
  },
  {
    rule: NoIamUsers,
    compliant: [],
    noncompliant: [
      [n("NoIamUsers", 1), ["aws_iam_access_key.k", "aws_iam_user.u"]],
      // aws_iam_policy_attachment to users (the one to roles is fine), and an IAM group
      [n("NoIamUsers", 2), ["aws_iam_group.ops", "aws_iam_policy_attachment.to-users"]],
      // users = null and groups = null mean "not set": that attachment is to roles only (checkov CKV_AWS_40's fixture)
      [n("NoIamUsers", 3), ["aws_iam_group.ops", "aws_iam_policy_attachment.to-users"]],
    ],
  },
]);

describe("SIP-IAM-7 and a Lambda function's own role in a VPC", () => {
  it('accepts the network-interface actions on Resource "*" as the structural exception, and nothing else', async () => {
    // Act
    const result = await evaluate(RestrictableActionsOnNamedResources, fixture("iam/lambda-vpc-networking.tf.json"));
    // Assess
    const list = result.kind === "NonCompliant" ? result.violations : [];
    expect(list.map((v) => [v.address, v.acceptedBecause !== undefined])).toEqual([["aws_iam_role_policy.fn", true]]);
  });
});
