import { policyDocument, policyVariable, renderPolicy, type Statement } from "../../policies/documents/policy-document";
import type { KmsKey } from "../kms-key";
import { S3_DATA_ACTIONS, S3_DATA_ACTIONS_BUT_DOWNLOAD, S3_DATA_ACTIONS_BUT_UPLOAD, S3_LIST_ACTIONS } from "./perms";

export interface PrivateBucketPolicyProps {
  /** ARN of the bucket (a token until apply). */
  readonly bucketArn: string;
  /** The bucket's key: puts that name a key must name this one. */
  readonly encryptionKey: KmsKey;
  /** Also accept puts that name the key by its alias ARN. */
  readonly acceptKeyAliasInPuts: boolean;
  /** The only roles that may reach objects at all; empty: no such limit. */
  readonly objectAccessRoles: readonly string[];
  /** `<prefix>` of the tenant areas besides `<tenant>/`. */
  readonly tenantAreaPrefixes: readonly string[];
  /** The S3 gateway endpoint object access is limited to, if any. */
  readonly vpcEndpointId?: string;
  /** Roles that may reach objects from outside the VPC endpoint. */
  readonly rolesOutsideVpcEndpoint: readonly string[];
}

/**
 * The statements of a PrivateBucket's bucket policy: the protections every bucket has (TLS, SSE-KMS
 * with the bucket's or the tenant's key), the limit to named roles, tenant isolation (ABAC), the
 * VPC-endpoint deny with its named exceptions, and the service statements modules add. Rendered at
 * synth, so that roles named after construction (allowOutsideVpcEndpoint, ...) are included.
 */
export class PrivateBucketPolicy {
  /** The protections every bucket has; the VPC-endpoint deny follows them at synth. */
  private readonly baseStatements: Statement[];
  /** Statements added by addToResourcePolicy (service principals). */
  private readonly addedStatements: Statement[] = [];
  private readonly outsideRoles: string[];
  /** Role ARNs or patterns that may only upload (s3:PutObject) from outside the VPC endpoint. */
  private readonly uploadRoles: string[] = [];
  /** Role ARNs or patterns that may only download (s3:GetObject) from outside the VPC endpoint. */
  private readonly downloadRoles: string[] = [];

  constructor(private readonly props: PrivateBucketPolicyProps) {
    this.outsideRoles = [...props.rolesOutsideVpcEndpoint];
    this.baseStatements = [
      ...encryptionStatements(props),
      ...objectAccessRoleStatements(props),
      ...tenantIsolationStatements(props),
    ];
  }

  /** Names a role that may read or write objects from outside the VPC endpoint. */
  allowOutsideVpcEndpoint(roleArn: string): void {
    this.outsideRoles.push(roleArn);
  }

  /** Names a role (or role pattern) that may only upload from outside the VPC endpoint. */
  allowUploadsOutsideVpcEndpoint(roleArnPattern: string): void {
    if (!this.uploadRoles.includes(roleArnPattern)) this.uploadRoles.push(roleArnPattern);
  }

  /** Names a role (or role pattern) that may only download from outside the VPC endpoint. */
  allowDownloadsOutsideVpcEndpoint(roleArnPattern: string): void {
    if (!this.downloadRoles.includes(roleArnPattern)) this.downloadRoles.push(roleArnPattern);
  }

  /** Adds a statement after the protections (a service principal with source conditions). */
  add(statement: Statement): void {
    this.addedStatements.push(statement);
  }

  /** The policy as JSON: the protections, then the VPC-endpoint denies, then the added statements. */
  render(): string {
    return renderPolicy(policyDocument([...this.baseStatements, ...this.vpcEndpointDenies(), ...this.addedStatements]));
  }

