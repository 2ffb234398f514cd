/**
 * The named exceptions of DESIGN.md §5, over real synthesized output: the controlled egress path of
 * modules/network (`allowInternetEgress`) is accepted, and each way of weakening it turns its routes
 * back into findings. The sync function's cross-partition variables are accepted only behind it, and
 * the webhook sender's hosts and open security group only for the tagged sender behind it.
 */
import { afterEach, describe, expect, it } from "vitest";
import { example as egressExample } from "../../../modules/controlled-egress/examples/minimal";
import { moduleStack, synthDeployment, type TfJson, validConfig } from "../../../test/template";
import { analyzeEgress } from "../../core/egress";
import { templateOf } from "../../core/template";
import type { Rule, Violation } from "../../core/types";
import { PartitionConsistentReferences } from "../../rules/residency/PartitionConsistentReferences";
import { NoInternetGatewayRoute } from "../../rules/vpc/NoInternetGatewayRoute";
import { SecurityGroupEgressRestricted } from "../../rules/vpc/SecurityGroupEgressRestricted";
import { evaluate } from "../harness";

let cleanup: () => void = () => {};
afterEach(() => cleanup());

function egressJson(): TfJson {
  const s = moduleStack();
  cleanup = s.cleanup;
  egressExample(s.stack);
  return s.synth();
}

type Resources = Record<string, Record<string, Record<string, unknown>>>;
const only = <T>(record: Record<string, T> | undefined): T => {
  const values = Object.values(record ?? {});
  if (values.length !== 1) throw new Error(`expected exactly one block, got ${values.length}`);
  return values[0] as T;
};

async function violations(rule: Rule, json: unknown): Promise<{ open: string[]; accepted: string[]; details: string }> {
  const result = await evaluate(rule, json);
  const list: readonly Violation[] = result.kind === "NonCompliant" ? result.violations : [];
  return {
    open: list.filter((v) => v.acceptedBecause === undefined).map((v) => v.address),
    accepted: list.filter((v) => v.acceptedBecause !== undefined).map((v) => v.address),
    details: list.map((v) => v.detail).join("\n"),
  };
}

const ACCEPTED_ROUTES = [
  "aws_route.network_controlled-egress_firewall-default",
  "aws_route.network_controlled-egress_workload-default",
];

