import { firstBlock, literalBool, literalString } from "../../core/json";
import { resolveReference } from "../../core/references";
import { resourcesOfType, type Template } from "../../core/template";
import { unevaluableExpression } from "../../core/unknowns";
import { defineRule, type Violation, verdict } from "../../core/types";

/**
 * The log levels that record what a reviewer of a data-subject request needs: ALL only. ERROR and
 * FATAL record failed executions and states, not the approval, run and certificate transitions of
 * requests that went through; OFF (also the default) records nothing.
 */
const ACCEPTED_LEVELS: ReadonlySet<string> = new Set(["ALL"]);

const LEVEL_GAPS: Readonly<Record<string, string>> = {
  OFF: "nothing is logged",
  ERROR: "only failed executions and states are logged, not the transitions of requests that went through",
  FATAL: "only failed executions are logged, not a single transition of requests that went through",
};

/** `${aws_cloudwatch_log_group.<name>.arn}` followed by whatever the value appends (`:*`). */
const LEADING_REFERENCE = /^(\$\{[^{}]*\})(.*)$/s;

/** Why a log_destination is not `${aws_cloudwatch_log_group.<name>.arn}:*` of this configuration, or undefined. */
function destinationProblem(template: Template, value: unknown): string | undefined {
  if (value === undefined || value === null || value === "")
    return "logging_configuration.log_destination is not set: the execution history goes nowhere";
  // Variables, locals, each.value...: withUnknownReads reports them with what passes.
  if (unevaluableExpression(value, "reference") !== undefined) return undefined;
  const shown = JSON.stringify(value);
  if (typeof value !== "string") return `logging_configuration.log_destination ${shown} is not a log group ARN`;
  const notOurs =
    "refer to an aws_cloudwatch_log_group of this configuration, whose key and retention the checker verifies";
  if (literalString(value) !== undefined)
    return `logging_configuration.log_destination ${shown} is a literal ARN of a log group this configuration does not manage: ${notOurs}`;
  const m = LEADING_REFERENCE.exec(value);
  const target = m === null ? undefined : resolveReference(template, m[1]);
  if (target === undefined)
    return `logging_configuration.log_destination ${shown} is not a reference to an aws_cloudwatch_log_group of this configuration: ${notOurs}`;
  const { resource, attribute } = target;
  if (resource.type !== "aws_cloudwatch_log_group" || resource.mode !== "managed")
    return `logging_configuration.log_destination refers to ${resource.address}, not to an aws_cloudwatch_log_group of this configuration: ${notOurs}`;
  if (attribute !== "arn")
    return `logging_configuration.log_destination reads ${attribute ?? "nothing"} of ${resource.address}, not its arn`;
  if (m?.[2] !== ":*")
    return `logging_configuration.log_destination ${shown} does not end with ":*" after the log group's ARN, which Step Functions requires`;
  return undefined;
}

/**
 * The data-subject request workflow (stacks/subject-requests.ts) logs every state transition to a
 * log group of this configuration, without execution data: the record of who approved what and
 * when stays, the subjects' pseudonyms and request details stay out of the logs.
 */
export const StateMachineLogging = defineRule({
  id: "SIP-SFN-1",
  name: "StateMachineLogging",
  service: "sfn",
  severity: "error",
  suppressible: true,
  info: "The Step Functions state machine does not log all events, without execution data, to a log group of this configuration.",
  explanation:
    "The state machine runs data-subject requests: an approval, then an export or an erasure, then its certificate. To show for each request that the approval came before the erasure, a reviewer needs every state transition (level ALL); ERROR and FATAL log only what failed, OFF (the default) nothing, and Step Functions itself keeps the history of a finished execution for 90 days only. The log group must be one of this configuration, so that its customer managed key (SIP-LOGS-1) and retention (SIP-LOGS-2) are checked. include_execution_data must not be true: it copies each state's input and output (subjects' pseudonyms, request reasons, pre-signed download URLs of exports) into the logs, where they outlive the erasure and are readable by everyone who reads logs. checkov's CKV_AWS_285 asks for the opposite (include_execution_data true); this rule overrides it on purpose.",
  fix: `Set logging_configuration with level = "ALL", include_execution_data = false (or left out) and log_destination = "\${aws_cloudwatch_log_group.<name>.arn}:*", naming an aws_cloudwatch_log_group of this configuration in the state machine's provider; the state machine's role needs the CloudWatch Logs delivery actions (logs:CreateLogDelivery and the rest) on "*".`,
  anchors: {
    cdkNag: ["AwsSolutions-SF1"],
  },
  reads: [
    {
      type: "aws_sfn_state_machine",
      attribute: "logging_configuration.level",
      as: "literal",
      passes: 'a literal "ALL"',
    },
    {
      type: "aws_sfn_state_machine",
      attribute: "logging_configuration.log_destination",
      as: "reference",
      passes: `"\${aws_cloudwatch_log_group.<name>.arn}:*", naming an aws_cloudwatch_log_group of this configuration`,
    },
    {
      type: "aws_sfn_state_machine",
      attribute: "logging_configuration.include_execution_data",
      as: "literal",
      passes: "leaving it out, or a literal false",
    },
  ],
  evaluate({ template }) {
    const machines = resourcesOfType(template, "aws_sfn_state_machine");
    const violations: Violation[] = [];
    for (const m of machines) {
      const logging = firstBlock(m.values.logging_configuration);
      if (logging === undefined) {
        // A dynamic block is reported by withUnknownReads; say what is missing all the same.
        violations.push({
          address: m.address,
          detail: "no logging_configuration: Step Functions logs nothing (level OFF)",
        });
        continue;
      }
      const problems: string[] = [];
      const level = logging.level;
      const literal = literalString(level);
      if (level === undefined || level === null || level === "")
        problems.push("logging_configuration.level is not set, so it is OFF: nothing is logged");
      else if (typeof level !== "string")
        problems.push(`logging_configuration.level ${JSON.stringify(level)} is not a level (ALL, ERROR, FATAL, OFF)`);
      else if (literal !== undefined && !ACCEPTED_LEVELS.has(literal))
        problems.push(
          `logging_configuration.level is ${JSON.stringify(literal)}: ${LEVEL_GAPS[literal] ?? "not a level Step Functions knows (ALL, ERROR, FATAL, OFF)"}`,
        );
      const destination = destinationProblem(template, logging.log_destination);
      if (destination !== undefined) problems.push(destination);
      if (literalBool(logging.include_execution_data) === true)
        problems.push(
          "logging_configuration.include_execution_data is true: every state's input and output (subjects' pseudonyms, request reasons, download URLs) is copied into the logs",
        );
      if (problems.length > 0) violations.push({ address: m.address, detail: problems.join("; ") });
    }
    return verdict(machines.length, violations);
  },
});
