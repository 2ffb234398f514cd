import {
  S3Bucket,
  S3BucketCorsConfiguration,
  type S3BucketCorsConfigurationCorsRule,
  S3BucketEncryption,
  S3BucketLifecycleConfiguration,
  S3BucketNotification,
  type S3BucketNotificationConfig,
  S3BucketObjectLockConfiguration,
  S3BucketOwnershipControls,
  S3BucketPolicy,
  S3BucketPublicAccessBlock,
  S3BucketVersioning,
} from "../../framework/aws";
import { Construct, Lazy, type TerraformProvider, Token } from "../../framework/cdktf";
import { policyVariable, type Statement } from "../../policies/documents/policy-document";
import { ValidationError } from "../errors";
import type { Grantable, KmsKey } from "../kms-key";
import type { Placement } from "../placement";
import { PrivateBucketPolicy } from "./bucket-policy";
import { actionOrActions, type BucketGrant, type BucketGrantOptions, type ReplicaGrantOptions } from "./grants";
import {
  BROWSER_UPLOAD_HEADERS,
  DOWNLOAD_SIGNER_ACTIONS,
  DRAIN_OBJECT_ACTIONS,
  ERASE_LISTING_ACTIONS,
  ERASE_VERSION_ACTIONS,
  LIST_VERSIONS_ACTIONS,
  OBJECT_DELETE_CURRENT_ACTIONS,
  OBJECT_PUT_ACTIONS,
  OBJECT_READ_ACTIONS,
  OBJECT_READ_WRITE_ACTIONS,
  OBJECT_TAGGING_ACTIONS,
  OBJECT_WRITE_ACTIONS,
  REPLICA_OBJECT_ACTIONS,
  S3_LIST_ACTIONS,
  TENANT_OBJECT_ACTIONS,
  UPLOAD_SIGNER_ACTIONS,
} from "./perms";

export interface PrivateBucketProps {
  /** Where the bucket lives; every resource is pinned to `placement.provider`. */
  readonly placement: Placement;
  /** Full bucket name (3-63 characters, S3 naming rules). */
  readonly bucketName: string;
  /** Customer-managed key for SSE-KMS; must live in the same placement. */
  readonly encryptionKey: KmsKey;
  /** Days until current objects expire. */
  readonly retentionDays: number;
  /**
   * Days a noncurrent (overwritten or deleted) version is kept; bounds how long an erased object
   * stays recoverable.
   * @default - the smaller of retentionDays and 30
   */
  readonly noncurrentRetentionDays?: number;
  /**
   * Prefixes whose objects expire sooner than `retentionDays` (a lifecycle rule each; where two
   * rules apply S3 takes the shorter expiry): e.g. the export archives of data-subject requests.
   * @default - none
   */
  readonly shorterRetention?: ReadonlyArray<{ readonly prefix: string; readonly days: number }>;
  /**
   * The S3 gateway endpoint through which all object reads and writes must arrive
   * (`aws:SourceVpce`); required unless `allowAccessOutsideVpcEndpoint` is set.
   * @default - none
   */
  readonly vpcEndpointId?: string;
  /**
   * Roles that must read or write objects from outside the VPC endpoint (for example the role that
   * signs browser uploads), named explicitly; everyone else is denied there.
   * @default - none
   */
  readonly rolesOutsideVpcEndpoint?: readonly string[];
  /**
   * Allows object access that does not come through a VPC endpoint. A weakening: only for buckets
   * on a side without a VPC, such as the commercial failover bucket written by the sync function.
   * @default false
   */
  readonly allowAccessOutsideVpcEndpoint?: boolean;
  /**
   * The only roles (full ARNs, no wildcards) that may read, write or list objects: every other
   * principal is denied object access wherever it comes from (AWS services delivering to the bucket
   * excepted). For a bucket that must be reachable without the VPC endpoint, such as the Terraform
   * state bucket, which the deploy role reads from a workstation before the platform's VPC exists.
   * @default - no such limit: every principal that IAM and the other statements allow
   */
  readonly objectAccessRoles?: readonly string[];
  /**
   * Also accept puts that name the encryption key by its alias ARN (`encryptionKey.aliasArn`), not
   * only by its key ARN: for clients configured before the key exists, such as the platform stack's
   * Terraform S3 backend. S3 compares the header as sent, so without this such a put is denied.
   * @default false - puts that name a key must name the key ARN
   */
  readonly acceptKeyAliasInPuts?: boolean;
  /**
   * Write-once-read-many protection of object versions. GOVERNANCE lets a privileged role remove
   * a version early (erasure requests stay possible); COMPLIANCE lets nobody, not even the root
   * user, until the retention ends. Object lock can only be turned on when the bucket is created.
   * @default - no object lock
   */
  readonly objectLock?: { readonly mode?: "GOVERNANCE" | "COMPLIANCE"; readonly retentionDays: number };
  /**
   * Web origins whose pages may upload into the bucket from a browser (pre-signed POST or PUT):
   * a CORS rule for POST and PUT with the upload headers only. https origins, no wildcards.
   * @default - none: browsers cannot upload
   */
  readonly browserUploadOrigins?: readonly string[];
  /**
   * Web origins whose pages may read objects of the bucket from a browser script (pre-signed GET):
   * a CORS rule for GET and HEAD, no request headers. https origins, no wildcards.
   * @default - none (an `<img>` needs no CORS; scripts cannot read the bytes)
   */
  readonly browserDownloadOrigins?: readonly string[];
  /**
   * Key prefixes under which every tenant-tagged principal has a second area of its own,
   * `<prefix><tenant>/`, besides `<tenant>/` (for example `quarantine/`, where the scrub function,
   * acting as the tenant, keeps rejected uploads under the tenant's key). Each ends in `/`.
   * @default - none: a tenant reaches only `<tenant>/`
   */
  readonly tenantAreaPrefixes?: readonly string[];
  /** Tags in addition to the provider's default tags. @default - none */
  readonly tags?: Readonly<Record<string, string>>;
}

