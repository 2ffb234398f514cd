import type { Construct } from "../framework/cdktf";
import type { Placement, Side } from "../modules/placement";
import { awsPlacement } from "./aws-placement";
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
    const make = (side: Side, accountId: string, region: string): Placement =>
      awsPlacement(this, side, pinning, {
        side,
        alias: side,
        accountId,
        region,
        administratorRoleName: "platform-deployer",
      });
    this.sovereign = make("sovereign", "111111111111", "eusc-de-east-1");
    this.commercial = make("commercial", "222222222222", "eu-central-1");
  }
}
