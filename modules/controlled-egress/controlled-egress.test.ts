import { afterEach, describe, expect, it } from "vitest";
import { moduleStack, resourcesOf, type TfJson } from "../../test/template";
import { KmsKey } from "../kms-key";
import { LambdaFunction } from "../lambda-function";
import { exampleZip } from "../lambda-function/examples/minimal";
import { type InternetEgressOptions, Network, type NetworkProps } from "../network";

let cleanup: () => void = () => {};
afterEach(() => cleanup());

const EGRESS: InternetEgressOptions = {
  allowedDomains: ["rolesanywhere.eu-central-1.amazonaws.com", "failover.s3.eu-central-1.amazonaws.com"],
  justification: "Only the sync function reaches the commercial partition",
};

function setup(overrides: Partial<NetworkProps> = {}) {
  const s = moduleStack();
  cleanup = s.cleanup;
  const logKey = new KmsKey(s.stack, "logs", { placement: s.sovereign, aliasName: "logs", description: "logs" });
  const props: NetworkProps = {
    placement: s.sovereign,
    name: "env",
    vpcCidr: "10.10.0.0/16",
    availabilityZones: ["eusc-de-east-1a", "eusc-de-east-1b"],
    allowedAccountIds: ["111111111111"],
    logKey,
    allowInternetEgress: EGRESS,
    ...overrides,
  };
  return { ...s, props, logKey };
}

const values = (json: TfJson, type: string) => Object.values(resourcesOf(json, type));
const byName = (json: TfJson, type: string, name: string) => resourcesOf(json, type)[name] ?? {};

