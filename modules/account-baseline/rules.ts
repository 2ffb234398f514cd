/**
 * The AWS Config rules of the account baseline, and the Service Control Policy statement the
 * baseline relies on for "no default VPC use" (modules/account-baseline/README.md).
 */
import type { Statement } from "../../policies/documents/policy-document";

/** An AWS managed Config rule: its identifier and the concern of the platform it watches. */
export interface ManagedRule {
  /** Suffix of the rule name (`<name>-<suffix>`). */
  readonly suffix: string;
  /** The managed rule's identifier (`source.source_identifier`). */
  readonly identifier: string;
  readonly description: string;
}

/**
 * The managed rules that matter for this platform, checked against the AWS Config managed rules list
 * (docs.aws.amazon.com/config/latest/developerguide/<rule>.html). Root use itself is an event, not a
 * configuration: the organization trail and the `root-account-used` security alarm catch it; these
 * rules catch the state that makes root use dangerous.
 */
export const BASELINE_MANAGED_RULES: readonly ManagedRule[] = [
  {
    suffix: "s3-bucket-public-read-prohibited",
    identifier: "S3_BUCKET_PUBLIC_READ_PROHIBITED",
    description: "Public buckets: no bucket allows public read access",
  },
  {
    suffix: "s3-bucket-public-write-prohibited",
    identifier: "S3_BUCKET_PUBLIC_WRITE_PROHIBITED",
    description: "Public buckets: no bucket allows public write access",
  },
  {
    suffix: "s3-account-level-public-access-blocks-periodic",
    identifier: "S3_ACCOUNT_LEVEL_PUBLIC_ACCESS_BLOCKS_PERIODIC",
    description: "Public buckets: the account-level S3 Block Public Access stays on",
  },
  {
    suffix: "encrypted-volumes",
    identifier: "ENCRYPTED_VOLUMES",
    description: "Unencrypted volumes: every attached EBS volume is encrypted",
  },
  {
    suffix: "ec2-ebs-encryption-by-default",
    identifier: "EC2_EBS_ENCRYPTION_BY_DEFAULT",
    description: "Unencrypted volumes: EBS encryption by default stays on",
  },
  {
    suffix: "root-account-mfa-enabled",
    identifier: "ROOT_ACCOUNT_MFA_ENABLED",
    description: "Root use: the root user signs in only with MFA (NOT_APPLICABLE without root credentials)",
  },
  {
    suffix: "iam-root-access-key-check",
    identifier: "IAM_ROOT_ACCESS_KEY_CHECK",
    description: "Root use: the root user has no access keys",
  },
  {
    suffix: "vpc-default-security-group-closed",
    identifier: "VPC_DEFAULT_SECURITY_GROUP_CLOSED",
    description: "No default VPC use: every default security group is closed (an untouched default VPC fails)",
  },
];

/**
 * Cross-region (and any other) replication: no AWS managed rule reports a bucket that replicates.
 * S3_BUCKET_REPLICATION_ENABLED and S3_BUCKET_CROSS_REGION_REPLICATION_ENABLED are NON_COMPLIANT for
 * buckets that do *not* replicate, the opposite of what a residency platform wants. This AWS Config
 * Custom Policy rule (Guard 2) reports every bucket with a replication configuration instead: in a
 * tenant account no bucket replicates; data leaves only through the platform's sync function.
 * `BucketReplicationConfiguration` is the S3 supplementary configuration item that AWS Config records
 * for a bucket's replication; verify the rule on first deployment (README).
 */
export const NO_REPLICATION_GUARD_POLICY = [
  'rule s3_bucket_does_not_replicate when resourceType == "AWS::S3::Bucket" {',
  "  supplementaryConfiguration.BucketReplicationConfiguration !exists",
  "}",
].join("\n");

/** Suffix of the custom policy rule's name. */
export const NO_REPLICATION_RULE_SUFFIX = "s3-bucket-no-replication";

/**
 * For the Service Control Policy on the tenant accounts' organizational unit (the lead's, not this
 * module's): once the default VPC is deleted at account vending, nobody in the account can create it
 * (or a default subnet) again. The baseline does not manage the default VPC itself (README).
 */
export const NO_DEFAULT_VPC_SCP_STATEMENT: Statement = {
  Sid: "DenyDefaultVpc",
  Effect: "Deny",
  Action: ["ec2:CreateDefaultSubnet", "ec2:CreateDefaultVpc"],
  Resource: "*",
};

/**
 * Regions in which AWS Config records the global IAM resource types (those where Config was
 * available before February 2022; AWS Config developer guide, "Recording global resources"): the
 * EU regions of the commercial partition that predate it. Not eusc-de-east-1, not eu-south-2.
 */
export const GLOBAL_RESOURCE_RECORDING_REGIONS: ReadonlySet<string> = new Set([
  "eu-central-1",
  "eu-north-1",
  "eu-south-1",
  "eu-west-1",
  "eu-west-3",
]);
