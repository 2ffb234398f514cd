import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { PARTITIONS } from "../../config/partitions";
import { CreateSessionError, createSession } from "./credentials";
import {
  DEFAULT_DURATION_SECONDS,
  defaultEndpoint,
  MAX_DURATION_SECONDS,
  MIN_DURATION_SECONDS,
  parseAmzDate,
  partitionForRegion,
  prepareSigningMaterial,
  type SignedCreateSession,
  type SigningMaterial,
  SigningMaterialError,
  signCreateSession,
  sessionsUrl,
} from "./signer";
import { type CliIo, UsageError, usageErrors, usageMessage } from "../shared/cli";
import { runIfEntryPoint } from "../shared/entry";

export const EXIT_OK = 0;
export const EXIT_RUNTIME = 1;
/** sysexits EX_USAGE: the command line is wrong. */
export const EXIT_USAGE = 64;

export const USAGE = `Usage: credentials --certificate FILE --private-key FILE [--intermediates FILE]
                   --trust-anchor-arn ARN --profile-arn ARN --role-arn ARN --region REGION
                   [--endpoint URL] [--duration-seconds N]
                   [--print-signed-request [--amz-date yyyymmddThhmmssZ] [--json]]

Obtains temporary AWS credentials from IAM Roles Anywhere (CreateSession) with an X.509
certificate and its private key, and prints them as AWS credential_process JSON:
  {"Version":1,"AccessKeyId":...,"SecretAccessKey":...,"SessionToken":...,"Expiration":...}
In ~/.aws/config:  credential_process = node credentials.cjs --certificate ... --region ...

Options:
  --certificate FILE         leaf certificate (PEM or DER), RSA or EC key
  --private-key FILE         its private key (PEM: PKCS#8, PKCS#1 or SEC1; unencrypted)
  --intermediates FILE       PEM bundle of intermediate CA certificates, sent in file order
  --trust-anchor-arn ARN     trust anchor (its region must be --region)
  --profile-arn ARN          profile
  --role-arn ARN             role to assume
  --region REGION            region of the trust anchor (eu-central-1, eusc-de-east-1, ...)
  --endpoint URL             CreateSession endpoint; /sessions is appended
                             (default: https://rolesanywhere.<region>.<partition DNS suffix>)
  --duration-seconds N       session duration, ${MIN_DURATION_SECONDS} to ${MAX_DURATION_SECONDS} (default ${DEFAULT_DURATION_SECONDS})
  --print-signed-request     print the signed request (method, URL, headers, body); send nothing
  --amz-date DATE            signing time for --print-signed-request (default: now)
  --json                     with --print-signed-request: print the request as JSON
  -h, --help                 show this help

Exit status: 0 success, 1 runtime failure (files, certificate, service), 64 usage error.
`;

export { UsageError };

export interface CredentialsIo extends CliIo {
  /** @default - the current time */
  readonly now?: () => Date;
}

export interface CliOptions {
  readonly certificate: string;
  readonly privateKey: string;
  readonly intermediates: string | undefined;
  readonly trustAnchorArn: string;
  readonly profileArn: string;
  readonly roleArn: string;
  readonly region: string;
  readonly endpoint: string | undefined;
  readonly durationSeconds: number;
  readonly printSignedRequest: boolean;
  readonly amzDate: string | undefined;
  readonly json: boolean;
}

