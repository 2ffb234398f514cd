/** The second half of the module examples (examples.test.ts has the first), validated in another worker. */
import { describe } from "vitest";
import { exampleNames, validateExamples } from "../test/support/modules/validate-examples";

describe("module examples (second half)", () => {
  validateExamples(exampleNames(1));
});
