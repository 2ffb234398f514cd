/**
 * A data-subject request as an operator asks for it (issue 18, the workflow): the HTTP body is checked
 * here, without AWS, and every refusal names the field and the fix (`RequestInputError`). The subject's
 * identifier only lives long enough to compute its pseudonym (`Pseudonyms`, functions/shared/pseudonym.ts):
 * the record the workflow keeps, and everything stored from it, holds the pseudonym, never the identifier.
 */

import { isSafeKeySegment } from "../shared/object-keys";
import { isTenantSegment } from "../shared/tenant-directory";
import { PSEUDONYM } from "../shared/pseudonym";

export const MAX_SUBJECT_CHARS = 512;
export const MAX_REASON_CHARS = 1000;

export type RequestKind = "export" | "erase";

/** What the workflow keeps of a request (the execution's input, the pending record, the certificate). */
export interface RequestRecord {
  /** The request's ID (lower-case UUID), which is also the execution's name. */
  readonly id: string;
  readonly tenant: string;
  /** The subject's pseudonym within the tenant; the identifier itself is not kept. */
  readonly pseudonym: string;
  /**
   * The subject's standby pseudonym, which names their replicas in the commercial partition (docs/
   * cross-partition.md §7): set when the deployment has commercial places. @default - none
   */
  readonly standbyPseudonym?: string;
  readonly kind: RequestKind;
  readonly reason: string;
  /** The requester's IAM ARN, as API Gateway verified it. */
  readonly requestedBy: string;
  /** ISO 8601 UTC. */
  readonly requestedAt: string;
}

/** The body of `POST /v1/requests`, checked. */
export interface NewRequest {
  readonly tenant: string;
  readonly subject: string;
  readonly kind: RequestKind;
  readonly reason: string;
}

/** The approval the workflow records: the result of its AwaitApproval state. */
export interface Approval {
  readonly approvedBy: string;
  readonly approvedAt: string;
}

/** The cause of a rejection (SendTaskFailure's cause, as JSON). */
export interface Rejection {
  readonly rejectedBy: string;
  readonly rejectedAt: string;
  readonly reason: string;
}

/** A request the API refuses (HTTP 400 unless `status` says otherwise); `field` names what is wrong. */
export class RequestInputError extends Error {
  override readonly name = "RequestInputError";

  constructor(
    readonly field: string,
    message: string,
    readonly status = 400,
    readonly code = "invalid_request",
  ) {
    super(message);
  }
}

export const REQUEST_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** One identity, however it was typed (as certificate.ts compares them): NFC, trimmed, lower case. */
export const sameIdentity = (a: string, b: string) =>
  a.normalize("NFC").trim().toLowerCase() === b.normalize("NFC").trim().toLowerCase();

const NEW_REQUEST_FIELDS = ["tenant", "subject", "kind", "reason"] as const;

function object(body: unknown): Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw new RequestInputError("", "the body must be a JSON object");
  return body as Record<string, unknown>;
}

function unknownFields(body: Record<string, unknown>, allowed: readonly string[]): void {
  const extra = Object.keys(body).filter((k) => !allowed.includes(k));
  if (extra.length > 0)
    throw new RequestInputError(
      extra[0] ?? "",
      `unknown field ${JSON.stringify(extra[0])}: send only ${allowed.join(", ")}`,
    );
}

/** A reason: non-empty after trimming, at most MAX_REASON_CHARS characters; returned trimmed. */
function reasonOf(value: unknown, field: string): string {
  if (typeof value !== "string" || value.trim() === "")
    throw new RequestInputError(field, `${field} is required: say why, in a sentence (e.g. the ticket number)`);
  const reason = value.trim();
  if ([...reason].length > MAX_REASON_CHARS)
    throw new RequestInputError(field, `${field} is longer than ${MAX_REASON_CHARS} characters: shorten it`);
  if (reason.includes("\0")) throw new RequestInputError(field, `${field} must not contain NUL characters`);
  return reason;
}