const BUCKET_NAME = /^(?!xn--)(?!sthree-)(?!.*-s3alias$)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

/** The buckets of a grant over several; at least one. */
function nonEmpty(buckets: readonly PrivateBucket[], grant: string): readonly PrivateBucket[] {
  if (buckets.length === 0) throw new Error(`PrivateBucket.${grant} needs at least one bucket`);
  return buckets;
}

/** How long noncurrent versions stay: the prop, or the smaller of retentionDays and 30. */
function noncurrentRetentionDays(props: PrivateBucketProps): number {
  return props.noncurrentRetentionDays ?? Math.min(props.retentionDays, 30);
}

/**
 * A private S3 bucket: all four Block Public Access settings, object ownership enforced (no ACLs),
 * SSE-KMS with a customer-managed key and bucket key, versioning, lifecycle rules for current
 * versions, noncurrent versions and incomplete multipart uploads, and a bucket policy that denies
 * requests without TLS, puts with another encryption or key, object access by a tenant-tagged
 * principal outside its `<tenant>/` prefix, and object access from outside the platform's VPC
 * endpoint (except named roles). Workloads get access only through the `grant*` methods, which also
 * cover the key.
 */
export class PrivateBucket extends Construct {
  readonly bucket: S3Bucket;
  readonly bucketName: string;
  /** ARN of the bucket (a token until apply). */
  readonly bucketArn: string;
  /** The key that encrypts the bucket's objects. */
  readonly encryptionKey: KmsKey;
  /** The bucket policy; depend on it when a service checks the policy at creation (CloudTrail). */
  readonly policy: S3BucketPolicy;
  /** `<prefix>` of the tenant areas besides `<tenant>/`. */
  readonly tenantAreaPrefixes: readonly string[];
  /** The statements of the bucket policy, rendered at synth. */
  private readonly policyStatements: PrivateBucketPolicy;
  /** The S3 gateway endpoint object access is limited to, if any. */
  private readonly vpcEndpointId?: string;
  /** What the bucket's one notification configuration serves, once added. */
  private notificationPurpose?: string;
  /** Grantees of object grants that have not been given the key yet, with their first grant's Sid. */
  private readonly grantsWithoutKey = new Map<Grantable, string>();
  /** Grantees given the key by grantKeyUse. */
  private readonly keyHolders = new Set<Grantable>();

