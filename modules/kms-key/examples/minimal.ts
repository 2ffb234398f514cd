import type { ExampleStack } from "../../../stacks/example-stack";
import { KmsKey } from "..";

/** A data-class key on the sovereign side; the deploy role administers it, IAM of the account uses it. */
export function example(stack: ExampleStack): void {
  new KmsKey(stack, "identity-key", {
    placement: stack.sovereign,
    aliasName: "example/data/identity",
    description: "example: identity records",
    tags: { DataClass: "identity" },
  });
}
