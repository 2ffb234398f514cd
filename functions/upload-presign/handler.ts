/**
 * Upload Lambda: a thin adapter from API Gateway HTTP API (payload format 2.0, JWT authorizer) to the
 * pure pre-signing module (`presign.ts`).
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
 */
import { KMSClient } from "@aws-sdk/client-kms";
import type { S3Client } from "@aws-sdk/client-s3";
import { z } from "zod";
import { createLogger, type Logger } from "../shared/logger";
import { kmsMac, Pseudonyms } from "../shared/pseudonym";
import type { TenantDirectory } from "../shared/tenant-directory";
import { tenantDirectoryFromEnv } from "../shared/tenant-env";
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
    authorizer: z
      .object({ jwt: z.object({ claims: z.record(z.string(), claimValue).optional() }).optional() })
      .optional(),
  }),
});

export type HttpApiEvent = z.input<typeof httpApiEventSchema>;

export interface HttpApiResult {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface ErrorBody {
  readonly error: {
    readonly code: string;
    readonly field: string;
    readonly message: string;
    readonly issues?: readonly unknown[];
  };
}

const HEADERS = { "content-type": "application/json", "cache-control": "no-store" } as const;

function json(statusCode: number, body: unknown): HttpApiResult {
  return { statusCode, headers: HEADERS, body: JSON.stringify(body) };
}

function failure(
  statusCode: number,
  code: string,
  field: string,
  message: string,
  issues?: readonly unknown[],
): HttpApiResult {
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
  const raw =
    event.body === undefined
      ? ""
      : event.isBase64Encoded
        ? Buffer.from(event.body, "base64").toString("utf8")
        : event.body;
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
}

/** How one request is signed: the function's client and the data-class key, or the tenant's role and key. */
async function signerFor(
  deps: UploadHandlerDeps,
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

export function createUploadHandler(
  deps: UploadHandlerDeps,
): (event: unknown, context?: { awsRequestId?: string }) => Promise<HttpApiResult> {
  const logger = deps.logger ?? createLogger("upload-presign");
  return async (rawEvent, context) => {
    const parsedEvent = httpApiEventSchema.safeParse(rawEvent);
    if (!parsedEvent.success) {
      logger.error("event is not an API Gateway HTTP API v2 event", {
        requestId: context?.awsRequestId,
        issues: parsedEvent.error.issues.map((i) => i.path.join(".")),
      });
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
    if (event.requestContext.http.method.toUpperCase() !== "POST")
      return failure(405, "method_not_allowed", "", `${path} accepts POST only`);

    const jwtClaims = event.requestContext.authorizer?.jwt?.claims;
    const claims: UploadClaims = {
      tenant: claimString(jwtClaims, settings.tenantClaim),
      subject: claimString(jwtClaims, settings.subjectClaim),
    };
    const body = parseBody(event);
    if (!body.ok) return failure(400, "invalid_json", "", "the body must be a JSON object");

    try {
      const signer = await signerFor(deps, claims);
      if ("statusCode" in signer) {
        log.warn("upload refused for the tenant", {
          route: path,
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
      const result = await operation(signer.deps, settings.config, scoped, body.value);
      log.info("issued", {
        route: path,
        tenant: claims.tenant,
        subjectPseudonym: deps.pseudonyms === undefined ? undefined : scoped.subject,
        keyedBy: signer.keyedBy,
      });
      return json(200, result);
    } catch (error) {
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
  s3: s3ClientFromEnv(
    settings instanceof UploadConfigError
      ? { AWS_REGION: process.env.AWS_REGION ?? "us-east-1", S3_FORCE_PATH_STYLE: false }
      : settings.env,
  ),
  settings,
  pseudonyms: settings instanceof UploadConfigError ? undefined : uploadPseudonyms(settings),
  ...(settings instanceof UploadConfigError ? {} : { tenants: uploadTenantDirectory(settings) }),
});

/** The pseudonyms of the environment's HMAC key (KMS GenerateMac through the VPC endpoint), or none when turned off. */
export function uploadPseudonyms(settings: UploadSettings): Pseudonyms | undefined {
  const { env } = settings;
  if (env.PSEUDONYMIZE_SUBJECTS === "false" || env.PSEUDONYM_KEY_ID === undefined) return undefined;
  return new Pseudonyms(
    kmsMac(
      new KMSClient({
        region: env.AWS_REGION,
        ...(env.KMS_ENDPOINT === undefined ? {} : { endpoint: env.KMS_ENDPOINT }),
      }),
      env.PSEUDONYM_KEY_ID,
    ),
  );
}

/** Tenant credentials outlive every URL signed with them: renewed when less than the URL lifetime plus a minute remains. */
export function uploadTenantDirectory(settings: UploadSettings): TenantDirectory<S3Client> | undefined {
  return tenantDirectoryFromEnv(settings.env, {
    defaultSessionName: "upload-presign",
    minRemainingSeconds: settings.config.expirySeconds + 60,
    clientFor: (credentials) => s3ClientFromEnv(settings.env, credentials),
  });
}
