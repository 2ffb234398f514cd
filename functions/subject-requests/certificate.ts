/**
 * The proof of a completed data-subject request (issue 18, item 4): an evidence document of what the
 * request was (who asked, why, who approved, when), what it found and did (the export's archive and
 * manifest hashes, or every version erased and every version held, per place) and when it completed,
 * signed with the evidence key (`signEvidence`) and stored in the evidence bucket at
 * `requests/<tenant>/<pseudonym>/<requestId>.json`, where the bucket's default COMPLIANCE retention
 * keeps it.
 *
 * Everything is checked before anything is signed or stored: a self-approval, an approval before the
 * request, an outcome of another kind or subject, an erasure that is not confirmed everywhere, and any
 * value without a canonical form are refused with `RequestEvidenceError`, which names the field.
 *
 * Pure apart from the injected S3 client and signer.
 */
import { createHash } from "node:crypto";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { kmsJsonPut } from "../shared/s3-objects";
import type { EvidenceSigner } from "../evidence/algorithms";
import { CanonicalizationError, canonicalize, type EvidenceDocument } from "../evidence/canonical";
import { type EvidenceCertificate, formatCertificate, signEvidence } from "../evidence/certificate";
import { isSafeKeySegment } from "../shared/object-keys";
import { REQUESTS_PREFIX } from "../signing/evidence-layout";
import type { ErasureReport, PlaceReport } from "./erase";
import type { ExportResult } from "./export";

export const REQUEST_EVIDENCE_TYPE = "data-subject-request";

/** A data-subject request as the workflow recorded it, approved by a second person. */
export interface SubjectRequest {
  /** The request's ID, a UUID (lower case). */
  readonly id: string;
  readonly tenant: string;
  /** The subject's pseudonym: the key segment of their objects. */
  readonly pseudonym: string;
  readonly kind: "export" | "erase";
  /** The operator who asked. */
  readonly requestedBy: string;
  /** Why, in the requester's words. */
  readonly reason: string;
  /** ISO 8601 UTC (`2026-01-02T03:04:05.000Z`). */
  readonly requestedAt: string;
  /** The second operator who approved: never the requester. */
  readonly approvedBy: string;
  /** ISO 8601 UTC, not before `requestedAt`. */
  readonly approvedAt: string;
}

/** What the request did: the export's result or the erasure's report. */
export type RequestOutcome =
  | { readonly kind: "export"; readonly export: ExportResult }
  | { readonly kind: "erase"; readonly erasure: ErasureReport };

/** Where certificates go: the evidence bucket (object lock, default COMPLIANCE retention) and its KMS key. */
export interface CertificateTarget {
  readonly bucket: string;
  readonly kmsKeyId: string;
}

export interface CertificateDeps {
  /** The client that may write under the evidence bucket's `requests/`. */
  readonly s3: S3Client;
  /** The evidence key (KMS in production). */
  readonly signer: EvidenceSigner;
  /** The completion time recorded. @default () => new Date() */
  readonly now?: () => Date;
}

export interface IssuedCertificate {
  readonly certificate: EvidenceCertificate;
  /** The certificate's key in the evidence bucket. */
  readonly key: string;
  /** The stored version, the one object lock keeps. */
  readonly versionId: string;
}

/** A request or outcome that cannot be certified; `field` names what is wrong (`request.approvedBy`). */
export class RequestEvidenceError extends Error {
  override readonly name = "RequestEvidenceError";

  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

/** The certificate could not be stored: the request stays open and the caller retries. */
export class CertificateStoreError extends Error {
  override readonly name = "CertificateStoreError";

