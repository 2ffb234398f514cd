/**
 * The controlled egress path (DESIGN.md §5), recognized by its structure rather than by a name: a
 * Network Firewall tagged `sip:exception = controlled-egress` with a justification, whose policy
 * drops every established flow the allowlist does not pass (strict order, no stateless pass rules),
 * whose rule groups are TLS SNI allowlists of exact host names, which logs alerts and flows; the
 * internet gateway is reached only from the firewall's own subnets; a NAT gateway is reached only by
 * way of a NAT subnet whose default route leads into the firewall, and the gateway's edge route table
 * sends the answers back through the firewall. Routes that are part of such a path are accepted as the
 * named exception; every other route out stays a finding.
 */
import { checkEuRegion } from "../../config/partitions";
import { hostsIn } from "./identifiers";
import { blocks, firstBlock, isObject, literalString, strings } from "./json";
import { referencesIn, resolveReference } from "./references";
import { resourcesOfType, type Template, type TfResource } from "./template";

export { CONTROLLED_EGRESS, CROSS_PARTITION_SYNC, EGRESS_WORKLOAD } from "./exception-names";
import { CONTROLLED_EGRESS, CROSS_PARTITION_SYNC, EGRESS_WORKLOAD } from "./exception-names";
const EXACT_HOST = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

export interface EgressPath {
  readonly firewall: TfResource;
  readonly justification: string;
  /** Host names the firewall passes (TLS SNI). */
  readonly allowedDomains: readonly string[];
  readonly ruleGroups: ReadonlySet<string>;
  readonly firewallSubnets: ReadonlySet<string>;
  readonly natGateways: ReadonlySet<string>;
  /** Subnets whose default route leads to an accepted NAT gateway. */
  readonly workloadSubnets: ReadonlySet<string>;
  /** Route addresses that are part of the path. */
  readonly acceptedRoutes: ReadonlySet<string>;
  /**
   * Routes of the path that lead into the firewall (the NAT subnets' routes): no way out of their own,
   * the firewall decides what passes; not reported.
   */
  readonly throughFirewall: ReadonlySet<string>;
}

export interface EgressAnalysis {
  readonly paths: readonly EgressPath[];
  /** Firewalls that claim the exception but do not satisfy it, with why. */
  readonly rejected: ReadonlyArray<{ readonly firewall: TfResource; readonly problems: readonly string[] }>;
}

/** The accepted-exception text reviewers see for a route of `path`. */
export function exceptionReason(path: EgressPath): string {
  return `named exception ${CONTROLLED_EGRESS} (DESIGN.md §5, firewall ${path.firewall.address} passes TLS only to ${path.allowedDomains.join(", ")}): ${path.justification}`;
}

function tag(r: TfResource, key: string): string | undefined {
  return isObject(r.values.tags) ? literalString(r.values.tags[key]) : undefined;
}

/** The block a value refers to (any attribute), when it is of one of `types`. */
function target(template: Template, value: unknown, ...types: string[]): TfResource | undefined {
  const direct = resolveReference(template, value)?.resource;
  if (direct && types.includes(direct.type)) return direct;
  if (typeof value !== "string") return undefined;
  for (const ref of referencesIn(value)) {
    const r = template.byAddress.get(ref.address);
    if (r && types.includes(r.type)) return r;
  }
  return undefined;
}

function sameValue(a: unknown, b: unknown): boolean {
  return typeof a === "string" && a === b;
}

