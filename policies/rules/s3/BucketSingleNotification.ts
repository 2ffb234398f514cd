import { literalString } from "../../core/json";
import { resolveReference } from "../../core/references";
import { resourcesOfType } from "../../core/template";
import { defineRule, type Violation, verdict } from "../../core/types";

/** S3 keeps one notification configuration per bucket: a second resource replaces the first. */
export const BucketSingleNotification = defineRule({
  id: "SIP-S3-10",
  name: "BucketSingleNotification",
  service: "s3",
  severity: "error",
  suppressible: true,
  info: "More than one aws_s3_bucket_notification names the same bucket, or one names a bucket that cannot be evaluated.",
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
    const notifications = resourcesOfType(template, "aws_s3_bucket_notification");
    const byBucket = new Map<string, string[]>();
    const violations: Violation[] = [];
    for (const n of notifications) {
      const ref = resolveReference(template, n.values.bucket);
      const name = ref?.resource.address ?? literalString(n.values.bucket);
      if (name === undefined || name.includes("${")) {
        violations.push({
          address: n.address,
          detail: `bucket ${JSON.stringify(n.values.bucket)} could not be evaluated, so another notification for the same bucket cannot be ruled out`,
        });
        continue;
      }
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
