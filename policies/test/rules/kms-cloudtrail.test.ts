import { TrailBucketObjectLock } from "../../rules/cloudtrail/TrailBucketObjectLock";
import { TrailCloudWatchLogs } from "../../rules/cloudtrail/TrailCloudWatchLogs";
import { TrailKmsEncryption } from "../../rules/cloudtrail/TrailKmsEncryption";
import { TrailLogFileValidation } from "../../rules/cloudtrail/TrailLogFileValidation";
import { TrailLogging } from "../../rules/cloudtrail/TrailLogging";
import { TrailMultiRegion } from "../../rules/cloudtrail/TrailMultiRegion";
import { TrailSecurityAlarms } from "../../rules/cloudtrail/TrailSecurityAlarms";
import { KeyPolicyNoPublicPrincipal } from "../../rules/kms/KeyPolicyNoPublicPrincipal";
import { KeyPolicyExplicit } from "../../rules/kms/KeyPolicyExplicit";
import { KeyRotation } from "../../rules/kms/KeyRotation";
import { describeRules } from "../harness";

const TRAIL = "aws_cloudtrail.audit";
const ct = (rule: string, i: number) => `cloudtrail/${rule}/noncompliant-${i}.tf.json`;

describeRules([
  {
    rule: KeyPolicyExplicit,
    compliant: ["kms/compliant.tf.json"],
    noncompliant: [["kms/KeyPolicyExplicit/noncompliant-1.tf.json", ["aws_kms_key.k"]]],
  },
  {
    rule: KeyRotation,
    compliant: ["kms/compliant.tf.json"],
    noncompliant: [
      ["kms/KeyRotation/noncompliant-1.tf.json", ["aws_kms_key.k"]],
      ["kms/KeyRotation/noncompliant-2.tf.json", ["aws_kms_key.unset"]],
      // issue 15 probe: a key spec or usage KMS does not spell so exempted a symmetric key
      ["kms/KeyRotation/noncompliant-3.tf.json", ["aws_kms_key.lower-case-spec", "aws_kms_key.spaced-usage"]],
    ],
  },
  {
    rule: KeyPolicyNoPublicPrincipal,
    compliant: ["kms/compliant.tf.json"],
    noncompliant: [
      ["kms/KeyPolicyNoPublicPrincipal/noncompliant-1.tf.json", ["aws_kms_key.k"]],
      ["kms/KeyPolicyNoPublicPrincipal/noncompliant-2.tf.json", ["aws_kms_key_policy.p"]],
      ["kms/KeyPolicyNoPublicPrincipal/noncompliant-3.tf.json", ["aws_kms_external_key.byok"]],
      // kms:ViaService alone: any account's principals can call S3
      ["kms/KeyPolicyNoPublicPrincipal/noncompliant-4.tf.json", ["aws_kms_key.k"]],
      // StringLike aws:PrincipalArn "*" matches everyone
      ["kms/KeyPolicyNoPublicPrincipal/noncompliant-5.tf.json", ["aws_kms_key.k"]],
      // ...IfExists passes requests without the key
      ["kms/KeyPolicyNoPublicPrincipal/noncompliant-6.tf.json", ["aws_kms_key.k"]],
      // "*" among other principals
      ["kms/KeyPolicyNoPublicPrincipal/noncompliant-7.tf.json", ["aws_kms_key.k"]],
      // "*" in a Principal written as a list, not a map (checkov CKV_AWS_33's fixture)
      ["kms/KeyPolicyNoPublicPrincipal/noncompliant-8.tf.json", ["aws_kms_key.k"]],
      // a key policy that is not valid JSON fails closed
      ["kms/KeyPolicyNoPublicPrincipal/noncompliant-9.tf.json", ["aws_kms_key.k"]],
      // issue 15 probes: Allow with NotPrincipal; ForAllValues on kms:CallerAccount (true when absent)
      ["kms/KeyPolicyNoPublicPrincipal/noncompliant-10.tf.json", ["aws_kms_key.k"]],
      ["kms/KeyPolicyNoPublicPrincipal/noncompliant-11.tf.json", ["aws_kms_key.k"]],
    ],
  },
  {
    rule: TrailLogging,
    compliant: ["cloudtrail/compliant.tf.json"],
    noncompliant: [
      // a stopped trail passes every other CloudTrail rule
      [ct("TrailLogging", 1), [TRAIL]],
      // a value the checker cannot evaluate fails closed
      [ct("TrailLogging", 2), [TRAIL]],
      // issue 15 probe: a logging trail whose selectors select no event
      [ct("TrailLogging", 3), ["aws_cloudtrail.records-nothing"]],
    ],
  },
  {
    rule: TrailLogFileValidation,
    compliant: ["cloudtrail/compliant.tf.json"],
    noncompliant: [
      [ct("TrailLogFileValidation", 1), [TRAIL]],
      // issue 15 probe: validation set, but lifecycle.ignore_changes leaves an imported trail as it is
      [ct("TrailLogFileValidation", 2), ["aws_cloudtrail.ignore-all", "aws_cloudtrail.imported"]],
    ],
  },
  {
    rule: TrailKmsEncryption,
    compliant: ["cloudtrail/compliant.tf.json"],
    noncompliant: [
      [ct("TrailKmsEncryption", 1), [TRAIL]],
      // issue 15 probe: a literal key ARN of another account than the provider's allowed_account_ids
      [ct("TrailKmsEncryption", 2), ["aws_cloudtrail.foreign"]],
    ],
  },
  {
    rule: TrailBucketObjectLock,
    compliant: ["cloudtrail/compliant.tf.json"],
    noncompliant: [
      [ct("TrailBucketObjectLock", 1), [TRAIL]],
      [ct("TrailBucketObjectLock", 2), [TRAIL]],
      // issue 15 probes: a second lock configuration without retention (applied last wins), one under a
      // count that may be 1, a default retention of 0 days
      [ct("TrailBucketObjectLock", 3), ["aws_cloudtrail.maybe", "aws_cloudtrail.second", "aws_cloudtrail.zero"]],
      // issue 15 probe: a default retention shorter than a year (1 day, 364 days, 1 day inline)
      [
        ct("TrailBucketObjectLock", 4),
        ["aws_cloudtrail.governance-day", "aws_cloudtrail.one-day", "aws_cloudtrail.under-a-year"],
      ],
    ],
  },
  {
    rule: TrailMultiRegion,
    // its data-only trails (audit-data-advanced, audit-data-basic) stay in one region beside the
    // multi-region management trail of their account (the old rule reported both)
    compliant: ["cloudtrail/compliant.tf.json"],
    noncompliant: [
      [ct("TrailMultiRegion", 1), [TRAIL]],
      // issue 15 probe: include_global_service_events "False" is not true
      [ct("TrailMultiRegion", 2), ["aws_cloudtrail.capital-false"]],
      // issue 15: a data-only trail is exempt only through a real management trail of its account
      // (not a decoy under count = 0, a stopped, single-region or read-only one, or one in another
      // account), and a trail with management selectors is no data-only trail
      [
        ct("TrailMultiRegion", 3),
        [
          "aws_cloudtrail.alone-data",
          "aws_cloudtrail.decoy-data",
          "aws_cloudtrail.mine-data",
          "aws_cloudtrail.reads-basic-default",
          "aws_cloudtrail.reads-data",
          "aws_cloudtrail.reads-mixed",
          "aws_cloudtrail.single-data",
          "aws_cloudtrail.single-management",
          "aws_cloudtrail.stopped-data",
        ],
      ],
    ],
  },
  {
    rule: TrailCloudWatchLogs,
    compliant: ["cloudtrail/compliant.tf.json"],
    noncompliant: [[ct("TrailCloudWatchLogs", 1), [TRAIL]]],
  },
  {
    rule: TrailSecurityAlarms,
    // The alarms of modules/security-alarms' kind on the trail's log group; a data-only trail is out of scope.
    compliant: ["cloudtrail/compliant.tf.json"],
    noncompliant: [
      // no metric filter at all
      [ct("TrailSecurityAlarms", 1), ["aws_cloudtrail.trail"]],
      // root use alarmed without an action, the trail's own changes not counted, IAM counted on another log group
      [ct("TrailSecurityAlarms", 2), ["aws_cloudtrail.trail"]],
    ],
  },
]);
