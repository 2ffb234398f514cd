import { describe, expect, it } from "vitest";
import { compareVersions, NEWER_ARGUMENTS, removalNotice, withoutNewerArguments } from "./provider-compat.mjs";

/** A stack with an HMAC key for imported material and an ordinary key. */
function stack() {
  return {
    resource: {
      aws_kms_external_key: {
        standby: {
          provider: "aws.sovereign",
          description: "d",
          key_spec: "HMAC_256",
          key_usage: "GENERATE_VERIFY_MAC",
        },
        byok: { provider: "aws.sovereign", description: "b" },
      },
      aws_kms_key: { data: { provider: "aws.sovereign", key_usage: "ENCRYPT_DECRYPT" } },
    },
  };
}

describe("the offline check's copy of a stack for an older provider in the mirror", () => {
  it("removes exactly the listed 6.x-only arguments for provider 5.100.0, and names each one", () => {
    // Prepare
    const original = stack();
    // Act
    const { json, removed } = withoutNewerArguments(original, "5.100.0");
    // Assess
    expect(json.resource.aws_kms_external_key.standby).toEqual({ provider: "aws.sovereign", description: "d" });
    expect(json.resource.aws_kms_external_key.byok).toEqual(original.resource.aws_kms_external_key.byok);
    // key_usage of another resource type is an argument that provider knows: kept.
    expect(json.resource.aws_kms_key.data).toEqual({ provider: "aws.sovereign", key_usage: "ENCRYPT_DECRYPT" });
    expect(removed.map((r) => `${r.address} ${r.argument}`)).toEqual([
      "aws_kms_external_key.standby key_spec",
      "aws_kms_external_key.standby key_usage",
    ]);
  });

  it("never changes the stack it was given (the synthesized output)", () => {
    // Prepare
    const original = stack();
    const before = JSON.stringify(original);
    // Act
    withoutNewerArguments(original, "5.100.0");
    // Assess
    expect(JSON.stringify(original)).toBe(before);
  });

  it("removes nothing for a provider that knows the arguments", () => {
    // Act
    const { json, removed } = withoutNewerArguments(stack(), "6.29.0");
    // Assess
    expect(removed).toEqual([]);
    expect(json).toEqual(stack());
  });

  it("says loudly what was not checked, and nothing when nothing was removed", () => {
    // Prepare
    const { removed } = withoutNewerArguments(stack(), "5.100.0");
    // Act
    const notice = removalNotice("example", "5.100.0", removed);
    // Assess
    expect(notice).toMatch(/NOTICE: stack example is checked WITHOUT 2 argument\(s\) that hashicorp\/aws 5\.100\.0/);
    expect(notice).toMatch(/aws_kms_external_key\.standby: key_spec \(provider >= 6\.11\.0/);
    expect(notice).toMatch(/aws_kms_external_key\.standby: key_usage/);
    expect(removalNotice("example", "5.100.0", [])).toBe("");
  });

  it("compares versions numerically and lists only arguments of aws_kms_external_key", () => {
    expect(compareVersions("5.100.0", "6.11.0")).toBeLessThan(0);
    expect(compareVersions("6.9.0", "6.11.0")).toBeLessThan(0);
    expect(compareVersions("6.11.0", "6.11.0")).toBe(0);
    expect(NEWER_ARGUMENTS.map((e) => [e.resourceType, e.arguments])).toEqual([
      ["aws_kms_external_key", ["key_spec", "key_usage"]],
    ]);
  });
});
