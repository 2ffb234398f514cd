import { LITERAL_POLICY, policyReads } from "../../core/unknowns";
import { buckets, missingFromBucketPolicies } from "../../core/buckets";
import {
  conditionsOnInsecureTransport,
  coversBucketAndObjects,
  coversWholeService,
  deniesEveryone,
} from "../../core/policy-checks";
import { type NormalizedStatement, policyDocuments, statementsOf } from "../../core/policy-documents";
import { defineRule, type Violation, verdict } from "../../core/types";

/**
 * A statement that denies every request without TLS: everyone, every S3 action (a list of actions
 * or `s3:*Object` leaves the others open over plain HTTP), the bucket and all of its objects, and
 * no condition but aws:SecureTransport = false.
 */
function deniesInsecureTransport(s: NormalizedStatement): boolean {
  return (
    deniesEveryone(s) && coversWholeService(s, "s3") && coversBucketAndObjects(s) && conditionsOnInsecureTransport(s)
  );
}

/** Every bucket policy the bucket may end up with denies every request that does not use TLS. */
export const BucketTlsOnlyPolicy = defineRule({
  id: "SIP-S3-4",
  name: "BucketTlsOnlyPolicy",
  service: "s3",
  severity: "error",
  suppressible: true,
  info: "The bucket policy does not deny requests made without TLS (aws:SecureTransport = false).",
  explanation:
    "S3 accepts plain HTTP unless the bucket policy denies it. Without the deny, a misconfigured client or SDK sends identity data and signed requests unencrypted over the network.",
  fix: 'Add a bucket policy statement: Effect "Deny", Principal "*", Action "s3:*", Resource the bucket ARN and "<bucket ARN>/*", Condition {"Bool": {"aws:SecureTransport": "false"}} and no other condition, in the one bucket policy of the bucket.',
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
      const detail = missingFromBucketPolicies(
        template,
        bucket,
        docs,
        (p) => p.document !== undefined && statementsOf(p.document).some(deniesInsecureTransport),
        "plain-HTTP requests (s3:* to everyone on the bucket and all of its objects when aws:SecureTransport is false, under no other condition)",
      );
      if (detail !== undefined) violations.push({ address: bucket.address, detail });
    }
    return verdict(all.length, violations);
  },
});
