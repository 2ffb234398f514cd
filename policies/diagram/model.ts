/**
 * The partition diagram's graph, built from one synthesized configuration: a group per partition
 * (and, nested in it, one per further account provider such as a tenant's account) holding the
 * buckets, KMS keys and secrets there, the functions and roles that use them (edges derived from
 * the roles' identity policies, see access.ts), the controlled egress path (egress.ts) and the IAM
 * Roles Anywhere trust on the other side. Node and group IDs derive from addresses; everything is
 * sorted, so the same configuration always gives the same graph.
 */
import { X509Certificate } from "node:crypto";
import { arn, type PartitionInfo } from "../../config/partitions";
import { analyzeEgress } from "../core/egress";
import { blocks, compareStrings, firstBlock, isObject, type JsonObject, literalString, strings } from "../core/json";
import { placementOf } from "../core/placement";
import { policyDocuments, statementsOf } from "../core/policy-documents";
import { outgoingReferences, refersTo, resolveReference } from "../core/references";
import { DATA_CLASS_TAG, TENANT_TAG, tagsOf } from "../core/residency";
import { resourcesOfType, type Template, type TfResource } from "../core/template";
import { ACCESS_ORDER, type AccessTarget, accessesOf } from "./access";

export type NodeKind = "bucket" | "key" | "secret" | "function" | "role" | "egress" | "trust-anchor" | "profile";

export interface DiagramNode {
  /** The address it stands for, or `tenant-<kind>s@<group>` for an aggregate. */
  readonly id: string;
  readonly kind: NodeKind;
  /** Label lines, first line the name. */
  readonly label: readonly string[];
  readonly group: string;
  /** Resource addresses the node stands for (a function node also stands for its role). */
  readonly addresses: readonly string[];
}

export type EdgeStyle = "access" | "trust" | "network";

export interface DiagramEdge {
  readonly from: string;
  readonly to: string;
  readonly labels: readonly string[];
  readonly style: EdgeStyle;
  /** The two ends are in different partitions. */
  readonly crossing: boolean;
}

export interface DiagramGroup {
  /** Partition id (`aws-eusc`), `<partition>/<provider key>` for a nested account, or `unplaced`. */
  readonly id: string;
  readonly label: string;
  readonly partition: string;
  readonly parent: string | undefined;
}

export interface PartitionDiagram {
  readonly stack: string;
  readonly groups: readonly DiagramGroup[];
  readonly nodes: readonly DiagramNode[];
  readonly edges: readonly DiagramEdge[];
}

/** Principals first, then the path out, then what holds data: the order nodes are listed in. */
const KIND_ORDER: readonly NodeKind[] = [
  "function",
  "role",
  "egress",
  "profile",
  "trust-anchor",
  "secret",
  "bucket",
  "key",
];

/** Tenant keys or tenant roles of one group become one node from this many on. */
export const AGGREGATE_AT = 3;
const SOVEREIGN = "aws-eusc";
const ROLES_ANYWHERE = "rolesanywhere.amazonaws.com";

function accountOf(values: JsonObject): string | undefined {
  return strings(values.allowed_account_ids)[0];
}

/** The `Tenant` tag among a provider's default tags. */
function providerTenant(values: JsonObject): string | undefined {
  return blocks(values.default_tags)
    .map((b) => (isObject(b.tags) ? literalString(b.tags[TENANT_TAG]) : undefined))
    .find((t) => t !== undefined);
}

function nameOf(r: TfResource): string {
  return (
    literalString(r.values.name) ?? literalString(r.values.bucket) ?? literalString(r.values.function_name) ?? r.address
  );
}

