/**
 * Hand-written CloudTrail records, in the record format of the CloudTrail User Guide ("CloudTrail
 * record contents": eventVersion, userIdentity, eventTime, eventSource, eventName, awsRegion,
 * sourceIPAddress, userAgent, errorCode/errorMessage on failure, requestParameters,
 * responseElements, additionalEventData, requestID, eventID, readOnly, resources, eventType,
 * managementEvent, recipientAccountId, vpcEndpointId, eventCategory, tlsDetails), shaped after the
 * sample records of the KMS, S3 and IAM documentation. One record for every event a pattern of
 * modules/security-alarms claims, and the harmless neighbours each pattern must not count.
 *
 * Most are on the sovereign side (partition aws-eusc, eusc-de-east-1, endpoints under amazonaws.eu);
 * a few on the commercial side (aws, eu-central-1). Event sources stay `<service>.amazonaws.com` in
 * both partitions, as service principals do (DESIGN.md §2): an assumption until a real sovereign
 * record confirms it.
 */
import { arn, endpointHost, PARTITIONS, type PartitionInfo } from "../../../config/partitions";

/** A CloudTrail record: a JSON object as delivered to CloudWatch Logs, one per log event. */
export type CloudTrailRecord = Readonly<Record<string, unknown>>;

interface Side {
  readonly partition: PartitionInfo;
  readonly region: string;
  readonly account: string;
}

export const SOVEREIGN: Side = { partition: PARTITIONS["aws-eusc"], region: "eusc-de-east-1", account: "111111111111" };
export const COMMERCIAL: Side = { partition: PARTITIONS.aws, region: "eu-central-1", account: "222222222222" };

const KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab";
const BUCKET = "sip-prod-originals";
const SDK_AGENT = "aws-sdk-js/3.1163.0 ua/2.1 os/linux lang/js md/nodejs#20.19.4 api/s3#3.1163.0";
const TERRAFORM_AGENT =
  "APN/1.0 HashiCorp/1.0 Terraform/1.13.4 (+https://www.terraform.io) terraform-provider-aws/5.100.0";

let sequence = 0;
/** Deterministic request and event IDs, unique per record. */
function ids(): { requestID: string; eventID: string } {
  sequence++;
  const n = sequence.toString(16).padStart(12, "0");
  return { requestID: `EXAMPLE${n.toUpperCase()}`, eventID: `0f0e0d0c-0b0a-4908-8706-${n}` };
}

type Identity = Readonly<Record<string, unknown>>;

/** A role session: the platform's deploy role (Terraform) unless another role is named. */
function roleSession(side: Side, role = "platform-deployer", session = "terraform"): Identity {
  const roleArn = arn(side.partition, { service: "iam", account: side.account, resource: `role/${role}` });
  return {
    type: "AssumedRole",
    principalId: `AROAEXAMPLEROLEID:${session}`,
    arn: arn(side.partition, { service: "sts", account: side.account, resource: `assumed-role/${role}/${session}` }),
    accountId: side.account,
    accessKeyId: "ASIAEXAMPLEKEYID",
    sessionContext: {
      sessionIssuer: {
        type: "Role",
        principalId: "AROAEXAMPLEROLEID",
        arn: roleArn,
        accountId: side.account,
        userName: role,
      },
      attributes: { creationDate: "2026-03-02T09:58:11Z", mfaAuthenticated: "false" },
    },
  };
}

function rootIdentity(side: Side, extra: Identity = {}): Identity {
  return {
    type: "Root",
    principalId: side.account,
    arn: arn(side.partition, { service: "iam", account: side.account, resource: "root" }),
    accountId: side.account,
    ...extra,
  };
}

function iamUser(side: Side, userName: string): Identity {
  return {
    type: "IAMUser",
    principalId: "AIDAEXAMPLEUSERID",
    arn: arn(side.partition, { service: "iam", account: side.account, resource: `user/${userName}` }),
    accountId: side.account,
    userName,
  };
}

