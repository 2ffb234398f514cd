import { analyzeEgress, exceptionReason } from "../../core/egress";
import { blocks, literalString } from "../../core/json";
import { referencesIn } from "../../core/references";
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

function destination(route: Record<string, unknown>): string {
  return (
    literalString(route.destination_cidr_block) ??
    literalString(route.cidr_block) ??
    literalString(route.destination_ipv6_cidr_block) ??
    literalString(route.ipv6_cidr_block) ??
    "(computed)"
  );
}

/**
 * No route to the internet (internet gateway, NAT gateway, egress-only gateway), except the routes of
 * the controlled egress path (DESIGN.md §5), which policies/core/egress.ts verifies by structure and
 * which are reported as the accepted, named exception.
 */
export const NoInternetGatewayRoute = defineRule({
  id: "SIP-VPC-3",
  name: "NoInternetGatewayRoute",
  service: "vpc",
  severity: "error",
  suppressible: true,
  info: "A route table sends traffic to the internet (an internet, NAT or egress-only gateway) outside the controlled egress path.",
  explanation:
    "The sovereign VPC has no internet route: services are reached through VPC endpoints of the own partition. A route to an internet or NAT gateway opens a path for data to leave the partition that bypasses every endpoint policy. The one accepted path is the controlled egress of DESIGN.md §5, where a network firewall passes TLS only to allowlisted host names.",
  fix: "Remove the route. A workload that must reach the other partition runs in the workload subnet of the network's controlled egress path (modules/network `allowInternetEgress`), whose firewall, NAT and edge routes this rule recognizes and accepts; a firewall that claims the exception but fails the checks is named in the finding.",
  anchors: {
    cdkNag: ["NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW"],
  },
  reads: [
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
      if (label === undefined) continue;
      const detail = `routes ${destination(r.values)} to ${label}`;
      const path = paths.find((p) => p.acceptedRoutes.has(r.address));
      violations.push(
        path === undefined
          ? { address: r.address, detail }
          : { address: r.address, detail, acceptedBecause: exceptionReason(path) },
      );
    }
    for (const t of tables) {
      const out = blocks(t.values.route).filter((route) => wayOut(template, route) !== undefined);
      if (out.length > 0)
        violations.push({
          address: t.address,
          detail: `routes ${out.map((route) => `${destination(route)} to ${wayOut(template, route)}`).join(", ")} (inline routes are never part of the controlled egress path)`,
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
