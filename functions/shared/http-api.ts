/**
 * The functions' side of API Gateway HTTP API (payload format 2.0, JWT authorizer): the event
 * schema, the JSON responses (`{ error: { code, field, message, issues? } }` for errors), and what a
 * request carries: the verified token's claims, the JSON body, path and query parameters.
 */
import { z } from "zod";
import type { Logger } from "./logger";

/** Tenant and subject, from the verified JWT (the authorizer's claims), never from the request. */
export interface TokenClaims {
  readonly tenant: string;
  readonly subject: string;
}

/** The verified token's tenant or subject is unusable (HTTP 403 `invalid_claims`). */
export class ClaimsError extends Error {
  readonly code = "invalid_claims";
  readonly status = 403;

  constructor(
    readonly claim: "tenant" | "subject",
    message: string,
  ) {
    super(`${claim}: ${message}`);
    this.name = "ClaimsError";
  }
}

const claimValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.string())]);

export const httpApiEventSchema = z.object({
  version: z.literal("2.0"),
  routeKey: z.string().optional(),
  rawPath: z.string().optional(),
  body: z.string().optional(),
  isBase64Encoded: z.boolean().optional(),
  pathParameters: z.record(z.string(), z.string()).optional(),
  queryStringParameters: z.record(z.string(), z.string()).optional(),
  requestContext: z.object({
    requestId: z.string().optional(),
    http: z.object({ method: z.string(), path: z.string() }),
    authorizer: z
      .object({ jwt: z.object({ claims: z.record(z.string(), claimValue).optional() }).optional() })
      .optional(),
  }),
});

export type HttpApiEvent = z.input<typeof httpApiEventSchema>;
/** The event as parsed: the fields the function reads. */
export type HttpApiRequest = z.output<typeof httpApiEventSchema>;

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

/**
 * The event as the functions read it, and a logger bound to its request ID; or, for what is not an
 * HTTP API v2 event (a deployment mistake), the logged 500 to answer with.
 */
export function acceptEvent(
  rawEvent: unknown,
  logger: Logger,
  context: { awsRequestId?: string } | undefined,
): { readonly event: HttpApiRequest; readonly log: Logger } | HttpApiResult {
  const parsed = httpApiEventSchema.safeParse(rawEvent);
  if (!parsed.success) {
    logger.error("event is not an API Gateway HTTP API v2 event", {
      requestId: context?.awsRequestId,
      issues: parsed.error.issues.map((i) => i.path.join(".")),
    });
    return failure(500, "internal_error", "", "internal error");
  }
  const event = parsed.data;
  return { event, log: logger.with({ requestId: event.requestContext.requestId ?? context?.awsRequestId }) };
}

export function json(statusCode: number, body: unknown): HttpApiResult {
  return { statusCode, headers: HEADERS, body: JSON.stringify(body) };
}

export function failure(
  statusCode: number,
  code: string,
  field: string,
  message: string,
  issues?: readonly unknown[],
): HttpApiResult {
  const body: ErrorBody = { error: { code, field, message, ...(issues === undefined ? {} : { issues }) } };
  return json(statusCode, body);
}

/** A claim as a string; API Gateway passes JWT claims as strings, numbers or booleans. Arrays and absent claims are not usable. */
function claimString(claims: Readonly<Record<string, unknown>> | undefined, name: string): string {
  const value = claims?.[name];
  return typeof value === "string" || typeof value === "number" ? String(value) : "";
}

/** Tenant and subject from the verified token's claims of these names (never from the body); "" when unusable. */
export function requestClaims(
  event: HttpApiRequest,
  names: { readonly tenantClaim: string; readonly subjectClaim: string },
): TokenClaims {
  const jwtClaims = event.requestContext.authorizer?.jwt?.claims;
  return { tenant: claimString(jwtClaims, names.tenantClaim), subject: claimString(jwtClaims, names.subjectClaim) };
}

/** A path segment decoded; as it is when it is not valid percent-encoding (the caller's checks refuse it). */
export function decodedPathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The request body as text (API Gateway base64-encodes bodies it does not take for text); "" without one. */
export function bodyText(event: {
  readonly body?: string | undefined;
  readonly isBase64Encoded?: boolean | undefined;
}): string {
  if (event.body === undefined) return "";
  return event.isBase64Encoded ? Buffer.from(event.body, "base64").toString("utf8") : event.body;
}

export function parseBody(event: HttpApiRequest): { ok: true; value: unknown } | { ok: false } {
  const raw = bodyText(event);
  try {
    return { ok: true, value: JSON.parse(raw) as unknown };
  } catch {
    return { ok: false };
  }
}
