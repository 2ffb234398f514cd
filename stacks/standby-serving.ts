import { join } from "node:path";
import type { DeploymentConfig } from "../config/schema";
import { Construct } from "../framework/cdktf";
import { HttpApi } from "../modules/http-api";
import { KmsKey } from "../modules/kms-key";
import { ValidationError } from "../modules/errors";
import { LambdaFunction } from "../modules/lambda-function";
import { Network } from "../modules/network";
import type { Placement } from "../modules/placement";
import { PrivateBucket } from "../modules/private-bucket";
import { OUTAGE_UPLOADS_EXCEPTION } from "../policies/core/exception-names";
import { UPLOAD_ROUTES } from "./upload-pipeline";

/** The read API's routes: without outage uploads the standby has these and no other. */
export const STANDBY_ROUTES = ["GET /v1/objects", "GET /v1/objects/{id}"] as const;

/**
 * The interface endpoints the standby's function needs: KMS (GenerateMac under the standby key).
 * S3 is the network's gateway endpoint; logs and the dead-letter queue are written by Lambda itself.
 */
export const STANDBY_INTERFACE_ENDPOINTS = ["kms"] as const;

export interface StandbyServingProps {
  /** The commercial side. */
  readonly placement: Placement;
  readonly environment: string;
  /** `crossPartition.standby` of the configuration. */
  readonly standby: NonNullable<NonNullable<DeploymentConfig["crossPartition"]>["standby"]>;
  /** The download function's sizing (`functions.download`): the standby takes the sovereign read path's load. */
  readonly sizing: DeploymentConfig["functions"]["download"];
  /** Web origins whose pages call the API from a browser (the upload API's). @default - none */
  readonly allowedOrigins?: readonly string[];
  /** The data class served (the image pipeline's clean class, which crosses). */
  readonly dataClass: string;
  /** Its failover bucket (commercial): the replicas `<tenant>/<standby pseudonym>/<id>`. */
  readonly failover: PrivateBucket;
  /** The commercial copy of the standby pseudonym key (`alias/<env>/standby-pseudonyms`). */
  readonly standbyPseudonymKey: KmsKey;
  /** Folder with the function zips (scripts/bundle-functions.mjs): `download.zip`, and `upload.zip` for outage uploads. */
  readonly artifactsDir: string;
  /**
   * Outage uploads (`crossPartition.standby.outageUploads`, a named weakening): the inbox bucket of the
   * upload class, its key, the upload function's bundle as the standby and the upload routes.
   * @default - none: the standby only reads
   */
  readonly outageUploads?: StandbyOutageUploads;
}

/** What the standby needs to accept uploads during an outage (docs/cross-partition.md §7). */
export interface StandbyOutageUploads {
  /** The upload class (`upload.dataClasses`), which may not cross: the inbox holds its originals. */
  readonly dataClass: string;
  /** Days the inbox keeps an upload failback never brought home. */
  readonly retentionDays: number;
  /** The sovereign upload function's limits (`imageUploadLimits`): content types, size, expiry. */
  readonly uploadLimits: Readonly<Record<string, string>>;
  /** The upload function's sizing (`functions.upload`). */
  readonly sizing: DeploymentConfig["functions"]["upload"];
  /**
   * The sovereign sealing key's public key (PEM), read by `data "aws_kms_public_key"` with the
   * sovereign provider: the one value of the sovereign side the standby holds (named exception
   * `sealing-public-key` of SIP-RES-4). The function seals each upload's subject to it.
   */
  readonly sealingPublicKeyPem: string;
}

/** The outage inbox (a literal: the sovereign egress allowlist names its host for failback). */
export function outageInboxName(environment: string, commercialAccountId: string): string {
  return `${environment}-outage-uploads-${commercialAccountId}`;
}

/** The inbox's marking (tag `sip:exception`), which the residency rules' named exception requires. */
export const OUTAGE_INBOX_TAGS = { "sip:exception": OUTAGE_UPLOADS_EXCEPTION, Purpose: "outage-uploads" } as const;

