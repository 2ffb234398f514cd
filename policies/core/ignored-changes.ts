/**
 * Attributes Terraform does not manage (issue 15 probe). A rule that reads an attribute proves what
 * the configuration says; under `lifecycle.ignore_changes` the deployed value is whatever an import,
 * an earlier apply or a console change left, and the configuration proves nothing. So every rule's
 * declared reads are also checked for this: a block that ignores changes to a value a rule reads is
 * a finding of that rule, as an unknown value is (unknowns.ts).
 */
import { ignoredChangeOf, type Template } from "./template";
import type { RuleResult, ValueRead, Violation } from "./types";

/** What the finding says about one ignored attribute. */
export function ignoredDetail(read: ValueRead, entry: string): string {
  const what = read.attribute === "*" ? "every attribute" : read.attribute;
  return `lifecycle.ignore_changes ${JSON.stringify(entry)} covers ${what}: Terraform keeps whatever the deployed resource has, so the configured value proves nothing; what passes: ${read.passes}, with ${what} out of ignore_changes`;
}

/** A rule's result with the resources that ignore changes to a value it reads added as violations. */
export function withIgnoredReads(reads: readonly ValueRead[], template: Template, result: RuleResult): RuleResult {
  const violations: Violation[] = result.kind === "NonCompliant" ? [...result.violations] : [];
  for (const read of reads) {
    if (read.type.startsWith("provider.") || read.type.startsWith("data.")) continue;
    const prefix = read.type.endsWith("*") ? read.type.slice(0, -1) : undefined;
    for (const r of template.resources) {
      if (r.mode === "data" || !(prefix === undefined ? r.type === read.type : r.type.startsWith(prefix))) continue;
      const entry = ignoredChangeOf(r, read.attribute);
      if (entry === undefined) continue;
      const detail = ignoredDetail(read, entry);
      const i = violations.findIndex((v) => v.address === r.address && v.acceptedBecause === undefined);
      const existing = violations[i];
      if (existing === undefined) violations.push({ address: r.address, detail });
      else if (!existing.detail.includes("ignore_changes"))
        violations[i] = { address: r.address, detail: `${existing.detail}; ${detail}` };
    }
  }
  return violations.length === 0 ? result : { kind: "NonCompliant", violations };
}
