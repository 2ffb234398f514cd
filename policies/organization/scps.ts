/**
 * The platform organization's service control policies (SCPs), as typed documents. An SCP sets the
 * most that a member account's users and roles may do; it grants nothing, so every statement here is a
 * Deny, and the accounts keep AWS's default `FullAWSAccess` SCP beside them.
 *
 * Facts (README.md of modules/organization-guardrails cites the pages):
 * - SCPs do not apply to the organization's management account, nor to service-linked roles.
 * - An SCP document holds at most 5,120 characters; Organizations counts what it is sent, so the
 *   documents are rendered compact (`renderScp`) and `checkScpSize` refuses a larger one by name.
 * - An SCP names no Principal; who is exempt is a condition on `aws:PrincipalArn`.
 *
 * The statement types reuse the project's IAM types (policies/documents/policy-document.ts) and add
 * `NotAction`, which the region rule needs and which `renderPolicy` does not emit.
 */
import type { PartitionId, PartitionInfo } from "../../config/partitions";
import type { Conditions, OneOrMany } from "../documents/policy-document";

/** One SCP statement: a Deny over actions (or all but some actions) on resources. */
export type ScpStatement = {
  readonly Sid: string;
  readonly Effect: "Deny";
  readonly Resource: OneOrMany;
  readonly Condition?: Conditions;
} & (
  | { readonly Action: OneOrMany; readonly NotAction?: never }
  | { readonly NotAction: OneOrMany; readonly Action?: never }
);

export interface ScpDocument {
  readonly Version: "2012-10-17";
  readonly Statement: readonly ScpStatement[];
}

/** An SCP with its stable short name (`deny-outside-regions`), used in resource names and errors. */
export interface ServiceControlPolicy {
  readonly name: string;
  /** What it denies, one line: the `description` of the Organizations policy. */
  readonly description: string;
  readonly document: ScpDocument;
}

/** AWS Organizations' maximum size of an SCP document, in characters. */
export const SCP_MAX_CHARACTERS = 5120;

/**
 * What an unresolved reference (`${aws_kms_key.k.arn}`, or a CDKTF token before synth) is counted as
 * in the size check: longer than any ARN of this project's keys, trails, buckets and roles (a trail
 * name has at most 128 characters, a bucket 63, a role 64, plus the partition, service, region and account head of an ARN).
 */
export const UNRESOLVED_REFERENCE_CHARACTERS = 220;

const STATEMENT_KEYS = ["Sid", "Effect", "Action", "NotAction", "Resource", "Condition"] as const;

/** Compact JSON with the statement keys in IAM's conventional order: what Organizations stores and counts. */
export function renderScp(doc: ScpDocument): string {
  const statements = doc.Statement.map((s) => {
    const fields = s as Partial<Record<(typeof STATEMENT_KEYS)[number], unknown>>;
    return Object.fromEntries(STATEMENT_KEYS.filter((k) => fields[k] !== undefined).map((k) => [k, fields[k]]));
  });
  return JSON.stringify({ Version: doc.Version, Statement: statements });
}

/** Characters the rendered SCP will have once applied, counting each unresolved reference at its bound. */
export function scpSize(rendered: string): number {
  return rendered.replace(/\$\{[^{}]*\}/g, "x".repeat(UNRESOLVED_REFERENCE_CHARACTERS)).length;
}

/** Throws, naming the policy, when its rendered document would exceed Organizations' limit. */
export function checkScpSize(policy: ServiceControlPolicy): void {
  const size = scpSize(renderScp(policy.document));
  if (size > SCP_MAX_CHARACTERS)
    throw new Error(
      `service control policy ${policy.name} has ${size} characters (unresolved references counted as ${UNRESOLVED_REFERENCE_CHARACTERS}); AWS Organizations accepts at most ${SCP_MAX_CHARACTERS}: split it`,
    );
}

/** Builds an SCP after checking its Sids and its size. */
function scp(name: string, description: string, statements: readonly ScpStatement[]): ServiceControlPolicy {
  const sids = new Set<string>();
  for (const s of statements) {
    if (!/^[A-Za-z0-9]+$/.test(s.Sid)) throw new Error(`SCP ${name}: statement Sid "${s.Sid}" must be alphanumeric`);
    if (sids.has(s.Sid)) throw new Error(`SCP ${name}: statement Sid "${s.Sid}" is used twice`);
    sids.add(s.Sid);
  }
  const policy = { name, description, document: { Version: "2012-10-17", Statement: statements } } as const;
  checkScpSize(policy);
  return policy;
}

/** `aws:PrincipalArn` is none of these roles; no condition at all when the list is empty. */
function unlessPrincipal(exemptRoleArns: readonly string[]): Conditions | undefined {
  return exemptRoleArns.length === 0 ? undefined : { ArnNotLike: { "aws:PrincipalArn": [...exemptRoleArns] } };
}