/** Groups: the partition of each resource, or a nested group for a provider beside the partition's main one. */
function grouping(template: Template): {
  groupOf: (r: TfResource) => string;
  groups: Map<string, DiagramGroup>;
  partitionOf: (r: TfResource) => PartitionInfo | undefined;
} {
  const counts = new Map<string, Map<string, number>>();
  for (const r of template.resources) {
    const p = r.mode === "managed" ? placementOf(template, r) : undefined;
    if (p?.partition === undefined || p.provider === undefined) continue;
    const byProvider = counts.get(p.partition.id) ?? new Map<string, number>();
    byProvider.set(p.provider.key, (byProvider.get(p.provider.key) ?? 0) + 1);
    counts.set(p.partition.id, byProvider);
  }
  const main = new Map<string, string>();
  for (const [partition, byProvider] of counts) {
    const [first] = [...byProvider.entries()].sort(([ka, a], [kb, b]) => b - a || compareStrings(ka, kb));
    if (first) main.set(partition, first[0]);
  }
  const groups = new Map<string, DiagramGroup>();
  const groupOf = (r: TfResource): string => {
    const p = placementOf(template, r);
    if (p.partition === undefined || p.provider === undefined) {
      groups.set("unplaced", {
        id: "unplaced",
        label: "unplaced: no literal provider region",
        partition: "unplaced",
        parent: undefined,
      });
      return "unplaced";
    }
    const partition = p.partition;
    const mainProvider = template.providers.find((x) => x.key === main.get(partition.id));
    const account = mainProvider ? accountOf(mainProvider.values) : undefined;
    groups.set(partition.id, {
      id: partition.id,
      label: `${partition.id}: ${partition.name}, ${(mainProvider && literalString(mainProvider.values.region)) ?? "?"}${account ? `, account ${account}` : ""}`,
      partition: partition.id,
      parent: undefined,
    });
    if (p.provider.key === main.get(partition.id)) return partition.id;
    const id = `${partition.id}/${p.provider.key}`;
    const tenant = providerTenant(p.provider.values);
    const own = accountOf(p.provider.values);
    groups.set(id, {
      id,
      label: `${tenant ? `account of tenant ${tenant}` : `provider ${p.provider.key}`}${own ? ` (${own})` : ""}`,
      partition: partition.id,
      parent: partition.id,
    });
    return id;
  };
  return { groupOf, groups, partitionOf: (r) => placementOf(template, r).partition };
}

/** The ARN AWS would give a target (IDs AWS generates, such as key IDs, are derived from the address). */
function arnOf(template: Template, r: TfResource): string {
  const p = placementOf(template, r);
  const partition = p.partition;
  if (partition === undefined) return `unplaced:${r.address}`;
  const account = (p.provider && accountOf(p.provider.values)) ?? "unknown-account";
  const region = p.region ?? "";
  switch (r.type) {
    case "aws_s3_bucket":
      return arn(partition, { service: "s3", resource: nameOf(r) });
    case "aws_kms_key":
    case "aws_kms_external_key":
      return arn(partition, { service: "kms", region, account, resource: `key/${r.name}` });
    case "aws_iam_role":
      return arn(partition, { service: "iam", account, resource: `role/${nameOf(r)}` });
    case "aws_secretsmanager_secret":
      return arn(partition, { service: "secretsmanager", region, account, resource: `secret:${nameOf(r)}-AbCdEf` });
    default:
      return `${r.type}:${r.address}`;
  }
}

/** Identity policy documents of a role: inline (role policies, inline_policy blocks) and attached customer-managed policies. */
function identityPolicies(template: Template, role: TfResource): JsonObject[] {
  const name = literalString(role.values.name);
  const isRole = (v: unknown) => refersTo(v, role.address) || (name !== undefined && v === name);
  const attached = new Set<string>();
  for (const a of resourcesOfType(template, "aws_iam_role_policy_attachment")) {
    const target = resolveReference(template, a.values.policy_arn)?.resource;
    if (isRole(a.values.role) && target) attached.add(target.address);
  }
  for (const v of strings(role.values.managed_policy_arns)) {
    const target = resolveReference(template, v)?.resource;
    if (target) attached.add(target.address);
  }
  return policyDocuments(template)
    .filter((d) => d.kind === "identity" && d.document !== undefined)
    .filter(
      (d) =>
        (d.resource.type === "aws_iam_role" && d.address === role.address) ||
        (d.resource.type === "aws_iam_role_policy" && isRole(d.resource.values.role)) ||
        attached.has(d.address),
    )
    .map((d) => d.document as JsonObject);
}

/** The first subject CN of a PEM certificate bundle, if it parses. */
function caSubject(pem: unknown): string | undefined {
  if (typeof pem !== "string") return undefined;
  try {
    const subject = new X509Certificate(pem).subject;
    return /(?:^|\n)CN=([^\n]+)/.exec(subject)?.[1] ?? subject.replace(/\n/g, ", ");
  } catch {
    return undefined;
  }
}