interface Call {
  readonly eventSource: string;
  readonly eventName: string;
  readonly requestParameters: unknown;
  readonly responseElements?: unknown;
  readonly readOnly: boolean;
  readonly userIdentity?: Identity;
  readonly userAgent?: string;
  readonly eventType?: "AwsApiCall" | "AwsServiceEvent" | "AwsConsoleSignIn";
  readonly error?: { readonly errorCode: string; readonly errorMessage: string };
  readonly resources?: readonly unknown[];
  readonly additionalEventData?: unknown;
  readonly eventVersion?: "1.08" | "1.09";
}

/** A management event record, fields in CloudTrail's order. */
function management(side: Side, call: Call): CloudTrailRecord {
  return {
    eventVersion: call.eventVersion ?? "1.09",
    userIdentity: call.userIdentity ?? roleSession(side),
    eventTime: "2026-03-02T10:04:27Z",
    eventSource: call.eventSource,
    eventName: call.eventName,
    awsRegion: side.region,
    sourceIPAddress: "198.51.100.23",
    userAgent: call.userAgent ?? TERRAFORM_AGENT,
    ...call.error,
    requestParameters: call.requestParameters,
    responseElements: call.error === undefined ? (call.responseElements ?? null) : null,
    ...(call.additionalEventData === undefined ? {} : { additionalEventData: call.additionalEventData }),
    ...ids(),
    readOnly: call.readOnly,
    ...(call.resources === undefined ? {} : { resources: call.resources }),
    eventType: call.eventType ?? "AwsApiCall",
    managementEvent: true,
    recipientAccountId: side.account,
    eventCategory: "Management",
    tlsDetails: {
      tlsVersion: "TLSv1.3",
      cipherSuite: "TLS_AES_128_GCM_SHA256",
      clientProvidedHostHeader: endpointHost(side.partition, call.eventSource.split(".")[0] ?? "", side.region),
    },
  };
}

function keyArn(side: Side): string {
  return arn(side.partition, { service: "kms", region: side.region, account: side.account, resource: `key/${KEY_ID}` });
}

function kms(side: Side, eventName: string, extra: Partial<Call> = {}): CloudTrailRecord {
  return management(side, {
    eventSource: "kms.amazonaws.com",
    eventName,
    requestParameters: { keyId: KEY_ID },
    readOnly: false,
    resources: [{ accountId: side.account, type: "AWS::KMS::Key", ARN: keyArn(side) }],
    ...extra,
  });
}

const ACCESS_DENIED = (action: string, side: Side) => ({
  errorCode: "AccessDeniedException",
  errorMessage: `User: ${arn(side.partition, { service: "sts", account: side.account, resource: "assumed-role/image-scrub/fn" })} is not authorized to perform: ${action} on resource: ${keyArn(side)} because no identity-based policy allows the ${action} action`,
});