function requireArns(policy: string, what: string, arns: readonly string[]): void {
  if (arns.length === 0) throw new Error(`SCP ${policy}: ${what} must name at least one ARN`);
  for (const a of arns)
    if (a.trim() === "" || a.includes("*"))
      throw new Error(`SCP ${policy}: ${what} "${a}" must be one ARN, no wildcard`);
}

/**
 * Per partition, the actions the region rule leaves alone because AWS signs them for a region that is
 * not the caller's: in the commercial partition the global services' single endpoint is in us-east-1
 * (the SDK's `implicitGlobalRegion`), so without an exemption no member account could read its own
 * roles. Only the global services the platform's accounts call are listed (AWS's example lists more
 * and tells you to trim it to what you use):
 * - `iam:*`: Terraform manages the roles of every account; operators read them.
 * - `organizations:*`: member accounts describe their organization (leaving it is denied separately).
 * - `support:*`: operators open support cases from member accounts.
 * STS is not exempt: the platform calls regional STS endpoints only (a global endpoint is a residency
 * violation, ../../../shared/DESIGN.md §2). In the European Sovereign Cloud the implicit global region
 * is eusc-de-east-1 itself, so IAM and Organizations requests already carry an allowed region and
 * nothing needs an exemption: the rule there denies every action outside the allowed regions.
 */
export const GLOBAL_SERVICE_EXEMPTIONS: Readonly<Record<PartitionId, readonly string[]>> = {
  aws: ["iam:*", "organizations:*", "support:*"],
  "aws-eusc": [],
};

export interface DenyOutsideRegionsProps {
  /** Regions the accounts may use, all of `partition` (eusc-de-east-1; eu-central-1). */
  readonly allowedRegions: readonly string[];
  readonly partition: PartitionInfo;
}

/**
 * `deny-outside-regions`. Denies every request whose `aws:RequestedRegion` is not an allowed region,
 * so that no data-holding resource can be created or read elsewhere (residency). Exempt: the global
 * services of GLOBAL_SERVICE_EXEMPTIONS in the partition (a `NotAction`); nobody else, the deploy role
 * included, since it deploys only into the allowed regions.
 */
export function denyOutsideRegions(props: DenyOutsideRegionsProps): ServiceControlPolicy {
  const { allowedRegions, partition } = props;
  if (allowedRegions.length === 0) throw new Error("SCP deny-outside-regions: allowedRegions must name a region");
  for (const region of allowedRegions)
    if (!partition.regionPattern.test(region))
      throw new Error(`SCP deny-outside-regions: "${region}" is not a region of ${partition.name}`);
  const exempt = GLOBAL_SERVICE_EXEMPTIONS[partition.id];
  const actions = exempt.length === 0 ? { Action: "*" } : { NotAction: [...exempt] };
  return scp("deny-outside-regions", `Denies requests outside ${allowedRegions.join(", ")}`, [
    {
      Sid: "DenyOutsideAllowedRegions",
      Effect: "Deny",
      ...actions,
      Resource: "*",
      Condition: { StringNotEquals: { "aws:RequestedRegion": [...allowedRegions] } },
    },
  ]);
}

/** CloudTrail actions that stop, narrow or remove the trail. */
export const TRAIL_TAMPERING_ACTIONS = [
  "cloudtrail:DeleteTrail",
  "cloudtrail:PutEventSelectors",
  "cloudtrail:StopLogging",
  "cloudtrail:UpdateTrail",
] as const;

/** S3 actions that weaken the trail bucket's policy, retention or versioning. */
export const TRAIL_BUCKET_CONFIGURATION_ACTIONS = [
  "s3:DeleteBucketPolicy",
  "s3:PutBucketObjectLockConfiguration",
  "s3:PutBucketPolicy",
  "s3:PutBucketVersioning",
  "s3:PutLifecycleConfiguration",
] as const;

/** S3 actions that remove the trail bucket or its log files. */
export const TRAIL_BUCKET_DELETION_ACTIONS = ["s3:DeleteBucket", "s3:DeleteObject", "s3:DeleteObjectVersion"] as const;

export interface ProtectAuditTrailProps {
  readonly trailArn: string;
  /** `arn:<partition>:s3:::<bucket>`. */
  readonly bucketArn: string;
  /** Roles that still manage the trail and its bucket's configuration (the deploy role). */
  readonly exemptRoleArns: readonly string[];
}

/**
 * `protect-audit-trail`. Denies stopping, narrowing or deleting the trail and weakening its bucket's
 * policy, object lock, versioning or lifecycle, except to `exemptRoleArns` (Terraform changes them
 * through the deploy role). Denies deleting the bucket or any log file to everyone, the exempt roles
 * included: evidence is removed by its lifecycle (S3 itself, no principal), never by a person.
 */
