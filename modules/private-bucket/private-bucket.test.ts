import { afterEach, describe, expect, it } from "vitest";
import { moduleStack, resourcesOf, type TfJson } from "../../test/template";
import { KmsKey } from "../kms-key";
import { PrivateBucket } from "./private-bucket";

let cleanup: () => void = () => {};
afterEach(() => cleanup());

function setup() {
  const s = moduleStack();
  cleanup = s.cleanup;
  const key = new KmsKey(s.stack, "key", { placement: s.sovereign, aliasName: "k", description: "k" });
  return { ...s, key };
}

const only = (json: TfJson, type: string) => {
  const all = Object.values(resourcesOf(json, type));
  expect(all).toHaveLength(1);
  return all[0] as Record<string, unknown>;
};

describe("PrivateBucket", () => {
  it("blocks every form of public access and disables ACLs", () => {
    const { stack, sovereign, key, synth } = setup();
    new PrivateBucket(stack, "b", { placement: sovereign, bucketName: "env-data-111111111111", encryptionKey: key, retentionDays: 90 });
    const json = synth();
    expect(only(json, "aws_s3_bucket_public_access_block")).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
    expect(only(json, "aws_s3_bucket_ownership_controls")).toMatchObject({ rule: { object_ownership: "BucketOwnerEnforced" } });
    expect(only(json, "aws_s3_bucket")).toMatchObject({ bucket: "env-data-111111111111", force_destroy: false, provider: "aws.sovereign" });
  });

  it("encrypts with the given customer-managed key and a bucket key", () => {
    const { stack, sovereign, key, synth } = setup();
    new PrivateBucket(stack, "b", { placement: sovereign, bucketName: "env-data-111111111111", encryptionKey: key, retentionDays: 90 });
    expect(only(synth(), "aws_s3_bucket_server_side_encryption_configuration").rule).toEqual([
      { apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms", kms_master_key_id: `\${aws_kms_key.key_key.arn}` }, bucket_key_enabled: true },
    ]);
  });

  it("versions objects and bounds current, noncurrent and incomplete uploads", () => {
    const { stack, sovereign, key, synth } = setup();
    new PrivateBucket(stack, "b", { placement: sovereign, bucketName: "env-data-111111111111", encryptionKey: key, retentionDays: 90 });
    const json = synth();
    expect(only(json, "aws_s3_bucket_versioning").versioning_configuration).toEqual({ status: "Enabled" });
    expect(only(json, "aws_s3_bucket_lifecycle_configuration").rule).toEqual([
      expect.objectContaining({
        status: "Enabled",
        expiration: [{ days: 90 }],
        noncurrent_version_expiration: [{ noncurrent_days: 30 }],
        abort_incomplete_multipart_upload: [{ days_after_initiation: 1 }],
      }),
    ]);
  });

  it("keeps noncurrent versions no longer than current ones by default", () => {
    const { stack, sovereign, key, synth } = setup();
    new PrivateBucket(stack, "b", { placement: sovereign, bucketName: "env-data-111111111111", encryptionKey: key, retentionDays: 7 });
    expect(only(synth(), "aws_s3_bucket_lifecycle_configuration").rule).toEqual([expect.objectContaining({ noncurrent_version_expiration: [{ noncurrent_days: 7 }] })]);
  });

  it.each(["Upper-Case", "ab", "a".repeat(64), "ends-with-", "xn--punycode"])("fails when bucketName is %s", (bucketName) => {
    const { stack, sovereign, key } = setup();
    expect(() => new PrivateBucket(stack, "b", { placement: sovereign, bucketName, encryptionKey: key, retentionDays: 1 })).toThrow(/PrivateBucket\.bucketName/);
  });

  it("fails when the key is pinned to the other partition", () => {
    const { stack, commercial, key } = setup();
    expect(() => new PrivateBucket(stack, "b", { placement: commercial, bucketName: "env-data-222222222222", encryptionKey: key, retentionDays: 1 })).toThrow(
      /PrivateBucket\.encryptionKey: .* pinned to another provider than the bucket \(commercial\)/,
    );
  });

  it("fails when retentionDays is not a positive whole number", () => {
    const { stack, sovereign, key } = setup();
    expect(() => new PrivateBucket(stack, "b", { placement: sovereign, bucketName: "env-data-111111111111", encryptionKey: key, retentionDays: 0 })).toThrow(/PrivateBucket\.retentionDays/);
  });
});
