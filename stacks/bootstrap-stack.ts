import { arn } from "../config/partitions";
import type { DeploymentConfig } from "../config/schema";
import { type Construct, TerraformOutput } from "../framework/cdktf";
import { AuditTrail } from "../modules/audit-trail";
import { KmsKey } from "../modules/kms-key";
import type { Placement } from "../modules/placement";
import { PrivateBucket } from "../modules/private-bucket";
import { awsPlacement } from "./aws-placement";
import { declareLocalBackend } from "./backend";
import { sideCredentials } from "./credentials";
import { AWS_PROVIDER_CONSTRAINT, MANAGED_BY } from "./platform-stack";
import { ProviderPinning } from "./provider-pinning";
import { ReadableStack } from "./readable-stack";
import { type StateNames, stateNames } from "./state-names";

export interface BootstrapStackProps {
  /** A validated configuration; the bootstrap stack reads its environment and sovereign side. */
  readonly config: DeploymentConfig;
}

/**
 * Days a state version stays recoverable after it was overwritten: every apply writes one, and an
 * older one is how a broken or lost state is recovered.
 */
export const STATE_NONCURRENT_RETENTION_DAYS = 365;

/**
 * Days after its last write the current state expires: ten years, the longest the guardrails let a
 * bucket without a data class keep an object (SIP-S3-7, issue 15: 36500 days was no expiry at all).
 * Every apply that changes anything writes a new state, so only a platform nobody applied for ten
 * years loses it, and then it stays recoverable for STATE_NONCURRENT_RETENTION_DAYS (remove the
 * delete marker).
 */
export const STATE_RETENTION_DAYS = 3653;

/**
 * Where the platform stack keeps its Terraform state (`<environment>-bootstrap`): the state bucket
 * and its key in the sovereign account and region, on the same provider settings as the platform
 * stack's sovereign side, and a trail that records every read and write of the state. Its own state is local (state/<environment>-bootstrap.tfstate): it cannot
 * live in the bucket it creates. Locking needs no table: the platform stack's S3 backend locks with
 * a lock file in the bucket (`use_lockfile`, Terraform >= 1.10).
 */
export class BootstrapStack extends ReadableStack {
  readonly sovereign: Placement;
  readonly names: StateNames;
  readonly stateKey: KmsKey;
  readonly stateBucket: PrivateBucket;
  readonly auditTrail: AuditTrail;

  constructor(scope: Construct, props: BootstrapStackProps) {
    const { config } = props;
    const { accountId, region, administratorRoleName } = config.partitions.sovereign;
    const names = stateNames(config.environment, accountId, region);
    super(scope, names.bootstrapStackName);
    this.names = names;
    const pinning = new ProviderPinning(this);
    this.node.addValidation(pinning);
    this.sovereign = awsPlacement(this, "sovereign", pinning, {
      side: "sovereign",
      alias: "sovereign",
      accountId,
      region,
      administratorRoleName,
      credentials: sideCredentials(config, "sovereign"),
      defaultTags: { Environment: config.environment, ManagedBy: MANAGED_BY, Side: "sovereign" },
    });
    this.addOverride("terraform.required_providers.aws", { source: "hashicorp/aws", version: AWS_PROVIDER_CONSTRAINT });
    declareLocalBackend(this, names.bootstrapStatePath);

    const env = config.environment;
    const deployRole = arn(this.sovereign.partition, {
      service: "iam",
      account: accountId,
      resource: `role/${administratorRoleName}`,
    });
    this.stateKey = new KmsKey(this, "state-key", {
      placement: this.sovereign,
      aliasName: names.keyAliasName,
      description: `${env}: Terraform state of the platform stack (sovereign)`,
    });
    this.stateBucket = new PrivateBucket(this, "state-bucket", {
      placement: this.sovereign,
      bucketName: names.bucketName,
      encryptionKey: this.stateKey,
      // The current state expires only ten years after its last write; overwritten versions after a year.
      retentionDays: STATE_RETENTION_DAYS,
      noncurrentRetentionDays: STATE_NONCURRENT_RETENTION_DAYS,
      // Terraform reads and writes the state from where it runs, before the platform's VPC (and its
      // S3 endpoint) exists; instead of the endpoint, only the deploy role reaches the objects.
      allowAccessOutsideVpcEndpoint: true,
      objectAccessRoles: [deployRole],
      // The S3 backend names the key by its alias ARN (state-names.ts).
      acceptKeyAliasInPuts: true,
    });

    // Who read or wrote the state is recorded from the first apply on, before the platform's trail
    // exists. Management events are the platform trail's (a second copy would be charged).
    this.auditTrail = new AuditTrail(this, "state-audit", {
      placement: this.sovereign,
      name: `${env}-tfstate`,
      bucketName: `${env}-tfstate-audit-${accountId}`,
      encryptionKey: new KmsKey(this, "state-audit-key", {
        placement: this.sovereign,
        aliasName: `${names.keyAliasName}-audit`,
        description: `${env}: audit trail of the Terraform state bucket (sovereign)`,
      }),
      allowAccessOutsideVpcEndpoint: true,
      objectAccessRoles: [deployRole],
      dataEventBuckets: [this.stateBucket],
      recordManagementEvents: false,
    });

    new TerraformOutput(this, "state-bucket-name", { value: this.stateBucket.bucketName });
    new TerraformOutput(this, "state-key-arn", { value: this.stateKey.keyArn });
    new TerraformOutput(this, "state-key-alias-arn", { value: this.stateKey.aliasArn });
  }
}