export function protectAuditTrail(props: ProtectAuditTrailProps): ServiceControlPolicy {
  requireArns("protect-audit-trail", "trailArn", [props.trailArn]);
  requireArns("protect-audit-trail", "bucketArn", [props.bucketArn]);
  const exempt = unlessPrincipal(props.exemptRoleArns);
  return scp("protect-audit-trail", "Denies stopping or deleting the audit trail and its bucket", [
    {
      Sid: "DenyTrailTampering",
      Effect: "Deny",
      Action: [...TRAIL_TAMPERING_ACTIONS],
      Resource: props.trailArn,
      ...(exempt === undefined ? {} : { Condition: exempt }),
    },
    {
      Sid: "DenyTrailBucketWeakening",
      Effect: "Deny",
      Action: [...TRAIL_BUCKET_CONFIGURATION_ACTIONS],
      Resource: props.bucketArn,
      ...(exempt === undefined ? {} : { Condition: exempt }),
    },
    {
      Sid: "DenyTrailBucketDeletion",
      Effect: "Deny",
      Action: [...TRAIL_BUCKET_DELETION_ACTIONS],
      Resource: [props.bucketArn, `${props.bucketArn}/*`],
    },
  ]);
}

/** KMS actions that make a key unusable, or its material or policy someone else's. */
export const KEY_DESTRUCTION_ACTIONS = [
  "kms:DeleteImportedKeyMaterial",
  "kms:DisableKey",
  "kms:DisableKeyRotation",
  "kms:PutKeyPolicy",
  "kms:ScheduleKeyDeletion",
] as const;

export interface ProtectPlatformKeysProps {
  /** The platform's keys (data classes, audit, functions); not tenants' keys, which are shredded. */
  readonly keyArns: readonly string[];
  /** The roles Terraform deploys with (one per account it deploys into): the keys' administrators. */
  readonly deployRoleArns: readonly string[];
}

/**
 * `protect-platform-keys`. Denies disabling a platform key, scheduling its deletion, turning its
 * rotation off, deleting its imported material or replacing its key policy, to everyone but the
 * deploy roles, so that neither a compromised workload nor an operator's session can lock the
 * platform out of its data. Tenants' keys are not listed: crypto-shredding deletes them by design.
 */
export function protectPlatformKeys(props: ProtectPlatformKeysProps): ServiceControlPolicy {
  requireArns("protect-platform-keys", "keyArns", props.keyArns);
  requireArns("protect-platform-keys", "deployRoleArns", props.deployRoleArns);
  return scp("protect-platform-keys", "Denies disabling or deleting the platform's keys except by the deploy role", [
    {
      Sid: "DenyKeyDestruction",
      Effect: "Deny",
      Action: [...KEY_DESTRUCTION_ACTIONS],
      Resource: [...props.keyArns],
      Condition: { ArnNotLike: { "aws:PrincipalArn": [...props.deployRoleArns] } },
    },
  ]);
}

/**
 * `deny-leaving-organization`. Denies `organizations:LeaveOrganization` to everyone: an account that
 * left would shed every SCP here at once. No exemption (the management account removes accounts).
 */
export function denyLeavingOrganization(): ServiceControlPolicy {
  return scp("deny-leaving-organization", "Denies leaving the organization", [
    { Sid: "DenyLeavingOrganization", Effect: "Deny", Action: "organizations:LeaveOrganization", Resource: "*" },
  ]);
}

/** IAM actions that create long-lived credentials: a user, its access keys, its console password. */
export const LONG_LIVED_CREDENTIAL_ACTIONS = [
  "iam:CreateAccessKey",
  "iam:CreateLoginProfile",
  "iam:CreateUser",
] as const;

/**
 * `deny-iam-users`. Denies creating IAM users, access keys and console passwords to everyone: the
 * platform works with roles only (temporary credentials; IAM Roles Anywhere across partitions), so a
 * long-lived key is never needed and would be the easiest credential to leak. No exemption.
 */
export function denyIamUsersAndAccessKeys(): ServiceControlPolicy {
  return scp("deny-iam-users", "Denies creating IAM users, access keys and login profiles", [
    { Sid: "DenyLongLivedCredentials", Effect: "Deny", Action: [...LONG_LIVED_CREDENTIAL_ACTIONS], Resource: "*" },
  ]);
}

/**
 * S3 actions that change Block Public Access. `s3:PutAccountPublicAccessBlock` also authorizes
 * deleting the account's setting (S3 Control DeletePublicAccessBlock); there is no separate delete action.
 */
