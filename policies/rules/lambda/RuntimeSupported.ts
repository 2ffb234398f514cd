import { literalString } from "../../core/json";
import { resourcesOfType } from "../../core/template";
import { defineRule, type Violation, verdict } from "../../core/types";

/**
 * Runtimes AWS Lambda has deprecated (no security patches; creating and updating functions is
 * blocked after the deprecation dates). Source: the Lambda runtimes page, "Deprecated runtimes".
 */
const DEPRECATED = new Set([
  "nodejs",
  "nodejs4.3",
  "nodejs4.3-edge",
  "nodejs6.10",
  "nodejs8.10",
  "nodejs10.x",
  "nodejs12.x",
  "nodejs14.x",
  "nodejs16.x",
  "nodejs18.x",
  "nodejs20.x",
  "python2.7",
  "python3.6",
  "python3.7",
  "python3.8",
  "python3.9",
  "java8",
  "dotnetcore1.0",
  "dotnetcore2.0",
  "dotnetcore2.1",
  "dotnetcore3.1",
  "dotnet5.0",
  "dotnet6",
  "dotnet7",
  "go1.x",
  "ruby2.5",
  "ruby2.7",
  "ruby3.2",
  "provided",
]);

export const RuntimeSupported = defineRule({
  id: "SIP-LAMBDA-8",
  name: "RuntimeSupported",
  service: "lambda",
  severity: "error",
  suppressible: true,
  info: "The function uses a runtime that AWS Lambda has deprecated, or a runtime that cannot be evaluated.",
  explanation:
    "A deprecated runtime gets no security patches, and Lambda blocks creating and then updating functions on it: a fix could not be deployed when it is needed.",
  fix: "Use a supported runtime (the platform's functions use nodejs22.x).",
  anchors: {
    checkov: ["CKV_AWS_363"],
    trivy: ["AVD-AWS-0066"],
    cdkNag: ["AwsSolutions-L1"],
  },
  reads: [
    { type: "aws_lambda_function", attribute: "runtime", as: "literal", passes: "a literal supported runtime" },
    {
      type: "aws_lambda_function",
      attribute: "package_type",
      as: "literal",
      passes: 'a literal "Zip" or "Image", or leaving it out',
    },
  ],
  evaluate({ template }) {
    const functions = resourcesOfType(template, "aws_lambda_function");
    const violations: Violation[] = [];
    let checked = 0;
    for (const fn of functions) {
      if (literalString(fn.values.package_type) === "Image") continue;
      checked++;
      const runtime = literalString(fn.values.runtime);
      if (runtime === undefined || runtime.includes("${"))
        violations.push({
          address: fn.address,
          detail: `runtime ${JSON.stringify(fn.values.runtime ?? null)} could not be evaluated`,
        });
      else if (DEPRECATED.has(runtime))
        violations.push({ address: fn.address, detail: `runtime ${runtime} is deprecated` });
    }
    return verdict(checked, violations);
  },
});
