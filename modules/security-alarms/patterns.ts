/**
 * The CloudWatch Logs metric filters over the audit trail's CloudTrail records that the run-time
 * security alarms count, with what each alarm means and what to do first.
 *
 * Where a pattern is a CIS AWS Foundations Benchmark v1.4.0 pattern it is copied verbatim from the
 * AWS Security Hub control that checks it (https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html):
 * Security Hub passes CloudWatch.1, .4, .5 and .7 only for the exact text. The others are this
 * platform's. patterns.test.ts proves each against hand-written CloudTrail records.
 */

/** CloudWatch namespace proposed for the metrics (the pattern for namespaces is `[^:*$]*`). */
export const SECURITY_METRIC_NAMESPACE = "SIP/Security";

/**
 * Default of the mass-deletion alarm: successful delete requests in one minute, summed over the
 * buckets whose data events the trail records (the metric per bucket says which).
 */
export const MASS_DELETION_DEFAULT_PER_MINUTE = 100;

/**
 * How the alarm over the metric fires: Sum over `periodSeconds`, one evaluation period,
 * GreaterThanOrEqualToThreshold `threshold`, missing data not breaching (a metric filter emits
 * nothing while nothing matches).
 */
export interface AlarmThreshold {
  readonly statistic: "Sum";
  readonly periodSeconds: 60 | 300;
  readonly evaluationPeriods: 1;
  readonly comparison: "GreaterThanOrEqualToThreshold";
  readonly threshold: number;
  readonly treatMissingData: "notBreaching";
  /** Whether `securityPatterns()` lets the deployment set the threshold. */
  readonly configurable: boolean;
}

export type SecurityPatternId =
  | "kms-key-disabled-or-deleted"
  | "kms-imported-key-material-deleted"
  | "kms-key-policy-changed"
  | "s3-bucket-access-changed"
  | "s3-bucket-protection-changed"
  | "s3-mass-deletion"
  | "root-account-used"
  | "iam-policy-changed"
  | "cloudtrail-changed"
  | "cloudtrail-event-selectors-changed";

export interface SecurityPattern {
  readonly id: SecurityPatternId;
  readonly title: string;
  /** Exactly what goes into `aws_cloudwatch_log_metric_filter.pattern` (at most 1024 characters). */
  readonly pattern: string;
  /** Metric name (at most 255 characters, `[^:*$]*`); the metric value is 1 per matching record. */
  readonly metricName: string;
  /**
   * Metric dimensions: name → selector of the record field. A filter with dimensions can have no
   * default value (the provider's `default_value` conflicts with `dimensions`); at most three.
   * @default - none
   */
  readonly dimensions?: Readonly<Record<string, string>>;
  readonly threshold: AlarmThreshold;
  /**
   * Failed calls (records with an `errorCode`): `counted` when an attempt is itself the signal,
   * `not counted` when only a success does harm.
   */
  readonly failedCalls: "counted" | "not counted";
  /** The CloudTrail event names the pattern claims; none when it is about the caller (root use). */
  readonly eventNames: readonly string[];
  /** Where the pattern comes from. */
  readonly source: string;
  /** What an alarm means and what to do first. */
  readonly runbook: string;
}

const ANY_IN_5_MINUTES: AlarmThreshold = {
  statistic: "Sum",
  periodSeconds: 300,
  evaluationPeriods: 1,
  comparison: "GreaterThanOrEqualToThreshold",
  threshold: 1,
  treatMissingData: "notBreaching",
  configurable: false,
};

const PLATFORM = "this platform";

/** `{ ($.eventSource = "…") && (($.eventName = "…") || …) }` */
function eventsOf(eventSource: string, eventNames: readonly string[]): string {
  const names = eventNames.map((name) => `($.eventName = "${name}")`).join(" || ");
  return `{ ($.eventSource = "${eventSource}") && (${eventNames.length > 1 ? `(${names})` : names}) }`;
}

