/**
 * Download Lambda: a thin adapter from API Gateway HTTP API (payload format 2.0, JWT authorizer;
 * functions/shared/http-api.ts) to the download core (`download.ts`).
 *
 * - Tenant and subject come only from `requestContext.authorizer.jwt.claims` (claim names from
 *   TENANT_CLAIM / SUBJECT_CLAIM, default `tenant` / `sub`); the subject becomes its pseudonym, as
 *   in the keys the upload function issued. No parameter names a tenant, a subject or a bucket.
 * - Routes: `GET /v1/objects` (the caller's clean objects, a page: `limit`, `cursor`) and
 *   `GET /v1/objects/{id}` (a pre-signed GET of at most EXPIRY_SECONDS ≤ 300 s).
 * - Responses are JSON; errors are `{ error: { code, field, message } }`: 400 `invalid_object_id` /
 *   `invalid_query`, 404 `unknown_object` (also for another subject's, another tenant's or a
 *   quarantined object: they look alike), 403 `invalid_claims`, `unknown_tenant`,
 *   `tenant_key_unavailable`, 404 `unknown_route`, 405 `method_not_allowed`, 500 `invalid_config` /
 *   `internal_error`. No stack traces or S3 error details are returned.
 * - A logical-tier tenant's objects are read and signed as the tenant's role (the tenant directory).
 */
import type { S3Client } from "@aws-sdk/client-s3";
import {
  acceptEvent,
  ClaimsError,
  failure,
  type HttpApiRequest,
  type HttpApiResult,
  json,
  requestClaims,
} from "../shared/http-api";
import { createLogger, type Logger } from "../shared/logger";
import { ownerAccess } from "../shared/owner-access";
import type { Pseudonyms } from "../shared/pseudonym";
import type { TenantDirectory } from "../shared/tenant-directory";
import { DownloadRequestError, issueDownload, listOwnObjects } from "./download";
import { DownloadConfigError, type DownloadSettings, downloadDependencies, loadDownloadSettings } from "./env";
import { type DownloadRoute, routeOf } from "./routes";

export interface DownloadHandlerDeps {
  /** The function's own client: signs for shared-tier tenants. */
  readonly s3: S3Client;
  readonly settings: DownloadSettings | DownloadConfigError;
  /** `undefined` keeps the subject claim itself (PSEUDONYMIZE_SUBJECTS=false). */
  readonly pseudonyms: Pseudonyms | undefined;
  /** Finds logical-tier tenants, whose objects are read as their role. @default - none */
  readonly tenants?: TenantDirectory<S3Client>;
  readonly logger?: Logger;
  /** The signing time. @default () => new Date() */
  readonly now?: () => Date;
}

/** Builds the handler over injected dependencies (tests); `handler` below is the Lambda entry point. */
export function createDownloadHandler(
  deps: DownloadHandlerDeps,
): (event: unknown, context?: { awsRequestId?: string }) => Promise<HttpApiResult> {
  const logger = deps.logger ?? createLogger("download-presign");
  return async (rawEvent, context) => {
    const accepted = acceptEvent(rawEvent, logger, context);
    if ("statusCode" in accepted) return accepted;
    const { event, log } = accepted;
    const settings = deps.settings;
    if (settings instanceof DownloadConfigError) {
      log.error("configuration is invalid", { error: settings });
      return failure(500, settings.code, "", "the download service is misconfigured");
    }
    const route = routeOf(event);
    if (route.kind === "unknown") return failure(404, "unknown_route", "", `no route ${route.path}`);
    if (route.kind === "method") return failure(405, "method_not_allowed", "", `${route.path} accepts GET only`);
    try {
      return await serve(deps, settings, event, route, log);
    } catch (error) {
      return errorResult(error, route, log);
    }
  };
}

/** Resolves the signer for the token's tenant and runs the route. */
async function serve(
  deps: DownloadHandlerDeps,
  settings: DownloadSettings,
  event: HttpApiRequest,
  route: DownloadRoute,
  log: Logger,
): Promise<HttpApiResult> {
  const claims = requestClaims(event, settings);
  const access = await ownerAccess(deps, claims, "its objects");
  if ("statusCode" in access) return access;
  const { client: s3, owner } = access;
  const core = { s3, ...(deps.now === undefined ? {} : { now: deps.now }) };
  const result =
    route.kind === "list"
      ? await listOwnObjects(core, settings.config, owner, event.queryStringParameters ?? {})
      : await issueDownload(core, settings.config, owner, route.id);
  log.info("served", { route: route.kind, tenant: claims.tenant, keyedBy: s3 === deps.s3 ? "function" : "tenant" });
  return json(200, result);
}

/** An error of serving as the response; its details are logged, never returned. */
function errorResult(error: unknown, route: DownloadRoute, log: Logger): HttpApiResult {
  if (error instanceof DownloadRequestError) {
    log.info("request rejected", { route: route.kind, code: error.code, field: error.field });
    return failure(error.status, error.code, error.field, error.message);
  }
  if (error instanceof ClaimsError) {
    log.warn("token claims unusable", { route: route.kind, claim: error.claim });
    return failure(
      error.status,
      error.code,
      error.claim,
      "the verified token does not name a usable tenant and subject",
    );
  }
  log.error("request failed", { route: route.kind, error });
  return failure(500, "internal_error", "", "internal error");
}

// Module scope: configuration and clients are built once per Lambda container.
const settings = loadDownloadSettings(process.env);

/** The Lambda entry point (`handler.handler`). */
export const handler = createDownloadHandler({ ...downloadDependencies(settings, process.env), settings });