function keyLabel(aliases: readonly string[], r: TfResource): string {
  return aliases.length > 0 ? `key ${aliases.join(", ")}` : `key ${r.address}`;
}

type BuildNode = DiagramNode & { tenant?: string };
type BuildEdge = { from: string; to: string; labels: Set<string>; style: EdgeStyle };

/** The graph while it is built: nodes by id, the node each address belongs to, edges merged per pair. */
class DiagramBuilder {
  readonly groupOf: (r: TfResource) => string;
  readonly groups: Map<string, DiagramGroup>;
  readonly partitionOf: (r: TfResource) => PartitionInfo | undefined;
  readonly nodes = new Map<string, BuildNode>();
  /** address -> node id */
  readonly nodeOf = new Map<string, string>();
  readonly edges = new Map<string, BuildEdge>();
  readonly roles: TfResource[];
  readonly functions: TfResource[];

  constructor(readonly template: Template) {
    ({ groupOf: this.groupOf, groups: this.groups, partitionOf: this.partitionOf } = grouping(template));
    this.roles = resourcesOfType(template, "aws_iam_role");
    this.functions = resourcesOfType(template, "aws_lambda_function");
  }

  add(r: TfResource, kind: NodeKind, label: string[], extra: TfResource[] = []): void {
    const tenant = tagsOf(this.template, r)[TENANT_TAG];
    this.nodes.set(r.address, {
      id: r.address,
      kind,
      label,
      group: this.groupOf(r),
      addresses: [r.address, ...extra.map((e) => e.address)].sort(compareStrings),
      ...(tenant ? { tenant } : {}),
    });
    for (const a of [r, ...extra]) this.nodeOf.set(a.address, r.address);
  }

  classLine(r: TfResource): string[] {
    const tags = tagsOf(this.template, r);
    const parts = [
      tags[DATA_CLASS_TAG] ? `class ${tags[DATA_CLASS_TAG]}` : undefined,
      tags.Purpose,
      tags[TENANT_TAG] ? `tenant ${tags[TENANT_TAG]}` : undefined,
    ].filter((x): x is string => x !== undefined);
    return parts.length > 0 ? [parts.join(", ")] : [];
  }

  link(from: string, to: string, label: string, style: EdgeStyle): void {
    const key = `${from} ${to} ${style}`;
    const e = this.edges.get(key) ?? { from, to, labels: new Set<string>(), style };
    e.labels.add(label);
    this.edges.set(key, e);
  }

  /** The node of a role, added when it has none yet (a function's node may stand for it). */
  roleNode(r: TfResource): string {
    if (!this.nodeOf.has(r.address)) this.add(r, "role", [`role ${nameOf(r)}`, ...this.classLine(r)]);
    return this.nodeOf.get(r.address) as string;
  }

  executionRole(f: TfResource): TfResource | undefined {
    return (
      resolveReference(this.template, f.values.role)?.resource ??
      this.roles.find((r) => arnOf(this.template, r) === f.values.role)
    );
  }
}

/** Resources that hold data, and the targets policies can name (those and the roles). */
function addDataNodes(d: DiagramBuilder): AccessTarget[] {
  const { template } = d;
  const aliasesOf = (key: TfResource) =>
    resourcesOfType(template, "aws_kms_alias")
      .filter((a) => refersTo(a.values.target_key_id, key.address))
      .map((a) => literalString(a.values.name) ?? a.address)
      .sort(compareStrings);
  const targets: AccessTarget[] = [];
  for (const b of resourcesOfType(template, "aws_s3_bucket")) {
    d.add(b, "bucket", [`bucket ${nameOf(b)}`, ...d.classLine(b)]);
    targets.push({ address: b.address, kind: "bucket", arn: arnOf(template, b), aliases: [] });
  }
  // Keys for imported material (the standby pseudonym keys) are keys like the others.
  for (const k of [...resourcesOfType(template, "aws_kms_key"), ...resourcesOfType(template, "aws_kms_external_key")]) {
    const aliases = aliasesOf(k);
    d.add(k, "key", [keyLabel(aliases, k), ...d.classLine(k)]);
    targets.push({ address: k.address, kind: "key", arn: arnOf(template, k), aliases });
  }
  for (const s of resourcesOfType(template, "aws_secretsmanager_secret")) {
    d.add(s, "secret", [`secret ${nameOf(s)}`, ...d.classLine(s)]);
    targets.push({ address: s.address, kind: "secret", arn: arnOf(template, s), aliases: [] });
  }
  for (const r of d.roles) targets.push({ address: r.address, kind: "role", arn: arnOf(template, r), aliases: [] });
  return targets;
}

