import { join } from "node:path";
import type { DeploymentConfig } from "../config/schema";
import { LambdaPermission } from "../framework/aws";
import { Construct } from "../framework/cdktf";
import { SIGNATURES_PREFIX } from "../functions/signing/evidence-layout";
import { HttpApi } from "../modules/http-api";
import type { KmsKey } from "../modules/kms-key";
import { LambdaFunction } from "../modules/lambda-function";
import type { Network } from "../modules/network";
import type { Placement } from "../modules/placement";
import { PrivateBucket } from "../modules/private-bucket";
import { grantActAsTenants, tenantDirectoryEnvironment, tenantRolesArnPattern } from "./tenant-access";
import type { WebhookDelivery } from "./webhook-delivery";

export interface UploadPipelineProps {
  readonly placement: Placement;
  readonly environment: string;
  readonly config: DeploymentConfig;
  readonly network: Network;
  /** Key for the functions' environment, logs and dead-letter queues, and the API's access logs. */
  readonly key: KmsKey;
  /** The bucket uploads land in (the upload data class). */
  readonly originals: PrivateBucket;
  /** The upload data class's name (for the data-class tag and key map). */
  readonly originalsDataClass: string;
  /** The bucket scrubbed derivatives go to. */
  readonly clean: PrivateBucket;
  /** The clean bucket's data class (the `data-class` tag on every clean object). */
  readonly cleanDataClass: string;
  /** Folder with the function zips (scripts/bundle-functions.mjs). */
  readonly artifactsDir: string;
  /**
   * The HMAC key the upload function derives subjects' pseudonyms with (object keys never hold the
   * subject claim: functions/shared/pseudonym.ts). Sovereign; it encrypts nothing.
   */
  readonly pseudonymKey: KmsKey;
  /**
   * The sovereign standby pseudonym key, when the pipeline's objects cross to the commercial
   * partition: the upload function derives the standby pseudonym too and records it in the object's
   * metadata, by which the sync names the replica (docs/cross-partition.md §7).
   * @default - the pipeline's objects do not cross: one pseudonym
   */
  readonly standbyPseudonymKey?: KmsKey;
  /**
   * The signing service (issue 19): the bucket its evidence records go to (COMPLIANCE object lock) and
   * the asymmetric key that signs them. @default - no signing service
   */
  readonly signing?: { readonly evidence: PrivateBucket; readonly signingKey: KmsKey };
  /**
   * What the pipeline takes: images (the `upload` block: its content types and size, the image scrub
   * function) or documents (the `documents` block: PDF, its size and pages, the document scrub
   * function). Documents' functions and API are named `<env>-document-*` and `<env>-documents`.
   * @default "images"
   */
  readonly kind?: "images" | "documents";
  /**
   * Where the scrub and signing functions enqueue their document events (signed webhooks).
   * @default - no events
   */
  readonly webhooks?: WebhookDelivery;
}

/** What differs between the image and the document pipeline. */
interface PipelineProfile {
  /** Prefix of the function names after `<env>-` (the signing function, of which there is one, has none). */
  readonly functionPrefix: string;
  readonly apiName: string;
  /** The scrub function's bundle and its sizing in `functions` of the configuration. */
  readonly scrubBundle: "scrub" | "document-scrub";
  readonly scrubSizing: "scrub" | "documentScrub";
  readonly contentTypes: readonly string[];
  readonly maxSizeBytes: number;
  /** The scrub function's own limits (environment). */
  readonly scrubLimits: Readonly<Record<string, string>>;
}

function profileOf(props: UploadPipelineProps): PipelineProfile {
  const { config, environment } = props;
  const documents = config.documents;
  if (props.kind === "documents") {
    if (documents === undefined)
      throw new Error("UploadPipeline.kind: documents needs the configuration's documents block");
    return {
      functionPrefix: "document-",
      apiName: `${environment}-documents`,
      scrubBundle: "document-scrub",
      scrubSizing: "documentScrub",
      contentTypes: ["application/pdf"],
      maxSizeBytes: documents.maxSizeBytes,
      scrubLimits: { MAX_INPUT_BYTES: String(documents.maxSizeBytes), MAX_PAGES: String(documents.maxPages) },
    };
  }
  return {
    functionPrefix: "",
    apiName: `${environment}-uploads`,
    scrubBundle: "scrub",
    scrubSizing: "scrub",
    contentTypes: config.upload.allowedContentTypes,
    maxSizeBytes: config.upload.maxSizeBytes,
    scrubLimits: {
      ALLOWED_TYPES: config.upload.allowedContentTypes.join(","),
      MAX_INPUT_BYTES: String(config.upload.maxSizeBytes),
    },
  };
}