  constructor(scope: Construct, id: string, props: PrivateBucketProps) {
    super(scope, id);
    this.validateStorage(props);
    this.validateAccess(props);
    const provider = props.placement.provider;
    this.encryptionKey = props.encryptionKey;
    this.bucketName = props.bucketName;
    this.tenantAreaPrefixes = [...(props.tenantAreaPrefixes ?? [])];
    this.vpcEndpointId = props.vpcEndpointId;
    this.bucket = new S3Bucket(this, "bucket", {
      provider,
      bucket: props.bucketName,
      forceDestroy: false,
      objectLockEnabled: props.objectLock !== undefined ? true : undefined,
      tags: props.tags ? { ...props.tags } : undefined,
    });
    this.bucketArn = this.bucket.arn;
    const publicAccessBlock = this.blockPublicAccess(provider);
    this.encryptByDefault(provider);
    this.policyStatements = new PrivateBucketPolicy({
      bucketArn: this.bucket.arn,
      encryptionKey: props.encryptionKey,
      acceptKeyAliasInPuts: props.acceptKeyAliasInPuts === true,
      objectAccessRoles: props.objectAccessRoles ?? [],
      tenantAreaPrefixes: this.tenantAreaPrefixes,
      vpcEndpointId: props.vpcEndpointId,
      rolesOutsideVpcEndpoint: props.rolesOutsideVpcEndpoint ?? [],
    });
    this.policy = new S3BucketPolicy(this, "policy", {
      provider,
      bucket: this.bucket.id,
      policy: Lazy.stringValue({ produce: () => this.policyStatements.render() }),
      dependsOn: [publicAccessBlock],
    });
    if (props.objectLock !== undefined) this.lockObjects(provider, props.objectLock);
    this.allowBrowsers(provider, props.browserUploadOrigins ?? [], props.browserDownloadOrigins ?? []);
    this.expireVersions(provider, props.retentionDays, noncurrentRetentionDays(props), props.shorterRetention ?? []);
    this.node.addValidation({ validate: () => this.grantsMissingTheKey() });
  }

  /** Bucket name, retention, key placement and object lock. */
  private validateStorage(props: PrivateBucketProps): void {
    if (!BUCKET_NAME.test(props.bucketName)) {
      throw new ValidationError(
        "PrivateBucket.bucketName",
        `bucketName must be 3-63 lowercase letters, digits and hyphens, starting and ending with a letter or digit (value: "${props.bucketName}", ${props.bucketName.length} characters)`,
        this,
      );
    }
    if (!Number.isInteger(props.retentionDays) || props.retentionDays < 1) {
      throw new ValidationError(
        "PrivateBucket.retentionDays",
        `retentionDays must be a whole number of days, at least 1 (value: ${props.retentionDays})`,
        this,
      );
    }
    const noncurrentDays = noncurrentRetentionDays(props);
    if (!Number.isInteger(noncurrentDays) || noncurrentDays < 1) {
      throw new ValidationError(
        "PrivateBucket.noncurrentRetentionDays",
        `noncurrentRetentionDays must be a whole number of days, at least 1 (value: ${noncurrentDays})`,
        this,
      );
    }
    if (props.encryptionKey.key.provider !== props.placement.provider) {
      throw new ValidationError(
        "PrivateBucket.encryptionKey",
        `encryptionKey ${props.encryptionKey.node.path} is pinned to another provider than the bucket (${props.placement.side}); use a key of the same placement`,
        this,
      );
    }
    const lock = props.objectLock;
    if (
      lock !== undefined &&
      (!Number.isInteger(lock.retentionDays) || lock.retentionDays < 1 || lock.retentionDays > props.retentionDays)
    ) {
      throw new ValidationError(
        "PrivateBucket.objectLock",
        `objectLock.retentionDays must be a whole number from 1 to retentionDays (${props.retentionDays}), so that locked versions can expire (value: ${lock.retentionDays})`,
        this,
      );
    }
  }

  /** Browser origins, tenant areas, and who may reach objects from where. */
  private validateAccess(props: PrivateBucketProps): void {
    for (const field of ["browserUploadOrigins", "browserDownloadOrigins"] as const) {
      const badOrigins = (props[field] ?? []).filter((o) => !/^https:\/\/[a-z0-9.-]+(:\d+)?$/.test(o));
      if (badOrigins.length > 0) {
        throw new ValidationError(
          `PrivateBucket.${field}`,
          `${field} must be https origins without path or wildcard (value: ${JSON.stringify(badOrigins)})`,
          this,
        );
      }
    }
    const badAreas = (props.tenantAreaPrefixes ?? []).filter((a) => !/^[a-z0-9][a-z0-9._-]{0,62}\/$/.test(a));
    if (badAreas.length > 0) {
      throw new ValidationError(
        "PrivateBucket.tenantAreaPrefixes",
        `tenantAreaPrefixes must be single lower-case key segments ending in "/" (like "quarantine/") (value: ${JSON.stringify(badAreas)})`,
        this,
      );
    }
    this.validateVpcEndpoint(props);
    const accessRoles = props.objectAccessRoles ?? [];
    const badAccessRoles = accessRoles.filter(
      (r) => !Token.isUnresolved(r) && !/^arn:[a-z-]+:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(r),
    );
    if (props.objectAccessRoles !== undefined && (accessRoles.length === 0 || badAccessRoles.length > 0)) {
      throw new ValidationError(
        "PrivateBucket.objectAccessRoles",
        `objectAccessRoles must list one or more role ARNs without wildcards (value: ${JSON.stringify(accessRoles)}); leave it out to not limit object access to named roles`,
        this,
      );
    }
    if ((props.rolesOutsideVpcEndpoint ?? []).length > 0 && props.vpcEndpointId === undefined) {
      throw new ValidationError(
        "PrivateBucket.rolesOutsideVpcEndpoint",
        "rolesOutsideVpcEndpoint names exceptions to the VPC-endpoint restriction, which needs vpcEndpointId",
        this,
      );
    }
  }

