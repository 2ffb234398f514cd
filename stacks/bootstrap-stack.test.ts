import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { check, loadCheckConfig, loadTemplates } from "../policies/check";
import {
  exampleInput,
  PROJECT_ROOT,
  resourcesOf,
  synthDeployment,
  type TfJson,
  tempDir,
  validConfig,
} from "../test/template";
import { STATE_NONCURRENT_RETENTION_DAYS, STATE_RETENTION_DAYS } from "./bootstrap-stack";
import { synthesize } from "./synthesize";

const bootstrap = synthDeployment(validConfig(), "bootstrap");
const DEPLOYER = "arn:aws-eusc:iam::111111111111:role/platform-deployer";

/** The one block of a type whose Terraform name starts with `prefix`. */
function one(type: string, prefix: string): Record<string, unknown> {
  const matches = Object.entries(resourcesOf(bootstrap.json, type)).filter(([name]) => name.startsWith(prefix));
  expect(matches.map(([name]) => name)).toHaveLength(1);
  return matches[0]?.[1] as Record<string, unknown>;
}

/** The S3 backend block of a synthesized stack. */
function s3Backend(json: TfJson): Record<string, unknown> {
  const backend = json.terraform?.backend as { s3?: Record<string, unknown> } | undefined;
  if (backend?.s3 === undefined) throw new Error("the stack has no S3 backend");
  return backend.s3;
}

const statements = (policy: unknown) =>
  JSON.parse(policy as string).Statement as Array<{ Sid: string; Condition?: Record<string, Record<string, unknown>> }>;

describe("provider and state", () => {
  it("declares only the sovereign provider, as the platform stack's sovereign side does", () => {
    // Prepare
    const platform = synthDeployment(validConfig());
    // Act
    const providers = bootstrap.json.provider?.aws ?? [];
    // Assess
    expect(providers).toEqual([platform.json.provider?.aws?.[0]]);
    expect(providers[0]).toMatchObject({
      alias: "sovereign",
      region: "eusc-de-east-1",
      allowed_account_ids: ["111111111111"],
    });
    expect(bootstrap.json.terraform?.required_providers).toEqual(platform.json.terraform?.required_providers);
  });

  it("keeps its own state locally in state/, at a path relative to the stack folder", () => {
    // Prepare, Act
    const backend = bootstrap.json.terraform?.backend;
    // Assess
    expect(backend).toEqual({ local: { path: "../../../state/example-bootstrap.tfstate" } });
    expect(bootstrap.text).not.toMatch(/"\/(work|home|tmp|root)\//);
  });

  it("pins every resource to the sovereign provider", () => {
    // Prepare, Act
    const resources = Object.values(bootstrap.json.resource ?? {}).flatMap((byName) => Object.values(byName));
    // Assess
    expect(resources.length).toBeGreaterThan(0);
    expect(new Set(resources.map((r) => r.provider))).toEqual(new Set(["aws.sovereign"]));
  });
});

describe("state key and bucket", () => {
  it("encrypts the state with a rotating customer-managed key under alias/<environment>/terraform-state", () => {
    // Prepare, Act
    const key = one("aws_kms_key", "state-key_");
    const alias = one("aws_kms_alias", "state-key_");
    // Assess
    expect(key).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 30 });
    expect(alias).toMatchObject({
      name: "alias/example/terraform-state",
      target_key_id: "${aws_kms_key.state-key_key.key_id}",
    });
    expect(one("aws_s3_bucket_server_side_encryption_configuration", "state-bucket_").rule).toEqual([
      {
        apply_server_side_encryption_by_default: {
          sse_algorithm: "aws:kms",
          kms_master_key_id: "${aws_kms_key.state-key_key.arn}",
        },
        bucket_key_enabled: true,
      },
    ]);
  });

  it("names the bucket from the environment and the sovereign account, and keeps it private and versioned", () => {
    // Prepare, Act
    const bucket = one("aws_s3_bucket", "state-bucket_");
    // Assess
    expect(bucket).toMatchObject({ bucket: "example-tfstate-111111111111", force_destroy: false });
    expect(one("aws_s3_bucket_public_access_block", "state-bucket_")).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(one("aws_s3_bucket_versioning", "state-bucket_").versioning_configuration).toEqual({ status: "Enabled" });
  });

  it("keeps overwritten state versions for a year and the current state ten years after its last write", () => {
    // Prepare, Act
    const [rule] = one("aws_s3_bucket_lifecycle_configuration", "state-bucket_").rule as Array<Record<string, unknown>>;
    // Assess
    expect([STATE_NONCURRENT_RETENTION_DAYS, STATE_RETENTION_DAYS]).toEqual([365, 3653]);
    expect(rule).toMatchObject({
      noncurrent_version_expiration: [{ noncurrent_days: 365 }],
      expiration: [{ days: 3653 }],
    });
  });

  it("denies requests without TLS, and object access to every principal but the deploy role", () => {
    // Prepare, Act
    const policy = statements(one("aws_s3_bucket_policy", "state-bucket_").policy);
    // Assess
    expect(policy.map((st) => st.Sid)).toEqual(
      expect.arrayContaining(["DenyInsecureTransport", "DenyOtherKey", "DenyObjectAccessToOtherRoles"]),
    );
    expect(policy.find((st) => st.Sid === "DenyObjectAccessToOtherRoles")?.Condition?.ArnNotEquals).toEqual({
      "aws:PrincipalArn": [DEPLOYER],
    });
    expect(policy.find((st) => st.Sid === "DenyOtherKey")?.Condition?.StringNotEquals).toEqual({
      "s3:x-amz-server-side-encryption-aws-kms-key-id": [
        "${aws_kms_key.state-key_key.arn}",
        "arn:aws-eusc:kms:eusc-de-east-1:111111111111:alias/example/terraform-state",
      ],
    });
  });

  it("records every read and write of the state in its own trail, without a second copy of management events", () => {
    // Prepare, Act
    const trail = one("aws_cloudtrail", "state-audit_");
    // Assess
    expect(trail).toMatchObject({
      name: "example-tfstate-audit",
      is_multi_region_trail: true,
      enable_log_file_validation: true,
    });
    expect(trail.advanced_event_selector).toEqual([
      {
        name: "Object operations on the platform buckets",
        field_selector: [
          { field: "eventCategory", equals: ["Data"] },
          { field: "resources.type", equals: ["AWS::S3::Object"] },
          { field: "resources.ARN", starts_with: ["${aws_s3_bucket.state-bucket_bucket.arn}/"] },
        ],
      },
    ]);
  });

  it("needs no lock table: the platform stack locks with an S3 lock file", () => {
    // Prepare
    const input = exampleInput();
    input.backend = { type: "s3" };
    // Act
    const platform = synthDeployment(validConfig(input));
    // Assess
    expect(Object.keys(bootstrap.json.resource ?? {})).not.toContain("aws_dynamodb_table");
    expect(s3Backend(platform.json).use_lockfile).toBe(true);
  });
});

