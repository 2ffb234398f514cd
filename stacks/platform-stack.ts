import type { ResolvedDeployment } from "../config/load";
import { arn, PARTITIONS } from "../config/partitions";
import type { DataClassConfig, DeploymentConfig } from "../config/schema";
import { type Construct, TerraformOutput } from "../framework/cdktf";
import { DataAwsKmsPublicKey } from "../framework/aws";
import { outageUploadsOf } from "../config/standby";
import { AUDIT_OBJECT_LOCK_DAYS, AUDIT_RETENTION_DAYS, AuditTrail } from "../modules/audit-trail";
import { KmsKey } from "../modules/kms-key";
import type { HttpApi } from "../modules/http-api";
import { LambdaFunction } from "../modules/lambda-function";
import { Network } from "../modules/network";
import type { Placement, Side } from "../modules/placement";
import { PrivateBucket } from "../modules/private-bucket";
import { RolesAnywhereTrust } from "../modules/roles-anywhere-trust";
import { firewallBlockedAlarm, quarantineRateAlarm, SecurityAlarms } from "../modules/security-alarms";
import { OWN_ROLE_TIERS, Tenant } from "../modules/tenant";
import { ApiDns } from "./api-dns";
import { awsPlacement } from "./aws-placement";
import { declareBackend } from "./backend";
import { sideCredentials } from "./credentials";
import { addOrganizationControls } from "./organization-controls";
import { ProviderPinning } from "./provider-pinning";
import { ReadableStack } from "./readable-stack";
import { outageInboxName, StandbyServing } from "./standby-serving";
import { type SubjectPlace, SubjectRequests } from "./subject-requests";
import { type FailbackOutageUploads, SyncPipeline } from "./sync-pipeline";
import { imageUploadLimits, QUARANTINE_PREFIX, UploadPipeline } from "./upload-pipeline";
import { WebhookDelivery } from "./webhook-delivery";

/**
 * The aws provider releases the generated configuration accepts: 6.29.0 carries the sovereign
 * partition fixes (region validation of aws_lambda_permission and others, hashicorp/
 * terraform-provider-aws#45895; S3 bucket tags outside the commercial partition, #46122).
 * The offline check (scripts/tf-check.sh) overrides this for the 5.100.0 mirror only.
 */
export const AWS_PROVIDER_CONSTRAINT = ">= 6.29.0, < 7.0.0";

export const MANAGED_BY = "sovereign-identity-platform";

export interface PlatformStackProps {
  /** A validated configuration with its files read (`loadDeploymentFile`). */
  readonly config: ResolvedDeployment;
  /** Folder with the function zips written by scripts/bundle-functions.mjs (absolute). */
  readonly artifactsDir: string;
}

/**
 * One deployment environment: the sovereign and commercial aws providers and the resources of both
 * sides. Every resource is pinned to one of the two providers (checked before synth writes).
 */
export class PlatformStack extends ReadableStack {
  readonly sovereign: Placement;
  readonly commercial: Placement;
  readonly pinning: ProviderPinning;
  readonly network: Network;
  /** The providers of the tenants' own accounts, by tenant ID (account-tier tenants with an accountId). */
  private readonly tenantPlacements = new Map<string, Placement>();
  /** With outage uploads: the sovereign RSA key the standby seals each upload's subject to. */
  private outageSealingKey: KmsKey | undefined;

