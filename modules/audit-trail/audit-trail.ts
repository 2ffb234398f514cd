import { arn } from "../../config/partitions";
import { Construct } from "../../framework/cdktf";
import { Cloudtrail, IamRole, IamRolePolicy } from "../../framework/aws";
import { policyDocument, renderPolicy, trustPolicyDocument } from "../../policies/documents/policy-document";
import { ValidationError } from "../errors";
import type { KmsKey } from "../kms-key";
import { LogGroup } from "../log-group";
import type { Placement } from "../placement";
import { PrivateBucket } from "../private-bucket";

/** Days every log file version is locked by default (AuditTrailProps.objectLockDays). */
export const AUDIT_OBJECT_LOCK_DAYS = 365;
/** Days until log files expire by default (AuditTrailProps.retentionDays): seven years. */
export const AUDIT_RETENTION_DAYS = 2557;

export interface AuditTrailProps {
  readonly placement: Placement;
  /** Prefix of names, e.g. the environment. */
  readonly name: string;
  /** Name of the audit bucket. */
  readonly bucketName: string;
  /** Key for the trail, its bucket and its log group; must live in the same placement. */
  readonly encryptionKey: KmsKey;
  /**
   * The platform's S3 gateway endpoint: reading the audit logs is limited to it. Required unless
   * allowAccessOutsideVpcEndpoint is named.
   * @default - none
   */
  readonly vpcEndpointId?: string;
  /**
   * Allows reading the audit logs from outside a VPC endpoint: for a side without a VPC (the
   * commercial account). A weakening, named.
   * @default false
   */
  readonly allowAccessOutsideVpcEndpoint?: boolean;
  /**
   * The only roles (full ARNs) that may read the audit logs, wherever they come from; CloudTrail
   * still delivers (PrivateBucket `objectAccessRoles`). For a trail whose bucket has no VPC endpoint
   * to be limited to, such as the bootstrap stack's.
   * @default - no such limit
   */
  readonly objectAccessRoles?: readonly string[];
  /** Buckets whose object-level operations (data events) the trail records. */
  readonly dataEventBuckets: readonly PrivateBucket[];
  /**
   * Whether the trail also records management events. Turn it off for a second trail in an account
   * whose first trail records them already (AWS charges for every further copy).
   * @default true
   */
  readonly recordManagementEvents?: boolean;
  /**
   * Days every log file version is locked in COMPLIANCE mode: nobody, not even the root user, can
   * delete or overwrite it before then.
   * @default 365
   */
  readonly objectLockDays?: number;
  /**
   * Days until log files expire (at least objectLockDays).
   * @default 2557 (seven years)
   */
  readonly retentionDays?: number;
  /**
   * Days the events are kept in CloudWatch Logs for queries and alarms.
   * @default 365
   */
  readonly logRetentionDays?: number;
  /**
   * Make it the organization's trail (`is_organization_trail`): the placement must be the
   * organization's management account; every member account's events are recorded too, their log
   * files written under `AWSLogs/<organization ID>/` of the bucket (the bucket policy admits this
   * trail under `AWSLogs/`, so the ID need not be known before apply), and they reach the log group
   * (so its alarms watch the member accounts as well).
   * @default false - a trail of the placement's account only
   */
  readonly organizationTrail?: boolean;
  /** Tags for the bucket, log group and role (e.g. the DataClass the logs belong to). @default - none */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * CloudTrail for management events (unless turned off) and S3 data events of the platform buckets, with log file
 * validation and KMS encryption, delivering to an audit bucket under COMPLIANCE object lock and to
 * a CloudWatch log group with bounded retention.
 */
export class AuditTrail extends Construct {
  readonly trail: Cloudtrail;
  readonly bucket: PrivateBucket;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: AuditTrailProps) {
    super(scope, id);
    const { placement, encryptionKey } = props;
    if (props.dataEventBuckets.length === 0) {
      throw new ValidationError(
        "AuditTrail.dataEventBuckets",
        "dataEventBuckets must name the platform buckets whose data events are recorded",
        this,
      );
    }
    const trailName = `${props.name}-audit`;
    const trailArn = arn(placement.partition, {
      service: "cloudtrail",
      region: placement.region,
      account: placement.accountId,
      resource: `trail/${trailName}`,
    });
    this.bucket = new PrivateBucket(this, "bucket", {
      placement,
      bucketName: props.bucketName,
      encryptionKey,
      retentionDays: props.retentionDays ?? AUDIT_RETENTION_DAYS,
      noncurrentRetentionDays: props.objectLockDays ?? AUDIT_OBJECT_LOCK_DAYS,
      objectLock: { mode: "COMPLIANCE", retentionDays: props.objectLockDays ?? AUDIT_OBJECT_LOCK_DAYS },
      vpcEndpointId: props.vpcEndpointId,
      allowAccessOutsideVpcEndpoint: props.allowAccessOutsideVpcEndpoint,
      objectAccessRoles: props.objectAccessRoles,
      tags: { ...props.tags, Purpose: "audit" },
    });
    this.letTrailDeliver(props, trailArn);
    this.logGroup = new LogGroup(this, "log-group", {
      placement,
      logGroupName: `/sip/${props.name}/cloudtrail`,
      encryptionKey,
      retentionDays: props.logRetentionDays ?? 365,
      tags: props.tags,
    });
    const logsRole = this.logsRole(props, trailName, trailArn);
    this.trail = this.createTrail(props, trailName, logsRole);
  }

