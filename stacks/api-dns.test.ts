import { describe, expect, it } from "vitest";
import { exampleInput, resourcesOf, synthDeployment, type TfJson, validConfig } from "../test/template";

const { json } = synthDeployment(validConfig());

/** Resource types per provider alias, among the DNS constructs (`api-dns_…`) and the health route. */
function typesOf(tf: TfJson, prefix: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [type, byName] of Object.entries(tf.resource ?? {}))
    for (const [name, body] of Object.entries(byName)) {
      if (!name.startsWith(prefix)) continue;
      const alias = String((body as { provider?: string }).provider);
      out[alias] = [...new Set([...(out[alias] ?? []), type])].sort();
    }
  return out;
}

describe("the upload API's DNS (dns block)", () => {
  it("keeps DNS records and the health check in the commercial partition, and the standby's own domain", () => {
    expect(typesOf(json, "api-dns_sovereign-")).toEqual({
      "aws.commercial": ["aws_route53_record"],
      "aws.sovereign": [
        "aws_acm_certificate",
        "aws_acm_certificate_validation",
        "aws_apigatewayv2_api_mapping",
        "aws_apigatewayv2_domain_name",
      ],
    });
    expect(typesOf(json, "api-dns_failover_")).toEqual({
      "aws.commercial": ["aws_route53_health_check", "aws_route53_record"],
    });
    expect(typesOf(json, "api-dns_standby-domain_")).toEqual({
      "aws.commercial": [
        "aws_acm_certificate",
        "aws_acm_certificate_validation",
        "aws_apigatewayv2_api_mapping",
        "aws_apigatewayv2_domain_name",
        "aws_route53_record",
      ],
    });
    expect(typesOf(json, "api-dns_")).toEqual({
      "aws.commercial": [
        "aws_acm_certificate",
        "aws_acm_certificate_validation",
        "aws_apigatewayv2_api_mapping",
        "aws_apigatewayv2_domain_name",
        "aws_route53_health_check",
        "aws_route53_record",
      ],
      "aws.sovereign": [
        "aws_acm_certificate",
        "aws_acm_certificate_validation",
        "aws_apigatewayv2_api_mapping",
        "aws_apigatewayv2_domain_name",
      ],
    });
  });

  it("gives the sovereign upload API api.<zone> and api-sovereign.<zone>, the standby api.<zone>, with TLS 1.2", () => {
    const domains = Object.values(resourcesOf(json, "aws_apigatewayv2_domain_name"));
    expect(
      domains.map((d) => [
        d.domain_name,
        d.provider,
        (d.domain_name_configuration as { security_policy: string }).security_policy,
      ]),
    ).toEqual([
      ["api.sip.example.org", "aws.sovereign", "TLS_1_2"],
      ["api-sovereign.sip.example.org", "aws.sovereign", "TLS_1_2"],
      ["api.sip.example.org", "aws.commercial", "TLS_1_2"],
    ]);
    expect(Object.values(resourcesOf(json, "aws_apigatewayv2_api_mapping")).map((m) => m.api_id)).toEqual([
      "${aws_apigatewayv2_api.upload-pipeline_api_api.id}",
      "${aws_apigatewayv2_api.upload-pipeline_api_api.id}",
      "${aws_apigatewayv2_api.standby-serving_api_api.id}",
    ]);
  });

  it("checks https://api-sovereign.<zone>/health as configured; PRIMARY the sovereign API, SECONDARY the standby", () => {
    expect(Object.values(resourcesOf(json, "aws_route53_health_check"))).toEqual([
      expect.objectContaining({
        provider: "aws.commercial",
        type: "HTTPS",
        fqdn: "api-sovereign.sip.example.org",
        resource_path: "/health",
        regions: ["eu-west-1", "us-east-1", "us-west-2"],
        measure_latency: false,
      }),
    ]);
    const failover = Object.values(resourcesOf(json, "aws_route53_record")).filter(
      (r) => r.failover_routing_policy !== undefined,
    );
    expect(failover.map((r) => [r.name, r.set_identifier, r.records])).toEqual([
      [
        "api.sip.example.org",
        "primary-sovereign",
        [
          "${aws_apigatewayv2_domain_name.api-dns_sovereign-domain_domain-name.domain_name_configuration[0].target_domain_name}",
        ],
      ],
      [
        "api.sip.example.org",
        "secondary-commercial",
        [
          "${aws_apigatewayv2_domain_name.api-dns_standby-domain_domain-name.domain_name_configuration[0].target_domain_name}",
        ],
      ],
    ]);
    expect(json.output?.["api-domain"]).toMatchObject({ value: "api.sip.example.org" });
  });

  it("writes the PRIMARY record only, and no standby domain, without the standby", () => {
    // Prepare
    const input = exampleInput();
    delete input.crossPartition?.standby;
    // Act
    const without = synthDeployment(validConfig(input)).json;
    // Assess
    const failover = Object.values(resourcesOf(without, "aws_route53_record")).filter(
      (r) => r.failover_routing_policy !== undefined,
    );
    expect(failover.map((r) => r.set_identifier)).toEqual(["primary-sovereign"]);
    expect(typesOf(without, "api-dns_standby-domain_")).toEqual({});
    expect(typesOf(without, "standby-serving_")).toEqual({});
  });

  it("deploys nothing of it, and no health route, without the dns block", () => {
    const input = exampleInput() as ReturnType<typeof exampleInput> & { dns?: unknown };
    delete input.dns;
    const without = synthDeployment(validConfig(input)).json;
    expect(typesOf(without, "api-dns_")).toEqual({});
    expect(resourcesOf(without, "aws_apigatewayv2_route")["upload-pipeline_api_route-get-health"]).toBeUndefined();
  });
});