  constructor(
    readonly key: string,
    message: string,
    options?: { cause: unknown },
  ) {
    super(`the request certificate ${key} was not stored: ${message}`, options);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{3})?Z$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

function text(value: unknown, field: string): string {
  if (typeof value !== "string" || value.trim() === "")
    throw new RequestEvidenceError(field, "must be a non-empty string");
  return value;
}

function time(value: unknown, field: string): number {
  const at = typeof value === "string" && ISO_UTC.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(at)) throw new RequestEvidenceError(field, `must be an ISO 8601 UTC time (value: ${String(value)})`);
  return at;
}

/** One identity, however it was typed: `Alice@Example.org ` is `alice@example.org`. */
const identity = (value: string) => value.normalize("NFC").trim().toLowerCase();

/** The request's fields, checked: a second person approved, after the request. */
function checkRequest(request: SubjectRequest): void {
  if (typeof request.id !== "string" || !UUID.test(request.id))
    throw new RequestEvidenceError("request.id", `must be a lower-case UUID (value: ${String(request.id)})`);
  for (const field of ["tenant", "pseudonym"] as const)
    if (!isSafeKeySegment(request[field]))
      throw new RequestEvidenceError(
        `request.${field}`,
        `must be a safe key segment (value: ${String(request[field])})`,
      );
  if (request.kind !== "export" && request.kind !== "erase")
    throw new RequestEvidenceError("request.kind", `must be export or erase (value: ${String(request.kind)})`);
  for (const field of ["requestedBy", "reason", "approvedBy"] as const) text(request[field], `request.${field}`);
  if (identity(request.approvedBy) === identity(request.requestedBy))
    throw new RequestEvidenceError(
      "request.approvedBy",
      `the requester (${request.requestedBy}) cannot approve their own request: a second person approves`,
    );
  const requestedAt = time(request.requestedAt, "request.requestedAt");
  if (time(request.approvedAt, "request.approvedAt") < requestedAt)
    throw new RequestEvidenceError(
      "request.approvedAt",
      `the approval (${request.approvedAt}) is before the request (${request.requestedAt})`,
    );
}

function checkSubject(subject: { tenant: string; pseudonym: string } | undefined, request: SubjectRequest, at: string) {
  if (subject?.tenant !== request.tenant || subject.pseudonym !== request.pseudonym)
    throw new RequestEvidenceError(
      at,
      `is about ${subject?.tenant}/${subject?.pseudonym}, not the request's subject ${request.tenant}/${request.pseudonym}`,
    );
}

function exportEvidence(result: ExportResult, request: SubjectRequest): EvidenceDocument {
  checkSubject(result.manifest?.subject, request, "export.manifest.subject");
  const { bucket, key, sizeBytes, sha256 } = result.archive;
  if (typeof sha256 !== "string" || !SHA256_HEX.test(sha256))
    throw new RequestEvidenceError("export.archive.sha256", "must be a lower-case hex SHA-256");
  return {
    archive: { bucket, key, sizeBytes, sha256 },
    // manifest.json in the archive holds exactly this canonical form (export.ts), so this is its hash too.
    manifestSha256: createHash("sha256").update(canonicalize(result.manifest), "utf8").digest("hex"),
    versions: result.manifest.versions.length,
  };
}

function placeEvidence(place: PlaceReport, at: string): EvidenceDocument {
  // eraseSubject confirms a place when nothing but held versions remains; anything else is not done.
  if (place.confirmed !== true || place.error !== undefined || place.remaining?.length !== 0) {
    const why = place.error ?? `${place.remaining?.length ?? "no"} versions remain that are not held`;
    throw new RequestEvidenceError(at, `the erasure of ${place.name} is not confirmed (${why})`);
  }
  return {
    name: place.name,
    bucket: place.bucket,
    erased: place.erased.length,
    erasedVersions: place.erased.map(({ key, versionId, sha256 }) => ({ key, versionId, sha256 })),
    held: place.held.map(({ key, versionId, retainUntil, mode, legalHold }) => ({
      key,
      versionId,
      retainUntil,
      mode,
      legalHold,
    })),
    confirmed: place.confirmed,
  };
}

function erasureEvidence(report: ErasureReport, request: SubjectRequest): EvidenceDocument {
  checkSubject(report.subject, request, "erasure.subject");
  if (report.dryRun !== false) throw new RequestEvidenceError("erasure.dryRun", "a dry run erased nothing");
  if (report.places.length === 0) throw new RequestEvidenceError("erasure.places", "no place was erased");
  return { places: report.places.map((place, i) => placeEvidence(place, `erasure.places[${i}]`)) };
}

/**
 * The evidence document of a completed request; throws RequestEvidenceError naming the field of a
 * request or outcome that cannot be certified (see the module's comment).
 */
export function requestEvidence(request: SubjectRequest, outcome: RequestOutcome, completedAt: Date): EvidenceDocument {
  checkRequest(request);
  if (outcome.kind !== request.kind)
    throw new RequestEvidenceError("outcome.kind", `is ${outcome.kind}, but the request is for ${request.kind}`);
  const completed = completedAt.toISOString();
  if (completedAt.getTime() < time(request.approvedAt, "request.approvedAt"))
    throw new RequestEvidenceError("completedAt", `${completed} is before the approval (${request.approvedAt})`);
  const { id, tenant, pseudonym, kind, requestedBy, reason, requestedAt, approvedBy, approvedAt } = request;
  const document: EvidenceDocument = {
    type: REQUEST_EVIDENCE_TYPE,
    request: { id, tenant, pseudonym, kind, requestedBy, reason, requestedAt, approvedBy, approvedAt },
    ...(outcome.kind === "export"
      ? { export: exportEvidence(outcome.export, request) }
      : { erasure: erasureEvidence(outcome.erasure, request) }),
    completedAt: completed,
  };
  try {
    canonicalize(document);
  } catch (error) {
    if (!(error instanceof CanonicalizationError)) throw error;
    throw new RequestEvidenceError(error.path.replace(/^\$\./, ""), error.problem);
  }
  return document;
}

/** What S3 answered: the error's name and HTTP status (`NoSuchBucket (404)`). */
function answered(error: unknown): string {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  return `${e.name ?? "Error"}${status === undefined ? "" : ` (${status})`}: ${e.message ?? String(error)}`;
}

/**
 * The certificate's key: `requests/<tenant>/<pseudonym>/<requestId>.json` for the request's first run,
 * `<requestId>.<attempt>.json` for a follow-up run (held versions erased later), so that each run's
 * certificate has its own key.
 */
export function requestCertificateKey(
  request: Pick<SubjectRequest, "id" | "tenant" | "pseudonym">,
  attempt = 1,
): string {
  if (!Number.isSafeInteger(attempt) || attempt < 1)
    throw new RequestEvidenceError("attempt", `must be a positive whole number (value: ${attempt})`);
  const suffix = attempt === 1 ? "" : `.${attempt}`;
  return `${REQUESTS_PREFIX}${request.tenant}/${request.pseudonym}/${request.id}${suffix}.json`;
}

/**
 * Certifies a completed request: checks it (RequestEvidenceError, nothing signed), signs its evidence
 * document, and stores the certificate in the evidence bucket with SSE-KMS and no object-lock headers
 * (the bucket's default COMPLIANCE retention applies), under the key of the run `attempt` (1: the
 * request's first run). Throws CertificateStoreError when the write fails or the bucket keeps no
 * versions (no object lock): the request is not closed then.
 */
export async function issueRequestCertificate(
  deps: CertificateDeps,
  target: CertificateTarget,
  request: SubjectRequest,
  outcome: RequestOutcome,
  attempt = 1,
): Promise<IssuedCertificate> {
  const key = requestCertificateKey(request, attempt);
  const document = requestEvidence(request, outcome, (deps.now ?? (() => new Date()))());
  const certificate = await signEvidence(document, deps.signer);
  const body = formatCertificate(certificate);
  let versionId: string | undefined;
  try {
    const answer = await deps.s3.send(
      // The bucket's default COMPLIANCE retention applies (kmsJsonPut sends no object-lock headers).
      new PutObjectCommand(kmsJsonPut(target.bucket, key, body, target.kmsKeyId)),
    );
    versionId = answer.VersionId;
  } catch (error) {
    throw new CertificateStoreError(key, `PutObject ${target.bucket}: ${answered(error)}`, { cause: error });
  }
  if (versionId === undefined || versionId === "null")
    throw new CertificateStoreError(key, `${target.bucket} keeps no versions, so it has no object lock`);
  return { certificate, key, versionId };
}
