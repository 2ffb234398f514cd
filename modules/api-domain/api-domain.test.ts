import { afterEach, describe, expect, it } from "vitest";
import { moduleStack, resourcesOf, type TfJson } from "../../test/template";
import { HostedZone } from "../dns-failover";
import { ApiDomain, type ApiDomainProps } from "./api-domain";
import { exampleApi } from "./examples/minimal";

let cleanup: () => void = () => {};
afterEach(() => cleanup());

function setup() {
  const s = moduleStack();
  cleanup = s.cleanup;
  const api = exampleApi(s.stack, s.sovereign, "env-sovereign", "10.10.0.0/16");
  const zone = new HostedZone(s.stack, "zone", {
    placement: s.commercial,
    zoneId: "Z0123456789ABCDEFGHIJ",
    zoneName: "sip.example.org",
  });
  const props: ApiDomainProps = { api, zone, hostName: "api" };
  return { ...s, api, zone, props };
}
const only = (json: TfJson, type: string) => Object.values(resourcesOf(json, type));

describe("ApiDomain", () => {
  it("makes a DNS-validated certificate and a TLS 1.2 regional domain in the API's partition", () => {
    // Prepare
    const { stack, props, synth } = setup();
    // Act
    new ApiDomain(stack, "domain", props);
    const json = synth();
    // Assess
    expect(only(json, "aws_acm_certificate")).toEqual([
      expect.objectContaining({
        provider: "aws.sovereign",
        domain_name: "api.sip.example.org",
        validation_method: "DNS",
        options: { certificate_transparency_logging_preference: "ENABLED" },
        lifecycle: { create_before_destroy: true },
      }),
    ]);
    expect(only(json, "aws_acm_certificate_validation")).toEqual([
      {
        provider: "aws.sovereign",
        certificate_arn: "${aws_acm_certificate.domain_certificate.arn}",
        depends_on: ["aws_route53_record.domain_validation-record"],
      },
    ]);
    expect(only(json, "aws_apigatewayv2_domain_name")).toEqual([
      expect.objectContaining({
        provider: "aws.sovereign",
        domain_name: "api.sip.example.org",
        domain_name_configuration: {
          certificate_arn: "${aws_acm_certificate_validation.domain_validation.certificate_arn}",
          endpoint_type: "REGIONAL",
          security_policy: "TLS_1_2",
        },
      }),
    ]);
    expect(only(json, "aws_apigatewayv2_api_mapping")).toEqual([
      expect.objectContaining({
        provider: "aws.sovereign",
        api_id: "${aws_apigatewayv2_api.env-sovereign-api_api.id}",
      }),
    ]);
  });

  it("writes the validation record, and no other, in the zone's partition", () => {
    // Prepare
    const { stack, props, synth } = setup();
    // Act
    new ApiDomain(stack, "domain", props);
    const json = synth();
    // Assess
    expect(only(json, "aws_route53_record")).toEqual([
      expect.objectContaining({
        provider: "aws.commercial",
        zone_id: "Z0123456789ABCDEFGHIJ",
        ttl: 300,
        allow_overwrite: true,
      }),
    ]);
    // One name, one validation option: the set's only element.
    expect(only(json, "aws_route53_record")[0]?.name).toBe(
      "${tolist(aws_acm_certificate.domain_certificate.domain_validation_options).0.resource_record_name}",
    );
  });

  it("with cnameRecord, points its own name at the regional endpoint", () => {
    // Prepare
    const { stack, props, synth } = setup();
    // Act
    new ApiDomain(stack, "domain", { ...props, hostName: "api-sovereign", cnameRecord: true });
    const json = synth();
    // Assess
    expect(
      only(json, "aws_route53_record").filter((r) => r.type === "CNAME" && r.name === "api-sovereign.sip.example.org"),
    ).toEqual([
      expect.objectContaining({
        provider: "aws.commercial",
        ttl: 300,
        records: ["${aws_apigatewayv2_domain_name.domain_domain-name.domain_name_configuration[0].target_domain_name}"],
      }),
    ]);
  });

  it.each([
    [{ hostName: "API" }, /ApiDomain\.hostName: hostName must be one DNS label/],
    [{ hostName: "a".repeat(50) }, /ApiDomain\.hostName: the domain ".*" is 66 characters long/],
    [{ cnameTtlSeconds: -1 }, /ApiDomain\.cnameTtlSeconds/],
  ] as const)("fails when %j", (overrides, message) => {
    const { stack, props } = setup();
    expect(() => new ApiDomain(stack, "domain", { ...props, ...overrides })).toThrow(message);
  });
});

describe("HostedZone", () => {
  it.each([
    [{ zoneId: "/hostedzone/Z1" }, /HostedZone\.zoneId/],
    [{ zoneName: "sip.example.org." }, /HostedZone\.zoneName/],
    [{ zoneName: "Example.org" }, /HostedZone\.zoneName/],
  ] as const)("fails when %j", (overrides, message) => {
    const { stack, commercial } = setup();
    expect(
      () =>
        new HostedZone(stack, "other", {
          placement: commercial,
          zoneId: "Z1",
          zoneName: "sip.example.org",
          ...overrides,
        }),
    ).toThrow(message);
  });
});
