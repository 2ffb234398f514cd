import type { ExampleStack } from "../../../stacks/example-stack";
import { Tenant } from "..";

/** A logical-tier tenant (its own key) and a vpc-tier tenant (its own key and VPC). */
export function example(stack: ExampleStack): void {
  const common = {
    placement: stack.sovereign,
    environment: "example",
    availabilityZones: ["eusc-de-east-1a", "eusc-de-east-1b"],
    allowedAccountIds: [stack.sovereign.accountId],
  };
  new Tenant(stack, "kleinverein", { ...common, tenant: { id: "kleinverein", tier: "logical" } });
  new Tenant(stack, "bergstadt", { ...common, tenant: { id: "bergstadt", tier: "vpc", vpcCidr: "10.20.0.0/16" } });
}