/** Functions stand for their execution role when the role serves only them. */
function addFunctionNodes(d: DiagramBuilder): void {
  const servedBy = new Map<string, TfResource[]>();
  for (const f of d.functions) {
    const role = d.executionRole(f);
    if (role) servedBy.set(role.address, [...(servedBy.get(role.address) ?? []), f]);
  }
  for (const f of d.functions) {
    const role = d.executionRole(f);
    const merged = role !== undefined && servedBy.get(role.address)?.length === 1;
    d.add(
      f,
      "function",
      [`function ${nameOf(f)}`, ...(role ? [`role ${nameOf(role)}`] : [])],
      merged && role ? [role] : [],
    );
  }
}

/** Identity policies: reads, writes, key use, secret reads, role assumption. */
function addAccessEdges(d: DiagramBuilder, targets: readonly AccessTarget[]): void {
  const { template } = d;
  const pending: Array<{ role: TfResource; target: AccessTarget; label: string }> = [];
  for (const role of d.roles) {
    const statements = identityPolicies(template, role).flatMap((doc) => statementsOf(concrete(template, doc)));
    for (const target of targets) {
      if (target.address === role.address) continue;
      for (const access of accessesOf(statements, target)) pending.push({ role, target, label: access });
    }
  }
  // Roles the functions run as, roles with access to data, roles assumed: all shown.
  for (const f of d.functions) {
    const role = d.executionRole(f);
    if (role && !d.nodeOf.has(role.address)) {
      d.roleNode(role);
      d.link(f.address, role.address, "runs as", "trust");
    }
  }
  for (const { role, target, label } of pending) {
    const to =
      target.kind === "role"
        ? d.roleNode(template.byAddress.get(target.address) as TfResource)
        : (d.nodeOf.get(target.address) as string);
    d.link(d.roleNode(role), to, label, "access");
  }
}

/** IAM Roles Anywhere: trust anchors (with their CA), profiles, the roles they serve. */
function addRolesAnywhere(d: DiagramBuilder): void {
  const { template } = d;
  for (const anchor of resourcesOfType(template, "aws_rolesanywhere_trust_anchor")) {
    const ca = caSubject(firstBlock(firstBlock(anchor.values.source)?.source_data)?.x509_certificate_data);
    d.add(anchor, "trust-anchor", [`Roles Anywhere trust anchor ${nameOf(anchor)}`, ...(ca ? [`CA ${ca}`] : [])]);
  }
  for (const profile of resourcesOfType(template, "aws_rolesanywhere_profile")) {
    d.add(profile, "profile", [`Roles Anywhere profile ${nameOf(profile)}`]);
    for (const v of strings(profile.values.role_arns)) {
      const role = resolveReference(template, v)?.resource;
      if (role?.type === "aws_iam_role") d.link(profile.address, d.roleNode(role), "issues sessions of", "trust");
    }
  }
  const trustPolicies = policyDocuments(template).filter((doc) => doc.kind === "trust" && doc.document !== undefined);
  for (const role of d.roles) {
    const trust = trustPolicies.find((doc) => doc.address === role.address)?.document;
    for (const s of trust ? statementsOf(trust) : []) {
      if (s.effect !== "Allow" || !s.principal?.service.includes(ROLES_ANYWHERE)) continue;
      const cns = s.conditions
        .filter((c) => c.key === "aws:PrincipalTag/x509Subject/CN")
        .flatMap((c) => c.values.map(String));
      const sourceAnchors = s.conditions
        .filter((c) => c.key.toLowerCase() === "aws:sourcearn")
        .flatMap((c) => c.values.filter((v): v is string => typeof v === "string"));
      for (const anchor of resourcesOfType(template, "aws_rolesanywhere_trust_anchor")) {
        if (sourceAnchors.length > 0 && !sourceAnchors.some((v) => refersTo(v, anchor.address))) continue;
        d.link(
          anchor.address,
          d.roleNode(role),
          cns.length > 0
            ? `trusts certificates CN=${cns.sort(compareStrings).join(", CN=")}`
            : "trusts its certificates",
          "trust",
        );
      }
    }
  }
}

