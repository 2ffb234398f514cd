/** The evidence bucket as the stack makes it, on the test gateway: object lock (hence versioning), a default COMPLIANCE retention of a day. */
import { CreateBucketCommand, PutObjectLockConfigurationCommand, type S3Client } from "@aws-sdk/client-s3";

export async function createEvidenceBucket(s3: S3Client, bucket: string): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
  await s3.send(
    new PutObjectLockConfigurationCommand({
      Bucket: bucket,
      ObjectLockConfiguration: {
        ObjectLockEnabled: "Enabled",
        Rule: { DefaultRetention: { Mode: "COMPLIANCE", Days: 1 } },
      },
    }),
  );
}