function checkPolicy(
  template: Template,
  firewall: TfResource,
  problems: string[],
): { domains: string[]; ruleGroups: Set<string> } {
  const domains: string[] = [];
  const ruleGroups = new Set<string>();
  const policy = target(template, firewall.values.firewall_policy_arn, "aws_networkfirewall_firewall_policy");
  if (policy === undefined) {
    problems.push("its firewall_policy_arn does not refer to a firewall policy in this configuration");
    return { domains, ruleGroups };
  }
  const fp = firstBlock(policy.values.firewall_policy) ?? {};
  const forwardOnly = (v: unknown) => strings(v).length === 1 && strings(v)[0] === "aws:forward_to_sfe";
  if (!forwardOnly(fp.stateless_default_actions) || !forwardOnly(fp.stateless_fragment_default_actions))
    problems.push(
      `${policy.address}: stateless default actions must be ["aws:forward_to_sfe"] so every packet reaches the stateful allowlist`,
    );
  if (blocks(fp.stateless_rule_group_reference).length > 0)
    problems.push(`${policy.address}: stateless rule groups could pass traffic around the allowlist`);
  if (literalString(firstBlock(fp.stateful_engine_options)?.rule_order) !== "STRICT_ORDER")
    problems.push(`${policy.address}: stateful_engine_options.rule_order must be STRICT_ORDER`);
  const defaults = strings(fp.stateful_default_actions);
  if (!defaults.includes("aws:drop_established") && !defaults.includes("aws:drop_strict"))
    problems.push(
      `${policy.address}: stateful_default_actions must drop what the allowlist does not pass (aws:drop_established or aws:drop_strict)`,
    );
  const refs = blocks(fp.stateful_rule_group_reference);
  if (refs.length === 0) problems.push(`${policy.address}: no stateful allowlist rule group`);
  for (const ref of refs) {
    const group = target(template, ref.resource_arn, "aws_networkfirewall_rule_group");
    if (group === undefined) {
      problems.push(
        `${policy.address}: a stateful rule group is not in this configuration, so its rules cannot be checked`,
      );
      continue;
    }
    if (firstBlock(ref.override) !== undefined)
      problems.push(`${policy.address}: the reference to ${group.address} overrides its action`);
    ruleGroups.add(group.address);
    const source = firstBlock(firstBlock(group.values.rule_group)?.rules_source) ?? {};
    const list = firstBlock(source.rules_source_list);
    const others = Object.keys(source).filter(
      (k) =>
        k !== "rules_source_list" &&
        source[k] !== undefined &&
        !(Array.isArray(source[k]) && (source[k] as unknown[]).length === 0),
    );
    if (literalString(group.values.type) !== "STATEFUL" || list === undefined || others.length > 0) {
      problems.push(`${group.address}: must be a STATEFUL rule group whose only rules are a domain list`);
      continue;
    }
    if (literalString(list.generated_rules_type) !== "ALLOWLIST")
      problems.push(`${group.address}: the domain list must be an ALLOWLIST`);
    const types = strings(list.target_types);
    if (types.length !== 1 || types[0] !== "TLS_SNI")
      problems.push(`${group.address}: target_types must be ["TLS_SNI"] (plain HTTP would leave unencrypted)`);
    const webhooks = webhookHosts(template);
    for (const host of strings(list.targets)) {
      const endpoint = hostsIn(host).find((h) => h.whole && h.host === host);
      if (!EXACT_HOST.test(host))
        problems.push(
          `${group.address}: target "${host}" is not an exact host name (a leading dot admits every subdomain)`,
        );
      else if (endpoint?.region === undefined && !webhooks.has(host))
        problems.push(
          `${group.address}: target "${host}" is not a regional AWS endpoint nor the host of a webhook endpoint an egress-workload function names; the path exists only to reach the other partition's services and those endpoints`,
        );
      else if (endpoint?.region !== undefined && !checkEuRegion(endpoint.region).ok)
        problems.push(`${group.address}: target "${host}" is in ${endpoint.region}, outside the EU`);
      else domains.push(host);
    }
  }
  return { domains, ruleGroups };
}

