import type { ExampleStack } from "../../../stacks/example-stack";
import { KmsKey } from "../../kms-key";
import { PrivateBucket } from "../../private-bucket";
import { AccountBaseline } from "..";

/**
 * The baseline of a tenant account, delivering AWS Config to the platform's bucket. In the platform
 * stack the placement is the tenant account's (a provider assuming OrganizationAccountAccessRole);
 * here the sovereign provider stands in for it with the tenant's account ID.
 */
export function example(stack: ExampleStack): void {
  const platform = stack.sovereign;
  const configBucket = new PrivateBucket(stack, "config-bucket", {
    placement: platform,
    bucketName: "example-config-111111111111",
    encryptionKey: new KmsKey(stack, "config-key", {
      placement: platform,
      aliasName: "example/config",
      description: "example: AWS Config deliveries of the tenant accounts",
    }),
    retentionDays: 2557,
    allowAccessOutsideVpcEndpoint: true,
  });
  new AccountBaseline(stack, "baseline", {
    placement: { ...platform, accountId: "333333333333", administratorRoleName: "OrganizationAccountAccessRole" },
    name: "example-acme",
    configBucket,
    aggregatorAccountId: platform.accountId,
  });
}
