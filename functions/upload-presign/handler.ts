/**
 * Upload Lambda: a thin adapter from API Gateway HTTP API (payload format 2.0, JWT authorizer;
 * `http-api.ts`) to the routes (`routes.ts`) over the pure pre-signing module (`presign.ts`).
 *
 * - Tenant and subject come only from `requestContext.authorizer.jwt.claims` (claim names from
 *   TENANT_CLAIM / SUBJECT_CLAIM, default `tenant` / `sub`). The body never names them: the
 *   strict request schemas (`schema.ts`) refuse unknown fields (`unknown_field`).
 * - Routes: POST /v1/uploads (pre-signed POST), /v1/uploads/put, /v1/uploads/multipart,
 *   /v1/uploads/multipart/parts, /v1/uploads/multipart/complete.
 * - Responses are JSON. 200 with the pre-signing result; errors are `{ error: { code, field, message } }`
 *   (plus `issues` for request errors): UploadRequestError → its status (400, 403 key_out_of_scope,
 *   404 unknown_upload); ClaimsError → 403 `invalid_claims`; UploadConfigError → 500 `invalid_config`
 *   (details logged, not returned); a body that is not JSON → 400 `invalid_json`; unknown route → 404
 *   `unknown_route`; other method → 405 `method_not_allowed`; anything else → 500 `internal_error`.
 *   No stack traces or S3 error details are returned.
 * - A logical-tier tenant (found through the tenant directory, functions/shared/tenant-directory.ts)
 *   gets URLs signed as its own role, under its own key: deleting that key shreds its uploads. Its
 *   key not enabled → 403 `tenant_key_unavailable`; the directory failing → 500 (never the shared key).
 * - As the commercial standby during a sovereign outage (PSEUDONYM_DOMAIN=standby, env.ts): keys hold
 *   the standby pseudonym, every upload carries the sealed tenant and subject (`sealed-subject`,
 *   signed); claims too long to seal → 400 `claims_too_long` naming the subject claim.
 */

import { acceptEvent, failure, type HttpApiResult, parseBody, requestClaims } from "../shared/http-api";
import { createLogger, type Logger } from "../shared/logger";
import { loadUploadSettings, type UploadSettings, uploadDependencies } from "./env";
import { ClaimsError, UploadConfigError, UploadRequestError } from "./errors";
import { type IssueDeps, issue, ROUTES, routePath } from "./routes";

/**
 * The handler's dependencies: the sealing key is not one of them, it comes from the settings (the
 * environment's SUBJECT_SEALING_PUBLIC_KEY), so a standby can never be wired to upload unsealed.
 */
export interface UploadHandlerDeps extends Omit<IssueDeps, "sealingKey"> {
  /** The parsed settings, or the error that parsing them raised (answered with 500 on every request). */
  readonly settings: UploadSettings | UploadConfigError;
  readonly logger?: Logger;
}

/** Builds the handler over injected dependencies (tests); `handler` below is the Lambda entry point. */
export function createUploadHandler(
  deps: UploadHandlerDeps,
): (event: unknown, context?: { awsRequestId?: string }) => Promise<HttpApiResult> {
  const logger = deps.logger ?? createLogger("upload-presign");
  return async (rawEvent, context) => {
    const accepted = acceptEvent(rawEvent, logger, context);
    if ("statusCode" in accepted) return accepted;
    const { event, log } = accepted;
    const settings = deps.settings;
    if (settings instanceof UploadConfigError) {
      log.error("configuration is invalid", { error: settings });
      return failure(500, settings.code, "", "the upload service is misconfigured");
    }

    const path = routePath(event);
    const operation = ROUTES[path];
    if (operation === undefined) return failure(404, "unknown_route", "", `no route ${path}`);
    if (event.requestContext.http.method.toUpperCase() !== "POST")
      return failure(405, "method_not_allowed", "", `${path} accepts POST only`);

    const claims = requestClaims(event, settings);
    const body = parseBody(event);
    if (!body.ok) return failure(400, "invalid_json", "", "the body must be a JSON object");

    try {
      const sealing = settings.sealingKey === undefined ? {} : { sealingKey: settings.sealingKey };
      return await issue(
        { ...deps, ...sealing },
        {
          route: path,
          operation,
          config: settings.config,
          claims,
          body: body.value,
          log,
          subjectClaim: settings.subjectClaim,
        },
      );
    } catch (error) {
      return errorResult(error, path, settings, log);
    }
  };
}

/** An error of issuing as the response (above); its details are logged, never returned. */
function errorResult(error: unknown, path: string, settings: UploadSettings, log: Logger): HttpApiResult {
  if (error instanceof UploadRequestError) {
    log.info("request rejected", { route: path, code: error.code, field: error.field });
    return failure(error.status, error.code, error.field, error.message, error.issues);
  }
  if (error instanceof ClaimsError) {
    log.warn("token claims unusable", {
      route: path,
      claim: error.claim,
      claimName: error.claim === "tenant" ? settings.tenantClaim : settings.subjectClaim,
    });
    return failure(
      error.status,
      error.code,
      error.claim,
      "the verified token does not name a usable tenant and subject",
    );
  }
  if (error instanceof UploadConfigError) {
    log.error("configuration error", { route: path, error });
    return failure(error.status, error.code, "", "the upload service is misconfigured");
  }
  log.error("request failed", { route: path, error });
  return failure(500, "internal_error", "", "internal error");
}

// Module scope: configuration and the clients are built once per Lambda container. A configuration
// error is kept and answered with 500 on each request (and logged), rather than failing the init.
const settings = loadUploadSettings(process.env);

/** The Lambda entry point (`handler.handler`). */
export const handler = createUploadHandler(uploadDependencies(settings, process.env));