const KMS_RECORDS = {
  kmsDisableKey: kms(SOVEREIGN, "DisableKey"),
  kmsDisableKeyCommercial: kms(COMMERCIAL, "DisableKey", { eventVersion: "1.08" }),
  kmsDisableKeyDenied: kms(SOVEREIGN, "DisableKey", {
    userIdentity: roleSession(SOVEREIGN, "image-scrub", "fn"),
    userAgent: SDK_AGENT,
    error: ACCESS_DENIED("kms:DisableKey", SOVEREIGN),
  }),
  kmsScheduleKeyDeletion: kms(SOVEREIGN, "ScheduleKeyDeletion", {
    requestParameters: { keyId: KEY_ID, pendingWindowInDays: 30 },
    responseElements: {
      keyId: keyArn(SOVEREIGN),
      deletionDate: "2026-04-01T10:04:27Z",
      keyState: "PendingDeletion",
      pendingWindowInDays: 30,
    },
  }),
  kmsEnableKey: kms(SOVEREIGN, "EnableKey"),
  kmsCancelKeyDeletion: kms(SOVEREIGN, "CancelKeyDeletion", { responseElements: { keyId: keyArn(SOVEREIGN) } }),
  kmsDisableKeyRotation: kms(SOVEREIGN, "DisableKeyRotation"),
  kmsDescribeKey: kms(SOVEREIGN, "DescribeKey", { readOnly: true }),
  kmsDeleteImportedKeyMaterial: kms(SOVEREIGN, "DeleteImportedKeyMaterial"),
  kmsImportKeyMaterial: kms(SOVEREIGN, "ImportKeyMaterial", {
    requestParameters: { keyId: KEY_ID, expirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE" },
  }),
  kmsPutKeyPolicy: kms(SOVEREIGN, "PutKeyPolicy", {
    requestParameters: {
      keyId: KEY_ID,
      policyName: "default",
      policy: '{"Version":"2012-10-17","Statement":[]}',
      bypassPolicyLockoutSafetyCheck: false,
    },
  }),
  kmsGetKeyPolicy: kms(SOVEREIGN, "GetKeyPolicy", {
    readOnly: true,
    requestParameters: { keyId: KEY_ID, policyName: "default" },
  }),
  /** Lambda creating a grant for a function's environment: routine, deliberately not counted. */
  kmsCreateGrant: kms(SOVEREIGN, "CreateGrant", {
    userIdentity: {
      ...roleSession(SOVEREIGN),
      invokedBy: "lambda.amazonaws.com",
    },
    userAgent: "lambda.amazonaws.com",
    requestParameters: {
      keyId: keyArn(SOVEREIGN),
      granteePrincipal: "lambda.amazonaws.com",
      operations: ["Decrypt"],
      retiringPrincipal: "lambda.amazonaws.com",
    },
    responseElements: {
      grantId: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
      keyId: keyArn(SOVEREIGN),
    },
  }),
};

function s3Host(side: Side, bucket: string): string {
  return `${bucket}.${endpointHost(side.partition, "s3", side.region)}`;
}

const S3_ADDITIONAL = {
  SignatureVersion: "SigV4",
  CipherSuite: "TLS_AES_128_GCM_SHA256",
  bytesTransferredIn: 0,
  AuthenticationMethod: "AuthHeader",
  "x-amz-id-2": "EXAMPLEamzId2",
  bytesTransferredOut: 0,
};

/** A bucket-level S3 call (a management event). */
function bucketCall(side: Side, eventName: string, request: Record<string, unknown> = {}, readOnly = false) {
  return management(side, {
    eventSource: "s3.amazonaws.com",
    eventName,
    requestParameters: { bucketName: BUCKET, Host: s3Host(side, BUCKET), ...request },
    readOnly,
    additionalEventData: S3_ADDITIONAL,
    resources: [
      {
        accountId: side.account,
        type: "AWS::S3::Bucket",
        ARN: arn(side.partition, { service: "s3", resource: BUCKET }),
      },
    ],
  });
}

/** An account-level Block Public Access call: sent to the s3-control endpoint, recorded as s3.amazonaws.com. */
function accountPublicAccessBlock(side: Side, eventName: string, request: Record<string, unknown> = {}) {
  return management(side, {
    eventSource: "s3.amazonaws.com",
    eventName,
    requestParameters: {
      ...request,
      host: [`${side.account}.${endpointHost(side.partition, "s3-control", side.region)}`],
    },
    readOnly: false,
    additionalEventData: S3_ADDITIONAL,
  });
}

const ALL_BLOCKED = {
  RestrictPublicBuckets: true,
  BlockPublicPolicy: true,
  BlockPublicAcls: true,
  IgnorePublicAcls: true,
};
const NONE_BLOCKED = {
  RestrictPublicBuckets: false,
  BlockPublicPolicy: false,
  BlockPublicAcls: false,
  IgnorePublicAcls: false,
};

const S3_CONFIG_RECORDS = {
  s3PutBucketPolicy: bucketCall(SOVEREIGN, "PutBucketPolicy", {
    bucketPolicy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:GetObject" }] },
    policy: [""],
  }),
  s3DeleteBucketPolicy: bucketCall(SOVEREIGN, "DeleteBucketPolicy", { policy: [""] }),
  s3PutBucketAcl: bucketCall(SOVEREIGN, "PutBucketAcl", { acl: [""], "x-amz-acl": ["public-read"] }),
  s3PutBucketPublicAccessBlock: bucketCall(SOVEREIGN, "PutBucketPublicAccessBlock", {
    publicAccessBlock: [""],
    PublicAccessBlockConfiguration: { xmlns: "http://s3.amazonaws.com/doc/2006-03-01/", ...NONE_BLOCKED },
  }),
  s3DeleteBucketPublicAccessBlock: bucketCall(SOVEREIGN, "DeleteBucketPublicAccessBlock", { publicAccessBlock: [""] }),
  s3PutAccountPublicAccessBlock: accountPublicAccessBlock(SOVEREIGN, "PutAccountPublicAccessBlock", {
    PublicAccessBlockConfiguration: { xmlns: "http://awss3control.amazonaws.com/doc/2018-08-20/", ...ALL_BLOCKED },
  }),
  s3DeleteAccountPublicAccessBlock: accountPublicAccessBlock(SOVEREIGN, "DeleteAccountPublicAccessBlock"),
  s3PutBucketOwnershipControls: bucketCall(SOVEREIGN, "PutBucketOwnershipControls", {
    ownershipControls: [""],
    OwnershipControls: { Rule: { ObjectOwnership: "ObjectWriter" } },
  }),
  s3DeleteBucketOwnershipControls: bucketCall(SOVEREIGN, "DeleteBucketOwnershipControls", { ownershipControls: [""] }),
  s3GetBucketPolicy: bucketCall(SOVEREIGN, "GetBucketPolicy", { policy: [""] }, true),
  s3GetBucketPublicAccessBlock: bucketCall(SOVEREIGN, "GetBucketPublicAccessBlock", { publicAccessBlock: [""] }, true),
  s3GetBucketAcl: bucketCall(SOVEREIGN, "GetBucketAcl", { acl: [""] }, true),
  s3PutBucketLifecycle: bucketCall(SOVEREIGN, "PutBucketLifecycle", { lifecycle: [""] }),
  s3DeleteBucketLifecycle: bucketCall(SOVEREIGN, "DeleteBucketLifecycle", { lifecycle: [""] }),
  s3PutBucketReplication: bucketCall(SOVEREIGN, "PutBucketReplication", { replication: [""] }),
  s3DeleteBucketReplication: bucketCall(SOVEREIGN, "DeleteBucketReplication", { replication: [""] }),
  s3PutBucketCors: bucketCall(SOVEREIGN, "PutBucketCors", { cors: [""] }),
  s3DeleteBucketCors: bucketCall(SOVEREIGN, "DeleteBucketCors", { cors: [""] }),
  s3PutBucketEncryption: bucketCall(SOVEREIGN, "PutBucketEncryption", { encryption: [""] }),
  s3DeleteBucketEncryption: bucketCall(SOVEREIGN, "DeleteBucketEncryption", { encryption: [""] }),
  s3PutBucketVersioning: bucketCall(SOVEREIGN, "PutBucketVersioning", {
    versioning: [""],
    VersioningConfiguration: { Status: "Suspended", xmlns: "http://s3.amazonaws.com/doc/2006-03-01/" },
  }),
  s3GetBucketLifecycle: bucketCall(SOVEREIGN, "GetBucketLifecycle", { lifecycle: [""] }, true),
  s3GetBucketEncryption: bucketCall(SOVEREIGN, "GetBucketEncryption", { encryption: [""] }, true),
};

interface ObjectCall {
  readonly eventName: string;
  readonly key?: string;
  readonly request?: Record<string, unknown>;
  readonly responseElements?: unknown;
  readonly readOnly: boolean;
  readonly error?: { readonly errorCode: string; readonly errorMessage: string };
}

/** An object-level S3 call (a data event), made by a platform function through the VPC endpoint. */
function objectCall(side: Side, call: ObjectCall): CloudTrailRecord {
  const bucketArn = arn(side.partition, { service: "s3", resource: BUCKET });
  return {
    eventVersion: "1.09",
    userIdentity: roleSession(side, "subject-requests", "fn"),
    eventTime: "2026-03-02T10:05:03Z",
    eventSource: "s3.amazonaws.com",
    eventName: call.eventName,
    awsRegion: side.region,
    sourceIPAddress: "10.0.12.34",
    userAgent: SDK_AGENT,
    ...call.error,
    requestParameters: {
      bucketName: BUCKET,
      Host: s3Host(side, BUCKET),
      ...(call.key === undefined ? {} : { key: call.key }),
      ...call.request,
    },
    responseElements: call.error === undefined ? (call.responseElements ?? null) : null,
    additionalEventData: S3_ADDITIONAL,
    ...ids(),
    readOnly: call.readOnly,
    resources: [
      ...(call.key === undefined ? [] : [{ type: "AWS::S3::Object", ARN: `${bucketArn}/${call.key}` }]),
      { accountId: side.account, type: "AWS::S3::Bucket", ARN: bucketArn },
    ],
    eventType: "AwsApiCall",
    managementEvent: false,
    recipientAccountId: side.account,
    vpcEndpointId: "vpce-0a1b2c3d4e5f67890",
    eventCategory: "Data",
  };
}

const KEY = "tenant-a/avatars/9f86d081.jpg";

const S3_OBJECT_RECORDS = {
  s3DeleteObject: objectCall(SOVEREIGN, {
    eventName: "DeleteObject",
    key: KEY,
    readOnly: false,
    responseElements: { "x-amz-delete-marker": "true", "x-amz-version-id": "3HL4kqtJlcpXroDTDmJ-rmSpXd3dIbrHY" },
  }),
  s3DeleteObjectVersion: objectCall(SOVEREIGN, {
    eventName: "DeleteObject",
    key: KEY,
    request: { versionId: "3HL4kqtJlcpXroDTDmJ-rmSpXd3dIbrHY" },
    readOnly: false,
    responseElements: { "x-amz-version-id": "3HL4kqtJlcpXroDTDmJ-rmSpXd3dIbrHY" },
  }),
  /** A batch delete: one record for up to 1,000 keys, none of them named. */
  s3DeleteObjects: objectCall(SOVEREIGN, { eventName: "DeleteObjects", request: { delete: "" }, readOnly: false }),
  s3DeleteObjectCommercial: objectCall(COMMERCIAL, { eventName: "DeleteObject", key: KEY, readOnly: false }),
  s3DeleteObjectDenied: objectCall(SOVEREIGN, {
    eventName: "DeleteObject",
    key: KEY,
    readOnly: false,
    error: { errorCode: "AccessDenied", errorMessage: "Access Denied" },
  }),
  s3PutObject: objectCall(SOVEREIGN, {
    eventName: "PutObject",
    key: KEY,
    readOnly: false,
    request: { "x-amz-server-side-encryption": "aws:kms" },
    responseElements: {
      "x-amz-server-side-encryption": "aws:kms",
      "x-amz-version-id": "Nd3tDvYpHQQ6nOXVOvtEWO5Xf2OJR",
    },
  }),
  s3GetObject: objectCall(SOVEREIGN, { eventName: "GetObject", key: KEY, readOnly: true }),
};

function iam(eventName: string, requestParameters: Record<string, unknown>, readOnly = false): CloudTrailRecord {
  return management(SOVEREIGN, { eventSource: "iam.amazonaws.com", eventName, requestParameters, readOnly });
}

const POLICY_ARN = arn(SOVEREIGN.partition, {
  service: "iam",
  account: SOVEREIGN.account,
  resource: "policy/sip-upload",
});
const DOCUMENT = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}';