/** The producers' webhook queue (functions/webhooks/sqs.ts publisherFromEnv), when there is one. */
const webhookEnvironment = (props: UploadPipelineProps): Record<string, string> =>
  props.webhooks === undefined ? {} : { WEBHOOK_QUEUE_URL: props.webhooks.queue.url };

/** The upload API's routes to the upload function (also the standby's, with outage uploads). */
export const UPLOAD_ROUTES = [
  "POST /v1/uploads",
  "POST /v1/uploads/put",
  "POST /v1/uploads/multipart",
  "POST /v1/uploads/multipart/parts",
  "POST /v1/uploads/multipart/complete",
] as const;

/** The upload function's limits: content types, size and the lifetime of its pre-signed uploads. */
function uploadLimits(contentTypes: readonly string[], maxSizeBytes: number, expirySeconds: number) {
  return {
    ALLOWED_CONTENT_TYPES: contentTypes.join(","),
    MAX_SIZE_BYTES: String(maxSizeBytes),
    EXPIRY_SECONDS: String(expirySeconds),
  };
}

/**
 * The image upload function's settings (the `upload` block), which the commercial standby's upload
 * function takes unchanged: what clients may upload and for how long a pre-signed upload is valid.
 */
export function imageUploadLimits(config: DeploymentConfig): Readonly<Record<string, string>> {
  return uploadLimits(config.upload.allowedContentTypes, config.upload.maxSizeBytes, config.upload.expirySeconds);
}

/** Where the scrub function keeps rejected uploads, in the originals bucket (a tenant area there). */
export const QUARANTINE_PREFIX = "quarantine/";

/**
 * Client -> upload API (JWT) -> pre-signed upload into the originals bucket -> S3 event -> scrub
 * function -> clean bucket (rejects to `quarantine/` in the originals bucket); client -> the same
 * API's read routes (JWT) -> download function -> pre-signed GET of the caller's own clean object.
 * Each function gets exactly the object actions and keys it needs.
 */
export class UploadPipeline extends Construct {
  readonly upload: LambdaFunction;
  readonly download: LambdaFunction;
  /** The signing function, when `signing` is given. */
  readonly signing: LambdaFunction | undefined;
  readonly scrub: LambdaFunction;
  readonly api: HttpApi;
  private readonly profile: PipelineProfile;

  constructor(scope: Construct, id: string, props: UploadPipelineProps) {
    super(scope, id);
    this.profile = profileOf(props);
    this.upload = this.createUpload(props);
    this.download = this.createDownload(props);
    this.signing = props.signing === undefined ? undefined : this.createSigning(props, props.signing);
    this.api = this.createApi(props);
    this.scrub = this.createScrub(props);
    this.scrubNewOriginals(props);
  }

  /**
   * One of the pipeline's functions: named `<env>-<prefix><name>`, its code `<name>.zip` (the scrub
   * function's: the profile's bundle), its sizing `functions.<name>` of the configuration (scrub:
   * the profile's), in the platform's network with the functions' key.
   */
  private pipelineFunction(
    props: UploadPipelineProps,
    name: "upload" | "download" | "signing" | "scrub",
    environment: Readonly<Record<string, string>>,
  ): LambdaFunction {
    const { profile } = this;
    const sizing = props.config.functions[name === "scrub" ? profile.scrubSizing : name];
    const prefix = name === "signing" ? "" : profile.functionPrefix;
    const bundle = name === "scrub" ? profile.scrubBundle : name;
    return new LambdaFunction(this, name, {
      placement: props.placement,
      functionName: `${props.environment}-${prefix}${name}`,
      zipFile: join(props.artifactsDir, `${bundle}.zip`),
      network: props.network,
      key: props.key,
      reservedConcurrency: sizing.reservedConcurrency,
      memorySizeMb: sizing.memorySizeMb,
      timeoutSeconds: sizing.timeoutSeconds,
      environment,
    });
  }

