import { literalString } from "../../core/json";
import { resourcesOfType } from "../../core/template";
import { defineRule, type Violation, verdict } from "../../core/types";

/** A source account that names one account: 12 digits, or a reference to a block of the configuration. */
function scopedAccount(value: unknown): boolean {
  return typeof value === "string" && (/^\d{12}$/.test(value.trim()) || /^\$\{[^{}]+\}$/.test(value.trim()));
}

/**
 * A source ARN that names resources of one owner: a reference, or a literal ARN whose account is 12
 * digits; an ARN without an account (S3 buckets) must have no wildcard, since anyone can create a
 * bucket whose name matches `*` or `name-*`.
 */
function scopedSourceArn(value: unknown): boolean {
  if (typeof value !== "string") return false;
  const v = value.trim();
  if (/^\$\{[^{}]+\}(\/.*)?$/.test(v)) return true;
  const m = /^arn:[^:]+:[^:]+:[^:]*:([^:]*):(.+)$/.exec(v);
  if (m === null) return false;
  const [, account = "", rest = ""] = m;
  return /^\d{12}$/.test(account) || (account === "" && !/[*?]/.test(rest));
}

/** Function URLs require auth; permissions to `*` or to a service name the source. */
export const FunctionNotPublic = defineRule({
  id: "SIP-LAMBDA-5",
  name: "FunctionNotPublic",
  service: "lambda",
  severity: "error",
  suppressible: true,
  info: 'The function can be invoked publicly: a permission for "*", a service permission without a source_arn/source_account that names one owner (a wildcard source such as arn:aws:s3:::* does not), or a function URL without auth.',
  explanation:
    "A permission for * (or for a service principal without naming the source bucket, API or account) lets any account, or any customer's resource of that service, invoke the function with crafted events.",
  fix: 'Grant aws_lambda_permission only to service principals with source_arn (and source_account) set, never to "*"; use authorization_type = "AWS_IAM" on function URLs, or none at all.',
  anchors: {
    checkov: ["CKV_AWS_364", "CKV_AWS_258"],
    trivy: ["AVD-AWS-0067"],
    cdkNag: ["PCI.DSS.321-LambdaFunctionPublicAccessProhibited"],
  },
  reads: [
    {
      type: "aws_lambda_permission",
      attribute: "principal",
      as: "literal",
      passes: "a literal service principal or account",
    },
    {
      type: "aws_lambda_permission",
      attribute: "source_arn",
      as: "reference",
      passes: "a literal ARN or a reference to a block of this configuration",
    },
    { type: "aws_lambda_permission", attribute: "source_account", as: "reference", passes: "a literal account ID" },
    { type: "aws_lambda_function_url", attribute: "authorization_type", as: "literal", passes: 'a literal "AWS_IAM"' },
  ],
  evaluate({ template }) {
    const violations: Violation[] = [];
    const permissions = resourcesOfType(template, "aws_lambda_permission");
    const urls = resourcesOfType(template, "aws_lambda_function_url");
    for (const p of permissions) {
      const principal = literalString(p.values.principal)?.trim();
      if (principal === "*") violations.push({ address: p.address, detail: 'principal is "*"' });
      else if (
        principal?.toLowerCase().endsWith(".amazonaws.com") &&
        !scopedSourceArn(p.values.source_arn) &&
        !scopedAccount(p.values.source_account)
      ) {
        const given = [p.values.source_arn, p.values.source_account].filter((v) => v !== undefined);
        violations.push({
          address: p.address,
          detail: `service principal ${principal} without a source_arn or source_account that names one owner${given.length > 0 ? ` (${given.map((v) => JSON.stringify(v)).join(", ")} matches resources of any account)` : ""}`,
        });
      }
    }
    for (const u of urls) {
      if (literalString(u.values.authorization_type) !== "AWS_IAM")
        violations.push({
          address: u.address,
          detail: `authorization_type is ${JSON.stringify(u.values.authorization_type ?? null)}`,
        });
    }
    return verdict(permissions.length + urls.length, violations);
  },
});
