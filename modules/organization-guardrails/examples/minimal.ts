import { arn } from "../../../config/partitions";
import type { ExampleStack } from "../../../stacks/example-stack";
import { KmsKey } from "../../kms-key";
import { OrganizationGuardrails } from "..";

/**
 * The sovereign organization's SCPs, attached to the tenant accounts' OU and to the platform account
 * (111111111111); the management account (333333333333) is not a target. One platform key is created
 * here so that its ARN is a reference, as in the platform stack.
 */
export function example(stack: ExampleStack): void {
  const placement = stack.sovereign;
  const { partition, region, accountId } = placement;
  const dataKey = new KmsKey(stack, "data-key", {
    placement,
    aliasName: "example/data/identity",
    description: "example: identity",
  });
  new OrganizationGuardrails(stack, "guardrails", {
    placement,
    name: "example",
    trailArn: arn(partition, { service: "cloudtrail", region, account: accountId, resource: "trail/example-audit" }),
    trailBucketArn: arn(partition, { service: "s3", resource: "example-audit-111111111111" }),
    platformKeyArns: [dataKey.keyArn],
    deployRoleArns: [
      arn(partition, { service: "iam", account: accountId, resource: `role/${placement.administratorRoleName}` }),
    ],
    targetIds: ["ou-ab12-cd34ef56", accountId],
    managementAccountId: "333333333333",
  });
}