export const PUBLIC_ACCESS_BLOCK_ACTIONS = ["s3:PutAccountPublicAccessBlock", "s3:PutBucketPublicAccessBlock"] as const;

export interface KeepS3PublicAccessBlockedProps {
  /** The roles Terraform deploys with (one per account): they write the account's and each bucket's setting. */
  readonly deployRoleArns: readonly string[];
}

/**
 * `keep-s3-private`. Denies changing or deleting S3 Block Public Access, of the account or of a
 * bucket, to everyone but the deploy role. With the account-level setting on (all four flags), no
 * bucket policy or ACL can make an object public, whatever a bucket says; this SCP keeps it on.
 */
export function keepS3PublicAccessBlocked(props: KeepS3PublicAccessBlockedProps): ServiceControlPolicy {
  requireArns("keep-s3-private", "deployRoleArns", props.deployRoleArns);
  return scp("keep-s3-private", "Denies changing S3 Block Public Access except by the deploy role", [
    {
      Sid: "DenyPublicAccessBlockChanges",
      Effect: "Deny",
      Action: [...PUBLIC_ACCESS_BLOCK_ACTIONS],
      Resource: "*",
      Condition: { ArnNotLike: { "aws:PrincipalArn": [...props.deployRoleArns] } },
    },
  ]);
}

export interface PlatformScpsProps {
  readonly partition: PartitionInfo;
  readonly allowedRegions: readonly string[];
  readonly trailArn: string;
  readonly trailBucketArn: string;
  readonly platformKeyArns: readonly string[];
  /** The roles Terraform deploys with, one per account the SCPs govern that it deploys into. */
  readonly deployRoleArns: readonly string[];
}

/**
 * AWS Organizations attaches at most five SCPs to a root, OU or account, and `FullAWSAccess` (the
 * default) takes one place: the platform's SCPs are merged into at most this many documents.
 */
export const MAX_PLATFORM_SCPS = 4;

/** `ec2:CreateDefaultVpc` and `ec2:CreateDefaultSubnet`: a deleted default VPC stays deleted (modules/account-baseline). */
export function denyDefaultVpc(): ServiceControlPolicy {
  return scp("deny-default-vpc", "Denies recreating the default VPC or its subnets", [
    {
      Sid: "DenyDefaultVpc",
      Effect: "Deny",
      Action: ["ec2:CreateDefaultSubnet", "ec2:CreateDefaultVpc"],
      Resource: "*",
    },
  ]);
}

/** One SCP holding the statements of `parts` (their Sids stay distinct), within the size limit. */
export function mergeScps(
  name: string,
  description: string,
  parts: readonly ServiceControlPolicy[],
): ServiceControlPolicy {
  return scp(
    name,
    description,
    parts.flatMap((p) => p.document.Statement),
  );
}

/**
 * Every SCP of the platform's organization, in a stable order, merged into MAX_PLATFORM_SCPS
 * documents at most: the regions; the platform keys (a list of ARNs that grows with the data
 * classes, so alone); the trail and the account rules (leaving, IAM users, Block Public Access, the
 * default VPC).
 */
export function platformScps(props: PlatformScpsProps): readonly ServiceControlPolicy[] {
  return [
    denyOutsideRegions({ allowedRegions: props.allowedRegions, partition: props.partition }),
    protectPlatformKeys({ keyArns: props.platformKeyArns, deployRoleArns: props.deployRoleArns }),
    mergeScps(
      "protect-trail-and-account",
      "Denies tampering with the audit trail and its bucket, leaving the organization, IAM users and access keys, Block Public Access changes, the default VPC",
      [
        protectAuditTrail({
          trailArn: props.trailArn,
          bucketArn: props.trailBucketArn,
          exemptRoleArns: props.deployRoleArns,
        }),
        denyLeavingOrganization(),
        denyIamUsersAndAccessKeys(),
        keepS3PublicAccessBlocked({ deployRoleArns: props.deployRoleArns }),
        denyDefaultVpc(),
      ],
    ),
  ];
}

/**
 * The SCPs as the IAM simulator's `serviceControlPolicies` (@cloud-copilot/iam-simulate): one level
 * for the account, holding AWS's default `FullAWSAccess` beside them, as Organizations attaches it.
 * Without that Allow the simulator (like AWS) would deny everything.
 */
export function scpSimulationLevels(
  policies: readonly ServiceControlPolicy[],
  orgIdentifier = "platform-accounts",
): { orgIdentifier: string; policies: { name: string; policy: unknown }[] }[] {
  return [
    {
      orgIdentifier,
      policies: [
        {
          name: "FullAWSAccess",
          policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] },
        },
        ...policies.map((p) => ({ name: p.name, policy: JSON.parse(renderScp(p.document)) as unknown })),
      ],
    },
  ];
}
