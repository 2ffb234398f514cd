/**
 * Signing Lambda: a thin adapter from API Gateway HTTP API (payload format 2.0, JWT authorizer;
 * functions/shared/http-api.ts) to the signing core (`signing.ts`).
 *
 * - Tenant and subject come only from `requestContext.authorizer.jwt.claims` (claim names from
 *   TENANT_CLAIM / SUBJECT_CLAIM, default `tenant` / `sub`), the issuer from its `iss`; the subject
 *   becomes its pseudonym for the object's key, and is recorded itself in the evidence. No parameter
 *   names a tenant, a subject, a bucket or a key.
 * - Route: `POST /v1/objects/{id}/signatures` with `{ "purpose": "...", "consent": true }` (strict JSON:
 *   unknown fields and repeated member names refused). 201 `{ signatureId, receipt, certificateKey,
 *   keyId, algorithm, document }`.
 * - Errors are `{ error: { code, field, message, issues? } }`: 400 `invalid_json`, `invalid_body`,
 *   `unknown_field`, `missing_field`, `invalid_purpose`, `consent_required`, `invalid_object_id`; 404
 *   `unknown_object` (also another subject's or tenant's object); 403 `invalid_claims`,
 *   `unknown_tenant`, `tenant_key_unavailable`; 404 `unknown_route`; 405 `method_not_allowed`; 500
 *   `invalid_config`, `evidence_not_stored` (no receipt), `internal_error`. No stack traces or S3
 *   error details are returned.
 * - A logical-tier tenant's documents are read as the tenant's role (the tenant directory); the
 *   evidence is always written with the function's own client (the evidence bucket is the platform's).
 */
import type { S3Client } from "@aws-sdk/client-s3";
import type { EvidenceSigner } from "../evidence/algorithms";
import { parseJson } from "../evidence/canonical";
import {
  acceptEvent,
  bodyText,
  ClaimsError,
  failure,
  type HttpApiRequest,
  type HttpApiResult,
  json,
  requestClaims,
} from "../shared/http-api";
import type { WebhookPublisher } from "../webhooks/sqs";
import { createLogger, type Logger } from "../shared/logger";
import { assertClaims } from "../shared/object-keys";
import { ownerAccess } from "../shared/owner-access";
import type { Pseudonyms } from "../shared/pseudonym";
import type { TenantDirectory } from "../shared/tenant-directory";
import { loadSigningSettings, SigningConfigError, type SigningSettings, signingDependencies } from "./env";
import { routeOf, type SigningRoute } from "./routes";
import {
  EvidenceStoreError,
  parseSigningRequest,
  type SigningRequest,
  SigningRequestError,
  signDocument,
} from "./signing";

export interface SigningHandlerDeps {
  /** The function's own client: reads shared-tier tenants' documents and writes all evidence. */
  readonly s3: S3Client;
  readonly settings: SigningSettings | SigningConfigError;
  /** Signs the evidence (KMS). @default - none: answered with 500 invalid_config */
  readonly signer?: EvidenceSigner | undefined;
  /** `undefined` keeps the subject claim itself in keys (PSEUDONYMIZE_SUBJECTS=false). */
  readonly pseudonyms: Pseudonyms | undefined;
  /** Finds logical-tier tenants, whose documents are read as their role. @default - none */
  readonly tenants?: TenantDirectory<S3Client> | undefined;
  readonly logger?: Logger;
  /** Consent and signing times. @default () => new Date() */
  readonly now?: () => Date;
  /** Signature IDs. @default randomUUID */
  readonly newId?: () => string;
  /**
   * Where `document.signed` webhook events go (functions/webhooks). @default - no events
   */
  readonly events?: WebhookPublisher | undefined;
}

/** The issuer is recorded as is: a URL-like string of printable characters. */
const ISSUER = /^[\x21-\x7e]{1,2048}$/;

/** Builds the handler over injected dependencies (tests); `handler` below is the Lambda entry point. */
export function createSigningHandler(
  deps: SigningHandlerDeps,
): (event: unknown, context?: { awsRequestId?: string }) => Promise<HttpApiResult> {
  const logger = deps.logger ?? createLogger("signing");
  return async (rawEvent, context) => {
    const accepted = acceptEvent(rawEvent, logger, context);
    if ("statusCode" in accepted) return accepted;
    const { event, log } = accepted;
    const settings = deps.settings;
    if (settings instanceof SigningConfigError || deps.signer === undefined) {
      log.error("configuration is invalid", {
        error: settings instanceof SigningConfigError ? settings : "no evidence signer",
      });
      return failure(500, "invalid_config", "", "the signing service is misconfigured");
    }
    const route = routeOf(event);
    if (route.kind === "unknown") return failure(404, "unknown_route", "", `no route ${route.path}`);
    if (route.kind === "method") return failure(405, "method_not_allowed", "", `${route.path} accepts POST only`);
    try {
      return await serve({ ...deps, signer: deps.signer }, settings, event, route, log);
    } catch (error) {
      return errorResult(error, log);
    }
  };
}