  constructor(scope: Construct, props: PlatformStackProps) {
    const { config } = props;
    super(scope, config.environment);
    this.pinning = new ProviderPinning(this);
    this.node.addValidation(this.pinning);
    this.sovereign = this.placement("sovereign", config);
    this.commercial = this.placement("commercial", config);
    this.addOverride("terraform.required_providers.aws", { source: "hashicorp/aws", version: AWS_PROVIDER_CONSTRAINT });
    declareBackend(this, config);

    const env = config.environment;
    const cross = config.crossPartition;
    // Classes the sync function replicates: only with a Roles Anywhere trust to take credentials from.
    const crossingClasses = Object.keys(config.dataClasses)
      .sort()
      .filter((name) => config.dataClasses[name]?.allowCrossPartition === true);
    const syncedClasses = cross === undefined ? [] : crossingClasses;
    this.network = this.createNetwork(config, syncedClasses);
    const { dataBuckets, failoverByClass } = this.createStorage(config);
    const failoverBuckets = [...failoverByClass.values()];
    const functionsKey = new KmsKey(this, "sovereign-key-functions", {
      placement: this.sovereign,
      aliasName: `${env}/functions`,
      description: `${env}: functions (sovereign)`,
    });
    // Only classes the sync replicates get replicas named by the standby pseudonym.
    const standbyKeys = this.standbyPseudonymKeys(env, syncedClasses);
    const standbyKey = standbyKeys?.sovereign;
    const standby = this.addStandbyServing(props, failoverByClass, standbyKeys?.commercial);
    const uploads = this.addUploadPipeline(props, functionsKey, dataBuckets, {
      crossingClasses: syncedClasses,
      standbyKey,
      standbyApi: standby?.api,
    });
    const evidence = uploads?.signing?.evidence;
    const crossingClass = crossingClasses[0];
    const crossingRetentionDays =
      crossingClass !== undefined ? config.dataClasses[crossingClass]?.retentionDays : undefined;
    if (failoverBuckets.length > 0 && crossingClass !== undefined && crossingRetentionDays !== undefined) {
      this.addFailoverAudit(
        env,
        { name: crossingClass, retentionDays: crossingRetentionDays },
        failoverBuckets,
        config.alarms.subscribers,
        standby,
      );
    }
    const outage = this.failbackOutage(config, dataBuckets, standby, uploads, standbyKey);
    const sync = { syncedClasses, dataBuckets, failoverByClass, functionsKey, outage };
    const trust =
      cross !== undefined && failoverBuckets.length > 0
        ? this.addCrossPartitionSync(props, { ...sync, cross })
        : undefined;
    const requests =
      uploads === undefined
        ? undefined
        : this.addSubjectRequests(props, functionsKey, uploads, {
            trust,
            replicas: syncedClasses.flatMap((name) => {
              const bucket = failoverByClass.get(name);
              return bucket === undefined ? [] : [{ name: `${name}-failover`, bucket }];
            }),
          });
    const configBucket = this.tenantConfigBucket(config);
    const audit = new AuditTrail(this, "sovereign-audit", {
      placement: this.sovereign,
      name: env,
      bucketName: `${env}-audit-${this.sovereign.accountId}`,
      encryptionKey: new KmsKey(this, "sovereign-key-audit", {
        placement: this.sovereign,
        aliasName: `${env}/audit`,
        description: `${env}: audit trail (sovereign)`,
      }),
      vpcEndpointId: this.network.s3Endpoint.id,
      // With tenants' own accounts the platform account is the management account: its trail is the
      // organization's, recording the tenant accounts too (their baseline has no trail of its own).
      organizationTrail: config.tenants.some((t) => t.tier === "account"),
      dataEventBuckets: [
        ...dataBuckets.values(),
        ...(evidence === undefined ? [] : [evidence]),
        ...(requests === undefined ? [] : [requests.requests]),
        ...(configBucket === undefined ? [] : [configBucket]),
      ],
    });
    this.addTenants(config, dataBuckets);
    this.addSecurityAlarms(config, audit);
    addOrganizationControls(this, config, this.sovereign, audit, {
      configBucket,
      tenantPlacements: this.tenantPlacements,
    });
  }

  /**
   * Alarms over the sovereign audit trail's records and on every dead-letter queue of the
   * sovereign side (the functions' and the webhooks'), to an encrypted topic (issue 20 item 3).
   */
  private addSecurityAlarms(config: ResolvedDeployment, audit: AuditTrail): void {
    const env = config.environment;
    // The sovereign side's functions (the standby's are watched by the commercial alarms); an alarm is
    // named after its function's construct path.
    const functions = this.node
      .findAll()
      .filter((c): c is LambdaFunction => c instanceof LambdaFunction && c.placement.side === "sovereign");
    const queues = functions.map((fn) => ({
      name: fn.node.path.split("/").slice(1).join("-"),
      queueName: fn.deadLetterQueue.name,
    }));
    const webhooks = this.node.tryFindChild("webhooks");
    if (webhooks instanceof WebhookDelivery)
      queues.push({ name: "webhook-deliveries", queueName: webhooks.deadLetterQueue.name });
    new SecurityAlarms(this, "sovereign-alarms", {
      placement: this.sovereign,
      name: env,
      trailLogGroup: audit.logGroup,
      encryptionKey: new KmsKey(this, "sovereign-key-alarms", {
        placement: this.sovereign,
        aliasName: `${env}/alarms`,
        description: `${env}: security alarm notifications (sovereign)`,
      }),
      subscribers: config.alarms.subscribers,
      massDeletionPerMinute: config.alarms.massDeletionPerMinute,
      deadLetterQueues: queues.sort((a, b) => a.name.localeCompare(b.name)),
      logAlarms: [
        ...(this.network.egress === undefined
          ? []
          : [firewallBlockedAlarm("egress-blocked", this.network.egress.alertLogGroup)]),
        ...functions
          .filter((fn) => fn.node.id === "scrub")
          .map((fn) => quarantineRateAlarm(fn.node.scope?.node.id ?? "scrub", fn.logGroup)),
      ],
      lagFunctions: functions
        .filter((fn) => fn.node.id === "sync")
        .map((fn) => ({ name: fn.node.path.split("/").slice(1).join("-"), functionName: fn.function.functionName })),
    });
  }

