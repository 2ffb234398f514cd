/**
 * The upload function's routes (POST /v1/uploads, /v1/uploads/put, /v1/uploads/multipart,
 * /v1/uploads/multipart/parts, /v1/uploads/multipart/complete → the pre-signing operations of
 * `presign.ts`) and how one routed request is issued: signed with the function's client and the
 * data-class key, or as a logical-tier tenant's role under its own key (the tenant directory,
 * functions/shared/tenant-directory.ts), for the subject's pseudonym. On the commercial standby
 * (a sealing key), the tenant and subject are sealed into the upload's signed metadata
 * (functions/shared/sealed-subject.ts).
 */
import type { KeyObject } from "node:crypto";
import type { S3Client } from "@aws-sdk/client-s3";
import type { Logger } from "../shared/logger";
import type { Pseudonyms } from "../shared/pseudonym";
import { SealError, sealSubject } from "../shared/sealed-subject";
import type { TenantDirectory } from "../shared/tenant-directory";
import { UploadRequestError } from "./errors";
import { failure, type HttpApiRequest, type HttpApiResult, json } from "../shared/http-api";
import {
  assertClaims,
  completeMultipartUpload,
  createMultipartUpload,
  issuePresignedPost,
  issuePresignedPut,
  presignUploadParts,
  type UploadClaims,
  type UploadDeps,
} from "./presign";
import type { UploadConfig } from "./schema";

export type Operation = (
  deps: UploadDeps,
  config: UploadConfig,
  claims: UploadClaims,
  body: unknown,
) => Promise<unknown>;

export const ROUTES: Readonly<Record<string, Operation>> = {
  "/v1/uploads": issuePresignedPost,
  "/v1/uploads/put": issuePresignedPut,
  "/v1/uploads/multipart": createMultipartUpload,
  "/v1/uploads/multipart/parts": presignUploadParts,
  "/v1/uploads/multipart/complete": completeMultipartUpload,
};

/** The route's path: from `routeKey` (`POST /v1/uploads`) when API Gateway matched a route, else the request path. */
export function routePath(event: HttpApiRequest): string {
  const fromKey = /^[A-Z]+ (\/\S*)$/.exec(event.routeKey ?? "")?.[1];
  const path = fromKey ?? event.requestContext.http.path;
  return path.length > 1 ? path.replace(/\/+$/, "") : path;
}

/** What issuing a request needs: the clients, the tenants and the pseudonyms. */
export interface IssueDeps {
  readonly s3: S3Client;
  /** @default crypto.randomUUID */
  readonly newId?: () => string;
  /**
   * Finds logical-tier tenants, whose uploads are signed as their role under their key.
   * @default - none: every tenant's uploads use the data-class key and `s3`
   */
  readonly tenants?: TenantDirectory<S3Client>;
  /**
   * Derives the pseudonym that stands for the subject in object keys (functions/shared/pseudonym.ts).
   * `undefined` keeps the subject claim itself: only with PSEUDONYMIZE_SUBJECTS=false.
   */
  readonly pseudonyms: Pseudonyms | undefined;
  /**
   * Derives the standby pseudonym of a crossing data class's objects (STANDBY_PSEUDONYM_KEY_ID),
   * recorded in each object's metadata (signed into the upload) for the sync to name the replica by.
   * @default - the objects do not cross: no standby pseudonym
   */
  readonly standbyPseudonyms?: Pseudonyms;
  /**
   * The commercial standby's sealing key (SUBJECT_SEALING_PUBLIC_KEY): every upload carries the
   * tenant and subject sealed to it (`sealed-subject`, signed), for failback to bring it home.
   * @default - none (the sovereign upload: nothing sealed)
   */
  readonly sealingKey?: KeyObject;
}

