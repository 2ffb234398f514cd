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

/** The read API's routes: the standby has these and no other (uploads are off; no outage writes). */
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
  /** Folder with the function zips (scripts/bundle-functions.mjs): the download function's `download.zip`. */
  readonly artifactsDir: string;
}

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
    this.api = new HttpApi(this, "api", {
      placement,
      name: `${env}-standby`,
      jwtIssuer: standby.oidc.issuer,
      jwtAudience: [standby.oidc.audience],
      routes: STANDBY_ROUTES.map((routeKey) => ({ routeKey, function: this.download })),
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
}
