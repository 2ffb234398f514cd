import { afterEach, describe, expect, it } from "vitest";
import { moduleStack, resourcesOf, type TfJson } from "../../test/template";
import { ApiDomain } from "../api-domain";
import { exampleApi } from "../api-domain/examples/minimal";
import { DnsFailover, type DnsFailoverProps } from "./dns-failover";
import { HostedZone } from "./hosted-zone";

let cleanup: () => void = () => {};
afterEach(() => cleanup());

function setup() {
  const s = moduleStack();
  cleanup = s.cleanup;
  const zone = new HostedZone(s.stack, "zone", {
    placement: s.commercial,
    zoneId: "Z0123456789ABCDEFGHIJ",
    zoneName: "sip.example.org",
  });
  const sovereignApi = exampleApi(s.stack, s.sovereign, "env-sovereign", "10.10.0.0/16");
  const standbyApi = exampleApi(s.stack, s.commercial, "env-standby", "10.40.0.0/16");
  const primary = new ApiDomain(s.stack, "sovereign-domain", { api: sovereignApi, zone, hostName: "api" });
  const primaryHealthDomain = new ApiDomain(s.stack, "sovereign-own-domain", {
    api: sovereignApi,
    zone,
    hostName: "api-sovereign",
    cnameRecord: true,
  });
  const secondary = new ApiDomain(s.stack, "standby-domain", { api: standbyApi, zone, hostName: "api" });
  const props: DnsFailoverProps = { zone, hostName: "api", primary, primaryHealthDomain, secondary };
  return { ...s, zone, sovereignApi, standbyApi, props };
}
const records = (json: TfJson) => resourcesOf(json, "aws_route53_record");

