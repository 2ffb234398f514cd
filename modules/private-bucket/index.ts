export { BROWSER_UPLOAD_HEADERS, S3_DATA_ACTIONS } from "./perms";
export { PrivateBucket, type PrivateBucketProps } from "./private-bucket";
