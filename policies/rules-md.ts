/**
 * Renders policies/RULES.md from the rule metadata, so the table cannot drift from the code
 * (policies/test/meta.test.ts compares them; `npx vitest run policies/test/meta.test.ts -u` rewrites the file).
 */
import type { RuleMeta } from "./core/types";

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function anchors(rule: RuleMeta): string {
  const list = [...(rule.anchors.checkov ?? []), ...(rule.anchors.trivy ?? []), ...(rule.anchors.cdkNag ?? [])];
  return list.length > 0 ? list.join(", ") : "— (no equivalent)";
}

const MODES = { literal: "literal", reference: "literal or reference", document: "policy document" } as const;

/** `attribute` of types (mode), grouped by attribute and mode. */
function reads(rule: RuleMeta): string {
  if (rule.reads === undefined) return "";
  if (rule.reads.length === 0) return "—";
  const groups = new Map<string, string[]>();
  for (const r of rule.reads) {
    const key = `\`${r.attribute}\` (${MODES[r.as]})`;
    groups.set(key, [...(groups.get(key) ?? []), r.type]);
  }
  return [...groups].map(([key, types]) => `${key.replace(/ \(/, ` of ${types.join(", ")} (`)}`).join("; ");
}

const INTRO = `# Guardrail rules

Generated from the rule metadata in \`policies/rules/\` by \`policies/rules-md.ts\`; do not edit by
hand: \`npx vitest run policies/test/meta.test.ts -u\` regenerates it.

The checker (\`check <path>\`, see \`policies/cli.ts\`) runs every rule below over each synthesized
stack (\`cdktf.out/stacks/*/cdk.tf.json\`) or any Terraform JSON file. Errors fail the check (exit
code 1); warnings are reported only. A rule that throws is a failure (exit code 2) reported under
its own ID. Suppressions (\`{ruleId, address, reason}\`) may silence suppressible rules only; an
unused or reason-less suppression is itself an error.

**Anchors** name the checks of checkov (\`CKV_AWS_*\`, \`CKV2_AWS_*\`), trivy (\`AVD-AWS-*\`) and
cdk-nag (\`AwsSolutions-*\`, \`NIST.800.53.R5-*\`, ...) that test the same control, as looked up in
their sources (bridgecrewio/checkov, aquasecurity/trivy-checks, cdklabs/cdk-nag). Our rule can be
stricter or narrower than its anchor (for example, several anchors split one of our rules in
parts); residency rules have no anchor.

**Reads** lists the values each rule reads, as \`attribute\` (a dotted path through nested blocks) of
block types, and how it evaluates them: literal only, literal or reference (computed from resources
and data sources of the configuration), or as a policy document. Where such a value is an expression
the rule cannot evaluate (\`\${var.x}\`, \`\${each.value}\`, \`\${local.x}\`, a function of those, a
\`dynamic\` block, a computed policy document), the rule reports that it could not be evaluated and
what would pass: an unknown value is a finding, never a silent pass. A resource whose
\`lifecycle.ignore_changes\` covers a value its rule reads (or is \`all\`) is a finding of that rule
too: Terraform then keeps whatever the deployed resource has.
`;

export function renderRulesMarkdown(rules: readonly RuleMeta[]): string {
  const lines = [INTRO];
  const services = [...new Set(rules.map((r) => r.service))];
  lines.push("| ID | Name | Severity | Suppressible | Anchors |", "|---|---|---|---|---|");
  for (const r of rules)
    lines.push(
      `| [${r.id}](#${r.id.toLowerCase()}) | ${r.name} | ${r.severity} | ${r.suppressible ? "yes" : "no"} | ${cell(anchors(r))} |`,
    );
  for (const service of services) {
    lines.push("", `## ${service}`);
    for (const r of rules.filter((x) => x.service === service)) {
      lines.push(
        "",
        `### ${r.id}`,
        "",
        `**${r.name}** · severity ${r.severity} · ${r.suppressible ? "suppressible" : "not suppressible"}`,
        "",
        `- **What:** ${r.info}`,
        `- **Why:** ${r.explanation}`,
        `- **Fix:** ${r.fix}`,
        `- **Anchors:** ${anchors(r)}`,
        ...(r.reads === undefined ? [] : [`- **Reads:** ${reads(r)}`]),
      );
    }
  }
  return `${lines.join("\n")}\n`;
}
