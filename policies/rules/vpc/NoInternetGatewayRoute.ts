import { reachesInternet } from "../../core/cidr";
import { analyzeEgress, exceptionReason } from "../../core/egress";
import { blocks, literalString } from "../../core/json";
import { referencesIn, resolveReference } from "../../core/references";
import { resourcesOfType, type Template } from "../../core/template";
import { defineRule, type Violation, verdict } from "../../core/types";

const GATEWAYS: ReadonlyArray<readonly [attribute: string, type: string, label: string, literal: RegExp]> = [
  ["gateway_id", "aws_internet_gateway", "an internet gateway", /^igw-[0-9a-f]+$/i],
  ["nat_gateway_id", "aws_nat_gateway", "a NAT gateway", /^nat-[0-9a-f]+$/i],
  [
    "egress_only_gateway_id",
    "aws_egress_only_internet_gateway",
    "an egress-only internet gateway",
    /^eigw-[0-9a-f]+$/i,
  ],
];

/**
 * What a route leads to, when that is a way out of the VPC. Any of the gateway arguments counts for
 * any gateway kind: EC2 accepts a NAT gateway's ID as gateway_id (issue 15: a NAT or egress-only
 * gateway under gateway_id passed a check that matched each argument with one kind only).
 */
function wayOut(template: Template, route: Record<string, unknown>): string | undefined {
  for (const attribute of GATEWAYS.map(([a]) => a)) {
    const value = route[attribute];
    if (typeof value !== "string") continue;
    for (const [, type, label, literal] of GATEWAYS) {
      if (literal.test(value) || referencesIn(value).some((r) => template.byAddress.get(r.address)?.type === type))
        return label;
    }
  }
  return undefined;
}

/**
 * Targets besides the internet, NAT and egress-only gateways: each forwards what it gets onwards (a NAT
 * instance, an appliance, another VPC, a network outside AWS), so a route of internet addresses to one
 * of them is a way out that no endpoint policy or firewall of ours sees (issue 15).
 */
const OTHER_TARGETS: ReadonlyArray<readonly [attribute: string, label: string]> = [
  ["network_interface_id", "a network interface"],
  ["instance_id", "an instance"],
  ["transit_gateway_id", "a transit gateway"],
  ["vpc_peering_connection_id", "a VPC peering connection"],
  ["local_gateway_id", "an Outposts local gateway"],
  ["carrier_gateway_id", "a carrier gateway"],
  ["core_network_arn", "a Cloud WAN core network"],
  ["vpc_endpoint_id", "a VPC endpoint"],
  ["gateway_id", "a gateway"],
];

/** What a route sends traffic to, when that is none of the GATEWAYS and not the VPC itself. */
function otherTarget(template: Template, route: Record<string, unknown>): string | undefined {
  for (const [attribute, label] of OTHER_TARGETS) {
    const value = route[attribute];
    if (typeof value !== "string" || value === "" || value === "local") continue;
    const types = referencesIn(value).map((r) => template.byAddress.get(r.address)?.type);
    const what =
      attribute === "vpc_endpoint_id" && types.includes("aws_networkfirewall_firewall")
        ? "a Network Firewall endpoint"
        : attribute === "vpc_endpoint_id" && types.includes("aws_vpc_endpoint")
          ? "a Gateway Load Balancer endpoint"
          : attribute === "gateway_id" && (/^vgw-/i.test(value) || types.includes("aws_vpn_gateway"))
            ? "a virtual private gateway"
            : label;
    return `${what} (${attribute} ${JSON.stringify(value)})`;
  }
  return undefined;
}

/** The VPC's own address ranges: a destination computed from them is no internet range. */
const VPC_RANGES = new Set([
  "aws_vpc",
  "aws_subnet",
  "aws_default_vpc",
  "aws_default_subnet",
  "aws_vpc_ipv4_cidr_block_association",
  "aws_vpc_ipv6_cidr_block_association",
]);

/** Whether a CIDR value reaches the internet; undefined when it could not be evaluated. */
function cidrReach(template: Template, value: unknown): boolean | undefined {
  const literal = literalString(value);
  if (literal !== undefined) return reachesInternet(literal);
  const ref = resolveReference(template, value);
  if (ref === undefined) return undefined;
  const resolved = literalString(ref.resource.values[ref.attribute ?? ""]);
  if (resolved !== undefined) return reachesInternet(resolved);
  return VPC_RANGES.has(ref.resource.type) ? false : undefined;
}

