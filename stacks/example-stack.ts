import { PARTITIONS } from "../config/partitions";
import { AwsProvider } from "../framework/aws";
import type { Construct } from "../framework/cdktf";
import type { Placement, Side } from "../modules/placement";
import { ProviderPinning } from "./provider-pinning";
import { ReadableStack } from "./readable-stack";

/**
 * A small stack for module examples and tests: the two aliased providers with fixed example
 * accounts, regions and deploy role, and the provider-pinning check.
 */
export class ExampleStack extends ReadableStack {
  readonly sovereign: Placement;
  readonly commercial: Placement;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const pinning = new ProviderPinning(this);
    this.node.addValidation(pinning);
    const make = (side: Side, accountId: string, region: string): Placement => {
      const provider = new AwsProvider(this, side, { alias: side, region, allowedAccountIds: [accountId] });
      pinning.allow(provider);
      const partition = side === "sovereign" ? PARTITIONS["aws-eusc"] : PARTITIONS.aws;
      return { side, provider, partition, accountId, region, administratorRoleName: "platform-deployer" };
    };
    this.sovereign = make("sovereign", "111111111111", "eusc-de-east-1");
    this.commercial = make("commercial", "222222222222", "eu-central-1");
  }
}