const IAM_RECORDS = {
  iamDeleteGroupPolicy: iam("DeleteGroupPolicy", { groupName: "operators", policyName: "inline" }),
  iamDeleteRolePolicy: iam("DeleteRolePolicy", { roleName: "image-scrub", policyName: "inline" }),
  iamDeleteUserPolicy: iam("DeleteUserPolicy", { userName: "break-glass", policyName: "inline" }),
  iamPutGroupPolicy: iam("PutGroupPolicy", { groupName: "operators", policyName: "inline", policyDocument: DOCUMENT }),
  iamPutRolePolicy: iam("PutRolePolicy", { roleName: "image-scrub", policyName: "inline", policyDocument: DOCUMENT }),
  iamPutUserPolicy: iam("PutUserPolicy", { userName: "break-glass", policyName: "inline", policyDocument: DOCUMENT }),
  iamCreatePolicy: iam("CreatePolicy", { policyName: "sip-upload", policyDocument: DOCUMENT }),
  iamDeletePolicy: iam("DeletePolicy", { policyArn: POLICY_ARN }),
  iamCreatePolicyVersion: iam("CreatePolicyVersion", {
    policyArn: POLICY_ARN,
    policyDocument: DOCUMENT,
    setAsDefault: true,
  }),
  iamDeletePolicyVersion: iam("DeletePolicyVersion", { policyArn: POLICY_ARN, versionId: "v1" }),
  iamAttachRolePolicy: iam("AttachRolePolicy", { roleName: "image-scrub", policyArn: POLICY_ARN }),
  iamDetachRolePolicy: iam("DetachRolePolicy", { roleName: "image-scrub", policyArn: POLICY_ARN }),
  iamAttachUserPolicy: iam("AttachUserPolicy", { userName: "break-glass", policyArn: POLICY_ARN }),
  iamDetachUserPolicy: iam("DetachUserPolicy", { userName: "break-glass", policyArn: POLICY_ARN }),
  iamAttachGroupPolicy: iam("AttachGroupPolicy", { groupName: "operators", policyArn: POLICY_ARN }),
  iamDetachGroupPolicy: iam("DetachGroupPolicy", { groupName: "operators", policyArn: POLICY_ARN }),
  iamGetRolePolicy: iam("GetRolePolicy", { roleName: "image-scrub", policyName: "inline" }, true),
  iamCreateRole: iam("CreateRole", { roleName: "sip-new", assumeRolePolicyDocument: DOCUMENT }),
  stsAssumeRole: management(SOVEREIGN, {
    eventSource: "sts.amazonaws.com",
    eventName: "AssumeRole",
    userIdentity: iamUser(SOVEREIGN, "operator"),
    userAgent: SDK_AGENT,
    requestParameters: {
      roleArn: arn(SOVEREIGN.partition, {
        service: "iam",
        account: SOVEREIGN.account,
        resource: "role/platform-deployer",
      }),
      roleSessionName: "terraform",
    },
    responseElements: { assumedRoleUser: { assumedRoleId: "AROAEXAMPLEROLEID:terraform" } },
    readOnly: true,
  }),
  /** Auto Scaling's DeletePolicy: the CIS pattern counts it too, as AWS documents (no eventSource in it). */
  autoscalingDeletePolicy: management(SOVEREIGN, {
    eventSource: "autoscaling.amazonaws.com",
    eventName: "DeletePolicy",
    requestParameters: { autoScalingGroupName: "legacy-workers", policyName: "scale-out" },
    readOnly: false,
  }),
};

