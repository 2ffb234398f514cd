import { blocks, isObject } from "../../core/json";
import { resourcesOfType } from "../../core/template";
import { defineRule, type Violation, verdict } from "../../core/types";

/** Variable names that announce a secret value. */
const SECRET_NAME =
  /(SECRET|PASSWORD|PASSWD|PASSPHRASE|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL|CLIENT_?SECRET)/i;
/** Names that only point at a secret (its ARN, name or id), which is the right way. */
const POINTER_NAME = /(_ARN|_NAME|_ID|_PATH|_PARAM(ETER)?|_REF|_URL|_PREFIX)$/i;
/** Values that are secrets whatever the name. */
const SECRET_VALUES: ReadonlyArray<readonly [RegExp, string]> = [
  [/\b(AKIA|ASIA)[0-9A-Z]{16}\b/, "an AWS access key ID"],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, "a PEM private key"],
  [/\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./, "a JSON web token"],
  [/\bgh[pousr]_[A-Za-z0-9]{30,}\b/, "a GitHub token"],
];

/** Literal values that could be a secret: not a reference, ARN, number, boolean or short word. */
function looksLikeSecretValue(value: string): boolean {
  if (value.includes("${") || value.startsWith("arn:")) return false;
  if (/^(\d+|true|false)$/i.test(value)) return false; // TOKEN_TTL_SECONDS=300, API_KEY_REQUIRED=true
  return value.length >= 8;
}

export const NoSecretsInEnvironment = defineRule({
  id: "SIP-LAMBDA-4",
  name: "NoSecretsInEnvironment",
  service: "lambda",
  severity: "error",
  suppressible: true,
  info: "A function environment variable holds a literal secret.",
  explanation:
    "Environment variables end up in the Terraform state, in the synthesized JSON under review and in every GetFunctionConfiguration response. Secrets belong in Secrets Manager, fetched at run time with the function's role.",
  fix: "Store the secret in aws_secretsmanager_secret (encrypted with the platform key) and pass only its ARN (e.g. DB_SECRET_ARN) to the function.",
  anchors: {
    checkov: ["CKV_AWS_45"],
  },
  reads: [
    {
      type: "aws_lambda_function",
      attribute: "environment.variables",
      as: "reference",
      passes:
        "literal values that are no secrets, or references to blocks of this configuration (such as a secret's ARN)",
    },
  ],
  evaluate({ template }) {
    const fns = resourcesOfType(template, "aws_lambda_function");
    const violations: Violation[] = [];
    for (const fn of fns) {
      const problems: string[] = [];
      for (const env of blocks(fn.values.environment)) {
        if (!isObject(env.variables)) continue;
        for (const [name, value] of Object.entries(env.variables)) {
          if (typeof value !== "string" || value === "") continue;
          const match = SECRET_VALUES.find(([re]) => re.test(value));
          if (match) problems.push(`${name} contains ${match[1]}`);
          else if (SECRET_NAME.test(name) && !POINTER_NAME.test(name) && looksLikeSecretValue(value)) {
            problems.push(`${name} is named like a secret and has a literal value`);
          }
        }
      }
      if (problems.length > 0) violations.push({ address: fn.address, detail: problems.join("; ") });
    }
    return verdict(fns.length, violations);
  },
});