  /**
   * The upload function: issues pre-signed uploads into the originals bucket (signed as its role, or
   * as a logical-tier tenant's role) and derives the subjects' pseudonyms.
   */
  private createUpload(props: UploadPipelineProps): LambdaFunction {
    const { placement, config, originals } = props;
    const env = props.environment;
    const upload = this.pipelineFunction(props, "upload", {
      UPLOAD_BUCKET: originals.bucketName,
      ...uploadLimits(this.profile.contentTypes, this.profile.maxSizeBytes, config.upload.expirySeconds),
      KMS_KEY_ARNS: JSON.stringify({ [props.originalsDataClass]: originals.encryptionKey.keyArn }),
      PSEUDONYM_KEY_ID: props.pseudonymKey.keyArn,
      ...(props.standbyPseudonymKey === undefined
        ? {}
        : { STANDBY_PSEUDONYM_KEY_ID: props.standbyPseudonymKey.keyArn }),
      ...tenantDirectoryEnvironment(env),
    });
    props.pseudonymKey.grantGenerateMac(upload, "DeriveSubjectPseudonyms");
    props.standbyPseudonymKey?.grantGenerateMac(upload, "DeriveStandbyPseudonyms");
    // The role signs the pre-signed uploads: S3 authorizes them as this role, with its key.
    originals.grantSignUploads(upload, { sid: "IssueUploadsIntoOriginals", keySid: "UseOriginalsKey" });
    // A logical-tier tenant's uploads are signed as the tenant's role, under the tenant's key.
    grantActAsTenants(upload, placement, env);
    // Browsers upload from the internet with these roles' signatures, not through the VPC endpoint:
    // there, these roles may upload and nothing else.
    originals.allowUploadsOutsideVpcEndpoint(upload.role.arn);
    originals.allowUploadsOutsideVpcEndpoint(tenantRolesArnPattern(placement, env));
    return upload;
  }

  /**
   * The download function: lists the caller's clean objects and signs short-lived GETs of them (as
   * its role, or as a logical-tier tenant's role). It reaches the clean bucket only: originals and
   * quarantined uploads are never served.
   */
  private createDownload(props: UploadPipelineProps): LambdaFunction {
    const { placement, config, clean } = props;
    const env = props.environment;
    const download = this.pipelineFunction(props, "download", {
      CLEAN_BUCKET: clean.bucketName,
      EXPIRY_SECONDS: String(config.upload.downloadExpirySeconds),
      PSEUDONYM_KEY_ID: props.pseudonymKey.keyArn,
      ...tenantDirectoryEnvironment(env),
    });
    props.pseudonymKey.grantGenerateMac(download, "DeriveSubjectPseudonyms");
    clean.grantSignDownloads(download, { sid: "SignCleanDownloads", keySid: "DecryptCleanObjects" });
    // Without ListBucket a HEAD of a missing key answers 403, not 404; the listing of one's own objects.
    PrivateBucket.grantList(download, [clean], { sid: "ListCleanObjects" });
    grantActAsTenants(download, placement, env);
    // Browsers download from the internet with these roles' signatures: there, they may GET and nothing else.
    clean.allowDownloadsOutsideVpcEndpoint(download.role.arn);
    clean.allowDownloadsOutsideVpcEndpoint(tenantRolesArnPattern(placement, env));
    return download;
  }

  /**
   * The signing function: hashes the caller's clean object (read as its role, or as a logical-tier
   * tenant's role), signs the evidence with the asymmetric key and writes it under `signatures/` of
   * the evidence bucket, where COMPLIANCE object lock keeps it. It writes nothing else.
   */
  private createSigning(
    props: UploadPipelineProps,
    signing: NonNullable<UploadPipelineProps["signing"]>,
  ): LambdaFunction {
    const { placement, clean } = props;
    const env = props.environment;
    const fn = this.pipelineFunction(props, "signing", {
      CLEAN_BUCKET: clean.bucketName,
      EVIDENCE_BUCKET: signing.evidence.bucketName,
      EVIDENCE_KMS_KEY_ID: signing.evidence.encryptionKey.keyArn,
      SIGNING_KEY_ID: signing.signingKey.keyArn,
      PSEUDONYM_KEY_ID: props.pseudonymKey.keyArn,
      ...tenantDirectoryEnvironment(env),
      ...webhookEnvironment(props),
    });
    props.webhooks?.grantPublish(fn);
    props.pseudonymKey.grantGenerateMac(fn, "DeriveSubjectPseudonyms");
    clean.grantGetObjects(fn, { sid: "ReadCleanObjects", keySid: "DecryptCleanObjects" });
    // Without ListBucket, S3 answers a GET of a missing key with 403, not 404.
    PrivateBucket.grantList(fn, [clean], { sid: "TellMissingObjects" });
    signing.evidence.grantPut(fn, { sid: "WriteEvidence", prefix: SIGNATURES_PREFIX });
    signing.evidence.grantKeyUse(fn, "EncryptEvidence");
    signing.signingKey.grantSign(fn, "SignEvidence");
    grantActAsTenants(fn, placement, env);
    return fn;
  }