  /**
   * Lets CloudTrail, for this trail only (`aws:SourceArn`), check the bucket's ACL, write log files
   * under `AWSLogs/<account>/`, and encrypt them with the key; denies every other write of objects
   * (puts, copies, uploads, replication), whatever the writer's own policies allow, so the bucket
   * holds log files only (SIP-S3-8 accepts it as a dedicated log bucket although it carries a data class).
   */
  private letTrailDeliver(props: AuditTrailProps, trailArn: string): void {
    const { placement, encryptionKey } = props;
    const fromThisTrail = { StringEquals: { "aws:SourceArn": trailArn } };
    this.bucket.addToResourcePolicy({
      Sid: "CloudTrailAclCheck",
      Effect: "Allow",
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: "s3:GetBucketAcl",
      Resource: this.bucket.bucketArn,
      Condition: fromThisTrail,
    });
    this.bucket.addToResourcePolicy({
      Sid: "CloudTrailWrite",
      Effect: "Allow",
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: "s3:PutObject",
      // An organization trail writes the member accounts' log files under the organization's ID.
      Resource:
        props.organizationTrail === true
          ? `${this.bucket.bucketArn}/AWSLogs/*`
          : `${this.bucket.bucketArn}/AWSLogs/${placement.accountId}/*`,
      Condition: { StringEquals: { "aws:SourceArn": trailArn, "s3:x-amz-acl": "bucket-owner-full-control" } },
    });
    this.bucket.addToResourcePolicy({
      Sid: "DenyWritesOtherThanThisTrail",
      Effect: "Deny",
      Principal: "*",
      Action: ["s3:PutObject", "s3:ReplicateObject"],
      Resource: `${this.bucket.bucketArn}/*`,
      Condition: { StringNotEquals: { "aws:SourceArn": trailArn } },
    });
    encryptionKey.addToResourcePolicy({
      Sid: "CloudTrailEncrypt",
      Effect: "Allow",
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: "kms:GenerateDataKey*",
      Resource: "*",
      Condition: {
        StringEquals: { "aws:SourceArn": trailArn },
        StringLike: {
          "kms:EncryptionContext:aws:cloudtrail:arn": arn(placement.partition, {
            service: "cloudtrail",
            region: "*",
            account: placement.accountId,
            resource: "trail/*",
          }),
        },
      },
    });
    encryptionKey.addToResourcePolicy({
      Sid: "CloudTrailDescribeKey",
      Effect: "Allow",
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: "kms:DescribeKey",
      Resource: "*",
      Condition: fromThisTrail,
    });
  }

  /** The role this trail (only) assumes to deliver events to the log group, and its policy. */
  private logsRole(
    props: AuditTrailProps,
    trailName: string,
    trailArn: string,
  ): { role: IamRole; policy: IamRolePolicy } {
    const provider = props.placement.provider;
    const role = new IamRole(this, "logs-role", {
      provider,
      name: `${props.name}-cloudtrail-logs`,
      description: `Lets CloudTrail ${trailName} deliver events to CloudWatch Logs`,
      assumeRolePolicy: renderPolicy(
        trustPolicyDocument([
          {
            Sid: "ThisTrail",
            Effect: "Allow",
            Principal: { Service: "cloudtrail.amazonaws.com" },
            Action: "sts:AssumeRole",
            Condition: { StringEquals: { "aws:SourceArn": trailArn } },
          },
        ]),
      ),
    });
    const policy = new IamRolePolicy(this, "logs-role-policy", {
      provider,
      role: role.id,
      name: "deliver-events",
      policy: renderPolicy(
        policyDocument([
          {
            Sid: "DeliverEvents",
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resource: `${this.logGroup.logGroupArn}:log-stream:*`,
          },
        ]),
      ),
    });
    return { role, policy };
  }

  /** The trail: management events (unless turned off) and object operations on the named buckets. */
  private createTrail(
    props: AuditTrailProps,
    trailName: string,
    logsRole: { role: IamRole; policy: IamRolePolicy },
  ): Cloudtrail {
    return new Cloudtrail(this, "trail", {
      provider: props.placement.provider,
      name: trailName,
      s3BucketName: this.bucket.bucket.id,
      includeGlobalServiceEvents: true,
      isMultiRegionTrail: true,
      ...(props.organizationTrail === true ? { isOrganizationTrail: true } : {}),
      enableLogFileValidation: true,
      kmsKeyId: props.encryptionKey.keyArn,
      cloudWatchLogsGroupArn: `${this.logGroup.logGroupArn}:*`,
      cloudWatchLogsRoleArn: logsRole.role.arn,
      advancedEventSelector: [
        ...(props.recordManagementEvents === false
          ? []
          : [{ name: "Management events", fieldSelector: [{ field: "eventCategory", equalTo: ["Management"] }] }]),
        {
          name: "Object operations on the platform buckets",
          fieldSelector: [
            { field: "eventCategory", equalTo: ["Data"] },
            { field: "resources.type", equalTo: ["AWS::S3::Object"] },
            { field: "resources.ARN", startsWith: props.dataEventBuckets.map((b) => `${b.bucketArn}/`) },
          ],
        },
      ],
      dependsOn: [this.bucket.policy, logsRole.policy],
    });
  }
}
