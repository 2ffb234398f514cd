/**
 * The `subject-request` command line (issue 18): operators file, approve, reject and follow
 * data-subject requests (GDPR export and erasure) through the request API, every call signed with
 * SigV4 for `execute-api` with the operator's own credentials (the default AWS credential chain).
 * Arguments are checked here before anything is sent; the API decides everything else (who may
 * approve, which transitions are allowed) and its refusals are printed as it gave them.
 * The procedure around it is in OPERATOR.md.
 */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { fromNodeProviderChain } from "@aws-sdk/credential-providers";
import { type CliIo, type TextSink, UsageError, usageErrors, usageMessage, userCwd } from "../shared/cli";
import { runIfEntryPoint } from "../shared/entry";
import {
  type ApiAnswer,
  type ApiClientOptions,
  type CredentialProvider,
  callApi,
  EndpointUnavailableError,
  errorField,
  errorText,
} from "../shared/iam-api-client";

const TOOL = "subject-request";

export const EXIT_OK = 0;
/** The API refused the call, or the request failed, was rejected or timed out. */
export const EXIT_REFUSED = 1;
/** sysexits EX_USAGE: the command line is wrong. */
export const EXIT_USAGE = 64;
/** sysexits EX_UNAVAILABLE: the endpoint is unreachable, too slow, or answered 5xx. */
export const EXIT_UNAVAILABLE = 69;

/** The environment variable that names the endpoint when --endpoint is not given. */
export const ENDPOINT_ENV = "SIP_REQUESTS_ENDPOINT";

export const DEFAULT_INTERVAL_SECONDS = 5;
const MAX_INTERVAL_SECONDS = 300;

/** What each status means, for `status` and OPERATOR.md. */
export const STATUS_MEANINGS = {
  "awaiting-approval": "filed; waits for a second operator to approve or reject it",
  running: "approved; the export or erasure is running",
  completed: "done; the certificate is the signed proof",
  rejected: "rejected by an operator; nothing was exported or erased",
  failed: "the export or erasure failed; see the request's error",
  "timed-out": "the workflow gave up waiting; nothing more happens to it",
} as const;

export type RequestStatus = keyof typeof STATUS_MEANINGS;

/** Statuses after which nothing changes any more: `status --watch` stops there. */
const FINAL: ReadonlySet<string> = new Set(["completed", "rejected", "failed", "timed-out"]);

const GLOBAL_OPTIONS = `Global options (before or after the command):
  --endpoint URL     the request API's URL, https://<api-id>.execute-api.<region>.amazonaws.eu
                     (default: $${ENDPOINT_ENV}); plain http only for 127.0.0.1 or localhost
  --region REGION    the API's region, eusc-de-east-1 for the sovereign partition (default: $AWS_REGION)
  --json             print the API's answer as JSON on stdout (refusals as {"httpStatus","error","field"})
  -h, --help         show help (also after a command)`;

const EXIT_STATUS = `Exit status: 0 done, 1 refused by the API (its error printed) or the request failed, was
rejected or timed out, 64 usage error (nothing sent), 69 endpoint unreachable, too slow or 5xx.`;

export const USAGE = `Usage: subject-request [--endpoint URL] [--region REGION] [--json] COMMAND ...

Files, approves, rejects and follows data-subject requests (GDPR export and erasure) through the
request API. Every call is signed (SigV4, execute-api) with your AWS credentials (the default
chain: AWS_PROFILE, SSO, environment); you need execute-api:Invoke on the API's routes. A request
runs only after a second operator approves it. See functions/subject-requests/OPERATOR.md.

Commands:
  request --tenant T --subject S --kind export|erase --reason TEXT   file a request
  approve ID                        approve someone else's request (it then runs)
  reject ID --reason TEXT           reject a request (nothing is done)
  status ID [--watch] [--interval SECONDS]   show a request; --watch waits for its end

${GLOBAL_OPTIONS}

${EXIT_STATUS}
`;

interface CommandSpec {
  readonly usage: string;
  readonly options: readonly string[];
  readonly positionals: readonly string[];
}

