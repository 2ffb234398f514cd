import { afterEach, describe, expect, it } from "vitest";
import { AwsProvider } from "../../framework/aws";
import { Testing } from "../../framework/cdktf";
import { moduleStack, resourcesOf, type TfJson } from "../../test/template";
import { KmsKey } from "../kms-key";
import type { Placement } from "../placement";
import { PrivateBucket } from "../private-bucket";
import { AccountBaseline, type AccountBaselineProps } from "./account-baseline";
import { BASELINE_MANAGED_RULES, NO_REPLICATION_GUARD_POLICY } from "./rules";

let cleanup: () => void = () => {};
afterEach(() => cleanup());

const TENANT = "333333333333";

function setup(overrides: Partial<AccountBaselineProps> = {}, objectLock = false) {
  const s = moduleStack();
  cleanup = s.cleanup;
  // The tenant account's own provider (in the platform stack: one that assumes a role there).
  const tenantProvider = new AwsProvider(s.stack, "tenant-provider", {
    alias: "tenant",
    region: "eusc-de-east-1",
    allowedAccountIds: [TENANT],
  });
  const tenant: Placement = { ...s.sovereign, provider: tenantProvider, accountId: TENANT };
  const configBucket = new PrivateBucket(s.stack, "config-bucket", {
    placement: s.sovereign,
    bucketName: "env-config-111111111111",
    encryptionKey: new KmsKey(s.stack, "config-key", { placement: s.sovereign, aliasName: "config", description: "c" }),
    retentionDays: 365,
    vpcEndpointId: "vpce-0123",
    objectLock: objectLock ? { mode: "COMPLIANCE", retentionDays: 30 } : undefined,
  });
  const props: AccountBaselineProps = {
    placement: tenant,
    name: "env-acme",
    configBucket,
    aggregatorAccountId: "111111111111",
    ...overrides,
  };
  // The ad-hoc tenant provider is not registered with the stack's provider pinning: synth without validations.
  const synth = () => JSON.parse(Testing.synth(s.stack)) as TfJson;
  return { ...s, props, synth };
}

const one = (json: TfJson, type: string, name: string) => resourcesOf(json, type)[name] as Record<string, unknown>;
const statementsOf = (text: unknown) => JSON.parse(text as string).Statement as Array<Record<string, unknown>>;

