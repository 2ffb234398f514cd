import { describe, expect, it } from "vitest";
import { deploymentJsonSchema } from "./json-schema";

describe("config/schema.json", () => {
  it("is the current JSON Schema of the configuration (update with vitest -u)", async () => {
    await expect(deploymentJsonSchema()).toMatchFileSnapshot("schema.json");
  });

  it("describes the top-level fields and the tenant tiers", () => {
    const schema = JSON.parse(deploymentJsonSchema());
    expect(Object.keys(schema.properties).sort()).toEqual([
      "$schema",
      "access",
      "alarms",
      "backend",
      "crossPartition",
      "dataClasses",
      "dns",
      "documents",
      "environment",
      "functions",
      "partitions",
      "signing",
      "subjectRequests",
      "suppressions",
      "tenants",
      "upload",
    ]);
    expect(schema.properties.tenants.items.properties.tier.enum).toEqual(["account", "vpc", "logical"]);
  });
});
