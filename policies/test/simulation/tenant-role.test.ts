/**
 * The logical tier's ABAC, end to end in the IAM simulator: the example's tenant role (its identity
 * policy and its tags) against the example's shared bucket policy, both as synthesized. The role
 * reaches its own prefix with its own key; another tenant's prefix, the data-class key, no key and
 * another tenant's key are denied; the platform's untagged functions keep the data-class key.
 * Then the upload path of crypto-shredding: the upload and scrub functions may find tenants' keys and
 * assume tenant roles, browsers may upload from outside the VPC endpoint with the tenant role's (or the
 * upload role's) signatures and do nothing else there, and the scrub function, as the tenant, may
 * quarantine only under the tenant's own quarantine area.
 */
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { describe, expect, it } from "vitest";
import { synthDeployment, validConfig } from "../../../test/template";
import { authzWorld } from "../../authz/world";
import { templateOf } from "../../core/template";
import { allow, decide, type Simulate, type SimulationInput } from "./scenarios";

const simulate = runSimulation as unknown as Simulate;
const { json } = synthDeployment(validConfig());
const resources = json.resource ?? {};
const ACCOUNT = "111111111111";
const keyArn = (name: string) => `arn:aws-eusc:kms:eusc-de-east-1:${ACCOUNT}:key/${name}`;

/** What Terraform would put in place of the references, for the simulator (policies/authz/world.ts). */
const concrete = authzWorld(templateOf(json, "example")).concrete;

const TENANT = "kleinverein";
const role = resources.aws_iam_role?.[`tenant-${TENANT}_role`] ?? {};
const roleTags = JSON.parse(concrete(JSON.stringify(role.tags))) as Record<string, string>;
const identity = {
  name: "tenant",
  policy: JSON.parse(concrete(String(resources.aws_iam_role_policy?.[`tenant-${TENANT}_role-policy`]?.policy))),
};
const bucketName = String(resources.aws_s3_bucket?.["sovereign-bucket-avatars-clean_bucket"]?.bucket);
const bucketPolicy = JSON.parse(
  concrete(String(resources.aws_s3_bucket_policy?.["sovereign-bucket-avatars-clean_policy"]?.policy)),
);
const dataKey = keyArn("sovereign-key-avatars-clean_key");