  /**
   * The sovereign network with its log key; with synced classes, the one path out: the sync
   * functions to the commercial Roles Anywhere and failover bucket endpoints.
   */
  private createNetwork(config: ResolvedDeployment, syncedClasses: readonly string[]): Network {
    const webhookHosts = WebhookDelivery.allowedDomains(config.documents?.webhooks ?? {});
    const env = config.environment;
    const network = config.partitions.sovereign.network;
    const logKey = new KmsKey(this, "sovereign-key-logs", {
      placement: this.sovereign,
      aliasName: `${env}/logs`,
      description: `${env}: platform logs (sovereign)`,
    });
    return new Network(this, "sovereign-network", {
      placement: this.sovereign,
      name: env,
      vpcCidr: network.vpcCidr,
      availabilityZones: network.availabilityZones,
      allowedAccountIds: [this.sovereign.accountId],
      logKey,
      allowInternetEgress:
        syncedClasses.length === 0 && webhookHosts.length === 0
          ? undefined
          : {
              allowedDomains: [
                ...new Set([
                  ...syncedClasses.flatMap((name) =>
                    SyncPipeline.allowedDomains(
                      this.commercial,
                      failoverBucketName(env, name, this.commercial.accountId),
                    ),
                  ),
                  // Failback drains the outage inbox (outage uploads, with the standby of a synced class).
                  ...(outageUploadsOf(config) !== undefined &&
                  config.crossPartition?.standby !== undefined &&
                  syncedClasses.includes(config.upload.cleanDataClass ?? "")
                    ? SyncPipeline.allowedDomains(this.commercial, outageInboxName(env, this.commercial.accountId))
                    : []),
                  ...webhookHosts,
                ]),
              ],
              justification: [
                ...(syncedClasses.length === 0
                  ? []
                  : ["Only the sync functions reach the commercial Roles Anywhere and failover bucket endpoints"]),
                ...(webhookHosts.length === 0 ? [] : ["the webhook sender reaches only the tenants webhook endpoints"]),
              ].join(" and "),
              zone: network.egressZone,
            },
    });
  }

  /** Every data class's storage (dataClassStorage), by class name: the sovereign buckets and the failover ones. */
  private createStorage(config: ResolvedDeployment): {
    dataBuckets: Map<string, PrivateBucket>;
    failoverByClass: Map<string, PrivateBucket>;
  } {
    const dataBuckets = new Map<string, PrivateBucket>();
    const failoverByClass = new Map<string, PrivateBucket>();
    for (const name of Object.keys(config.dataClasses).sort()) {
      const dataClass = config.dataClasses[name];
      if (dataClass === undefined) continue;
      const { sovereign, failover } = this.dataClassStorage(config.environment, name, dataClass, uploadRoles(config));
      dataBuckets.set(name, sovereign);
      if (failover !== undefined) failoverByClass.set(name, failover);
    }
    return { dataBuckets, failoverByClass };
  }

  /**
   * The upload pipelines: images, when the configuration names an upload and a clean data class,
   * and documents, with a documents block. With `signing`, the signing service's keys and evidence
   * bucket too (returned, for the audit trail); it signs documents when there are documents, else
   * the images' clean objects.
   */
  private addUploadPipeline(
    props: PlatformStackProps,
    functionsKey: KmsKey,
    dataBuckets: ReadonlyMap<string, PrivateBucket>,
    standby: {
      readonly crossingClasses: readonly string[];
      readonly standbyKey: KmsKey | undefined;
      /** The commercial standby's read API: the failover record's SECONDARY. */
      readonly standbyApi: HttpApi | undefined;
    },
  ): UploadPipelines | undefined {
    const { config } = props;
    const env = config.environment;
    const images = imagePipelineClasses(config, dataBuckets);
    const documents = documentPipelineClasses(config, dataBuckets);
    if (images === undefined && documents === undefined) return undefined;
    const signing = config.signing === undefined ? undefined : this.signingStorage(env, config.signing);
    const pseudonymKey = new KmsKey(this, "sovereign-key-pseudonyms", {
      placement: this.sovereign,
      aliasName: `${env}/subject-pseudonyms`,
      description: `${env}: HMAC key for data subjects' pseudonyms (object keys); never leaves the sovereign partition`,
      keySpec: "HMAC_256",
    });
    const common = {
      placement: this.sovereign,
      environment: env,
      config,
      network: this.network,
      key: functionsKey,
      artifactsDir: props.artifactsDir,
      pseudonymKey,
    };
    // Only a pipeline whose objects cross names them by the standby pseudonym too.
    const standbyFor = (classes: PipelineClasses) =>
      standby.standbyKey !== undefined &&
      [classes.originalsDataClass, classes.cleanDataClass].some((c) => standby.crossingClasses.includes(c))
        ? { standbyPseudonymKey: standby.standbyKey }
        : {};
    if (images !== undefined) {
      const pipeline = new UploadPipeline(this, "upload-pipeline", {
        ...common,
        ...images,
        ...standbyFor(images),
        ...(signing === undefined || documents !== undefined ? {} : { signing }),
      });
      if (config.dns !== undefined) {
        const dns = new ApiDns(this, "api-dns", {
          commercial: this.commercial,
          dns: config.dns,
          sovereignApi: pipeline.api,
          ...(standby.standbyApi === undefined ? {} : { standbyApi: standby.standbyApi }),
        });
        new TerraformOutput(this, "api-domain", {
          value: dns.failover.domainName,
          description: "The upload API's name (failover record in the commercial partition's Route 53)",
        });
      }
    }
    if (documents !== undefined) {
      const endpoints = config.documents?.webhooks ?? {};
      const webhooks =
        Object.keys(endpoints).length === 0
          ? undefined
          : new WebhookDelivery(this, "webhooks", {
              placement: this.sovereign,
              environment: env,
              sizing: config.functions.webhooks,
              network: this.network,
              key: functionsKey,
              endpoints,
              artifactsDir: props.artifactsDir,
            });
      new UploadPipeline(this, "document-pipeline", {
        ...common,
        ...documents,
        ...standbyFor(documents),
        kind: "documents",
        ...(signing === undefined ? {} : { signing }),
        ...(webhooks === undefined ? {} : { webhooks }),
      });
    }
    const indexed = (dataClass: string) =>
      standby.standbyKey !== undefined && standby.crossingClasses.includes(dataClass) ? { standbyIndex: true } : {};
    const places = [images, documents].flatMap((classes) =>
      classes === undefined
        ? []
        : [
            // The sync keeps its standby index in a synced class's bucket (its source).
            { name: classes.originalsDataClass, bucket: classes.originals, ...indexed(classes.originalsDataClass) },
            { name: classes.cleanDataClass, bucket: classes.clean, ...indexed(classes.cleanDataClass) },
          ],
    );
    return {
      pseudonymKey,
      places,
      ...(standby.standbyKey === undefined ? {} : { standbyPseudonymKey: standby.standbyKey }),
      ...(signing === undefined ? {} : { signing }),
    };
  }

