import type { ExampleStack } from "../../../stacks/example-stack";
import { KmsKey } from "../../kms-key";
import { LogGroup } from "..";

/** An application log group, encrypted with its own key, kept 90 days. */
export function example(stack: ExampleStack): void {
  const key = new KmsKey(stack, "logs-key", {
    placement: stack.sovereign,
    aliasName: "example/logs",
    description: "example: logs",
  });
  new LogGroup(stack, "app-logs", {
    placement: stack.sovereign,
    logGroupName: "/sip/example/app",
    encryptionKey: key,
    retentionDays: 90,
  });
}
