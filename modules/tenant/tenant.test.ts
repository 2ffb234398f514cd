import { afterEach, describe, expect, it } from "vitest";
import type { TenantConfig } from "../../config/schema";
import { moduleStack, resourcesOf } from "../../test/template";
import { Tenant } from "./tenant";

let cleanup: () => void = () => {};
afterEach(() => cleanup());

function build(tenant: TenantConfig, withAccount = false) {
  const s = moduleStack();
  cleanup = s.cleanup;
  // A tenant account reached through its own provider (in the stack, PlatformStack.tenantAccount).
  const accountPlacement = withAccount ? { ...s.sovereign, accountId: "333333333333", administratorRoleName: "OrganizationAccountAccessRole" } : undefined;
  new Tenant(s.stack, "t", { placement: s.sovereign, accountPlacement, environment: "env", tenant, availabilityZones: ["eusc-de-east-1a", "eusc-de-east-1b"], allowedAccountIds: ["111111111111"] });
  return s.synth();
}

describe("Tenant", () => {
  it("gives every tier its own key, tagged with the tenant", () => {
    for (const tier of ["logical", "vpc", "account"] as const) {
      const json = build({ id: "acme", tier, ...(tier === "vpc" ? { vpcCidr: "10.20.0.0/16" } : {}) }, tier === "account");
      expect(Object.values(resourcesOf(json, "aws_kms_key"))).toEqual([expect.objectContaining({ tags: { Tenant: "acme", Tier: tier } })]);
      expect(Object.values(resourcesOf(json, "aws_kms_alias"))).toEqual([expect.objectContaining({ name: "alias/env/tenant/acme" })]);
    }
  });

  it("gives a vpc-tier tenant its own network, whose flow logs its key encrypts", () => {
    const json = build({ id: "acme", tier: "vpc", vpcCidr: "10.20.0.0/16" });
    expect(Object.values(resourcesOf(json, "aws_vpc"))).toEqual([expect.objectContaining({ cidr_block: "10.20.0.0/16", tags: { Name: "env-acme", Tenant: "acme", Tier: "vpc" } })]);
    expect(Object.values(resourcesOf(json, "aws_cloudwatch_log_group"))).toEqual([expect.objectContaining({ kms_key_id: "${aws_kms_key.t_key_key.arn}" })]);
  });

  it("creates an account-tier tenant's account, kept when the entry goes away, and nothing in it until its ID is known", () => {
    const json = build({ id: "acme", tier: "account", accountEmail: "aws-acme@example.org" });
    expect(Object.values(resourcesOf(json, "aws_organizations_account"))).toEqual([
      expect.objectContaining({ name: "env-acme", email: "aws-acme@example.org", role_name: "OrganizationAccountAccessRole", iam_user_access_to_billing: "DENY", close_on_deletion: false, lifecycle: { prevent_destroy: true } }),
    ]);
    expect(resourcesOf(json, "aws_kms_key")).toEqual({});
  });

  it("puts an account-tier tenant's key into its account once configured", () => {
    const json = build({ id: "acme", tier: "account", accountEmail: "aws-acme@example.org", accountId: "333333333333" }, true);
    expect(JSON.parse(Object.values(resourcesOf(json, "aws_kms_key"))[0]?.policy as string).Statement[0].Principal).toEqual({ AWS: "arn:aws-eusc:iam::333333333333:role/OrganizationAccountAccessRole" });
  });

  it("gives a logical-tier tenant no network", () => {
    expect(Object.values(resourcesOf(build({ id: "acme", tier: "logical" }), "aws_vpc"))).toEqual([]);
  });
});
