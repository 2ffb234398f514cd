/**
 * A stand-in for the data-subject request API's API Gateway (HTTP API, every route authorised with
 * AWS_IAM) on 127.0.0.1: it matches the four routes, verifies each request's Signature Version 4
 * against a table of test credentials the way IAM authorisation does (service `execute-api`, the
 * gateway's region, at most 5 minutes of clock skew, the body's hash), answers 403
 * `{"message":"Forbidden"}` when that fails, and otherwise hands the request to a handler as an
 * API Gateway payload format 2.0 event, returning the handler's answer.
 *
 * What it does not do: IAM policy evaluation (any known key may call any route), SigV4 in query
 * strings, base64 bodies, and API Gateway's own throttling and size limits.
 */
import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { SignatureV4 } from "@smithy/signature-v4";
import { NodeSha256, SIGNING_SERVICE } from "../../../functions/shared/iam-api-client";

/** A test credential's secret and the principal it stands for. */
export interface TestPrincipal {
  readonly secretAccessKey: string;
  /** The caller's ARN, as `requestContext.authorizer.iam.userArn`. */
  readonly userArn: string;
  /** @default - an AIDA… ID derived from the access key */
  readonly userId?: string;
  /** When set, requests must carry it as X-Amz-Security-Token. */
  readonly sessionToken?: string;
}

/** `requestContext.authorizer.iam` of an IAM-authorised HTTP API. */
export interface IamAuthorizer {
  readonly accessKey: string;
  readonly accountId: string;
  readonly callerId: string;
  readonly cognitoIdentity: null;
  readonly principalOrgId: null;
  readonly userArn: string;
  readonly userId: string;
}

/** An API Gateway HTTP API event, payload format version 2.0. */
export interface GatewayEvent {
  readonly version: "2.0";
  readonly routeKey: string;
  readonly rawPath: string;
  readonly rawQueryString: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly queryStringParameters?: Readonly<Record<string, string>>;
  readonly pathParameters?: Readonly<Record<string, string>>;
  readonly requestContext: {
    readonly accountId: string;
    readonly apiId: string;
    readonly domainName: string;
    readonly domainPrefix: string;
    readonly http: {
      readonly method: string;
      readonly path: string;
      readonly protocol: string;
      readonly sourceIp: string;
      readonly userAgent: string;
    };
    readonly authorizer: { readonly iam: IamAuthorizer };
    readonly requestId: string;
    readonly routeKey: string;
    readonly stage: "$default";
    readonly time: string;
    readonly timeEpoch: number;
  };
  readonly body?: string;
  readonly isBase64Encoded: false;
}

/** What a Lambda behind an HTTP API answers (the structured 2.0 response). */
export interface GatewayResult {
  readonly statusCode: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

export type GatewayHandler = (event: GatewayEvent) => Promise<GatewayResult>;

/** The API's routes: method, path pattern, and the name of its one path parameter. */
export const ROUTES = [
  { routeKey: "POST /v1/requests", method: "POST", pattern: /^\/v1\/requests$/ },
  { routeKey: "POST /v1/requests/{id}/approve", method: "POST", pattern: /^\/v1\/requests\/([^/]+)\/approve$/ },
  { routeKey: "POST /v1/requests/{id}/reject", method: "POST", pattern: /^\/v1\/requests\/([^/]+)\/reject$/ },
  { routeKey: "GET /v1/requests/{id}", method: "GET", pattern: /^\/v1\/requests\/([^/]+)$/ },
  { routeKey: "POST /v1/deployments", method: "POST", pattern: /^\/v1\/deployments$/ },
] as const;

export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

export interface IamGatewayOptions {
  /** The region the gateway is in: credential scopes must name it. */
  readonly region: string;
  /** Access key ID → its secret and principal. */
  readonly principals: Readonly<Record<string, TestPrincipal>>;
  readonly handler: GatewayHandler;
  /** The gateway's clock. @default () => new Date() */
  readonly now?: () => Date;
}

/** Why the gateway refused a request (the client sees only `Forbidden`; tests read this). */
export interface Rejection {
  readonly routeKey: string;
  readonly reason: string;
}

export interface IamGateway {
  /** `http://127.0.0.1:<port>`: the endpoint to give the client. */
  readonly url: string;
  /** Every refused request, oldest first. */
  readonly rejections: Rejection[];
  close(): Promise<void>;
}

/** A request as the verifier sees it. */
export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly rawQueryString: string;
  /** Lower-case names; repeated headers joined with ",". */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

export type Verification =
  | { readonly ok: true; readonly accessKey: string; readonly principal: TestPrincipal }
  | { readonly ok: false; readonly reason: string };

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;

function parseQuery(raw: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(raw)) {
    const before = query[name];
    query[name] = before === undefined ? value : [...(Array.isArray(before) ? before : [before]), value];
  }
  return query;
}

