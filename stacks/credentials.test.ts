/**
 * Credentials per partition: each side's provider block carries the profile and/or the role the
 * configuration names for it, and the tenant-account providers assume the configured role with the
 * sovereign side's profile. (The example, a profile on one side and a role on the other, is validated
 * and planned offline by test/terraform.test.ts.)
 */
import { describe, expect, it } from "vitest";
import { exampleInput, synthDeployment, validConfig } from "../test/template";

type Provider = Record<string, unknown> & { alias: string };

function providers(input: ReturnType<typeof exampleInput>): Map<string, Provider> {
  const json = synthDeployment(validConfig(input)).json as { provider: { aws: Provider[] } };
  return new Map(json.provider.aws.map((p) => [p.alias, p]));
}

describe("credentials per partition", () => {
  it("emits the example's profile on the sovereign side and its role on the commercial side", () => {
    // Act
    const p = providers(exampleInput());
    // Assess
    expect(p.get("sovereign")).toMatchObject({ profile: "example-eusc-deploy" });
    expect(p.get("sovereign")).not.toHaveProperty("assume_role");
    expect(p.get("commercial")).toMatchObject({
      assume_role: [{ role_arn: "arn:aws:iam::222222222222:role/platform-deployer", session_name: "example-deploy" }],
    });
    expect(p.get("commercial")).not.toHaveProperty("profile");
  });

  it("emits a role with external ID and duration, and a profile, each on its own side", () => {
    // Prepare
    const input = exampleInput();
    input.partitions.sovereign.credentials = {
      profile: "eusc-sso",
      assumeRole: {
        roleArn: "arn:aws-eusc:iam::111111111111:role/platform-deployer",
        externalId: "sip-example-2026",
        durationSeconds: 1800,
      },
    };
    input.partitions.commercial.credentials = { profile: "commercial-sso" };
    // Act
    const p = providers(input);
    // Assess
    expect(p.get("sovereign")).toMatchObject({
      profile: "eusc-sso",
      assume_role: [
        {
          role_arn: "arn:aws-eusc:iam::111111111111:role/platform-deployer",
          session_name: "example-deploy",
          external_id: "sip-example-2026",
          duration: "1800s",
        },
      ],
    });
    expect(p.get("commercial")).toMatchObject({ profile: "commercial-sso" });
    expect(p.get("commercial")).not.toHaveProperty("assume_role");
  });

  it("has tenant-account providers assume the configured role with the sovereign side's profile", () => {
    // Prepare
    const input = exampleInput();
    input.partitions.sovereign.tenantAccountRoleName = "TenantDeployAccess";
    // Act
    const json = synthDeployment(validConfig(input)).json as {
      provider: { aws: Provider[] };
      resource: Record<string, Record<string, Record<string, unknown>>>;
    };
    const tenant = json.provider.aws.find((x) => x.alias === "tenant-acme-health");
    // Assess
    expect(tenant).toMatchObject({
      profile: "example-eusc-deploy",
      allowed_account_ids: ["333333333333"],
      assume_role: [
        { role_arn: "arn:aws-eusc:iam::333333333333:role/TenantDeployAccess", session_name: "example-deploy" },
      ],
    });
    expect(json.resource.aws_organizations_account?.["tenant-acme-health_account"]).toMatchObject({
      role_name: "TenantDeployAccess",
    });
  });

  it("keeps the state with the sovereign side's credentials", () => {
    // Prepare
    const input = exampleInput();
    input.backend = { type: "s3" };
    input.partitions.sovereign.credentials = {
      profile: "eusc-sso",
      assumeRole: { roleArn: "arn:aws-eusc:iam::111111111111:role/platform-deployer", durationSeconds: 900 },
    };
    // Act
    const json = synthDeployment(validConfig(input)).json as {
      terraform: { backend: { s3: Record<string, unknown> } };
    };
    // Assess
    expect(json.terraform.backend.s3).toMatchObject({
      profile: "eusc-sso",
      assume_role: {
        role_arn: "arn:aws-eusc:iam::111111111111:role/platform-deployer",
        session_name: "example-deploy",
        duration: "900s",
      },
    });
  });
});