const KMS_DISABLE: SecurityPattern = {
  id: "kms-key-disabled-or-deleted",
  title: "KMS key disabled or scheduled for deletion",
  pattern: "{($.eventSource=kms.amazonaws.com) && (($.eventName=DisableKey) || ($.eventName=ScheduleKeyDeletion))}",
  metricName: "KmsKeyDisabledOrDeletionScheduled",
  threshold: ANY_IN_5_MINUTES,
  failedCalls: "counted",
  eventNames: ["DisableKey", "ScheduleKeyDeletion"],
  source: "CIS AWS Foundations Benchmark v1.4.0 4.7, verbatim (Security Hub CloudWatch.7)",
  runbook:
    "Data under the key becomes unreadable (disabled now, destroyed after the waiting period). First: find the key (requestParameters.keyId) and the caller; if not an approved change, EnableKey or CancelKeyDeletion, then revoke the caller's session. A denied attempt is an intrusion signal too.",
};

const KMS_MATERIAL: SecurityPattern = {
  id: "kms-imported-key-material-deleted",
  title: "Imported key material deleted from a KMS key (BYOK)",
  pattern: eventsOf("kms.amazonaws.com", ["DeleteImportedKeyMaterial"]),
  metricName: "KmsImportedKeyMaterialDeleted",
  threshold: ANY_IN_5_MINUTES,
  failedCalls: "counted",
  eventNames: ["DeleteImportedKeyMaterial"],
  source: `${PLATFORM} (the BYOK keys of KmsKey importedKeyMaterial; CIS 4.7 does not cover it)`,
  runbook:
    "The key is unusable at once (state PendingImport) until the same material is imported again. First: find the key and the caller; re-import the escrowed material if the deletion was not approved, then revoke the caller's session.",
};

const KMS_POLICY: SecurityPattern = {
  id: "kms-key-policy-changed",
  title: "KMS key policy changed",
  pattern: eventsOf("kms.amazonaws.com", ["PutKeyPolicy"]),
  metricName: "KmsKeyPolicyChanged",
  threshold: ANY_IN_5_MINUTES,
  failedCalls: "counted",
  eventNames: ["PutKeyPolicy"],
  source: `${PLATFORM}. CreateGrant is deliberately not counted: AWS services (Lambda, CloudWatch Logs, S3 bucket keys) create grants in normal operation`,
  runbook:
    "Who may use or administer a key changed. Expected only from the deploy role during a Terraform apply that changes the key's policy. First: compare requestParameters.policy with the plan; if unexpected, put back the policy from Terraform state and revoke the caller's session.",
};

const S3_ACCESS: SecurityPattern = {
  id: "s3-bucket-access-changed",
  title: "S3 bucket policy, ACL, Block Public Access or object ownership changed",
  pattern: eventsOf("s3.amazonaws.com", [
    "PutBucketPolicy",
    "DeleteBucketPolicy",
    "PutBucketAcl",
    "PutBucketPublicAccessBlock",
    "DeleteBucketPublicAccessBlock",
    "PutAccountPublicAccessBlock",
    "DeleteAccountPublicAccessBlock",
    "PutBucketOwnershipControls",
    "DeleteBucketOwnershipControls",
  ]),
  metricName: "S3BucketAccessChanged",
  threshold: ANY_IN_5_MINUTES,
  failedCalls: "counted",
  eventNames: [
    "PutBucketPolicy",
    "DeleteBucketPolicy",
    "PutBucketAcl",
    "PutBucketPublicAccessBlock",
    "DeleteBucketPublicAccessBlock",
    "PutAccountPublicAccessBlock",
    "DeleteAccountPublicAccessBlock",
    "PutBucketOwnershipControls",
    "DeleteBucketOwnershipControls",
  ],
  source: `${PLATFORM}. The account-level Block Public Access calls go to the s3-control endpoint but are recorded with eventSource s3.amazonaws.com`,
  runbook:
    "Who may reach a bucket may have changed (made public, ACLs re-enabled, the VPC-endpoint or TLS denies removed). Expected only from the deploy role during a Terraform apply. First: read the bucket's policy and Block Public Access now; if unexpected, re-apply Terraform and revoke the caller's session.",
};