const COMMANDS: Readonly<Record<string, CommandSpec>> = {
  request: {
    options: ["tenant", "subject", "kind", "reason"],
    positionals: [],
    usage: `Usage: subject-request request --tenant TENANT --subject SUBJECT --kind export|erase --reason TEXT

Files a data-subject request. It waits for approval by another operator; prints its ID.

  --tenant TENANT    the tenant whose data it concerns
  --subject SUBJECT  the data subject, as the tenant identifies them
  --kind KIND        export (GDPR art. 15: a copy of the subject's data) or erase (art. 17)
  --reason TEXT      why (the ticket or letter it answers); recorded, shown to the approver
`,
  },
  approve: {
    options: [],
    positionals: ["ID"],
    usage: `Usage: subject-request approve ID

Approves the request ID (a UUID, as "request" printed it), which then runs. The API refuses (403)
when you filed it yourself, and (409) when it is not awaiting approval.
`,
  },
  reject: {
    options: ["reason"],
    positionals: ["ID"],
    usage: `Usage: subject-request reject ID --reason TEXT

Rejects the request ID: nothing is exported or erased.

  --reason TEXT      why; recorded with the request
`,
  },
  status: {
    options: ["watch", "interval", "certificate"],
    positionals: ["ID"],
    usage: `Usage: subject-request status ID [--watch] [--interval SECONDS] [--certificate FILE]

Shows the request ID: its status, what was asked, the approval, the certificate, held versions.
Statuses: ${Object.keys(STATUS_MEANINGS).join(", ")}.

  --watch             ask again until the status is final (completed, rejected, failed, timed-out);
                      a progress line on stderr when it is a terminal
  --interval SECONDS  between two asks with --watch, 1 to ${MAX_INTERVAL_SECONDS} (default ${DEFAULT_INTERVAL_SECONDS})
  --certificate FILE  when the request is completed, write its signed certificate there (check it
                      offline with verify-evidence and the evidence key's public key)
`,
  },
};

export type Command =
  | {
      readonly name: "request";
      readonly tenant: string;
      readonly subject: string;
      readonly kind: string;
      readonly reason: string;
    }
  | { readonly name: "approve"; readonly id: string }
  | { readonly name: "reject"; readonly id: string; readonly reason: string }
  | {
      readonly name: "status";
      readonly id: string;
      readonly watch: boolean;
      readonly intervalSeconds: number;
      /** Where to write a completed request's certificate (absolute path). */
      readonly certificate?: string;
    };

export interface OperatorOptions {
  readonly command: Command;
  readonly endpoint: URL;
  readonly region: string;
  readonly json: boolean;
}

type Env = Readonly<Record<string, string | undefined>>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const REGION = /^[a-z]{2,}(-[a-z]+)+-\d+$/;
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** The endpoint URL, or the problem with it (`source` names where it came from). */
function checkEndpoint(text: string | undefined, source: string, problems: string[]): URL | undefined {
  if (text === undefined || text.trim() === "") {
    problems.push(
      `--endpoint is required: the request API's URL (https://<api-id>.execute-api.<region>.amazonaws.eu), or set ${ENDPOINT_ENV}`,
    );
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    problems.push(`${source} ${text} is not a URL: give the API's https:// URL`);
    return undefined;
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && LOOPBACK.has(url.hostname)))
    problems.push(`${source} ${text} must use https:// (plain http:// only for 127.0.0.1 or localhost, in tests)`);
  else if (url.username !== "" || url.password !== "" || url.search !== "" || url.hash !== "")
    problems.push(`${source} ${text} must not carry a user, query or fragment: give the API's base URL`);
  else return url;
  return undefined;
}

/** The region, or the problem with it; also checked against an execute-api host name's region. */
function checkRegion(flag: string | undefined, env: Env, endpoint: URL | undefined, problems: string[]): string {
  const region = flag ?? env.AWS_REGION;
  const source = flag === undefined ? "AWS_REGION" : "--region";
  if (region === undefined || region.trim() === "") {
    problems.push(
      "--region is required: the API's region, eusc-de-east-1 for the sovereign partition (or set AWS_REGION)",
    );
    return "";
  }
  if (!REGION.test(region)) {
    problems.push(`${source} ${region} is not a region name (e.g. eusc-de-east-1)`);
    return region;
  }
  const hostRegion = endpoint === undefined ? undefined : /\.execute-api\.([a-z0-9-]+)\./.exec(endpoint.hostname)?.[1];
  if (hostRegion !== undefined && hostRegion !== region)
    problems.push(`${source} ${region} is not the endpoint's region ${hostRegion}: use --region ${hostRegion}`);
  return region;
}

