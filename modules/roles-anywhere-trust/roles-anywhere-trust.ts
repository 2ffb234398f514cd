import { Construct, Lazy } from "../../framework/cdktf";
import { IamRole, IamRolePolicy, RolesanywhereProfile, RolesanywhereTrustAnchor } from "../../framework/aws";
import { compareStrings } from "../../policies/core/json";
import {
  policyDocument,
  renderPolicy,
  trustPolicyDocument,
  type Statement,
  sidPart,
} from "../../policies/documents/policy-document";
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
  /**
   * Base of the workloads' certificate common names: the sync of data class `<c>` holds a leaf with
   * CN `<workloadCommonName>-<c>`, and only that CN may assume the class's role.
   */
  readonly workloadCommonName: string;
  /**
   * Per crossing data class, the bucket of this side its sync may read and write (and, through it,
   * its key). Each class gets its own role: one class's credentials never reach another's bucket.
   */
  readonly classes: ReadonlyArray<{ readonly dataClass: string; readonly bucket: PrivateBucket }>;
  /**
   * A role for data-subject erasures and exports (issue 18): assumed only with the workload
   * certificate CN `<workloadCommonName>-subject-requests`, it lists, reads (to hash) and deletes
   * every version of a subject's replicas in the classes' buckets: the one commercial role with
   * `s3:DeleteObjectVersion`. Object lock still protects what it holds.
   * @default false
   */
  readonly subjectErasure?: boolean;
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
 * profile with bounded sessions, and per crossing data class a role that
 * `rolesanywhere.amazonaws.com` may assume only for this trust anchor (`aws:SourceArn`) and only for
 * that class's workload certificate subject (`aws:PrincipalTag/x509Subject/CN` =
 * `<workloadCommonName>-<class>`), allowed to read and write only that class's bucket with its key.
 */
export class RolesAnywhereTrust extends Construct {
  readonly trustAnchor: RolesanywhereTrustAnchor;
  readonly profile: RolesanywhereProfile;
  /** The role of each crossing data class. */
  readonly roles: ReadonlyMap<string, IamRole>;
  /** Each class role's inline policy statements (rendered at synth: classGrantee adds to them). */
  private readonly classPermissions = new Map<string, Statement[]>();
  /** The data-subject erasure role, with `subjectErasure`. */
  readonly subjectErasureRole: IamRole | undefined;

  constructor(scope: Construct, id: string, props: RolesAnywhereTrustProps) {
    super(scope, id);
    const { placement } = props;
    const provider = placement.provider;
    const duration = props.sessionDurationSeconds ?? 3600;
    if (!Number.isInteger(duration) || duration < 900 || duration > 43200) {
      throw new ValidationError(
        "RolesAnywhereTrust.sessionDurationSeconds",
        `sessionDurationSeconds must be a whole number from 900 to 43200 (value: ${duration})`,
        this,
      );
    }
    const warningDays = props.expiryWarningDays ?? 45;
    if (!Number.isInteger(warningDays) || warningDays < 1 || warningDays > 360) {
      throw new ValidationError(
        "RolesAnywhereTrust.expiryWarningDays",
        `expiryWarningDays must be a whole number from 1 to 360 (value: ${warningDays})`,
        this,
      );
    }
    if (
      !/^-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----\s*$/.test(props.caCertificatePem) ||
      /PRIVATE KEY/.test(props.caCertificatePem)
    ) {
      throw new ValidationError(
        "RolesAnywhereTrust.caCertificatePem",
        "caCertificatePem must be one PEM certificate and nothing else (no private key)",
        this,
      );
    }
    if (props.classes.length === 0) {
      throw new ValidationError(
        "RolesAnywhereTrust.classes",
        "classes must name the crossing data classes and the buckets their syncs replicate into",
        this,
      );
    }
    const foreign = props.classes.filter((c) => c.bucket.encryptionKey.placement.provider !== provider);
    if (foreign.length > 0) {
      throw new ValidationError(
        "RolesAnywhereTrust.classes",
        `buckets ${foreign.map((c) => c.bucket.node.path).join(", ")} are not on the ${placement.side} side`,
        this,
      );
    }
    const tooLong = props.classes.filter(
      (c) =>
        RolesAnywhereTrust.commonName(props.workloadCommonName, c.dataClass).length > 64 ||
        `${props.name}-cross-partition-sync-${c.dataClass}`.length > 64,
    );
    if (tooLong.length > 0) {
      throw new ValidationError(
        "RolesAnywhereTrust.workloadCommonName",
        `"${props.workloadCommonName}-<class>" (certificate CN) or "${props.name}-cross-partition-sync-<class>" (role name) is longer than 64 characters for ${tooLong.map((c) => c.dataClass).join(", ")}: shorten workloadCommonName, the environment or the data class name`,
        this,
      );
    }

    const notify = (event: string) => ({ enabled: true, event, threshold: warningDays, channel: "ALL" });
    this.trustAnchor = new RolesanywhereTrustAnchor(this, "trust-anchor", {
      provider,
      name: `${props.name}-platform-ca`,
      enabled: true,
      source: { sourceType: "CERTIFICATE_BUNDLE", sourceData: { x509CertificateData: props.caCertificatePem } },
      notificationSettings: [notify("CA_CERTIFICATE_EXPIRY"), notify("END_ENTITY_CERTIFICATE_EXPIRY")],
    });
    const roles = new Map<string, IamRole>();
    for (const { dataClass, bucket } of [...props.classes].sort((a, b) => compareStrings(a.dataClass, b.dataClass))) {
      roles.set(dataClass, this.classRole(props, dataClass, bucket, duration));
    }
    this.roles = roles;
    this.subjectErasureRole = props.subjectErasure === true ? this.erasureRole(props, duration) : undefined;
    this.profile = new RolesanywhereProfile(this, "profile", {
      provider,
      name: `${props.name}-cross-partition-sync`,
      enabled: true,
      durationSeconds: duration,
      roleArns: [...roles.values(), ...(this.subjectErasureRole === undefined ? [] : [this.subjectErasureRole])].map(
        (r) => r.arn,
      ),
    });
  }

