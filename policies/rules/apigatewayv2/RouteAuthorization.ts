import { literalString } from "../../core/json";
import { resourcesOfType } from "../../core/template";
import { defineRule, type Violation, verdict } from "../../core/types";

const AUTH_TYPES = new Set(["JWT", "CUSTOM", "AWS_IAM"]);

export const RouteAuthorization = defineRule({
  id: "SIP-APIGW-1",
  name: "RouteAuthorization",
  service: "apigatewayv2",
  severity: "error",
  suppressible: true,
  info: "An API Gateway v2 route has no authorization (authorization_type NONE or a JWT/CUSTOM route without authorizer_id).",
  explanation:
    "The upload API hands out pre-signed uploads into a tenant's prefix. A route without an authorizer lets anyone on the internet request them, for any tenant.",
  fix: 'Set authorization_type = "JWT" with authorizer_id of the OIDC authorizer (or "AWS_IAM") on every route.',
  anchors: {
    checkov: ["CKV_AWS_309"],
    trivy: ["AVD-AWS-0004"],
    cdkNag: ["AwsSolutions-APIG4"],
  },
  reads: [
    { type: "aws_apigatewayv2_route", attribute: "authorization_type", as: "literal", passes: "a literal \"JWT\", \"CUSTOM\" or \"AWS_IAM\"" },
    { type: "aws_apigatewayv2_route", attribute: "authorizer_id", as: "reference", passes: "a reference to an aws_apigatewayv2_authorizer of this configuration" },
  ],
  evaluate({ template }) {
    const routes = resourcesOfType(template, "aws_apigatewayv2_route");
    const violations: Violation[] = [];
    for (const r of routes) {
      const type = literalString(r.values.authorization_type) ?? (r.values.authorization_type === undefined ? "NONE" : undefined);
      if (type !== undefined && !AUTH_TYPES.has(type)) violations.push({ address: r.address, detail: `authorization_type is ${type}` });
      else if ((type === "JWT" || type === "CUSTOM") && (typeof r.values.authorizer_id !== "string" || r.values.authorizer_id === "")) {
        violations.push({ address: r.address, detail: `authorization_type ${type} without authorizer_id` });
      }
    }
    return verdict(routes.length, violations);
  },
});
