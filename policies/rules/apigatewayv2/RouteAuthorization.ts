import { healthRouteExceptions } from "../../core/health-route";
import { literalString } from "../../core/json";
import { resolveReference } from "../../core/references";
import { resourcesOfType } from "../../core/template";
import { defineRule, type Violation, verdict } from "../../core/types";

const AUTH_TYPES = new Set(["JWT", "CUSTOM", "AWS_IAM"]);

export const RouteAuthorization = defineRule({
  id: "SIP-APIGW-1",
  name: "RouteAuthorization",
  service: "apigatewayv2",
  severity: "error",
  suppressible: true,
  info: "An API Gateway v2 route has no authorization (authorization_type NONE, a JWT/CUSTOM route without an authorizer of this configuration, or routes created by quick create or an OpenAPI body).",
  explanation:
    "The upload API hands out pre-signed uploads into a tenant's prefix. A route without an authorizer lets anyone on the internet request them, for any tenant.",
  fix: 'Set authorization_type = "JWT" with authorizer_id of the OIDC authorizer (or "AWS_IAM") on every route. The one accepted route without authorization is the named exception health-check (policies/core/health-route.ts): GET /health, an AWS_PROXY integration of a function tagged sip:exception = health-check that has no environment and whose role may do nothing beyond every function\'s basics (modules/http-api unauthenticatedHealthRoute builds it).',
  anchors: {
    checkov: ["CKV_AWS_309"],
    trivy: ["AVD-AWS-0004"],
    cdkNag: ["AwsSolutions-APIG4"],
  },
  reads: [
    {
      type: "aws_apigatewayv2_route",
      attribute: "authorization_type",
      as: "literal",
      passes: 'a literal "JWT", "CUSTOM" or "AWS_IAM"',
    },
    {
      type: "aws_apigatewayv2_route",
      attribute: "authorizer_id",
      as: "reference",
      passes: "a reference to an aws_apigatewayv2_authorizer of this configuration",
    },
    {
      type: "aws_apigatewayv2_api",
      attribute: "target",
      as: "literal",
      passes: "leaving it out (quick create makes a $default route without authorization)",
    },
    {
      type: "aws_apigatewayv2_api",
      attribute: "body",
      as: "literal",
      passes: "leaving it out (routes of an OpenAPI body are not checked)",
    },
  ],
  evaluate({ template }) {
    const routes = resourcesOfType(template, "aws_apigatewayv2_route");
    const violations: Violation[] = [];
    const health = healthRouteExceptions(template, routes);
    for (const r of routes) {
      const type =
        literalString(r.values.authorization_type) ?? (r.values.authorization_type === undefined ? "NONE" : undefined);
      const acceptedBecause = health.accepted.get(r.address);
      const notException = health.problems.get(r.address);
      if (type !== undefined && !AUTH_TYPES.has(type))
        violations.push({
          address: r.address,
          detail: `authorization_type is ${type}${notException === undefined ? "" : `; not the named exception health-check: ${notException}`}`,
          ...(acceptedBecause === undefined ? {} : { acceptedBecause }),
        });
      else if (
        (type === "JWT" || type === "CUSTOM") &&
        (typeof r.values.authorizer_id !== "string" || r.values.authorizer_id === "")
      ) {
        violations.push({ address: r.address, detail: `authorization_type ${type} without authorizer_id` });
      } else if (type === "JWT" || type === "CUSTOM") {
        // A literal id (or a reference to anything else) names an authorizer nobody reviewed here:
        // one created by hand that lets every request through passes (issue 15).
        const id = r.values.authorizer_id;
        const target = resolveReference(template, id)?.resource;
        if (
          target?.type !== "aws_apigatewayv2_authorizer" &&
          (literalString(id) !== undefined || target !== undefined)
        ) {
          violations.push({
            address: r.address,
            detail: `authorizer_id ${JSON.stringify(id)} is not a reference to an aws_apigatewayv2_authorizer of this configuration`,
          });
        }
      }
    }
    // Routes that are not aws_apigatewayv2_route blocks (issue 15): quick create (`target`) makes a
    // $default route with authorization NONE, and an OpenAPI `body` declares routes the rule cannot see.
    const apis = resourcesOfType(template, "aws_apigatewayv2_api");
    for (const api of apis) {
      for (const attribute of ["target", "body"]) {
        if (api.values[attribute] === undefined || api.values[attribute] === null) continue;
        const detail =
          attribute === "target"
            ? "target (quick create) makes a $default route with authorization_type NONE"
            : "body (OpenAPI import) declares routes that are not aws_apigatewayv2_route blocks, so their authorization is not checked";
        violations.push({ address: api.address, detail });
      }
    }
    return verdict(routes.length + apis.length, violations);
  },
});
