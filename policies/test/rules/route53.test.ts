import { HealthCheckHttps } from "../../rules/route53/HealthCheckHttps";
import { describeRules } from "../harness";

describeRules([
  {
    rule: HealthCheckHttps,
    compliant: ["route53/compliant.tf.json"],
    noncompliant: [
      [
        "route53/HealthCheckHttps/noncompliant-1.tf.json",
        ["aws_route53_health_check.http", "aws_route53_health_check.http-body", "aws_route53_health_check.misspelt"],
      ],
    ],
  },
]);