const S3_PROTECTION: SecurityPattern = {
  id: "s3-bucket-protection-changed",
  title: "S3 bucket lifecycle, replication, CORS, encryption or versioning changed",
  pattern: eventsOf("s3.amazonaws.com", [
    "PutBucketLifecycle",
    "DeleteBucketLifecycle",
    "PutBucketReplication",
    "DeleteBucketReplication",
    "PutBucketCors",
    "DeleteBucketCors",
    "PutBucketEncryption",
    "DeleteBucketEncryption",
    "PutBucketVersioning",
  ]),
  metricName: "S3BucketProtectionChanged",
  threshold: ANY_IN_5_MINUTES,
  failedCalls: "counted",
  eventNames: [
    "PutBucketLifecycle",
    "DeleteBucketLifecycle",
    "PutBucketReplication",
    "DeleteBucketReplication",
    "PutBucketCors",
    "DeleteBucketCors",
    "PutBucketEncryption",
    "DeleteBucketEncryption",
    "PutBucketVersioning",
  ],
  source: `${PLATFORM}: the rest of CIS 4.8 (CloudWatch.8) plus encryption and versioning. Lifecycle expirations delete objects without DeleteObject records, so a lifecycle change is the only trace of that route`,
  runbook:
    "A rule that deletes (lifecycle), copies out (replication), opens browser access (CORS) or weakens encryption or versioning changed. Expected only from the deploy role during a Terraform apply. First: compare the bucket's configuration with Terraform; if unexpected, re-apply and revoke the caller's session.",
};

function massDeletion(perMinute: number): SecurityPattern {
  return {
    id: "s3-mass-deletion",
    title: "Mass deletion of S3 objects",
    pattern:
      '{ ($.eventSource = "s3.amazonaws.com") && (($.eventName = "DeleteObject") || ($.eventName = "DeleteObjects")) && ($.errorCode NOT EXISTS) && ($.requestParameters.bucketName = "*") }',
    metricName: "S3ObjectDeleteRequests",
    dimensions: { Bucket: "$.requestParameters.bucketName" },
    threshold: { ...ANY_IN_5_MINUTES, periodSeconds: 60, threshold: perMinute, configurable: true },
    failedCalls: "not counted",
    eventNames: ["DeleteObject", "DeleteObjects"],
    source: `${PLATFORM}; counts requests, per bucket and in all, of the data events the audit trail records for the platform buckets. One DeleteObjects request deletes up to 1,000 objects and its record names none of them`,
    runbook:
      "Many objects deleted within a minute in the buckets the trail records (the metric's Bucket dimension names which; a versioned bucket keeps them as noncurrent versions until the lifecycle removes them). First: check whether a subject erasure or a failback ran then (their logs name the bucket); if not, find the caller in the records, revoke its session, and restore the noncurrent versions before the lifecycle expires them.",
  };
}

const ROOT: SecurityPattern = {
  id: "root-account-used",
  title: "Root user used",
  pattern: '{$.userIdentity.type="Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType !="AwsServiceEvent"}',
  metricName: "RootAccountUsage",
  threshold: ANY_IN_5_MINUTES,
  failedCalls: "counted",
  eventNames: [],
  source: "CIS AWS Foundations Benchmark v1.4.0 4.3 (1.7), verbatim (Security Hub CloudWatch.1)",
  runbook:
    "Someone signed in or called an API as the root user (calls made by an AWS service on root's behalf are left out). Only the break-glass procedure may do so. First: confirm with the holder of the root credentials; if nobody claims it, rotate the root password, check its MFA, and read every record of that session.",
};

const IAM_POLICY_EVENTS = [
  "DeleteGroupPolicy",
  "DeleteRolePolicy",
  "DeleteUserPolicy",
  "PutGroupPolicy",
  "PutRolePolicy",
  "PutUserPolicy",
  "CreatePolicy",
  "DeletePolicy",
  "CreatePolicyVersion",
  "DeletePolicyVersion",
  "AttachRolePolicy",
  "DetachRolePolicy",
  "AttachUserPolicy",
  "DetachUserPolicy",
  "AttachGroupPolicy",
  "DetachGroupPolicy",
] as const;

