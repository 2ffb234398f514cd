import { afterEach, describe, expect, it } from "vitest";
import { moduleStack, resourcesOf, type TfJson } from "../../test/template";
import { KmsKey } from "../kms-key";
import { PrivateBucket } from "../private-bucket";
import { AuditTrail, type AuditTrailProps } from "./audit-trail";

let cleanup: () => void = () => {};
afterEach(() => cleanup());

function setup(overrides: Partial<AuditTrailProps> = {}) {
  const s = moduleStack();
  cleanup = s.cleanup;
  const key = new KmsKey(s.stack, "audit-key", { placement: s.sovereign, aliasName: "audit", description: "audit" });
  const dataKey = new KmsKey(s.stack, "data-key", { placement: s.sovereign, aliasName: "data", description: "data" });
  const data = new PrivateBucket(s.stack, "data", {
    placement: s.sovereign,
    bucketName: "env-data-111111111111",
    encryptionKey: dataKey,
    retentionDays: 30,
    vpcEndpointId: "vpce-0123",
  });
  const props: AuditTrailProps = {
    placement: s.sovereign,
    name: "env",
    bucketName: "env-audit-111111111111",
    encryptionKey: key,
    vpcEndpointId: "vpce-0123",
    dataEventBuckets: [data],
    ...overrides,
  };
  return { ...s, props };
}

const one = (json: TfJson, type: string, name: string) => resourcesOf(json, type)[name] as Record<string, unknown>;
const statementsOf = (text: unknown) => JSON.parse(text as string).Statement as Array<Record<string, unknown>>;

describe("AuditTrail", () => {
  it("records management events and the data events of the platform buckets, validated and encrypted", () => {
    const { stack, props, synth } = setup();
    new AuditTrail(stack, "audit", props);
    const trail = one(synth(), "aws_cloudtrail", "audit_trail");
    expect(trail).toMatchObject({
      name: "env-audit",
      enable_log_file_validation: true,
      include_global_service_events: true,
      is_multi_region_trail: true,
      kms_key_id: "${aws_kms_key.audit-key_key.arn}",
      cloud_watch_logs_group_arn: "${aws_cloudwatch_log_group.audit_log-group_log-group.arn}:*",
    });
    expect(trail.advanced_event_selector).toEqual([
      { name: "Management events", field_selector: [{ field: "eventCategory", equals: ["Management"] }] },
      {
        name: "Object operations on the platform buckets",
        field_selector: [
          { field: "eventCategory", equals: ["Data"] },
          { field: "resources.type", equals: ["AWS::S3::Object"] },
          { field: "resources.ARN", starts_with: ["${aws_s3_bucket.data_bucket.arn}/"] },
        ],
      },
    ]);
  });

  it("delivers to a bucket under COMPLIANCE object lock that only this trail may write", () => {
    const { stack, props, synth } = setup({ objectLockDays: 400 });
    new AuditTrail(stack, "audit", props);
    const json = synth();
    expect(one(json, "aws_s3_bucket", "audit_bucket_bucket")).toMatchObject({
      bucket: "env-audit-111111111111",
      object_lock_enabled: true,
    });
    expect(one(json, "aws_s3_bucket_object_lock_configuration", "audit_bucket_object-lock").rule).toEqual({
      default_retention: { mode: "COMPLIANCE", days: 400 },
    });
    const statements = statementsOf(one(json, "aws_s3_bucket_policy", "audit_bucket_policy").policy);
    const allows = statements.filter((st) => st.Effect === "Allow");
    const fromTrail = "arn:aws-eusc:cloudtrail:eusc-de-east-1:111111111111:trail/env-audit";
    expect(allows).toEqual([
      expect.objectContaining({
        Sid: "CloudTrailAclCheck",
        Principal: { Service: "cloudtrail.amazonaws.com" },
        Action: "s3:GetBucketAcl",
        Condition: { StringEquals: { "aws:SourceArn": fromTrail } },
      }),
      expect.objectContaining({
        Sid: "CloudTrailWrite",
        Resource: "${aws_s3_bucket.audit_bucket_bucket.arn}/AWSLogs/111111111111/*",
        Condition: { StringEquals: { "aws:SourceArn": fromTrail, "s3:x-amz-acl": "bucket-owner-full-control" } },
      }),
    ]);
    expect(statements.find((st) => st.Sid === "DenyWritesOtherThanThisTrail")).toEqual({
      Sid: "DenyWritesOtherThanThisTrail",
      Effect: "Deny",
      Principal: "*",
      Action: ["s3:PutObject", "s3:ReplicateObject"],
      Resource: "${aws_s3_bucket.audit_bucket_bucket.arn}/*",
      Condition: { StringNotEquals: { "aws:SourceArn": fromTrail } },
    });
  });

  it("lets CloudTrail use the key only for this account's trails", () => {
    const { stack, props, synth } = setup();
    new AuditTrail(stack, "audit", props);
    const statements = statementsOf(one(synth(), "aws_kms_key", "audit-key_key").policy);
    expect(statements.find((st) => st.Sid === "CloudTrailEncrypt")).toMatchObject({
      Action: "kms:GenerateDataKey*",
      Condition: {
        StringEquals: { "aws:SourceArn": "arn:aws-eusc:cloudtrail:eusc-de-east-1:111111111111:trail/env-audit" },
        StringLike: { "kms:EncryptionContext:aws:cloudtrail:arn": "arn:aws-eusc:cloudtrail:*:111111111111:trail/*" },
      },
    });
  });

  it("keeps events in CloudWatch Logs for a bounded time", () => {
    const { stack, props, synth } = setup({ logRetentionDays: 90 });
    new AuditTrail(stack, "audit", props);
    expect(one(synth(), "aws_cloudwatch_log_group", "audit_log-group_log-group")).toMatchObject({
      name: "/sip/env/cloudtrail",
      retention_in_days: 90,
    });
  });

  it("records only the data events when management events are the account's other trail's", () => {
    // Prepare
    const { stack, props, synth } = setup({
      recordManagementEvents: false,
      vpcEndpointId: undefined,
      allowAccessOutsideVpcEndpoint: true,
      objectAccessRoles: ["arn:aws-eusc:iam::111111111111:role/platform-deployer"],
    });
    // Act
    new AuditTrail(stack, "trail", props);
    const json = synth();
    // Assess
    const selectors = one(json, "aws_cloudtrail", "trail_trail").advanced_event_selector as Array<{ name: string }>;
    expect(selectors.map((sel) => sel.name)).toEqual(["Object operations on the platform buckets"]);
    const policy = statementsOf(one(json, "aws_s3_bucket_policy", "trail_bucket_policy").policy);
    expect(policy.find((st) => st.Sid === "DenyObjectAccessToOtherRoles")?.Condition).toEqual({
      ArnNotEquals: { "aws:PrincipalArn": ["arn:aws-eusc:iam::111111111111:role/platform-deployer"] },
      Bool: { "aws:PrincipalIsAWSService": "false" },
    });
  });

  it("fails when no data-event bucket is named", () => {
    const { stack, props } = setup({ dataEventBuckets: [] });
    expect(() => new AuditTrail(stack, "audit", props)).toThrow(/AuditTrail\.dataEventBuckets/);
  });

  it("fails when the lock outlasts the retention", () => {
    const { stack, props } = setup({ objectLockDays: 400, retentionDays: 365 });
    expect(() => new AuditTrail(stack, "audit", props)).toThrow(
      /PrivateBucket\.objectLock: objectLock\.retentionDays must be a whole number from 1 to retentionDays \(365\)/,
    );
  });
});