function checkText(name: string, value: string | undefined, fix: string, problems: string[]): string {
  if (value === undefined) problems.push(`--${name} is required: ${fix}`);
  else if (value.trim() === "") problems.push(`--${name} is blank: ${fix}`);
  return value?.trim() ?? "";
}

function checkId(command: string, id: string | undefined, problems: string[]): string {
  if (id === undefined) problems.push(`${command} needs the request ID: subject-request ${command} ID`);
  else if (!UUID.test(id))
    problems.push(
      `${id} is not a request ID: IDs are UUIDs (e.g. 0f8fad5b-d9cb-469f-a165-70867728950e), as "request" printed them`,
    );
  return id?.toLowerCase() ?? "";
}

function checkInterval(text: string | undefined, problems: string[]): number {
  if (text === undefined) return DEFAULT_INTERVAL_SECONDS;
  const seconds = Number(text);
  if (!/^\d+$/.test(text) || seconds < 1 || seconds > MAX_INTERVAL_SECONDS)
    problems.push(`--interval ${text} must be a whole number of seconds from 1 to ${MAX_INTERVAL_SECONDS}`);
  return seconds;
}

type Values = Readonly<Record<string, string | boolean | undefined>>;
const str = (values: Values, name: string) => values[name] as string | undefined;

function commandFrom(name: string, values: Values, positionals: readonly string[], problems: string[]): Command {
  const reasonFix = "say why (the ticket or letter it answers), e.g. --reason 'ticket 4711'";
  switch (name) {
    case "request": {
      const kind = str(values, "kind");
      if (kind === undefined) problems.push("--kind is required: export or erase");
      else if (kind !== "export" && kind !== "erase")
        problems.push(`--kind ${kind} is not a kind: use export or erase`);
      return {
        name,
        tenant: checkText("tenant", str(values, "tenant"), "name the tenant whose data it concerns", problems),
        subject: checkText(
          "subject",
          str(values, "subject"),
          "name the data subject as the tenant identifies them",
          problems,
        ),
        kind: kind ?? "",
        reason: checkText("reason", str(values, "reason"), reasonFix, problems),
      };
    }
    case "approve":
      return { name, id: checkId(name, positionals[0], problems) };
    case "reject":
      return {
        name,
        id: checkId(name, positionals[0], problems),
        reason: checkText("reason", str(values, "reason"), reasonFix, problems),
      };
    default:
      return {
        name: "status",
        id: checkId("status", positionals[0], problems),
        watch: values.watch === true,
        intervalSeconds: checkInterval(str(values, "interval"), problems),
        ...(str(values, "certificate") === undefined
          ? {}
          : {
              certificate: resolve(
                userCwd(),
                checkText("certificate", str(values, "certificate"), "give a file name", problems),
              ),
            }),
      };
  }
}

/** The options given that the command does not take, as problems. */
function misplacedOptions(name: string, spec: CommandSpec, given: readonly string[]): string[] {
  const global = new Set(["endpoint", "region", "json", "help"]);
  return given
    .filter((option) => !global.has(option) && !spec.options.includes(option))
    .map((option) => `--${option} is not an option of ${name} (see subject-request ${name} --help)`);
}

