/**
 * What each of the platform's roles is for and every kind of request it makes: the rule table of
 * the authorization proof. The proof fails on a recorded request whose role has no entry here, or
 * whose kind (how it is sent, service, operation) its entry does not list: a new SDK call in a
 * function cannot slip past, it has to be added here, where reviewers see it
 * (`cdktf.out/review/authorization.md`).
 */
import type { WorldRole } from "./world";

export type RoleKind =
  | "upload-function"
  | "download-function"
  | "standby-download-function"
  | "standby-upload-function"
  | "signing-function"
  | "scrub-function"
  | "sync-function"
  | "failback-function"
  | "webhook-sender"
  | "subject-request-api"
  | "subject-request-pending"
  | "subject-request-run"
  | "subject-request-certify"
  | "subject-erasure-role"
  | "cross-partition-role"
  | "logical-tenant-role";

export interface RoleCalls {
  readonly purpose: string;
  /** `<via> <service> <operation>`: via `sdk` (the role's own call), `presigned-url` or `presigned-post` (a browser with the role's signature). */
  readonly calls: readonly string[];
}

const s3 = (via: string, ...operations: string[]) => operations.map((o) => `${via} S3 ${o}`);

/** Signing a browser's uploads (POST, PUT, multipart) and running the multipart calls: the upload functions' S3 requests. */
const BROWSER_UPLOADS = [
  ...s3("presigned-post", "PostObject"),
  ...s3("presigned-url", "PutObject", "UploadPart"),
  ...s3(
    "sdk",
    "CreateMultipartUpload",
    "CompleteMultipartUpload",
    "AbortMultipartUpload",
    "ListParts",
    "GetObjectTagging",
    "HeadObject",
    "PutObjectTagging",
  ),
];