/** The body as strict JSON (no repeated member names), checked as a signing request. */
function requestOf(event: HttpApiRequest): SigningRequest {
  const raw = bodyText(event);
  let value: unknown;
  try {
    value = parseJson(raw);
  } catch {
    throw new SigningRequestError(400, [
      { code: "invalid_json", field: "", message: "the body must be JSON, each member named once" },
    ]);
  }
  return parseSigningRequest(value);
}

/** Checks the claims and the body, resolves the reader for the token's tenant, and signs. */
async function serve(
  deps: SigningHandlerDeps & { readonly signer: EvidenceSigner },
  settings: SigningSettings,
  event: HttpApiRequest,
  route: SigningRoute,
  log: Logger,
): Promise<HttpApiResult> {
  const claims = requestClaims(event, settings);
  assertClaims(claims);
  const issuer = event.requestContext.authorizer?.jwt?.claims?.iss;
  if (typeof issuer !== "string" || !ISSUER.test(issuer))
    return failure(403, "invalid_claims", "issuer", "the verified token names no usable issuer (iss)");
  const request = requestOf(event);
  const access = await ownerAccess(deps, claims, "its documents");
  if ("statusCode" in access) return access;
  const { client: documents, owner } = access;
  const core = {
    documents,
    evidence: deps.s3,
    signer: deps.signer,
    ...(deps.now === undefined ? {} : { now: deps.now }),
    ...(deps.newId === undefined ? {} : { newId: deps.newId }),
  };
  const signature = await signDocument(core, settings.config, {
    owner,
    signer: { tenant: claims.tenant, subject: claims.subject, issuer },
    id: route.id,
    request,
  });
  log.info("signed", {
    tenant: claims.tenant,
    signatureId: signature.signatureId,
    certificateKey: signature.certificateKey,
    keyedBy: documents === deps.s3 ? "function" : "tenant",
  });
  await announceSigned(deps.events, claims.tenant, signature, log);
  return json(201, signature);
}

/**
 * Enqueues `document.signed` for the tenant's webhook. The signature is made and stored whatever
 * happens here: a failure to enqueue is logged as an error (the evidence bucket still holds the
 * record) and the caller gets the receipt, rather than a 5xx that would make it sign again.
 */
async function announceSigned(
  events: WebhookPublisher | undefined,
  tenant: string,
  signature: { readonly signatureId: string; readonly document: { readonly id: string; readonly sha256: string } },
  log: Logger,
): Promise<void> {
  if (events === undefined) return;
  const data = {
    objectId: signature.document.id,
    signatureId: signature.signatureId,
    sha256: signature.document.sha256,
  };
  try {
    await events.publish("document.signed", tenant, data, [signature.signatureId]);
  } catch (error) {
    log.error("webhook event not enqueued: the signature stands, its event is missing", {
      signatureId: signature.signatureId,
      error,
    });
  }
}

/** An error of signing as the response; its details are logged, never returned. */
function errorResult(error: unknown, log: Logger): HttpApiResult {
  if (error instanceof SigningRequestError) {
    const s3 = error.cause as { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;
    log.info("request rejected", {
      code: error.code,
      field: error.field,
      ...(s3 === undefined ? {} : { s3Error: s3.name, s3Status: s3.$metadata?.httpStatusCode }),
    });
    return failure(error.status, error.code, error.field, error.message, error.issues);
  }
  if (error instanceof ClaimsError) {
    log.warn("token claims unusable", { claim: error.claim });
    return failure(
      error.status,
      error.code,
      error.claim,
      "the verified token does not name a usable tenant and subject",
    );
  }
  if (error instanceof EvidenceStoreError) {
    log.error("evidence not stored; no receipt returned", { key: error.key, error: error.cause });
    return failure(
      500,
      "evidence_not_stored",
      "",
      "the evidence record could not be stored: no signature was issued; try again",
    );
  }
  log.error("request failed", { error });
  return failure(500, "internal_error", "", "internal error");
}

// Module scope: configuration and clients are built once per Lambda container.
const settings = loadSigningSettings(process.env);

/** The Lambda entry point (`handler.handler`). */
export const handler = createSigningHandler({ ...signingDependencies(settings, process.env), settings });
