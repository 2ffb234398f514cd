import { blocks, strings } from "../../core/json";
import { resourcesOfType } from "../../core/template";
import { defineRule, type Violation, verdict } from "../../core/types";

/** A list with an ID in it: blank strings name no subnet or group (issue 15: [""] passed). */
function nonEmpty(value: unknown): boolean {
  return strings(value).some((v) => v.trim() !== "");
}

export const FunctionInVpc = defineRule({
  id: "SIP-LAMBDA-1",
  name: "FunctionInVpc",
  service: "lambda",
  severity: "error",
  suppressible: true,
  info: "The function does not run in a VPC (vpc_config with subnets and security groups).",
  explanation:
    "Outside a VPC a function reaches the internet and every public endpoint directly. Inside the platform's VPC its traffic goes through the partition's VPC endpoints, the flow logs and, for the sync function alone, the allowlisted egress path.",
  fix: "Add vpc_config with the private subnet_ids and security_group_ids of the platform VPC.",
  anchors: {
    checkov: ["CKV_AWS_117"],
    cdkNag: ["NIST.800.53.R5-LambdaInsideVPC"],
  },
  reads: [
    {
      type: "aws_lambda_function",
      attribute: "vpc_config.subnet_ids",
      as: "reference",
      passes: "a list of references to subnets of this configuration",
    },
    {
      type: "aws_lambda_function",
      attribute: "vpc_config.security_group_ids",
      as: "reference",
      passes: "a list of references to security groups of this configuration",
    },
  ],
  evaluate({ template }) {
    const fns = resourcesOfType(template, "aws_lambda_function");
    const violations: Violation[] = [];
    for (const fn of fns) {
      const vpc = blocks(fn.values.vpc_config)[0];
      if (vpc === undefined) violations.push({ address: fn.address, detail: "no vpc_config" });
      else if (!nonEmpty(vpc.subnet_ids) || !nonEmpty(vpc.security_group_ids))
        violations.push({ address: fn.address, detail: "vpc_config lacks subnet_ids or security_group_ids" });
    }
    return verdict(fns.length, violations);
  },
});