export const CATALOGUE: Readonly<Record<RoleKind, RoleCalls>> = {
  "upload-function": {
    purpose:
      "signs tenant-scoped, short-lived uploads into the originals bucket for browsers (POST, PUT, multipart parts) and runs the multipart calls; derives the subject's pseudonym for the object key (HMAC key); finds a tenant's key and acts as a logical-tier tenant's role",
    calls: [
      ...BROWSER_UPLOADS,
      "sdk KMS DescribeKey",
      "sdk KMS ListResourceTags",
      "sdk KMS GenerateMac",
      "sdk STS AssumeRole",
    ],
  },
  "download-function": {
    purpose:
      "lists the caller's own clean objects and signs short-lived GETs of them for browsers (never an original or a quarantined upload); derives the subject's pseudonym for the key prefix (HMAC key); finds a tenant's key and acts as a logical-tier tenant's role",
    calls: [
      ...s3("presigned-url", "GetObject"),
      ...s3("sdk", "HeadObject", "ListObjectsV2"),
      "sdk KMS DescribeKey",
      "sdk KMS ListResourceTags",
      "sdk KMS GenerateMac",
      "sdk STS AssumeRole",
    ],
  },
  "standby-download-function": {
    purpose:
      "the commercial standby of the read API (crossPartition.standby): lists the caller's own replicas in a failover bucket and signs short-lived GETs of them for browsers; derives the caller's standby pseudonym (the commercial standby key) for the key prefix; reaches no sovereign resource and writes nothing",
    calls: [...s3("presigned-url", "GetObject"), ...s3("sdk", "HeadObject", "ListObjectsV2"), "sdk KMS GenerateMac"],
  },
  "standby-upload-function": {
    purpose:
      "the commercial standby's uploads during a sovereign outage (crossPartition.standby.outageUploads): signs tenant-scoped, short-lived uploads into the outage inbox for browsers and runs the multipart calls; derives the caller's standby pseudonym (the commercial standby key) for the key and seals the subject to the sovereign sealing key's public half (no call); reaches no sovereign resource and reads nothing it did not write",
    calls: [...BROWSER_UPLOADS, "sdk KMS GenerateMac"],
  },
  "signing-function": {
    purpose:
      "hashes the caller's own clean object, signs the evidence of the caller's consent with the asymmetric evidence key and writes it under signatures/ in the evidence bucket (COMPLIANCE object lock); derives the subject's pseudonym; acts as a logical-tier tenant's role to read that tenant's objects",
    calls: [
      ...s3("sdk", "GetObject", "PutObject"),
      "sdk KMS Sign",
      "sdk KMS GetPublicKey",
      "sdk KMS DescribeKey",
      "sdk KMS ListResourceTags",
      "sdk KMS GenerateMac",
      "sdk STS AssumeRole",
    ],
  },
  "scrub-function": {
    purpose:
      "reads each new original (image or document), writes its scrubbed copy into the clean bucket or a quarantined copy, tags the original; acts as a logical-tier tenant's role for that tenant's objects",
    calls: [
      ...s3("sdk", "GetObject", "HeadObject", "GetObjectTagging", "PutObjectTagging", "PutObject", "CopyObject"),
      "sdk KMS DescribeKey",
      "sdk KMS ListResourceTags",
      "sdk STS AssumeRole",
    ],
  },
  "sync-function": {
    purpose:
      "reads clean objects of the crossing data classes to replicate them to the commercial partition; confirms deletions; keeps the standby index (which standby pseudonym names a subject's replicas) under sip-sync-records/ of the clean bucket; reads its signing material",
    calls: [
      ...s3("sdk", "GetObject", "HeadObject", "GetObjectTagging", "ListObjectVersions", "PutObject"),
      "sdk SecretsManager GetSecretValue",
    ],
  },
  "failback-function": {
    purpose:
      "invoked by an operator after a sovereign outage: pulls what changed in the failover bucket back into the sovereign bucket of its data class, inside the VPC; with outage uploads, brings the outage inbox home into the sovereign originals bucket (opens each sealed subject with the sealing key, derives both pseudonyms); acts as a logical-tier tenant's role for that tenant's objects",
    calls: [
      ...s3(
        "sdk",
        "HeadObject",
        "GetObject",
        "GetObjectTagging",
        "PutObject",
        "PutObjectTagging",
        "CreateMultipartUpload",
        "UploadPart",
        "CompleteMultipartUpload",
        "AbortMultipartUpload",
        "DeleteObject",
        "ListObjectVersions",
      ),
      "sdk SecretsManager GetSecretValue",
      "sdk KMS DescribeKey",
      "sdk KMS ListResourceTags",
      "sdk KMS Decrypt",
      "sdk KMS GenerateMac",
      "sdk STS AssumeRole",
    ],
  },
  "webhook-sender": {
    purpose:
      "takes document events from the webhook queue, reads the tenant's webhook secret, and posts the signed event to the tenant's endpoint through the controlled egress path; delays retries and dead-letters undeliverable events",
    calls: ["sdk SecretsManager GetSecretValue", "sdk SQS ChangeMessageVisibility", "sdk SQS SendMessage"],
  },
  "subject-request-api": {
    purpose:
      "the operators' data-subject request API (IAM-authorised): derives the subject's pseudonym, checks the tenant's key alias, starts and decides executions of the workflow; reads and forgets the pending records (the task tokens) under pending/; keeps signed deployment manifests under deployments/ of the evidence bucket after checking them with the evidence key's public key",
    calls: [
      ...s3("sdk", "GetObject", "DeleteObject", "HeadObject", "PutObject"),
      "sdk KMS GenerateMac",
      "sdk KMS DescribeKey",
      "sdk KMS GetPublicKey",
    ],
  },
  "subject-request-pending": {
    purpose: "the workflow's approval step: keeps the execution's task token under pending/ until an operator decides",
    calls: s3("sdk", "PutObject", "GetObject"),
  },
  "subject-request-run": {
    purpose:
      "exports or erases a data subject's objects after a second operator's approval: lists every version in every place, reads each to hash it, asks for its retention and legal hold, deletes it for an erasure (the one role with s3:DeleteObjectVersion); writes the export archive and the report to the requests bucket and signs the archive's download",
    calls: [
      ...s3("presigned-url", "GetObject"),
      ...s3(
        "sdk",
        "ListObjectVersions",
        "GetObjectLockConfiguration",
        "GetObjectRetention",
        "GetObjectLegalHold",
        "GetObject",
        "DeleteObject",
        "CreateMultipartUpload",
        "UploadPart",
        "CompleteMultipartUpload",
        "AbortMultipartUpload",
        "PutObject",
      ),
    ],
  },
  "subject-request-certify": {
    purpose:
      "reads a run's report, signs the request's certificate with the evidence key and stores it under requests/ in the evidence bucket (COMPLIANCE object lock); finds a certificate already stored for the same attempt",
    calls: [...s3("sdk", "GetObject", "HeadObject", "PutObject"), "sdk KMS Sign", "sdk KMS GetPublicKey"],
  },
  "subject-erasure-role": {
    purpose:
      "the commercial role the data-subject request run gets through IAM Roles Anywhere (its own X.509 certificate): lists, reads (to hash or export) and deletes every version of a subject's replicas in the failover buckets",
    calls: s3(
      "sdk",
      "ListObjectVersions",
      "GetObjectLockConfiguration",
      "GetObjectRetention",
      "GetObjectLegalHold",
      "GetObject",
      "DeleteObject",
    ),
  },
  "cross-partition-role": {
    purpose:
      "the commercial role the sync function gets through IAM Roles Anywhere (its X.509 certificate): writes, reads and deletes replicas in the failover buckets; with outage uploads, lists, reads and deletes the outage inbox for failback",
    calls: s3(
      "sdk",
      "PutObject",
      "CreateMultipartUpload",
      "UploadPart",
      "CompleteMultipartUpload",
      "AbortMultipartUpload",
      "ListParts",
      "ListMultipartUploads",
      "HeadObject",
      "GetObject",
      "GetObjectTagging",
      "PutObjectTagging",
      "DeleteObject",
      "ListObjectVersions",
      "ListObjectsV2",
    ),
  },
  "logical-tenant-role": {
    purpose:
      "a tenant's own principal (tiers logical and vpc): the upload, download and scrub functions act as it for the tenant's objects, so they are written under the tenant's key (deleting the key shreds them)",
    calls: [
      ...s3("presigned-url", "PutObject", "UploadPart", "GetObject"),
      ...s3("presigned-post", "PostObject"),
      ...s3(
        "sdk",
        "CreateMultipartUpload",
        "CompleteMultipartUpload",
        "AbortMultipartUpload",
        "ListParts",
        "GetObject",
        "HeadObject",
        "GetObjectTagging",
        "PutObjectTagging",
        "PutObject",
        "CopyObject",
        "ListObjectsV2",
      ),
    ],
  },
};

