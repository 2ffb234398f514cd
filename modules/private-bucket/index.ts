export type { BucketGrant, BucketGrantOptions, ReplicaGrantOptions } from "./grants";
export {
  BROWSER_UPLOAD_HEADERS,
  LIST_VERSIONS_ACTIONS,
  OBJECT_READ_ACTIONS,
  OBJECT_READ_WRITE_ACTIONS,
  OBJECT_TAGGING_ACTIONS,
  OBJECT_WRITE_ACTIONS,
  REPLICA_OBJECT_ACTIONS,
  S3_DATA_ACTIONS,
  TENANT_OBJECT_ACTIONS,
  UPLOAD_SIGNER_ACTIONS,
} from "./perms";
export { PrivateBucket, type PrivateBucketProps } from "./private-bucket";