  /**
   * The standby pseudonym key (docs/cross-partition.md §7, option (b)), when some data class
   * crosses (allowCrossPartition, with crossPartition configured: the sync replicates it): an HMAC
   * key `alias/<env>/standby-pseudonyms` in each partition, created without material; an operator imports the same 256 bits into both (docs/deploy.md). Replicas are named by
   * the pseudonym it derives, so the commercial side never holds a sovereign pseudonym. Returns both:
   * the sovereign one (the upload function and the data-subject request API derive with it) and the
   * commercial one (the standby's read path).
   */
  private standbyPseudonymKeys(
    env: string,
    crossingClasses: readonly string[],
  ): { readonly sovereign: KmsKey; readonly commercial: KmsKey } | undefined {
    if (crossingClasses.length === 0) return undefined;
    const key = (placement: Placement, id: string, side: string, tags?: Record<string, string>) =>
      new KmsKey(this, id, {
        placement,
        aliasName: `${env}/standby-pseudonyms`,
        description: `${env}: HMAC key for the standby pseudonyms that name replicas (${side}); imported material, the same in both partitions`,
        keySpec: "HMAC_256",
        importedKeyMaterial: true,
        ...(tags === undefined ? {} : { tags }),
      });
    // Like the commercial audit trail, it serves the replicas and carries a class that crosses.
    const commercial = key(this.commercial, "commercial-key-standby-pseudonyms", "commercial", {
      DataClass: crossingClasses[0] as string,
    });
    return { sovereign: key(this.sovereign, "sovereign-key-standby-pseudonyms", "sovereign"), commercial };
  }

  /**
   * The commercial standby of the read API (issue 17, item 2), with `crossPartition.standby`: it
   * serves the replicas of the image pipeline's clean class from its failover bucket, deriving standby
   * pseudonyms with the commercial standby key. Built from commercial resources only.
   */
  private addStandbyServing(
    props: PlatformStackProps,
    failoverByClass: ReadonlyMap<string, PrivateBucket>,
    standbyPseudonymKey: KmsKey | undefined,
  ): StandbyServing | undefined {
    const { config } = props;
    const standby = config.crossPartition?.standby;
    const served = config.upload.cleanDataClass;
    const failover = served === undefined ? undefined : failoverByClass.get(served);
    if (standby === undefined || served === undefined || failover === undefined || standbyPseudonymKey === undefined)
      return undefined;
    const outage = outageUploadsOf(config);
    return new StandbyServing(this, "standby-serving", {
      ...(outage === undefined ? {} : { outageUploads: { ...outage, ...this.outageSealing(config) } }),
      placement: this.commercial,
      environment: config.environment,
      standby,
      sizing: config.functions.download,
      allowedOrigins: config.upload.allowedOrigins,
      dataClass: served,
      failover,
      standbyPseudonymKey,
      artifactsDir: props.artifactsDir,
    });
  }

  /**
   * Outage uploads' sealing key (sovereign, RSA_3072, `alias/<env>/outage-subjects`) and what the
   * standby upload function takes from the sovereign side: its public key, read with the sovereign
   * provider (named exception `sealing-public-key` of SIP-RES-4), and the upload function's limits.
   */
  private outageSealing(config: ResolvedDeployment) {
    const env = config.environment;
    const key = new KmsKey(this, "sovereign-key-outage-subjects", {
      placement: this.sovereign,
      aliasName: `${env}/outage-subjects`,
      description: `${env}: seals the subjects of uploads accepted during an outage (RSA-OAEP); only failback opens them`,
      keySpec: "RSA_3072",
    });
    this.outageSealingKey = key;
    const publicKey = new DataAwsKmsPublicKey(this, "sovereign-outage-subjects-public-key", {
      provider: this.sovereign.provider,
      keyId: key.keyArn,
    });
    return {
      uploadLimits: imageUploadLimits(config),
      sizing: config.functions.upload,
      sealingPublicKeyPem: publicKey.publicKeyPem,
    };
  }

