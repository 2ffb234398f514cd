import { bucketOf } from "../../core/buckets";
import { isObject, literalNumber, literalString } from "../../core/json";
import { resolveReference } from "../../core/references";
import { certainlyAbsent, resourcesOfType, type TfResource } from "../../core/template";
import { defineRule, type Violation, verdict } from "../../core/types";

/**
 * Why a block may stand for more than one instance (a count other than a literal 0 or 1, a for_each
 * other than a literal with at most one element), or undefined. Every instance names the same bucket
 * unless the bucket depends on count.index or each (which the declared read reports).
 */
function severalInstances(n: TfResource): string | undefined {
  const { count, for_each: forEach } = n.values;
  if (count !== undefined && !(literalNumber(count) !== undefined && (literalNumber(count) ?? 0) <= 1))
    return `count ${JSON.stringify(count)} may create several instances`;
  if (forEach === undefined) return undefined;
  const size = Array.isArray(forEach) ? forEach.length : isObject(forEach) ? Object.keys(forEach).length : undefined;
  return size !== undefined && size <= 1
    ? undefined
    : `for_each ${JSON.stringify(forEach)} may create several instances`;
}

/** S3 keeps one notification configuration per bucket: a second resource replaces the first. */
export const BucketSingleNotification = defineRule({
  id: "SIP-S3-10",
  name: "BucketSingleNotification",
  service: "s3",
  severity: "error",
  suppressible: true,
  info: "More than one aws_s3_bucket_notification (or instance of one) names the same bucket, or one names a bucket that cannot be evaluated.",
  explanation:
    "A bucket has exactly one notification configuration, and each aws_s3_bucket_notification replaces it whole: whichever applies last wins, and the other's functions silently stop receiving events. For the originals bucket that means objects are never scrubbed; for the clean bucket, never replicated or never deleted on the replica.",
  fix: "Declare one aws_s3_bucket_notification per bucket that lists every destination (modules/private-bucket addEventNotification refuses a second one); name the bucket by reference or literal.",
  anchors: {},
  reads: [
    {
      type: "aws_s3_bucket_notification",
      attribute: "bucket",
      as: "reference",
      passes: "a reference to an aws_s3_bucket of this configuration, or its literal name",
    },
  ],
  evaluate({ template }) {
    const notifications = resourcesOfType(template, "aws_s3_bucket_notification").filter((n) => !certainlyAbsent(n));
    const byBucket = new Map<string, string[]>();
    const violations: Violation[] = [];
    for (const n of notifications) {
      // The same bucket by reference or by its literal name is one bucket (issue 15).
      const name =
        bucketOf(template, n.values.bucket)?.address ??
        resolveReference(template, n.values.bucket)?.resource.address ??
        literalString(n.values.bucket);
      if (name === undefined) {
        violations.push({
          address: n.address,
          detail: `bucket ${JSON.stringify(n.values.bucket)} could not be evaluated, so another notification for the same bucket cannot be ruled out`,
        });
        continue;
      }
      const instances = severalInstances(n);
      if (instances !== undefined)
        violations.push({
          address: n.address,
          detail: `${instances}, each a notification configuration for ${name}; S3 keeps only the one applied last`,
        });
      byBucket.set(name, [...(byBucket.get(name) ?? []), n.address]);
    }
    for (const [bucket, addresses] of byBucket) {
      if (addresses.length < 2) continue;
      for (const address of addresses)
        violations.push({
          address,
          detail: `${addresses.length} notification configurations for ${bucket} (${addresses.join(", ")}); S3 keeps only the one applied last`,
        });
    }
    return verdict(notifications.length, violations);
  },
});
