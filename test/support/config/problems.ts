import { expect } from "vitest";
import { parseDeployment } from "../../../config/load";

/** The problems of a configuration that must be rejected. */
export function problemsOf(input: unknown) {
  const result = parseDeployment(input);
  if (result.ok) throw new Error("expected the configuration to be rejected");
  return result.problems;
}

/** Asserts exactly one problem at `path`, whose message matches and names a fix. */
export function expectOneProblem(input: unknown, path: string, message: RegExp) {
  const problems = problemsOf(input);
  expect(problems.map((p) => p.path)).toEqual([path]);
  expect(problems[0]?.message).toMatch(message);
  expect(problems[0]?.message).toMatch(/Fix: |use one of/);
}
