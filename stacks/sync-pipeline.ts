import { join } from "node:path";
import { endpointUrl } from "../config/partitions";
import { CROSS_PARTITION_SYNC, SIGNING_MATERIAL_EXCEPTION } from "../policies/core/exception-names";
import type { DeploymentConfig } from "../config/schema";
import { LambdaPermission, SecretsmanagerSecret } from "../framework/aws";
import { Construct } from "../framework/cdktf";
import type { KmsKey } from "../modules/kms-key";
import { LambdaFunction } from "../modules/lambda-function";
import type { Network } from "../modules/network";
import type { Placement } from "../modules/placement";
import { PrivateBucket } from "../modules/private-bucket";
import type { RolesAnywhereTrust } from "../modules/roles-anywhere-trust";
import { SYNC_RECORDS_PREFIX } from "../functions/cross-partition-sync/standby-index-layout";
import { grantActAsTenants, grantDecryptTenantObjects, tenantDirectoryEnvironment } from "./tenant-access";

export interface SyncPipelineProps {
  readonly placement: Placement;
  readonly environment: string;
  readonly sizing: DeploymentConfig["functions"]["sync"];
  /** The sovereign network; it must have the controlled egress path (`allowInternetEgress`). */
  readonly network: Network;
  /** Key for the function's environment, logs, dead-letter queue and the signing-material secret. */
  readonly key: KmsKey;
  /** The sovereign bucket whose objects are replicated (clean avatars) and its data class. */
  readonly source: PrivateBucket;
  readonly sourceDataClass: string;
  /** The commercial failover bucket of the same data class, and where it lives. */
  readonly target: PrivateBucket;
  readonly targetPlacement: Placement;
  /** The commercial Roles Anywhere trust the function takes its credentials from. */
  readonly trust: RolesAnywhereTrust;
  readonly sessionDurationSeconds: number;
  /** Folder with the function zips (scripts/bundle-functions.mjs). */
  readonly artifactsDir: string;
  /**
   * Outage uploads (crossPartition.standby.outageUploads), for the sync of the class the standby
   * serves: failback also brings the commercial inbox's uploads home into the sovereign originals
   * bucket, opening each upload's sealed subject with the sovereign sealing key.
   * @default - none
   */
  readonly outageUploads?: FailbackOutageUploads;
}

/** What failback needs to bring outage uploads home (docs/cross-partition.md §7). */
export interface FailbackOutageUploads {
  /** The commercial inbox (read, listed and emptied through the Roles Anywhere role). */
  readonly inbox: PrivateBucket;
  /** The sovereign originals bucket of the upload class: where the uploads go, to be scrubbed. */
  readonly home: PrivateBucket;
  /** The sovereign RSA key each upload's subject is sealed to (`alias/<env>/outage-subjects`). */
  readonly sealingKey: KmsKey;
  /** The sovereign pseudonym key and the sovereign standby pseudonym key (a subject's two pseudonyms). */
  readonly pseudonymKey: KmsKey;
  readonly standbyPseudonymKey: KmsKey;
}

/**
 * Clean bucket -> S3 event (created, removed) -> sync function -> commercial failover bucket. The
 * function runs in the controlled egress path's workload subnet, reads the source through the S3
 * gateway endpoint with its own role, and writes the target with Roles Anywhere credentials signed by
 * the leaf certificate in a KMS-encrypted secret (its value is stored by a separate step, never by
 * Terraform: docs/cross-partition.md). The commercial ARNs in its environment are the one
 * cross-partition reference of the sovereign side, tagged as the named exception the guardrails check.
 */
export class SyncPipeline extends Construct {
  readonly function: LambdaFunction;
  /**
   * Failback (after a sovereign outage, pull what changed on the commercial side back), invoked by
   * an operator: it runs inside the VPC with its own role, so no operator credential ever needs
   * object access to the sovereign bucket from outside its S3 endpoint.
   */
  readonly failback: LambdaFunction;
  readonly signingMaterial: SecretsmanagerSecret;
  /** Host names the function reaches in the commercial partition (the egress allowlist). */
  static allowedDomains(target: Placement, targetBucketName: string): string[] {
    const host = (service: string) => new URL(endpointUrl(target.partition, service, target.region)).host;
    return [host("rolesanywhere"), `${targetBucketName}.${host("s3")}`].sort();
  }