  /** A VPC endpoint or the named opt-out, never both; exceptions only with an endpoint. */
  private validateVpcEndpoint(props: PrivateBucketProps): void {
    if (props.vpcEndpointId === undefined && props.allowAccessOutsideVpcEndpoint !== true) {
      throw new ValidationError(
        "PrivateBucket.vpcEndpointId",
        "object access is limited to a VPC endpoint by default, but no vpcEndpointId is given; pass the S3 gateway endpoint, or set allowAccessOutsideVpcEndpoint: true to accept access from anywhere IAM allows",
        this,
      );
    }
    if (props.vpcEndpointId !== undefined && props.allowAccessOutsideVpcEndpoint === true) {
      throw new ValidationError(
        "PrivateBucket.allowAccessOutsideVpcEndpoint",
        "allowAccessOutsideVpcEndpoint is set, so vpcEndpointId would have no effect; pass one or the other",
        this,
      );
    }
  }

  /** All four Block Public Access settings and BucketOwnerEnforced (no ACLs); the policy depends on the block. */
  private blockPublicAccess(provider: TerraformProvider): S3BucketPublicAccessBlock {
    const publicAccessBlock = new S3BucketPublicAccessBlock(this, "public-access-block", {
      provider,
      bucket: this.bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, "ownership", {
      provider,
      bucket: this.bucket.id,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    });
    return publicAccessBlock;
  }

  /** SSE-KMS with the bucket's key and a bucket key, for every request that names no encryption. */
  private encryptByDefault(provider: TerraformProvider): void {
    new S3BucketEncryption(this, "encryption", {
      provider,
      bucket: this.bucket.id,
      rule: [
        {
          applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: this.encryptionKey.keyArn },
          bucketKeyEnabled: true,
        },
      ],
    });
  }

  /** Default retention of object versions (GOVERNANCE unless COMPLIANCE is named). */
  private lockObjects(provider: TerraformProvider, lock: NonNullable<PrivateBucketProps["objectLock"]>): void {
    new S3BucketObjectLockConfiguration(this, "object-lock", {
      provider,
      bucket: this.bucket.id,
      rule: { defaultRetention: { mode: lock.mode ?? "GOVERNANCE", days: lock.retentionDays } },
    });
  }

  /**
   * The CORS rules (one configuration per bucket): browser uploads (POST, PUT) with the upload
   * headers only, and browser downloads (GET, HEAD) without request headers; none without origins.
   */
  private allowBrowsers(provider: TerraformProvider, uploads: readonly string[], downloads: readonly string[]): void {
    const corsRule: S3BucketCorsConfigurationCorsRule[] = [];
    if (uploads.length > 0)
      corsRule.push({
        id: "browser-uploads",
        allowedMethods: ["POST", "PUT"],
        allowedOrigins: [...uploads],
        allowedHeaders: [...BROWSER_UPLOAD_HEADERS],
        exposeHeaders: ["ETag"],
        maxAgeSeconds: 600,
      });
    if (downloads.length > 0)
      corsRule.push({
        id: "browser-downloads",
        allowedMethods: ["GET", "HEAD"],
        allowedOrigins: [...downloads],
        exposeHeaders: ["Content-Length", "Content-Type", "ETag"],
        maxAgeSeconds: 600,
      });
    if (corsRule.length > 0)
      new S3BucketCorsConfiguration(this, "cors", { provider, bucket: this.bucket.id, corsRule });
  }

