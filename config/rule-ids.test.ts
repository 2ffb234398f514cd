import { describe, expect, it } from "vitest";
import { OUTPUT_RULE } from "../policies/output-scan";
import { BASELINE_PACK } from "../policies/packs/baseline";
import { SUPPRESSION_RULES } from "../policies/suppressions";
import { RULE_SUPPRESSIBLE } from "./rule-ids";

describe("RULE_SUPPRESSIBLE", () => {
  it("lists every rule of the checker, with its suppressible flag (add a new rule here too)", () => {
    // Prepare
    const rules = [...BASELINE_PACK, OUTPUT_RULE, ...SUPPRESSION_RULES];
    // Act
    const fromRules = Object.fromEntries(rules.map((r) => [r.id, r.suppressible]));
    // Assess
    expect(RULE_SUPPRESSIBLE).toEqual(fromRules);
  });

  it("leaves the residency rules and the private-key scan unsuppressible", () => {
    const unsuppressible = Object.keys(RULE_SUPPRESSIBLE).filter((id) => RULE_SUPPRESSIBLE[id] === false);
    expect(unsuppressible.filter((id) => !id.startsWith("SIP-SUP-"))).toEqual([
      "SIP-OUT-1",
      "SIP-RES-1",
      "SIP-RES-2",
      "SIP-RES-3",
      "SIP-RES-4",
      "SIP-RES-5",
      "SIP-RES-6",
    ]);
  });
});
