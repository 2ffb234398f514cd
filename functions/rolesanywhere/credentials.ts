/**
 * Temporary AWS credentials from IAM Roles Anywhere `CreateSession`, as an AWS SDK v3 credential
 * provider: `new S3Client({ credentials: fromRolesAnywhere({...}) })`.
 *
 * - The session is cached and refreshed `refreshMarginSeconds` before it expires.
 * - Concurrent callers share one in-flight refresh (one CreateSession per refresh).
 * - A failed refresh raises `CreateSessionError` and leaves the cache as it was; the next call
 *   tries again.
 * - Certificate and key come from a loader that runs at every refresh, so a rotated certificate
 *   (file, Secrets Manager) is used from the next refresh on.
 */
import { readFile } from "node:fs/promises";
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";
import {
  type CreateSessionParameters,
  prepareSigningMaterial,
  type SignedCreateSession,
  type SigningMaterial,
  type SigningMaterialInput,
  signCreateSession,
} from "./signer";

/** The shape AWS SDK v3 clients accept from a `credentials` provider. */
export interface RolesAnywhereCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
}

/** `CreateSession` failed: HTTP status (absent for network errors) and the service's message. */
export class CreateSessionError extends Error {
  override readonly name = "CreateSessionError";
  /** HTTP status of the response; undefined when no response arrived. */
  readonly status: number | undefined;
  /** The service's `message`, or the response text, or the network error. */
  readonly serviceMessage: string;
  /** `x-amzn-ErrorType` / `__type` of the response, when present (`AccessDeniedException`). */
  readonly errorType: string | undefined;
  readonly requestId: string | undefined;

  constructor(
    details: { status?: number; serviceMessage: string; errorType?: string; requestId?: string; url: string },
    options?: { cause?: unknown },
  ) {
    const what =
      details.status === undefined
        ? "no response"
        : `HTTP ${details.status}${details.errorType ? ` ${details.errorType}` : ""}`;
    super(`IAM Roles Anywhere CreateSession at ${details.url} failed (${what}): ${details.serviceMessage}`, options);
    this.status = details.status;
    this.serviceMessage = details.serviceMessage;
    this.errorType = details.errorType;
    this.requestId = details.requestId;
  }
}

export type SigningMaterialLoader = () =>
  | SigningMaterialInput
  | SigningMaterial
  | Promise<SigningMaterialInput | SigningMaterial>;

export interface CreateSessionOptions extends CreateSessionParameters {
  /** Region of the trust anchor. */
  readonly region: string;
  /** @default - `https://rolesanywhere.<region>.<dnsSuffix>` from the partition table */
  readonly endpoint?: string;
  /** Timeout of one CreateSession request in milliseconds. @default 10000 */
  readonly timeoutMs?: number;
}

/** One `CreateSession` result. */
export interface CreateSessionResult {
  readonly credentials: RolesAnywhereCredentials;
  /** `expiration` exactly as the service wrote it. */
  readonly expirationText: string;
  readonly request: SignedCreateSession;
}

interface HttpResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
}

const MAX_RESPONSE_BYTES = 1024 * 1024;

