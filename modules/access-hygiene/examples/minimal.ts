import { arn } from "../../../config/partitions";
import type { ExampleStack } from "../../../stacks/example-stack";
import { AccessHygiene } from "..";

/** The platform account's password policy and forensics role, for the security team's responder role. */
export function example(stack: ExampleStack): void {
  const placement = stack.sovereign;
  new AccessHygiene(stack, "access-hygiene", {
    placement,
    name: "example",
    forensicsPrincipals: [
      arn(placement.partition, { service: "iam", account: "444444444444", resource: "role/incident-responder" }),
    ],
  });
}
