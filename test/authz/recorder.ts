/**
 * Records, for the authorization proof, every request the code under test makes to AWS APIs:
 *
 * - every AWS SDK call, through a middleware that every SDK client gets on its first `send` (the
 *   clients the functions build themselves included): operation, bucket, key, the access key that
 *   signed it (from the signed request), the security-relevant headers, the object's KMS key S3
 *   reported, and the status the server answered;
 * - every use of a pre-signed URL or a pre-signed POST form through `fetch` (what browsers do);
 * - credentials that AssumeRole returned, as a cast of their access key to the assumed role.
 *
 * Records go to `.authz/records/<pid>.jsonl` (one file per test worker; test/global-setup.ts clears
 * the folder before a run). The proof (test/authz/proof.test.ts, `make proof`) reads them after the
 * test run. Installed by test/authz/setup.ts for every test file.
 */
import { appendFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative } from "node:path";
import { PROJECT_ROOT, RECORD_DIR } from "./paths";
import type { Recorded, RecordedCastNames, RecordedRequest, RecordedVia } from "../../policies/authz/records";

/** Request headers (and POST form fields) that change what AWS authorizes. */
const RECORDED_HEADERS =
  /^(x-amz-tagging|x-amz-server-side-encryption.*|x-amz-object-lock-.*|x-amz-copy-source|x-amz-metadata-directive|x-amz-tagging-directive|x-amz-security-token|tagging)$/;

/** The running test file (vitest's worker state; no vitest import, so that benches may load this module). */
function currentFile(): string {
  const path = (globalThis as { __vitest_worker__?: { filepath?: string } }).__vitest_worker__?.filepath;
  return path === undefined ? "(outside a test)" : relative(PROJECT_ROOT, path);
}

let recordFile: string | undefined;
function write(record: Recorded): void {
  // Only test runs record (benches load the same helpers).
  if ((globalThis as { __vitest_worker__?: unknown }).__vitest_worker__ === undefined) return;
  if (recordFile === undefined) {
    mkdirSync(RECORD_DIR, { recursive: true });
    recordFile = join(RECORD_DIR, `${process.pid}.jsonl`);
  }
  appendFileSync(recordFile, `${JSON.stringify(record)}\n`);
}

/** The credentials behind `accessKeyId` act as `principal` (a role name as the test's server knows it, or `operator`). */
export function castKey(accessKeyId: string, principal: string): void {
  write({ t: "cast-key", file: currentFile(), accessKeyId, principal });
}

/** Maps this test file's buckets, keys, tenants and role names onto the example's. */
export function castNames(names: Omit<RecordedCastNames, "t" | "file">): void {
  write({ t: "cast-names", file: currentFile(), ...names });
}

const ACTOR = Symbol.for("sip.authz.actor");

/** Every request `client` makes is made by `principal` (for clients whose credentials several principals share in a test). */
export function actAs<C extends object>(client: C, principal: string): C {
  (client as Record<symbol, unknown>)[ACTOR] = principal;
  return client;
}

function lowerHeaders(headers: Readonly<Record<string, string | undefined>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const lower = name.toLowerCase();
    if (value !== undefined && RECORDED_HEADERS.test(lower)) out[lower] = String(value);
  }
  return out;
}

const credentialOf = (authorization: string | undefined) =>
  authorization === undefined ? undefined : /Credential=([^/]+)\//.exec(authorization)?.[1];

// ---------------------------------------------------------------------------------------------------
// SDK clients

interface Signed {
  accessKeyId?: string;
  headers?: Record<string, string>;
}

const SIGNED = Symbol.for("sip.authz.signed");
type Context = Record<string | symbol, unknown> & { clientName?: string; commandName?: string };
type Next = (args: {
  input: Record<string, unknown>;
  request?: unknown;
}) => Promise<{ output: Record<string, unknown>; response?: { statusCode?: number } }>;