  /**
   * Data-subject requests (issue 18), with a subjectRequests block: over every bucket of the upload
   * pipelines, certified with the signing service's evidence key into its evidence bucket.
   */
  private addSubjectRequests(
    props: PlatformStackProps,
    functionsKey: KmsKey,
    uploads: UploadPipelines,
    crossing: { readonly trust: RolesAnywhereTrust | undefined; readonly replicas: readonly SubjectPlace[] },
  ): SubjectRequests | undefined {
    const { config } = props;
    if (config.subjectRequests === undefined || uploads.signing === undefined) return undefined;
    const { trust, replicas } = crossing;
    const commercial =
      trust === undefined || replicas.length === 0 || config.crossPartition === undefined
        ? undefined
        : {
            placement: this.commercial,
            trust,
            places: replicas,
            sessionDurationSeconds: config.crossPartition.sessionDurationSeconds,
          };
    const requests = new SubjectRequests(this, "subject-requests", {
      placement: this.sovereign,
      environment: config.environment,
      config: config.subjectRequests,
      sizing: config.functions,
      network: this.network,
      key: functionsKey,
      pseudonymKey: uploads.pseudonymKey,
      ...(uploads.standbyPseudonymKey === undefined ? {} : { standbyPseudonymKey: uploads.standbyPseudonymKey }),
      evidence: { bucket: uploads.signing.evidence, signingKey: uploads.signing.signingKey },
      places: uploads.places,
      ...(commercial === undefined ? {} : { commercial }),
      artifactsDir: props.artifactsDir,
    });
    new TerraformOutput(this, "subject-request-operators", {
      description:
        "What the operators' client and deployment-manifest --store need (functions/subject-requests/OPERATOR.md)",
      value: {
        endpoint: requests.api.api.apiEndpoint,
        region: this.sovereign.region,
        state_machine: requests.stateMachine.arn,
        operator_policy: requests.operatorPolicy.name,
        deployment_recorder_policy: requests.deploymentRecorderPolicy.name,
      },
    });
    return requests;
  }

  /**
   * The signing service's keys and evidence bucket: an asymmetric key (ECC P-256) that signs the
   * evidence, a key that encrypts it, and a bucket under COMPLIANCE object lock for its retention.
   */
  private signingStorage(
    env: string,
    signing: NonNullable<ResolvedDeployment["signing"]>,
  ): { readonly evidence: PrivateBucket; readonly signingKey: KmsKey } {
    const days = signing.evidenceRetentionDays;
    const evidence = new PrivateBucket(this, "sovereign-bucket-evidence", {
      placement: this.sovereign,
      bucketName: `${env}-evidence-${this.sovereign.accountId}`,
      encryptionKey: new KmsKey(this, "sovereign-key-evidence", {
        placement: this.sovereign,
        aliasName: `${env}/evidence`,
        description: `${env}: signed evidence records (sovereign)`,
      }),
      retentionDays: days,
      noncurrentRetentionDays: days,
      objectLock: { mode: "COMPLIANCE", retentionDays: days },
      vpcEndpointId: this.network.s3Endpoint.id,
      tags: { Purpose: "evidence" },
    });
    const signingKey = new KmsKey(this, "sovereign-key-evidence-signing", {
      placement: this.sovereign,
      aliasName: `${env}/evidence-signing`,
      description: `${env}: signs evidence records and receipts (ECDSA P-256); its public key verifies them offline`,
      keySpec: "ECC_NIST_P256",
    });
    return { evidence, signingKey };
  }

  /**
   * Who reads and writes the replicas is recorded in the commercial account too. The logs describe
   * the replicas, so they carry a replicated data class (all of them may cross, and the commercial
   * side holds nothing without one), and like everything of that class they expire after its
   * retentionDays (at most the audit trail's seven years; SIP-S3-7). They stay locked for a year, or
   * for a class kept shorter, until they expire (the lock cannot outlast the retention).
   */
  private addFailoverAudit(
    env: string,
    dataClass: { readonly name: string; readonly retentionDays: number },
    failoverBuckets: PrivateBucket[],
    alarmSubscribers: readonly string[],
    standby: StandbyServing | undefined,
  ): void {
    const tags = { DataClass: dataClass.name };
    const retentionDays = Math.min(AUDIT_RETENTION_DAYS, dataClass.retentionDays);
    const audit = new AuditTrail(this, "commercial-audit", {
      placement: this.commercial,
      name: `${env}-failover`,
      bucketName: `${env}-audit-${this.commercial.accountId}`,
      encryptionKey: new KmsKey(this, "commercial-key-audit", {
        placement: this.commercial,
        aliasName: `${env}/audit`,
        description: `${env}: audit trail (commercial)`,
        tags,
      }),
      tags,
      retentionDays,
      objectLockDays: Math.min(AUDIT_OBJECT_LOCK_DAYS, retentionDays),
      allowAccessOutsideVpcEndpoint: true,
      // With outage uploads, who writes and drains the inbox is recorded too.
      dataEventBuckets: [...failoverBuckets, ...(standby?.outage === undefined ? [] : [standby.outage.inbox])],
    });
    // The commercial account's keys, bucket policies, root and IAM are watched like the sovereign's.
    new SecurityAlarms(this, "commercial-alarms", {
      placement: this.commercial,
      name: `${env}-failover`,
      trailLogGroup: audit.logGroup,
      encryptionKey: new KmsKey(this, "commercial-key-alarms", {
        placement: this.commercial,
        aliasName: `${env}/alarms`,
        description: `${env}: security alarm notifications (commercial)`,
        tags,
      }),
      subscribers: alarmSubscribers,
      // The standby's read function: a dead letter means its asynchronous invocations failed.
      ...(standby === undefined
        ? {}
        : {
            deadLetterQueues: [
              { name: "standby-download", queueName: standby.download.deadLetterQueue.name },
              ...(standby.outage === undefined
                ? []
                : [{ name: "standby-upload", queueName: standby.outage.upload.deadLetterQueue.name }]),
            ],
          }),
      tags,
    });
  }