/**
 * The body of `POST /v1/requests`: `{ tenant, subject, kind, reason }` and nothing else. The tenant
 * must be one of `tenants` (without a list: a usable tenant ID, which the API then looks up); the subject a non-empty identifier (≤ 512 characters, no NUL) as the
 * tenant's tokens carry it; the kind `export` or `erase`; the reason non-empty after trimming.
 */
export function parseNewRequest(body: unknown, tenants?: readonly string[]): NewRequest {
  const b = object(body);
  unknownFields(b, NEW_REQUEST_FIELDS);
  const oneOf =
    tenants === undefined ? "the tenant's ID as the configuration names it" : `one of ${tenants.join(", ")}`;
  if (typeof b.tenant !== "string" || b.tenant === "")
    throw new RequestInputError("tenant", `tenant is required: ${oneOf}`);
  if (tenants !== undefined ? !tenants.includes(b.tenant) : !isTenantSegment(b.tenant))
    throw new RequestInputError("tenant", `unknown tenant ${JSON.stringify(b.tenant)}: use ${oneOf}`);
  if (typeof b.subject !== "string" || b.subject === "")
    throw new RequestInputError(
      "subject",
      "subject is required: the subject's identifier as the tenant's tokens carry it",
    );
  if ([...b.subject].length > MAX_SUBJECT_CHARS)
    throw new RequestInputError(
      "subject",
      `subject is longer than ${MAX_SUBJECT_CHARS} characters: check the identifier`,
    );
  if (b.subject.includes("\0")) throw new RequestInputError("subject", "subject must not contain NUL characters");
  if (b.kind !== "export" && b.kind !== "erase")
    throw new RequestInputError("kind", `kind must be "export" or "erase" (value: ${JSON.stringify(b.kind)})`);
  return { tenant: b.tenant, subject: b.subject, kind: b.kind, reason: reasonOf(b.reason, "reason") };
}

/** The body of `POST /v1/requests/{id}/reject`: `{ reason }`. */
export function parseRejection(body: unknown): { readonly reason: string } {
  const b = object(body);
  unknownFields(b, ["reason"]);
  return { reason: reasonOf(b.reason, "reason") };
}

/** The `{id}` of a path: a lower-case UUID. */
export function parseRequestId(value: string | undefined): string {
  if (value === undefined || !REQUEST_ID.test(value))
    throw new RequestInputError(
      "id",
      `the request ID must be a lower-case UUID, as POST /v1/requests returned it (value: ${JSON.stringify(value ?? "")})`,
    );
  return value;
}

/** A record as stored (the execution's input, a pending record): throws when it is not one. */
export function checkRecord(value: unknown, at: string): RequestRecord {
  const r = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof r.id !== "string" || !REQUEST_ID.test(r.id)) problems.push("id");
  if (!isSafeKeySegment(r.tenant)) problems.push("tenant");
  if (typeof r.pseudonym !== "string" || !PSEUDONYM.test(r.pseudonym)) problems.push("pseudonym");
  if (
    r.standbyPseudonym !== undefined &&
    (typeof r.standbyPseudonym !== "string" || !PSEUDONYM.test(r.standbyPseudonym))
  )
    problems.push("standbyPseudonym");
  if (r.kind !== "export" && r.kind !== "erase") problems.push("kind");
  for (const field of ["reason", "requestedBy", "requestedAt"] as const)
    if (typeof r[field] !== "string" || r[field] === "") problems.push(field);
  if (problems.length > 0) throw new Error(`${at} is not a request record (check ${problems.join(", ")})`);
  return r as unknown as RequestRecord;
}

/** An approval as the workflow passes it on: throws when it is not one. */
export function checkApproval(value: unknown, at: string): Approval {
  const a = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
  if (typeof a.approvedBy !== "string" || a.approvedBy === "" || typeof a.approvedAt !== "string")
    throw new Error(`${at} is not an approval ({ approvedBy, approvedAt })`);
  return { approvedBy: a.approvedBy, approvedAt: a.approvedAt };
}