/** The controlled egress path, the functions behind it, and what they name across the partition boundary. */
function addEgress(d: DiagramBuilder): void {
  const { template } = d;
  const egress = analyzeEgress(template).paths;
  for (const path of egress) {
    d.nodes.set(path.firewall.address, {
      id: path.firewall.address,
      kind: "egress",
      label: ["controlled egress: NAT gateway and Network Firewall", "TLS only to:", ...path.allowedDomains],
      group: d.groupOf(path.firewall),
      addresses: [path.firewall.address, ...path.natGateways].sort(compareStrings),
    });
  }
  // Allowlisted hosts that name a bucket (virtual-hosted style) lead to that bucket.
  for (const path of egress) {
    for (const host of path.allowedDomains) {
      const bucket = resourcesOfType(template, "aws_s3_bucket").find((b) => host.startsWith(`${nameOf(b)}.s3.`));
      if (bucket) d.link(path.firewall.address, bucket.address, "S3 requests (allowlisted host)", "network");
    }
  }
  for (const f of d.functions) {
    const subnets = strings(firstBlock(f.values.vpc_config)?.subnet_ids).map(
      (v) => resolveReference(template, v)?.resource.address,
    );
    const path = egress.find(
      (p) => subnets.length > 0 && subnets.every((s) => s !== undefined && p.workloadSubnets.has(s)),
    );
    if (path) d.link(f.address, path.firewall.address, "runs behind", "network");
    for (const r of crossPartitionTargets(d, f)) {
      const label =
        r.type === "aws_rolesanywhere_profile" ? "Roles Anywhere session" : "names across the partition boundary";
      d.link(
        path ? path.firewall.address : f.address,
        d.nodeOf.get(r.address) ?? r.address,
        path ? label : `${label} (no controlled egress path)`,
        "network",
      );
    }
  }
}

/** What a function names in another partition: its Roles Anywhere profiles, else the shown resources there. */
function crossPartitionTargets(d: DiagramBuilder, f: TfResource): TfResource[] {
  const home = d.partitionOf(f)?.id;
  const named = outgoingReferences(f)
    .map((ref) => d.template.byAddress.get(ref.address))
    .filter(
      (r): r is TfResource =>
        r !== undefined && r.mode === "managed" && d.partitionOf(r) !== undefined && d.partitionOf(r)?.id !== home,
    );
  const profiles = named.filter((r) => r.type === "aws_rolesanywhere_profile");
  return profiles.length > 0
    ? profiles
    : named.filter(
        (r) => d.nodeOf.has(r.address) && d.nodes.get(d.nodeOf.get(r.address) as string)?.kind !== "trust-anchor",
      );
}

/** Aggregates tenant keys and tenant roles per group; returns the new id of each node merged away. */
function aggregateTenants(nodes: Map<string, BuildNode>): Map<string, string> {
  const rename = new Map<string, string>();
  for (const kind of ["key", "role"] as const) {
    const byGroup = new Map<string, BuildNode[]>();
    for (const n of nodes.values())
      if (n.kind === kind && n.tenant !== undefined) byGroup.set(n.group, [...(byGroup.get(n.group) ?? []), n]);
    for (const [group, members] of byGroup) {
      if (members.length < AGGREGATE_AT) continue;
      const id = `tenant-${kind}s@${group}`;
      const tenants = [...new Set(members.map((m) => m.tenant as string))].sort(compareStrings);
      for (const m of members) {
        rename.set(m.id, id);
        nodes.delete(m.id);
      }
      nodes.set(id, {
        id,
        kind,
        label: [`tenant ${kind}s (${members.length})`, tenants.join(", ")],
        group,
        addresses: members.flatMap((m) => m.addresses).sort(compareStrings),
      });
    }
  }
  return rename;
}

