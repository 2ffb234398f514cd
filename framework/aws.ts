/**
 * The hashicorp/aws provider classes the project uses, each by deep import path (the package's root
 * barrel costs ~10x time and 8x memory; ../docs/architecture.md). Modules import them from here.
 */

export { AcmCertificate } from "@cdktf/provider-aws/lib/acm-certificate";
export { AcmCertificateValidation } from "@cdktf/provider-aws/lib/acm-certificate-validation";
export { Apigatewayv2Api } from "@cdktf/provider-aws/lib/apigatewayv2-api";
export { Apigatewayv2ApiMapping } from "@cdktf/provider-aws/lib/apigatewayv2-api-mapping";
export { Apigatewayv2Authorizer } from "@cdktf/provider-aws/lib/apigatewayv2-authorizer";
export { Apigatewayv2DomainName } from "@cdktf/provider-aws/lib/apigatewayv2-domain-name";
export { Apigatewayv2Integration } from "@cdktf/provider-aws/lib/apigatewayv2-integration";
export { Apigatewayv2Route } from "@cdktf/provider-aws/lib/apigatewayv2-route";
export { Apigatewayv2Stage } from "@cdktf/provider-aws/lib/apigatewayv2-stage";
export { Cloudtrail } from "@cdktf/provider-aws/lib/cloudtrail";
export { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
export { CloudwatchLogMetricFilter } from "@cdktf/provider-aws/lib/cloudwatch-log-metric-filter";
export { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
export { ConfigAggregateAuthorization } from "@cdktf/provider-aws/lib/config-aggregate-authorization";
export { ConfigConfigRule } from "@cdktf/provider-aws/lib/config-config-rule";
export { ConfigConfigurationAggregator } from "@cdktf/provider-aws/lib/config-configuration-aggregator";
export { ConfigConfigurationRecorder } from "@cdktf/provider-aws/lib/config-configuration-recorder";
export { ConfigConfigurationRecorderStatus } from "@cdktf/provider-aws/lib/config-configuration-recorder-status";
export { ConfigDeliveryChannel } from "@cdktf/provider-aws/lib/config-delivery-channel";
export { DataAwsKmsPublicKey } from "@cdktf/provider-aws/lib/data-aws-kms-public-key";
export { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
export { EbsEncryptionByDefault } from "@cdktf/provider-aws/lib/ebs-encryption-by-default";
export { Eip } from "@cdktf/provider-aws/lib/eip";
export { FlowLog } from "@cdktf/provider-aws/lib/flow-log";
export { IamAccountPasswordPolicy } from "@cdktf/provider-aws/lib/iam-account-password-policy";
export { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
export { IamRole } from "@cdktf/provider-aws/lib/iam-role";
export { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
export { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
export { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
export { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
export { KmsExternalKey } from "@cdktf/provider-aws/lib/kms-external-key";
export { KmsKey as KmsKeyResource } from "@cdktf/provider-aws/lib/kms-key";
export { LambdaEventSourceMapping } from "@cdktf/provider-aws/lib/lambda-event-source-mapping";
export { LambdaFunction as LambdaFunctionResource } from "@cdktf/provider-aws/lib/lambda-function";
export { LambdaFunctionEventInvokeConfig } from "@cdktf/provider-aws/lib/lambda-function-event-invoke-config";
export { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
export { NatGateway } from "@cdktf/provider-aws/lib/nat-gateway";
export { NetworkfirewallFirewall } from "@cdktf/provider-aws/lib/networkfirewall-firewall";
export { NetworkfirewallFirewallPolicy } from "@cdktf/provider-aws/lib/networkfirewall-firewall-policy";
export { NetworkfirewallLoggingConfiguration } from "@cdktf/provider-aws/lib/networkfirewall-logging-configuration";
export { NetworkfirewallRuleGroup } from "@cdktf/provider-aws/lib/networkfirewall-rule-group";
export { OrganizationsAccount } from "@cdktf/provider-aws/lib/organizations-account";
export { OrganizationsPolicy } from "@cdktf/provider-aws/lib/organizations-policy";
export { OrganizationsPolicyAttachment } from "@cdktf/provider-aws/lib/organizations-policy-attachment";
export { AwsProvider, type AwsProviderConfig } from "@cdktf/provider-aws/lib/provider";
export { RolesanywhereProfile } from "@cdktf/provider-aws/lib/rolesanywhere-profile";
export { RolesanywhereTrustAnchor } from "@cdktf/provider-aws/lib/rolesanywhere-trust-anchor";
export { Route } from "@cdktf/provider-aws/lib/route";
export { RouteTable } from "@cdktf/provider-aws/lib/route-table";
export { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
export { Route53HealthCheck } from "@cdktf/provider-aws/lib/route53-health-check";
export { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
export { S3AccountPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-account-public-access-block";
export { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
export {
  S3BucketCorsConfiguration,
  type S3BucketCorsConfigurationCorsRule,
} from "@cdktf/provider-aws/lib/s3-bucket-cors-configuration";
export { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
export { S3BucketNotification, type S3BucketNotificationConfig } from "@cdktf/provider-aws/lib/s3-bucket-notification";
export { S3BucketObjectLockConfigurationA as S3BucketObjectLockConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-object-lock-configuration";
export { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
export { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
export { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
export { S3BucketServerSideEncryptionConfigurationA as S3BucketEncryption } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
export { S3BucketVersioningA as S3BucketVersioning } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
export { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
export { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
export { SfnStateMachine } from "@cdktf/provider-aws/lib/sfn-state-machine";
export { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
export { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
export { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
export { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
export { Subnet } from "@cdktf/provider-aws/lib/subnet";
export { Vpc } from "@cdktf/provider-aws/lib/vpc";
export { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
export { VpcEndpointRouteTableAssociation } from "@cdktf/provider-aws/lib/vpc-endpoint-route-table-association";