describe("controlled egress path (SIP-VPC-3)", () => {
  it("accepts the module's path as the named exception, and names the workload subnet", async () => {
    // Prepare
    const json = egressJson();
    // Act
    const result = await violations(NoInternetGatewayRoute, json);
    const [path] = analyzeEgress(templateOf(json)).paths;
    // Assess
    expect(result.open).toEqual([]);
    expect(result.accepted).toEqual(ACCEPTED_ROUTES);
    expect([...(path?.workloadSubnets ?? [])]).toEqual(["aws_subnet.network_controlled-egress_workload-subnet"]);
    expect(path?.allowedDomains).toEqual([
      "example-failover.s3.eu-central-1.amazonaws.com",
      "rolesanywhere.eu-central-1.amazonaws.com",
    ]);
  });

  const weakenings: ReadonlyArray<readonly [string, (r: Resources) => void, RegExp]> = [
    [
      "plain HTTP is allowed too",
      (r) =>
        ((
          only(r.aws_networkfirewall_rule_group).rule_group as {
            rules_source: { rules_source_list: { target_types: string[] } };
          }
        ).rules_source.rules_source_list.target_types = ["TLS_SNI", "HTTP_HOST"]),
      /target_types must be \["TLS_SNI"\]/,
    ],
    [
      "a target admits every subdomain",
      (r) =>
        ((
          only(r.aws_networkfirewall_rule_group).rule_group as {
            rules_source: { rules_source_list: { targets: string[] } };
          }
        ).rules_source.rules_source_list.targets = [".amazonaws.com"]),
      /not an exact host name/,
    ],
    [
      "a target is not an AWS endpoint",
      (r) =>
        ((
          only(r.aws_networkfirewall_rule_group).rule_group as {
            rules_source: { rules_source_list: { targets: string[] } };
          }
        ).rules_source.rules_source_list.targets = ["paste.example.com"]),
      /not a regional AWS endpoint/,
    ],
    [
      "a target is outside the EU",
      (r) =>
        ((
          only(r.aws_networkfirewall_rule_group).rule_group as {
            rules_source: { rules_source_list: { targets: string[] } };
          }
        ).rules_source.rules_source_list.targets = ["s3.us-east-1.amazonaws.com"]),
      /outside the EU/,
    ],
    [
      "the default action passes what the allowlist does not",
      (r) =>
        ((
          only(r.aws_networkfirewall_firewall_policy).firewall_policy as Record<string, unknown>
        ).stateful_default_actions = ["aws:alert_established"]),
      /must drop/,
    ],
    [
      "stateless rules could bypass the allowlist",
      (r) =>
        ((
          only(r.aws_networkfirewall_firewall_policy).firewall_policy as Record<string, unknown>
        ).stateless_default_actions = ["aws:pass"]),
      /forward_to_sfe/,
    ],
    [
      "the firewall does not log flows",
      (r) =>
        (
          only(r.aws_networkfirewall_logging_configuration).logging_configuration as {
            log_destination_config: unknown[];
          }
        ).log_destination_config.splice(1, 1),
      /no FLOW logging/,
    ],
    [
      "the justification is missing",
      (r) => delete (only(r.aws_networkfirewall_firewall).tags as Record<string, string>)["sip:justification"],
      /sip:justification/,
    ],
  ];
  it.each(weakenings)("flags the routes and the firewall when %s", async (_, weaken, reason) => {
    // Prepare
    const json = egressJson();
    weaken(json.resource as Resources);
    // Act
    const result = await violations(NoInternetGatewayRoute, json);
    // Assess
    expect(result.accepted).toEqual([]);
    // the NAT subnet's default route into the firewall too: an unverified firewall is no controlled path (issue 15)
    expect(result.open).toEqual([
      "aws_route.network_controlled-egress_firewall-default",
      "aws_route.network_controlled-egress_nat-default",
      "aws_route.network_controlled-egress_workload-default",
      "aws_networkfirewall_firewall.network_controlled-egress_firewall",
    ]);
    expect(result.details).toMatch(reason);
  });

  it("flags a NAT route when the NAT subnet's traffic bypasses the firewall", async () => {
    // Prepare: the NAT subnet's default route straight to the internet gateway
    const json = egressJson();
    const routes = (json.resource as Resources).aws_route ?? {};
    const natDefault = routes["network_controlled-egress_nat-default"] ?? {};
    delete natDefault.vpc_endpoint_id;
    natDefault.gateway_id = "${aws_internet_gateway.network_controlled-egress_internet-gateway.id}";
    // Act
    const result = await violations(NoInternetGatewayRoute, json);
    // Assess
    expect(result.open).toEqual([
      "aws_route.network_controlled-egress_nat-default",
      "aws_route.network_controlled-egress_workload-default",
    ]);
    expect(result.accepted).toEqual(["aws_route.network_controlled-egress_firewall-default"]);
  });

  it("flags an internet gateway route from any other subnet", async () => {
    // Prepare: the private subnets' table gets a default route to the internet gateway
    const json = egressJson();
    (json.resource as Resources).aws_route = {
      ...(json.resource as Resources).aws_route,
      "private-out": {
        route_table_id: "${aws_route_table.network_private-routes.id}",
        destination_cidr_block: "0.0.0.0/0",
        gateway_id: "${aws_internet_gateway.network_controlled-egress_internet-gateway.id}",
        provider: "aws.sovereign",
      },
    };
    // Act
    const result = await violations(NoInternetGatewayRoute, json);
    // Assess
    expect(result.open).toEqual(["aws_route.private-out"]);
    expect(result.accepted).toEqual(ACCEPTED_ROUTES);
  });

  it("flags a default route into the firewall from any other subnet (issue 15)", async () => {
    // Prepare: the private subnets' table sends everything straight into the verified firewall, past the NAT
    const json = egressJson();
    const natDefault = (json.resource as Resources).aws_route?.["network_controlled-egress_nat-default"] ?? {};
    (json.resource as Resources).aws_route = {
      ...(json.resource as Resources).aws_route,
      "private-into-firewall": {
        route_table_id: "${aws_route_table.network_private-routes.id}",
        destination_cidr_block: "0.0.0.0/0",
        vpc_endpoint_id: natDefault.vpc_endpoint_id,
        provider: "aws.sovereign",
      },
    };
    // Act
    const result = await violations(NoInternetGatewayRoute, json);
    // Assess
    expect(result.open).toEqual(["aws_route.private-into-firewall"]);
    expect(result.accepted).toEqual(ACCEPTED_ROUTES);
    expect(result.details).toMatch(/to a Network Firewall endpoint/);
  });

  it("accepts the commercial host names only in the verified allowlist (SIP-RES-4)", async () => {
    // Prepare
    const json = egressJson();
    const weakened = egressJson();
    (
      only((weakened.resource as Resources).aws_networkfirewall_firewall_policy).firewall_policy as Record<
        string,
        unknown
      >
    ).stateful_default_actions = ["aws:alert_established"];
    // Act
    const verified = await violations(PartitionConsistentReferences, json);
    const unverified = await violations(PartitionConsistentReferences, weakened);
    // Assess
    expect(verified).toMatchObject({
      open: [],
      accepted: ["aws_networkfirewall_rule_group.network_controlled-egress_allowlist"],
    });
    expect(unverified).toMatchObject({
      open: ["aws_networkfirewall_rule_group.network_controlled-egress_allowlist"],
      accepted: [],
    });
  });
});

