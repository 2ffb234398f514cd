import { BucketAccessLogging } from "../../rules/s3/BucketAccessLogging";
import { BucketLifecycle } from "../../rules/s3/BucketLifecycle";
import { BucketOwnerEnforced } from "../../rules/s3/BucketOwnerEnforced";
import { BucketPolicyNotPublic } from "../../rules/s3/BucketPolicyNotPublic";
import { BucketSingleNotification } from "../../rules/s3/BucketSingleNotification";
import { BucketPublicAccessBlock } from "../../rules/s3/BucketPublicAccessBlock";
import { BucketSseKmsCmk } from "../../rules/s3/BucketSseKmsCmk";
import { BucketTlsOnlyPolicy } from "../../rules/s3/BucketTlsOnlyPolicy";
import { BucketVersioning } from "../../rules/s3/BucketVersioning";
import { BucketVpcEndpointPolicy } from "../../rules/s3/BucketVpcEndpointPolicy";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { describeRules, evaluate, FIXTURES } from "../harness";

const C = ["s3/compliant.tf.json"];
const n = (rule: string, i: number) => `s3/${rule}/noncompliant-${i}.tf.json`;

describeRules([
  {
    rule: BucketSingleNotification,
    compliant: C,
    noncompliant: [
      // two notification configurations for one bucket: the one applied last wins
      [n("BucketSingleNotification", 1), ["aws_s3_bucket_notification.b", "aws_s3_bucket_notification.b-again"]],
      // a bucket the checker cannot evaluate fails closed
      [n("BucketSingleNotification", 2), ["aws_s3_bucket_notification.b"]],
      // issue 15 probes, each passed before: the same bucket by reference and by literal name, and one
      // block with count = 2 or a for_each of two (a notification under count = 0 is no second one)
      [
        n("BucketSingleNotification", 3),
        [
          "aws_s3_bucket_notification.by-name",
          "aws_s3_bucket_notification.by-name-again",
          "aws_s3_bucket_notification.counted",
          "aws_s3_bucket_notification.each",
        ],
      ],
    ],
  },
  {
    rule: BucketPublicAccessBlock,
    compliant: C,
    noncompliant: [
      [n("BucketPublicAccessBlock", 1), ["aws_s3_bucket.b"]],
      [n("BucketPublicAccessBlock", 2), ["aws_s3_bucket_public_access_block.b"]],
      // a public access block that weakens a bucket declared elsewhere
      [n("BucketPublicAccessBlock", 3), ["aws_s3_bucket_public_access_block.elsewhere"]],
      // a public access block under count = 0 is never created (issue 15 probe: decoy)
      [n("BucketPublicAccessBlock", 4), ["aws_s3_bucket.c"]],
    ],
  },
  {
    rule: BucketOwnerEnforced,
    compliant: C,
    noncompliant: [
      [n("BucketOwnerEnforced", 1), ["aws_s3_bucket.b"]],
      [n("BucketOwnerEnforced", 2), ["aws_s3_bucket_acl.b", "aws_s3_bucket_ownership_controls.b"]],
      // issue 15 probes, each passed before: an ACL or ObjectWriter controls under a count that may be
      // 1, an ACL whose bucket is computed, an ACL and ObjectWriter controls for a bucket declared elsewhere
      [
        n("BucketOwnerEnforced", 3),
        [
          "aws_s3_bucket_acl.acl-computed",
          "aws_s3_bucket_acl.acl-maybe",
          "aws_s3_bucket_acl.elsewhere",
          "aws_s3_bucket_ownership_controls.elsewhere",
          "aws_s3_bucket_ownership_controls.second-maybe-writer",
        ],
      ],
    ],
  },
  {
    rule: BucketSseKmsCmk,
    compliant: C,
    noncompliant: [
      [n("BucketSseKmsCmk", 1), ["aws_s3_bucket.b"]],
      [n("BucketSseKmsCmk", 2), ["aws_s3_bucket_server_side_encryption_configuration.b"]],
      [n("BucketSseKmsCmk", 3), ["aws_s3_bucket_server_side_encryption_configuration.b"]],
      // Issue 15 probe: kms_master_key_id is the AWS managed aws/s3 key, looked up through data.aws_kms_alias.
      [n("BucketSseKmsCmk", 4), ["aws_s3_bucket_server_side_encryption_configuration.b"]],
      // issue 15 probe: a literal key ARN of another account than the provider's allowed_account_ids
      [n("BucketSseKmsCmk", 5), ["aws_s3_bucket_server_side_encryption_configuration.foreign"]],
    ],
  },
  {
    rule: BucketTlsOnlyPolicy,
    compliant: C,
    noncompliant: [
      [n("BucketTlsOnlyPolicy", 1), ["aws_s3_bucket.b"]],
      [n("BucketTlsOnlyPolicy", 2), ["aws_s3_bucket.b"]],
      // issue 15 probes, each passed before: a deny of listed actions or s3:*Object, of objects under a
      // prefix only, under a further condition, to a wildcard-account principal (denies no one); the
      // deny in a policy under count = 0, or in one of two policies of the bucket (the last applied wins)
      [
        n("BucketTlsOnlyPolicy", 3),
        [
          "aws_s3_bucket.decoy",
          "aws_s3_bucket.extra-condition",
          "aws_s3_bucket.inline",
          "aws_s3_bucket.listed-actions",
          "aws_s3_bucket.object-as-bucket",
          "aws_s3_bucket.object-wildcard",
          "aws_s3_bucket.prefix",
          "aws_s3_bucket.two-policies",
          "aws_s3_bucket.wildcard-account",
        ],
      ],
    ],
  },
  {
    rule: BucketVpcEndpointPolicy,
    compliant: C,
    noncompliant: [
      [n("BucketVpcEndpointPolicy", 1), ["aws_s3_bucket.b"]],
      [n("BucketVpcEndpointPolicy", 2), ["aws_s3_bucket.b"]],
      // the deny is neutralised by an exception that matches everyone (StringNotLike aws:PrincipalArn "*")
      [n("BucketVpcEndpointPolicy", 3), ["aws_s3_bucket.b"]],
      // aws:SourceVpce "*": any endpoint, anyone's
      [n("BucketVpcEndpointPolicy", 4), ["aws_s3_bucket.b"]],
      // a further condition (a principal tag) switches the deny off for whoever sets the tag
      [n("BucketVpcEndpointPolicy", 5), ["aws_s3_bucket.b"]],
      // issue 15 probes, each passed before: objects under a prefix only, GetObject and PutObject only
      // (deletes and listings open), a wildcard-account principal, the deny under count = 0 or a
      // for_each that may be empty, in one of two policies; a bucket whose partition is unknown
      [
        n("BucketVpcEndpointPolicy", 6),
        [
          "aws_s3_bucket.decoy",
          "aws_s3_bucket.get-put-only",
          "aws_s3_bucket.maybe",
          "aws_s3_bucket.prefix",
          "aws_s3_bucket.two-policies",
          "aws_s3_bucket.unplaced",
          "aws_s3_bucket.wildcard-account",
        ],
      ],
      // issue 15 probes: an aws:PrincipalArn exception that covers a whole account (<account>:*,
      // role/*, role/?*, every assumed-role session) switches the deny off for all of its principals
      [
        n("BucketVpcEndpointPolicy", 7),
        [
          "aws_s3_bucket.every-role",
          "aws_s3_bucket.every-role-named",
          "aws_s3_bucket.every-session",
          "aws_s3_bucket.whole-account",
        ],
      ],
    ],
  },
  {
    rule: BucketVersioning,
    compliant: C,
    noncompliant: [
      [n("BucketVersioning", 1), ["aws_s3_bucket.b"]],
      [n("BucketVersioning", 2), ["aws_s3_bucket_versioning.b"]],
      // issue 15 probe: a versioning block under an empty for_each is never created
      [n("BucketVersioning", 3), ["aws_s3_bucket.c"]],
    ],
  },
  {
    rule: BucketLifecycle,
    compliant: C,
    noncompliant: [
      [n("BucketLifecycle", 1), ["aws_s3_bucket.b"]],
      [n("BucketLifecycle", 2), ["aws_s3_bucket_lifecycle_configuration.b"]],
      // the only rule is limited to a prefix, or to tagged objects: the others never expire
      [n("BucketLifecycle", 3), ["aws_s3_bucket_lifecycle_configuration.b"]],
      [n("BucketLifecycle", 4), ["aws_s3_bucket_lifecycle_configuration.b"]],
      // issue 15 probes, each passed before: a second, disabled configuration (the last applied wins),
      // the actions split over two configurations or over the inline rules and a configuration,
      // expiration after 0 days (the provider omits it), newer_noncurrent_versions that keeps versions
      [
        n("BucketLifecycle", 5),
        [
          "aws_s3_bucket.inline",
          "aws_s3_bucket_lifecycle_configuration.inline",
          "aws_s3_bucket_lifecycle_configuration.newer-versions",
          "aws_s3_bucket_lifecycle_configuration.second-disabled",
          "aws_s3_bucket_lifecycle_configuration.split",
          "aws_s3_bucket_lifecycle_configuration.split-expiry",
          "aws_s3_bucket_lifecycle_configuration.zero-days",
        ],
      ],
      // issue 15 probe, each passed before: expirations beyond the data class's retentionDays, or
      // beyond ten years without a class (36500 days, a date in 2999, noncurrent versions too)
      [
        n("BucketLifecycle", 6),
        [
          "aws_s3_bucket_lifecycle_configuration.class-noncurrent-too-long",
          "aws_s3_bucket_lifecycle_configuration.class-too-long",
          "aws_s3_bucket_lifecycle_configuration.default-tag-class",
          "aws_s3_bucket_lifecycle_configuration.far-date",
          "aws_s3_bucket_lifecycle_configuration.far-future",
          "aws_s3_bucket_lifecycle_configuration.noncurrent-forever",
          "aws_s3_bucket_lifecycle_configuration.prefix-only-short",
        ],
      ],
    ],
  },
  {
    rule: BucketAccessLogging,
    compliant: C,
    noncompliant: [
      [n("BucketAccessLogging", 1), ["aws_s3_bucket.b"]],
      // audit-logs receives the trail's log files but carries DataClass identity and denies no other
      // writes: no dedicated log bucket, so its own requests must be recorded too (issue 15)
      [n("BucketAccessLogging", 2), ["aws_s3_bucket.audit-logs", "aws_s3_bucket.b"]],
      // issue 15 probes, each passed before: data events for a key prefix only, from a stopped trail,
      // a trail under count = 0, an advanced selector narrowed to one event or excluding the bucket, a
      // single-region trail in another region; a bucket exempted by a logging decoy under count = 0
      [
        n("BucketAccessLogging", 3),
        [
          "aws_s3_bucket.decoy",
          "aws_s3_bucket.excluded",
          "aws_s3_bucket.log-target-decoy",
          "aws_s3_bucket.narrowed",
          "aws_s3_bucket.other-region",
          "aws_s3_bucket.prefix",
          "aws_s3_bucket.stopped",
        ],
      ],
      // issue 15 probe, each passed before: a data bucket exempt as another bucket's log target, and
      // log targets with a class whose deny of other object writes proves nothing
      [
        n("BucketAccessLogging", 4),
        [
          "aws_s3_bucket.data-target",
          "aws_s3_bucket.data-trail-target",
          "aws_s3_bucket.deny-put-only",
          "aws_s3_bucket.deny-wildcard",
          "aws_s3_bucket.deny-with-condition",
          "aws_s3_bucket.second-policy",
        ],
      ],
    ],
  },
  {
    rule: BucketPolicyNotPublic,
    compliant: C,
    noncompliant: [
      [n("BucketPolicyNotPublic", 1), ["aws_s3_bucket_policy.b"]],
      [n("BucketPolicyNotPublic", 2), ["aws_s3_bucket_policy.b"]],
      // aws:PrincipalArn "arn:aws:iam::*:*" matches every principal of every account
      [n("BucketPolicyNotPublic", 3), ["aws_s3_bucket_policy.b"]],
      // kms:ViaService names a service, not a caller
      [n("BucketPolicyNotPublic", 4), ["aws_s3_bucket_policy.b"]],
      // issue 15 probes: Allow with NotPrincipal (everyone but one role)
      [n("BucketPolicyNotPublic", 5), ["aws_s3_bucket_policy.c"]],
      // ForAllValues over a single-valued key is true when the key is absent (anonymous callers)
      [n("BucketPolicyNotPublic", 6), ["aws_s3_bucket_policy.c"]],
    ],
  },
]);