function checkLogging(template: Template, firewall: TfResource, problems: string[]): void {
  const types = new Set<string>();
  for (const lc of resourcesOfType(template, "aws_networkfirewall_logging_configuration")) {
    if (target(template, lc.values.firewall_arn, "aws_networkfirewall_firewall")?.address !== firewall.address)
      continue;
    for (const c of blocks(firstBlock(lc.values.logging_configuration)?.log_destination_config)) {
      const t = literalString(c.log_type);
      if (t) types.add(t);
    }
  }
  for (const needed of ["ALERT", "FLOW"])
    if (!types.has(needed)) problems.push(`no ${needed} logging configuration for the firewall`);
}

/** What analyzeEgress knows of the routing, for the NAT gateways' check. */
interface Routing {
  readonly template: Template;
  readonly associations: readonly TfResource[];
  readonly tableOf: (subnet: string) => Array<string | undefined>;
  readonly routesOf: (table: string) => TfResource[];
  readonly intoFirewall: (r: TfResource) => boolean;
}

/**
 * The NAT gateways outside the firewall's subnets whose subnet's only routes lead into the firewall
 * (the default route among them), with the answers routed back through it; and those routes.
 */
function natGatewaysThroughFirewall(
  { template, associations, tableOf, routesOf, intoFirewall }: Routing,
  firewallSubnets: ReadonlySet<string>,
): { natGateways: Set<string>; throughFirewall: Set<string> } {
  const natGateways = new Set<string>();
  const throughFirewall = new Set<string>();
  for (const nat of resourcesOfType(template, "aws_nat_gateway")) {
    const subnet = target(template, nat.values.subnet_id, "aws_subnet");
    if (subnet === undefined || firewallSubnets.has(subnet.address)) continue;
    const natTables = tableOf(subnet.address);
    const natRoutes = natTables.flatMap((t) => (t === undefined ? [] : routesOf(t)));
    const outThroughFirewall =
      natTables.length === 1 &&
      natRoutes.some((r) => literalString(r.values.destination_cidr_block) === "0.0.0.0/0" && intoFirewall(r));
    const onlyThroughFirewall = natRoutes.every((r) => intoFirewall(r));
    const backThroughFirewall = associations.some((a) => {
      const edge = target(template, a.values.gateway_id, "aws_internet_gateway");
      const table = target(template, a.values.route_table_id, "aws_route_table");
      return (
        edge !== undefined &&
        table !== undefined &&
        routesOf(table.address).some(
          (r) => intoFirewall(r) && sameValue(r.values.destination_cidr_block, subnet.values.cidr_block),
        )
      );
    });
    if (outThroughFirewall && onlyThroughFirewall && backThroughFirewall) {
      natGateways.add(nat.address);
      for (const r of natRoutes) throughFirewall.add(r.address);
    }
  }
  return { natGateways, throughFirewall };
}