const ROOT_RECORDS = {
  rootConsoleLogin: management(SOVEREIGN, {
    eventSource: "signin.amazonaws.com",
    eventName: "ConsoleLogin",
    userIdentity: rootIdentity(SOVEREIGN),
    userAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    eventType: "AwsConsoleSignIn",
    requestParameters: null,
    responseElements: { ConsoleLogin: "Success" },
    additionalEventData: {
      LoginTo: "https://console.eusc-de-east-1.amazonaws.eu/",
      MobileVersion: "No",
      MFAUsed: "Yes",
    },
    readOnly: false,
  }),
  rootCreateAccessKey: management(SOVEREIGN, {
    eventSource: "iam.amazonaws.com",
    eventName: "CreateAccessKey",
    userIdentity: rootIdentity(SOVEREIGN, { accessKeyId: "ASIAEXAMPLEROOTKEY" }),
    userAgent: "AWS Internal",
    requestParameters: null,
    responseElements: {
      accessKey: { accessKeyId: "AKIAEXAMPLENEWKEY", status: "Active", createDate: "Mar 2, 2026 10:04:27 AM" },
    },
    readOnly: false,
  }),
  /** Root's call denied: still root use, counted. */
  rootDeniedCall: management(COMMERCIAL, {
    eventSource: "s3.amazonaws.com",
    eventName: "ListBuckets",
    userIdentity: rootIdentity(COMMERCIAL, { accessKeyId: "ASIAEXAMPLEROOTKEY" }),
    userAgent: "aws-cli/2.27.0",
    error: { errorCode: "AccessDenied", errorMessage: "Access Denied" },
    requestParameters: { Host: endpointHost(COMMERCIAL.partition, "s3", COMMERCIAL.region) },
    readOnly: true,
  }),
  /** A call an AWS service made on root's behalf (invokedBy set): not root use by a person. */
  rootInvokedByService: management(SOVEREIGN, {
    eventSource: "kms.amazonaws.com",
    eventName: "GenerateDataKey",
    userIdentity: rootIdentity(SOVEREIGN, { invokedBy: "AWS Internal" }),
    userAgent: "AWS Internal",
    requestParameters: { keyId: KEY_ID, keySpec: "AES_256" },
    readOnly: true,
  }),
  /** A service event recorded against the root identity (synthetic: the CIS term excludes this event type). */
  rootServiceEvent: management(SOVEREIGN, {
    eventSource: "health.amazonaws.com",
    eventName: "AWSHealthEvent",
    userIdentity: rootIdentity(SOVEREIGN),
    userAgent: "health.amazonaws.com",
    eventType: "AwsServiceEvent",
    requestParameters: null,
    readOnly: false,
  }),
  iamUserConsoleLogin: management(SOVEREIGN, {
    eventSource: "signin.amazonaws.com",
    eventName: "ConsoleLogin",
    userIdentity: iamUser(SOVEREIGN, "operator"),
    userAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    eventType: "AwsConsoleSignIn",
    requestParameters: null,
    responseElements: { ConsoleLogin: "Success" },
    additionalEventData: { MobileVersion: "No", MFAUsed: "Yes" },
    readOnly: false,
  }),
};

