import { blocks, literalString } from "../../core/json";
import { resourcesOfType } from "../../core/template";
import { defineRule, type Violation, verdict } from "../../core/types";

export const FunctionTracing = defineRule({
  id: "SIP-LAMBDA-7",
  name: "FunctionTracing",
  service: "lambda",
  severity: "warning",
  suppressible: true,
  info: "The function does not have active X-Ray tracing.",
  explanation:
    "Traces show which downstream calls (S3, KMS, the commercial partition) each invocation made and where time and errors occurred; without them a failing sync or scrub is hard to diagnose.",
  fix: 'Set tracing_config.mode = "Active" (and allow xray:PutTraceSegments in the role), or suppress with the reason if X-Ray is not offered in the function\'s region.',
  anchors: {
    checkov: ["CKV_AWS_50"],
    trivy: ["AVD-AWS-0066"],
  },
  reads: [
    { type: "aws_lambda_function", attribute: "tracing_config.mode", as: "literal", passes: 'a literal "Active"' },
  ],
  evaluate({ template }) {
    const fns = resourcesOfType(template, "aws_lambda_function");
    const violations: Violation[] = fns
      .filter((fn) => !blocks(fn.values.tracing_config).some((t) => literalString(t.mode) === "Active"))
      .map((fn) => ({ address: fn.address, detail: 'tracing_config.mode is not "Active"' }));
    return verdict(fns.length, violations);
  },
});