  /** The API: upload routes to the upload function, read routes to the download function, behind the OIDC issuer's JWTs. */
  private createApi(props: UploadPipelineProps): HttpApi {
    const { config } = props;
    return new HttpApi(this, "api", {
      placement: props.placement,
      name: this.profile.apiName,
      jwtIssuer: config.upload.oidc.issuer,
      jwtAudience: [config.upload.oidc.audience],
      routes: UPLOAD_ROUTES.map((routeKey): { routeKey: string; function: LambdaFunction } => ({
        routeKey,
        function: this.upload,
      }))
        .concat(["GET /v1/objects", "GET /v1/objects/{id}"].map((routeKey) => ({ routeKey, function: this.download })))
        .concat(
          this.signing === undefined ? [] : [{ routeKey: "POST /v1/objects/{id}/signatures", function: this.signing }],
        ),
      logKey: props.key,
      allowedOrigins: config.upload.allowedOrigins,
      // With DNS failover, Route 53's health checkers call GET /health, without a token (the named
      // exception health-check of SIP-APIGW-1; docs/cross-partition.md §7).
      ...(config.dns !== undefined && props.kind !== "documents"
        ? {
            unauthenticatedHealthRoute: {
              zipFile: join(props.artifactsDir, "health.zip"),
              network: props.network,
              key: props.key,
            },
          }
        : {}),
    });
  }

  /**
   * The scrub function: reads and tags originals, writes clean derivatives, and keeps rejects under
   * `quarantine/` in the originals bucket.
   */
  private createScrub(props: UploadPipelineProps): LambdaFunction {
    const { placement, originals, clean } = props;
    const env = props.environment;
    const scrub = this.pipelineFunction(props, "scrub", {
      CLEAN_BUCKET: clean.bucketName,
      CLEAN_KMS_KEY_ID: clean.encryptionKey.keyArn,
      CLEAN_DATA_CLASS: props.cleanDataClass,
      QUARANTINE_PREFIX,
      ...this.profile.scrubLimits,
      ...tenantDirectoryEnvironment(env),
      ...webhookEnvironment(props),
    });
    props.webhooks?.grantPublish(scrub);
    originals.grantRead(scrub, { sid: "ReadOriginals" });
    originals.grantTagging(scrub, { sid: "TagOriginalsAndQuarantine" });
    originals.grantPut(scrub, { sid: "WriteQuarantine", prefix: QUARANTINE_PREFIX });
    clean.grantWrite(scrub, { sid: "WriteClean" });
    // Without ListBucket, S3 answers a HEAD of a missing object with 403, not 404: the idempotence
    // checks ask whether the clean or quarantined copy exists.
    PrivateBucket.grantList(scrub, [originals, clean], { sid: "TellMissingObjects" });
    originals.grantKeyUse(scrub, "UseOriginalsKey");
    clean.grantKeyUse(scrub, "UseCleanKey");
    // A logical-tier tenant's objects are read and written as the tenant's role, under its key.
    grantActAsTenants(scrub, placement, env);
    return scrub;
  }

  /** New objects in the originals bucket invoke the scrub function. */
  private scrubNewOriginals(props: UploadPipelineProps): void {
    const { placement, originals } = props;
    const invoke = new LambdaPermission(this, "scrub-invoke-from-originals", {
      provider: placement.provider,
      statementId: "InvokeOnNewOriginals",
      action: "lambda:InvokeFunction",
      functionName: this.scrub.function.functionName,
      principal: "s3.amazonaws.com",
      sourceArn: originals.bucketArn,
      sourceAccount: placement.accountId,
    });
    originals.addEventNotification(this, "originals-notification", {
      purpose: "the scrub function (uploads)",
      lambdaFunctionArn: this.scrub.functionArn,
      events: ["s3:ObjectCreated:*"],
      dependsOn: [invoke],
    });
  }
}