describe("ControlledEgress (Network.allowInternetEgress)", () => {
  it("puts the workload, NAT and firewall subnets in the network's last quarter, in one zone, without public addresses", () => {
    const { stack, props, synth } = setup();
    new Network(stack, "net", props);
    const subnets = values(synth(), "aws_subnet").map((s) => [
      (s.tags as Record<string, string>).Tier,
      s.availability_zone,
      s.cidr_block,
      s.map_public_ip_on_launch,
    ]);
    expect(subnets).toEqual([
      ["egress-firewall", "eusc-de-east-1a", "10.10.224.0/20", false],
      ["egress-nat", "eusc-de-east-1a", "10.10.208.0/20", false],
      ["egress-workload", "eusc-de-east-1a", "10.10.192.0/20", false],
      ["private", "eusc-de-east-1a", "10.10.0.0/19", false],
      ["private", "eusc-de-east-1b", "10.10.32.0/19", false],
    ]);
  });

  it("routes workload -> NAT -> firewall -> internet gateway, and the answers back through the firewall", () => {
    const { stack, props, synth } = setup();
    new Network(stack, "net", props);
    const json = synth();
    const endpoint =
      "${tolist(aws_networkfirewall_firewall.net_controlled-egress_firewall.firewall_status[0].sync_states)[0].attachment[0].endpoint_id}";
    const routes = Object.fromEntries(
      Object.entries(resourcesOf(json, "aws_route")).map(([name, r]) => [
        name,
        [r.route_table_id, r.destination_cidr_block, r.nat_gateway_id ?? r.vpc_endpoint_id ?? r.gateway_id],
      ]),
    );
    expect(routes).toEqual({
      "net_controlled-egress_workload-default": [
        "${aws_route_table.net_controlled-egress_workload-routes.id}",
        "0.0.0.0/0",
        "${aws_nat_gateway.net_controlled-egress_nat-gateway.id}",
      ],
      "net_controlled-egress_nat-default": [
        "${aws_route_table.net_controlled-egress_nat-routes.id}",
        "0.0.0.0/0",
        endpoint,
      ],
      "net_controlled-egress_firewall-default": [
        "${aws_route_table.net_controlled-egress_firewall-routes.id}",
        "0.0.0.0/0",
        "${aws_internet_gateway.net_controlled-egress_internet-gateway.id}",
      ],
      "net_controlled-egress_edge-to-nat": [
        "${aws_route_table.net_controlled-egress_edge-routes.id}",
        "10.10.208.0/20",
        endpoint,
      ],
    });
    expect(byName(json, "aws_route_table_association", "net_controlled-egress_edge-association")).toMatchObject({
      gateway_id: "${aws_internet_gateway.net_controlled-egress_internet-gateway.id}",
    });
    // The private subnets keep no route out; the workload subnet keeps the S3 and DynamoDB gateway endpoints.
    expect(byName(json, "aws_route_table", "net_private-routes").route).toBeUndefined();
    expect(values(json, "aws_vpc_endpoint_route_table_association").map((a) => a.vpc_endpoint_id)).toEqual([
      "${aws_vpc_endpoint.net_s3-gateway.id}",
      "${aws_vpc_endpoint.net_dynamodb-gateway.id}",
    ]);
  });

  it("passes TLS only to the allowlisted host names and drops every other established flow, logging alerts and flows", () => {
    const { stack, props, synth } = setup();
    new Network(stack, "net", props);
    const json = synth();
    expect(values(json, "aws_networkfirewall_rule_group")).toEqual([
      expect.objectContaining({
        type: "STATEFUL",
        rule_group: {
          stateful_rule_options: { rule_order: "STRICT_ORDER" },
          rules_source: {
            rules_source_list: {
              generated_rules_type: "ALLOWLIST",
              target_types: ["TLS_SNI"],
              targets: ["failover.s3.eu-central-1.amazonaws.com", "rolesanywhere.eu-central-1.amazonaws.com"],
            },
          },
        },
      }),
    ]);
    expect(values(json, "aws_networkfirewall_firewall_policy")[0]?.firewall_policy).toMatchObject({
      stateless_default_actions: ["aws:forward_to_sfe"],
      stateless_fragment_default_actions: ["aws:forward_to_sfe"],
      stateful_engine_options: { rule_order: "STRICT_ORDER" },
      stateful_default_actions: ["aws:drop_established", "aws:alert_established"],
    });
    expect(values(json, "aws_networkfirewall_firewall")[0]).toMatchObject({
      subnet_mapping: [{ subnet_id: "${aws_subnet.net_controlled-egress_firewall-subnet.id}" }],
      encryption_configuration: { type: "CUSTOMER_KMS", key_id: "${aws_kms_key.logs_key.arn}" },
      tags: { "sip:exception": "controlled-egress", "sip:justification": EGRESS.justification },
    });
    const logging = values(json, "aws_networkfirewall_logging_configuration")[0]?.logging_configuration as {
      log_destination_config: Array<{ log_type: string; log_destination: { logGroup: string } }>;
    };
    expect(logging.log_destination_config.map((c) => [c.log_type, c.log_destination.logGroup])).toEqual([
      ["ALERT", "/sip/env/egress-firewall/alert"],
      ["FLOW", "/sip/env/egress-firewall/flow"],
    ]);
    const keyPolicy = JSON.parse(byName(json, "aws_kms_key", "logs_key").policy as string) as {
      Statement: Array<{ Sid: string; Condition?: unknown }>;
    };
    expect(keyPolicy.Statement.find((s) => s.Sid === "NetworkFirewallOfThisAccount")?.Condition).toEqual({
      StringEquals: {
        "kms:CallerAccount": "111111111111",
        "kms:ViaService": "network-firewall.eusc-de-east-1.amazonaws.eu",
      },
      Bool: { "kms:GrantIsForAWSResource": "true" },
    });
  });

  it("places only a function that opts in into the workload subnet", () => {
    const { stack, props, synth, sovereign } = setup();
    const network = new Network(stack, "net", props);
    const key = new KmsKey(stack, "fn-key", { placement: sovereign, aliasName: "fn", description: "fn" });
    const zipFile = exampleZip();
    new LambdaFunction(stack, "out", {
      placement: sovereign,
      functionName: "out",
      zipFile,
      network,
      key,
      reservedConcurrency: 1,
      allowInternetEgress: true,
    });
    new LambdaFunction(stack, "in", {
      placement: sovereign,
      functionName: "in",
      zipFile,
      network,
      key,
      reservedConcurrency: 1,
    });
    const json = synth();
    expect(byName(json, "aws_lambda_function", "out_function").vpc_config).toMatchObject({
      subnet_ids: ["${aws_subnet.net_controlled-egress_workload-subnet.id}"],
    });
    expect(
      (byName(json, "aws_lambda_function", "in_function").vpc_config as { subnet_ids: string[] }).subnet_ids,
    ).toEqual(["${aws_subnet.net_private-eusc-de-east-1a.id}", "${aws_subnet.net_private-eusc-de-east-1b.id}"]);
    expect(JSON.stringify(byName(json, "aws_security_group", "in_security-group").egress)).not.toContain("0.0.0.0/0");
  });

  it.each([
    [{ allowedDomains: [] }, /ControlledEgress\.allowedDomains: allowedDomains must list 1 to 50/],
    [{ allowedDomains: ["*.amazonaws.com"] }, /ControlledEgress\.allowedDomains: .*no wildcards/],
    [{ allowedDomains: [".s3.eu-central-1.amazonaws.com"] }, /ControlledEgress\.allowedDomains/],
    [{ justification: "because" }, /ControlledEgress\.justification/],
    [
      { justification: "sync to the commercial partition (see DESIGN.md §5)" },
      /ControlledEgress\.justification: .*tag value/,
    ],
    [{ zone: "eusc-de-east-1c" }, /Network\.allowInternetEgress\.zone: .*one of availabilityZones/],
  ] as const)("fails when %j", (overrides, message) => {
    const { stack, props } = setup();
    expect(() => new Network(stack, "net", { ...props, allowInternetEgress: { ...EGRESS, ...overrides } })).toThrow(
      message,
    );
  });

  it("fails when a /24 network leaves too little room", () => {
    const { stack, props } = setup({ vpcCidr: "10.10.1.0/25" });
    expect(() => new Network(stack, "net", props)).toThrow(/vpcCidr/);
  });

  it("fails when a function asks for egress on a network without the path", () => {
    const { stack, props, sovereign } = setup({ allowInternetEgress: undefined });
    const network = new Network(stack, "net", props);
    const key = new KmsKey(stack, "fn-key", { placement: sovereign, aliasName: "fn", description: "fn" });
    expect(
      () =>
        new LambdaFunction(stack, "out", {
          placement: sovereign,
          functionName: "out",
          zipFile: exampleZip(),
          network,
          key,
          reservedConcurrency: 1,
          allowInternetEgress: true,
        }),
    ).toThrow(/LambdaFunction\.allowInternetEgress: the network .* has no controlled egress path/);
  });
});