  constructor(scope: Construct, id: string, props: SyncPipelineProps) {
    super(scope, id);
    const functionName = `${props.environment}-sync-${props.sourceDataClass}`;
    this.signingMaterial = this.createSigningMaterial(props, functionName);
    const crossingEnvironment = this.crossingEnvironment(props);
    this.function = this.createSync(props, functionName, crossingEnvironment);
    this.failback = this.createFailback(props, crossingEnvironment);
    this.invokeOnSourceChanges(props);
  }

  /** The secret the leaf certificate and key are stored in, encrypted with the functions' key. */
  private createSigningMaterial(props: SyncPipelineProps, functionName: string): SecretsmanagerSecret {
    return new SecretsmanagerSecret(this, "signing-material", {
      provider: props.placement.provider,
      name: `${props.environment}/sync/${props.sourceDataClass}/signing-material`,
      description: `Roles Anywhere leaf certificate and key of ${functionName}: {"certificate","privateKey","intermediates"?} in PEM; stored by certs, never by Terraform`,
      kmsKeyId: props.key.keyArn,
      recoveryWindowInDays: 30,
      tags: {
        "sip:exception": SIGNING_MATERIAL_EXCEPTION,
        "sip:justification":
          "Renewed by certificate issuance (certs renew-leaf, then the store step in docs/cross-partition.md), not by a rotation function: the CA key that signs new leaves never enters the cloud account",
      },
    });
  }

  /** What both functions need to reach the other side: buckets, key, the Roles Anywhere ARNs, the secret. */
  private crossingEnvironment(props: SyncPipelineProps): Record<string, string> {
    const { source, target, trust } = props;
    return {
      SOURCE_BUCKET: source.bucketName,
      TARGET_REGION: props.targetPlacement.region,
      TARGET_BUCKET: target.bucketName,
      TARGET_KMS_KEY_ARN: target.encryptionKey.keyArn,
      ROLES_ANYWHERE_TRUST_ANCHOR_ARN: trust.trustAnchor.arn,
      ROLES_ANYWHERE_PROFILE_ARN: trust.profile.arn,
      ROLES_ANYWHERE_ROLE_ARN: trust.roleFor(props.sourceDataClass).arn,
      ROLES_ANYWHERE_SESSION_SECONDS: String(props.sessionDurationSeconds),
      SIGNING_MATERIAL_SECRET_ID: this.signingMaterial.arn,
      SYNC_ALLOWED_DATA_CLASSES: props.sourceDataClass,
    };
  }

  /** The sync function: reads the source (also tenants' objects, under their keys) and confirms deletes. */
  private createSync(
    props: SyncPipelineProps,
    functionName: string,
    crossingEnvironment: Record<string, string>,
  ): LambdaFunction {
    const { placement, source } = props;
    const fn = new LambdaFunction(this, "sync", {
      placement,
      functionName,
      zipFile: join(props.artifactsDir, "sync.zip"),
      network: props.network,
      allowInternetEgress: true,
      key: props.key,
      reservedConcurrency: props.sizing.reservedConcurrency,
      memorySizeMb: props.sizing.memorySizeMb,
      timeoutSeconds: props.sizing.timeoutSeconds,
      // S3 invokes the sync asynchronously: a failed event is tried twice more (records already copied
      // are skipped then), an event throttled by the reserved concurrency waits up to 6 hours; after
      // that it goes to the dead-letter queue as the original S3 event (npm run replay-sync).
      asyncMaximumRetryAttempts: 2,
      asyncMaximumEventAgeSeconds: 6 * 3600,
      environment: crossingEnvironment,
      tags: {
        "sip:exception": CROSS_PARTITION_SYNC,
        "sip:justification":
          "Replicates the failover data class to the commercial partition with Roles Anywhere credentials",
      },
    });
    source.grantRead(fn, { sid: "ReadSource" });
    // Logical-tier tenants' objects are encrypted with the tenants' own keys.
    grantDecryptTenantObjects(fn, placement, props.environment);
    // Without ListBucket a missing key answers 403, not 404, and a delete could never be confirmed;
    // ListBucketVersions finds the failback copy a delete erased (its original is erased too).
    source.grantListVersions(fn, { sid: "ConfirmSourceDeletes" });
    // The standby index (sovereign): which standby pseudonym names a subject's replicas, so that a
    // delete finds its replica and failback the way home (functions/cross-partition-sync/standby-index.ts).
    source.grantPut(fn, { sid: "RecordStandbyIndex", prefix: SYNC_RECORDS_PREFIX });
    this.grantReadSigningMaterial(fn);
    source.grantKeyUse(fn, "UseSourceKey");
    return fn;
  }

