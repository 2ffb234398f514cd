/** Machine-readable report (stable key order and finding order). */
import type { CheckReport, Finding } from "../check";
import { stableJson } from "../core/json";
import { displayPath } from "./paths";

export const REPORT_FORMAT_VERSION = 1;

export function renderJson(report: CheckReport, cwd: string = process.cwd()): string {
  const finding = (f: Finding) => ({ ...f, file: displayPath(f.file, cwd) });
  return stableJson({
    formatVersion: REPORT_FORMAT_VERSION,
    tool: "sovereign-identity-platform guardrails",
    summary: report.summary,
    stacks: report.stacks.map((s) => ({ stack: s.stack, files: s.files.map((f) => displayPath(f, cwd)) })),
    findings: report.findings.map(finding),
    suppressed: report.suppressed.map(finding),
    rules: report.rules.map((r) => ({ ...r })),
  });
}
