/**
 * The blast-radius view for pull requests (`cdktf.out/review/authorization.md` and `.json`): per role
 * of each stack, what it is for, the requests it makes (the proof's catalogue), who may assume it,
 * what its identity policies reach (buckets and prefixes, keys, secrets, roles, per partition), and
 * the abuse cases (abuse.ts) as the simulator decided them against this very stack's policies.
 *
 * Deterministic: roles sorted by address, abuse cases in their fixed order, no timestamps.
 */
import { compareStrings, stableJson } from "../core/json";
import type { Template } from "../core/template";
import { abuseCases } from "./abuse";
import { CATALOGUE, roleKindOf } from "./catalogue";
import { judgeCall, type Simulate } from "./judge";
import { authzWorld, type AuthzWorld, WorldError, type WorldRole } from "./world";

interface Reach {
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  readonly conditions: boolean;
}

interface RoleReview {
  readonly address: string;
  readonly name: string;
  readonly partition: string;
  readonly account: string;
  readonly kind: string | null;
  readonly purpose: string;
  readonly calls: readonly string[];
  readonly trustedBy: readonly string[];
  readonly reach: readonly Reach[];
}

interface AbuseReview {
  readonly id: string;
  readonly title: string;
  readonly principal: string | null;
  readonly outcome: "denied" | "ALLOWED" | "not applicable" | "not evaluated";
  readonly detail: string;
}

/** What a tenant's tier isolates in this stack, read from its resources (not from the tier's name). */
interface TenantReview {
  readonly tenant: string;
  readonly tier: string;
  /** Its own key exists (`aws_kms_key` tagged with the tenant). */
  readonly ownKey: boolean;
  /** A role of its own that the upload path acts as (tagged Tenant and TenantKey): its uploads are under its key. */
  readonly ownPrincipal: boolean;
  readonly summary: string;
}

export interface AuthorizationReview {
  readonly stack: string;
  readonly tenants: readonly TenantReview[];
  readonly roles: readonly RoleReview[];
  readonly abuse: readonly AbuseReview[];
  readonly simulator: string;
  /** Why the stack could not be reviewed (a provider without region or allowed account), if so. */
  readonly problem?: string;
}

const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);
type Statement = {
  Effect?: string;
  Action?: unknown;
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
  Principal?: unknown;
  Condition?: unknown;
};
function statements(policy: unknown): Statement[] {
  const s = (policy as { Statement?: unknown } | undefined)?.Statement;
  if (Array.isArray(s)) return s as Statement[];
  return s === undefined || s === null ? [] : [s as Statement];
}

/** A resource ARN as a reviewer reads it: `s3 <bucket>/<prefix>`, `kms <key address>`, or the ARN. */
function shortResource(world: AuthzWorld, arn: string): string {
  const s3 = /^arn:([^:]+):s3:::(.+)$/.exec(arn);
  if (s3) return `s3 ${s3[2]} (${s3[1]})`;
  const key = world.keyByArn(arn);
  if (key !== undefined) return `kms ${key.aliases[0] ?? key.address} (${key.side.partition.id})`;
  return arn;
}

function principalsOf(principal: unknown): string[] {
  if (typeof principal === "string") return [principal];
  if (principal === null || typeof principal !== "object") return [];
  return Object.entries(principal).flatMap(([type, value]) => list(value).map((v) => `${type}: ${v}`));
}

function reviewRole(world: AuthzWorld, role: WorldRole): RoleReview {
  const kind = roleKindOf(role);
  const reach: Reach[] = role.identityPolicies
    .flatMap((p) => statements(p.policy))
    .filter((s) => s.Effect === "Allow")
    .map((s) => ({
      actions: [...list(s.Action), ...list(s.NotAction).map((a) => `NOT ${a}`)].sort(compareStrings),
      resources: [...list(s.Resource), ...list(s.NotResource).map((r) => `NOT ${r}`)]
        .map((r) => shortResource(world, r))
        .sort(compareStrings),
      conditions: s.Condition !== undefined,
    }));
  const trustedBy = statements(role.trust)
    .filter((s) => s.Effect === "Allow")
    .flatMap((s) => principalsOf(s.Principal).map((p) => (s.Condition === undefined ? p : `${p} (with conditions)`)));
  return {
    address: role.address,
    name: role.name,
    partition: role.side.partition.id,
    account: role.side.account,
    kind: kind ?? null,
    purpose: kind === undefined ? role.description || "(no description)" : CATALOGUE[kind].purpose,
    calls: kind === undefined ? [] : [...CATALOGUE[kind].calls],
    trustedBy: [...new Set(trustedBy)].sort(compareStrings),
    reach,
  };
}