/** The options, or the help text to print; throws UsageError naming every problem and its fix. */
export function parseOperatorArgs(argv: readonly string[], env: Env = process.env): OperatorOptions | { help: string } {
  const { values, positionals, tokens } = usageErrors(() =>
    parseArgs({
      args: [...argv],
      options: {
        endpoint: { type: "string" },
        region: { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
        tenant: { type: "string" },
        subject: { type: "string" },
        kind: { type: "string" },
        reason: { type: "string" },
        watch: { type: "boolean" },
        interval: { type: "string" },
        certificate: { type: "string" },
      },
      strict: true,
      allowPositionals: true,
      tokens: true,
    }),
  );
  const [name, ...rest] = positionals;
  if (name === undefined) {
    if (values.help === true) return { help: USAGE };
    throw new UsageError("name a command: request, approve, reject or status");
  }
  const spec = COMMANDS[name];
  if (spec === undefined) throw new UsageError(`unknown command ${name}: use request, approve, reject or status`);
  if (values.help === true) return { help: spec.usage };
  const problems = misplacedOptions(
    name,
    spec,
    tokens.flatMap((t) => (t.kind === "option" ? [t.name] : [])),
  );
  if (rest.length > spec.positionals.length)
    problems.push(`${name} takes ${spec.positionals.length === 0 ? "no arguments" : "one ID"}, not ${rest.join(" ")}`);
  const command = commandFrom(name, values, rest, problems);
  const endpointSource = values.endpoint === undefined ? ENDPOINT_ENV : "--endpoint";
  const endpoint = checkEndpoint(values.endpoint ?? env[ENDPOINT_ENV], endpointSource, problems);
  const region = checkRegion(values.region, env, endpoint, problems);
  if (problems.length > 0 || endpoint === undefined) throw new UsageError(problems.join("\n"));
  return { command, endpoint, region, json: values.json === true };
}

/** A sink that may be a terminal (`process.stderr` is one). */
export interface MaybeTerminal extends TextSink {
  readonly isTTY?: boolean;
}

export interface OperatorIo extends CliIo {
  readonly stderr: MaybeTerminal;
}

export interface OperatorDeps {
  /** @default process.env */
  readonly env?: Env;
  /** @default fromNodeProviderChain() of @aws-sdk/credential-providers */
  readonly credentials?: CredentialProvider;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** The signing time and the clock of --watch. @default () => new Date() */
  readonly now?: () => Date;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default DEFAULT_TIMEOUT_MS of functions/shared/iam-api-client.ts (30 s) */
  readonly timeoutMs?: number;
}

/** A 4xx answer: print the API's error and field (and a hint), exit 1. */
function refused(answer: ApiAnswer, what: string, options: OperatorOptions, io: OperatorIo): number {
  const field = errorField(answer);
  const error = errorText(answer);
  const hints: Record<number, string> = {
    404: "no request has that ID (or the route is unknown: check --endpoint)",
    409: `see where it stands with: subject-request status ${"id" in options.command ? options.command.id : "ID"}`,
  };
  const gatewayDenied =
    answer.status === 403 && (answer.json as { message?: unknown } | undefined)?.message !== undefined;
  const hint = gatewayDenied
    ? "the gateway did not accept the signature or your permissions: check your credentials (AWS_PROFILE), " +
      "that they allow execute-api:Invoke on this API, --region, and this machine's clock"
    : hints[answer.status];
  io.stderr.write(
    `${TOOL}: the API refused ${what} (${answer.status}): ${error}${field === undefined ? "" : ` (field: ${field})`}\n`,
  );
  if (hint !== undefined) io.stderr.write(`${TOOL}: ${hint}\n`);
  if (options.json)
    io.stdout.write(
      `${JSON.stringify({ httpStatus: answer.status, error, ...(field === undefined ? {} : { field }) })}\n`,
    );
  return EXIT_REFUSED;
}

const show = (value: unknown) => (typeof value === "string" ? value : JSON.stringify(value));

/** The human lines of a request as `GET /v1/requests/{id}` answered it. */
export function describeRequest(body: Readonly<Record<string, unknown>>): string {
  const status = String(body.status);
  const meaning = (STATUS_MEANINGS as Record<string, string>)[status] ?? "a status this client does not know";
  const lines = [`${String(body.id)}: ${status} (${meaning})`];
  const request = body.request;
  if (request !== null && typeof request === "object")
    for (const [key, value] of Object.entries(request)) lines.push(`  ${key}: ${show(value)}`);
  for (const key of ["approval", "certificate", "held", "error"])
    if (body[key] !== undefined) lines.push(`  ${key}: ${show(body[key])}`);
  return `${lines.join("\n")}\n`;
}

/** Statuses `status` exits 0 for: the request is on its way or done. */
const GOING_WELL: ReadonlySet<string> = new Set(["awaiting-approval", "running", "completed"]);

/** Prints a successful answer; returns the exit status. `request` prints only the ID on stdout. */
function succeeded(command: Command, answer: ApiAnswer, options: OperatorOptions, io: OperatorIo): number {
  const body = (answer.json ?? {}) as Record<string, unknown>;
  if (options.json) io.stdout.write(`${JSON.stringify(body)}\n`);
  else if (command.name === "request") {
    io.stdout.write(`${String(body.id)}\n`);
    io.stderr.write(
      `${TOOL}: filed, ${String(body.status)}; another operator approves it with: subject-request approve ${String(body.id)}\n`,
    );
  } else if (command.name === "status") io.stdout.write(describeRequest(body));
  else io.stdout.write(`${String(body.id ?? command.id)}: ${String(body.status)}\n`);
  if (command.name === "status" && command.certificate !== undefined) {
    if (typeof body.certificateText !== "string") {
      io.stderr.write(`${TOOL}: no certificate to write: the request is ${String(body.status)}, not completed\n`);
      return EXIT_REFUSED;
    }
    writeFileSync(command.certificate, body.certificateText);
    io.stderr.write(`${TOOL}: wrote the certificate to ${command.certificate}\n`);
  }
  return command.name === "status" && !GOING_WELL.has(String(body.status)) ? EXIT_REFUSED : EXIT_OK;
}

/** `status --watch`: asks until the status is final; a progress line on stderr (rewritten on a terminal). */
async function watch(
  id: string,
  intervalSeconds: number,
  client: ApiClientOptions,
  io: OperatorIo,
  deps: OperatorDeps,
): Promise<ApiAnswer> {
  const now = deps.now ?? (() => new Date());
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const started = now().getTime();
  const terminal = io.stderr.isTTY === true;
  let last: string | undefined;
  for (;;) {
    const answer = await callApi(client, "GET", `/v1/requests/${id}`);
    const status = String((answer.json as { status?: unknown } | undefined)?.status);
    const final = answer.status !== 200 || FINAL.has(status) || !(status in STATUS_MEANINGS);
    const waited = Math.round((now().getTime() - started) / 1000);
    if (terminal) io.stderr.write(`\r\x1b[K${TOOL}: ${id} ${status}, watched ${waited} s${final ? "\n" : ""}`);
    else if (status !== last && answer.status === 200) io.stderr.write(`${TOOL}: ${id} ${status} after ${waited} s\n`);
    last = status;
    if (final) return answer;
    await sleep(intervalSeconds * 1000);
  }
}

async function run(options: OperatorOptions, client: ApiClientOptions, io: OperatorIo, deps: OperatorDeps) {
  const command = options.command;
  switch (command.name) {
    case "request": {
      const { tenant, subject, kind, reason } = command;
      return ["the request", await callApi(client, "POST", "/v1/requests", { tenant, subject, kind, reason })] as const;
    }
    case "approve":
      return ["the approval", await callApi(client, "POST", `/v1/requests/${command.id}/approve`, {})] as const;
    case "reject":
      return [
        "the rejection",
        await callApi(client, "POST", `/v1/requests/${command.id}/reject`, { reason: command.reason }),
      ] as const;
    case "status":
      return [
        "the status query",
        command.watch
          ? await watch(command.id, command.intervalSeconds, client, io, deps)
          : await callApi(client, "GET", `/v1/requests/${command.id}`),
      ] as const;
  }
}

/** Runs the command; returns the exit status. Never throws. */
export async function main(
  argv: readonly string[],
  io: OperatorIo = process,
  deps: OperatorDeps = {},
): Promise<number> {
  let options: OperatorOptions | { help: string };
  try {
    options = parseOperatorArgs(argv, deps.env ?? process.env);
  } catch (error) {
    io.stderr.write(usageMessage(TOOL, error));
    return EXIT_USAGE;
  }
  if ("help" in options) {
    io.stdout.write(options.help);
    return EXIT_OK;
  }
  const client: ApiClientOptions = {
    endpoint: options.endpoint,
    region: options.region,
    credentials: deps.credentials ?? fromNodeProviderChain(),
    ...(deps.fetch === undefined ? {} : { fetch: deps.fetch }),
    ...(deps.now === undefined ? {} : { now: deps.now }),
    ...(deps.timeoutMs === undefined ? {} : { timeoutMs: deps.timeoutMs }),
  };
  try {
    const [what, answer] = await run(options, client, io, deps);
    return answer.status >= 200 && answer.status < 300
      ? succeeded(options.command, answer, options, io)
      : refused(answer, what, options, io);
  } catch (error) {
    io.stderr.write(`${TOOL}: ${(error as Error).message}\n`);
    // CredentialsUnavailableError and anything unexpected: the request failed.
    return error instanceof EndpointUnavailableError ? EXIT_UNAVAILABLE : EXIT_REFUSED;
  }
}

runIfEntryPoint(import.meta.url, TOOL, main, EXIT_REFUSED);
