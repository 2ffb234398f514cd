/**
 * Renders the partition diagram as a Mermaid flowchart (GitHub and GitLab draw it in Markdown
 * review pages) and as the review folder's `partitions.md`. IDs are derived from the model's
 * addresses, reduced to `[A-Za-z0-9_]` and made unique in sorted order; every label is quoted.
 */
import { compareStrings } from "../core/json";
import type { DiagramEdge, DiagramGroup, DiagramNode, NodeKind, PartitionDiagram } from "./model";

/** Opening and closing bracket of each kind's shape. */
const SHAPES: Readonly<Record<NodeKind, readonly [string, string]>> = {
  bucket: ["[(", ")]"],
  key: ["{{", "}}"],
  secret: ["(", ")"],
  function: ["([", "])"],
  role: ["[", "]"],
  egress: ["[[", "]]"],
  "trust-anchor": ["[/", "/]"],
  profile: ["[", "]"],
};

/** Text inside a quoted Mermaid label: entity codes for `#`, `"`, `<`, `>`. */
export function mermaidText(text: string): string {
  return text.replace(/#/g, "#35;").replace(/"/g, "#quot;").replace(/</g, "#lt;").replace(/>/g, "#gt;");
}

function quoted(lines: readonly string[]): string {
  return `"${lines.map(mermaidText).join("<br/>")}"`;
}

/** `aws_s3_bucket.sovereign-bucket` -> `bucket_sovereign_bucket`; aggregates and groups alike. */
function rawId(prefix: string, key: string): string {
  const name = key.includes(".") && /^aws_[a-z0-9_]+\./.test(key) ? key.slice(key.indexOf(".") + 1) : key;
  return `${prefix}_${name}`.replace(/[^A-Za-z0-9_]/g, "_").replace(/_+/g, "_");
}

/** Unique Mermaid IDs for keys, assigned in sorted key order. */
function idMap(entries: ReadonlyArray<readonly [string, string]>): Map<string, string> {
  const out = new Map<string, string>();
  const used = new Set<string>();
  for (const [key, raw] of [...entries].sort(([a], [b]) => compareStrings(a, b))) {
    let id = raw;
    for (let i = 2; used.has(id); i++) id = `${raw}_${i}`;
    used.add(id);
    out.set(key, id);
  }
  return out;
}

function arrow(e: DiagramEdge): string {
  if (e.crossing) return "==>";
  return e.style === "trust" ? "-.->" : "-->";
}

/** The diagram as Mermaid flowchart source (no code fence). */
export function renderMermaid(diagram: PartitionDiagram): string {
  const groupIds = idMap(diagram.groups.map((g) => [g.id, rawId("grp", g.id)]));
  const nodeIds = idMap(diagram.nodes.map((n) => [n.id, rawId(n.kind.replace(/-/g, "_"), n.id)]));
  const lines = ["flowchart LR"];
  const node = (n: DiagramNode, indent: string) => {
    const [open, close] = SHAPES[n.kind];
    lines.push(`${indent}${nodeIds.get(n.id)}${open}${quoted(n.label)}${close}`);
  };
  const group = (g: DiagramGroup, indent: string) => {
    lines.push(`${indent}subgraph ${groupIds.get(g.id)}[${quoted([g.label])}]`);
    for (const n of diagram.nodes) if (n.group === g.id) node(n, `${indent}  `);
    for (const child of diagram.groups) if (child.parent === g.id) group(child, `${indent}  `);
    lines.push(`${indent}end`);
  };
  for (const g of diagram.groups) if (g.parent === undefined) group(g, "  ");
  for (const e of diagram.edges) {
    lines.push(`  ${nodeIds.get(e.from)} ${arrow(e)}|${quoted([e.labels.join(", ")])}| ${nodeIds.get(e.to)}`);
  }
  return `${lines.join("\n")}\n`;
}

/** `partitions.md` of the review folder: the flowchart, then the crossings in words. */
export function partitionsMarkdown(diagram: PartitionDiagram): string {
  const byId = new Map(diagram.nodes.map((n) => [n.id, n]));
  const name = (id: string) => byId.get(id)?.label[0] ?? id;
  const crossings = diagram.edges.filter((e) => e.crossing);
  const lines = [
    `# What crosses the partition boundary: ${diagram.stack}`,
    "",
    "Generated from the synthesized configuration; do not edit. One box per partition (and per further account); buckets, KMS keys and secrets where they live; the functions (with their roles) and roles that read, write or use them, from the roles' identity policies; the controlled egress path with its allowlist; the IAM Roles Anywhere trust. Thick arrows cross the partition boundary, dotted ones are trust.",
    "",
    "```mermaid",
    renderMermaid(diagram).trimEnd(),
    "```",
    "",
    "## Crossings",
    "",
  ];
  if (crossings.length === 0) lines.push("Nothing crosses the partition boundary.");
  for (const e of crossings) {
    const behind =
      byId.get(e.from)?.kind === "egress"
        ? diagram.edges.filter((x) => x.to === e.from && x.style === "network").map((x) => name(x.from))
        : [];
    lines.push(
      `- ${name(e.from)} -> ${name(e.to)}: ${e.labels.join(", ")}${behind.length > 0 ? `; for ${behind.join(", ")}` : ""} (\`${e.from}\` -> \`${e.to}\`)`,
    );
  }
  return `${lines.join("\n")}\n`;
}
