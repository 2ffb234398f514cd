import { ScpAttached } from "../../rules/organizations/ScpAttached";
import { describeRules } from "../harness";

describeRules([
  {
    rule: ScpAttached,
    compliant: ["organizations/compliant.tf.json"],
    noncompliant: [
      // nothing attached; only the region rule; a policy of another type does not count
      [
        "organizations/ScpAttached/noncompliant-1.tf.json",
        ["aws_organizations_account.bare", "aws_organizations_account.regions-only"],
      ],
      // an Allow is not a deny, and no statement denies outside the regions
      ["organizations/ScpAttached/noncompliant-2.tf.json", ["aws_organizations_account.tenant"]],
      // everything denied, but in six SCPs: AWS attaches at most five, FullAWSAccess included
      ["organizations/ScpAttached/noncompliant-3.tf.json", ["aws_organizations_account.tenant"]],
    ],
  },
]);
