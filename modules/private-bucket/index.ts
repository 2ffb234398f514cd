export { PrivateBucket, type PrivateBucketProps } from "./private-bucket";
