/**
 * A JSON request to an IAM-authorised API (API Gateway HTTP API, every route AWS_IAM: the operators'
 * data-subject request API), signed with Signature Version 4 for the service `execute-api`, sent with
 * the global `fetch` and given up after a timeout. What the answer means is left to the command line
 * (functions/subject-requests/operator-cli.ts, functions/evidence/manifest-cli.ts --store); this
 * module only tells an answer (any status below 500) from an endpoint that cannot serve
 * (unreachable, too slow, 5xx).
 */
import { createHash, createHmac, type Hash, type Hmac } from "node:crypto";
import { SignatureV4 } from "@smithy/signature-v4";

/** The service name API Gateway's IAM authorisation expects in the credential scope. */
export const SIGNING_SERVICE = "execute-api";

/** How long one request may take, answer included, before the client gives up. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** AWS credentials as the SDK's providers return them. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

/** Where credentials come from (`fromNodeProviderChain()` of @aws-sdk/credential-providers fits). */
export type CredentialProvider = () => Promise<AwsCredentials>;

type SourceData = string | ArrayBuffer | ArrayBufferView;

const bytesOf = (data: SourceData): Buffer =>
  typeof data === "string"
    ? Buffer.from(data, "utf8")
    : data instanceof ArrayBuffer
      ? Buffer.from(data)
      : Buffer.from(data.buffer, data.byteOffset, data.byteLength);

/**
 * SHA-256 (and, given a secret, HMAC-SHA256) from node:crypto in the shape SignatureV4 takes as its
 * `sha256` (the Hash interface of @smithy/types): @aws-crypto/sha256-js is not installed here.
 */
export class NodeSha256 {
  private readonly hash: Hash | Hmac;

  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash("sha256") : createHmac("sha256", bytesOf(secret));
  }

  update(data: SourceData): void {
    this.hash.update(bytesOf(data));
  }

  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
}

/** The endpoint cannot serve: unreachable, no answer in time, or a 5xx answer (exit 69). */
export class EndpointUnavailableError extends Error {
  override readonly name = "EndpointUnavailableError";
}

/** No credentials to sign with (exit 1): the provider chain found none, or they are unusable. */
export class CredentialsUnavailableError extends Error {
  override readonly name = "CredentialsUnavailableError";
}

export interface ApiClientOptions {
  /** The API's base URL (its stage's invoke URL); route paths are appended to its path. */
  readonly endpoint: URL;
  /** The region in the credential scope: the API's region. */
  readonly region: string;
  readonly credentials: CredentialProvider;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** The signing time. @default () => new Date() */
  readonly now?: () => Date;
  /** @default DEFAULT_TIMEOUT_MS */
  readonly timeoutMs?: number;
}

/** An answer below 500: its status, its text and the text parsed as JSON (undefined when it is not JSON). */
export interface ApiAnswer {
  readonly status: number;
  readonly text: string;
  readonly json: unknown;
}

/** The URL of `path` (e.g. `/v1/requests`) under the endpoint, which may carry a stage path. */
export function routeUrl(endpoint: URL, path: string): URL {
  const url = new URL(endpoint.href);
  url.pathname = `${endpoint.pathname.replace(/\/+$/, "")}${path}`;
  return url;
}

async function resolveCredentials(provider: CredentialProvider): Promise<AwsCredentials> {
  try {
    return await provider();
  } catch (error) {
    throw new CredentialsUnavailableError(
      `no AWS credentials to sign the request with (${(error as Error).message}); sign in first ` +
        "(e.g. aws sso login, or set AWS_PROFILE) with a role that may call the API",
    );
  }
}

/** The request's headers, signed (Authorization, X-Amz-Date, X-Amz-Content-Sha256, the token). */
export async function signedHeaders(
  options: ApiClientOptions,
  method: string,
  url: URL,
  body: string | undefined,
): Promise<Record<string, string>> {
  const credentials = await resolveCredentials(options.credentials);
  const signer = new SignatureV4({
    service: SIGNING_SERVICE,
    region: options.region,
    credentials,
    sha256: NodeSha256,
  });
  const signed = await signer.sign(
    {
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port === "" ? {} : { port: Number(url.port) }),
      path: url.pathname,
      query: {},
      headers: {
        host: url.host,
        accept: "application/json",
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body,
    },
    { signingDate: (options.now ?? (() => new Date()))() },
  );
  // fetch sets Host itself (the same value, url.host).
  const { host: _host, ...headers } = signed.headers;
  return headers;
}

/** Why a fetch failed, as the operator can act on it: the system error's code when there is one. */
function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === "string") return cause.code;
  if (typeof cause?.message === "string") return cause.message;
  return (error as Error).message;
}

async function send(options: ApiClientOptions, url: URL, init: RequestInit): Promise<{ status: number; text: string }> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const seconds = timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`;
  try {
    const response = await (options.fetch ?? globalThis.fetch)(url, {
      ...init,
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: response.status, text: await response.text() };
  } catch (error) {
    if ((error as Error).name === "TimeoutError" || (error as Error).name === "AbortError")
      throw new EndpointUnavailableError(
        `no answer from ${url.href} within ${seconds}; check the endpoint, and try again later`,
      );
    throw new EndpointUnavailableError(
      `cannot reach ${url.href} (${networkReason(error)}); check the endpoint URL and that this machine can reach it`,
    );
  }
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/**
 * The error text of an answer: the API's (`{ "error": { "code", "field", "message" } }`, the
 * project's format: functions/shared/http-api.ts; a plain `error` string too), `message` of API
 * Gateway, else the start of the text.
 */
export function errorText(answer: ApiAnswer): string {
  const body = answer.json as { error?: unknown; message?: unknown } | undefined;
  if (typeof body?.error === "string") return body.error;
  const nested = body?.error as { message?: unknown } | undefined;
  if (typeof nested?.message === "string") return nested.message;
  if (typeof body?.message === "string") return body.message;
  const text = answer.text.trim().slice(0, 200);
  return text === "" ? `HTTP ${answer.status}` : text;
}

/** The field an API error names (nested in `error`, or beside it), if any. */
export function errorField(answer: ApiAnswer): string | undefined {
  const body = answer.json as { error?: { field?: unknown }; field?: unknown } | undefined;
  const field = typeof body?.error === "object" && body.error !== null ? body.error.field : body?.field;
  return typeof field === "string" && field !== "" ? field : undefined;
}

/**
 * Sends one signed JSON request to `path` under the endpoint (a string body is sent as it is). Returns any answer below 500; throws
 * EndpointUnavailableError (unreachable, timed out, 5xx) or CredentialsUnavailableError.
 */
export async function callApi(
  options: ApiClientOptions,
  method: "GET" | "POST",
  path: string,
  body?: object | string,
): Promise<ApiAnswer> {
  const url = routeUrl(options.endpoint, path);
  const text = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
  const headers = await signedHeaders(options, method, url, text);
  const answer = await send(options, url, { method, headers, ...(text === undefined ? {} : { body: text }) });
  const parsed: ApiAnswer = { ...answer, json: parseJson(answer.text) };
  if (answer.status >= 500)
    throw new EndpointUnavailableError(`${url.href} answered ${answer.status}: ${errorText(parsed)}; try again later`);
  return parsed;
}