  /** Versioning, and expiry of current and noncurrent versions and of incomplete multipart uploads. */
  private expireVersions(
    provider: TerraformProvider,
    retentionDays: number,
    noncurrentDays: number,
    shorter: NonNullable<PrivateBucketProps["shorterRetention"]>,
  ): void {
    for (const { prefix, days } of shorter) {
      if (!/^[a-z0-9][a-z0-9._/-]*\/$/.test(prefix) || !Number.isInteger(days) || days < 1 || days >= retentionDays)
        throw new ValidationError(
          "PrivateBucket.shorterRetention",
          `each entry needs a key prefix of lower-case segments ending in "/" and whole days from 1 to retentionDays - 1 (${retentionDays - 1}) (value: ${JSON.stringify({ prefix, days })})`,
          this,
        );
    }
    const versioning = new S3BucketVersioning(this, "versioning", {
      provider,
      bucket: this.bucket.id,
      versioningConfiguration: { status: "Enabled" },
    });
    new S3BucketLifecycleConfiguration(this, "lifecycle", {
      provider,
      bucket: this.bucket.id,
      dependsOn: [versioning],
      rule: [
        {
          id: "retention",
          status: "Enabled",
          filter: [{ prefix: "" }],
          expiration: [{ days: retentionDays }],
          noncurrentVersionExpiration: [{ noncurrentDays }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 1 }],
        },
        ...shorter.map(({ prefix, days }) => ({
          id: `expire-${prefix.replace(/[^a-z0-9]+/g, "-").replace(/-$/, "")}`,
          status: "Enabled",
          filter: [{ prefix }],
          expiration: [{ days }],
          noncurrentVersionExpiration: [{ noncurrentDays: Math.min(days, noncurrentDays) }],
        })),
      ],
    });
  }

  /**
   * Names a role that must read or write objects from outside the VPC endpoint (for example the role
   * whose pre-signed URLs browsers upload with). Only for buckets limited to a VPC endpoint.
   */
  allowOutsideVpcEndpoint(roleArn: string): void {
    if (this.vpcEndpointId === undefined) {
      throw new ValidationError(
        "PrivateBucket.allowOutsideVpcEndpoint",
        "this bucket is not limited to a VPC endpoint, so there is nothing to except a role from",
        this,
      );
    }
    this.policyStatements.allowOutsideVpcEndpoint(roleArn);
  }

  /**
   * Names the roles whose pre-signed uploads browsers send from the internet: outside the VPC endpoint
   * they may upload (`s3:PutObject`: POST, PUT and multipart parts) and do nothing else. `roleArnPattern`
   * is a role ARN, or one with `*` in the role name (the tenant roles of the logical tier).
   */
  allowUploadsOutsideVpcEndpoint(roleArnPattern: string): void {
    this.assertOutsideRolePattern("PrivateBucket.allowUploadsOutsideVpcEndpoint", roleArnPattern);
    this.policyStatements.allowUploadsOutsideVpcEndpoint(roleArnPattern);
  }

  /** A role pattern that may be excepted from the VPC-endpoint deny: a role ARN, `*` in its name but not only `*`. */
  private assertOutsideRolePattern(where: string, roleArnPattern: string): void {
    if (this.vpcEndpointId === undefined) {
      throw new ValidationError(
        where,
        "this bucket is not limited to a VPC endpoint, so there is nothing to except a role from",
        this,
      );
    }
    // A token (a role's ARN attribute) names one role; a literal is checked.
    if (
      !Token.isUnresolved(roleArnPattern) &&
      (!/:role\/[\w+=,.@*-]+$/.test(roleArnPattern) || roleArnPattern.endsWith(":role/*"))
    ) {
      throw new ValidationError(
        where,
        `roleArnPattern must be a role ARN whose name may contain "*" but is not just "*" (value: "${roleArnPattern}")`,
        this,
      );
    }
  }

  /**
   * Names the roles whose pre-signed downloads browsers send from the internet: outside the VPC
   * endpoint they may download (`s3:GetObject`) and do nothing else. `roleArnPattern` as for
   * allowUploadsOutsideVpcEndpoint.
   */
  allowDownloadsOutsideVpcEndpoint(roleArnPattern: string): void {
    this.assertOutsideRolePattern("PrivateBucket.allowDownloadsOutsideVpcEndpoint", roleArnPattern);
    this.policyStatements.allowDownloadsOutsideVpcEndpoint(roleArnPattern);
  }

  /**
   * The object ARNs of a tenant's areas, `<bucket>/<tenant>/*` and `<bucket>/<area><tenant>/*` for
   * each of `tenantAreaPrefixes`; `tenant` is usually the policy variable `${aws:PrincipalTag/Tenant}`.
   */
  tenantObjectArns(tenant: string): string[] {
    return ["", ...this.tenantAreaPrefixes].map((area) => `${this.bucketArn}/${area}${tenant}/*`);
  }

  /**
   * Sends the bucket's events to one function. S3 keeps one notification configuration per bucket:
   * a second `aws_s3_bucket_notification` would silently replace the first at apply (scrub or sync
   * would stop), so a second call fails here, naming both. The resource is created in `scope`
   * (its address stays where the pipeline that owns it is).
   */
  addEventNotification(
    scope: Construct,
    id: string,
    props: {
      readonly lambdaFunctionArn: string;
      readonly events: readonly string[];
      readonly dependsOn?: S3BucketNotificationConfig["dependsOn"];
      readonly purpose: string;
    },
  ): S3BucketNotification {
    if (this.notificationPurpose !== undefined) {
      throw new ValidationError(
        "PrivateBucket.addEventNotification",
        `bucket ${this.bucketName} already sends its events for ${this.notificationPurpose}; S3 keeps one notification configuration per bucket, so ${props.purpose} would replace it. Fix: give ${props.purpose} a bucket of its own (for uploads: a data class that does not cross partitions)`,
        this,
      );
    }
    this.notificationPurpose = props.purpose;
    return new S3BucketNotification(scope, id, {
      provider: this.bucket.provider,
      bucket: this.bucket.id,
      lambdaFunction: [{ lambdaFunctionArn: props.lambdaFunctionArn, events: [...props.events] }],
      ...(props.dependsOn === undefined ? {} : { dependsOn: props.dependsOn }),
    });
  }

  /** Lets `grantee` read objects (under `prefix`, if given), any version, and their tags (OBJECT_READ_ACTIONS). */
  grantRead(grantee: Grantable, options: BucketGrantOptions & { readonly prefix?: string }): BucketGrant {
    const prefix = options.prefix ?? "";
    if (prefix !== "") this.checkPrefix("PrivateBucket.grantRead", prefix);
    return this.grantOnObjects(grantee, options, OBJECT_READ_ACTIONS, prefix);
  }

  /**
   * Lets `grantee` put objects with their tags and read them back (OBJECT_WRITE_ACTIONS): a writer
   * that asks whether its copy is there already.
   */
  grantWrite(grantee: Grantable, options: BucketGrantOptions): BucketGrant {
    return this.grantOnObjects(grantee, options, OBJECT_WRITE_ACTIONS);
  }

  /**
   * Lets `grantee` put objects (`s3:PutObject` only) under `prefix` (a key prefix ending in `/`),
   * for example the scrub function's rejects under `quarantine/`.
   */
  grantPut(grantee: Grantable, options: BucketGrantOptions & { readonly prefix?: string }): BucketGrant {
    const prefix = options.prefix ?? "";
    if (prefix !== "") this.checkPrefix("PrivateBucket.grantPut", prefix);
    return this.grantOnObjects(grantee, options, OBJECT_PUT_ACTIONS, prefix);
  }

  private checkPrefix(field: string, prefix: string): void {
    if (!/^[a-z0-9][a-z0-9._/-]*\/$/.test(prefix)) {
      throw new ValidationError(
        field,
        `prefix must be a key prefix of lower-case segments ending in "/", without wildcards (value: "${prefix}")`,
        this,
      );
    }
  }

  /**
   * Lets `grantee` delete current objects under `prefix` (a delete marker; `s3:DeleteObject` only),
   * e.g. a request record once it is decided.
   */
  grantDelete(grantee: Grantable, options: Pick<BucketGrantOptions, "sid"> & { readonly prefix: string }): BucketGrant {
    this.checkPrefix("PrivateBucket.grantDelete", options.prefix);
    return this.grantOn(grantee, options.sid, OBJECT_DELETE_CURRENT_ACTIONS, `${this.bucketArn}/${options.prefix}*`);
  }

  /**
   * Lets `grantee` erase data subjects' objects for good (ERASE_VERSION_ACTIONS on the objects,
   * ERASE_LISTING_ACTIONS on the bucket): the only grant with `s3:DeleteObjectVersion`. Object lock
   * still protects what it holds. Give the key with `grantKeyUse` (versions are read to be hashed).
   */
  grantEraseVersions(grantee: Grantable, options: Pick<BucketGrantOptions, "sid">): BucketGrant {
    const listing: Statement = {
      Sid: `${options.sid}Listing`,
      Effect: "Allow",
      Action: actionOrActions(ERASE_LISTING_ACTIONS),
      Resource: this.bucketArn,
    };
    grantee.addToPrincipalPolicy(listing);
    const objects = this.grantOnObjects(grantee, { sid: options.sid }, ERASE_VERSION_ACTIONS);
    return { statements: [listing, ...objects.statements] };
  }

  /** Lets `grantee` read, put (with tags) and delete current objects (OBJECT_READ_WRITE_ACTIONS). */
  grantReadWrite(grantee: Grantable, options: BucketGrantOptions): BucketGrant {
    return this.grantOnObjects(grantee, options, OBJECT_READ_WRITE_ACTIONS);
  }

  /**
   * Lets `grantee` sign browser uploads (POST, PUT, multipart) into the bucket and look at them
   * (UPLOAD_SIGNER_ACTIONS): S3 authorizes a pre-signed request as its signer. Browsers send them
   * from the internet: name the signing role with `allowUploadsOutsideVpcEndpoint` too.
   */
  grantSignUploads(grantee: Grantable, options: BucketGrantOptions): BucketGrant {
    return this.grantOnObjects(grantee, options, UPLOAD_SIGNER_ACTIONS);
  }

  /**
   * Lets `grantee` sign browser downloads (pre-signed GETs) of the bucket's objects, and HEAD them
   * (DOWNLOAD_SIGNER_ACTIONS), with decryption by the bucket's key and nothing else: S3 authorizes a
   * pre-signed GET as its signer and decrypts for it. Browsers send them from the internet: name the
   * signing role with `allowDownloadsOutsideVpcEndpoint` too.
   */
  grantSignDownloads(
    grantee: Grantable,
    options: Pick<BucketGrantOptions, "sid"> & { readonly keySid: string },
  ): BucketGrant {
    return this.grantGetObjects(grantee, options);
  }

  /**
   * Lets `grantee` read (GET, HEAD) the current versions of the bucket's objects and decrypt them,
   * nothing else (DOWNLOAD_SIGNER_ACTIONS, `kms:Decrypt` with the bucket's key): a reader that writes
   * nowhere here, such as the signing function hashing the object it signs.
   */
  grantGetObjects(
    grantee: Grantable,
    options: Pick<BucketGrantOptions, "sid"> & { readonly keySid: string },
  ): BucketGrant {
    const grant = this.grantOn(grantee, options.sid, DOWNLOAD_SIGNER_ACTIONS, `${this.bucketArn}/*`);
    this.keyHolders.add(grantee);
    this.grantsWithoutKey.delete(grantee);
    return { ...grant, keyStatement: this.encryptionKey.grantDecrypt(grantee, options.keySid) };
  }

  /**
   * Lets `grantee` move the bucket's objects elsewhere and empty it: list keys and versions
   * (LIST_VERSIONS_ACTIONS), read and delete every version (DRAIN_OBJECT_ACTIONS), and decrypt with
   * the bucket's key (`kms:Decrypt` only): nothing is written here. For the outage inbox, which
   * failback brings home.
   */
  grantDrain(grantee: Grantable, options: Pick<BucketGrantOptions, "sid"> & { readonly keySid: string }): BucketGrant {
    const listing = this.grantOn(grantee, `${options.sid}Listing`, LIST_VERSIONS_ACTIONS, this.bucketArn);
    const objects = this.grantOn(grantee, options.sid, DRAIN_OBJECT_ACTIONS, `${this.bucketArn}/*`);
    this.keyHolders.add(grantee);
    this.grantsWithoutKey.delete(grantee);
    return {
      statements: [...listing.statements, ...objects.statements],
      keyStatement: this.encryptionKey.grantDecrypt(grantee, options.keySid),
    };
  }

  /** Lets `grantee` tag objects and their versions (OBJECT_TAGGING_ACTIONS); tags need no key. */
  grantTagging(grantee: Grantable, options: Pick<BucketGrantOptions, "sid">): BucketGrant {
    return this.grantOn(grantee, options.sid, OBJECT_TAGGING_ACTIONS, `${this.bucketArn}/*`);
  }

  /**
   * Lets `grantee` list the bucket's keys and versions (LIST_VERSIONS_ACTIONS): without ListBucket a
   * missing key answers 403, not 404; ListBucketVersions finds what a delete left behind.
   */
  grantListVersions(grantee: Grantable, options: Pick<BucketGrantOptions, "sid">): BucketGrant {
    return this.grantOn(grantee, options.sid, LIST_VERSIONS_ACTIONS, this.bucketArn);
  }

  /**
   * Lets `grantee` encrypt and decrypt with the bucket's key (`KmsKey.grantEncryptDecrypt`): what its
   * object grants need, once per grantee. Returns the statement it added.
   */
  grantKeyUse(grantee: Grantable, sid: string): Statement {
    this.keyHolders.add(grantee);
    this.grantsWithoutKey.delete(grantee);
    return this.encryptionKey.grantEncryptDecrypt(grantee, sid);
  }

  /**
   * Lets `grantee` (the cross-partition sync's role in the failover partition) keep replicas in this
   * bucket: list it (S3_LIST_ACTIONS), write, read and delete replicas (REPLICA_OBJECT_ACTIONS), and
   * use the key. Its resources are lists, like those of the grants over several buckets.
   */
  grantReplicate(grantee: Grantable, options: ReplicaGrantOptions): BucketGrant {
    const statements: Statement[] = [
      { Sid: options.listSid, Effect: "Allow", Action: [...S3_LIST_ACTIONS], Resource: [this.bucketArn] },
      { Sid: options.sid, Effect: "Allow", Action: [...REPLICA_OBJECT_ACTIONS], Resource: [`${this.bucketArn}/*`] },
    ];
    for (const statement of statements) grantee.addToPrincipalPolicy(statement);
    return { statements, keyStatement: this.grantKeyUse(grantee, options.keySid) };
  }

  /**
   * Lets `grantee` list the keys of several buckets (`s3:ListBucket`, one statement): without it a
   * HEAD of a missing key answers 403, not 404.
   */
  static grantList(
    grantee: Grantable,
    buckets: readonly PrivateBucket[],
    options: Pick<BucketGrantOptions, "sid">,
  ): BucketGrant {
    const statement: Statement = {
      Sid: options.sid,
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: nonEmpty(buckets, "grantList").map((b) => b.bucketArn),
    };
    grantee.addToPrincipalPolicy(statement);
    return { statements: [statement] };
  }

  /**
   * Lets a tenant's role (tagged `Tenant`) reach its own areas of the shared buckets: the objects
   * under `<tenant>/` and `<area><tenant>/` (TENANT_OBJECT_ACTIONS; `ObjectsUnderOwnPrefix`), listing
   * with the `<tenant>/` prefix (`ListOwnPrefix`), and decrypting what the platform's functions wrote
   * with the data-class keys (`ReadDataClassObjects`, `kms:Decrypt` only: a tenant writes with its
   * own key, and the bucket policies refuse any other).
   */
  static grantTenantObjects(grantee: Grantable, buckets: readonly PrivateBucket[]): BucketGrant {
    const own = policyVariable("aws:PrincipalTag/Tenant");
    const shared = nonEmpty(buckets, "grantTenantObjects");
    const statements: Statement[] = [
      {
        Sid: "ObjectsUnderOwnPrefix",
        Effect: "Allow",
        Action: [...TENANT_OBJECT_ACTIONS],
        Resource: shared.flatMap((b) => b.tenantObjectArns(own)),
      },
      {
        Sid: "ListOwnPrefix",
        Effect: "Allow",
        Action: "s3:ListBucket",
        Resource: shared.map((b) => b.bucketArn),
        Condition: { StringLike: { "s3:prefix": `${own}/*` } },
      },
    ];
    const keyStatement: Statement = {
      Sid: "ReadDataClassObjects",
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: shared.map((b) => b.encryptionKey.keyArn),
    };
    for (const statement of [...statements, keyStatement]) grantee.addToPrincipalPolicy(statement);
    return { statements, keyStatement };
  }

  /** A grant on objects that needs the key: with `keySid` it adds the key grant, or it waits for grantKeyUse. */
  private grantOnObjects(
    grantee: Grantable,
    options: BucketGrantOptions,
    actions: readonly string[],
    prefix = "",
  ): BucketGrant {
    const grant = this.grantOn(grantee, options.sid, actions, `${this.bucketArn}/${prefix}*`);
    if (options.keySid !== undefined) return { ...grant, keyStatement: this.grantKeyUse(grantee, options.keySid) };
    if (!this.keyHolders.has(grantee) && !this.grantsWithoutKey.has(grantee))
      this.grantsWithoutKey.set(grantee, options.sid);
    return grant;
  }

  private grantOn(grantee: Grantable, sid: string, actions: readonly string[], resource: string): BucketGrant {
    const statement: Statement = { Sid: sid, Effect: "Allow", Action: actionOrActions(actions), Resource: resource };
    grantee.addToPrincipalPolicy(statement);
    return { statements: [statement] };
  }

  /** Synth-time check: every grantee that reads or writes objects was given the key. */
  private grantsMissingTheKey(): string[] {
    return [...this.grantsWithoutKey].map(
      ([grantee, sid]) =>
        `${Construct.isConstruct(grantee) ? grantee.node.path : "a grantee"} reads or writes objects of ${this.bucketName} (statement ${sid}) but has no use of its key ${this.encryptionKey.aliasName}: pass keySid to the grant, or call grantKeyUse`,
    );
  }

  /** Adds a statement to the bucket policy, e.g. a service principal with source conditions. */
  addToResourcePolicy(statement: Statement): void {
    if (statement.Effect === "Allow" && (statement.Principal === "*" || statement.Principal === undefined)) {
      throw new ValidationError(
        "PrivateBucket.addToResourcePolicy",
        `statement ${statement.Sid} must allow a named principal, not "*"`,
        this,
      );
    }
    this.policyStatements.add(statement);
  }
}