function post(signed: SignedCreateSession, timeoutMs: number): Promise<HttpResponse> {
  const url = new URL(signed.url);
  const send = url.protocol === "http:" ? httpRequest : httpsRequest;
  const body = Buffer.from(signed.body, "utf8");
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method: signed.method,
        headers: { ...signed.headers, "Content-Length": String(body.length) },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_RESPONSE_BYTES) {
            req.destroy(new Error(`response larger than ${MAX_RESPONSE_BYTES} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }),
        );
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no response within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(body);
  });
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function field(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

function errorFromResponse(url: string, res: HttpResponse): CreateSessionError {
  const json = parseJson(res.text);
  const message = field(json, "message") ?? field(json, "Message");
  const rawType = header(res.headers, "x-amzn-errortype") ?? field(json, "__type");
  const errorType =
    typeof rawType === "string" && rawType !== "" ? (rawType.split(":")[0]?.split("#").pop() ?? rawType) : undefined;
  const text = res.text.trim();
  const serviceMessage =
    typeof message === "string" && message !== ""
      ? message
      : text !== ""
        ? text.slice(0, 500)
        : "(empty response body)";
  return new CreateSessionError({
    status: res.status,
    serviceMessage,
    errorType,
    requestId: header(res.headers, "x-amzn-requestid"),
    url,
  });
}

function credentialsFromResponse(
  url: string,
  res: HttpResponse,
): { credentials: RolesAnywhereCredentials; expirationText: string } {
  const bad = (why: string) =>
    new CreateSessionError({
      status: res.status,
      serviceMessage: `unexpected response: ${why}`,
      requestId: header(res.headers, "x-amzn-requestid"),
      url,
    });
  const json = parseJson(res.text);
  if (json === undefined) throw bad("body is not JSON");
  const set = field(json, "credentialSet");
  if (!Array.isArray(set) || set.length === 0) throw bad("no credentialSet[0]");
  const c = field(set[0], "credentials");
  const accessKeyId = field(c, "accessKeyId");
  const secretAccessKey = field(c, "secretAccessKey");
  const sessionToken = field(c, "sessionToken");
  const expirationText = field(c, "expiration");
  for (const [name, value] of Object.entries({
    accessKeyId,
    secretAccessKey,
    sessionToken,
    expiration: expirationText,
  })) {
    if (typeof value !== "string" || value === "") throw bad(`credentialSet[0].credentials.${name} is missing`);
  }
  const expiration = new Date(expirationText as string);
  if (Number.isNaN(expiration.getTime()))
    throw bad(`credentialSet[0].credentials.expiration "${String(expirationText)}" is not a date`);
  return {
    credentials: Object.freeze({
      accessKeyId: accessKeyId as string,
      secretAccessKey: secretAccessKey as string,
      sessionToken: sessionToken as string,
      expiration,
    }),
    expirationText: expirationText as string,
  };
}

/** Signs and sends one `CreateSession` request (no caching). */
export async function createSession(
  options: CreateSessionOptions,
  material: SigningMaterialInput | SigningMaterial,
  date: Date = new Date(),
): Promise<CreateSessionResult> {
  const request = signCreateSession({ ...options, material, date });
  let res: HttpResponse;
  try {
    res = await post(request, options.timeoutMs ?? 10_000);
  } catch (error) {
    throw new CreateSessionError({ serviceMessage: (error as Error).message, url: request.url }, { cause: error });
  }
  if (res.status < 200 || res.status > 299) throw errorFromResponse(request.url, res);
  return { ...credentialsFromResponse(request.url, res), request };
}

/** Reads certificate, key and (optional) intermediates from files at every call. */
export function fileSigningMaterialLoader(paths: {
  readonly certificate: string;
  readonly privateKey: string;
  readonly intermediates?: string;
}): SigningMaterialLoader {
  return async () => {
    const [certificate, privateKey, intermediates] = await Promise.all([
      readFile(paths.certificate),
      readFile(paths.privateKey),
      paths.intermediates === undefined ? undefined : readFile(paths.intermediates),
    ]);
    return { certificate, privateKey, intermediates };
  };
}

/** What a refresh obtained; for metrics (credential acquisitions per N events). */
export interface SessionEvent {
  readonly serialDecimal: string;
  readonly expiration: Date;
  readonly refreshAt: Date;
}

export interface RolesAnywhereProviderOptions extends CreateSessionOptions {
  /** Returns certificate, key and intermediates; called at every refresh (picks up rotation). */
  readonly loadSigningMaterial: SigningMaterialLoader;
  /**
   * Refresh this many seconds before the session expires (at most half the session's lifetime).
   * @default 300
   */
  readonly refreshMarginSeconds?: number;
  /** Clock in epoch milliseconds (tests). @default - Date.now */
  readonly now?: () => number;
  /** Called after each successful CreateSession. @default - nothing */
  readonly onSession?: (event: SessionEvent) => void;
}

/** An AWS SDK v3 credential provider; `invalidate()` drops the cached session. */
export interface RolesAnywhereCredentialProvider {
  (options?: { readonly forceRefresh?: boolean }): Promise<RolesAnywhereCredentials>;
  invalidate(): void;
}

/** A cached, refreshing credential provider over `CreateSession`. */
export function fromRolesAnywhere(options: RolesAnywhereProviderOptions): RolesAnywhereCredentialProvider {
  const marginMs = (options.refreshMarginSeconds ?? 300) * 1000;
  if (!Number.isFinite(marginMs) || marginMs < 0)
    throw new RangeError(`refreshMarginSeconds must be a number >= 0 (value: ${options.refreshMarginSeconds})`);
  const now = options.now ?? Date.now;
  let cached: { credentials: RolesAnywhereCredentials; refreshAt: number } | undefined;
  let inflight: Promise<RolesAnywhereCredentials> | undefined;

  const refresh = async (): Promise<RolesAnywhereCredentials> => {
    const material = prepareSigningMaterial(await options.loadSigningMaterial());
    const started = now();
    const { credentials } = await createSession(options, material, new Date(started));
    const lifetime = credentials.expiration.getTime() - started;
    const refreshAt = credentials.expiration.getTime() - Math.min(marginMs, Math.max(lifetime, 0) / 2);
    cached = { credentials, refreshAt };
    options.onSession?.({
      serialDecimal: material.serialDecimal,
      expiration: credentials.expiration,
      refreshAt: new Date(refreshAt),
    });
    return credentials;
  };

  const provider = async (callOptions?: { readonly forceRefresh?: boolean }): Promise<RolesAnywhereCredentials> => {
    if (callOptions?.forceRefresh !== true && cached !== undefined && now() < cached.refreshAt)
      return cached.credentials;
    if (inflight === undefined) {
      inflight = refresh().finally(() => {
        inflight = undefined;
      });
    }
    return inflight;
  };
  return Object.assign(provider, {
    invalidate: () => {
      cached = undefined;
    },
  });
}