/** How one request is signed: the function's client and the data-class key, or the tenant's role and key. */
async function signerFor(
  deps: IssueDeps,
  claims: UploadClaims,
): Promise<{ readonly deps: UploadDeps; readonly keyedBy: "data-class" | "tenant" } | HttpApiResult> {
  const base = { s3: deps.s3, ...(deps.newId === undefined ? {} : { newId: deps.newId }) };
  if (deps.tenants === undefined) return { deps: base, keyedBy: "data-class" };
  assertClaims(claims);
  const access = await deps.tenants.resolve(claims.tenant);
  if (access.kind === "shared") return { deps: base, keyedBy: "data-class" };
  if (access.kind === "unknown") {
    return failure(
      403,
      "unknown_tenant",
      "",
      "the token's tenant claim names no tenant of this deployment: ask the identity provider's administrator to issue the configured tenant ID",
    );
  }
  if (access.kind === "key-unavailable") {
    return failure(
      403,
      "tenant_key_unavailable",
      "",
      `the tenant's key is ${access.keyState}: uploads for this tenant are closed`,
    );
  }
  return { deps: { ...base, s3: access.client, tenantKeyArn: access.keyArn }, keyedBy: "tenant" };
}

/** One routed request, issued. */
export interface IssueRequest {
  readonly route: string;
  readonly operation: Operation;
  readonly config: UploadConfig;
  readonly claims: UploadClaims;
  readonly body: unknown;
  readonly log: Logger;
  /** The subject claim's name, for the message of a subject too long to seal. @default "sub" */
  readonly subjectClaim?: string;
}

/**
 * The tenant and subject sealed to the standby's key; claims too long for it → 400 naming the claim.
 * The token check (CLAIM_SEGMENT: at most 128 ASCII characters each) keeps every valid pair within
 * RSA-3072's 318 bytes (21 + 2 + 128 + 128); this guards a longer limit or a smaller key.
 */
export function sealed(key: KeyObject, claims: UploadClaims, subjectClaim = "sub"): string {
  try {
    return sealSubject(key, claims.tenant, claims.subject);
  } catch (error) {
    if (!(error instanceof SealError) || error.sizes === undefined) throw error;
    throw UploadRequestError.of(
      "claims_too_long",
      subjectClaim,
      `the token's ${subjectClaim} claim is too long for an upload during the outage: with the tenant it makes ${error.sizes.bytes} bytes, the sealing key holds ${error.sizes.maxBytes}`,
    );
  }
}

/**
 * Runs the route's operation for the token's tenant and subject: 200 with its result, or the 403 of a
 * tenant whose uploads are closed. Throws what the operation, the claims check or the tenant directory throw.
 */
export async function issue(deps: IssueDeps, request: IssueRequest): Promise<HttpApiResult> {
  const { route, claims, log } = request;
  const signer = await signerFor(deps, claims);
  if ("statusCode" in signer) {
    log.warn("upload refused for the tenant", {
      route,
      tenant: claims.tenant,
      code: JSON.parse(signer.body).error?.code,
    });
    return signer;
  }
  // The key holds the subject's pseudonym, never the claim (often an e-mail address). The claims
  // are checked as before, so a token's acceptance does not depend on the pseudonyms.
  assertClaims(claims);
  const scoped: UploadClaims =
    deps.pseudonyms === undefined
      ? claims
      : { tenant: claims.tenant, subject: await deps.pseudonyms.of(claims.tenant, claims.subject) };
  const standby =
    deps.pseudonyms === undefined || deps.standbyPseudonyms === undefined
      ? undefined
      : await deps.standbyPseudonyms.of(claims.tenant, claims.subject);
  const sealedSubject =
    deps.sealingKey === undefined ? undefined : sealed(deps.sealingKey, claims, request.subjectClaim);
  const signing = {
    ...signer.deps,
    ...(standby === undefined ? {} : { standbyPseudonym: standby }),
    ...(sealedSubject === undefined ? {} : { sealedSubject }),
  };
  const result = await request.operation(signing, request.config, scoped, request.body);
  log.info("issued", {
    route,
    tenant: claims.tenant,
    subjectPseudonym: deps.pseudonyms === undefined ? undefined : scoped.subject,
    standbyPseudonym: standby !== undefined,
    sealedSubject: sealedSubject !== undefined,
    keyedBy: signer.keyedBy,
  });
  return json(200, result);
}