/** Finds the controlled egress paths of a configuration and the routes that belong to them. */
export function analyzeEgress(template: Template): EgressAnalysis {
  const associations = resourcesOfType(template, "aws_route_table_association");
  const routes = resourcesOfType(template, "aws_route");
  const tableOf = (subnet: string) =>
    associations
      .filter((a) => target(template, a.values.subnet_id, "aws_subnet")?.address === subnet)
      .map((a) => target(template, a.values.route_table_id, "aws_route_table")?.address);
  const subnetsOf = (table: string) =>
    associations.filter((a) => target(template, a.values.route_table_id, "aws_route_table")?.address === table);
  const routesOf = (table: string) =>
    routes.filter((r) => target(template, r.values.route_table_id, "aws_route_table")?.address === table);

  const paths: EgressPath[] = [];
  const rejected: Array<{ firewall: TfResource; problems: string[] }> = [];
  for (const firewall of resourcesOfType(template, "aws_networkfirewall_firewall")) {
    if (tag(firewall, "sip:exception") !== CONTROLLED_EGRESS) continue;
    const problems: string[] = [];
    const justification = tag(firewall, "sip:justification")?.trim() ?? "";
    if (justification.length < 10) problems.push('tag "sip:justification" must say why the network needs a path out');
    const { domains, ruleGroups } = checkPolicy(template, firewall, problems);
    checkLogging(template, firewall, problems);
    const firewallSubnets = new Set(
      blocks(firewall.values.subnet_mapping).flatMap((m) => target(template, m.subnet_id, "aws_subnet")?.address ?? []),
    );
    if (firewallSubnets.size === 0) problems.push("its subnet_mapping names no subnet of this configuration");
    if (problems.length > 0) {
      rejected.push({ firewall, problems });
      continue;
    }
    const intoFirewall = (r: TfResource) =>
      literalString(r.values.destination_cidr_block) !== undefined &&
      target(template, r.values.vpc_endpoint_id, "aws_networkfirewall_firewall")?.address === firewall.address;
    const accepted = new Set<string>();
    // Internet gateway routes: only from tables that serve the firewall's own subnets and nothing else.
    for (const r of routes) {
      const igw = target(template, r.values.gateway_id, "aws_internet_gateway");
      const table = target(template, r.values.route_table_id, "aws_route_table");
      if (igw === undefined || table === undefined || !sameValue(igw.values.vpc_id, firewall.values.vpc_id)) continue;
      const served = subnetsOf(table.address).map((a) => target(template, a.values.subnet_id, "aws_subnet")?.address);
      if (served.length > 0 && served.every((s) => s !== undefined && firewallSubnets.has(s))) accepted.add(r.address);
    }
    // NAT gateways whose subnet's default route leads into the firewall, with the answers routed back through it.
    const { natGateways, throughFirewall } = natGatewaysThroughFirewall(
      { template, associations, tableOf, routesOf, intoFirewall },
      firewallSubnets,
    );
    const workloadSubnets = new Set<string>();
    for (const r of routes) {
      const nat = target(template, r.values.nat_gateway_id, "aws_nat_gateway");
      if (nat === undefined || !natGateways.has(nat.address)) continue;
      accepted.add(r.address);
      const table = target(template, r.values.route_table_id, "aws_route_table");
      for (const a of table ? subnetsOf(table.address) : []) {
        const s = target(template, a.values.subnet_id, "aws_subnet")?.address;
        if (s) workloadSubnets.add(s);
      }
    }
    paths.push({
      firewall,
      justification,
      allowedDomains: [...new Set(domains)].sort(),
      ruleGroups,
      firewallSubnets,
      natGateways,
      workloadSubnets,
      acceptedRoutes: accepted,
      throughFirewall,
    });
  }
  return { paths, rejected };
}

/** Environment variables through which the sync function names the other partition's resources. */
export const SYNC_CROSSING_VARIABLES: ReadonlySet<string> = new Set([
  // Failback with outage uploads: the commercial inbox it brings uploads home from.
  "OUTAGE_UPLOADS_BUCKET",
  "ROLES_ANYWHERE_PROFILE_ARN",
  "ROLES_ANYWHERE_ROLE_ARN",
  "ROLES_ANYWHERE_TRUST_ANCHOR_ARN",
  "TARGET_BUCKET",
  "TARGET_KMS_KEY_ARN",
  "TARGET_REGION",
]);

/**
 * Blocks allowed to name the other partition, with the attribute paths where they may, and why:
 * the allowlist of a verified controlled egress path, and a function tagged
 * `sip:exception = cross-partition-sync` that runs only in that path's workload subnets (where the
 * firewall confines it to the allowlisted endpoints) and names the other side only in its
 * SYNC_CROSSING_VARIABLES.
 */
