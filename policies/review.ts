/**
 * Review artifacts (`<cdktf.out>/review/`), written so that a change to the infrastructure shows as
 * a small, readable diff: every policy document as its own pretty-printed, key-sorted JSON file
 * named after the resource address; a residency inventory per partition and region; a Mermaid
 * diagram of what crosses the partition boundary (diagram/); and, when the
 * offline check wrote `plans/<stack>.plan.json`, a plan summary per partition. Deterministic: no
 * timestamps, no absolute paths, stable order.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { checkEuRegion } from "../config/partitions";
import { InputError, loadTemplates } from "./check";
import { compareStrings, isObject, literalString, stableJson } from "./core/json";
import { partitionOfAnyRegion, placementOf, providerTypeOf } from "./core/placement";
import { policyDocuments } from "./core/policy-documents";
import { DATA_CLASS_TAG, isDataHolding, TENANT_TAG, tagsOf } from "./core/residency";
import type { Template } from "./core/template";
import { partitionsMarkdown } from "./diagram/mermaid";
import { partitionDiagram } from "./diagram/model";

/** `inline_policy[0].policy` -> `inline_policy.0.policy`. */
function fileSafe(attribute: string): string {
  return attribute.replace(/\[(\d+)\]/g, ".$1").replace(/[^A-Za-z0-9._-]/g, "_");
}

