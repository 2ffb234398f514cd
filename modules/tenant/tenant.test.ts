import { afterEach, describe, expect, it } from "vitest";
import type { TenantConfig } from "../../config/schema";
import { moduleStack, resourcesOf } from "../../test/template";
import { Tenant } from "./tenant";

let cleanup: () => void = () => {};
afterEach(() => cleanup());

function build(tenant: TenantConfig) {
  const s = moduleStack();
  cleanup = s.cleanup;
  new Tenant(s.stack, "t", { placement: s.sovereign, environment: "env", tenant, availabilityZones: ["eusc-de-east-1a", "eusc-de-east-1b"], allowedAccountIds: ["111111111111"] });
  return s.synth();
}

describe("Tenant", () => {
  it("gives every tier its own key, tagged with the tenant", () => {
    for (const tier of ["logical", "vpc", "account"] as const) {
      const json = build({ id: "acme", tier, ...(tier === "vpc" ? { vpcCidr: "10.20.0.0/16" } : {}) });
      expect(Object.values(resourcesOf(json, "aws_kms_key"))).toEqual([expect.objectContaining({ tags: { Tenant: "acme", Tier: tier } })]);
      expect(Object.values(resourcesOf(json, "aws_kms_alias"))).toEqual([expect.objectContaining({ name: "alias/env/tenant/acme" })]);
    }
  });

  it("gives a vpc-tier tenant its own network, whose flow logs its key encrypts", () => {
    const json = build({ id: "acme", tier: "vpc", vpcCidr: "10.20.0.0/16" });
    expect(Object.values(resourcesOf(json, "aws_vpc"))).toEqual([expect.objectContaining({ cidr_block: "10.20.0.0/16", tags: { Name: "env-acme", Tenant: "acme", Tier: "vpc" } })]);
    expect(Object.values(resourcesOf(json, "aws_cloudwatch_log_group"))).toEqual([expect.objectContaining({ kms_key_id: "${aws_kms_key.t_key_key.arn}" })]);
  });

  it("gives a logical-tier tenant no network", () => {
    expect(Object.values(resourcesOf(build({ id: "acme", tier: "logical" }), "aws_vpc"))).toEqual([]);
  });
});
