/**
 * Object-level (data plane) S3 actions. The VPC-endpoint restriction applies to these; bucket
 * management stays with IAM, so that the deploy role can manage the bucket from a workstation.
 */
export const S3_DATA_ACTIONS = [
  "s3:AbortMultipartUpload",
  "s3:DeleteObject*",
  "s3:GetObject*",
  "s3:ListBucket",
  "s3:ListBucketMultipartUploads",
  "s3:ListBucketVersions",
  "s3:ListMultipartUploadParts",
  "s3:PutObject*",
  "s3:RestoreObject",
] as const;

/** The bucket-level listings among S3_DATA_ACTIONS (their resource is the bucket, not an object). */
export const S3_LIST_ACTIONS: readonly string[] = ["s3:ListBucket", "s3:ListBucketMultipartUploads", "s3:ListBucketVersions"];

/** Request headers a browser upload (pre-signed POST, PUT or multipart part) may send. */
export const BROWSER_UPLOAD_HEADERS = [
  "content-md5",
  "content-type",
  "x-amz-checksum-sha256",
  "x-amz-meta-*",
  "x-amz-server-side-encryption",
  "x-amz-server-side-encryption-aws-kms-key-id",
  "x-amz-tagging",
] as const;