describe("DnsFailover", () => {
  it("answers api.<zone> with the primary while its check passes, else with the secondary", () => {
    // Prepare
    const { stack, props, synth } = setup();
    // Act
    new DnsFailover(stack, "failover", props);
    const json = synth();
    // Assess
    expect(records(json).failover_primary).toEqual({
      provider: "aws.commercial",
      zone_id: "Z0123456789ABCDEFGHIJ",
      name: "api.sip.example.org",
      type: "CNAME",
      ttl: 60,
      records: [
        "${aws_apigatewayv2_domain_name.sovereign-domain_domain-name.domain_name_configuration[0].target_domain_name}",
      ],
      set_identifier: "primary-sovereign",
      failover_routing_policy: { type: "PRIMARY" },
      health_check_id: "${aws_route53_health_check.failover_health-check.id}",
    });
    expect(records(json).failover_secondary).toEqual({
      provider: "aws.commercial",
      zone_id: "Z0123456789ABCDEFGHIJ",
      name: "api.sip.example.org",
      type: "CNAME",
      ttl: 60,
      records: [
        "${aws_apigatewayv2_domain_name.standby-domain_domain-name.domain_name_configuration[0].target_domain_name}",
      ],
      set_identifier: "secondary-commercial",
      failover_routing_policy: { type: "SECONDARY" },
    });
  });

  it("probes the primary's own name over HTTPS with SNI, without latency measurements, from the commercial partition", () => {
    // Prepare
    const { stack, props, synth } = setup();
    // Act
    new DnsFailover(stack, "failover", {
      ...props,
      healthCheck: {
        requestIntervalSeconds: 10,
        failureThreshold: 2,
        regions: ["eu-west-1", "us-east-1", "us-west-2"],
      },
    });
    const json = synth();
    // Assess
    expect(Object.values(resourcesOf(json, "aws_route53_health_check"))).toEqual([
      {
        provider: "aws.commercial",
        type: "HTTPS",
        fqdn: "api-sovereign.sip.example.org",
        port: 443,
        enable_sni: true,
        resource_path: "/health",
        request_interval: 10,
        failure_threshold: 2,
        measure_latency: false,
        regions: ["eu-west-1", "us-east-1", "us-west-2"],
        tags: { Name: "api.sip.example.org primary (sovereign)" },
      },
    ]);
  });

  it("without a secondary, writes the PRIMARY record only", () => {
    // Prepare
    const { stack, props, synth } = setup();
    // Act
    const failover = new DnsFailover(stack, "failover", { ...props, secondary: undefined });
    const json = synth();
    // Assess
    expect(failover.secondaryRecord).toBeUndefined();
    expect(Object.keys(records(json)).filter((k) => k.startsWith("failover_"))).toEqual(["failover_primary"]);
    const [check] = Object.values(resourcesOf(json, "aws_route53_health_check"));
    expect(check).toMatchObject({ request_interval: 30, failure_threshold: 3 });
    expect(check).not.toHaveProperty("regions"); // Route 53's default: every checker region
  });

  it("fails when the zone lives in the primary's partition", () => {
    // Prepare
    const { stack, sovereign, sovereignApi, props } = setup();
    const zone = new HostedZone(stack, "sovereign-zone", {
      placement: sovereign,
      zoneId: "Z9",
      zoneName: "s.example.org",
    });
    const primary = new ApiDomain(stack, "p", { api: sovereignApi, zone, hostName: "api" });
    const primaryHealthDomain = new ApiDomain(stack, "h", {
      api: sovereignApi,
      zone,
      hostName: "own",
      cnameRecord: true,
    });
    // Act / Assess
    expect(
      () => new DnsFailover(stack, "failover", { ...props, zone, primary, primaryHealthDomain, secondary: undefined }),
    ).toThrow(/DnsFailover\.zone: the zone is in the sovereign partition, the primary's/);
  });

  it.each([
    [
      "the secondary is on the primary's side",
      "secondary",
      /DnsFailover\.secondary: secondary must be in another partition/,
    ],
    [
      "the primary has another name",
      "primary",
      /DnsFailover\.primary: primary must be the domain of the failover name/,
    ],
    [
      "the health domain has no record",
      "health",
      /DnsFailover\.primaryHealthDomain: primaryHealthDomain needs a name of its own/,
    ],
    [
      "the health domain is another API's",
      "other-api",
      /DnsFailover\.primaryHealthDomain: primaryHealthDomain must be a domain of the primary's API/,
    ],
  ] as const)("fails when %s", (_, broken, message) => {
    // Prepare
    const { stack, zone, sovereignApi, standbyApi, props } = setup();
    const overrides: Partial<DnsFailoverProps> = {
      secondary: () => ({ secondary: new ApiDomain(stack, "x", { api: sovereignApi, zone, hostName: "api" }) }),
      primary: () => ({ primary: new ApiDomain(stack, "x", { api: sovereignApi, zone, hostName: "www" }) }),
      health: () => ({ primaryHealthDomain: new ApiDomain(stack, "x", { api: sovereignApi, zone, hostName: "own" }) }),
      "other-api": () => ({
        primaryHealthDomain: new ApiDomain(stack, "x", { api: standbyApi, zone, hostName: "own", cnameRecord: true }),
      }),
    }[broken]();
    // Act / Assess
    expect(() => new DnsFailover(stack, "failover", { ...props, ...overrides })).toThrow(message);
  });

  it.each([
    [{ resourcePath: "health" }, /DnsFailover\.healthCheck\.resourcePath/],
    [{ failureThreshold: 11 }, /DnsFailover\.healthCheck\.failureThreshold/],
    [{ requestIntervalSeconds: 20 }, /DnsFailover\.healthCheck\.requestIntervalSeconds/],
    [{ regions: ["eu-west-1", "us-east-1"] }, /DnsFailover\.healthCheck\.regions: regions must name at least three/],
    [{ regions: ["eu-west-1", "us-east-1", "eu-central-1"] }, /DnsFailover\.healthCheck\.regions/],
  ] as const)("fails when the health check is %j", (healthCheck, message) => {
    const { stack, props } = setup();
    expect(
      () =>
        new DnsFailover(stack, "failover", { ...props, healthCheck: healthCheck as DnsFailoverProps["healthCheck"] }),
    ).toThrow(message);
  });

  it("fails when the TTL would keep clients on a failed primary for long", () => {
    const { stack, props } = setup();
    expect(() => new DnsFailover(stack, "failover", { ...props, ttlSeconds: 3600 })).toThrow(/DnsFailover\.ttlSeconds/);
  });
});
