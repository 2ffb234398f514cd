/**
 * The hashicorp/aws provider classes the project uses, each by deep import path (the package's root
 * barrel costs ~10x time and 8x memory; ../docs/architecture.md). Modules import them from here.
 */
export { AwsProvider, type AwsProviderConfig } from "@cdktf/provider-aws/lib/provider";
export { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
export { KmsKey as KmsKeyResource } from "@cdktf/provider-aws/lib/kms-key";
export { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
export { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
export { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
export { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
export { S3BucketServerSideEncryptionConfigurationA as S3BucketEncryption } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
export { S3BucketVersioningA as S3BucketVersioning } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
