import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { check } from "../check";
import { BASELINE_PACK } from "../packs/baseline";
import { RESIDENCY_PACK } from "../packs/residency";
import { OUTPUT_RULE } from "../output-scan";
import { renderRulesMarkdown } from "../rules-md";
import { SUPPRESSION_RULES } from "../suppressions";
import { exampleConfig, FIXTURES, fixture } from "./harness";

const POLICIES = join(__dirname, "..");

/**
 * Rules that declare no reads, and why no value they read can be unknown to them. Every other rule
 * declares its reads, and policies/test/unknowns.test.ts proves each one fails closed.
 */
const READS_NOTHING_UNKNOWN: Readonly<Record<string, string>> = {
  ProviderPinned:
    "reads only the provider meta-argument, which Terraform requires to name a provider statically (anything but a declared alias, a variable included, is already its finding), and module calls, each of which is a finding",
};

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)],
  );
}

describe("rule metadata", () => {
  it("gives every rule a unique ID, a name matching its file, and what, why and fix", () => {
    // Prepare
    const ids = BASELINE_PACK.map((r) => r.id);
    // Act
    const missingFile = BASELINE_PACK.filter(
      (r) => !existsSync(join(POLICIES, "rules", r.service, `${r.name}.ts`)),
    ).map((r) => r.id);
    const empty = BASELINE_PACK.filter((r) => [r.info, r.explanation, r.fix].some((t) => t.trim().length < 20)).map(
      (r) => r.id,
    );
    // Assess
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => /^SIP-[A-Z0-9]+-\d+$/.test(id))).toBe(true);
    expect(missingFile).toEqual([]);
    expect(empty).toEqual([]);
  });

  it("marks every residency rule as not suppressible, and the security rules as suppressible", () => {
    expect(RESIDENCY_PACK.every((r) => !r.suppressible && r.service === "residency")).toBe(true);
    expect(BASELINE_PACK.filter((r) => r.service !== "residency").every((r) => r.suppressible)).toBe(true);
  });

  it("has numbered non-compliant fixtures for every rule", () => {
    const missing = BASELINE_PACK.filter(
      (r) => !existsSync(join(FIXTURES, r.service, r.name, "noncompliant-1.tf.json")),
    ).map((r) => r.id);
    expect(missing).toEqual([]);
  });

  it("declares the values every rule reads, or says why it reads none it could fail to evaluate", () => {
    // Prepare
    const noReads = BASELINE_PACK.filter((r) => r.reads.length === 0).map((r) => r.name);
    // Act
    const malformed = BASELINE_PACK.flatMap((r) =>
      r.reads
        .filter(
          (read) =>
            !/^(data\.|provider\.)?[a-z][a-z0-9_]*\*?$/.test(read.type) ||
            !/^(\*|[a-z_A-Z][\w]*(\.[a-z_A-Z][\w]*)*)$/.test(read.attribute) ||
            read.passes.trim() === "",
        )
        .map((read) => `${r.name} ${read.type}.${read.attribute}`),
    );
    // Assess
    expect(noReads.sort()).toEqual(Object.keys(READS_NOTHING_UNKNOWN).sort());
    expect(malformed).toEqual([]);
  });

  it("keeps RULES.md in step with the rules", async () => {
    await expect(renderRulesMarkdown([...BASELINE_PACK, ...SUPPRESSION_RULES, OUTPUT_RULE])).toMatchFileSnapshot(
      join(POLICIES, "RULES.md"),
    );
  });
});

describe("compliant fixtures", () => {
  const compliant = files(FIXTURES)
    .filter((f) => f.endsWith("compliant.tf.json") && !/noncompliant/.test(f))
    .map((f) => relative(FIXTURES, f))
    .sort();

  it.each(compliant)("passes the whole baseline pack on %s (with the example configuration)", async (file) => {
    // Prepare
    const template = fixture(file);
    // Act
    const report = await check([template], { config: exampleConfig() });
    // Assess
    expect(report.findings.map((f) => `${f.ruleId} ${f.address}`)).toEqual([]);
  });
});

describe("licensing boundary", () => {
  it("imports @cloud-copilot/iam-simulate (AGPL) only from test files", () => {
    // Prepare
    const shipped = files(POLICIES).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"));
    // Act
    const imports = /(from\s+|import\s*\(\s*|require\s*\(\s*)["']@cloud-copilot\/iam-simulate["']/;
    const offending = shipped.filter((f) => imports.test(readFileSync(f, "utf8"))).map((f) => relative(POLICIES, f));
    // Assess
    expect(offending).toEqual([]);
  });
});