/** The review of one stack; `simulate` undefined writes the abuse matrix as not evaluated. */
export async function authorizationReview(
  template: Template,
  simulate: Simulate | undefined,
  simulatorNote: string,
): Promise<AuthorizationReview> {
  let world: AuthzWorld;
  try {
    world = authzWorld(template);
  } catch (error) {
    if (!(error instanceof WorldError)) throw error;
    return {
      stack: template.stack,
      tenants: [],
      roles: [],
      abuse: [],
      simulator: simulatorNote,
      problem: error.message,
    };
  }
  const roles = [...world.roles.values()]
    .sort((a, b) => compareStrings(a.address, b.address))
    .map((r) => reviewRole(world, r));
  const abuse: AbuseReview[] = [];
  for (const c of abuseCases(world)) {
    if (c.call === undefined) {
      abuse.push({ id: c.id, title: c.title, principal: null, outcome: "not applicable", detail: c.reason ?? "" });
      continue;
    }
    if (simulate === undefined) {
      abuse.push({
        id: c.id,
        title: c.title,
        principal: c.call.principal.name,
        outcome: "not evaluated",
        detail: simulatorNote,
      });
      continue;
    }
    const verdict = await judgeCall(simulate, world, c.call);
    if (verdict.kind === "unknown") {
      abuse.push({
        id: c.id,
        title: c.title,
        principal: c.call.principal.name,
        outcome: "not evaluated",
        detail: verdict.reason,
      });
      continue;
    }
    const denied = verdict.results.filter((r) => r.decision !== "Allowed");
    abuse.push({
      id: c.id,
      title: c.title,
      principal: c.call.principal.name,
      outcome: verdict.allowed ? "ALLOWED" : "denied",
      detail: verdict.allowed
        ? verdict.results.map((r) => r.check.label).join("; ")
        : denied.map((r) => `${r.check.label}: ${r.decision}`).join("; "),
    });
  }
  return { stack: template.stack, tenants: tenantsOf(template, world), roles, abuse, simulator: simulatorNote };
}

function tenantsOf(template: Template, world: AuthzWorld): TenantReview[] {
  const out = new Map<string, TenantReview>();
  for (const r of template.resources) {
    if (r.type !== "aws_kms_key" && r.type !== "aws_kms_external_key") continue;
    const tags = (r.values.tags ?? {}) as Record<string, unknown>;
    const tenant = typeof tags.Tenant === "string" ? tags.Tenant : undefined;
    if (tenant === undefined) continue;
    const tier = typeof tags.Tier === "string" ? tags.Tier : "(untagged)";
    const ownPrincipal = [...world.roles.values()].some(
      (role) => role.tags.Tenant === tenant && role.tags.TenantKey !== undefined,
    );
    out.set(tenant, {
      tenant,
      tier,
      ownKey: true,
      ownPrincipal,
      summary: ownPrincipal
        ? "its uploads, clean and quarantined copies are written by its own role under its own key (deleting the key shreds them)"
        : "its uploads are written by the platform's functions under the data-class keys, in the shared buckets under its prefix: its own key protects none of them",
    });
  }
  return [...out.values()].sort((a, b) => compareStrings(a.tenant, b.tenant));
}

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

export function authorizationMarkdown(reviews: readonly AuthorizationReview[]): string {
  const out = [
    "# Authorization review: what each role can reach",
    "",
    "Generated from the synthesized policies by `review`; do not edit. Each role's requests are listed as the",
    "authorization proof's catalogue knows them (`make test` proves every recorded request of these kinds",
    "allowed); the abuse matrix is decided against this stack's identity, bucket, key, trust and VPC endpoint",
    "policies as AWS evaluates them.",
    "",
  ];
  for (const r of reviews) {
    out.push(`## Stack ${r.stack}`, "");
    if (r.problem !== undefined) {
      out.push(`Not reviewed: ${r.problem}`, "");
      continue;
    }
    out.push(`Simulator: ${r.simulator}`, "");
    if (r.tenants.length > 0) {
      out.push(
        "### Tenants: what their tier isolates in this stack",
        "",
        "| tenant | tier | own key | own principal | uploads |",
        "|---|---|---|---|---|",
      );
      for (const t of r.tenants)
        out.push(
          `| ${t.tenant} | ${t.tier} | ${t.ownKey ? "yes" : "no"} | ${t.ownPrincipal ? "yes" : "no"} | ${cell(t.summary)} |`,
        );
      out.push("");
    }
    for (const role of r.roles) {
      out.push(
        `### ${role.name}`,
        "",
        `\`${role.address}\` in ${role.partition}, account ${role.account}${role.kind === null ? "" : `; kind ${role.kind}`}`,
        "",
        `For: ${role.purpose}`,
        "",
      );
      if (role.calls.length > 0) out.push(`Requests: ${role.calls.map((c) => `\`${c}\``).join(", ")}`, "");
      out.push(
        `Trusted by: ${role.trustedBy.length === 0 ? "(nobody)" : role.trustedBy.map((t) => `\`${t}\``).join(", ")}`,
        "",
      );
      if (role.reach.length === 0) out.push("Reach: nothing (no identity policy)", "");
      else {
        out.push("| actions | resources | conditions |", "|---|---|---|");
        for (const x of role.reach)
          out.push(
            `| ${cell(x.actions.join(", "))} | ${cell(x.resources.join("<br>"))} | ${x.conditions ? "yes" : ""} |`,
          );
        out.push("");
      }
      const mine = r.abuse.filter((a) => a.principal === role.name);
      if (mine.length > 0) out.push(`Abuse cases: ${mine.map((a) => `${a.id} (${a.outcome})`).join(", ")}`, "");
    }
    const denied = r.abuse.filter((a) => a.outcome === "denied").length;
    out.push(
      "### Abuse matrix",
      "",
      `${denied} of ${r.abuse.length} denied.`,
      "",
      "| case | principal | outcome | why |",
      "|---|---|---|---|",
    );
    for (const a of r.abuse)
      out.push(`| ${cell(a.title)} (\`${a.id}\`) | ${a.principal ?? ""} | ${a.outcome} | ${cell(a.detail)} |`);
    out.push("");
  }
  return `${out.join("\n").trimEnd()}\n`;
}

export function authorizationJson(reviews: readonly AuthorizationReview[]): string {
  return stableJson({ stacks: reviews });
}
