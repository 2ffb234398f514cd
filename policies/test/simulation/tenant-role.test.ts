/**
 * The logical tier's ABAC, end to end in the IAM simulator: the example's tenant role (its identity
 * policy and its tags) against the example's shared bucket policy, both as synthesized. The role
 * reaches its own prefix with its own key; another tenant's prefix, the data-class key, no key and
 * another tenant's key are denied; the platform's untagged functions keep the data-class key.
 */
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { describe, expect, it } from "vitest";
import { synthDeployment, validConfig } from "../../../test/template";
import { allow, decide, type Simulate, type SimulationInput } from "./scenarios";

const simulate = runSimulation as unknown as Simulate;
const { json } = synthDeployment(validConfig());
const resources = json.resource ?? {};
const ACCOUNT = "111111111111";
const keyArn = (name: string) => `arn:aws-eusc:kms:eusc-de-east-1:${ACCOUNT}:key/${name}`;

/** What Terraform would put in place of the references, for the simulator. */
function concrete(text: string): string {
  return text
    .replace(/\$\{aws_s3_bucket\.([\w-]+)\.arn\}/g, (_, name: string) => `arn:aws-eusc:s3:::${String(resources.aws_s3_bucket?.[name]?.bucket)}`)
    .replace(/\$\{aws_kms_key\.([\w-]+)\.arn\}/g, (_, name: string) => keyArn(name))
    .replace(/\$\{aws_vpc_endpoint\.([\w-]+)\.id\}/g, (_, name: string) => `vpce-${name}`)
    .replace(/\$\$\{/g, "${");
}

const TENANT = "kleinverein";
const role = resources.aws_iam_role?.[`tenant-${TENANT}_role`] ?? {};
const roleTags = JSON.parse(concrete(JSON.stringify(role.tags))) as Record<string, string>;
const identity = { name: "tenant", policy: JSON.parse(concrete(String(resources.aws_iam_role_policy?.[`tenant-${TENANT}_role-policy`]?.policy))) };
const bucketName = String(resources.aws_s3_bucket?.["sovereign-bucket-avatars-clean_bucket"]?.bucket);
const bucketPolicy = JSON.parse(concrete(String(resources.aws_s3_bucket_policy?.["sovereign-bucket-avatars-clean_policy"]?.policy)));
const dataKey = keyArn("sovereign-key-avatars-clean_key");

function put(principal: string, tags: Record<string, string>, prefix: string, kmsKey: string | undefined, identityPolicy = identity): SimulationInput {
  const context: Record<string, string> = {
    "aws:SecureTransport": "true",
    "aws:SourceVpce": "vpce-sovereign-network_s3-gateway",
    "aws:PrincipalIsAWSService": "false",
    "s3:x-amz-server-side-encryption": "aws:kms",
    ...Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:PrincipalTag/${k}`, v])),
    ...(kmsKey === undefined ? {} : { "s3:x-amz-server-side-encryption-aws-kms-key-id": kmsKey }),
  };
  return {
    request: { principal, action: "s3:PutObject", resource: { resource: `arn:aws-eusc:s3:::${bucketName}/${prefix}/avatar.png`, accountId: ACCOUNT }, contextVariables: context },
    identityPolicies: [identityPolicy],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: bucketPolicy,
  };
}

describe("the logical tier's tenant role against the shared bucket", () => {
  const roleArn = `arn:aws-eusc:iam::${ACCOUNT}:role/example-tenant-${TENANT}`;
  const ownKey = roleTags.TenantKey ?? "";

  it("carries its tenant and its own key as tags", () => {
    expect(roleTags).toEqual({ Tenant: TENANT, Tier: "logical", TenantKey: keyArn(`tenant-${TENANT}_key_key`) });
  });

  const cases: ReadonlyArray<readonly [string, string, string | undefined, string]> = [
    ["its own prefix with its own key", TENANT, ownKey, "Allowed"],
    ["another tenant's prefix", "acme-health", ownKey, "ExplicitlyDenied"],
    ["its prefix with the data-class key (not shredded with the tenant)", TENANT, dataKey, "ExplicitlyDenied"],
    ["its prefix without naming a key (the default is the data-class key)", TENANT, undefined, "ExplicitlyDenied"],
    ["its prefix with another tenant's key", TENANT, keyArn("tenant-acme-health_key_key"), "ExplicitlyDenied"],
  ];
  it.each(cases)("decides a write to %s (prefix %s)", async (_, prefix, key, expected) => {
    expect(await decide(simulate, put(roleArn, roleTags, prefix, key))).toBe(expected);
  });

  it("lists only its own prefix", async () => {
    const list = (prefix: string | undefined): SimulationInput => ({
      ...put(roleArn, roleTags, TENANT, ownKey),
      request: {
        principal: roleArn,
        action: "s3:ListBucket",
        resource: { resource: `arn:aws-eusc:s3:::${bucketName}`, accountId: ACCOUNT },
        contextVariables: { "aws:SecureTransport": "true", "aws:SourceVpce": "vpce-sovereign-network_s3-gateway", "aws:PrincipalIsAWSService": "false", "aws:PrincipalTag/Tenant": TENANT, ...(prefix === undefined ? {} : { "s3:prefix": prefix }) },
      },
    });
    expect(await decide(simulate, list(`${TENANT}/`))).toBe("Allowed");
    expect(await decide(simulate, list("acme-health/"))).not.toBe("Allowed");
    expect(await decide(simulate, list(undefined))).not.toBe("Allowed");
  });

  it("denies a tenant-tagged principal without the TenantKey tag", async () => {
    const broad = allow("s3:*", [`arn:aws-eusc:s3:::${bucketName}/*`]);
    expect(await decide(simulate, put(roleArn, { Tenant: TENANT }, TENANT, ownKey, broad))).toBe("ExplicitlyDenied");
  });

  it("lets the platform's untagged functions write with the data-class key, and only with it", async () => {
    const fn = `arn:aws-eusc:iam::${ACCOUNT}:role/example-scrub-function`;
    const broad = allow("s3:PutObject", [`arn:aws-eusc:s3:::${bucketName}/*`]);
    expect(await decide(simulate, put(fn, {}, TENANT, dataKey, broad))).toBe("Allowed");
    expect(await decide(simulate, put(fn, {}, TENANT, ownKey, broad))).toBe("ExplicitlyDenied");
  });
});
