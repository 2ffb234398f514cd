import type { ExampleStack } from "../../../stacks/example-stack";
import { KmsKey } from "../../kms-key";
import { LogGroup } from "../../log-group";
import { SecurityAlarms } from "..";

/**
 * The security alarms over an audit trail's log group (here a stand-in for `AuditTrail.logGroup`),
 * notifying one address, with a stricter mass-deletion threshold and one dead-letter queue.
 */
export function example(stack: ExampleStack): void {
  const placement = stack.sovereign;
  const auditKey = new KmsKey(stack, "audit-key", {
    placement,
    aliasName: "example/audit",
    description: "example: audit",
  });
  const trailLogGroup = new LogGroup(stack, "trail-logs", {
    placement,
    logGroupName: "/sip/example/cloudtrail",
    encryptionKey: auditKey,
  });
  new SecurityAlarms(stack, "security-alarms", {
    placement,
    name: "example",
    trailLogGroup,
    encryptionKey: auditKey,
    subscribers: ["security@example.org"],
    massDeletionPerMinute: 50,
    deadLetterQueues: [{ name: "image-scrub", queueName: "example-image-scrub-dlq" }],
  });
}
