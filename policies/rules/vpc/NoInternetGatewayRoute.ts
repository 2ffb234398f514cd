import { blocks, literalString } from "../../core/json";
import { referencesIn } from "../../core/references";
import { resourcesOfType, type Template } from "../../core/template";
import { defineRule, type Violation, verdict } from "../../core/types";

function isInternetGateway(template: Template, value: unknown): boolean {
  if (typeof value !== "string") return false;
  if (/^igw-[0-9a-f]+$/.test(value)) return true;
  return referencesIn(value).some((r) => template.byAddress.get(r.address)?.type === "aws_internet_gateway");
}

function destination(route: Record<string, unknown>): string {
  return literalString(route.destination_cidr_block) ?? literalString(route.cidr_block) ?? literalString(route.destination_ipv6_cidr_block) ?? literalString(route.ipv6_cidr_block) ?? "(computed)";
}

/**
 * No route to an internet gateway. The sync function's NAT egress path (DESIGN.md §5) is the one
 * accepted exception: its route is suppressed with a reason, so every other route stays visible.
 */
export const NoInternetGatewayRoute = defineRule({
  id: "SIP-VPC-3",
  name: "NoInternetGatewayRoute",
  service: "vpc",
  severity: "error",
  suppressible: true,
  info: "A route table sends traffic to an internet gateway.",
  explanation:
    "The sovereign VPC has no internet route: services are reached through VPC endpoints of the own partition. A route to an internet gateway opens a path for data to leave the partition that bypasses every endpoint policy.",
  fix: "Remove the route. The only accepted internet path is the sync function's NAT egress subnet behind the network firewall allowlist; suppress that one route with the reason and the design reference.",
  anchors: {
    cdkNag: ["NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW"],
  },
  evaluate({ template }) {
    const violations: Violation[] = [];
    const routes = resourcesOfType(template, "aws_route");
    const tables = resourcesOfType(template, "aws_route_table", "aws_default_route_table");
    for (const r of routes) {
      if (isInternetGateway(template, r.values.gateway_id)) violations.push({ address: r.address, detail: `routes ${destination(r.values)} to an internet gateway` });
    }
    for (const t of tables) {
      const igw = blocks(t.values.route).filter((route) => isInternetGateway(template, route.gateway_id));
      if (igw.length > 0) violations.push({ address: t.address, detail: `routes ${igw.map(destination).join(", ")} to an internet gateway` });
    }
    return verdict(routes.length + tables.length, violations);
  },
});
