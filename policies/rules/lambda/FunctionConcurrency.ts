import { literalNumber } from "../../core/json";
import { resourcesOfType } from "../../core/template";
import { defineRule, type Violation, verdict } from "../../core/types";

export const FunctionConcurrency = defineRule({
  id: "SIP-LAMBDA-3",
  name: "FunctionConcurrency",
  service: "lambda",
  severity: "error",
  suppressible: true,
  info: "The function has no reserved concurrency limit.",
  explanation:
    "Without a limit a burst of uploads (or an event loop between partitions) scales one function to the account's whole concurrency, starving the others and multiplying cost and cross-partition traffic.",
  fix: "Set reserved_concurrent_executions to a value sized for the function (0 or more; -1 means unreserved).",
  anchors: {
    checkov: ["CKV_AWS_115"],
    cdkNag: ["NIST.800.53.R5-LambdaConcurrency"],
  },
  reads: [
    {
      type: "aws_lambda_function",
      attribute: "reserved_concurrent_executions",
      as: "literal",
      passes: "a literal number, 0 or more",
    },
  ],
  evaluate({ template }) {
    const fns = resourcesOfType(template, "aws_lambda_function");
    const violations: Violation[] = fns
      .filter((fn) => {
        const value = fn.values.reserved_concurrent_executions;
        if (typeof value === "string" && value.includes("${")) return false; // reported as not evaluable (reads)
        // Terraform reads "-1e0" (or " -1") as -1, unreserved: judge the number, not the spelling (issue 15).
        const n =
          literalNumber(value) ?? (typeof value === "string" && value.trim() !== "" ? Number(value.trim()) : undefined);
        return n === undefined || !Number.isInteger(n) || n < 0;
      })
      .map((fn) => ({
        address: fn.address,
        detail: `reserved_concurrent_executions is ${JSON.stringify(fn.values.reserved_concurrent_executions ?? null)}`,
      }));
    return verdict(fns.length, violations);
  },
});