/**
 * The commercial standby of the read API (issue 17, item 2; docs/cross-partition.md §7): the
 * sovereign download function's bundle, deployed with the commercial provider in a VPC of its own
 * (private subnets, the S3 gateway endpoint and a KMS interface endpoint), as the standby
 * (`PSEUDONYM_DOMAIN=standby`): it derives the caller's standby pseudonym under the commercial copy
 * of the standby key and signs GETs of the caller's replicas in the failover bucket. Its role may
 * read and list that bucket, decrypt with its key and derive standby pseudonyms, nothing else; the
 * API has the two GET routes behind its own JWT authorizer, and access logs under a commercial key.
 * Nothing here names a sovereign resource: its inputs are commercial resources and configuration.
 */
export class StandbyServing extends Construct {
  readonly network: Network;
  /** The standby's key: the function's environment, logs and dead letters, the API's access logs, flow logs. */
  readonly key: KmsKey;
  readonly download: LambdaFunction;
  readonly api: HttpApi;
  /** With outage uploads: the inbox (commercial, the upload class) and the standby upload function. */
  readonly outage: { readonly inbox: PrivateBucket; readonly upload: LambdaFunction } | undefined;

  constructor(scope: Construct, id: string, props: StandbyServingProps) {
    super(scope, id);
    const { placement, environment: env, standby, failover } = props;
    if (
      failover.encryptionKey.placement.side !== placement.side ||
      props.standbyPseudonymKey.placement.side !== placement.side
    )
      throw new ValidationError(
        "StandbyServing.failover",
        `failover and standbyPseudonymKey must be of the standby's side (${placement.side}): nothing sovereign is reachable from the standby`,
        this,
      );
    // Outside the sovereign partition every data-holding resource names its class (SIP-RES-3).
    const tags = { DataClass: props.dataClass };
    this.key = new KmsKey(this, "key", {
      placement,
      aliasName: `${env}/standby`,
      description: `${env}: the standby read API's functions and logs (commercial)`,
      tags,
    });
    this.network = new Network(this, "network", {
      placement,
      name: `${env}-standby`,
      vpcCidr: standby.network.vpcCidr,
      availabilityZones: standby.network.availabilityZones,
      allowedAccountIds: [placement.accountId],
      logKey: this.key,
      interfaceEndpoints: STANDBY_INTERFACE_ENDPOINTS,
      tags,
    });
    this.download = this.createDownload(props, tags);
    this.outage =
      props.outageUploads === undefined ? undefined : this.createOutageUploads(props, props.outageUploads, tags);
    const routes: { routeKey: string; function: LambdaFunction }[] = STANDBY_ROUTES.map((routeKey) => ({
      routeKey,
      function: this.download,
    }));
    // With outage uploads, the upload API's upload routes, to the standby upload function only.
    const upload = this.outage?.upload;
    if (upload !== undefined) routes.unshift(...UPLOAD_ROUTES.map((routeKey) => ({ routeKey, function: upload })));
    this.api = new HttpApi(this, "api", {
      placement,
      name: `${env}-standby`,
      jwtIssuer: standby.oidc.issuer,
      jwtAudience: [standby.oidc.audience],
      routes,
      logKey: this.key,
      ...(props.allowedOrigins === undefined ? {} : { allowedOrigins: props.allowedOrigins }),
      tags,
    });
  }