const amzDate = (text: string): Date | undefined => {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  return m === null ? undefined : new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`);
};

/** The claims of the Authorization header checked against the table, the region and the clock. */
function checkClaims(request: ReceivedRequest, options: IamGatewayOptions, now: Date): Verification {
  const match = AUTHORIZATION.exec(request.headers.authorization ?? "");
  if (match === null) return { ok: false, reason: "missing or malformed Authorization header" };
  const [, accessKey = "", scopeDate, region, service, signedHeaders = ""] = match;
  const principal = options.principals[accessKey];
  if (principal === undefined) return { ok: false, reason: `unknown access key ${accessKey}` };
  if (service !== SIGNING_SERVICE) return { ok: false, reason: `credential scope names service ${service}` };
  if (region !== options.region) return { ok: false, reason: `credential scope names region ${region}` };
  const names = signedHeaders.split(";");
  if (!names.includes("host") || !names.includes("x-amz-date"))
    return { ok: false, reason: "host and x-amz-date must be signed" };
  const date = amzDate(request.headers["x-amz-date"] ?? "");
  if (date === undefined) return { ok: false, reason: "missing or malformed X-Amz-Date" };
  if (request.headers["x-amz-date"]?.slice(0, 8) !== scopeDate)
    return { ok: false, reason: "credential scope date is not the X-Amz-Date's" };
  if (Math.abs(now.getTime() - date.getTime()) > MAX_CLOCK_SKEW_MS)
    return {
      ok: false,
      reason: `signature expired: clock skew of ${Math.round((now.getTime() - date.getTime()) / 1000)} s`,
    };
  const claimed = request.headers["x-amz-content-sha256"];
  if (claimed !== undefined && claimed !== createHash("sha256").update(request.body).digest("hex"))
    return { ok: false, reason: "X-Amz-Content-Sha256 is not the body's hash" };
  if (principal.sessionToken !== undefined && request.headers["x-amz-security-token"] !== principal.sessionToken)
    return { ok: false, reason: "missing or wrong security token" };
  return { ok: true, accessKey, principal };
}

/**
 * Verifies a request's SigV4 signature (Authorization header) as IAM authorisation does: the claims
 * first, then the signature recomputed with @smithy/signature-v4 over exactly the signed headers.
 */
export async function verifySigV4(request: ReceivedRequest, options: IamGatewayOptions): Promise<Verification> {
  const claims = checkClaims(request, options, (options.now ?? (() => new Date()))());
  if (!claims.ok) return claims;
  const [, , , , , signedHeaders = "", signature = ""] = AUTHORIZATION.exec(request.headers.authorization ?? "") ?? [];
  const headers = Object.fromEntries(signedHeaders.split(";").map((name) => [name, request.headers[name] ?? ""]));
  const token = request.headers["x-amz-security-token"];
  const signer = new SignatureV4({
    service: SIGNING_SERVICE,
    region: options.region,
    credentials: {
      accessKeyId: claims.accessKey,
      secretAccessKey: claims.principal.secretAccessKey,
      ...(token === undefined ? {} : { sessionToken: token }),
    },
    sha256: NodeSha256,
    applyChecksum: false,
  });
  const recomputed = await signer.sign(
    {
      method: request.method,
      protocol: "http:",
      hostname: (request.headers.host ?? "").replace(/:\d+$/, ""),
      path: request.path,
      query: parseQuery(request.rawQueryString),
      headers,
      body: request.body,
    },
    { signingDate: amzDate(request.headers["x-amz-date"] ?? "") ?? new Date(0) },
  );
  const expected = AUTHORIZATION.exec(recomputed.headers.authorization ?? "");
  if (expected?.[5] !== signedHeaders) return { ok: false, reason: "signed headers do not match the request" };
  const same = timingSafeEqual(Buffer.from(expected[6] ?? "", "hex"), Buffer.from(signature, "hex"));
  return same ? claims : { ok: false, reason: "signature does not match (wrong secret, or the request was changed)" };
}

/** Lower-case header names, repeated values joined with "," (as API Gateway's 2.0 events carry them). */
function lowerHeaders(message: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers))
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(",") : value;
  return out;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const pad = (n: number) => String(n).padStart(2, "0");

/** API Gateway's `requestContext.time`: `12/Mar/2020:19:03:58 +0000`. */
export function gatewayTime(date: Date): string {
  return `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

function iamAuthorizer(accessKey: string, principal: TestPrincipal): IamAuthorizer {
  const userId =
    principal.userId ?? `AIDA${createHash("sha256").update(accessKey).digest("hex").slice(0, 17).toUpperCase()}`;
  return {
    accessKey,
    accountId: principal.userArn.split(":")[4] ?? "",
    callerId: userId,
    cognitoIdentity: null,
    principalOrgId: null,
    userArn: principal.userArn,
    userId,
  };
}

/** The 2.0 event of a verified request on `route`. */
export function gatewayEvent(
  request: ReceivedRequest,
  route: { readonly routeKey: string; readonly id?: string },
  authorizer: IamAuthorizer,
  sourceIp: string,
  now: Date,
): GatewayEvent {
  const query = Object.fromEntries(new URLSearchParams(request.rawQueryString));
  const host = request.headers.host ?? "";
  return {
    version: "2.0",
    routeKey: route.routeKey,
    rawPath: request.path,
    rawQueryString: request.rawQueryString,
    headers: request.headers,
    ...(request.rawQueryString === "" ? {} : { queryStringParameters: query }),
    ...(route.id === undefined ? {} : { pathParameters: { id: route.id } }),
    requestContext: {
      accountId: authorizer.accountId,
      apiId: "iamgateway",
      domainName: host,
      domainPrefix: host.split(".")[0] ?? host,
      http: {
        method: request.method,
        path: request.path,
        protocol: "HTTP/1.1",
        sourceIp,
        userAgent: request.headers["user-agent"] ?? "",
      },
      authorizer: { iam: authorizer },
      requestId: randomUUID(),
      routeKey: route.routeKey,
      stage: "$default",
      time: gatewayTime(now),
      timeEpoch: now.getTime(),
    },
    ...(request.body.length === 0 ? {} : { body: request.body.toString("utf8") }),
    isBase64Encoded: false,
  };
}

function matchRoute(method: string, path: string): { routeKey: string; id?: string } | undefined {
  for (const route of ROUTES) {
    const match = route.pattern.exec(path);
    if (match !== null && route.method === method)
      return match[1] === undefined
        ? { routeKey: route.routeKey }
        : { routeKey: route.routeKey, id: decodeURIComponent(match[1]) };
  }
  return undefined;
}

function answer(response: ServerResponse, result: GatewayResult): void {
  response.writeHead(result.statusCode, { "content-type": "application/json", ...result.headers });
  response.end(result.body ?? "");
}

const message = (statusCode: number, text: string): GatewayResult => ({
  statusCode,
  body: JSON.stringify({ message: text }),
});

async function serve(
  incoming: IncomingMessage,
  response: ServerResponse,
  options: IamGatewayOptions,
  rejections: Rejection[],
) {
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  const url = new URL(incoming.url ?? "/", "http://gateway");
  const request: ReceivedRequest = {
    method: incoming.method ?? "GET",
    path: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ""),
    headers: lowerHeaders(incoming),
    body: Buffer.concat(chunks),
  };
  const route = matchRoute(request.method, request.path);
  if (route === undefined) return answer(response, message(404, "Not Found"));
  const verified = await verifySigV4(request, options);
  if (!verified.ok) {
    rejections.push({ routeKey: route.routeKey, reason: verified.reason });
    return answer(response, message(403, "Forbidden"));
  }
  const now = (options.now ?? (() => new Date()))();
  const event = gatewayEvent(
    request,
    route,
    iamAuthorizer(verified.accessKey, verified.principal),
    incoming.socket.remoteAddress ?? "",
    now,
  );
  try {
    answer(response, await options.handler(event));
  } catch {
    answer(response, message(500, "Internal Server Error"));
  }
}

/** Starts the gateway on 127.0.0.1 and a free port. */
export async function startIamGateway(options: IamGatewayOptions): Promise<IamGateway> {
  const rejections: Rejection[] = [];
  const server = createServer((incoming, response) => {
    serve(incoming, response, options, rejections).catch(() => answer(response, message(500, "Internal Server Error")));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    rejections,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error === undefined ? resolve() : reject(error)));
      }),
  };
}