  /**
   * The commercial Roles Anywhere trust, and per synced class its sync pipeline and the output the
   * operator commands read.
   */
  private addCrossPartitionSync(
    props: PlatformStackProps,
    o: {
      cross: NonNullable<ResolvedDeployment["crossPartition"]>;
      syncedClasses: readonly string[];
      dataBuckets: ReadonlyMap<string, PrivateBucket>;
      failoverByClass: ReadonlyMap<string, PrivateBucket>;
      functionsKey: KmsKey;
      /** Outage uploads: failback of the standby's served class brings them home. */
      outage: FailbackOutageUploads | undefined;
    },
  ): RolesAnywhereTrust {
    const { config } = props;
    const { cross, syncedClasses, dataBuckets, failoverByClass } = o;
    const env = config.environment;
    const trust = new RolesAnywhereTrust(this, "commercial-roles-anywhere", {
      subjectErasure: config.subjectRequests !== undefined && config.signing !== undefined,
      placement: this.commercial,
      name: env,
      caCertificatePem: cross.caCertificatePem,
      workloadCommonName: cross.workloadCommonName,
      sessionDurationSeconds: cross.sessionDurationSeconds,
      expiryWarningDays: cross.expiryWarningDays,
      classes: syncedClasses.flatMap((name) => {
        const bucket = failoverByClass.get(name);
        return bucket === undefined ? [] : [{ dataClass: name, bucket }];
      }),
    });
    for (const name of syncedClasses) {
      const source = dataBuckets.get(name);
      const target = failoverByClass.get(name);
      if (source === undefined || target === undefined) continue;
      const outage = name === config.upload.cleanDataClass ? o.outage : undefined;
      const sync = new SyncPipeline(this, `sync-pipeline-${name}`, {
        placement: this.sovereign,
        environment: env,
        sizing: config.functions.sync,
        network: this.network,
        key: o.functionsKey,
        source,
        sourceDataClass: name,
        target,
        targetPlacement: this.commercial,
        trust,
        sessionDurationSeconds: cross.sessionDurationSeconds,
        artifactsDir: props.artifactsDir,
        ...(outage === undefined ? {} : { outageUploads: outage }),
      });
      if (outage !== undefined) this.letFailbackDrainInbox(trust, name, outage.inbox);
      new TerraformOutput(this, `crossing-${name}`, {
        description: `What the operator commands need for data class ${name} (npm run -s operator-env -- --class ${name})`,
        value: operatorOutput({
          sync,
          trust,
          dataClass: name,
          source,
          target,
          sovereign: this.sovereign,
          commercial: this.commercial,
        }),
      });
    }
    return trust;
  }

  /** What failback needs to bring outage uploads home, when the standby accepts them. */
  private failbackOutage(
    config: ResolvedDeployment,
    dataBuckets: ReadonlyMap<string, PrivateBucket>,
    standby: StandbyServing | undefined,
    uploads: UploadPipelines | undefined,
    standbyPseudonymKey: KmsKey | undefined,
  ): FailbackOutageUploads | undefined {
    const uploadClass = config.upload.dataClasses[0];
    const home = uploadClass === undefined ? undefined : dataBuckets.get(uploadClass);
    const inbox = standby?.outage?.inbox;
    const sealingKey = this.outageSealingKey;
    if (inbox === undefined || sealingKey === undefined || uploads === undefined || home === undefined)
      return undefined;
    if (standbyPseudonymKey === undefined) return undefined;
    return { inbox, home, sealingKey, pseudonymKey: uploads.pseudonymKey, standbyPseudonymKey };
  }

  /**
   * Failback's commercial credential (the class's Roles Anywhere role) on the outage inbox: list its
   * keys and versions, read and delete every version, decrypt with its key; from outside the standby's
   * S3 endpoint (failback runs in the sovereign partition).
   */
  private letFailbackDrainInbox(trust: RolesAnywhereTrust, dataClass: string, inbox: PrivateBucket): void {
    inbox.grantDrain(trust.classGrantee(dataClass), {
      sid: "DrainOutageInbox",
      keySid: "DecryptOutageInbox",
    });
    inbox.allowOutsideVpcEndpoint(trust.roleFor(dataClass).arn);
  }