describe("SIP-S3-5 BucketVpcEndpointPolicy: the named exception of buckets reached before the VPC exists", () => {
  const DEPLOYER = "arn:aws-eusc:iam::111111111111:role/platform-deployer";
  /** The compliant fixture with bucket b's VPC endpoint deny replaced by `deny`. */
  function withDeny(deny: Record<string, unknown>): unknown {
    const json = JSON.parse(readFileSync(join(FIXTURES, "s3", "compliant.tf.json"), "utf8"));
    const policy = json.resource.aws_s3_bucket_policy.b;
    const document = JSON.parse(policy.policy);
    document.Statement = document.Statement.filter((st: { Sid: string }) => st.Sid !== "DenyOutsideVpcEndpoint").concat(
      {
        Sid: "DenyObjectAccessToOtherRoles",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: ["${aws_s3_bucket.b.arn}", "${aws_s3_bucket.b.arn}/*"],
        ...deny,
      },
    );
    policy.policy = JSON.stringify(document);
    return json;
  }

  it("accepts, and names, a bucket whose objects only named roles reach", async () => {
    // Prepare
    const json = withDeny({
      Condition: { ArnNotEquals: { "aws:PrincipalArn": [DEPLOYER] }, Bool: { "aws:PrincipalIsAWSService": "false" } },
    });
    // Act
    const result = await evaluate(BucketVpcEndpointPolicy, json);
    // Assess
    expect(result.kind === "NonCompliant" && result.violations.map((v) => [v.address, v.acceptedBecause])).toEqual([
      [
        "aws_s3_bucket.b",
        expect.stringContaining(`object access is limited to the named roles ${DEPLOYER} from anywhere`),
      ],
    ]);
  });

  it.each([
    [
      "a wildcard role",
      { Condition: { ArnNotEquals: { "aws:PrincipalArn": ["arn:aws-eusc:iam::111111111111:role/*"] } } },
    ],
    [
      "a further condition that narrows the deny",
      {
        Condition: {
          ArnNotEquals: { "aws:PrincipalArn": [DEPLOYER] },
          StringEquals: { "aws:SourceIp": "203.0.113.7" },
        },
      },
    ],
    ["an Allow instead of a Deny", { Effect: "Allow", Principal: { AWS: DEPLOYER }, Condition: undefined }],
  ])("keeps the finding open for %s", async (_name, deny) => {
    // Prepare
    const json = withDeny(deny);
    // Act
    const result = await evaluate(BucketVpcEndpointPolicy, json);
    // Assess
    expect(result.kind === "NonCompliant" && result.violations.map((v) => [v.address, v.acceptedBecause])).toEqual([
      ["aws_s3_bucket.b", undefined],
    ]);
  });
});