  /**
   * The failback function: the sync's environment reversed (functions/cross-partition-sync/
   * failback-handler.ts), plus the sovereign key for the copies and the tenant directory (logical
   * tenants' objects come back as their role, under their key).
   */
  private createFailback(props: SyncPipelineProps, crossingEnvironment: Record<string, string>): LambdaFunction {
    const { placement, source } = props;
    const env = props.environment;
    const back = new LambdaFunction(this, "failback", {
      placement,
      functionName: `${env}-failback-${props.sourceDataClass}`,
      zipFile: join(props.artifactsDir, "failback.zip"),
      network: props.network,
      allowInternetEgress: true,
      key: props.key,
      // One run at a time: two concurrent failbacks would decide conflicts against each other.
      reservedConcurrency: 1,
      memorySizeMb: props.sizing.memorySizeMb,
      timeoutSeconds: 900,
      environment: {
        ...crossingEnvironment,
        SOURCE_KMS_KEY_ARN: source.encryptionKey.keyArn,
        ...tenantDirectoryEnvironment(env),
        ...(props.outageUploads === undefined ? {} : outageEnvironment(props.outageUploads)),
      },
      tags: {
        "sip:exception": CROSS_PARTITION_SYNC,
        "sip:justification":
          "Pulls what changed in the commercial failover bucket during an outage back (failback), invoked by an operator",
      },
    });
    source.grantReadWrite(back, { sid: "RestoreSource" });
    source.grantListVersions(back, { sid: "ListSource" });
    this.grantReadSigningMaterial(back);
    source.grantKeyUse(back, "UseSourceKey");
    grantActAsTenants(back, placement, env);
    if (props.outageUploads !== undefined) grantBringOutageUploadsHome(back, props.outageUploads);
    return back;
  }

  /** Lets a function read the leaf certificate and key it signs Roles Anywhere requests with. */
  private grantReadSigningMaterial(fn: LambdaFunction): void {
    fn.addToPrincipalPolicy({
      Sid: "ReadSigningMaterial",
      Effect: "Allow",
      Action: "secretsmanager:GetSecretValue",
      Resource: this.signingMaterial.arn,
    });
  }

  /** The source bucket's created and removed objects invoke the sync function. */
  private invokeOnSourceChanges(props: SyncPipelineProps): void {
    const { placement, source } = props;
    const invoke = new LambdaPermission(this, "invoke-from-source", {
      provider: placement.provider,
      statementId: "InvokeOnSourceChanges",
      action: "lambda:InvokeFunction",
      functionName: this.function.function.functionName,
      principal: "s3.amazonaws.com",
      sourceArn: source.bucketArn,
      sourceAccount: placement.accountId,
    });
    source.addEventNotification(this, "source-notification", {
      purpose: "the cross-partition sync",
      lambdaFunctionArn: this.function.functionArn,
      events: ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"],
      dependsOn: [invoke],
    });
  }
}

/** Failback's environment for outage uploads (functions/cross-partition-sync reads it). */
function outageEnvironment(outage: FailbackOutageUploads): Record<string, string> {
  return {
    OUTAGE_UPLOADS_BUCKET: outage.inbox.bucketName,
    OUTAGE_HOME_BUCKET: outage.home.bucketName,
    OUTAGE_HOME_KMS_KEY_ID: outage.home.encryptionKey.keyArn,
    SUBJECT_SEALING_KEY_ID: outage.sealingKey.keyArn,
    PSEUDONYM_KEY_ID: outage.pseudonymKey.keyArn,
    STANDBY_PSEUDONYM_KEY_ID: outage.standbyPseudonymKey.keyArn,
  };
}

/**
 * Failback's sovereign grants for outage uploads: open sealed subjects (the sealing key's policy
 * names this role alone, OAEP with SHA-256 only), derive both pseudonyms of a subject, and write the
 * uploads into the originals bucket (read back and listed, to tell what is home already) under its key.
 */
function grantBringOutageUploadsHome(back: LambdaFunction, outage: FailbackOutageUploads): void {
  outage.sealingKey.grantOaepDecrypt(back, back.role.arn, "OpenSealedSubjects");
  outage.pseudonymKey.grantGenerateMac(back, "DeriveSubjectPseudonyms");
  outage.standbyPseudonymKey.grantGenerateMac(back, "DeriveStandbyPseudonyms");
  outage.home.grantWrite(back, { sid: "BringOutageUploadsHome", keySid: "UseOriginalsKey" });
  PrivateBucket.grantList(back, [outage.home], { sid: "ListOriginals" });
}