  private vpcEndpointDenies(): Statement[] {
    const { bucketArn, vpcEndpointId } = this.props;
    if (vpcEndpointId === undefined) return [];
    // Services (CloudTrail, ...) never come through the endpoint; they still need an Allow.
    const outside = {
      StringNotEquals: { "aws:SourceVpce": vpcEndpointId },
      Bool: { "aws:PrincipalIsAWSService": "false" },
    };
    const excepted = [...this.uploadRoles, ...this.downloadRoles.filter((r) => !this.uploadRoles.includes(r))];
    const denies: Statement[] = [
      {
        Sid: "DenyObjectAccessOutsideVpcEndpoint",
        Effect: "Deny",
        Principal: "*",
        Action: S3_DATA_ACTIONS,
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: {
          ...outside,
          ...(this.outsideRoles.length > 0 ? { ArnNotEquals: { "aws:PrincipalArn": [...this.outsideRoles] } } : {}),
          ...(excepted.length > 0 ? { ArnNotLike: { "aws:PrincipalArn": excepted } } : {}),
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
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { ...outside, ArnLike: { "aws:PrincipalArn": [...this.uploadRoles] } },
      });
    }
    if (this.downloadRoles.length > 0) {
      // The roles whose signatures browsers download with: from outside, downloads (GET) only.
      denies.push({
        Sid: "DownloadRolesOnlyDownloadOutsideVpcEndpoint",
        Effect: "Deny",
        Principal: "*",
        Action: S3_DATA_ACTIONS_BUT_DOWNLOAD,
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { ...outside, ArnLike: { "aws:PrincipalArn": [...this.downloadRoles] } },
      });
    }
    return denies;
  }
}

/** TLS only, and puts that name an encryption must name SSE-KMS with the bucket's (or the tenant's) key. */
function encryptionStatements(props: PrivateBucketPolicyProps): Statement[] {
  const { bucketArn, encryptionKey } = props;
  const objects = `${bucketArn}/*`;
  return [
    {
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: [bucketArn, objects],
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
          "s3:x-amz-server-side-encryption-aws-kms-key-id": props.acceptKeyAliasInPuts
            ? [encryptionKey.keyArn, encryptionKey.aliasArn]
            : encryptionKey.keyArn,
        },
        Null: { "s3:x-amz-server-side-encryption-aws-kms-key-id": "false", "aws:PrincipalTag/Tenant": "true" },
      },
    },
    ...tenantKeyStatements(objects),
  ];
}

/**
 * A tenant-tagged principal writes only with its tenant's own key (tag TenantKey): deleting that key
 * shreds the tenant's objects.
 */
function tenantKeyStatements(objects: string): Statement[] {
  return [
    {
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
}

/** With objectAccessRoles: every other principal is denied object access (AWS services excepted). */
function objectAccessRoleStatements(props: PrivateBucketPolicyProps): Statement[] {
  const { bucketArn, objectAccessRoles } = props;
  if (objectAccessRoles.length === 0) return [];
  return [
    {
      Sid: "DenyObjectAccessToOtherRoles",
      Effect: "Deny",
      Principal: "*",
      Action: S3_DATA_ACTIONS,
      Resource: [bucketArn, `${bucketArn}/*`],
      Condition: {
        ArnNotEquals: { "aws:PrincipalArn": [...objectAccessRoles] },
        Bool: { "aws:PrincipalIsAWSService": "false" },
      },
    },
  ];
}

/**
 * Tenant isolation (ABAC) for shared buckets: a principal tagged with a Tenant reaches only objects
 * under `<tenant>/` (and `<area><tenant>/`); principals without the tag (platform functions) are not
 * affected.
 */
function tenantIsolationStatements(props: PrivateBucketPolicyProps): Statement[] {
  const { bucketArn } = props;
  const tenantPrefix = `${policyVariable("aws:PrincipalTag/Tenant")}/`;
  const tenantAreas = ["", ...props.tenantAreaPrefixes].map((area) => `${area}${tenantPrefix}`);
  return [
    {
      Sid: "TenantsOnlyUnderTheirPrefix",
      Effect: "Deny",
      Principal: "*",
      Action: S3_DATA_ACTIONS.filter((a) => !S3_LIST_ACTIONS.includes(a)),
      NotResource:
        tenantAreas.length === 1 ? `${bucketArn}/${tenantPrefix}*` : tenantAreas.map((area) => `${bucketArn}/${area}*`),
      Condition: { Null: { "aws:PrincipalTag/Tenant": "false" } },
    },
    {
      // Listing is a bucket-level request: a tenant lists only with its own prefix.
      Sid: "TenantsListOnlyTheirPrefix",
      Effect: "Deny",
      Principal: "*",
      Action: [...S3_LIST_ACTIONS],
      Resource: bucketArn,
      Condition: {
        Null: { "aws:PrincipalTag/Tenant": "false" },
        StringNotLike: {
          "s3:prefix": tenantAreas.length === 1 ? `${tenantPrefix}*` : tenantAreas.map((area) => `${area}*`),
        },
      },
    },
  ];
}