  /** Every configured tenant; the tiers with a role of their own reach the buckets of their data classes. */
  private addTenants(config: ResolvedDeployment, dataBuckets: ReadonlyMap<string, PrivateBucket>): void {
    const network = config.partitions.sovereign.network;
    for (const tenant of config.tenants) {
      new Tenant(this, `tenant-${tenant.id}`, {
        placement: this.sovereign,
        accountPlacement:
          tenant.tier === "account" && tenant.accountId !== undefined
            ? this.tenantAccount(config, tenant.id, tenant.accountId)
            : undefined,
        environment: config.environment,
        tenant,
        accountRoleName: config.partitions.sovereign.tenantAccountRoleName,
        availabilityZones: network.availabilityZones,
        allowedAccountIds: [this.sovereign.accountId],
        // A tenant without dataClasses has them all (docs/configuration.md).
        sharedBuckets: OWN_ROLE_TIERS.has(tenant.tier)
          ? (tenant.dataClasses ?? [...dataBuckets.keys()]).flatMap((name) => dataBuckets.get(name) ?? [])
          : undefined,
      });
    }
  }

  /**
   * A data class's key and bucket on the sovereign side, reachable only through the platform's S3
   * endpoint; with allowCrossPartition, also a failover key and bucket on the commercial side, which
   * has no VPC (the sync function writes it with Roles Anywhere credentials).
   */
  private dataClassStorage(
    env: string,
    name: string,
    dataClass: DataClassConfig,
    roles: UploadRoles,
  ): { sovereign: PrivateBucket; failover?: PrivateBucket } {
    const tags = { DataClass: name };
    const key = new KmsKey(this, `sovereign-key-${name}`, {
      placement: this.sovereign,
      aliasName: `${env}/data/${name}`,
      description: `${env}: data class ${name} (sovereign)`,
      tags,
    });
    const bucket = new PrivateBucket(this, `sovereign-bucket-${name}`, {
      placement: this.sovereign,
      bucketName: `${env}-${name}-${this.sovereign.accountId}`,
      encryptionKey: key,
      retentionDays: dataClass.retentionDays,
      vpcEndpointId: this.network.s3Endpoint.id,
      browserUploadOrigins: roles.originals.includes(name) ? roles.origins : undefined,
      browserDownloadOrigins: roles.clean.includes(name) ? roles.origins : undefined,
      // The scrub functions quarantine a logical-tier tenant's rejected uploads as the tenant.
      tenantAreaPrefixes: roles.originals.includes(name) ? [QUARANTINE_PREFIX] : undefined,
      tags,
    });
    new TerraformOutput(this, `sovereign-bucket-${name}-name`, { value: bucket.bucketName });
    if (!dataClass.allowCrossPartition) return { sovereign: bucket };
    const replicaKey = new KmsKey(this, `commercial-key-${name}`, {
      placement: this.commercial,
      aliasName: `${env}/failover/${name}`,
      description: `${env}: failover replica of data class ${name} (commercial)`,
      tags,
    });
    const replica = new PrivateBucket(this, `commercial-bucket-${name}`, {
      placement: this.commercial,
      bucketName: failoverBucketName(env, name, this.commercial.accountId),
      encryptionKey: replicaKey,
      retentionDays: dataClass.retentionDays,
      allowAccessOutsideVpcEndpoint: true,
      // The standby serves this class's replicas to the same browsers as the sovereign clean bucket.
      browserDownloadOrigins: roles.standbyServes === name ? roles.origins : undefined,
      tags,
    });
    new TerraformOutput(this, `commercial-bucket-${name}-name`, { value: replica.bucketName });
    return { sovereign: bucket, failover: replica };
  }

  /**
   * A tenant's own account in the sovereign partition, through a provider that assumes the role
   * Organizations created there.
   */
  private tenantAccount(config: DeploymentConfig, tenantId: string, accountId: string): Placement {
    const roleName = config.partitions.sovereign.tenantAccountRoleName;
    const placement = awsPlacement(this, `provider-tenant-${tenantId}`, this.pinning, {
      side: "sovereign",
      alias: `tenant-${tenantId}`,
      accountId,
      region: config.partitions.sovereign.region,
      administratorRoleName: roleName,
      // One assume_role block per provider (aws provider 5): the tenant role is assumed with the
      // sovereign side's profile, or the default chain, not through the sovereign side's role.
      credentials: {
        profile: config.partitions.sovereign.credentials?.profile,
        assumeRole: {
          roleArn: arn(PARTITIONS["aws-eusc"], { service: "iam", account: accountId, resource: `role/${roleName}` }),
          sessionName: `${config.environment}-deploy`,
        },
      },
      defaultTags: { Environment: config.environment, ManagedBy: MANAGED_BY, Side: "sovereign", Tenant: tenantId },
    });
    this.tenantPlacements.set(tenantId, placement);
    return placement;
  }

  /**
   * The platform's bucket for the AWS Config deliveries of the tenant accounts (their baselines:
   * stacks/organization-controls.ts), when a tenant has an account of its own; its data events are
   * recorded by the audit trail.
   */
  private tenantConfigBucket(config: ResolvedDeployment): PrivateBucket | undefined {
    if (!config.tenants.some((t) => t.tier === "account" && t.accountId !== undefined)) return undefined;
    const env = config.environment;
    return new PrivateBucket(this, "sovereign-bucket-config", {
      placement: this.sovereign,
      bucketName: `${env}-config-${this.sovereign.accountId}`,
      encryptionKey: new KmsKey(this, "sovereign-key-config", {
        placement: this.sovereign,
        aliasName: `${env}/config`,
        description: `${env}: AWS Config deliveries of the tenant accounts (sovereign)`,
      }),
      retentionDays: AUDIT_RETENTION_DAYS,
      vpcEndpointId: this.network.s3Endpoint.id,
      tags: { Purpose: "config" },
    });
  }

