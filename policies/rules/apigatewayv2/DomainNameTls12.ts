import { firstBlock, literalString } from "../../core/json";
import { resourcesOfType } from "../../core/template";
import { defineRule, type Violation, verdict } from "../../core/types";

/** API Gateway's security policies that refuse TLS 1.0 and 1.1 (the platform's domains use TLS_1_2). */
const MODERN = /^(TLS_1_2|SecurityPolicy_TLS1[23]_.*)$/;

export const DomainNameTls12 = defineRule({
  id: "SIP-APIGW-3",
  name: "DomainNameTls12",
  service: "apigatewayv2",
  severity: "error",
  suppressible: true,
  info: "An API Gateway custom domain name accepts TLS older than 1.2 (security_policy TLS_1_0), or its TLS policy could not be read.",
  explanation:
    "Clients reach the API through its custom domain with their tokens and pre-signed URLs. TLS 1.0 and 1.1 have known weaknesses and are no longer allowed by the platform's compliance baseline; the domain must refuse them.",
  fix: 'Set domain_name_configuration.security_policy = "TLS_1_2" (modules/api-domain does).',
  anchors: {
    checkov: ["CKV_AWS_206"],
    trivy: ["AVD-AWS-0005"],
  },
  reads: [
    {
      type: "aws_apigatewayv2_domain_name",
      attribute: "domain_name_configuration.security_policy",
      as: "literal",
      passes: 'a literal "TLS_1_2" (or an enhanced TLS 1.2/1.3 policy)',
    },
    {
      type: "aws_api_gateway_domain_name",
      attribute: "security_policy",
      as: "literal",
      passes: 'a literal "TLS_1_2" (or an enhanced TLS 1.2/1.3 policy)',
    },
  ],
  evaluate({ template }) {
    const domains = resourcesOfType(template, "aws_apigatewayv2_domain_name", "aws_api_gateway_domain_name");
    const violations: Violation[] = [];
    for (const d of domains) {
      const raw =
        d.type === "aws_apigatewayv2_domain_name"
          ? firstBlock(d.values.domain_name_configuration)?.security_policy
          : d.values.security_policy;
      if (raw !== undefined && literalString(raw) === undefined) continue; // an expression: reported as unevaluable
      const policy = literalString(raw);
      if (policy === undefined || !MODERN.test(policy))
        violations.push({
          address: d.address,
          detail:
            policy === undefined
              ? "no security_policy: API Gateway's default for a REST API's domain is TLS_1_0"
              : `security_policy is ${policy}`,
        });
    }
    return verdict(domains.length, violations);
  },
});