describe("AccountBaseline", () => {
  it("puts every resource of the baseline in the tenant account's provider", () => {
    const { stack, props, synth } = setup();
    new AccountBaseline(stack, "baseline", props);
    const json = synth();
    const ours = Object.entries(json.resource ?? {}).flatMap(([type, byName]) =>
      Object.entries(byName)
        .filter(([name]) => name.startsWith("baseline_"))
        .map(([name, r]) => [`${type}.${name}`, r.provider]),
    );
    // Block public access, EBS encryption, role, its policy, recorder, channel, status, authorization; the rules.
    expect(ours.length).toBe(8 + BASELINE_MANAGED_RULES.length + 1);
    expect(ours).toEqual(ours.map(([address]) => [address, "aws.tenant"]));
  });

  it("blocks public access account-wide and encrypts EBS volumes by default", () => {
    const { stack, props, synth } = setup();
    new AccountBaseline(stack, "baseline", props);
    const json = synth();
    expect(one(json, "aws_s3_account_public_access_block", "baseline_s3-public-access-block")).toMatchObject({
      account_id: TENANT,
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(one(json, "aws_ebs_encryption_by_default", "baseline_ebs-encryption-by-default")).toMatchObject({
      enabled: true,
    });
  });

  it("records all supported resource types with a role of the tenant's partition and enables the recorder", () => {
    const { stack, props, synth } = setup();
    new AccountBaseline(stack, "baseline", props);
    const json = synth();
    expect(one(json, "aws_config_configuration_recorder", "baseline_recorder")).toMatchObject({
      name: "env-acme",
      role_arn: "${aws_iam_role.baseline_config-role.arn}",
      // eusc-de-east-1 came after February 2022: Config cannot record the global IAM types there.
      recording_group: { all_supported: true, include_global_resource_types: false },
    });
    expect(one(json, "aws_iam_role_policy_attachment", "baseline_config-role-policy")).toMatchObject({
      policy_arn: "arn:aws-eusc:iam::aws:policy/service-role/AWS_ConfigRole",
    });
    expect(statementsOf(one(json, "aws_iam_role", "baseline_config-role").assume_role_policy)).toEqual([
      {
        Sid: "ConfigOfThisAccount",
        Effect: "Allow",
        Principal: { Service: "config.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": TENANT } },
      },
    ]);
    expect(one(json, "aws_config_configuration_recorder_status", "baseline_recorder-status")).toMatchObject({
      name: "${aws_config_configuration_recorder.baseline_recorder.name}",
      is_enabled: true,
      depends_on: ["aws_config_delivery_channel.baseline_delivery-channel"],
    });
  });

  it("records the global IAM types where Config can, unless told otherwise", () => {
    const { stack, props, synth } = setup({ recordGlobalResourceTypes: true });
    new AccountBaseline(stack, "baseline", props);
    expect(one(synth(), "aws_config_configuration_recorder", "baseline_recorder").recording_group).toEqual({
      all_supported: true,
      include_global_resource_types: true,
    });
  });

  it("delivers to the platform's bucket under its key, admitted for this account only", () => {
    const { stack, props, synth } = setup();
    new AccountBaseline(stack, "baseline", props);
    const json = synth();
    expect(one(json, "aws_config_delivery_channel", "baseline_delivery-channel")).toMatchObject({
      s3_bucket_name: "env-config-111111111111",
      s3_kms_key_arn: "${aws_kms_key.config-key_key.arn}",
    });
    const bucketStatements = statementsOf(one(json, "aws_s3_bucket_policy", "config-bucket_policy").policy);
    expect(bucketStatements.find((st) => st.Sid === `ConfigDelivery${TENANT}`)).toEqual({
      Sid: `ConfigDelivery${TENANT}`,
      Effect: "Allow",
      Principal: { Service: "config.amazonaws.com" },
      Action: "s3:PutObject",
      Resource: `\${aws_s3_bucket.config-bucket_bucket.arn}/AWSLogs/${TENANT}/Config/*`,
      Condition: { StringEquals: { "aws:SourceAccount": TENANT, "s3:x-amz-acl": "bucket-owner-full-control" } },
    });
    expect(bucketStatements.find((st) => st.Sid === `ConfigBucketCheck${TENANT}`)).toMatchObject({
      Action: ["s3:GetBucketAcl", "s3:ListBucket"],
      Condition: { StringEquals: { "aws:SourceAccount": TENANT } },
    });
    const keyStatements = statementsOf(one(json, "aws_kms_key", "config-key_key").policy);
    expect(keyStatements.find((st) => st.Sid === `ConfigEncrypt${TENANT}`)).toMatchObject({
      Principal: { Service: "config.amazonaws.com" },
      Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
      Condition: { StringEquals: { "aws:SourceAccount": TENANT } },
    });
  });

  it("adds each rule that matters for the platform, after the recorder", () => {
    const { stack, props, synth } = setup();
    new AccountBaseline(stack, "baseline", props);
    const rules = Object.values(resourcesOf(synth(), "aws_config_config_rule"));
    const identifiers = rules.map((r) => (r.source as { source_identifier?: string }).source_identifier);
    for (const id of [
      "S3_BUCKET_PUBLIC_READ_PROHIBITED",
      "S3_BUCKET_PUBLIC_WRITE_PROHIBITED",
      "ENCRYPTED_VOLUMES",
      "EC2_EBS_ENCRYPTION_BY_DEFAULT",
      "ROOT_ACCOUNT_MFA_ENABLED",
      "IAM_ROOT_ACCESS_KEY_CHECK",
    ])
      expect(identifiers).toContain(id);
    expect(identifiers).not.toContain("S3_BUCKET_REPLICATION_ENABLED");
    const noReplication = rules.find((r) => r.name === "env-acme-s3-bucket-no-replication");
    expect(noReplication).toMatchObject({
      scope: { compliance_resource_types: ["AWS::S3::Bucket"] },
      source: {
        owner: "CUSTOM_POLICY",
        custom_policy_details: { policy_runtime: "guard-2.x.x", policy_text: NO_REPLICATION_GUARD_POLICY },
      },
    });
    for (const rule of rules) expect(rule.depends_on).toEqual(["aws_config_configuration_recorder.baseline_recorder"]);
  });

  it("authorizes the platform account and region to aggregate", () => {
    const { stack, props, synth } = setup({ aggregatorRegion: "eusc-de-east-1" });
    new AccountBaseline(stack, "baseline", props);
    expect(one(synth(), "aws_config_aggregate_authorization", "baseline_aggregate-authorization")).toMatchObject({
      account_id: "111111111111",
      region: "eusc-de-east-1",
      provider: "aws.tenant",
    });
  });

  it("writes no ARN of another partition", () => {
    const { stack, props, synth } = setup();
    new AccountBaseline(stack, "baseline", props);
    const text = JSON.stringify(synth().resource);
    expect(text).toContain("arn:aws-eusc:");
    expect(text).not.toMatch(/arn:aws:/);
  });

  it("fails when the aggregator account is not an account ID", () => {
    const { stack, props } = setup({ aggregatorAccountId: "platform" });
    expect(() => new AccountBaseline(stack, "baseline", props)).toThrow(/AccountBaseline\.aggregatorAccountId/);
  });

  it("fails when the aggregator region is not of the tenant's partition", () => {
    const { stack, props } = setup({ aggregatorRegion: "eu-central-1" });
    expect(() => new AccountBaseline(stack, "baseline", props)).toThrow(/AccountBaseline\.aggregatorRegion/);
  });

  it("fails when the Config bucket is under object lock", () => {
    const { stack, props } = setup({}, true);
    expect(() => new AccountBaseline(stack, "baseline", props)).toThrow(/AccountBaseline\.configBucket.*object lock/);
  });
});
