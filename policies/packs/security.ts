/** The security pack: at least what checkov, trivy and cdk-nag check for the resource types we emit. */
import type { Rule } from "../core/types";
import { DomainNameTls12 } from "../rules/apigatewayv2/DomainNameTls12";
import { RouteAuthorization } from "../rules/apigatewayv2/RouteAuthorization";
import { StageAccessLogging } from "../rules/apigatewayv2/StageAccessLogging";
import { TrailBucketObjectLock } from "../rules/cloudtrail/TrailBucketObjectLock";
import { TrailCloudWatchLogs } from "../rules/cloudtrail/TrailCloudWatchLogs";
import { TrailKmsEncryption } from "../rules/cloudtrail/TrailKmsEncryption";
import { TrailLogFileValidation } from "../rules/cloudtrail/TrailLogFileValidation";
import { TrailLogging } from "../rules/cloudtrail/TrailLogging";
import { TrailMultiRegion } from "../rules/cloudtrail/TrailMultiRegion";
import { NoAdminManagedPolicies } from "../rules/iam/NoAdminManagedPolicies";
import { NoIamUsers } from "../rules/iam/NoIamUsers";
import { NoWildcardAdminStatements } from "../rules/iam/NoWildcardAdminStatements";
import { PolicyDocumentValid } from "../rules/iam/PolicyDocumentValid";
import { RestrictableActionsOnNamedResources } from "../rules/iam/RestrictableActionsOnNamedResources";
import { ScopedTrustPolicy } from "../rules/iam/ScopedTrustPolicy";
import { KeyPolicyExplicit } from "../rules/kms/KeyPolicyExplicit";
import { KeyPolicyNoPublicPrincipal } from "../rules/kms/KeyPolicyNoPublicPrincipal";
import { KeyRotation } from "../rules/kms/KeyRotation";
import { EnvironmentEncryptedWithCmk } from "../rules/lambda/EnvironmentEncryptedWithCmk";
import { FunctionConcurrency } from "../rules/lambda/FunctionConcurrency";
import { FunctionDeadLetter } from "../rules/lambda/FunctionDeadLetter";
import { FunctionInVpc } from "../rules/lambda/FunctionInVpc";
import { FunctionNotPublic } from "../rules/lambda/FunctionNotPublic";
import { FunctionTracing } from "../rules/lambda/FunctionTracing";
import { NoSecretsInEnvironment } from "../rules/lambda/NoSecretsInEnvironment";
import { RuntimeSupported } from "../rules/lambda/RuntimeSupported";
import { LogGroupKms } from "../rules/logs/LogGroupKms";
import { LogGroupRetention } from "../rules/logs/LogGroupRetention";
import { SecretOutputSensitive } from "../rules/output/SecretOutputSensitive";
import { HealthCheckHttps } from "../rules/route53/HealthCheckHttps";
import { ScpAttached } from "../rules/organizations/ScpAttached";
import { TrailSecurityAlarms } from "../rules/cloudtrail/TrailSecurityAlarms";
import { BucketAccessLogging } from "../rules/s3/BucketAccessLogging";
import { BucketLifecycle } from "../rules/s3/BucketLifecycle";
import { BucketOwnerEnforced } from "../rules/s3/BucketOwnerEnforced";
import { BucketPolicyNotPublic } from "../rules/s3/BucketPolicyNotPublic";
import { BucketPublicAccessBlock } from "../rules/s3/BucketPublicAccessBlock";
import { BucketSingleNotification } from "../rules/s3/BucketSingleNotification";
import { BucketSseKmsCmk } from "../rules/s3/BucketSseKmsCmk";
import { BucketTlsOnlyPolicy } from "../rules/s3/BucketTlsOnlyPolicy";
import { BucketVersioning } from "../rules/s3/BucketVersioning";
import { BucketVpcEndpointPolicy } from "../rules/s3/BucketVpcEndpointPolicy";
import { SecretCmk } from "../rules/secretsmanager/SecretCmk";
import { SecretRotation } from "../rules/secretsmanager/SecretRotation";
import { SecretRotationInterval } from "../rules/secretsmanager/SecretRotationInterval";
import { StateMachineCmk } from "../rules/sfn/StateMachineCmk";
import { StateMachineLogging } from "../rules/sfn/StateMachineLogging";
import { QueueCmk } from "../rules/sqs/QueueCmk";
import { QueuePolicyNotPublic } from "../rules/sqs/QueuePolicyNotPublic";
import { TenantOwnKeyAndRole } from "../rules/tenant/TenantOwnKeyAndRole";
import { DefaultSecurityGroupClosed } from "../rules/vpc/DefaultSecurityGroupClosed";
import { NetworkFirewallCmk } from "../rules/vpc/NetworkFirewallCmk";
import { NoInternetGatewayRoute } from "../rules/vpc/NoInternetGatewayRoute";
import { NoPublicIp } from "../rules/vpc/NoPublicIp";
import { SecurityGroupEgressRestricted } from "../rules/vpc/SecurityGroupEgressRestricted";
import { SecurityGroupNoPublicIngress } from "../rules/vpc/SecurityGroupNoPublicIngress";
import { VpcFlowLogs } from "../rules/vpc/VpcFlowLogs";
export const SECURITY_PACK: readonly Rule[] = [
  BucketPublicAccessBlock,
  BucketOwnerEnforced,
  BucketSseKmsCmk,
  BucketTlsOnlyPolicy,
  BucketVpcEndpointPolicy,
  BucketVersioning,
  BucketLifecycle,
  BucketAccessLogging,
  BucketPolicyNotPublic,
  KeyRotation,
  KeyPolicyNoPublicPrincipal,
  TrailLogFileValidation,
  TrailKmsEncryption,
  TrailBucketObjectLock,
  TrailMultiRegion,
  TrailCloudWatchLogs,
  TrailLogging,
  VpcFlowLogs,
  DefaultSecurityGroupClosed,
  NoInternetGatewayRoute,
  NoPublicIp,
  SecurityGroupNoPublicIngress,
  FunctionInVpc,
  FunctionDeadLetter,
  FunctionConcurrency,
  NoSecretsInEnvironment,
  FunctionNotPublic,
  EnvironmentEncryptedWithCmk,
  FunctionTracing,
  NoWildcardAdminStatements,
  ScopedTrustPolicy,
  NoAdminManagedPolicies,
  PolicyDocumentValid,
  NoIamUsers,
  SecretCmk,
  SecretRotation,
  RouteAuthorization,
  StageAccessLogging,
  DomainNameTls12,
  LogGroupKms,
  LogGroupRetention,
  TenantOwnKeyAndRole,
  BucketSingleNotification,
  QueueCmk,
  QueuePolicyNotPublic,
  KeyPolicyExplicit,
  RuntimeSupported,
  SecretRotationInterval,
  SecurityGroupEgressRestricted,
  RestrictableActionsOnNamedResources,
  NetworkFirewallCmk,
  SecretOutputSensitive,
  HealthCheckHttps,
  ScpAttached,
  TrailSecurityAlarms,
  StateMachineLogging,
  StateMachineCmk,
];
