import { describe, expect, it } from "vitest";
import { exampleInput, resourcesOf, synthDeployment, validConfig } from "../test/template";

const { json } = synthDeployment(validConfig());

describe("organization controls of the platform stack", () => {
  it("attaches every platform SCP to each tenant account, never to the platform (management) account", () => {
    const policies = resourcesOf(json, "aws_organizations_policy");
    // Three: AWS attaches at most five SCPs to an account, and FullAWSAccess is one of them.
    expect(Object.values(policies).map((p) => p.name)).toEqual([
      "example-deny-outside-regions",
      "example-protect-platform-keys",
      "example-protect-trail-and-account",
    ]);
    expect(Object.values(policies).every((p) => p.type === "SERVICE_CONTROL_POLICY")).toBe(true);
    const targets = Object.values(resourcesOf(json, "aws_organizations_policy_attachment")).map((a) => a.target_id);
    expect(new Set(targets)).toEqual(new Set(["${aws_organizations_account.tenant-acme-health_account.id}"]));
    expect(targets).toHaveLength(3);
    expect(JSON.stringify(targets)).not.toContain("111111111111");
  });

  it("exempts only the deployer and the role it deploys into the tenant account with", () => {
    const keys = resourcesOf(json, "aws_organizations_policy")["sovereign-organization_policy-protect-platform-keys"];
    const document = JSON.parse(String(keys?.content)) as { Statement: Array<{ Sid: string; Condition?: unknown }> };
    const keyStatement = document.Statement.find((st) => st.Sid === "DenyKeyDestruction");
    expect(JSON.stringify(keyStatement?.Condition)).toContain("arn:aws-eusc:iam::111111111111:role/platform-deployer");
    expect(JSON.stringify(keyStatement?.Condition)).toContain(
      "arn:aws-eusc:iam::333333333333:role/OrganizationAccountAccessRole",
    );
  });

  it("deploys no SCP when no tenant has an account of its own", () => {
    // Prepare
    const input = exampleInput();
    input.tenants = input.tenants.filter((t) => t.tier !== "account");
    delete (input as { documents?: { webhooks?: unknown } }).documents?.webhooks;
    // Act
    const without = synthDeployment(validConfig(input)).json;
    // Assess
    expect(resourcesOf(without, "aws_organizations_policy")).toEqual({});
  });

  it("keeps a password policy and a forensics role that needs MFA and reads no personal data", () => {
    expect(Object.values(resourcesOf(json, "aws_iam_account_password_policy"))).toEqual([
      expect.objectContaining({ minimum_password_length: 14, password_reuse_prevention: 24 }),
    ]);
    const role = Object.values(resourcesOf(json, "aws_iam_role")).find((r) => r.name === "example-forensics");
    const trust = JSON.stringify(JSON.parse(String(role?.assume_role_policy)));
    expect(trust).toContain('"aws:MultiFactorAuthPresent":"true"');
    expect(trust).toContain("arn:aws-eusc:iam::111111111111:role/platform-deployer");
    expect(role?.max_session_duration).toBe(3600);
  });

  it("puts the baseline into the tenant's own account, delivering AWS Config to the platform's bucket", () => {
    const tenantProvider = "aws.tenant-acme-health";
    expect(Object.values(resourcesOf(json, "aws_s3_account_public_access_block"))).toEqual([
      expect.objectContaining({
        provider: tenantProvider,
        block_public_acls: true,
        block_public_policy: true,
        ignore_public_acls: true,
        restrict_public_buckets: true,
      }),
    ]);
    expect(Object.values(resourcesOf(json, "aws_ebs_encryption_by_default"))).toEqual([
      expect.objectContaining({ provider: tenantProvider, enabled: true }),
    ]);
    expect(Object.values(resourcesOf(json, "aws_config_delivery_channel"))).toEqual([
      expect.objectContaining({ provider: tenantProvider, s3_bucket_name: "example-config-111111111111" }),
    ]);
    const rules = Object.values(resourcesOf(json, "aws_config_config_rule"));
    expect(rules.every((r) => r.provider === tenantProvider)).toBe(true);
    expect(Object.values(resourcesOf(json, "aws_config_configuration_aggregator"))).toEqual([
      expect.objectContaining({
        provider: "aws.sovereign",
        account_aggregation_source: { account_ids: ["333333333333"], regions: ["eusc-de-east-1"] },
      }),
    ]);
  });

  it("records the tenant accounts in the platform's trail, made the organization's trail", () => {
    const trail = resourcesOf(json, "aws_cloudtrail")["sovereign-audit_trail"];
    expect(trail).toMatchObject({ is_organization_trail: true, is_multi_region_trail: true });
    const policy = JSON.parse(
      String(resourcesOf(json, "aws_s3_bucket_policy")["sovereign-audit_bucket_policy"]?.policy),
    );
    const write = policy.Statement.find((st: { Sid: string }) => st.Sid === "CloudTrailWrite");
    expect(write.Resource).toBe("${aws_s3_bucket.sovereign-audit_bucket_bucket.arn}/AWSLogs/*");
    expect(write.Condition.StringEquals["aws:SourceArn"]).toContain(":111111111111:trail/");
    // The commercial trail stays the commercial account's own.
    expect(resourcesOf(json, "aws_cloudtrail")["commercial-audit_trail"]?.is_organization_trail).toBeUndefined();
  });
});