const OPTIONS = {
  certificate: { type: "string" },
  "private-key": { type: "string" },
  intermediates: { type: "string" },
  "trust-anchor-arn": { type: "string" },
  "profile-arn": { type: "string" },
  "role-arn": { type: "string" },
  region: { type: "string" },
  endpoint: { type: "string" },
  "duration-seconds": { type: "string" },
  "print-signed-request": { type: "boolean" },
  "amz-date": { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

const PARTITION_IDS = Object.keys(PARTITIONS);

/** Checks an ARN's shape: `arn:<known partition>:<service>:<region>:<account>:<resource prefix>...`. */
function checkArn(
  flag: string,
  value: string,
  service: string,
  resourcePrefix: string,
  regional: boolean,
): string | undefined {
  const parts = value.split(":");
  const [prefix, partition, arnService, region, account] = parts;
  const resource = parts.slice(5).join(":");
  const problems: string[] = [];
  if (prefix !== "arn" || parts.length < 6) return `${flag}: "${value}" is not an ARN (arn:<partition>:${service}:...)`;
  if (!PARTITION_IDS.includes(partition ?? ""))
    problems.push(`partition "${partition}" is not one of ${PARTITION_IDS.join(", ")}`);
  if (arnService !== service) problems.push(`service is "${arnService}", expected "${service}"`);
  if (regional && region === "") problems.push("region is empty");
  if (!regional && region !== "") problems.push("region must be empty");
  if (!/^\d{12}$/.test(account ?? "")) problems.push(`account "${account}" is not 12 digits`);
  if (!resource.startsWith(resourcePrefix) || resource.length === resourcePrefix.length)
    problems.push(`resource must be ${resourcePrefix}<id>`);
  return problems.length === 0 ? undefined : `${flag}: "${value}": ${problems.join("; ")}`;
}

type CliValues = { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]["type"] extends "boolean" ? boolean : string };

/** Parses and validates the command line; throws UsageError naming the flag. Returns undefined for --help. */
export function parseCliArgs(argv: readonly string[]): CliOptions | undefined {
  const { values }: { values: CliValues } = usageErrors(() =>
    parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false }),
  );
  if (values.help === true) return undefined;

  const problems: string[] = [];
  const required = requiredFlags(values, problems);
  problems.push(...regionProblems(required));
  const durationSeconds = durationSecondsOf(values["duration-seconds"], problems);
  const endpoint = values.endpoint?.trim();
  if (endpoint !== undefined) {
    try {
      sessionsUrl(endpoint);
    } catch (error) {
      problems.push(`--endpoint: ${(error as Error).message}`);
    }
  }
  const printSignedRequest = values["print-signed-request"] === true;
  const amzDate = values["amz-date"]?.trim();
  const json = values.json === true;
  problems.push(...printOnlyProblems(printSignedRequest, amzDate, json));
  const intermediates = values.intermediates?.trim();
  if (intermediates === "") problems.push("--intermediates: file name is empty");

  if (problems.length > 0) throw new UsageError(problems.join("\n"));
  const { certificate, privateKey, trustAnchorArn, profileArn, roleArn, region } = required;
  return {
    certificate,
    privateKey,
    intermediates,
    trustAnchorArn,
    profileArn,
    roleArn,
    region,
    endpoint,
    durationSeconds,
    printSignedRequest,
    amzDate,
    json,
  };
}

type RequiredOptions = Pick<
  CliOptions,
  "certificate" | "privateKey" | "trustAnchorArn" | "profileArn" | "roleArn" | "region"
>;

/** The flags without a default, trimmed; a missing one is a problem (and ""). */
function requiredFlags(values: CliValues, problems: string[]): RequiredOptions {
  const required = (flag: keyof typeof OPTIONS): string => {
    const value = values[flag];
    if (typeof value !== "string" || value.trim() === "") {
      problems.push(`--${flag} is required`);
      return "";
    }
    return value.trim();
  };
  return {
    certificate: required("certificate"),
    privateKey: required("private-key"),
    trustAnchorArn: required("trust-anchor-arn"),
    profileArn: required("profile-arn"),
    roleArn: required("role-arn"),
    region: required("region"),
  };
}

/** The region, the three ARNs, and whether trust anchor and profile are in the region CreateSession goes to. */
function regionProblems(flags: RequiredOptions): string[] {
  const { trustAnchorArn, profileArn, roleArn, region } = flags;
  const problems: string[] = [];
  if (region !== "") {
    try {
      partitionForRegion(region);
    } catch (error) {
      problems.push(`--region: ${(error as Error).message}`);
    }
  }
  const arnProblems = [
    trustAnchorArn && checkArn("--trust-anchor-arn", trustAnchorArn, "rolesanywhere", "trust-anchor/", true),
    profileArn && checkArn("--profile-arn", profileArn, "rolesanywhere", "profile/", true),
    roleArn && checkArn("--role-arn", roleArn, "iam", "role/", false),
  ].filter((p): p is string => typeof p === "string" && p !== "");
  problems.push(...arnProblems);
  for (const [flag, arn] of [
    ["--trust-anchor-arn", trustAnchorArn],
    ["--profile-arn", profileArn],
  ] as const) {
    const arnRegion = arn.split(":")[3];
    if (region !== "" && arn !== "" && arnProblems.every((p) => !p.startsWith(flag)) && arnRegion !== region) {
      problems.push(
        `${flag} is in region "${arnRegion}" but --region is "${region}"; CreateSession must go to the trust anchor's region`,
      );
    }
  }
  return problems;
}

/** --duration-seconds, or the default; out of range is a problem. */
function durationSecondsOf(duration: string | undefined, problems: string[]): number {
  if (duration === undefined) return DEFAULT_DURATION_SECONDS;
  const durationSeconds = /^\d+$/.test(duration.trim()) ? Number(duration.trim()) : Number.NaN;
  if (
    !Number.isInteger(durationSeconds) ||
    durationSeconds < MIN_DURATION_SECONDS ||
    durationSeconds > MAX_DURATION_SECONDS
  ) {
    problems.push(
      `--duration-seconds must be a whole number from ${MIN_DURATION_SECONDS} to ${MAX_DURATION_SECONDS} (value: "${duration}")`,
    );
  }
  return durationSeconds;
}