function initializeRecorder(actor: string | undefined) {
  return (next: Next, context: Context) => async (args: { input: Record<string, unknown> }) => {
    const input = args.input ?? {};
    const base = {
      file: currentFile(),
      service: String(context.clientName ?? "").replace(/Client$/, ""),
      operation: String(context.commandName ?? "").replace(/Command$/, ""),
      via: "sdk" as RecordedVia,
    };
    const finish = (status: number | undefined, output: Record<string, unknown> | undefined) => {
      const signed = context[SIGNED] as Signed | undefined;
      const request: RecordedRequest = {
        t: "request",
        ...base,
        accessKeyId: signed?.accessKeyId,
        ...(actor === undefined ? {} : { actor }),
        status,
        ...stringField("bucket", input.Bucket),
        ...stringField("key", input.Key),
        ...stringField("versionId", input.VersionId),
        ...stringField("prefix", input.Prefix),
        ...stringField(
          "copySource",
          typeof input.CopySource === "string"
            ? decodeURIComponent(input.CopySource.replace(/^\//, "").split("?")[0] ?? "")
            : undefined,
        ),
        headers: signed?.headers ?? {},
        ...stringField("objectKmsKeyId", output?.SSEKMSKeyId),
        ...stringField("target", input.KeyId ?? input.SecretId ?? input.RoleArn),
        ...stringField("encryptionAlgorithm", input.EncryptionAlgorithm),
      };
      write(request);
      const credentials = output?.Credentials as { AccessKeyId?: string } | undefined;
      if (
        base.operation === "AssumeRole" &&
        typeof input.RoleArn === "string" &&
        credentials?.AccessKeyId !== undefined
      ) {
        castKey(credentials.AccessKeyId, input.RoleArn.split("/").pop() ?? input.RoleArn);
      }
    };
    try {
      const result = await next(args);
      finish(result.response?.statusCode ?? 200, result.output);
      return result;
    } catch (error) {
      finish((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode, undefined);
      throw error;
    }
  };
}

function stringField<K extends string>(name: K, value: unknown): Partial<Record<K, string>> {
  return typeof value === "string" && value !== "" ? ({ [name]: value } as Record<K, string>) : {};
}

/** Runs innermost, after signing: the access key and headers as sent. */
const signedRecorder =
  (next: Next, context: Context) => async (args: { input: Record<string, unknown>; request?: unknown }) => {
    const request = args.request as { headers?: Record<string, string> } | undefined;
    const headers = request?.headers ?? {};
    const authorization = Object.entries(headers).find(([k]) => k.toLowerCase() === "authorization")?.[1];
    context[SIGNED] = { accessKeyId: credentialOf(authorization), headers: lowerHeaders(headers) } satisfies Signed;
    return next(args);
  };

const INSTALLED = Symbol.for("sip.authz.installed");

interface MiddlewareStack {
  add(middleware: unknown, options: Record<string, unknown>): void;
}

/** Patches the SDK's one Client class (@smithy/core/client) and global fetch. Idempotent. */
export function installRecorder(): void {
  const globals = globalThis as Record<symbol, unknown>;
  if (globals[INSTALLED] === true) return;
  globals[INSTALLED] = true;
  const require = createRequire(join(PROJECT_ROOT, "package.json"));
  const { Client } = require("@smithy/core/client") as {
    Client: { prototype: { send: (...args: unknown[]) => unknown } };
  };
  const send = Client.prototype.send;
  Client.prototype.send = function (
    this: { middlewareStack: MiddlewareStack } & Record<symbol, unknown>,
    ...args: unknown[]
  ) {
    if (this[INSTALLED] !== true) {
      this[INSTALLED] = true;
      const actor = typeof this[ACTOR] === "string" ? (this[ACTOR] as string) : undefined;
      this.middlewareStack.add(initializeRecorder(actor), {
        step: "initialize",
        name: "sipAuthzRecorder",
        priority: "high",
      });
      this.middlewareStack.add(signedRecorder, { step: "deserialize", name: "sipAuthzSigned", priority: "low" });
    }
    return send.apply(this, args);
  };
  const originalFetch = globalThis.fetch;
  globalThis.fetch = async (input: string | URL | Request, init?: RequestInit) => {
    const response = await originalFetch(input, init);
    try {
      recordPresigned(String(input instanceof Request ? input.url : input), init, response.status);
    } catch {
      // not a pre-signed request
    }
    return response;
  };
}

/** A pre-signed PUT/part URL or POST form, used the way a browser uses it. Path-style URLs (the tests' gateways). */
function recordPresigned(url: string, init: RequestInit | undefined, status: number): void {
  const parsed = new URL(url);
  const [bucket = "", ...rest] = parsed.pathname.replace(/^\//, "").split("/");
  const method = (init?.method ?? "GET").toUpperCase();
  const credential = parsed.searchParams.get("X-Amz-Credential");
  if (credential !== null) {
    const headers = lowerHeaders(Object.fromEntries(new Headers(init?.headers).entries()));
    const token = parsed.searchParams.get("X-Amz-Security-Token");
    const operation =
      method === "PUT"
        ? parsed.searchParams.has("partNumber")
          ? "UploadPart"
          : "PutObject"
        : method === "GET"
          ? "GetObject"
          : method === "DELETE"
            ? "DeleteObject"
            : method;
    write({
      t: "request",
      file: currentFile(),
      service: "S3",
      operation,
      via: "presigned-url",
      accessKeyId: credential.split("/")[0],
      status,
      bucket,
      key: decodeURIComponent(rest.join("/")),
      headers: { ...headers, ...(token === null ? {} : { "x-amz-security-token": "present" }) },
    });
    return;
  }
  if (method === "POST" && init?.body instanceof FormData) {
    const fields = Object.fromEntries(
      [...init.body.entries()].filter(([, v]) => typeof v === "string").map(([k, v]) => [k.toLowerCase(), String(v)]),
    );
    const formCredential = fields["x-amz-credential"];
    if (formCredential === undefined) return;
    write({
      t: "request",
      file: currentFile(),
      service: "S3",
      operation: "PostObject",
      via: "presigned-post",
      accessKeyId: formCredential.split("/")[0],
      status,
      bucket,
      key: fields.key ?? "",
      headers: lowerHeaders(fields),
    });
  }
}
