/** Human-readable report: findings grouped by file and resource address, each with its fix. */
import type { CheckReport, Finding } from "../check";
import { displayPath } from "./paths";

function indent(text: string, prefix: string): string {
  return text
    .split("\n")
    .map((l) => `${prefix}${l}`)
    .join("\n");
}

export function renderText(report: CheckReport, cwd: string = process.cwd()): string {
  const rules = new Map(report.rules.map((r) => [r.id, r]));
  const lines: string[] = [];
  const byFile = new Map<string, Finding[]>();
  for (const f of report.findings) byFile.set(f.file, [...(byFile.get(f.file) ?? []), f]);
  for (const [file, findings] of byFile) {
    lines.push(`${displayPath(file, cwd)}${findings[0]?.stack ? ` (stack ${findings[0].stack})` : ""}`);
    const byAddress = new Map<string, Finding[]>();
    for (const f of findings) byAddress.set(f.address, [...(byAddress.get(f.address) ?? []), f]);
    for (const [address, list] of byAddress) {
      lines.push(`  ${address}${list[0] && list[0].line > 1 ? `  (line ${list[0].line})` : ""}`);
      for (const f of list) {
        const rule = rules.get(f.ruleId);
        lines.push(`    ${f.severity.toUpperCase()} ${f.ruleId} ${f.ruleName}: ${rule?.info ?? ""}`);
        lines.push(indent(f.detail, "      "));
        if (rule) lines.push(indent(`Fix: ${rule.fix}`, "      "));
      }
    }
    lines.push("");
  }
  if (report.suppressed.length > 0) {
    lines.push("Suppressed:");
    for (const f of report.suppressed)
      lines.push(`  ${f.ruleId} ${f.address} (stack ${f.stack}): ${f.suppressedBecause ?? ""}`);
    lines.push("");
  }
  const s = report.summary;
  const stacks = report.stacks.map((t) => t.stack).join(", ");
  lines.push(
    `${s.errors} error(s), ${s.warnings} warning(s), ${s.suppressed} suppressed${s.ruleErrors > 0 ? `, ${s.ruleErrors} rule(s) failed to run` : ""}; ${s.rules} rules over ${s.stacks} stack(s): ${stacks}`,
  );
  return `${lines.join("\n")}\n`;
}
