/**
 * Every module's example synthesizes and terraform validates it offline (needs terraform and the
 * provider mirror; fails with the reason when they are missing). The first half of the examples is
 * validated here, the second in examples-more.test.ts (another worker).
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { exampleNames, validateExamples } from "../test/support/modules/validate-examples";
import { PROJECT_ROOT } from "../test/template";
import { MODULE_EXAMPLES } from "./examples";

describe("module examples", () => {
  it("has an example for every module folder", () => {
    const modules = readdirSync(join(PROJECT_ROOT, "modules"), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
    expect(Object.keys(MODULE_EXAMPLES).sort()).toEqual(modules);
  });

  validateExamples(exampleNames(0));
});
