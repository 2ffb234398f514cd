import { arn } from "../../config/partitions";
import {
  ConfigAggregateAuthorization,
  ConfigConfigRule,
  ConfigConfigurationRecorder,
  ConfigConfigurationRecorderStatus,
  ConfigDeliveryChannel,
  EbsEncryptionByDefault,
  IamRole,
  IamRolePolicyAttachment,
  S3AccountPublicAccessBlock,
} from "../../framework/aws";
import { Construct } from "../../framework/cdktf";
import { renderPolicy, trustPolicyDocument } from "../../policies/documents/policy-document";
import { ValidationError } from "../errors";
import { KEY_SERVICE_PUBLISH_ACTIONS } from "../kms-key/perms";
import type { Placement } from "../placement";
import type { PrivateBucket } from "../private-bucket";
import {
  BASELINE_MANAGED_RULES,
  GLOBAL_RESOURCE_RECORDING_REGIONS,
  NO_REPLICATION_GUARD_POLICY,
  NO_REPLICATION_RULE_SUFFIX,
} from "./rules";

const ACCOUNT_ID = /^\d{12}$/;
const NAME = /^[a-zA-Z0-9-]{1,40}$/;

export interface AccountBaselineProps {
  /** The tenant account (its provider assumes a role there); every resource of the baseline lives here. */
  readonly placement: Placement;
  /** Prefix of names, e.g. `<env>-<tenant>` (letters, digits and "-", at most 40). */
  readonly name: string;
  /**
   * The platform's bucket for AWS Config deliveries (in the platform account, same partition), with
   * its key: Config delivers snapshots and history under `AWSLogs/<tenant account>/Config/`,
   * encrypted with the bucket's key. The baseline adds to that bucket's policy and key policy the
   * statements that let Config deliver for this account only (`aws:SourceAccount`). Not the
   * AuditTrail's bucket (it refuses every writer but its trail), and not a bucket under object lock
   * (AWS Config cannot deliver to one).
   */
  readonly configBucket: PrivateBucket;
  /** The platform account, which aggregates the tenant's Config data (12 digits). */
  readonly aggregatorAccountId: string;
  /**
   * The region of the platform's aggregator.
   * @default - placement.region
   */
  readonly aggregatorRegion?: string;
  /**
   * Record the global IAM resource types (users, roles, groups, policies) in this region.
   * @default - true where AWS Config can record them (GLOBAL_RESOURCE_RECORDING_REGIONS), false elsewhere
   */
  readonly recordGlobalResourceTypes?: boolean;
  /** Tags for the resources that take tags (the Config role and rules). @default - none */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * The baseline of an account-tier tenant's account: account-level S3 Block Public Access, EBS
 * encryption by default, AWS Config (recorder of all supported resource types, delivery to the
 * platform's bucket, the rules of BASELINE_MANAGED_RULES and a no-replication rule) and the
 * authorization for the platform account to aggregate it. No trail and no default VPC handling:
 * the organization trail and a Service Control Policy cover those (README.md).
 */
export class AccountBaseline extends Construct {
  readonly publicAccessBlock: S3AccountPublicAccessBlock;
  readonly ebsEncryption: EbsEncryptionByDefault;
  readonly configRole: IamRole;
  readonly recorder: ConfigConfigurationRecorder;
  readonly deliveryChannel: ConfigDeliveryChannel;
  readonly recorderStatus: ConfigConfigurationRecorderStatus;
  readonly rules: readonly ConfigConfigRule[];
  readonly aggregateAuthorization: ConfigAggregateAuthorization;

  constructor(scope: Construct, id: string, props: AccountBaselineProps) {
    super(scope, id);
    this.validate(props);
    const { placement } = props;
    const provider = placement.provider;
    this.publicAccessBlock = new S3AccountPublicAccessBlock(this, "s3-public-access-block", {
      provider,
      accountId: placement.accountId,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    this.ebsEncryption = new EbsEncryptionByDefault(this, "ebs-encryption-by-default", { provider, enabled: true });
    this.configRole = this.createConfigRole(props);
    this.recorder = new ConfigConfigurationRecorder(this, "recorder", {
      provider,
      name: props.name,
      roleArn: this.configRole.arn,
      recordingGroup: {
        allSupported: true,
        includeGlobalResourceTypes:
          props.recordGlobalResourceTypes ?? GLOBAL_RESOURCE_RECORDING_REGIONS.has(placement.region),
      },
    });
    this.deliveryChannel = this.createDeliveryChannel(props);
    this.recorderStatus = new ConfigConfigurationRecorderStatus(this, "recorder-status", {
      provider,
      name: this.recorder.name,
      isEnabled: true,
      dependsOn: [this.deliveryChannel],
    });
    this.rules = this.createRules(props);
    this.aggregateAuthorization = new ConfigAggregateAuthorization(this, "aggregate-authorization", {
      provider,
      accountId: props.aggregatorAccountId,
      // The authorized region. Provider 6.x names it authorized_aws_region and keeps `region` as its
      // deprecated alias (documented as "the region authorized to collect aggregated data"); 5.x,
      // which the offline provider mirror holds for `terraform validate`, knows only `region`.
      // Switch to authorizedAwsRegion once the mirror carries 6.x (README.md).
      region: props.aggregatorRegion ?? placement.region,
      tags: props.tags ? { ...props.tags } : undefined,
    });
  }

  private validate(props: AccountBaselineProps): void {
    if (!NAME.test(props.name))
      throw new ValidationError(
        "AccountBaseline.name",
        `name must be 1-40 letters, digits and "-" (value: "${props.name}")`,
        this,
      );
    for (const [field, value] of [
      ["placement.accountId", props.placement.accountId],
      ["aggregatorAccountId", props.aggregatorAccountId],
    ] as const) {
      if (!ACCOUNT_ID.test(value))
        throw new ValidationError(`AccountBaseline.${field}`, `${field} must be 12 digits (value: "${value}")`, this);
    }
    if (props.aggregatorRegion !== undefined && !props.placement.partition.regionPattern.test(props.aggregatorRegion))
      throw new ValidationError(
        "AccountBaseline.aggregatorRegion",
        `aggregatorRegion must be a region of ${props.placement.partition.name} (value: "${props.aggregatorRegion}")`,
        this,
      );
    if (props.configBucket.bucket.objectLockEnabledInput === true)
      throw new ValidationError(
        "AccountBaseline.configBucket",
        `configBucket ${props.configBucket.bucketName} is under object lock, which AWS Config cannot deliver to`,
        this,
      );
  }

  /** The role the recorder uses: AWS_ConfigRole (read configurations), assumable by Config for this account only. */
  private createConfigRole(props: AccountBaselineProps): IamRole {
    const { placement } = props;
    const role = new IamRole(this, "config-role", {
      provider: placement.provider,
      name: `${props.name}-config-recorder`,
      description: "Lets AWS Config record this account's resource configurations",
      assumeRolePolicy: renderPolicy(
        trustPolicyDocument([
          {
            Sid: "ConfigOfThisAccount",
            Effect: "Allow",
            Principal: { Service: "config.amazonaws.com" },
            Action: "sts:AssumeRole",
            Condition: { StringEquals: { "aws:SourceAccount": placement.accountId } },
          },
        ]),
      ),
      tags: props.tags ? { ...props.tags } : undefined,
    });
    new IamRolePolicyAttachment(this, "config-role-policy", {
      provider: placement.provider,
      role: role.name,
      policyArn: arn(placement.partition, {
        service: "iam",
        account: "aws",
        resource: "policy/service-role/AWS_ConfigRole",
      }),
    });
    return role;
  }

  /**
   * Delivery to the platform's bucket under its key. The role has no S3 permissions: for a bucket of
   * another account Config then delivers as its service principal, which the bucket policy admits
   * for this account only (AWS Config developer guide, "Permissions for the Amazon S3 bucket").
   */
  private createDeliveryChannel(props: AccountBaselineProps): ConfigDeliveryChannel {
    const { placement, configBucket } = props;
    const account = placement.accountId;
    const fromThisAccount = { "aws:SourceAccount": account };
    configBucket.addToResourcePolicy({
      Sid: `ConfigBucketCheck${account}`,
      Effect: "Allow",
      Principal: { Service: "config.amazonaws.com" },
      Action: ["s3:GetBucketAcl", "s3:ListBucket"],
      Resource: configBucket.bucketArn,
      Condition: { StringEquals: fromThisAccount },
    });
    configBucket.addToResourcePolicy({
      Sid: `ConfigDelivery${account}`,
      Effect: "Allow",
      Principal: { Service: "config.amazonaws.com" },
      Action: "s3:PutObject",
      Resource: `${configBucket.bucketArn}/AWSLogs/${account}/Config/*`,
      Condition: { StringEquals: { ...fromThisAccount, "s3:x-amz-acl": "bucket-owner-full-control" } },
    });
    configBucket.encryptionKey.addToResourcePolicy({
      Sid: `ConfigEncrypt${account}`,
      Effect: "Allow",
      Principal: { Service: "config.amazonaws.com" },
      Action: KEY_SERVICE_PUBLISH_ACTIONS,
      Resource: "*",
      Condition: { StringEquals: fromThisAccount },
    });
    return new ConfigDeliveryChannel(this, "delivery-channel", {
      provider: placement.provider,
      name: props.name,
      s3BucketName: configBucket.bucketName,
      s3KmsKeyArn: configBucket.encryptionKey.keyArn,
      snapshotDeliveryProperties: { deliveryFrequency: "TwentyFour_Hours" },
      dependsOn: [this.recorder, configBucket.policy],
    });
  }

  /** The managed rules and the no-replication custom policy rule; each needs the recorder. */
  private createRules(props: AccountBaselineProps): ConfigConfigRule[] {
    const provider = props.placement.provider;
    const tags = props.tags ? { ...props.tags } : undefined;
    const managed = BASELINE_MANAGED_RULES.map(
      (rule) =>
        new ConfigConfigRule(this, `rule-${rule.suffix}`, {
          provider,
          name: `${props.name}-${rule.suffix}`,
          description: rule.description,
          source: { owner: "AWS", sourceIdentifier: rule.identifier },
          tags,
          dependsOn: [this.recorder],
        }),
    );
    const noReplication = new ConfigConfigRule(this, `rule-${NO_REPLICATION_RULE_SUFFIX}`, {
      provider,
      name: `${props.name}-${NO_REPLICATION_RULE_SUFFIX}`,
      description: "Cross-region replication: no bucket of this account replicates (data leaves only through the sync)",
      scope: { complianceResourceTypes: ["AWS::S3::Bucket"] },
      source: {
        owner: "CUSTOM_POLICY",
        sourceDetail: [
          { eventSource: "aws.config", messageType: "ConfigurationItemChangeNotification" },
          { eventSource: "aws.config", messageType: "OversizedConfigurationItemChangeNotification" },
        ],
        customPolicyDetails: { policyRuntime: "guard-2.x.x", policyText: NO_REPLICATION_GUARD_POLICY },
      },
      tags,
      dependsOn: [this.recorder],
    });
    return [...managed, noReplication];
  }
}
