import { afterEach, describe, expect, it } from "vitest";
import type { TenantConfig } from "../../config/schema";
import { moduleStack, resourcesOf } from "../../test/template";
import { KmsKey } from "../kms-key";
import { PrivateBucket } from "../private-bucket";
import { Tenant } from "./tenant";

let cleanup: () => void = () => {};
afterEach(() => cleanup());

function build(tenant: TenantConfig, withAccount = false) {
  const s = moduleStack();
  cleanup = s.cleanup;
  // A tenant account reached through its own provider (in the stack, PlatformStack.tenantAccount).
  const accountPlacement = withAccount
    ? { ...s.sovereign, accountId: "333333333333", administratorRoleName: "OrganizationAccountAccessRole" }
    : undefined;
  new Tenant(s.stack, "t", {
    placement: s.sovereign,
    accountPlacement,
    environment: "env",
    tenant,
    availabilityZones: ["eusc-de-east-1a", "eusc-de-east-1b"],
    allowedAccountIds: ["111111111111"],
  });
  return s.synth();
}

describe("Tenant", () => {
  it("gives every tier its own key, tagged with the tenant", () => {
    for (const tier of ["logical", "vpc", "account"] as const) {
      const json = build(
        { id: "acme", tier, ...(tier === "vpc" ? { vpcCidr: "10.20.0.0/16" } : {}) },
        tier === "account",
      );
      // Tier account: its key in its account, and the directory key under the same alias in the platform account.
      const count = tier === "account" ? 2 : 1;
      expect(Object.values(resourcesOf(json, "aws_kms_key"))).toEqual(
        Array(count).fill(expect.objectContaining({ tags: { Tenant: "acme", Tier: tier } })),
      );
      expect(Object.values(resourcesOf(json, "aws_kms_alias"))).toEqual(
        Array(count).fill(expect.objectContaining({ name: "alias/env/tenant/acme" })),
      );
    }
  });

  it("lets the account's IAM policies read every tenant key's tier tag (the functions look tenants up by it)", () => {
    for (const tier of ["logical", "vpc"] as const) {
      const json = build({ id: "acme", tier, ...(tier === "vpc" ? { vpcCidr: "10.20.0.0/16" } : {}) });
      const policy = JSON.parse(String(Object.values(resourcesOf(json, "aws_kms_key"))[0]?.policy));
      expect(policy.Statement).toContainEqual({
        Sid: "FindThroughIamOfThisAccount",
        Effect: "Allow",
        Principal: { AWS: "arn:aws-eusc:iam::111111111111:root" },
        Action: ["kms:DescribeKey", "kms:ListResourceTags"],
        Resource: "*",
        Condition: { StringEquals: { "kms:CallerAccount": "111111111111" } },
      });
    }
  });

  it("gives a vpc-tier tenant its own network, whose flow logs its key encrypts", () => {
    const json = build({ id: "acme", tier: "vpc", vpcCidr: "10.20.0.0/16" });
    expect(Object.values(resourcesOf(json, "aws_vpc"))).toEqual([
      expect.objectContaining({ cidr_block: "10.20.0.0/16", tags: { Name: "env-acme", Tenant: "acme", Tier: "vpc" } }),
    ]);
    expect(Object.values(resourcesOf(json, "aws_cloudwatch_log_group"))).toEqual([
      expect.objectContaining({ kms_key_id: "${aws_kms_key.t_key_key.arn}" }),
    ]);
  });

  it("creates an account-tier tenant's account, kept when the entry goes away, and nothing in it until its ID is known", () => {
    const json = build({ id: "acme", tier: "account", accountEmail: "aws-acme@example.org" });
    expect(Object.values(resourcesOf(json, "aws_organizations_account"))).toEqual([
      expect.objectContaining({
        name: "env-acme",
        email: "aws-acme@example.org",
        role_name: "OrganizationAccountAccessRole",
        iam_user_access_to_billing: "DENY",
        close_on_deletion: false,
        lifecycle: { prevent_destroy: true },
      }),
    ]);
    // Only the platform key, in the platform account: nothing in the tenant's account yet.
    expect(Object.keys(resourcesOf(json, "aws_kms_key"))).toEqual(["t_platform-key_key"]);
    expect(resourcesOf(json, "aws_kms_key")["t_platform-key_key"]?.provider).toBe("aws.sovereign");
  });

  it("puts an account-tier tenant's key into its account once configured", () => {
    const json = build(
      { id: "acme", tier: "account", accountEmail: "aws-acme@example.org", accountId: "333333333333" },
      true,
    );
    expect(JSON.parse(resourcesOf(json, "aws_kms_key").t_key_key?.policy as string).Statement[0].Principal).toEqual({
      AWS: "arn:aws-eusc:iam::333333333333:role/OrganizationAccountAccessRole",
    });
  });

  it("gives an account-tier tenant a key and role in the platform account for its objects in the shared buckets, under its alias there", () => {
    const json = build(
      { id: "acme", tier: "account", accountEmail: "aws-acme@example.org", accountId: "333333333333" },
      true,
    );
    const aliases = Object.values(resourcesOf(json, "aws_kms_alias")).map((a) => [a.name, a.provider]);
    expect(aliases).toContainEqual(["alias/env/tenant/acme", "aws.sovereign"]);
    const platformKey = resourcesOf(json, "aws_kms_key")["t_platform-key_key"];
    expect(platformKey?.tags).toEqual({ Tenant: "acme", Tier: "account" });
    expect(JSON.parse(platformKey?.policy as string).Statement.map((st: { Sid: string }) => st.Sid)).toContain(
      "FindThroughIamOfThisAccount",
    );
    expect(resourcesOf(json, "aws_iam_role").t_role).toMatchObject({
      provider: "aws.sovereign",
      tags: { Tenant: "acme", Tier: "account", TenantKey: "${aws_kms_key.t_platform-key_key.arn}" },
    });
  });

  it("gives a logical-tier tenant no network", () => {
    expect(Object.values(resourcesOf(build({ id: "acme", tier: "logical" }), "aws_vpc"))).toEqual([]);
  });

  it("gives a logical-tier tenant a role tagged with it and its key, limited to its prefix of the shared buckets", () => {
    // Prepare
    const s = moduleStack();
    cleanup = s.cleanup;
    const dataKey = new KmsKey(s.stack, "data", { placement: s.sovereign, aliasName: "data", description: "data" });
    const shared = new PrivateBucket(s.stack, "shared", {
      placement: s.sovereign,
      bucketName: "env-avatars-111111111111",
      encryptionKey: dataKey,
      retentionDays: 30,
      vpcEndpointId: "vpce-0123",
      tenantAreaPrefixes: ["quarantine/"],
    });
    // Act
    new Tenant(s.stack, "t", {
      placement: s.sovereign,
      environment: "env",
      tenant: { id: "acme", tier: "logical" },
      availabilityZones: [],
      allowedAccountIds: ["111111111111"],
      sharedBuckets: [shared],
    });
    const json = s.synth();
    // Assess
    const role = resourcesOf(json, "aws_iam_role").t_role;
    expect(role?.tags).toEqual({ Tenant: "acme", Tier: "logical", TenantKey: "${aws_kms_key.t_key_key.arn}" });
    // sts:AssumeRole only: with sts:TagSession a caller could replace the Tenant tag.
    expect(JSON.parse(role?.assume_role_policy as string).Statement).toEqual([
      {
        Sid: "PlatformRolesOnly",
        Effect: "Allow",
        Principal: { AWS: "arn:aws-eusc:iam::111111111111:root" },
        Action: "sts:AssumeRole",
        Condition: {
          ArnLike: { "aws:PrincipalArn": "arn:aws-eusc:iam::111111111111:role/env-*" },
          ArnNotLike: { "aws:PrincipalArn": "arn:aws-eusc:iam::111111111111:role/env-tenant-*" },
        },
      },
    ]);
    const statements = JSON.parse(resourcesOf(json, "aws_iam_role_policy")["t_role-policy"]?.policy as string)
      .Statement as Array<Record<string, unknown>>;
    expect(Object.fromEntries(statements.map((st) => [st.Sid, st.Resource]))).toEqual({
      UseOwnKey: "${aws_kms_key.t_key_key.arn}",
      ObjectsUnderOwnPrefix: [
        "${aws_s3_bucket.shared_bucket.arn}/$${aws:PrincipalTag/Tenant}/*",
        "${aws_s3_bucket.shared_bucket.arn}/quarantine/$${aws:PrincipalTag/Tenant}/*",
      ],
      ListOwnPrefix: ["${aws_s3_bucket.shared_bucket.arn}"],
      ReadDataClassObjects: ["${aws_kms_key.data_key.arn}"],
    });
    // Multipart uploads, and the scrub status on an exact version, as the tenant.
    expect(statements.find((st) => st.Sid === "ObjectsUnderOwnPrefix")?.Action).toEqual(
      expect.arrayContaining([
        "s3:ListMultipartUploadParts",
        "s3:PutObjectVersionTagging",
        "s3:GetObjectVersionTagging",
      ]),
    );
    expect(statements.find((st) => st.Sid === "ListOwnPrefix")?.Condition).toEqual({
      StringLike: { "s3:prefix": "$${aws:PrincipalTag/Tenant}/*" },
    });
  });

  it("gives a vpc-tier tenant its role as well, on its own key", () => {
    const vpc = build({ id: "acme", tier: "vpc", vpcCidr: "10.20.0.0/16" });
    expect(resourcesOf(vpc, "aws_iam_role").t_role?.tags).toEqual({
      Tenant: "acme",
      Tier: "vpc",
      TenantKey: "${aws_kms_key.t_key_key.arn}",
    });
  });
});
