/**
 * Upload Lambda: a thin adapter from API Gateway HTTP API (payload format 2.0, JWT authorizer) to the
 * pure upload core (`core.ts`).
 *
 * - Tenant and subject come only from `requestContext.authorizer.jwt.claims` (claim names from
 *   TENANT_CLAIM / SUBJECT_CLAIM, default `tenant` / `sub`). The body never names them: the core's
 *   strict schemas refuse unknown fields (`unknown_field`).
 * - Routes: POST /v1/uploads (pre-signed POST), /v1/uploads/put, /v1/uploads/multipart,
 *   /v1/uploads/multipart/parts, /v1/uploads/multipart/complete.
 * - Responses are JSON. 200 with the core's result; errors are `{ error: { code, field, message } }`
 *   (plus `issues` for request errors): UploadRequestError → its status (400, 403 key_out_of_scope,
 *   404 unknown_upload); ClaimsError → 403 `invalid_claims`; UploadConfigError → 500 `invalid_config`
 *   (details logged, not returned); a body that is not JSON → 400 `invalid_json`; unknown route → 404
 *   `unknown_route`; other method → 405 `method_not_allowed`; anything else → 500 `internal_error`.
 *   No stack traces or S3 error details are returned.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { z } from "zod";
import { createLogger, type Logger } from "../shared/logger";
import { completeMultipartUpload, createMultipartUpload, issuePresignedPost, issuePresignedPut, presignUploadParts, type UploadClaims, type UploadDeps } from "./core";
import { parseUploadEnv, s3ClientFromEnv, type UploadSettings } from "./env";
import { ClaimsError, UploadConfigError, UploadRequestError } from "./errors";
import type { UploadConfig } from "./schema";

// ---------------------------------------------------------------------------------------------------
// Event and response

const claimValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.string())]);

export const httpApiEventSchema = z.object({
  version: z.literal("2.0"),
  routeKey: z.string().optional(),
  rawPath: z.string().optional(),
  body: z.string().optional(),
  isBase64Encoded: z.boolean().optional(),
  requestContext: z.object({
    requestId: z.string().optional(),
    http: z.object({ method: z.string(), path: z.string() }),
    authorizer: z.object({ jwt: z.object({ claims: z.record(z.string(), claimValue).optional() }).optional() }).optional(),
  }),
});

export type HttpApiEvent = z.input<typeof httpApiEventSchema>;

export interface HttpApiResult {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface ErrorBody {
  readonly error: { readonly code: string; readonly field: string; readonly message: string; readonly issues?: readonly unknown[] };
}

const HEADERS = { "content-type": "application/json", "cache-control": "no-store" } as const;

function json(statusCode: number, body: unknown): HttpApiResult {
  return { statusCode, headers: HEADERS, body: JSON.stringify(body) };
}

function failure(statusCode: number, code: string, field: string, message: string, issues?: readonly unknown[]): HttpApiResult {
  const body: ErrorBody = { error: { code, field, message, ...(issues === undefined ? {} : { issues }) } };
  return json(statusCode, body);
}

// ---------------------------------------------------------------------------------------------------
// Routes

type Operation = (deps: UploadDeps, config: UploadConfig, claims: UploadClaims, body: unknown) => Promise<unknown>;

export const ROUTES: Readonly<Record<string, Operation>> = {
  "/v1/uploads": issuePresignedPost,
  "/v1/uploads/put": issuePresignedPut,
  "/v1/uploads/multipart": createMultipartUpload,
  "/v1/uploads/multipart/parts": presignUploadParts,
  "/v1/uploads/multipart/complete": completeMultipartUpload,
};

/** The route's path: from `routeKey` (`POST /v1/uploads`) when API Gateway matched a route, else the request path. */
function routePath(event: z.output<typeof httpApiEventSchema>): string {
  const fromKey = /^[A-Z]+ (\/\S*)$/.exec(event.routeKey ?? "")?.[1];
  const path = fromKey ?? event.requestContext.http.path;
  return path.length > 1 ? path.replace(/\/+$/, "") : path;
}

/** A claim as a string; API Gateway passes JWT claims as strings, numbers or booleans. Arrays and absent claims are not usable. */
function claimString(claims: Readonly<Record<string, unknown>> | undefined, name: string): string {
  const value = claims?.[name];
  return typeof value === "string" || typeof value === "number" ? String(value) : "";
}

