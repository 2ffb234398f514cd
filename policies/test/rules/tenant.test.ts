/**
 * SIP-TENANT-1 on fixtures and on the synthesized example: every tenant, of every tier, has its own
 * key under its alias and its own role that names it.
 */
import { describe, expect, it } from "vitest";
import { synthDeployment, validConfig } from "../../../test/template";
import { templateOf } from "../../core/template";
import { TenantOwnKeyAndRole } from "../../rules/tenant/TenantOwnKeyAndRole";
import { describeRules, evaluate, exampleConfig } from "../harness";

const t = (i: number) => `tenant/TenantOwnKeyAndRole/noncompliant-${i}.tf.json`;

describeRules([
  {
    rule: TenantOwnKeyAndRole,
    compliant: ["tenant/compliant.tf.json"],
    noncompliant: [
      // a tenant with a key but no role: the functions would use their own role and the shared key
      [t(1), ["aws_kms_key.kleinverein"]],
      // the role names another tenant's key
      [t(2), ["aws_iam_role.kleinverein"]],
      // the key has no alias: the functions cannot find it
      [t(3), ["aws_kms_key.kleinverein"]],
      // TenantKey is a literal ARN, not the tenant's key
      [t(4), ["aws_iam_role.kleinverein"]],
      // role and key in different accounts
      [t(5), ["aws_iam_role.acme-health"]],
      // a role that may not be created, an alias of another environment, an alias with count = 0
      [t(6), ["aws_iam_role.kleinverein", "aws_kms_key.bergstadt", "aws_kms_key.kleinverein"]],
      // issue 15 probe: a configured tenant the stack creates nothing for, beside tenants it does
      [t(7), ["tenant.acme-health"]],
      // issue 15 probe: the platform stack (named for the environment) without any tenant
      [
        "tenant/TenantOwnKeyAndRole/noncompliant-8/example.tf.json",
        ["tenant.acme-health", "tenant.bergstadt", "tenant.kleinverein"],
      ],
    ],
  },
]);

describe("SIP-TENANT-1 on the synthesized example", () => {
  const example = synthDeployment(validConfig()).json;

  it("is not applicable to the bootstrap stack, which holds no tenant and is not the platform stack", async () => {
    // Prepare
    const bootstrap = synthDeployment(validConfig(), "bootstrap").json;
    // Act
    const result = await evaluate(TenantOwnKeyAndRole, templateOf(bootstrap, "example-bootstrap"), exampleConfig());
    // Assess
    expect(result.kind).toBe("NotApplicable");
  });

  it("names a configured tenant whose blocks are gone from the platform stack, with its tier", async () => {
    // Prepare
    const json = structuredClone(example) as { resource: Record<string, Record<string, unknown>> };
    for (const byName of Object.values(json.resource))
      for (const name of Object.keys(byName)) if (name.startsWith("tenant-bergstadt")) delete byName[name];
    // Act
    const result = await evaluate(TenantOwnKeyAndRole, templateOf(json, "example"), exampleConfig());
    // Assess
    expect(result.kind === "NonCompliant" ? result.violations.map((v) => `${v.address}: ${v.detail}`) : []).toEqual([
      "tenant.bergstadt: tenant bergstadt (tier vpc) is in the deployment configuration, but this stack creates nothing for it: no key under alias/example/tenant/bergstadt and no role tagged TenantKey, so it has none of the isolation its tier promises and the functions refuse it (unknown_tenant)",
    ]);
  });

  it("finds every configured tenant, of every tier, with its own key and role", async () => {
    // Act
    const result = await evaluate(TenantOwnKeyAndRole, templateOf(example), exampleConfig());
    // Assess
    expect(result.kind).toBe("Compliant");
  });

  it("reports a role whose Tier tag disagrees with the configuration, naming both tiers", async () => {
    // Prepare
    const json = structuredClone(example) as {
      resource: { aws_iam_role: Record<string, { tags: Record<string, string> }> };
    };
    const role = json.resource.aws_iam_role["tenant-bergstadt_role"];
    if (role === undefined) throw new Error("the example has no role for bergstadt");
    role.tags.Tier = "logical";
    // Act
    const result = await evaluate(TenantOwnKeyAndRole, templateOf(json), exampleConfig());
    // Assess
    expect(result.kind === "NonCompliant" ? result.violations.map((v) => `${v.address}: ${v.detail}`) : []).toEqual([
      "aws_iam_role.tenant-bergstadt_role: tagged Tier=logical, but the configuration gives tenant bergstadt tier vpc",
    ]);
  });
});