/** Policy files of one stack: relative path -> content. */
export function policyFiles(template: Template): Map<string, string> {
  const out = new Map<string, string>();
  const docs = policyDocuments(template);
  const used = new Set(docs.map((d) => d.via).filter((v): v is string => v !== undefined));
  for (const d of docs) {
    if (d.kind === "document" && used.has(d.address)) continue; // shown where it is used
    const raw = d.resource.values[d.attribute.split(/[[.]/)[0] ?? d.attribute];
    const content = d.document ?? {
      "//": `not a literal policy document: ${d.problem ?? "unknown"}`,
      value: typeof raw === "string" ? raw : null,
    };
    out.set(
      `policies/${d.address}.${fileSafe(d.attribute)}.json`,
      stableJson(d.via ? { ...content, "//": `rendered from ${d.via}` } : content),
    );
  }
  return out;
}

export interface InventoryResource {
  readonly address: string;
  readonly type: string;
  readonly dataHolding: boolean;
  readonly dataClass?: string;
  readonly tenant?: string;
}

export interface InventoryPlacement {
  readonly partition: string;
  readonly partitionName: string;
  readonly region: string;
  readonly country: string | null;
  readonly providers: readonly string[];
  readonly dataClasses: readonly string[];
  readonly tenants: readonly string[];
  readonly counts: { readonly resources: number; readonly dataHolding: number };
  readonly resources: readonly InventoryResource[];
}

export interface Inventory {
  readonly stack: string;
  readonly placements: readonly InventoryPlacement[];
  /** Resources whose partition or region cannot be determined. */
  readonly unplaced: readonly InventoryResource[];
}

/** Which resources and data classes live in which partition and region. */
export function residencyInventory(template: Template): Inventory {
  const groups = new Map<
    string,
    { partition: string; partitionName: string; region: string; providers: Set<string>; resources: InventoryResource[] }
  >();
  const unplaced: InventoryResource[] = [];
  for (const r of template.resources) {
    if (r.mode !== "managed" || providerTypeOf(r.type) !== "aws") continue;
    const tags = tagsOf(template, r);
    const entry: InventoryResource = {
      address: r.address,
      type: r.type,
      dataHolding: isDataHolding(r),
      ...(tags[DATA_CLASS_TAG] !== undefined ? { dataClass: tags[DATA_CLASS_TAG] } : {}),
      ...(tags[TENANT_TAG] !== undefined ? { tenant: tags[TENANT_TAG] } : {}),
    };
    const placement = placementOf(template, r);
    if (placement.partition === undefined || placement.region === undefined) {
      unplaced.push(entry);
      continue;
    }
    const key = `${placement.partition.id} ${placement.region}`;
    const group = groups.get(key) ?? {
      partition: placement.partition.id,
      partitionName: placement.partition.name,
      region: placement.region,
      providers: new Set<string>(),
      resources: [],
    };
    if (placement.provider) group.providers.add(placement.provider.key);
    group.resources.push(entry);
    groups.set(key, group);
  }
  const placements = [...groups.entries()]
    .sort(([a], [b]) => compareStrings(a, b))
    .map(([, g]) => {
      const check = checkEuRegion(g.region);
      const uniq = (values: Array<string | undefined>) =>
        [...new Set(values.filter((v): v is string => v !== undefined))].sort(compareStrings);
      return {
        partition: g.partition,
        partitionName: g.partitionName,
        region: g.region,
        country: check.ok ? check.country : null,
        providers: [...g.providers].sort(compareStrings),
        dataClasses: uniq(g.resources.map((r) => r.dataClass)),
        tenants: uniq(g.resources.map((r) => r.tenant)),
        counts: { resources: g.resources.length, dataHolding: g.resources.filter((r) => r.dataHolding).length },
        resources: g.resources,
      };
    });
  return { stack: template.stack, placements, unplaced };
}

function mdCell(value: string): string {
  return value.replace(/\|/g, "\\|");
}

export function inventoryMarkdown(inv: Inventory): string {
  const lines = [
    `# Residency inventory: ${inv.stack}`,
    "",
    "Generated from the synthesized configuration; do not edit.",
    "",
  ];
  lines.push(
    "| Partition | Region | Providers | Resources | Data-holding | Data classes | Tenants |",
    "|---|---|---|---|---|---|---|",
  );
  for (const p of inv.placements) {
    lines.push(
      `| ${p.partition} | ${p.region}${p.country ? ` (${p.country})` : " (outside the EU)"} | ${p.providers.join(", ")} | ${p.counts.resources} | ${p.counts.dataHolding} | ${p.dataClasses.join(", ") || "-"} | ${p.tenants.join(", ") || "-"} |`,
    );
  }
  if (inv.unplaced.length > 0)
    lines.push(
      `| (unplaced) | - | - | ${inv.unplaced.length} | ${inv.unplaced.filter((r) => r.dataHolding).length} | - | - |`,
    );
  const table = (title: string, resources: readonly InventoryResource[]) => {
    lines.push("", `## ${title}`, "", "| Address | Type | Holds data | Data class | Tenant |", "|---|---|---|---|---|");
    for (const r of resources)
      lines.push(
        `| \`${mdCell(r.address)}\` | ${r.type} | ${r.dataHolding ? "yes" : "no"} | ${r.dataClass ?? "-"} | ${r.tenant ?? "-"} |`,
      );
  };
  for (const p of inv.placements) table(`${p.partition} / ${p.region}`, p.resources);
  if (inv.unplaced.length > 0) table("Unplaced (no resolvable provider or region)", inv.unplaced);
  return `${lines.join("\n")}\n`;
}

// ---- plan summary ----------------------------------------------------------------------------

export interface PlanGroup {
  readonly partition: string;
  readonly region: string;
  readonly add: readonly string[];
  readonly change: readonly string[];
  readonly destroy: readonly string[];
  /** Replacements also appear in add and destroy, as terraform counts them. */
  readonly replace: readonly string[];
}

export interface PlanSummary {
  readonly stack: string;
  readonly totals: {
    readonly add: number;
    readonly change: number;
    readonly destroy: number;
    readonly replace: number;
  };
  readonly groups: readonly PlanGroup[];
}

function constantRegion(providerConfig: unknown): string | undefined {
  if (!isObject(providerConfig) || !isObject(providerConfig.expressions)) return undefined;
  const region = providerConfig.expressions.region;
  return isObject(region) && typeof region.constant_value === "string" ? region.constant_value : undefined;
}

/** Adds, changes and destroys per partition and region, from `terraform show -json` of a plan. */
export function summarizePlan(stack: string, plan: unknown, template: Template | undefined): PlanSummary {
  if (!isObject(plan)) throw new InputError(`the plan of stack ${stack} is not a JSON object`);
  const configuration = isObject(plan.configuration) ? plan.configuration : {};
  const providerConfigs = isObject(configuration.provider_config) ? configuration.provider_config : {};
  const rootModule = isObject(configuration.root_module) ? configuration.root_module : {};
  const keyOf = new Map<string, string>();
  for (const r of Array.isArray(rootModule.resources) ? rootModule.resources : []) {
    if (isObject(r) && typeof r.address === "string" && typeof r.provider_config_key === "string")
      keyOf.set(r.address, r.provider_config_key);
  }
  const regionOfKey = (key: string | undefined): string | undefined => {
    if (key === undefined) return undefined;
    return (
      constantRegion(providerConfigs[key]) ??
      literalString(template?.providers.find((p) => p.key === key)?.values.region)
    );
  };
  const groups = new Map<
    string,
    { partition: string; region: string; add: string[]; change: string[]; destroy: string[]; replace: string[] }
  >();
  for (const rc of Array.isArray(plan.resource_changes) ? plan.resource_changes : []) {
    if (!isObject(rc) || typeof rc.address !== "string" || rc.mode === "data" || !isObject(rc.change)) continue;
    const actions = Array.isArray(rc.change.actions)
      ? rc.change.actions.filter((a): a is string => typeof a === "string")
      : [];
    if (actions.every((a) => a === "no-op" || a === "read")) continue;
    const region = regionOfKey(keyOf.get(rc.address));
    const partition = region === undefined ? "unknown" : (partitionOfAnyRegion(region)?.id ?? "unknown");
    const k = `${partition} ${region ?? "unknown"}`;
    const g = groups.get(k) ?? {
      partition,
      region: region ?? "unknown",
      add: [],
      change: [],
      destroy: [],
      replace: [],
    };
    if (actions.includes("create")) g.add.push(rc.address);
    if (actions.includes("update")) g.change.push(rc.address);
    if (actions.includes("delete")) g.destroy.push(rc.address);
    if (actions.includes("create") && actions.includes("delete")) g.replace.push(rc.address);
    groups.set(k, g);
  }
  const list = [...groups.entries()]
    .sort(([a], [b]) => compareStrings(a, b))
    .map(([, g]) => ({
      ...g,
      add: g.add.sort(compareStrings),
      change: g.change.sort(compareStrings),
      destroy: g.destroy.sort(compareStrings),
      replace: g.replace.sort(compareStrings),
    }));
  const sum = (f: (g: PlanGroup) => readonly string[]) => list.reduce((n, g) => n + f(g).length, 0);
  return {
    stack,
    totals: {
      add: sum((g) => g.add),
      change: sum((g) => g.change),
      destroy: sum((g) => g.destroy),
      replace: sum((g) => g.replace),
    },
    groups: list,
  };
}

export function planMarkdown(s: PlanSummary): string {
  const lines = [
    `# Plan summary: ${s.stack}`,
    "",
    `Generated from plans/${s.stack}.plan.json; do not edit. Replacements count as one add and one destroy.`,
    "",
  ];
  lines.push("| Partition | Region | Add | Change | Destroy | Replace |", "|---|---|---|---|---|---|");
  for (const g of s.groups)
    lines.push(
      `| ${g.partition} | ${g.region} | ${g.add.length} | ${g.change.length} | ${g.destroy.length} | ${g.replace.length} |`,
    );
  lines.push(
    `| **total** | | **${s.totals.add}** | **${s.totals.change}** | **${s.totals.destroy}** | **${s.totals.replace}** |`,
  );
  for (const g of s.groups) {
    for (const [label, list] of [
      ["Destroy", g.destroy],
      ["Replace", g.replace],
      ["Change", g.change],
      ["Add", g.add],
    ] as const) {
      if (list.length === 0) continue;
      lines.push("", `## ${label}: ${g.partition} / ${g.region}`, "", ...list.map((a) => `- \`${a}\``));
    }
  }
  return `${lines.join("\n")}\n`;
}

// ---- writing ---------------------------------------------------------------------------------

/** Every review file for a cdktf.out folder: path relative to `<outdir>/review` -> content. */
export function buildReview(outdir: string): Map<string, string> {
  const templates = loadTemplates(outdir);
  const out = new Map<string, string>();
  const index = [
    "# Review artifacts",
    "",
    "Generated by `review` from the synthesized stacks; do not edit. Regenerate with the synth.",
    "",
  ];
  for (const t of templates) {
    const prefix = `${t.stack}/`;
    const policies = policyFiles(t);
    for (const [path, content] of policies) out.set(prefix + path, content);
    const inv = residencyInventory(t);
    out.set(`${prefix}residency.json`, stableJson(inv));
    out.set(`${prefix}residency.md`, inventoryMarkdown(inv));
    const diagram = partitionDiagram(t);
    out.set(`${prefix}partitions.md`, partitionsMarkdown(diagram));
    const planFile = join(outdir, "plans", `${t.stack}.plan.json`);
    let plan: PlanSummary | undefined;
    if (existsSync(planFile)) {
      let json: unknown;
      try {
        json = JSON.parse(readFileSync(planFile, "utf8"));
      } catch (err) {
        throw new InputError(`${planFile}: not valid JSON (${(err as Error).message})`);
      }
      plan = summarizePlan(t.stack, json, t);
      out.set(`${prefix}plan-summary.json`, stableJson(plan));
      out.set(`${prefix}plan-summary.md`, planMarkdown(plan));
    }
    index.push(
      `## ${t.stack}`,
      "",
      `- [residency.md](${prefix}residency.md): ${inv.placements.map((p) => `${p.partition}/${p.region}: ${p.counts.resources} resources`).join("; ")}`,
      `- [partitions.md](${prefix}partitions.md): diagram of what crosses the partition boundary (${diagram.edges.filter((e) => e.crossing).length} crossing edge(s))`,
      plan
        ? `- [plan-summary.md](${prefix}plan-summary.md): ${plan.totals.add} to add, ${plan.totals.change} to change, ${plan.totals.destroy} to destroy`
        : "- no plan (`make plan` writes plans/<stack>.plan.json: an offline plan on an empty state)",
      `- ${policies.size} policy document(s) in ${prefix}policies/`,
      "",
    );
  }
  out.set("README.md", `${index.join("\n").trimEnd()}\n`);
  return new Map([...out.entries()].sort(([a], [b]) => compareStrings(a, b)));
}

/**
 * Replaces `<outdir>/review/` with freshly built artifacts and `extra` (paths relative to the review
 * folder, e.g. the authorization review); returns the written paths (relative).
 */
export function writeReview(outdir: string, extra: ReadonlyMap<string, string> = new Map()): string[] {
  const files = new Map([...buildReview(outdir), ...extra]);
  const dir = join(outdir, "review");
  rmSync(dir, { recursive: true, force: true });
  for (const [path, content] of files) {
    const target = join(dir, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
  return [...files.keys()];
}