  /**
   * The download function as the standby: the failover bucket is its CLEAN_BUCKET, the commercial
   * standby key its pseudonym key (PSEUDONYM_DOMAIN=standby); no tenant directory (the commercial
   * side has no tenant roles: replicas are written under the failover key).
   */
  private createDownload(props: StandbyServingProps, tags: Readonly<Record<string, string>>): LambdaFunction {
    const { failover } = props;
    const fn = new LambdaFunction(this, "download", {
      placement: props.placement,
      functionName: `${props.environment}-standby-download`,
      zipFile: join(props.artifactsDir, "download.zip"),
      network: this.network,
      key: this.key,
      reservedConcurrency: props.sizing.reservedConcurrency,
      memorySizeMb: props.sizing.memorySizeMb,
      timeoutSeconds: props.sizing.timeoutSeconds,
      environment: {
        CLEAN_BUCKET: failover.bucketName,
        EXPIRY_SECONDS: String(props.standby.downloadExpirySeconds),
        PSEUDONYM_DOMAIN: "standby",
        PSEUDONYM_KEY_ID: props.standbyPseudonymKey.keyArn,
      },
      tags,
    });
    props.standbyPseudonymKey.grantGenerateMac(fn, "DeriveStandbyPseudonyms");
    failover.grantSignDownloads(fn, { sid: "SignReplicaDownloads", keySid: "DecryptReplicas" });
    // Without ListBucket a HEAD of a missing key answers 403, not 404; the listing of one's own replicas.
    PrivateBucket.grantList(fn, [failover], { sid: "ListReplicas" });
    return fn;
  }

  /**
   * Outage uploads: the inbox `<env>-outage-uploads-<account>` under a key of its own
   * (`alias/<env>/outage-uploads`: failback's commercial credential decrypts the inbox and nothing
   * of the standby's; deleting the key shreds whatever failback never brought home), tagged with the
   * upload class and the marking of the named exception; and the sovereign upload function's bundle
   * as `<env>-standby-upload`, with the sovereign function's limits, the inbox as its bucket,
   * PSEUDONYM_DOMAIN=standby under the commercial standby key, and the sealing key's public key.
   */
  private createOutageUploads(
    props: StandbyServingProps,
    outage: StandbyOutageUploads,
    tags: Readonly<Record<string, string>>,
  ): { readonly inbox: PrivateBucket; readonly upload: LambdaFunction } {
    const { placement, environment: env } = props;
    const inboxTags = { DataClass: outage.dataClass, ...OUTAGE_INBOX_TAGS };
    const inbox = new PrivateBucket(this, "outage-inbox", {
      placement,
      bucketName: outageInboxName(env, placement.accountId),
      encryptionKey: new KmsKey(this, "outage-key", {
        placement,
        aliasName: `${env}/outage-uploads`,
        description: `${env}: uploads accepted during a sovereign outage (${outage.dataClass}), until failback brings them home (commercial)`,
        tags: inboxTags,
      }),
      retentionDays: outage.retentionDays,
      // Through the standby's S3 gateway endpoint; browsers (the upload role's signatures) and
      // failback's Roles Anywhere role are named exceptions (platform-stack).
      vpcEndpointId: this.network.s3Endpoint.id,
      ...(props.allowedOrigins === undefined ? {} : { browserUploadOrigins: props.allowedOrigins }),
      tags: inboxTags,
    });
    const upload = new LambdaFunction(this, "upload", {
      placement,
      functionName: `${env}-standby-upload`,
      zipFile: join(props.artifactsDir, "upload.zip"),
      network: this.network,
      key: this.key,
      reservedConcurrency: outage.sizing.reservedConcurrency,
      memorySizeMb: outage.sizing.memorySizeMb,
      timeoutSeconds: outage.sizing.timeoutSeconds,
      environment: {
        UPLOAD_BUCKET: inbox.bucketName,
        ...outage.uploadLimits,
        KMS_KEY_ARNS: JSON.stringify({ [outage.dataClass]: inbox.encryptionKey.keyArn }),
        PSEUDONYM_DOMAIN: "standby",
        PSEUDONYM_KEY_ID: props.standbyPseudonymKey.keyArn,
        SUBJECT_SEALING_PUBLIC_KEY: outage.sealingPublicKeyPem,
      },
      tags,
    });
    props.standbyPseudonymKey.grantGenerateMac(upload, "DeriveStandbyPseudonyms");
    // The sovereign upload role's grant on its originals bucket, here on the inbox.
    inbox.grantSignUploads(upload, { sid: "IssueUploadsIntoInbox", keySid: "UseInboxKey" });
    inbox.allowUploadsOutsideVpcEndpoint(upload.role.arn);
    return { inbox, upload };
  }
}
