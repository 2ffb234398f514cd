/**
 * The shape of the keys the platform gives uploaded objects: `<tenant>/<subject>/<uuid v4>`, tenant
 * and subject (the subject's pseudonym) from the verified token, the uuid from the upload function.
 * The upload function issues such keys; the download function serves only such keys, of the caller.
 */
import { ClaimsError, type TokenClaims } from "./http-api";

/** A claim becomes one key segment: no slash, no dot segments, nothing S3 or a shell would mangle. */
export const CLAIM_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._@+=:-]{0,127}$/;

export function isSafeKeySegment(value: unknown): value is string {
  return typeof value === "string" && CLAIM_SEGMENT.test(value);
}

/** The object ID part of a key: a version 4 UUID, lower case. */
export const OBJECT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** `<tenant>/<subject>/<uuid v4>`: the only shape of key the upload function issues. */
export const ISSUED_KEY = new RegExp(
  `^(${CLAIM_SEGMENT.source.slice(1, -1)})/(${CLAIM_SEGMENT.source.slice(1, -1)})/(${OBJECT_ID.source.slice(1, -1)})$`,
);

/** Throws ClaimsError unless tenant and subject are usable key segments. */
export function assertClaims(claims: TokenClaims): void {
  for (const claim of ["tenant", "subject"] as const) {
    if (!isSafeKeySegment(claims[claim])) {
      throw new ClaimsError(
        claim,
        "the verified token's claim is missing or not a safe key segment (1-128 of A-Z a-z 0-9 . _ @ + = : -, not starting with a symbol)",
      );
    }
  }
}

/** The key prefix of one subject's objects: `<tenant>/<subject>/`. */
export function ownerPrefix(claims: TokenClaims): string {
  assertClaims(claims);
  return `${claims.tenant}/${claims.subject}/`;
}
