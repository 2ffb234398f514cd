import { Construct, Lazy } from "../../framework/cdktf";
import { IamRole, IamRolePolicy, RolesanywhereProfile, RolesanywhereTrustAnchor } from "../../framework/aws";
import { policyDocument, renderPolicy, trustPolicyDocument, type Statement } from "../../policies/documents/policy-document";
import { ValidationError } from "../errors";
import type { Placement } from "../placement";
import type { PrivateBucket } from "../private-bucket";

export interface RolesAnywhereTrustProps {
  /** The side whose role is assumed (the commercial partition). */
  readonly placement: Placement;
  /** Prefix of names, e.g. the environment. */
  readonly name: string;
  /** The platform CA's certificate (PEM). Public; the CA's key never comes near Terraform. */
  readonly caCertificatePem: string;
  /** Common name in the workload's leaf certificate; the role admits only this subject. */
  readonly workloadCommonName: string;
  /** Buckets of this side the workload may read and write (and, through them, their keys). */
  readonly buckets: readonly PrivateBucket[];
  /**
   * Lifetime of the issued sessions (900-43200 s).
   * @default 3600
   */
  readonly sessionDurationSeconds?: number;
  /**
   * Days before the CA or a leaf certificate expires that Roles Anywhere notifies (CA and
   * end-entity expiry events, all channels).
   * @default 45
   */
  readonly expiryWarningDays?: number;
}

/**
 * IAM Roles Anywhere trust for the cross-partition sync: a trust anchor on the platform CA, a
 * profile with bounded sessions, and a role that `rolesanywhere.amazonaws.com` may assume only for
 * this trust anchor (`aws:SourceArn`) and only for the workload's certificate subject
 * (`aws:PrincipalTag/x509Subject/CN`), allowed to read and write only the given buckets with their
 * keys.
 */
export class RolesAnywhereTrust extends Construct {
  readonly trustAnchor: RolesanywhereTrustAnchor;
  readonly profile: RolesanywhereProfile;
  readonly role: IamRole;
  private readonly permissions: Statement[] = [];

  constructor(scope: Construct, id: string, props: RolesAnywhereTrustProps) {
    super(scope, id);
    const { placement } = props;
    const provider = placement.provider;
    const duration = props.sessionDurationSeconds ?? 3600;
    if (!Number.isInteger(duration) || duration < 900 || duration > 43200) {
      throw new ValidationError("RolesAnywhereTrust.sessionDurationSeconds", `sessionDurationSeconds must be a whole number from 900 to 43200 (value: ${duration})`, this);
    }
    const warningDays = props.expiryWarningDays ?? 45;
    if (!Number.isInteger(warningDays) || warningDays < 1 || warningDays > 360) {
      throw new ValidationError("RolesAnywhereTrust.expiryWarningDays", `expiryWarningDays must be a whole number from 1 to 360 (value: ${warningDays})`, this);
    }
    if (!/^-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----\s*$/.test(props.caCertificatePem) || /PRIVATE KEY/.test(props.caCertificatePem)) {
      throw new ValidationError("RolesAnywhereTrust.caCertificatePem", "caCertificatePem must be one PEM certificate and nothing else (no private key)", this);
    }
    if (props.buckets.length === 0) {
      throw new ValidationError("RolesAnywhereTrust.buckets", "buckets must name the buckets the workload replicates into", this);
    }
    const foreign = props.buckets.filter((b) => b.encryptionKey.placement.provider !== provider);
    if (foreign.length > 0) {
      throw new ValidationError("RolesAnywhereTrust.buckets", `buckets ${foreign.map((b) => b.node.path).join(", ")} are not on the ${placement.side} side`, this);
    }

    const notify = (event: string) => ({ enabled: true, event, threshold: warningDays, channel: "ALL" });
    this.trustAnchor = new RolesanywhereTrustAnchor(this, "trust-anchor", {
      provider,
      name: `${props.name}-platform-ca`,
      enabled: true,
      source: { sourceType: "CERTIFICATE_BUNDLE", sourceData: { x509CertificateData: props.caCertificatePem } },
      notificationSettings: [notify("CA_CERTIFICATE_EXPIRY"), notify("END_ENTITY_CERTIFICATE_EXPIRY")],
    });
    this.role = new IamRole(this, "role", {
      provider,
      name: `${props.name}-cross-partition-sync`,
      description: "Assumed through IAM Roles Anywhere by the sovereign sync function only",
      maxSessionDuration: Math.max(3600, duration),
      assumeRolePolicy: renderPolicy(
        trustPolicyDocument([
          {
            Sid: "OurTrustAnchorAndWorkloadOnly",
            Effect: "Allow",
            Principal: { Service: "rolesanywhere.amazonaws.com" },
            Action: ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"],
            Condition: {
              ArnEquals: { "aws:SourceArn": this.trustAnchor.arn },
              StringEquals: { "aws:PrincipalTag/x509Subject/CN": props.workloadCommonName },
            },
          },
        ]),
      ),
    });
    this.permissions.push(
      { Sid: "ListFailoverBuckets", Effect: "Allow", Action: ["s3:ListBucket", "s3:ListBucketMultipartUploads", "s3:ListBucketVersions"], Resource: props.buckets.map((b) => b.bucketArn) },
      {
        Sid: "ReadWriteFailoverObjects",
        Effect: "Allow",
        // DeleteObject: erasure requests reach the replica (a delete marker; older versions expire
        // by the bucket's noncurrent-version lifecycle). No DeleteObjectVersion: the sync cannot
        // destroy the failover history at once. Version reads and ListBucketVersions: failback reads
        // what changed during an outage by version; PutObjectVersionTagging: a multipart replica's
        // checksum tag goes on the version just completed.
        Action: [
          "s3:AbortMultipartUpload",
          "s3:DeleteObject",
          "s3:GetObject",
          "s3:GetObjectTagging",
          "s3:GetObjectVersion",
          "s3:GetObjectVersionTagging",
          "s3:ListMultipartUploadParts",
          "s3:PutObject",
          "s3:PutObjectTagging",
          "s3:PutObjectVersionTagging",
        ],
        Resource: props.buckets.map((b) => `${b.bucketArn}/*`),
      },
    );
    const grantee = {
      addToPrincipalPolicy: (statement: Statement) => {
        this.permissions.push(statement);
      },
    };
    props.buckets.forEach((bucket, i) => {
      bucket.encryptionKey.grantEncryptDecrypt(grantee, `UseFailoverKey${i}`);
    });
    new IamRolePolicy(this, "role-policy", {
      provider,
      role: this.role.id,
      name: "failover-buckets",
      policy: Lazy.stringValue({ produce: () => renderPolicy(policyDocument(this.permissions)) }),
    });
    this.profile = new RolesanywhereProfile(this, "profile", {
      provider,
      name: `${props.name}-cross-partition-sync`,
      enabled: true,
      durationSeconds: duration,
      roleArns: [this.role.arn],
    });
  }
}