export function crossPartitionExceptions(
  template: Template,
  analysis: EgressAnalysis = analyzeEgress(template),
): Map<string, { readonly paths: (path: string) => boolean; readonly reason: string }> {
  const out = new Map<string, { paths: (path: string) => boolean; reason: string }>();
  for (const path of analysis.paths) {
    for (const group of path.ruleGroups) {
      out.set(group, {
        paths: (p) => p.startsWith("rule_group.rules_source.rules_source_list.targets["),
        reason: exceptionReason(path),
      });
    }
  }
  for (const fn of resourcesOfType(template, "aws_lambda_function")) {
    if (tag(fn, "sip:exception") !== CROSS_PARTITION_SYNC) continue;
    const justification = tag(fn, "sip:justification")?.trim() ?? "";
    const path = pathOfFunction(template, analysis, fn);
    if (path === undefined || justification.length < 10) continue;
    out.set(fn.address, {
      paths: (p) => {
        const m = /^environment(?:\[0\])?\.variables\.([A-Z0-9_]+)$/.exec(p);
        return m?.[1] !== undefined && SYNC_CROSSING_VARIABLES.has(m[1]);
      },
      reason: `named exception ${CROSS_PARTITION_SYNC} (DESIGN.md §4-5: runs only behind firewall ${path.firewall.address}; names the other partition only in ${[...SYNC_CROSSING_VARIABLES].join(", ")}): ${justification}`,
    });
  }
  return out;
}

/**
 * Hosts of the webhook endpoints (WEBHOOK_ENDPOINTS: JSON, tenant → https URL) of the functions
 * tagged `egress-workload`: the only non-AWS hosts an allowlist may pass. Whether such a function
 * really runs behind the path is checked by `egressWorkloads`; no other function can use the path.
 */
export function webhookHosts(template: Template): Set<string> {
  const hosts = new Set<string>();
  for (const fn of resourcesOfType(template, "aws_lambda_function")) {
    if (tag(fn, "sip:exception") !== EGRESS_WORKLOAD) continue;
    const variables = firstBlock(fn.values.environment)?.variables;
    const endpoints = isObject(variables) ? literalString(variables.WEBHOOK_ENDPOINTS) : undefined;
    if (endpoints === undefined) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(endpoints);
    } catch {
      continue;
    }
    if (!isObject(parsed)) continue;
    for (const url of Object.values(parsed)) {
      if (typeof url !== "string" || !URL.canParse(url)) continue;
      const parsedUrl = new URL(url);
      if (parsedUrl.protocol === "https:") hosts.add(parsedUrl.hostname);
    }
  }
  return hosts;
}

/** The verified path whose workload subnets hold every subnet of `fn`, if any. */
function pathOfFunction(template: Template, analysis: EgressAnalysis, fn: TfResource): EgressPath | undefined {
  const subnets = strings(firstBlock(fn.values.vpc_config)?.subnet_ids).map(
    (v) => target(template, v, "aws_subnet")?.address,
  );
  return analysis.paths.find(
    (p) => subnets.length > 0 && subnets.every((s) => s !== undefined && p.workloadSubnets.has(s)),
  );
}

/**
 * Functions accepted as the named exception `egress-workload`, with the reason: tagged so with a
 * justification of at least 10 characters, and running only in a verified path's workload subnets,
 * where the firewall passes TLS to the allowlisted hosts and drops everything else. Unlike
 * cross-partition-sync, such a function may name no other partition (the residency rules still apply
 * to all of it).
 */
export function egressWorkloads(
  template: Template,
  analysis: EgressAnalysis = analyzeEgress(template),
): Map<string, string> {
  const out = new Map<string, string>();
  for (const fn of resourcesOfType(template, "aws_lambda_function")) {
    if (tag(fn, "sip:exception") !== EGRESS_WORKLOAD) continue;
    const justification = tag(fn, "sip:justification")?.trim() ?? "";
    const path = pathOfFunction(template, analysis, fn);
    if (path === undefined || justification.length < 10) continue;
    out.set(
      fn.address,
      `named exception ${EGRESS_WORKLOAD} (runs only behind firewall ${path.firewall.address}, which passes TLS only to ${path.allowedDomains.join(", ")}): ${justification}`,
    );
  }
  return out;
}