/** --amz-date and --json belong to --print-signed-request. */
function printOnlyProblems(printSignedRequest: boolean, amzDate: string | undefined, json: boolean): string[] {
  const problems: string[] = [];
  if (amzDate !== undefined) {
    if (!printSignedRequest)
      problems.push("--amz-date is only valid with --print-signed-request (CreateSession needs the current time)");
    try {
      parseAmzDate(amzDate);
    } catch (error) {
      problems.push(`--amz-date: ${(error as Error).message}`);
    }
  }
  if (json && !printSignedRequest) problems.push("--json is only valid with --print-signed-request");
  return problems;
}

async function readFlagFile(flag: string, path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SigningMaterialError(`${flag}: cannot read "${path}"${code ? ` (${code})` : ""}`);
  }
}

/** Reads the three files and checks them; errors name the flag. */
export async function loadMaterialFromFlags(
  options: Pick<CliOptions, "certificate" | "privateKey" | "intermediates">,
): Promise<SigningMaterial> {
  const [certificate, privateKey, intermediates] = await Promise.all([
    readFlagFile("--certificate", options.certificate),
    readFlagFile("--private-key", options.privateKey),
    options.intermediates === undefined ? undefined : readFlagFile("--intermediates", options.intermediates),
  ]);
  try {
    return prepareSigningMaterial({ certificate, privateKey, intermediates });
  } catch (error) {
    const message = (error as Error).message
      .replace(/^certificate:/, `--certificate ${options.certificate}:`)
      .replace(/^private key:/, `--private-key ${options.privateKey}:`)
      .replace(/^intermediates:/, `--intermediates ${options.intermediates}:`)
      .replace(
        /^private key does not match the certificate/,
        `--private-key ${options.privateKey} does not match --certificate ${options.certificate}`,
      );
    throw new SigningMaterialError(message);
  }
}

/** The signed request as text: request line, one header per line, blank line, body. */
export function formatSignedRequest(signed: SignedCreateSession): string {
  const lines = [
    `${signed.method} ${signed.url}`,
    ...Object.entries(signed.headers).map(([k, v]) => `${k}: ${v}`),
    "",
    signed.body,
  ];
  return `${lines.join("\n")}\n`;
}

/** RFC 3339 without fractional seconds when they are zero (what the official helper prints). */
function expirationForProcess(expirationText: string, expiration: Date): string {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(expirationText)
    ? expirationText
    : expiration.toISOString().replace(/\.000Z$/, "Z");
}

/** Runs the command; returns the exit status. Never throws. */
export async function main(argv: readonly string[], io: CredentialsIo = process): Promise<number> {
  let options: CliOptions | undefined;
  try {
    options = parseCliArgs(argv);
  } catch (error) {
    io.stderr.write(usageMessage("credentials", error));
    return EXIT_USAGE;
  }
  if (options === undefined) {
    io.stdout.write(USAGE);
    return EXIT_OK;
  }
  try {
    const material = await loadMaterialFromFlags(options);
    const now = io.now?.() ?? new Date();
    const session = {
      trustAnchorArn: options.trustAnchorArn,
      profileArn: options.profileArn,
      roleArn: options.roleArn,
      durationSeconds: options.durationSeconds,
      region: options.region,
      endpoint: options.endpoint ?? defaultEndpoint(options.region),
    };
    if (options.printSignedRequest) {
      const signed = signCreateSession({ ...session, material, date: options.amzDate ?? now });
      io.stdout.write(
        options.json
          ? `${JSON.stringify({ method: signed.method, url: signed.url, headers: signed.headers, body: signed.body }, null, 2)}\n`
          : formatSignedRequest(signed),
      );
      return EXIT_OK;
    }
    const { credentials, expirationText } = await createSession(session, material, now);
    io.stdout.write(
      `${JSON.stringify({
        Version: 1,
        AccessKeyId: credentials.accessKeyId,
        SecretAccessKey: credentials.secretAccessKey,
        SessionToken: credentials.sessionToken,
        Expiration: expirationForProcess(expirationText, credentials.expiration),
      })}\n`,
    );
    return EXIT_OK;
  } catch (error) {
    const prefix =
      error instanceof CreateSessionError || error instanceof SigningMaterialError ? "" : `${(error as Error).name}: `;
    io.stderr.write(`credentials: ${prefix}${(error as Error).message}\n`);
    return EXIT_RUNTIME;
  }
}

runIfEntryPoint(import.meta.url, "credentials", main, EXIT_RUNTIME);