const TRAIL = "prod-audit";

function cloudtrail(eventName: string, requestParameters: Record<string, unknown>, readOnly = false): CloudTrailRecord {
  return management(SOVEREIGN, { eventSource: "cloudtrail.amazonaws.com", eventName, requestParameters, readOnly });
}

const TRAIL_ARN = arn(SOVEREIGN.partition, {
  service: "cloudtrail",
  region: SOVEREIGN.region,
  account: SOVEREIGN.account,
  resource: `trail/${TRAIL}`,
});

const CLOUDTRAIL_RECORDS = {
  cloudtrailCreateTrail: cloudtrail("CreateTrail", {
    name: TRAIL,
    s3BucketName: "sip-prod-audit",
    isMultiRegionTrail: true,
  }),
  cloudtrailUpdateTrail: cloudtrail("UpdateTrail", { name: TRAIL, enableLogFileValidation: false }),
  cloudtrailDeleteTrail: cloudtrail("DeleteTrail", { name: TRAIL_ARN }),
  cloudtrailStartLogging: cloudtrail("StartLogging", { name: TRAIL_ARN }),
  cloudtrailStopLogging: cloudtrail("StopLogging", { name: TRAIL_ARN }),
  cloudtrailPutEventSelectors: cloudtrail("PutEventSelectors", {
    trailName: TRAIL,
    advancedEventSelectors: [
      { name: "Management events", fieldSelectors: [{ field: "eventCategory", equals: ["Management"] }] },
    ],
  }),
  cloudtrailGetTrailStatus: cloudtrail("GetTrailStatus", { name: TRAIL_ARN }, true),
  cloudtrailDescribeTrails: cloudtrail("DescribeTrails", { trailNameList: [], includeShadowTrails: true }, true),
  cloudtrailGetEventSelectors: cloudtrail("GetEventSelectors", { trailName: TRAIL }, true),
};

/** Every record, by name. */
export const RECORDS = {
  ...KMS_RECORDS,
  ...S3_CONFIG_RECORDS,
  ...S3_OBJECT_RECORDS,
  ...IAM_RECORDS,
  ...ROOT_RECORDS,
  ...CLOUDTRAIL_RECORDS,
} satisfies Record<string, CloudTrailRecord>;

export type RecordName = keyof typeof RECORDS;
