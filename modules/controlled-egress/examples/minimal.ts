import type { ExampleStack } from "../../../stacks/example-stack";
import { KmsKey } from "../../kms-key";
import { Network } from "../../network";

/**
 * A private network with the controlled egress path: workloads in `network.egress.workloadSubnets`
 * may reach the commercial Roles Anywhere endpoint and one failover bucket over TLS, nothing else.
 */
export function example(stack: ExampleStack): void {
  const logKey = new KmsKey(stack, "logs-key", {
    placement: stack.sovereign,
    aliasName: "example/logs",
    description: "example: flow and firewall logs",
  });
  new Network(stack, "network", {
    placement: stack.sovereign,
    name: "example",
    vpcCidr: "10.10.0.0/16",
    availabilityZones: ["eusc-de-east-1a", "eusc-de-east-1b"],
    allowedAccountIds: [stack.sovereign.accountId],
    logKey,
    allowInternetEgress: {
      allowedDomains: ["rolesanywhere.eu-central-1.amazonaws.com", "example-failover.s3.eu-central-1.amazonaws.com"],
      justification: "Only the sync function reaches the commercial Roles Anywhere and failover bucket endpoints",
    },
  });
}
