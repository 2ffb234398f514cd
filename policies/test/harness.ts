/**
 * Test helpers for rules, in the style of cdk-nag's validateStack and checkov's per-check fixtures:
 * a compliant fixture and numbered non-compliant fixtures per rule, asserting the exact addresses.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseDeployment } from "../../config/load";
import type { DeploymentConfig } from "../../config/schema";
import exampleJson from "../../config/example.json";
import { loadTemplates } from "../check";
import { loadIamCatalog } from "../core/iam-catalog";
import { policyDocuments } from "../core/policy-documents";
import { type Template, templateOf } from "../core/template";
import type { Rule, RuleResult } from "../core/types";

export const FIXTURES = join(__dirname, "fixtures");

/** The example deployment configuration (config/example.json), validated. */
export function exampleConfig(): DeploymentConfig {
  const r = parseDeployment(structuredClone(exampleJson));
  if (!r.ok) throw new Error(r.problems.map((p) => `${p.path}: ${p.message}`).join("\n"));
  return r.config;
}

export function fixture(rel: string): Template {
  const [t] = loadTemplates(join(FIXTURES, rel));
  if (t === undefined) throw new Error(`no template in ${rel}`);
  return t;
}

export async function evaluate(
  rule: Rule,
  template: Template | unknown,
  config?: DeploymentConfig,
): Promise<RuleResult> {
  const t = isTemplate(template) ? template : templateOf(template);
  const iam = await loadIamCatalog(policyDocuments(t));
  return rule.evaluate({ template: t, config, iam });
}

function isTemplate(value: unknown): value is Template {
  return typeof value === "object" && value !== null && "byAddress" in value && "resources" in value;
}

/** Sorted, distinct addresses of a NonCompliant result; the kind otherwise. */
export function outcome(result: RuleResult): string[] | "Compliant" | "NotApplicable" {
  if (result.kind !== "NonCompliant") return result.kind;
  return [...new Set(result.violations.map((v) => v.address))].sort();
}

export interface RuleCases {
  readonly rule: Rule;
  /** Which configuration the rule sees: the example one, or none (strictest reading). */
  readonly config?: "example" | "none";
  readonly compliant: readonly string[];
  /** Numbered non-compliant fixtures with the exact addresses they must report. */
  readonly noncompliant: ReadonlyArray<readonly [string, readonly string[]]>;
}

/** One describe block per rule: Compliance, then Noncompliance 1..n. */
export function describeRules(cases: readonly RuleCases[]): void {
  for (const c of cases) {
    const config = c.config === "none" ? undefined : exampleConfig();
    describe(`${c.rule.id} ${c.rule.name}`, () => {
      for (const file of c.compliant) {
        it(`is compliant on ${file}`, async () => {
          // Prepare
          const template = fixture(file);
          // Act
          const result = await evaluate(c.rule, template, config);
          // Assess
          expect(outcome(result)).toBe("Compliant");
        });
      }
      c.noncompliant.forEach(([file, addresses], i) => {
        it(`reports exactly ${addresses.join(", ")} in noncompliance ${i + 1} (${file})`, async () => {
          // Prepare
          const template = fixture(file);
          // Act
          const result = await evaluate(c.rule, template, config);
          // Assess
          expect(outcome(result)).toEqual([...addresses].sort());
          if (result.kind === "NonCompliant") for (const v of result.violations) expect(v.detail).not.toBe("");
        });
      });
      it("is not applicable to an empty configuration", async () => {
        const result = await evaluate(c.rule, {}, config);
        expect(result.kind).toBe("NotApplicable");
      });
    });
  }
}
