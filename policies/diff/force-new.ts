/**
 * The resource types whose destroy loses data or evidence, why, and the arguments that force
 * Terraform to replace (destroy, then create) them. The provider schema is not available here, so
 * the lists are written down from the hashicorp/aws provider's resource schemas (attributes marked
 * `ForceNew`, provider 6.x: internal/service/{kms/key.go, s3/bucket.go, cloudtrail/trail.go,
 * logs/group.go, organizations/account.go}) and kept conservative: when in doubt an argument is
 * listed, so the review may call a replacement that `terraform plan` then shows as an update, never
 * the other way round. `region` is the provider 6.x per-resource region: a resource cannot move
 * between regions in place.
 */

export interface DangerousType {
  /** What a destroy does to the data or the evidence. */
  readonly loss: string;
  /** Top-level arguments whose change forces a new resource. */
  readonly forceNew: readonly string[];
}

export const DANGEROUS_TYPES: ReadonlyMap<string, DangerousType> = new Map([
  [
    "aws_kms_key",
    {
      loss: "data encrypted under the key cannot be decrypted once its deletion window ends",
      forceNew: [
        "custom_key_store_id",
        "customer_master_key_spec",
        "key_usage",
        "multi_region",
        "region",
        "xks_key_id",
      ],
    },
  ],
  [
    "aws_s3_bucket",
    {
      loss: "the bucket's objects are lost (destroy fails on a non-empty bucket unless force_destroy, which deletes them)",
      forceNew: ["bucket", "bucket_namespace", "bucket_prefix", "object_lock_enabled", "region"],
    },
  ],
  [
    "aws_cloudtrail",
    {
      loss: "API activity is no longer recorded while the trail is gone: loss of evidence",
      forceNew: ["name", "region"],
    },
  ],
  [
    "aws_organizations_account",
    {
      loss: "the account leaves the organization (or is closed when close_on_deletion is set), with everything in it",
      forceNew: ["email", "iam_user_access_to_billing", "name", "role_name"],
    },
  ],
  [
    "aws_cloudwatch_log_group",
    {
      loss: "the log group's events are deleted: loss of evidence",
      forceNew: ["log_group_class", "name", "name_prefix", "region"],
    },
  ],
]);