/** The kind of a role of the stack, by the construct that makes it; undefined for roles that make no data-plane calls (flow logs, CloudTrail). */
export function roleKindOf(role: WorldRole): RoleKind | undefined {
  // The image pipeline (upload-pipeline) and the document pipeline (document-pipeline) have the same roles.
  const pipeline = /^aws_iam_role\.(?:upload|document)-pipeline_(upload|download|signing|scrub)_role$/.exec(
    role.address,
  );
  if (pipeline !== null) return `${pipeline[1] as "upload" | "download" | "signing" | "scrub"}-function`;
  if (role.address === "aws_iam_role.standby-serving_download_role") return "standby-download-function";
  if (role.address === "aws_iam_role.standby-serving_upload_role") return "standby-upload-function";
  if (/^aws_iam_role\.sync-pipeline-.+_sync_role$/.test(role.address)) return "sync-function";
  if (/^aws_iam_role\.sync-pipeline-.+_failback_role$/.test(role.address)) return "failback-function";
  if (role.address === "aws_iam_role.webhooks_sender_role") return "webhook-sender";
  const request = /^aws_iam_role\.subject-requests_(api|pending|run|certify)_role$/.exec(role.address);
  if (request !== null) return `subject-request-${request[1] as "api" | "pending" | "run" | "certify"}`;
  if (role.address === "aws_iam_role.commercial-roles-anywhere_role-subject-erasure") return "subject-erasure-role";
  if (JSON.stringify(role.trust ?? "").includes("rolesanywhere.amazonaws.com")) return "cross-partition-role";
  if (role.tags.Tenant !== undefined && role.tags.TenantKey !== undefined) return "logical-tenant-role";
  return undefined;
}

/** `undefined` when the call is in the role's entry, else why it is unknown. */
export function unknownKind(role: WorldRole, call: string): string | undefined {
  const kind = roleKindOf(role);
  if (kind === undefined)
    return `${role.name} (${role.address}) has no entry in the proof's catalogue (policies/authz/catalogue.ts), but made "${call}"`;
  if (!CATALOGUE[kind].calls.includes(call))
    return `${role.name} (${kind}) made "${call}", a kind of request the catalogue does not list for it (policies/authz/catalogue.ts)`;
  return undefined;
}