describe("guardrails", () => {
  it("passes them with the example configuration, its suppressions not applying to this stack", async () => {
    // Prepare
    const { dir, cleanup } = tempDir();
    try {
      const outdir = join(dir, "cdktf.out-bootstrap");
      synthesize({ config: validConfig(), outdir, projectRoot: PROJECT_ROOT, stack: "bootstrap" });
      const { config, suppressions } = loadCheckConfig(join(PROJECT_ROOT, "config", "example.json"));
      // Act
      const report = await check(loadTemplates(outdir), { config, suppressions, scanFolder: outdir });
      // Assess
      expect(report.findings).toEqual([]);
      expect(report.suppressed.map((f) => [f.ruleId, f.address])).toEqual([
        ["SIP-S3-5", "aws_s3_bucket.state-audit_bucket_bucket"],
        ["SIP-S3-5", "aws_s3_bucket.state-bucket_bucket"],
      ]);
      expect(
        report.suppressed.every((f) =>
          f.suppressedBecause?.startsWith(`object access is limited to the named roles ${DEPLOYER}`),
        ),
      ).toBe(true);
    } finally {
      cleanup();
    }
  });
});

describe("the platform stack's S3 backend", () => {
  it("names exactly the bootstrap stack's bucket, key alias and region endpoints when it names none", () => {
    // Prepare
    const input = exampleInput();
    input.backend = { type: "s3" };
    // Act
    const platform = synthDeployment(validConfig(input));
    // Assess
    const s3 = s3Backend(platform.json);
    const outputs = bootstrap.json.output ?? {};
    const provider = bootstrap.json.provider?.aws?.[0];
    expect(s3.bucket).toBe(one("aws_s3_bucket", "state-bucket_").bucket);
    expect(s3.bucket).toBe(outputs["state-bucket-name"]?.value);
    expect(s3.kms_key_id).toBe(outputs["state-key-alias-arn"]?.value);
    expect(s3.kms_key_id).toBe(
      `arn:aws-eusc:kms:${provider?.region}:111111111111:${one("aws_kms_alias", "state-key_").name}`,
    );
    expect(s3).toEqual({
      bucket: "example-tfstate-111111111111",
      key: "platform/example.tfstate",
      region: provider?.region,
      encrypt: true,
      kms_key_id: "arn:aws-eusc:kms:eusc-de-east-1:111111111111:alias/example/terraform-state",
      use_lockfile: true,
      skip_region_validation: true,
      allowed_account_ids: provider?.allowed_account_ids,
      // the sovereign side's credentials, as on the bootstrap stack's provider
      profile: provider?.profile,
      endpoints: { s3: "https://s3.eusc-de-east-1.amazonaws.eu", sts: "https://sts.eusc-de-east-1.amazonaws.eu" },
    });
    expect(provider?.profile).toBe("example-eusc-deploy");
  });

  it("keeps the names it is given", () => {
    // Prepare
    const input = exampleInput();
    input.backend = { type: "s3", key: "platform/blue.tfstate" };
    // Act
    const s3 = s3Backend(synthDeployment(validConfig(input)).json);
    // Assess
    expect([s3.bucket, s3.key, s3.kms_key_id]).toEqual([
      "example-tfstate-111111111111",
      "platform/blue.tfstate",
      "arn:aws-eusc:kms:eusc-de-east-1:111111111111:alias/example/terraform-state",
    ]);
  });
});

describe("snapshot", () => {
  it("matches the checked-in Terraform JSON of the example's bootstrap stack (update with vitest -u)", async () => {
    await expect(bootstrap.text).toMatchFileSnapshot("__snapshots__/example-bootstrap.cdk.tf.json");
  });

  it("synthesizes the same bytes twice", () => {
    expect(synthDeployment(validConfig(), "bootstrap").text).toBe(bootstrap.text);
  });
});
