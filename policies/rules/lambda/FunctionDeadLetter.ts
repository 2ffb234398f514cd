import { blocks } from "../../core/json";
import { refersTo } from "../../core/references";
import { mayBeAbsent, resourcesOfType } from "../../core/template";
import { defineRule, type Violation, verdict } from "../../core/types";

function set(value: unknown): boolean {
  return typeof value === "string" && value !== "";
}

export const FunctionDeadLetter = defineRule({
  id: "SIP-LAMBDA-2",
  name: "FunctionDeadLetter",
  service: "lambda",
  severity: "error",
  suppressible: true,
  info: "The function has no dead-letter queue or on-failure destination for asynchronous invocations.",
  explanation:
    "S3 events invoke the scrub and sync functions asynchronously; after the retries a failed event is dropped. A dead-letter queue keeps it with enough context to replay, so no avatar silently misses scrubbing or failover.",
  fix: "Set dead_letter_config.target_arn to an encrypted SQS queue, or add aws_lambda_function_event_invoke_config with destination_config.on_failure.",
  anchors: {
    checkov: ["CKV_AWS_116"],
    cdkNag: ["NIST.800.53.R5-LambdaDLQ"],
  },
  reads: [
    {
      type: "aws_lambda_function",
      attribute: "dead_letter_config.target_arn",
      as: "reference",
      passes: "a reference to a queue or topic of this configuration",
    },
    {
      type: "aws_lambda_function_event_invoke_config",
      attribute: "function_name",
      as: "reference",
      passes: "a reference to the aws_lambda_function",
    },
    {
      type: "aws_lambda_function_event_invoke_config",
      attribute: "destination_config.on_failure.destination",
      as: "reference",
      passes: "a reference to a queue, topic or function of this configuration",
    },
  ],
  evaluate({ template }) {
    const fns = resourcesOfType(template, "aws_lambda_function");
    // An invoke config Terraform may not create (count = 0, for_each = {}) routes nothing (issue 15).
    const configs = resourcesOfType(template, "aws_lambda_function_event_invoke_config").filter((c) => !mayBeAbsent(c));
    const violations: Violation[] = [];
    for (const fn of fns) {
      const dlq = blocks(fn.values.dead_letter_config).some((d) => set(d.target_arn));
      const destination = configs.some(
        (c) =>
          refersTo(c.values.function_name, fn.address) &&
          blocks(c.values.destination_config).some((d) => blocks(d.on_failure).some((f) => set(f.destination))),
      );
      if (!dlq && !destination)
        violations.push({
          address: fn.address,
          detail: "neither dead_letter_config.target_arn nor an on-failure destination is set",
        });
    }
    return verdict(fns.length, violations);
  },
});
