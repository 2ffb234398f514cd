import type { ExampleStack } from "../../../stacks/example-stack";
import { KmsKey } from "../../kms-key";
import { Network } from "..";

/** The platform's private network in two zones of the sovereign region. */
export function example(stack: ExampleStack): void {
  const logKey = new KmsKey(stack, "logs-key", {
    placement: stack.sovereign,
    aliasName: "example/logs",
    description: "example: flow logs",
  });
  new Network(stack, "network", {
    placement: stack.sovereign,
    name: "example",
    vpcCidr: "10.10.0.0/16",
    availabilityZones: ["eusc-de-east-1a", "eusc-de-east-1b"],
    allowedAccountIds: [stack.sovereign.accountId],
    logKey,
  });
}