function parseBody(event: z.output<typeof httpApiEventSchema>): { ok: true; value: unknown } | { ok: false } {
  const raw = event.body === undefined ? "" : event.isBase64Encoded ? Buffer.from(event.body, "base64").toString("utf8") : event.body;
  try {
    return { ok: true, value: JSON.parse(raw) as unknown };
  } catch {
    return { ok: false };
  }
}

// ---------------------------------------------------------------------------------------------------
// Handler

export interface UploadHandlerDeps {
  readonly s3: S3Client;
  /** The parsed settings, or the error that parsing them raised (answered with 500 on every request). */
  readonly settings: UploadSettings | UploadConfigError;
  readonly logger?: Logger;
  /** @default crypto.randomUUID */
  readonly newId?: () => string;
}

export function createUploadHandler(deps: UploadHandlerDeps): (event: unknown, context?: { awsRequestId?: string }) => Promise<HttpApiResult> {
  const logger = deps.logger ?? createLogger("upload-presign");
  return async (rawEvent, context) => {
    const parsedEvent = httpApiEventSchema.safeParse(rawEvent);
    if (!parsedEvent.success) {
      logger.error("event is not an API Gateway HTTP API v2 event", { requestId: context?.awsRequestId, issues: parsedEvent.error.issues.map((i) => i.path.join(".")) });
      return failure(500, "internal_error", "", "internal error");
    }
    const event = parsedEvent.data;
    const log = logger.with({ requestId: event.requestContext.requestId ?? context?.awsRequestId });
    const settings = deps.settings;
    if (settings instanceof UploadConfigError) {
      log.error("configuration is invalid", { error: settings });
      return failure(500, settings.code, "", "the upload service is misconfigured");
    }

    const path = routePath(event);
    const operation = ROUTES[path];
    if (operation === undefined) return failure(404, "unknown_route", "", `no route ${path}`);
    if (event.requestContext.http.method.toUpperCase() !== "POST") return failure(405, "method_not_allowed", "", `${path} accepts POST only`);

    const jwtClaims = event.requestContext.authorizer?.jwt?.claims;
    const claims: UploadClaims = { tenant: claimString(jwtClaims, settings.tenantClaim), subject: claimString(jwtClaims, settings.subjectClaim) };
    const body = parseBody(event);
    if (!body.ok) return failure(400, "invalid_json", "", "the body must be a JSON object");

    try {
      const result = await operation({ s3: deps.s3, ...(deps.newId === undefined ? {} : { newId: deps.newId }) }, settings.config, claims, body.value);
      log.info("issued", { route: path, tenant: claims.tenant, subject: claims.subject });
      return json(200, result);
    } catch (error) {
      if (error instanceof UploadRequestError) {
        log.info("request rejected", { route: path, code: error.code, field: error.field });
        return failure(error.status, error.code, error.field, error.message, error.issues);
      }
      if (error instanceof ClaimsError) {
        log.warn("token claims unusable", { route: path, claim: error.claim, claimName: error.claim === "tenant" ? settings.tenantClaim : settings.subjectClaim });
        return failure(error.status, error.code, error.claim, "the verified token does not name a usable tenant and subject");
      }
      if (error instanceof UploadConfigError) {
        log.error("configuration error", { route: path, error });
        return failure(error.status, error.code, "", "the upload service is misconfigured");
      }
      log.error("request failed", { route: path, error });
      return failure(500, "internal_error", "", "internal error");
    }
  };
}

// Module scope: configuration and the client are built once per Lambda container. A configuration
// error is kept and answered with 500 on each request (and logged), rather than failing the init.
function loadSettings(): UploadSettings | UploadConfigError {
  try {
    return parseUploadEnv(process.env);
  } catch (error) {
    if (error instanceof UploadConfigError) return error;
    throw error;
  }
}

const settings = loadSettings();

/** The Lambda entry point (`handler.handler`). */
export const handler = createUploadHandler({
  s3: s3ClientFromEnv(settings instanceof UploadConfigError ? { AWS_REGION: process.env.AWS_REGION ?? "us-east-1", S3_FORCE_PATH_STYLE: false } : settings.env),
  settings,
});