  private placement(side: Side, config: DeploymentConfig): Placement {
    const { accountId, region, administratorRoleName } = config.partitions[side];
    return awsPlacement(this, side, this.pinning, {
      side,
      alias: side,
      accountId,
      region,
      administratorRoleName,
      credentials: sideCredentials(config, side),
      defaultTags: { Environment: config.environment, ManagedBy: MANAGED_BY, Side: side },
    });
  }
}

/**
 * The values of one crossing data class that operators need (replay-sync, failback, checking the
 * trust): function names, the dead-letter queue, buckets, keys and the Roles Anywhere ARNs. Read by
 * functions/cross-partition-sync/operator-env.ts from `terraform output -json`.
 */
function operatorOutput(o: {
  sync: SyncPipeline;
  trust: RolesAnywhereTrust;
  dataClass: string;
  source: PrivateBucket;
  target: PrivateBucket;
  sovereign: Placement;
  commercial: Placement;
}): Record<string, string> {
  const { sync, trust, source, target, sovereign, commercial } = o;
  const role = trust.roles.get(o.dataClass);
  return {
    sovereign_region: sovereign.region,
    sync_function_name: sync.function.function.functionName,
    sync_dead_letter_queue_url: sync.function.deadLetterQueue.url,
    failback_function_name: sync.failback.function.functionName,
    source_bucket: source.bucketName,
    source_key_arn: source.encryptionKey.keyArn,
    signing_material_secret_arn: sync.signingMaterial.arn,
    commercial_region: commercial.region,
    failover_bucket: target.bucketName,
    failover_key_arn: target.encryptionKey.keyArn,
    trust_anchor_arn: trust.trustAnchor.arn,
    profile_arn: trust.profile.arn,
    role_arn: role === undefined ? "" : role.arn,
  };
}

/** The commercial failover bucket of a data class (a literal: the egress allowlist names its host). */
export function failoverBucketName(environment: string, dataClass: string, commercialAccountId: string): string {
  return `${environment}-${dataClass}-failover-${commercialAccountId}`;
}

/** What the upload pipelines share with the data-subject requests. */
interface UploadPipelines {
  readonly pseudonymKey: KmsKey;
  /** The sovereign standby pseudonym key, when some data class crosses. */
  readonly standbyPseudonymKey?: KmsKey;
  /** Every bucket the pipelines keep subjects' objects in, named by its data class. */
  readonly places: readonly SubjectPlace[];
  readonly signing?: { readonly evidence: PrivateBucket; readonly signingKey: KmsKey };
}

/** The buckets and classes of one upload pipeline. */
interface PipelineClasses {
  readonly originals: PrivateBucket;
  readonly originalsDataClass: string;
  readonly clean: PrivateBucket;
  readonly cleanDataClass: string;
}

function pipelineClasses(
  dataBuckets: ReadonlyMap<string, PrivateBucket>,
  originalsDataClass: string | undefined,
  cleanDataClass: string | undefined,
): PipelineClasses | undefined {
  const originals = originalsDataClass === undefined ? undefined : dataBuckets.get(originalsDataClass);
  const clean = cleanDataClass === undefined ? undefined : dataBuckets.get(cleanDataClass);
  if (
    originals === undefined ||
    clean === undefined ||
    originalsDataClass === undefined ||
    cleanDataClass === undefined
  )
    return undefined;
  return { originals, originalsDataClass, clean, cleanDataClass };
}

const imagePipelineClasses = (config: DeploymentConfig, dataBuckets: ReadonlyMap<string, PrivateBucket>) =>
  pipelineClasses(dataBuckets, config.upload.dataClasses[0], config.upload.cleanDataClass);

const documentPipelineClasses = (config: DeploymentConfig, dataBuckets: ReadonlyMap<string, PrivateBucket>) =>
  config.documents === undefined
    ? undefined
    : pipelineClasses(dataBuckets, config.documents.dataClass, config.documents.cleanDataClass);

/** Which data classes receive browser uploads (originals) and serve browser downloads (clean), from which origins. */
interface UploadRoles {
  readonly originals: readonly string[];
  readonly clean: readonly string[];
  readonly origins: readonly string[];
  /** The class whose replicas the commercial standby serves (crossPartition.standby). */
  readonly standbyServes: string | undefined;
}

function uploadRoles(config: DeploymentConfig): UploadRoles {
  const { upload, documents } = config;
  return {
    originals: [...upload.dataClasses, ...(documents === undefined ? [] : [documents.dataClass])],
    clean: [
      ...(upload.cleanDataClass === undefined ? [] : [upload.cleanDataClass]),
      ...(documents === undefined ? [] : [documents.cleanDataClass]),
    ],
    origins: upload.allowedOrigins,
    standbyServes: config.crossPartition?.standby === undefined ? undefined : upload.cleanDataClass,
  };
}