describe("cross-partition sync function (SIP-RES-4)", () => {
  const example = synthDeployment(validConfig()).json;
  const FN = "aws_lambda_function.sync-pipeline-avatars-clean_sync_function";
  const fnOf = (json: TfJson) =>
    (json.resource as Resources).aws_lambda_function?.["sync-pipeline-avatars-clean_sync_function"] ?? {};

  it("accepts the commercial ARNs in the target variables of the tagged function behind the firewall", async () => {
    const result = await violations(PartitionConsistentReferences, example);
    expect(result.open).toEqual([]);
    expect(result.accepted).toContain(FN);
  });

  it("flags a commercial reference in any other variable", async () => {
    // Prepare
    const json = structuredClone(example);
    (fnOf(json).environment as { variables: Record<string, string> }).variables.EXTRA_BUCKET =
      "${aws_s3_bucket.commercial-bucket-avatars-clean_bucket.bucket}";
    // Act
    const result = await violations(PartitionConsistentReferences, json);
    // Assess
    expect(result.open).toEqual([FN]);
    expect(result.details).toMatch(/EXTRA_BUCKET: refers to aws_s3_bucket.commercial-bucket-avatars-clean_bucket/);
  });

  it("flags the function's variables when it runs outside the egress path, or without the tag", async () => {
    // Prepare
    const moved = structuredClone(example);
    (fnOf(moved).vpc_config as { subnet_ids: string[] }).subnet_ids = [
      "${aws_subnet.sovereign-network_private-eusc-de-east-1a.id}",
    ];
    const untagged = structuredClone(example);
    delete (fnOf(untagged).tags as Record<string, string>)["sip:exception"];
    // Act / Assess
    for (const json of [moved, untagged]) {
      const result = await violations(PartitionConsistentReferences, json);
      expect(result.open).toEqual([FN]);
      expect(result.accepted).not.toContain(FN);
    }
  });
});

describe("the webhook sender behind the egress path (SIP-VPC-3, SIP-VPC-6)", () => {
  const example = synthDeployment(validConfig()).json;
  const SENDER_GROUP = "aws_security_group.webhooks_sender_security-group";
  const senderOf = (json: TfJson) => (json.resource as Resources).aws_lambda_function?.webhooks_sender_function ?? {};
  const allowlistOf = (json: TfJson) => {
    const group = (json.resource as Resources).aws_networkfirewall_rule_group?.[
      "sovereign-network_controlled-egress_allowlist"
    ];
    if (group === undefined) throw new Error("the example has no egress allowlist");
    return (group.rule_group as { rules_source: { rules_source_list: { targets: string[] } } }).rules_source
      .rules_source_list;
  };

  it("passes the tenants' webhook hosts in the allowlist and accepts the sender's open egress as egress-workload", async () => {
    // Act
    const routes = await violations(NoInternetGatewayRoute, example);
    const groups = await violations(SecurityGroupEgressRestricted, example);
    // Assess
    expect(routes.open).toEqual([]);
    expect(analyzeEgress(templateOf(example)).paths[0]?.allowedDomains).toContain("hooks.acme-health.example.org");
    expect(groups.open).toEqual([]);
    expect(groups.accepted).toContain(SENDER_GROUP);
  });

  it("rejects the path when the allowlist passes a host no webhook endpoint names", async () => {
    // Prepare
    const json = structuredClone(example);
    allowlistOf(json).targets.push("exfiltration.example.net");
    // Act
    const routes = await violations(NoInternetGatewayRoute, json);
    // Assess
    expect(routes.open.length).toBeGreaterThan(0);
    expect(routes.details).toMatch(
      /"exfiltration\.example\.net" is not a regional AWS endpoint nor the host of a webhook endpoint/,
    );
  });

  it("flags the sender's security group when the sender runs outside the path, or without the tag", async () => {
    // Prepare
    const moved = structuredClone(example);
    (senderOf(moved).vpc_config as { subnet_ids: string[] }).subnet_ids = [
      "${aws_subnet.sovereign-network_private-eusc-de-east-1a.id}",
    ];
    const untagged = structuredClone(example);
    delete (senderOf(untagged).tags as Record<string, string>)["sip:exception"];
    // Act / Assess
    for (const json of [moved, untagged]) {
      const result = await violations(SecurityGroupEgressRestricted, json);
      expect(result.open).toContain(SENDER_GROUP);
    }
  });
});