const IAM_POLICY: SecurityPattern = {
  id: "iam-policy-changed",
  title: "IAM policy changed",
  pattern: `{${IAM_POLICY_EVENTS.map((name) => `($.eventName=${name})`).join(" || ")}}`,
  metricName: "IAMPolicyChanges",
  threshold: ANY_IN_5_MINUTES,
  failedCalls: "counted",
  eventNames: IAM_POLICY_EVENTS,
  source:
    "CIS AWS Foundations Benchmark v1.4.0 4.4, verbatim (Security Hub CloudWatch.4). It names no eventSource, so Auto Scaling's DeletePolicy also counts (AWS documents this); the platform has no Auto Scaling",
  runbook:
    "What an identity may do changed. Expected only from the deploy role during a Terraform apply. First: compare the policy (requestParameters.policyDocument or policyArn) with the plan; if unexpected, re-apply Terraform and revoke the caller's session.",
};

const CLOUDTRAIL: SecurityPattern = {
  id: "cloudtrail-changed",
  title: "CloudTrail trail created, changed, deleted, started or stopped",
  pattern:
    "{($.eventName=CreateTrail) || ($.eventName=UpdateTrail) || ($.eventName=DeleteTrail) || ($.eventName=StartLogging) || ($.eventName=StopLogging)}",
  metricName: "CloudTrailChanges",
  threshold: ANY_IN_5_MINUTES,
  failedCalls: "counted",
  eventNames: ["CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging"],
  source: "CIS AWS Foundations Benchmark v1.4.0 4.5, verbatim (Security Hub CloudWatch.5)",
  runbook:
    "The audit trail may have stopped recording (StopLogging, DeleteTrail) or changed where it delivers. Expected only from the deploy role during a Terraform apply. First: check the trail's status (GetTrailStatus IsLogging); if unexpected, StartLogging / re-apply Terraform, then revoke the caller's session.",
};

const CLOUDTRAIL_SELECTORS: SecurityPattern = {
  id: "cloudtrail-event-selectors-changed",
  title: "CloudTrail event selectors changed",
  pattern: eventsOf("cloudtrail.amazonaws.com", ["PutEventSelectors"]),
  metricName: "CloudTrailEventSelectorsChanged",
  threshold: ANY_IN_5_MINUTES,
  failedCalls: "counted",
  eventNames: ["PutEventSelectors"],
  source: `${PLATFORM}, beside CIS 4.5 (kept verbatim)`,
  runbook:
    "What the trail records changed: dropping the data-event selector blinds the mass-deletion alarm, dropping management events blinds all others. Expected only during a Terraform apply. First: read the trail's selectors (GetEventSelectors); if unexpected, re-apply Terraform and revoke the caller's session.",
};

/**
 * The catalogue, in the order of the README table.
 * @param options.massDeletionPerMinute successful delete requests in one minute, over all recorded buckets, that
 *   raise the mass-deletion alarm (a positive integer); default MASS_DELETION_DEFAULT_PER_MINUTE.
 */
export function securityPatterns(
  options: { readonly massDeletionPerMinute?: number } = {},
): readonly SecurityPattern[] {
  const perMinute = options.massDeletionPerMinute ?? MASS_DELETION_DEFAULT_PER_MINUTE;
  if (!Number.isInteger(perMinute) || perMinute < 1) {
    throw new RangeError(`securityPatterns: massDeletionPerMinute must be a positive integer (value: ${perMinute})`);
  }
  return [
    KMS_DISABLE,
    KMS_MATERIAL,
    KMS_POLICY,
    S3_ACCESS,
    S3_PROTECTION,
    massDeletion(perMinute),
    ROOT,
    IAM_POLICY,
    CLOUDTRAIL,
    CLOUDTRAIL_SELECTORS,
  ];
}

/** The catalogue with its defaults. */
export const SECURITY_PATTERNS: readonly SecurityPattern[] = securityPatterns();