  /** The CN of the data-subject request workload's certificate. */
  static subjectRequestsCommonName(workloadCommonName: string): string {
    return `${workloadCommonName}-subject-requests`;
  }

  /** The role of data-subject erasures and exports over every class's bucket (subjectErasure). */
  private erasureRole(props: RolesAnywhereTrustProps, duration: number): IamRole {
    const provider = props.placement.provider;
    const commonName = RolesAnywhereTrust.subjectRequestsCommonName(props.workloadCommonName);
    if (commonName.length > 64 || `${props.name}-subject-erasure`.length > 64)
      throw new ValidationError(
        "RolesAnywhereTrust.workloadCommonName",
        `"${commonName}" (certificate CN) or "${props.name}-subject-erasure" (role name) is longer than 64 characters: shorten workloadCommonName or the environment`,
        this,
      );
    const role = this.workloadRole(props, "role-subject-erasure", {
      name: `${props.name}-subject-erasure`,
      description: "Assumed through IAM Roles Anywhere by the sovereign data-subject request run only",
      commonName,
      duration,
    });
    const permissions: Statement[] = [];
    const grantee = { addToPrincipalPolicy: (statement: Statement) => permissions.push(statement) };
    for (const { dataClass, bucket } of [...props.classes].sort((a, b) => compareStrings(a.dataClass, b.dataClass))) {
      const id = sidPart(dataClass);
      bucket.grantEraseVersions(grantee, { sid: `EraseSubjectReplicas${id}` });
      bucket.grantKeyUse(grantee, `ReadSubjectReplicas${id}`);
    }
    new IamRolePolicy(this, "role-policy-subject-erasure", {
      provider,
      role: role.id,
      name: "subject-erasure",
      policy: Lazy.stringValue({ produce: () => renderPolicy(policyDocument(permissions)) }),
    });
    return role;
  }

  /** The CN of data class `dataClass`'s workload certificate. */
  static commonName(workloadCommonName: string, dataClass: string): string {
    return `${workloadCommonName}-${dataClass}`;
  }

  /**
   * A grantee for more of one crossing class's role: the statements it is given join the role's one
   * inline policy (`failover-bucket`), for example failback's reach into the outage inbox.
   */
  classGrantee(dataClass: string): { addToPrincipalPolicy(statement: Statement): void } {
    this.roleFor(dataClass);
    const permissions = this.classPermissions.get(dataClass) ?? [];
    return { addToPrincipalPolicy: (statement: Statement) => permissions.push(statement) };
  }

  /** The role of one crossing data class (throws for a class this trust does not have). */
  roleFor(dataClass: string): IamRole {
    const role = this.roles.get(dataClass);
    if (role === undefined)
      throw new ValidationError(
        "RolesAnywhereTrust.roleFor",
        `no role for data class "${dataClass}"; classes: ${[...this.roles.keys()].join(", ")}`,
        this,
      );
    return role;
  }

  /**
   * A role that `rolesanywhere.amazonaws.com` may assume only for this trust anchor (`aws:SourceArn`)
   * and only for the workload certificate with subject CN `commonName`.
   */
  private workloadRole(
    props: RolesAnywhereTrustProps,
    id: string,
    role: {
      readonly name: string;
      readonly description: string;
      readonly commonName: string;
      readonly duration: number;
    },
  ): IamRole {
    return new IamRole(this, id, {
      provider: props.placement.provider,
      name: role.name,
      description: role.description,
      maxSessionDuration: Math.max(3600, role.duration),
      assumeRolePolicy: renderPolicy(
        trustPolicyDocument([
          {
            Sid: "OurTrustAnchorAndWorkloadOnly",
            Effect: "Allow",
            Principal: { Service: "rolesanywhere.amazonaws.com" },
            Action: ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"],
            Condition: {
              ArnEquals: { "aws:SourceArn": this.trustAnchor.arn },
              StringEquals: { "aws:PrincipalTag/x509Subject/CN": role.commonName },
            },
          },
        ]),
      ),
    });
  }

  private classRole(
    props: RolesAnywhereTrustProps,
    dataClass: string,
    bucket: PrivateBucket,
    duration: number,
  ): IamRole {
    const provider = props.placement.provider;
    const role = this.workloadRole(props, `role-${dataClass}`, {
      name: `${props.name}-cross-partition-sync-${dataClass}`,
      description: `Assumed through IAM Roles Anywhere by the sovereign sync of ${dataClass} only`,
      commonName: RolesAnywhereTrust.commonName(props.workloadCommonName, dataClass),
      duration,
    });
    const permissions: Statement[] = [];
    this.classPermissions.set(dataClass, permissions);
    // List, write, read by version and delete current replicas, and the key (REPLICA_OBJECT_ACTIONS
    // says why each); no DeleteObjectVersion: the sync cannot destroy the failover history at once.
    bucket.grantReplicate(
      { addToPrincipalPolicy: (statement: Statement) => permissions.push(statement) },
      { listSid: "ListFailoverBucket", sid: "ReadWriteFailoverObjects", keySid: "UseFailoverKey" },
    );
    new IamRolePolicy(this, `role-policy-${dataClass}`, {
      provider,
      role: role.id,
      name: "failover-bucket",
      policy: Lazy.stringValue({ produce: () => renderPolicy(policyDocument(permissions)) }),
    });
    return role;
  }
}
