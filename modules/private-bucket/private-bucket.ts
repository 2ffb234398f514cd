import {
  S3Bucket,
  S3BucketCorsConfiguration,
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
import { Construct, Lazy, Token } from "../../framework/cdktf";
import { policyDocument, policyVariable, renderPolicy, type Statement } from "../../policies/documents/policy-document";
import { ValidationError } from "../errors";
import type { KmsKey } from "../kms-key";
import type { Placement } from "../placement";
import { BROWSER_UPLOAD_HEADERS, S3_DATA_ACTIONS, S3_DATA_ACTIONS_BUT_UPLOAD, S3_LIST_ACTIONS } from "./perms";

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

/**
 * A private S3 bucket: all four Block Public Access settings, object ownership enforced (no ACLs),
 * SSE-KMS with a customer-managed key and bucket key, versioning, lifecycle rules for current
 * versions, noncurrent versions and incomplete multipart uploads, and a bucket policy that denies
 * requests without TLS, puts with another encryption or key, object access by a tenant-tagged
 * principal outside its `<tenant>/` prefix, and object access from outside the platform's VPC
 * endpoint (except named roles).
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
  /** The protections every bucket has; the VPC-endpoint deny follows them at synth. */
  private readonly baseStatements: Statement[];
  /** Statements added by addToResourcePolicy (service principals). */
  private readonly addedStatements: Statement[] = [];
  private readonly outsideRoles: string[];
  /** Role ARNs or patterns that may only upload (s3:PutObject) from outside the VPC endpoint. */
  private readonly uploadRoles: string[] = [];
  /** `<prefix>` of the tenant areas besides `<tenant>/`. */
  readonly tenantAreaPrefixes: readonly string[];
  /** The S3 gateway endpoint object access is limited to, if any. */
  private readonly vpcEndpointId?: string;
  /** What the bucket's one notification configuration serves, once added. */
  private notificationPurpose?: string;

  constructor(scope: Construct, id: string, props: PrivateBucketProps) {
    super(scope, id);
    const { placement } = props;
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
    const noncurrentDays = props.noncurrentRetentionDays ?? Math.min(props.retentionDays, 30);
    if (!Number.isInteger(noncurrentDays) || noncurrentDays < 1) {
      throw new ValidationError(
        "PrivateBucket.noncurrentRetentionDays",
        `noncurrentRetentionDays must be a whole number of days, at least 1 (value: ${noncurrentDays})`,
        this,
      );
    }
    if (props.encryptionKey.key.provider !== placement.provider) {
      throw new ValidationError(
        "PrivateBucket.encryptionKey",
        `encryptionKey ${props.encryptionKey.node.path} is pinned to another provider than the bucket (${placement.side}); use a key of the same placement`,
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
    const origins = props.browserUploadOrigins ?? [];
    const badOrigins = origins.filter((o) => !/^https:\/\/[a-z0-9.-]+(:\d+)?$/.test(o));
    if (badOrigins.length > 0) {
      throw new ValidationError(
        "PrivateBucket.browserUploadOrigins",
        `browserUploadOrigins must be https origins without path or wildcard (value: ${JSON.stringify(badOrigins)})`,
        this,
      );
    }
    const outsideRoles = props.rolesOutsideVpcEndpoint ?? [];
    const areas = props.tenantAreaPrefixes ?? [];
    const badAreas = areas.filter((a) => !/^[a-z0-9][a-z0-9._-]{0,62}\/$/.test(a));
    if (badAreas.length > 0) {
      throw new ValidationError(
        "PrivateBucket.tenantAreaPrefixes",
        `tenantAreaPrefixes must be single lower-case key segments ending in "/" (like "quarantine/") (value: ${JSON.stringify(badAreas)})`,
        this,
      );
    }
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
    if (outsideRoles.length > 0 && props.vpcEndpointId === undefined) {
      throw new ValidationError(
        "PrivateBucket.rolesOutsideVpcEndpoint",
        "rolesOutsideVpcEndpoint names exceptions to the VPC-endpoint restriction, which needs vpcEndpointId",
        this,
      );
    }
    const provider = placement.provider;
    this.encryptionKey = props.encryptionKey;
    this.bucketName = props.bucketName;
    this.bucket = new S3Bucket(this, "bucket", {
      provider,
      bucket: props.bucketName,
      forceDestroy: false,
      objectLockEnabled: lock !== undefined ? true : undefined,
      tags: props.tags ? { ...props.tags } : undefined,
    });
    this.bucketArn = this.bucket.arn;
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
    new S3BucketEncryption(this, "encryption", {
      provider,
      bucket: this.bucket.id,
      rule: [
        {
          applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: props.encryptionKey.keyArn },
          bucketKeyEnabled: true,
        },
      ],
    });
    const objects = `${this.bucket.arn}/*`;
    const statements: Statement[] = [
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [this.bucket.arn, objects],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
      // The SSE statements judge only requests that name an encryption: UploadPart and
      // CompleteMultipartUpload are authorized as s3:PutObject and never carry the headers (a deny
      // on an absent header refuses every multipart upload). Without the headers S3 applies the
      // bucket's default, SSE-KMS with this bucket's key; a tenant-tagged principal cannot use that
      // key to write (its role has no kms:GenerateDataKey on data-class keys), so KMS refuses it.
      {
        Sid: "DenyOtherEncryption",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:PutObject",
        Resource: objects,
        Condition: {
          StringNotEquals: { "s3:x-amz-server-side-encryption": "aws:kms" },
          Null: { "s3:x-amz-server-side-encryption": "false" },
        },
      },
      {
        // aws:kms without a key ID means the AWS managed key aws/s3, not this bucket's key.
        Sid: "DenyKmsWithoutKeyId",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:PutObject",
        Resource: objects,
        Condition: {
          Null: {
            "s3:x-amz-server-side-encryption": "false",
            "s3:x-amz-server-side-encryption-aws-kms-key-id": "true",
          },
        },
      },
      {
        // Principals without a Tenant tag (the platform's functions) write with the data-class key.
        Sid: "DenyOtherKey",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:PutObject",
        Resource: objects,
        Condition: {
          StringNotEquals: {
            "s3:x-amz-server-side-encryption-aws-kms-key-id":
              props.acceptKeyAliasInPuts === true
                ? [props.encryptionKey.keyArn, props.encryptionKey.aliasArn]
                : props.encryptionKey.keyArn,
          },
          Null: { "s3:x-amz-server-side-encryption-aws-kms-key-id": "false", "aws:PrincipalTag/Tenant": "true" },
        },
      },
      {
        // A tenant-tagged principal writes only with its tenant's own key (tag TenantKey): deleting
        // that key shreds the tenant's objects.
        Sid: "TenantsWithTheirOwnKey",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:PutObject",
        Resource: objects,
        Condition: {
          StringNotEquals: {
            "s3:x-amz-server-side-encryption-aws-kms-key-id": policyVariable("aws:PrincipalTag/TenantKey"),
          },
          Null: { "s3:x-amz-server-side-encryption-aws-kms-key-id": "false", "aws:PrincipalTag/Tenant": "false" },
        },
      },
      {
        Sid: "TenantsNeedTheirKeyTag",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:PutObject",
        Resource: objects,
        Condition: { Null: { "aws:PrincipalTag/Tenant": "false", "aws:PrincipalTag/TenantKey": "true" } },
      },
    ];
    if (accessRoles.length > 0) {
      statements.push({
        Sid: "DenyObjectAccessToOtherRoles",
        Effect: "Deny",
        Principal: "*",
        Action: S3_DATA_ACTIONS,
        Resource: [this.bucket.arn, objects],
        Condition: {
          ArnNotEquals: { "aws:PrincipalArn": [...accessRoles] },
          Bool: { "aws:PrincipalIsAWSService": "false" },
        },
      });
    }
    // Tenant isolation (ABAC) for shared buckets: a principal tagged with a Tenant reaches only
    // objects under `<tenant>/`; principals without the tag (platform functions) are not affected.
    const tenantPrefix = `${policyVariable("aws:PrincipalTag/Tenant")}/`;
    this.tenantAreaPrefixes = [...areas];
    const tenantAreas = ["", ...areas].map((area) => `${area}${tenantPrefix}`);
    statements.push(
      {
        Sid: "TenantsOnlyUnderTheirPrefix",
        Effect: "Deny",
        Principal: "*",
        Action: S3_DATA_ACTIONS.filter((a) => !S3_LIST_ACTIONS.includes(a)),
        NotResource:
          tenantAreas.length === 1
            ? `${this.bucket.arn}/${tenantPrefix}*`
            : tenantAreas.map((area) => `${this.bucket.arn}/${area}*`),
        Condition: { Null: { "aws:PrincipalTag/Tenant": "false" } },
      },
      {
        // Listing is a bucket-level request: a tenant lists only with its own prefix.
        Sid: "TenantsListOnlyTheirPrefix",
        Effect: "Deny",
        Principal: "*",
        Action: [...S3_LIST_ACTIONS],
        Resource: this.bucket.arn,
        Condition: {
          Null: { "aws:PrincipalTag/Tenant": "false" },
          StringNotLike: {
            "s3:prefix": tenantAreas.length === 1 ? `${tenantPrefix}*` : tenantAreas.map((area) => `${area}*`),
          },
        },
      },
    );
    this.baseStatements = statements;
    this.outsideRoles = [...outsideRoles];
    this.vpcEndpointId = props.vpcEndpointId;
    const vpcEndpointId = props.vpcEndpointId;
    // Rendered at synth time, so that roles named later (allowOutsideVpcEndpoint) are included.
    const vpcDeny = (): Statement[] => {
      if (vpcEndpointId === undefined) return [];
      // Services (CloudTrail, ...) never come through the endpoint; they still need an Allow.
      const outside = {
        StringNotEquals: { "aws:SourceVpce": vpcEndpointId },
        Bool: { "aws:PrincipalIsAWSService": "false" },
      };
      const denies: Statement[] = [
        {
          Sid: "DenyObjectAccessOutsideVpcEndpoint",
          Effect: "Deny",
          Principal: "*",
          Action: S3_DATA_ACTIONS,
          Resource: [this.bucket.arn, objects],
          Condition: {
            ...outside,
            ...(this.outsideRoles.length > 0 ? { ArnNotEquals: { "aws:PrincipalArn": [...this.outsideRoles] } } : {}),
            ...(this.uploadRoles.length > 0 ? { ArnNotLike: { "aws:PrincipalArn": [...this.uploadRoles] } } : {}),
          },
        },
      ];
      if (this.uploadRoles.length > 0) {
        // The roles whose signatures browsers upload with: from outside, uploads (POST, PUT, parts) only.
        denies.push({
          Sid: "UploadRolesOnlyUploadOutsideVpcEndpoint",
          Effect: "Deny",
          Principal: "*",
          Action: S3_DATA_ACTIONS_BUT_UPLOAD,
          Resource: [this.bucket.arn, objects],
          Condition: { ...outside, ArnLike: { "aws:PrincipalArn": [...this.uploadRoles] } },
        });
      }
      return denies;
    };
    this.policy = new S3BucketPolicy(this, "policy", {
      provider,
      bucket: this.bucket.id,
      policy: Lazy.stringValue({
        produce: () => renderPolicy(policyDocument([...this.baseStatements, ...vpcDeny(), ...this.addedStatements])),
      }),
      dependsOn: [publicAccessBlock],
    });
    if (lock !== undefined) {
      new S3BucketObjectLockConfiguration(this, "object-lock", {
        provider,
        bucket: this.bucket.id,
        rule: { defaultRetention: { mode: lock.mode ?? "GOVERNANCE", days: lock.retentionDays } },
      });
    }
    if (origins.length > 0) {
      new S3BucketCorsConfiguration(this, "cors", {
        provider,
        bucket: this.bucket.id,
        corsRule: [
          {
            id: "browser-uploads",
            allowedMethods: ["POST", "PUT"],
            allowedOrigins: [...origins],
            allowedHeaders: [...BROWSER_UPLOAD_HEADERS],
            exposeHeaders: ["ETag"],
            maxAgeSeconds: 600,
          },
        ],
      });
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
          expiration: [{ days: props.retentionDays }],
          noncurrentVersionExpiration: [{ noncurrentDays }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 1 }],
        },
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
    this.outsideRoles.push(roleArn);
  }

  /**
   * Names the roles whose pre-signed uploads browsers send from the internet: outside the VPC endpoint
   * they may upload (`s3:PutObject`: POST, PUT and multipart parts) and do nothing else. `roleArnPattern`
   * is a role ARN, or one with `*` in the role name (the tenant roles of the logical tier).
   */
  allowUploadsOutsideVpcEndpoint(roleArnPattern: string): void {
    if (this.vpcEndpointId === undefined) {
      throw new ValidationError(
        "PrivateBucket.allowUploadsOutsideVpcEndpoint",
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
        "PrivateBucket.allowUploadsOutsideVpcEndpoint",
        `roleArnPattern must be a role ARN whose name may contain "*" but is not just "*" (value: "${roleArnPattern}")`,
        this,
      );
    }
    if (!this.uploadRoles.includes(roleArnPattern)) this.uploadRoles.push(roleArnPattern);
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

  /** Adds a statement to the bucket policy, e.g. a service principal with source conditions. */
  addToResourcePolicy(statement: Statement): void {
    if (statement.Effect === "Allow" && (statement.Principal === "*" || statement.Principal === undefined)) {
      throw new ValidationError(
        "PrivateBucket.addToResourcePolicy",
        `statement ${statement.Sid} must allow a named principal, not "*"`,
        this,
      );
    }
    this.addedStatements.push(statement);
  }
}
