import { literalString } from "../../core/json";
import { resourcesOfType } from "../../core/template";
import { defineRule, type Violation, verdict } from "../../core/types";

/** Health checks that probe an endpoint over plain HTTP. */
const PLAIN_HTTP = new Set(["HTTP", "HTTP_STR_MATCH"]);
/** Every type Route 53 knows (the others: TCP, CALCULATED, CLOUDWATCH_METRIC, RECOVERY_CONTROL do not speak HTTP). */
const KNOWN_TYPES = new Set([
  "HTTP",
  "HTTPS",
  "HTTP_STR_MATCH",
  "HTTPS_STR_MATCH",
  "TCP",
  "CALCULATED",
  "CLOUDWATCH_METRIC",
  "RECOVERY_CONTROL",
]);

export const HealthCheckHttps = defineRule({
  id: "SIP-R53-1",
  name: "HealthCheckHttps",
  service: "route53",
  severity: "error",
  suppressible: true,
  info: "A Route 53 health check probes its endpoint over plain HTTP (type HTTP or HTTP_STR_MATCH).",
  explanation:
    "DNS failover sends clients to the other partition when the health check fails. Over plain HTTP anyone on the path can answer for the API (keeping a dead primary in DNS, or failing a healthy one over to the standby), and the check does not prove that the API's TLS endpoint, the one clients use, works.",
  fix: 'Set type = "HTTPS" (or "HTTPS_STR_MATCH"), port 443 and fqdn the API\'s custom domain, with enable_sni = true.',
  anchors: {},
  reads: [
    {
      type: "aws_route53_health_check",
      attribute: "type",
      as: "literal",
      passes: 'a literal "HTTPS" or "HTTPS_STR_MATCH" (or a type that does not probe over HTTP)',
    },
  ],
  evaluate({ template }) {
    const checks = resourcesOfType(template, "aws_route53_health_check");
    const violations: Violation[] = [];
    for (const c of checks) {
      const type = literalString(c.values.type);
      if (type === undefined) continue; // not a literal: reported as a value the rule could not evaluate
      if (PLAIN_HTTP.has(type))
        violations.push({ address: c.address, detail: `type is ${type}: probes over plain HTTP` });
      else if (!KNOWN_TYPES.has(type))
        violations.push({
          address: c.address,
          detail: `type ${JSON.stringify(type)} is not a Route 53 health check type`,
        });
    }
    return verdict(checks.length, violations);
  },
});
