import { BucketAccessLogging } from "../../rules/s3/BucketAccessLogging";
import { BucketLifecycle } from "../../rules/s3/BucketLifecycle";
import { BucketOwnerEnforced } from "../../rules/s3/BucketOwnerEnforced";
import { BucketPolicyNotPublic } from "../../rules/s3/BucketPolicyNotPublic";
import { BucketPublicAccessBlock } from "../../rules/s3/BucketPublicAccessBlock";
import { BucketSseKmsCmk } from "../../rules/s3/BucketSseKmsCmk";
import { BucketTlsOnlyPolicy } from "../../rules/s3/BucketTlsOnlyPolicy";
import { BucketVersioning } from "../../rules/s3/BucketVersioning";
import { BucketVpcEndpointPolicy } from "../../rules/s3/BucketVpcEndpointPolicy";
import { describeRules } from "../harness";

const C = ["s3/compliant.tf.json"];
const n = (rule: string, i: number) => `s3/${rule}/noncompliant-${i}.tf.json`;

describeRules([
  {
    rule: BucketPublicAccessBlock,
    compliant: C,
    noncompliant: [
      [n("BucketPublicAccessBlock", 1), ["aws_s3_bucket.b"]],
      [n("BucketPublicAccessBlock", 2), ["aws_s3_bucket_public_access_block.b"]],
    ],
  },
  {
    rule: BucketOwnerEnforced,
    compliant: C,
    noncompliant: [
      [n("BucketOwnerEnforced", 1), ["aws_s3_bucket.b"]],
      [n("BucketOwnerEnforced", 2), ["aws_s3_bucket_acl.b", "aws_s3_bucket_ownership_controls.b"]],
    ],
  },
  {
    rule: BucketSseKmsCmk,
    compliant: C,
    noncompliant: [
      [n("BucketSseKmsCmk", 1), ["aws_s3_bucket.b"]],
      [n("BucketSseKmsCmk", 2), ["aws_s3_bucket_server_side_encryption_configuration.b"]],
      [n("BucketSseKmsCmk", 3), ["aws_s3_bucket_server_side_encryption_configuration.b"]],
    ],
  },
  {
    rule: BucketTlsOnlyPolicy,
    compliant: C,
    noncompliant: [
      [n("BucketTlsOnlyPolicy", 1), ["aws_s3_bucket.b"]],
      [n("BucketTlsOnlyPolicy", 2), ["aws_s3_bucket.b"]],
    ],
  },
  {
    rule: BucketVpcEndpointPolicy,
    compliant: C,
    noncompliant: [
      [n("BucketVpcEndpointPolicy", 1), ["aws_s3_bucket.b"]],
      [n("BucketVpcEndpointPolicy", 2), ["aws_s3_bucket.b"]],
    ],
  },
  {
    rule: BucketVersioning,
    compliant: C,
    noncompliant: [
      [n("BucketVersioning", 1), ["aws_s3_bucket.b"]],
      [n("BucketVersioning", 2), ["aws_s3_bucket_versioning.b"]],
    ],
  },
  {
    rule: BucketLifecycle,
    compliant: C,
    noncompliant: [
      [n("BucketLifecycle", 1), ["aws_s3_bucket.b"]],
      [n("BucketLifecycle", 2), ["aws_s3_bucket_lifecycle_configuration.b"]],
    ],
  },
  {
    rule: BucketAccessLogging,
    compliant: C,
    noncompliant: [
      [n("BucketAccessLogging", 1), ["aws_s3_bucket.b"]],
      [n("BucketAccessLogging", 2), ["aws_s3_bucket.b"]],
    ],
  },
  {
    rule: BucketPolicyNotPublic,
    compliant: C,
    noncompliant: [
      [n("BucketPolicyNotPublic", 1), ["aws_s3_bucket_policy.b"]],
      [n("BucketPolicyNotPublic", 2), ["aws_s3_bucket_policy.b"]],
    ],
  },
]);
