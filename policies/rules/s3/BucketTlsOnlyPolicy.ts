import { LITERAL_POLICY, policyReads } from "../../core/unknowns";
import { bucketPolicies, buckets } from "../../core/buckets";
import {
  conditionsOnInsecureTransport,
  coversBucketAndObjects,
  coversObjectAccess,
  deniesEveryone,
} from "../../core/policy-checks";
import { policyDocuments, statementsOf } from "../../core/policy-documents";
import { defineRule, type Violation, verdict } from "../../core/types";

/** The bucket policy denies every request that does not use TLS. */
export const BucketTlsOnlyPolicy = defineRule({
  id: "SIP-S3-4",
  name: "BucketTlsOnlyPolicy",
  service: "s3",
  severity: "error",
  suppressible: true,
  info: "The bucket policy does not deny requests made without TLS (aws:SecureTransport = false).",
  explanation:
    "S3 accepts plain HTTP unless the bucket policy denies it. Without the deny, a misconfigured client or SDK sends identity data and signed requests unencrypted over the network.",
  fix: 'Add a bucket policy statement: Effect "Deny", Principal "*", Action "s3:*", Resource the bucket ARN and "<bucket ARN>/*", Condition {"Bool": {"aws:SecureTransport": "false"}}.',
  anchors: {
    cdkNag: ["AwsSolutions-S10", "HIPAA.Security-S3BucketSSLRequestsOnly"],
  },
  reads: [
    ...policyReads(LITERAL_POLICY, "bucket"),
    {
      type: "aws_s3_bucket_policy",
      attribute: "bucket",
      as: "reference",
      passes: "a reference to an aws_s3_bucket of this configuration, or its literal name",
    },
  ],
  evaluate({ template }) {
    const docs = policyDocuments(template);
    const violations: Violation[] = [];
    const all = buckets(template);
    for (const bucket of all) {
      const policies = bucketPolicies(template, bucket, docs);
      const ok = policies.some(
        (p) =>
          p.document !== undefined &&
          statementsOf(p.document).some(
            (s) =>
              deniesEveryone(s) &&
              coversObjectAccess(s) &&
              coversBucketAndObjects(s) &&
              conditionsOnInsecureTransport(s),
          ),
      );
      if (!ok) {
        violations.push({
          address: bucket.address,
          detail:
            policies.length === 0
              ? "the bucket has no bucket policy, so plain-HTTP requests are not denied"
              : "no bucket policy statement denies s3:* to everyone on the bucket and its objects when aws:SecureTransport is false",
        });
      }
    }
    return verdict(all.length, violations);
  },
});
