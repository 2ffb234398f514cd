import type { ExampleStack } from "../../../stacks/example-stack";
import { KmsKey } from "..";

/**
 * A data-class key on the sovereign side (the deploy role administers it, IAM of the account uses
 * it), and a key for imported material (BYOK) whose material is imported outside Terraform.
 */
export function example(stack: ExampleStack): void {
  new KmsKey(stack, "identity-key", {
    placement: stack.sovereign,
    aliasName: "example/data/identity",
    description: "example: identity records",
    tags: { DataClass: "identity" },
  });
  new KmsKey(stack, "scans-key", {
    placement: stack.sovereign,
    aliasName: "example/data/scans",
    description: "example: document scans, customer-supplied key material",
    importedKeyMaterial: true,
    tags: { DataClass: "scans" },
  });
}