/** Whether any entry of a prefix list reaches the internet; undefined when its entries are unknown. */
function prefixListReach(template: Template, value: unknown): boolean | undefined {
  const list = resolveReference(template, value)?.resource;
  if (list === undefined || list.mode !== "managed" || list.type !== "aws_ec2_managed_prefix_list") return undefined;
  const cidrs = [
    ...blocks(list.values.entry).map((e) => e.cidr),
    ...resourcesOfType(template, "aws_ec2_managed_prefix_list_entry")
      .filter((e) => resolveReference(template, e.values.prefix_list_id)?.resource.address === list.address)
      .map((e) => e.values.cidr),
  ].map((c) => cidrReach(template, c));
  if (cidrs.some((c) => c === true)) return true;
  return cidrs.every((c) => c === false) ? false : undefined;
}

interface Destination {
  readonly text: string;
  /** Whether the route's destination reaches the internet; undefined when it could not be evaluated. */
  readonly internet: boolean | undefined;
}

/** A route's destination (aws_route or inline form) and whether it reaches the internet. */
function destinationOf(template: Template, route: Record<string, unknown>): Destination {
  const parts: Array<{ value: unknown; internet: boolean | undefined }> = [];
  for (const attribute of ["destination_cidr_block", "cidr_block", "destination_ipv6_cidr_block", "ipv6_cidr_block"])
    if (route[attribute] !== undefined && route[attribute] !== null && route[attribute] !== "")
      parts.push({ value: route[attribute], internet: cidrReach(template, route[attribute]) });
  const list = route.destination_prefix_list_id;
  if (list !== undefined && list !== null && list !== "")
    parts.push({ value: list, internet: prefixListReach(template, list) });
  const text =
    parts.map((p) => (typeof p.value === "string" ? p.value : JSON.stringify(p.value))).join(" and ") || "(none)";
  const internet = parts.some((p) => p.internet === true)
    ? true
    : parts.every((p) => p.internet === false)
      ? false
      : undefined;
  return { text, internet };
}

/**
 * Why a route is a way out through some other target than the internet gateways: its destination
 * reaches the internet (or could not be evaluated) and its target forwards it onwards; else undefined.
 */
function otherWayOut(template: Template, route: Record<string, unknown>): string | undefined {
  const target = otherTarget(template, route);
  if (target === undefined) return undefined;
  const { text, internet } = destinationOf(template, route);
  if (internet === false) return undefined;
  return internet === true
    ? `routes ${text} (internet addresses) to ${target}, outside the controlled egress path`
    : `routes ${text} to ${target}: the destination could not be evaluated, so a route to the internet cannot be ruled out (a prefix list counts only with its entries in this configuration)`;
}

/** Where the destination of a route is written, per block type. */
const DESTINATIONS: ReadonlyArray<readonly [type: string, attribute: string]> = [
  ["aws_route", "destination_cidr_block"],
  ["aws_route", "destination_ipv6_cidr_block"],
  ["aws_route", "destination_prefix_list_id"],
  ...["aws_route_table", "aws_default_route_table"].flatMap((type) =>
    ["route.cidr_block", "route.ipv6_cidr_block", "route.destination_prefix_list_id"].map(
      (attribute) => [type, attribute] as const,
    ),
  ),
];

/**
 * No route to the internet (internet gateway, NAT gateway, egress-only gateway), except the routes of
 * the controlled egress path (DESIGN.md §5), which policies/core/egress.ts verifies by structure and
 * which are reported as the accepted, named exception. No route of internet addresses (0.0.0.0/0, ::/0,
 * its halves, any public IPv4 range, a prefix list holding one) through any other target either: a NAT
 * instance, a transit gateway, a peering connection, a VPN, local or carrier gateway, a core network or
 * an appliance endpoint; only the NAT subnets' routes into the verified firewall stay silent.
 */
