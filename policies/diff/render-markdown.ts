/**
 * The change review as markdown for a pull-request comment: the counts first, then every dangerous
 * item with its reason, then each stack address by address. Deterministic (no paths, no times), and
 * kept under GitHub's comment size: past MAX_CHARS the per-address details are cut, never the
 * dangerous items.
 */
import type { JsonObject } from "../core/json";
import type { DiffReport, PolicyChange, ResourceChange } from "./types";

export const MAX_CHARS = 60_000;
const VALUE_CHARS = 120;
const STATEMENT_CHARS = 300;

function code(text: string): string {
  const fence = text.includes("`") ? "``" : "`";
  const pad = fence === "``" ? " " : "";
  return `${fence}${pad}${text}${pad}${fence}`;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function value(v: unknown, present: boolean): string {
  return present ? code(clip(JSON.stringify(v), VALUE_CHARS)) : "(not set)";
}

function statement(s: JsonObject): string {
  return code(clip(JSON.stringify(s), STATEMENT_CHARS));
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

function policyLines(p: PolicyChange): string[] {
  const lines = [
    `  - ${p.kind} policy ${code(p.attribute)}${p.added.length + p.removed.length === 0 ? ": statements unchanged (order or other fields differ)" : ""}`,
  ];
  if (p.unreadable !== undefined) lines.push(`    - cannot be judged here: ${p.unreadable}`);
  for (const s of p.removed) lines.push(`    - removed: ${statement(s)}`);
  for (const s of p.added) lines.push(`    - added: ${statement(s)}`);
  return lines;
}

function resourceLines(r: ResourceChange): string[] {
  const lines = [`- **${r.change}** ${code(r.address)}${r.dangers.length > 0 ? " — **dangerous**" : ""}`];
  if (r.movedFrom) lines.push(`  - moved from ${code(r.movedFrom)} by a \`moved\` block: Terraform keeps the resource`);
  if (r.addressChangedTo)
    lines.push(
      `  - address changes to ${code(r.addressChangedTo)}: Terraform destroys this resource and creates that one unless a \`moved\` block carries it over`,
    );
  if (r.addressChangedFrom)
    lines.push(
      `  - address changed from ${code(r.addressChangedFrom)}: created anew, the old one destroyed, unless a \`moved\` block carries it over; compared with it below`,
    );
  // Added and removed blocks are listed by address, with the statements an added block grants.
  const details = r.change === "changed" || r.change === "moved" || r.addressChangedFrom !== undefined;
  if (details && r.attributes.length > 0) {
    lines.push("", "  | Attribute | Base | Head |", "  |---|---|---|");
    for (const a of r.attributes)
      lines.push(
        `  | ${cell(code(a.path))} | ${cell(value(a.before, "before" in a))} | ${cell(value(a.after, "after" in a))} |`,
      );
    lines.push("");
  }
  if (details || r.change === "added") for (const p of r.policies) lines.push(...policyLines(p));
  return lines;
}

export function renderDiffMarkdown(report: DiffReport): string {
  const s = report.summary;
  const lines = ["## Change review", ""];
  const counts = `${s.added} added, ${s.removed} removed, ${s.changed} changed, ${s.moved} moved over ${plural(s.stacks, "stack")}`;
  lines.push(`**${plural(s.dangerous, "dangerous change")}**; ${counts}.`);
  if (s.added + s.removed + s.changed + s.moved === 0)
    lines.push("", "No changes: the synthesized output is the same.");
  if (report.dangerous.length > 0) {
    lines.push("", "### Dangerous", "");
    for (const d of report.dangerous)
      lines.push(`- **${d.kind}** ${code(d.address)} (stack ${code(d.stack)}): ${d.reason}`);
  }
  const head = `${lines.join("\n")}\n`;
  const body: string[] = [];
  for (const stack of report.stacks) {
    if (stack.status === "unchanged") continue;
    body.push("", `### Stack ${code(stack.stack)} (${stack.status})`, "");
    for (const r of stack.resources) body.push(...resourceLines(r));
  }
  body.push(
    "",
    "Compared from the synthesized Terraform JSON. `terraform plan` against the real state is the authority (docs/change-review.md).",
  );
  const text = `${head}${body.join("\n")}\n`;
  if (text.length <= MAX_CHARS) return text;
  const cut = text.lastIndexOf("\n", Math.max(head.length, MAX_CHARS - 200));
  return `${text.slice(0, Math.max(cut, head.length))}\n\n… details cut to stay under ${MAX_CHARS} characters: the JSON report (--format json) has them all.\n`;
}