/** The edges between the nodes that remain, renamed and merged per pair. */
function mergeEdges(d: DiagramBuilder, rename: ReadonlyMap<string, string>): BuildEdge[] {
  const merged = new Map<string, BuildEdge>();
  for (const e of d.edges.values()) {
    const from = rename.get(e.from) ?? e.from;
    const to = rename.get(e.to) ?? e.to;
    if (from === to || !d.nodes.has(from) || !d.nodes.has(to)) continue;
    const key = `${from} ${to} ${e.style}`;
    const m = merged.get(key) ?? { from, to, labels: new Set<string>(), style: e.style };
    for (const l of e.labels) m.labels.add(l);
    merged.set(key, m);
  }
  return [...merged.values()];
}

/** Builds the diagram's graph for one configuration. */
export function partitionDiagram(template: Template): PartitionDiagram {
  const d = new DiagramBuilder(template);
  const targets = addDataNodes(d);
  addFunctionNodes(d);
  addAccessEdges(d, targets);
  addRolesAnywhere(d);
  addEgress(d);
  // Nodes without any edge that stand for no data (roles with nothing to do here) are left out.
  const touched = new Set([...d.edges.values()].flatMap((e) => [e.from, e.to]));
  for (const [id, n] of d.nodes) if (n.kind === "role" && !touched.has(id)) d.nodes.delete(id);
  const merged = mergeEdges(d, aggregateTenants(d.nodes));

  const { nodes, groups } = d;
  const partitionOfNode = (id: string) => groups.get(nodes.get(id)?.group ?? "")?.partition;
  const order = (label: string) => {
    const i = (ACCESS_ORDER as readonly string[]).indexOf(label);
    return i === -1 ? ACCESS_ORDER.length : i;
  };
  return {
    stack: template.stack,
    groups: [...groups.values()].sort((a, b) => compareStrings(groupSortKey(a), groupSortKey(b))),
    nodes: [...nodes.values()]
      .map(({ tenant: _, ...n }) => n)
      .sort(
        (a, b) =>
          compareStrings(a.group, b.group) ||
          KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) ||
          compareStrings(a.id, b.id),
      ),
    edges: merged
      .map((e) => ({
        from: e.from,
        to: e.to,
        style: e.style,
        labels: [...e.labels].sort((a, b) => order(a) - order(b) || compareStrings(a, b)),
        crossing: partitionOfNode(e.from) !== partitionOfNode(e.to),
      }))
      .sort((a, b) => compareStrings(`${a.from} ${a.to} ${a.style}`, `${b.from} ${b.to} ${b.style}`)),
  };
}

/** The sovereign partition first, then the others, each followed by its nested groups. */
function groupSortKey(g: DiagramGroup): string {
  const rank = g.partition === SOVEREIGN ? "0" : g.partition === "unplaced" ? "2" : "1";
  return `${rank} ${g.id}`;
}

/** A policy document with references to the stack's resources replaced by the ARNs AWS would give them. */
function concrete(template: Template, doc: JsonObject): JsonObject {
  const text = JSON.stringify(doc).replace(
    /(?<!\$)\$\{(aws_[a-z0-9_]+\.[A-Za-z0-9_-]+)\.(arn|id|bucket|name)\}/g,
    (ref, address: string, attribute: string) => {
      const r = template.byAddress.get(address);
      if (r === undefined) return ref;
      if (attribute === "arn") return arnOf(template, r);
      return r.type === "aws_s3_bucket" || attribute === "name" ? nameOf(r) : ref;
    },
  );
  const parsed: unknown = JSON.parse(text);
  return isObject(parsed) ? parsed : doc;
}

/** Node ids reachable from `start` along the edges (not including `start`). */
export function downstream(diagram: PartitionDiagram, start: string): Set<string> {
  return reach(diagram, start, (e) => [e.from, e.to]);
}

/** Node ids from which `end` is reachable along the edges (not including `end`). */
export function upstream(diagram: PartitionDiagram, end: string): Set<string> {
  return reach(diagram, end, (e) => [e.to, e.from]);
}

function reach(diagram: PartitionDiagram, start: string, ends: (e: DiagramEdge) => [string, string]): Set<string> {
  const seen = new Set<string>();
  const queue = [start];
  while (queue.length > 0) {
    const at = queue.shift() as string;
    for (const e of diagram.edges) {
      const [from, to] = ends(e);
      if (from === at && !seen.has(to) && to !== start) {
        seen.add(to);
        queue.push(to);
      }
    }
  }
  return seen;
}
