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

// The grants' building blocks, and the grants made of them: PrivateBucket's grant methods put these
// into a grantee's policy. Each names its actions (no `*`), sorted.

/** The actions of all lists, once each, sorted. */
function union(...lists: readonly (readonly string[])[]): readonly string[] {
  return [...new Set(lists.flat())].sort();
}

/** Reading objects, any version, and their tags (`s3:GetObject` also authorizes HEAD). */
export const OBJECT_READ_ACTIONS: readonly string[] = [
  "s3:GetObject",
  "s3:GetObjectTagging",
  "s3:GetObjectVersion",
  "s3:GetObjectVersionTagging",
];

/** The upload itself: `s3:PutObject` authorizes PUT, POST, multipart parts and their completion. */
export const OBJECT_PUT_ACTIONS: readonly string[] = ["s3:PutObject"];

/** A put with its tags (`x-amz-tagging`), and tagging the current version later. */
export const TAGGED_PUT_ACTIONS = union(OBJECT_PUT_ACTIONS, ["s3:PutObjectTagging"]);

/** Tagging objects and their versions (a scan status), without writing their content. */
export const OBJECT_TAGGING_ACTIONS: readonly string[] = ["s3:PutObjectTagging", "s3:PutObjectVersionTagging"];

/** Taking care of multipart uploads: listing an upload's parts, aborting it. */
export const MULTIPART_UPLOAD_ACTIONS: readonly string[] = ["s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"];

/**
 * Deleting current objects (a delete marker). Never `s3:DeleteObjectVersion`: no grantee destroys the
 * history at once; noncurrent versions expire by the lifecycle rule.
 */
export const OBJECT_DELETE_ACTIONS: readonly string[] = ["s3:DeleteObject"];

/**
 * grantEraseVersions: a data-subject erasure (functions/subject-requests/erase.ts) lists every version
 * and delete marker, reads each version to hash it, asks for its retention and legal hold, and deletes
 * it for good. The one grant with `s3:DeleteObjectVersion`: object lock (COMPLIANCE or a legal hold)
 * still refuses the versions it protects, and the bypass of GOVERNANCE is never granted.
 */
export const ERASE_VERSION_ACTIONS: readonly string[] = [
  "s3:DeleteObject",
  "s3:DeleteObjectVersion",
  "s3:GetObject",
  "s3:GetObjectLegalHold",
  "s3:GetObjectRetention",
  "s3:GetObjectVersion",
];

/** The bucket-level part of an erasure: the listing of versions, and whether the bucket locks objects. */
export const ERASE_LISTING_ACTIONS: readonly string[] = [
  "s3:GetBucketObjectLockConfiguration",
  "s3:ListBucket",
  "s3:ListBucketVersions",
];

/** Deleting current objects of one area (no versions): records that are done with, such as a decided request. */
export const OBJECT_DELETE_CURRENT_ACTIONS = OBJECT_DELETE_ACTIONS;

/** grantWrite: tagged puts, and reading the objects back (a HEAD tells whether a copy is there already). */
export const OBJECT_WRITE_ACTIONS = union(["s3:GetObject"], TAGGED_PUT_ACTIONS);

/** grantReadWrite: read, tagged puts and deletes of current objects (restoring a bucket's content). */
export const OBJECT_READ_WRITE_ACTIONS = union(OBJECT_READ_ACTIONS, TAGGED_PUT_ACTIONS, OBJECT_DELETE_ACTIONS);

/**
 * grantSignUploads: what S3 checks when a browser uploads with the role's pre-signed POST, PUT or
 * multipart URLs, and the role's own look at an upload (its tags, a HEAD).
 */
export const UPLOAD_SIGNER_ACTIONS = union(
  ["s3:GetObject", "s3:GetObjectTagging"],
  TAGGED_PUT_ACTIONS,
  MULTIPART_UPLOAD_ACTIONS,
);

/**
 * grantSignDownloads: what S3 checks when a browser downloads with the role's pre-signed GET (also
 * the role's own HEAD before it signs).
 */
export const DOWNLOAD_SIGNER_ACTIONS: readonly string[] = ["s3:GetObject"];

/**
 * S3_DATA_ACTIONS except the download itself (`s3:GetObject`): what a role that signs browser
 * downloads may not do from outside the VPC endpoint. The `s3:GetObject*` family is spelled out.
 */
export const S3_DATA_ACTIONS_BUT_DOWNLOAD = [
  ...S3_DATA_ACTIONS.filter((a) => a !== "s3:GetObject*"),
  "s3:GetObjectAcl",
  "s3:GetObjectAnnotation",
  "s3:GetObjectAttributes",
  "s3:GetObjectLegalHold",
  "s3:GetObjectRetention",
  "s3:GetObjectTagging",
  "s3:GetObjectTorrent",
  "s3:GetObjectVersion",
  "s3:GetObjectVersionAcl",
  "s3:GetObjectVersionAnnotation",
  "s3:GetObjectVersionAnnotationForReplication",
  "s3:GetObjectVersionAttributes",
  "s3:GetObjectVersionForReplication",
  "s3:GetObjectVersionTagging",
  "s3:GetObjectVersionTorrent",
].sort();

/**
 * grantTenantObjects: what the platform's functions do as a tenant in its areas: upload (also
 * multipart), read, tag versions (the scrub status), delete current objects (erasure).
 */
export const TENANT_OBJECT_ACTIONS = union(
  OBJECT_READ_ACTIONS,
  TAGGED_PUT_ACTIONS,
  OBJECT_TAGGING_ACTIONS,
  MULTIPART_UPLOAD_ACTIONS,
  OBJECT_DELETE_ACTIONS,
);

/**
 * grantReplicate: what the cross-partition sync does in a failover bucket: writes replicas (also
 * multipart; PutObjectVersionTagging puts a multipart replica's checksum tag on the version just
 * completed), reads them by version (failback reads what changed during an outage), deletes current
 * objects (erasure requests reach the replica; older versions expire by the bucket's lifecycle).
 */
export const REPLICA_OBJECT_ACTIONS = union(
  OBJECT_READ_ACTIONS,
  TAGGED_PUT_ACTIONS,
  OBJECT_TAGGING_ACTIONS,
  MULTIPART_UPLOAD_ACTIONS,
  OBJECT_DELETE_ACTIONS,
);

/** Listing keys (without it, a missing key answers 403, not 404) and their versions. */
export const LIST_VERSIONS_ACTIONS: readonly string[] = ["s3:ListBucket", "s3:ListBucketVersions"];

/**
 * Emptying a bucket whose objects are moved elsewhere (failback draining the outage inbox): read
 * each version and delete it for good once it is home; listing is LIST_VERSIONS_ACTIONS.
 */
export const DRAIN_OBJECT_ACTIONS: readonly string[] = [
  "s3:DeleteObject",
  "s3:DeleteObjectVersion",
  "s3:GetObject",
  "s3:GetObjectVersion",
];
