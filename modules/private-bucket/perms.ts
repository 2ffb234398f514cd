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

/**
 * S3_DATA_ACTIONS except the upload itself (`s3:PutObject`, which also authorizes POST and multipart
 * parts): what a role that signs browser uploads may not do from outside the VPC endpoint. The
 * `s3:PutObject*` family is spelled out (a test checks it against IAM's catalogue).
 */
export const S3_DATA_ACTIONS_BUT_UPLOAD = [
  ...S3_DATA_ACTIONS.filter((a) => a !== "s3:PutObject*"),
  "s3:PutObjectAcl",
  "s3:PutObjectAnnotation",
  "s3:PutObjectLegalHold",
  "s3:PutObjectRetention",
  "s3:PutObjectTagging",
  "s3:PutObjectVersionAcl",
  "s3:PutObjectVersionAnnotation",
  "s3:PutObjectVersionTagging",
].sort();

/** The bucket-level listings among S3_DATA_ACTIONS (their resource is the bucket, not an object). */
export const S3_LIST_ACTIONS: readonly string[] = [
  "s3:ListBucket",
  "s3:ListBucketMultipartUploads",
  "s3:ListBucketVersions",
];

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