function put(
  principal: string,
  tags: Record<string, string>,
  prefix: string,
  kmsKey: string | undefined,
  identityPolicy = identity,
): SimulationInput {
  const context: Record<string, string> = {
    "aws:SecureTransport": "true",
    "aws:SourceVpce": "vpce-sovereign-network_s3-gateway",
    "aws:PrincipalIsAWSService": "false",
    "s3:x-amz-server-side-encryption": "aws:kms",
    ...Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:PrincipalTag/${k}`, v])),
    ...(kmsKey === undefined ? {} : { "s3:x-amz-server-side-encryption-aws-kms-key-id": kmsKey }),
  };
  return {
    request: {
      principal,
      action: "s3:PutObject",
      resource: { resource: `arn:aws-eusc:s3:::${bucketName}/${prefix}/avatar.png`, accountId: ACCOUNT },
      contextVariables: context,
    },
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
        contextVariables: {
          "aws:SecureTransport": "true",
          "aws:SourceVpce": "vpce-sovereign-network_s3-gateway",
          "aws:PrincipalIsAWSService": "false",
          "aws:PrincipalTag/Tenant": TENANT,
          ...(prefix === undefined ? {} : { "s3:prefix": prefix }),
        },
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

describe("the upload path of a logical-tier tenant (crypto-shredding)", () => {
  const roleArn = `arn:aws-eusc:iam::${ACCOUNT}:role/example-tenant-${TENANT}`;
  const uploadRole = `arn:aws-eusc:iam::${ACCOUNT}:role/${String(resources.aws_iam_role?.["upload-pipeline_upload_role"]?.name)}`;
  const ownKey = roleTags.TenantKey ?? "";
  const policyOf = (type: "aws_iam_role_policy" | "aws_s3_bucket_policy", name: string) =>
    JSON.parse(concrete(String(resources[type]?.[name]?.policy)));
  const originals = String(resources.aws_s3_bucket?.["sovereign-bucket-avatars-original_bucket"]?.bucket);
  const originalsPolicy = policyOf("aws_s3_bucket_policy", "sovereign-bucket-avatars-original_policy");
  const uploadIdentity = {
    name: "upload",
    policy: policyOf("aws_iam_role_policy", "upload-pipeline_upload_role-policy"),
  };
  const originalsKey = keyArn("sovereign-key-avatars-original_key");

  /** A request to the originals bucket; `viaEndpoint: false` is a browser on the internet. */
  function request(
    principal: string,
    tags: Record<string, string>,
    action: string,
    key: string,
    options: {
      viaEndpoint: boolean;
      kmsKey?: string;
      identity?: { name: string; policy: unknown };
      bucket?: string;
      bucketPolicy?: unknown;
    },
  ): SimulationInput {
    const context: Record<string, string> = {
      "aws:SecureTransport": "true",
      "aws:PrincipalIsAWSService": "false",
      "aws:PrincipalArn": principal,
      ...(options.viaEndpoint ? { "aws:SourceVpce": "vpce-sovereign-network_s3-gateway" } : {}),
      ...Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:PrincipalTag/${k}`, v])),
      ...(options.kmsKey === undefined
        ? {}
        : {
            "s3:x-amz-server-side-encryption": "aws:kms",
            "s3:x-amz-server-side-encryption-aws-kms-key-id": options.kmsKey,
          }),
    };
    return {
      request: {
        principal,
        action,
        resource: { resource: `arn:aws-eusc:s3:::${options.bucket ?? originals}/${key}`, accountId: ACCOUNT },
        contextVariables: context,
      },
      identityPolicies: [options.identity ?? identity],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: options.bucketPolicy ?? originalsPolicy,
    };
  }

  it("lets a browser upload from the internet with the tenant role's signature, under the tenant's key", async () => {
    expect(
      await decide(
        simulate,
        request(roleArn, roleTags, "s3:PutObject", `${TENANT}/u/x`, { viaEndpoint: false, kmsKey: ownKey }),
      ),
    ).toBe("Allowed");
  });

  it.each(["s3:GetObject", "s3:DeleteObject", "s3:PutObjectTagging"])(
    "denies the tenant role %s from outside the VPC endpoint",
    async (action) => {
      expect(await decide(simulate, request(roleArn, roleTags, action, `${TENANT}/u/x`, { viaEndpoint: false }))).toBe(
        "ExplicitlyDenied",
      );
    },
  );

  it("denies the tenant role uploads from outside the VPC endpoint into a bucket without browser uploads", async () => {
    const input = request(roleArn, roleTags, "s3:PutObject", `${TENANT}/u/x`, {
      viaEndpoint: false,
      kmsKey: ownKey,
      bucket: bucketName,
      bucketPolicy,
    });
    expect(await decide(simulate, input)).toBe("ExplicitlyDenied");
  });

  it("lets the upload role's signatures upload from the internet, and nothing else (it used to read too)", async () => {
    expect(
      await decide(
        simulate,
        request(uploadRole, {}, "s3:PutObject", "acme-health/u/x", {
          viaEndpoint: false,
          kmsKey: originalsKey,
          identity: uploadIdentity,
        }),
      ),
    ).toBe("Allowed");
    expect(
      await decide(
        simulate,
        request(uploadRole, {}, "s3:GetObject", "acme-health/u/x", { viaEndpoint: false, identity: uploadIdentity }),
      ),
    ).toBe("ExplicitlyDenied");
    expect(
      await decide(
        simulate,
        request(uploadRole, {}, "s3:GetObject", "acme-health/u/x", { viaEndpoint: true, identity: uploadIdentity }),
      ),
    ).toBe("Allowed");
  });

  it("lets the tenant role quarantine under its own quarantine area only, under its key", async () => {
    expect(
      await decide(
        simulate,
        request(roleArn, roleTags, "s3:PutObject", `quarantine/${TENANT}/u/x`, { viaEndpoint: true, kmsKey: ownKey }),
      ),
    ).toBe("Allowed");
    expect(
      await decide(
        simulate,
        request(roleArn, roleTags, "s3:PutObject", "quarantine/acme-health/u/x", { viaEndpoint: true, kmsKey: ownKey }),
      ),
    ).toBe("ExplicitlyDenied");
    expect(
      await decide(
        simulate,
        request(roleArn, roleTags, "s3:PutObject", `quarantine/${TENANT}/u/x`, {
          viaEndpoint: true,
          kmsKey: originalsKey,
        }),
      ),
    ).toBe("ExplicitlyDenied");
  });

  it.each(["upload-pipeline_upload_role-policy", "upload-pipeline_scrub_role-policy"])(
    "lets %s assume the tenant role, whose trust admits it",
    async (policy) => {
      const fn = policy.startsWith("upload-pipeline_upload")
        ? uploadRole
        : `arn:aws-eusc:iam::${ACCOUNT}:role/${String(resources.aws_iam_role?.["upload-pipeline_scrub_role"]?.name)}`;
      const trust = JSON.parse(concrete(String(role.assume_role_policy)));
      const assume = (principal: string, identityPolicy: { name: string; policy: unknown }): SimulationInput => ({
        request: {
          principal,
          action: "sts:AssumeRole",
          resource: { resource: roleArn, accountId: ACCOUNT },
          contextVariables: { "aws:PrincipalArn": principal },
        },
        identityPolicies: [identityPolicy],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: trust,
      });
      expect(await decide(simulate, assume(fn, { name: "fn", policy: policyOf("aws_iam_role_policy", policy) }))).toBe(
        "Allowed",
      );
      // The administrator (a person's role) is not: failback restores a tenant's objects as the failback function.
      expect(
        await decide(
          simulate,
          assume(`arn:aws-eusc:iam::${ACCOUNT}:role/platform-deployer`, allow("sts:AssumeRole", "*")),
        ),
      ).not.toBe("Allowed");
      expect(
        await decide(
          simulate,
          assume(
            `arn:aws-eusc:iam::${ACCOUNT}:role/example-failback-avatars-clean-function`,
            allow("sts:AssumeRole", "*"),
          ),
        ),
      ).toBe("Allowed");
      // Another tenant's role, even with a broad policy of its own, is refused by the trust.
      expect(
        await decide(
          simulate,
          assume(`arn:aws-eusc:iam::${ACCOUNT}:role/example-tenant-acme-health`, allow("sts:AssumeRole", "*")),
        ),
      ).not.toBe("Allowed");
    },
  );

  it.each(["kleinverein", "bergstadt"])(
    "lets the upload function read the tier tag of %s's key (any tier must answer, or uploads fail)",
    async (tenant) => {
      const keyPolicy = JSON.parse(concrete(String(resources.aws_kms_key?.[`tenant-${tenant}_key_key`]?.policy)));
      const ask = (action: string, aliases: string[]): SimulationInput => ({
        request: {
          principal: uploadRole,
          action,
          resource: { resource: keyArn(`tenant-${tenant}_key_key`), accountId: ACCOUNT },
          contextVariables: { "kms:CallerAccount": ACCOUNT, "kms:ResourceAliases": aliases },
        },
        identityPolicies: [uploadIdentity],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: keyPolicy,
      });
      for (const action of ["kms:DescribeKey", "kms:ListResourceTags"]) {
        expect(await decide(simulate, ask(action, [`alias/example/tenant/${tenant}`]))).toBe("Allowed");
        // The grant follows the alias: a key without a tenant alias is not the function's to inspect.
        expect(await decide(simulate, ask(action, ["alias/example/data/avatars-original"]))).not.toBe("Allowed");
      }
    },
  );
});