export const NoInternetGatewayRoute = defineRule({
  id: "SIP-VPC-3",
  name: "NoInternetGatewayRoute",
  service: "vpc",
  severity: "error",
  suppressible: true,
  info: "A route table sends traffic to the internet outside the controlled egress path: to an internet, NAT or egress-only gateway, or internet addresses (a default route, its halves, a public range or a prefix list holding one) to any other target.",
  explanation:
    "The sovereign VPC has no internet route: services are reached through VPC endpoints of the own partition. A route to an internet or NAT gateway opens a path for data to leave the partition that bypasses every endpoint policy, and so does a default route to anything else that forwards it: a NAT instance behind a network interface, a transit gateway or Cloud WAN core network with an egress VPC behind it, a peering connection, a VPN, an appliance endpoint. The one accepted path is the controlled egress of DESIGN.md §5, where a network firewall passes TLS only to allowlisted host names.",
  fix: "Remove the route, or narrow it to the private range it is for. A workload that must reach the other partition runs in the workload subnet of the network's controlled egress path (modules/network `allowInternetEgress`), whose firewall, NAT and edge routes this rule recognizes and accepts; a firewall that claims the exception but fails the checks is named in the finding. Name a prefix list's entries in this configuration (aws_ec2_managed_prefix_list) so they can be checked.",
  anchors: {
    cdkNag: ["NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW"],
  },
  reads: [
    ...DESTINATIONS.map(([type, attribute]) => ({
      type,
      attribute,
      as: "reference" as const,
      passes:
        "a literal CIDR block, a reference to a block of this configuration with a literal CIDR (or to the VPC's own ranges), or a reference to an aws_ec2_managed_prefix_list of this configuration with such entries",
    })),
    {
      type: "aws_route",
      attribute: "gateway_id",
      as: "reference",
      passes:
        "a reference to a block of this configuration, or a literal ID, that is no internet, NAT or egress-only gateway outside the controlled egress path",
    },
    {
      type: "aws_route",
      attribute: "nat_gateway_id",
      as: "reference",
      passes:
        "a reference to a block of this configuration, or a literal ID, that is no internet, NAT or egress-only gateway outside the controlled egress path",
    },
    {
      type: "aws_route",
      attribute: "egress_only_gateway_id",
      as: "reference",
      passes:
        "a reference to a block of this configuration, or a literal ID, that is no internet, NAT or egress-only gateway outside the controlled egress path",
    },
    {
      type: "aws_route_table",
      attribute: "route.gateway_id",
      as: "reference",
      passes:
        "a reference to a block of this configuration, or a literal ID, that is no internet, NAT or egress-only gateway outside the controlled egress path",
    },
    {
      type: "aws_route_table",
      attribute: "route.nat_gateway_id",
      as: "reference",
      passes:
        "a reference to a block of this configuration, or a literal ID, that is no internet, NAT or egress-only gateway outside the controlled egress path",
    },
    {
      type: "aws_route_table",
      attribute: "route.egress_only_gateway_id",
      as: "reference",
      passes:
        "a reference to a block of this configuration, or a literal ID, that is no internet, NAT or egress-only gateway outside the controlled egress path",
    },
    {
      type: "aws_default_route_table",
      attribute: "route.gateway_id",
      as: "reference",
      passes:
        "a reference to a block of this configuration, or a literal ID, that is no internet, NAT or egress-only gateway outside the controlled egress path",
    },
    {
      type: "aws_default_route_table",
      attribute: "route.nat_gateway_id",
      as: "reference",
      passes:
        "a reference to a block of this configuration, or a literal ID, that is no internet, NAT or egress-only gateway outside the controlled egress path",
    },
    {
      type: "aws_default_route_table",
      attribute: "route.egress_only_gateway_id",
      as: "reference",
      passes:
        "a reference to a block of this configuration, or a literal ID, that is no internet, NAT or egress-only gateway outside the controlled egress path",
    },
  ],
  evaluate({ template }) {
    const violations: Violation[] = [];
    const { paths, rejected } = analyzeEgress(template);
    const routes = resourcesOfType(template, "aws_route");
    const tables = resourcesOfType(template, "aws_route_table", "aws_default_route_table");
    for (const r of routes) {
      const label = wayOut(template, r.values);
      if (label !== undefined) {
        const detail = `routes ${destinationOf(template, r.values).text} to ${label}`;
        const path = paths.find((p) => p.acceptedRoutes.has(r.address));
        violations.push(
          path === undefined
            ? { address: r.address, detail }
            : { address: r.address, detail, acceptedBecause: exceptionReason(path) },
        );
        continue;
      }
      if (paths.some((p) => p.throughFirewall.has(r.address))) continue;
      const other = otherWayOut(template, r.values);
      if (other !== undefined) violations.push({ address: r.address, detail: other });
    }
    for (const t of tables) {
      const out = blocks(t.values.route).flatMap((route) => {
        const label = wayOut(template, route);
        if (label !== undefined) return [`routes ${destinationOf(template, route).text} to ${label}`];
        return otherWayOut(template, route) ?? [];
      });
      if (out.length > 0)
        violations.push({
          address: t.address,
          detail: `${out.join("; ")} (inline routes are never part of the controlled egress path)`,
        });
    }
    for (const { firewall, problems } of rejected) {
      violations.push({
        address: firewall.address,
        detail: `claims the controlled-egress exception, but ${problems.join("; ")}`,
      });
    }
    return verdict(routes.length + tables.length + rejected.length, violations);
  },
});
