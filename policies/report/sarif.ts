/**
 * SARIF 2.1.0 for GitHub code scanning: rules with help in tool.driver.rules, one result per finding
 * with ruleId, level, message, a physical location in the cdk.tf.json and a logical location named
 * after the resource address. Suppressed findings are included with their justification.
 */
import { createHash } from "node:crypto";
import { type CheckReport, compareFindings, type Finding } from "../check";
import type { RuleMeta } from "../core/types";
import { artifactUri } from "./paths";

export const SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";

function anchorsText(rule: RuleMeta): string {
  const parts = [
    rule.anchors.checkov?.length ? `checkov ${rule.anchors.checkov.join(", ")}` : "",
    rule.anchors.trivy?.length ? `trivy ${rule.anchors.trivy.join(", ")}` : "",
    rule.anchors.cdkNag?.length ? `cdk-nag ${rule.anchors.cdkNag.join(", ")}` : "",
  ].filter((p) => p !== "");
  return parts.length > 0 ? parts.join("; ") : "none (project-specific rule)";
}

function sarifRule(rule: RuleMeta) {
  const suppressible = rule.suppressible ? "yes" : "no";
  return {
    id: rule.id,
    name: rule.name,
    shortDescription: { text: rule.info },
    fullDescription: { text: rule.explanation },
    help: {
      text: `${rule.info}\n\nWhy: ${rule.explanation}\n\nFix: ${rule.fix}\n\nSuppressible: ${suppressible}. Corresponds to: ${anchorsText(rule)}.`,
      markdown: `**${rule.info}**\n\n**Why:** ${rule.explanation}\n\n**Fix:** ${rule.fix}\n\nSuppressible: ${suppressible}. Corresponds to: ${anchorsText(rule)}. See policies/RULES.md.`,
    },
    defaultConfiguration: { level: rule.severity },
    properties: {
      tags: [...new Set(["security", rule.service])],
      precision: "high",
      "security-severity": rule.severity === "error" ? "8.0" : "4.0",
    },
  };
}

function result(f: Finding, ruleIndex: number, cwd: string) {
  const fingerprint = createHash("sha256")
    .update(`${f.ruleId}\u0000${f.stack}\u0000${f.address}\u0000${f.kind}`)
    .digest("hex");
  return {
    ruleId: f.ruleId,
    ruleIndex,
    level: f.severity,
    kind: "fail",
    message: { text: `${f.address}: ${f.detail}` },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: artifactUri(f.file, cwd) },
          region: { startLine: Math.max(1, f.line) },
        },
        logicalLocations: [
          { fullyQualifiedName: f.stack ? `${f.stack}/${f.address}` : f.address, name: f.address, kind: "resource" },
        ],
      },
    ],
    partialFingerprints: { "sipFinding/v1": fingerprint },
    ...(f.suppressedBecause !== undefined
      ? { suppressions: [{ kind: "external", status: "accepted", justification: f.suppressedBecause }] }
      : {}),
  };
}

export function renderSarif(report: CheckReport, cwd: string = process.cwd()): string {
  const rules = report.rules;
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const sarif = {
    $schema: SARIF_SCHEMA,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "sip-guardrails",
            semanticVersion: "1.0.0",
            rules: rules.map(sarifRule),
          },
        },
        results: [...report.findings, ...report.suppressed]
          .sort(compareFindings)
          .map((f) => result(f, index.get(f.ruleId) ?? 0, cwd)),
        columnKind: "utf16CodeUnits",
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}
