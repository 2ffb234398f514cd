/**
 * The `failback` command line: `failback(options)` over the sync function's environment, with the
 * direction reversed. The commercial client (credentials from IAM Roles Anywhere, the only credential
 * that crosses partitions) is the SOURCE; the sovereign client (default credential chain: the
 * operator's or the function's own role) is the TARGET. The commercial side never gets a sovereign
 * credential.
 *
 * Progress goes to stderr (one line per key, then a summary), the JSON result to stdout.
 * Exit status: 0 nothing failed, 1 a key failed or a runtime error, 64 usage error.
 */
import { parseArgs } from "node:util";
import { z } from "zod";
import { partitionOfRegion } from "../../config/partitions";
import { runIfEntryPoint } from "../shared/entry";
import { createLogger, type LogLevel } from "../shared/logger";
import { DEFAULT_CONCURRENCY, describeError, FailbackIncompleteError, type FailbackOptions, type FailbackOutcome, type FailbackResult, failback, MAX_CONCURRENCY } from "./failback";
import { tenantEnvProblem, tenantEnvShape, type TenantEnv, tenantDirectoryFromEnv } from "../shared/tenant-env";
import { dependenciesFromEnv, parseSyncEnv, sovereignClientFromEnv } from "./handler";

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
/** sysexits EX_USAGE: the command line is wrong. */
export const EXIT_USAGE = 64;

export const USAGE = `Usage: failback --since TIME [--prefix PREFIX] [--dry-run] [--concurrency N] [--no-deletes]

Pulls what changed in the commercial failover bucket (TARGET_BUCKET) at or after TIME back into
the sovereign bucket (SOURCE_BUCKET), with the sync's rules: replicas that came from sovereign are
ignored, data classes that may not cross are refused, a sovereign object written later than the
commercial change is reported as a conflict and left alone, and commercial erasures delete the
sovereign copy (see README.md). Running it again writes nothing new.

Options:
  --since TIME         required; ISO 8601 with a zone, e.g. 2026-03-01T08:00:00Z: the start of
                       the outage (choose it early rather than late)
  --prefix PREFIX      only keys under this prefix
  --dry-run            decide and report everything, write nothing
  --concurrency N      keys handled at once, 1 to ${MAX_CONCURRENCY} (default ${DEFAULT_CONCURRENCY})
  --no-deletes         do not propagate commercial erasures (also off when SYNC_PROPAGATE_DELETES=false)
  -h, --help           show this help

Environment: as for the sync Lambda function (README.md), plus SOURCE_KMS_KEY_ARN, the sovereign
KMS key for the copies, and (as for the upload function) TENANT_KEY_ALIAS_PREFIX and
TENANT_ROLE_NAME_PREFIX: a logical-tier tenant's objects then come back as the tenant's role, under
the tenant's key (the operator's role must be the administrator role, which the tenant roles trust).
Commercial credentials: IAM Roles Anywhere (ROLES_ANYWHERE_*, signing
material as for the function: SIGNING_MATERIAL_SECRET_ID or SIGNING_MATERIAL_*_FILE); sovereign
credentials: the default AWS credential chain.

Output: one line per key on stderr, then a summary; the result as JSON on stdout.
Exit status: 0 nothing failed, 1 a key failed or a runtime error, 64 usage error.
`;

/** A command-line problem: exit 64. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

export interface FailbackCliOptions {
  readonly since: Date;
  readonly prefix?: string;
  readonly dryRun: boolean;
  readonly concurrency: number;
  readonly deletes: boolean;
}

const OPTIONS = {
  since: { type: "string" },
  prefix: { type: "string" },
  "dry-run": { type: "boolean" },
  concurrency: { type: "string" },
  "no-deletes": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** ISO 8601 date and time with an explicit zone: a local time would shift the window by hours. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** Parses and validates the command line; throws UsageError naming the flag. Returns undefined for --help. */
export function parseFailbackArgs(argv: readonly string[], now: Date = new Date()): FailbackCliOptions | undefined {
  let values: { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]["type"] extends "boolean" ? boolean : string };
  try {
    ({ values } = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help === true) return undefined;

  const problems: string[] = [];
  let since = new Date(Number.NaN);
  const sinceText = values.since?.trim();
  if (sinceText === undefined || sinceText === "") problems.push("--since is required (ISO 8601 time with a zone, e.g. 2026-03-01T08:00:00Z)");
  else {
    since = new Date(sinceText);
    if (!ISO_TIME.test(sinceText) || Number.isNaN(since.getTime())) problems.push(`--since must be an ISO 8601 time with a zone, e.g. 2026-03-01T08:00:00Z (value: "${sinceText}")`);
    else if (since.getTime() > now.getTime()) problems.push(`--since is in the future (value: "${sinceText}", now: ${now.toISOString()})`);
  }

  const prefix = values.prefix;
  if (prefix !== undefined && prefix === "") problems.push("--prefix must not be empty (leave it out for the whole bucket)");

  let concurrency = DEFAULT_CONCURRENCY;
  const concurrencyText = values.concurrency?.trim();
  if (concurrencyText !== undefined) {
    concurrency = /^\d+$/.test(concurrencyText) ? Number(concurrencyText) : Number.NaN;
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY) {
      problems.push(`--concurrency must be a whole number from 1 to ${MAX_CONCURRENCY} (value: "${values.concurrency}")`);
    }
  }

  if (problems.length > 0) throw new UsageError(problems.join("\n"));
  return { since, prefix, dryRun: values["dry-run"] === true, concurrency, deletes: values["no-deletes"] !== true };
}

const FailbackEnv = z.object({
  /** Sovereign KMS key for the failback copies (the sync's TARGET_KMS_KEY_ARN is the commercial one). */
  SOURCE_KMS_KEY_ARN: z.string().min(1),
  ...tenantEnvShape,
  AWS_REGION: z.string().min(1),
});

/** What failback takes from the environment: everything but the clients, `since` and the flags. */
export interface FailbackEnvOptions {
  readonly source: { readonly partition: string; readonly bucket: string };
  readonly target: { readonly partition: string; readonly bucket: string; readonly kmsKeyId: string };
  readonly policy: FailbackOptions["policy"];
  readonly copyMetadata: readonly string[];
  readonly multipartThresholdBytes: number;
  readonly partSizeBytes: number;
  /** SYNC_PROPAGATE_DELETES: the same rule in both directions. */
  readonly propagateDeletes: boolean;
  /** The tenant variables, when set (both or neither). */
  readonly tenantEnv?: TenantEnv;
}

/** The sync environment plus SOURCE_KMS_KEY_ARN, direction reversed; throws naming every bad variable. */
export function failbackOptionsFromEnv(env: Readonly<Record<string, string | undefined>>): FailbackEnvOptions {
  const problems: string[] = [];
  const extra = FailbackEnv.safeParse(env);
  if (!extra.success) problems.push(...extra.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`));
  let sync: ReturnType<typeof parseSyncEnv> | undefined;
  try {
    sync = parseSyncEnv(env);
  } catch (error) {
    problems.push((error as Error).message.replace(/^invalid environment: /, ""));
  }
  const tenantProblem = extra.success ? tenantEnvProblem(extra.data) : undefined;
  if (tenantProblem !== undefined) problems.push(tenantProblem);
  if (!extra.success || sync === undefined || tenantProblem !== undefined) throw new Error(`invalid environment: ${problems.join("; ")}`);
  return {
    // Reversed: the sync's target (the commercial failover bucket) is the failback source.
    source: { partition: partitionOfRegion(sync.TARGET_REGION).id, bucket: sync.TARGET_BUCKET },
    target: { partition: partitionOfRegion(sync.AWS_REGION).id, bucket: sync.SOURCE_BUCKET, kmsKeyId: extra.data.SOURCE_KMS_KEY_ARN },
    policy: { allowedDataClasses: sync.SYNC_ALLOWED_DATA_CLASSES, allowedPrefixes: sync.SYNC_ALLOWED_PREFIXES, dataClassTag: sync.SYNC_DATA_CLASS_TAG },
    copyMetadata: sync.SYNC_COPY_METADATA,
    multipartThresholdBytes: sync.SYNC_MULTIPART_THRESHOLD_BYTES,
    partSizeBytes: sync.SYNC_PART_SIZE_BYTES,
    propagateDeletes: sync.SYNC_PROPAGATE_DELETES,
    ...(extra.data.TENANT_KEY_ALIAS_PREFIX === undefined ? {} : { tenantEnv: extra.data }),
  };
}

/** One progress line: `<outcome>[/<reason|rule>] <write|delete> <key>[: error]`. */
export function progressLine(outcome: FailbackOutcome): string {
  const detail = "reason" in outcome ? `/${outcome.reason}` : "rule" in outcome ? `/${outcome.rule}` : "";
  const error = outcome.outcome === "failed" ? `: ${outcome.error}` : "";
  return `failback: ${outcome.outcome}${detail} ${outcome.change} ${outcome.key}${error}\n`;
}

export function summaryLine(result: FailbackResult, deletes: boolean): string {
  const s = result.summary;
  const counts = `${s.copied} copied, ${s.deleted} deleted, ${s.skipped} skipped, ${s.ignored} ignored, ${s.refused} refused, ${s.conflicts} conflicts, ${s.failed.length} failed`;
  const notes = [result.dryRun ? "dry run: nothing written" : "", deletes ? "" : "deletes off"].filter((n) => n !== "");
  return `failback: ${s.examined} keys changed since ${result.since}: ${counts}${notes.length > 0 ? ` (${notes.join("; ")})` : ""}\n`;
}

export interface FailbackCliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  /** @default - the current time */
  readonly now?: () => Date;
}

/** Runs the command; returns the exit status. Never throws. */
export async function main(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = process.env, io: FailbackCliIo = process): Promise<number> {
  let cli: FailbackCliOptions | undefined;
  try {
    cli = parseFailbackArgs(argv, io.now?.() ?? new Date());
  } catch (error) {
    io.stderr.write(`failback: ${(error as Error).message.split("\n").join("\nfailback: ")}\nRun with --help for usage.\n`);
    return EXIT_USAGE;
  }
  if (cli === undefined) {
    io.stdout.write(USAGE);
    return EXIT_OK;
  }
  try {
    const { tenantEnv, ...fromEnv } = failbackOptionsFromEnv(env);
    const logLevel = env.LOG_LEVEL !== undefined && ["debug", "info", "warn", "error"].includes(env.LOG_LEVEL) ? (env.LOG_LEVEL as LogLevel) : "warn";
    const logger = createLogger("cross-partition-failback", { level: logLevel, write: (line) => io.stderr.write(line) });
    // The sync's wiring, reversed: `target` there is the commercial client with Roles Anywhere credentials.
    const deps = dependenciesFromEnv(env, { logger });
    const deletes = cli.deletes && fromEnv.propagateDeletes;
    const syncEnv = parseSyncEnv(env);
    const tenants =
      tenantEnv === undefined
        ? undefined
        : tenantDirectoryFromEnv(tenantEnv, { defaultSessionName: "failback", minRemainingSeconds: 300, clientFor: (credentials) => sovereignClientFromEnv(syncEnv, credentials) });
    const run = failback({
      ...fromEnv,
      ...(tenants === undefined ? {} : { tenants }),
      source: { ...fromEnv.source, client: deps.target },
      target: { ...fromEnv.target, client: deps.source },
      since: cli.since,
      prefix: cli.prefix,
      dryRun: cli.dryRun,
      concurrency: cli.concurrency,
      propagateDeletes: deletes,
      onOutcome: (outcome) => io.stderr.write(progressLine(outcome)),
      logger,
    });
    let result: FailbackResult;
    try {
      result = await run;
    } catch (error) {
      if (!(error instanceof FailbackIncompleteError)) throw error;
      io.stderr.write(summaryLine(error.result, deletes));
      io.stdout.write(`${JSON.stringify({ ...error.result, error: error.message })}\n`);
      io.stderr.write(`failback: ${error.message}\n`);
      return EXIT_FAILED;
    }
    io.stderr.write(summaryLine(result, deletes));
    io.stdout.write(`${JSON.stringify(result)}\n`);
    return result.summary.failed.length === 0 ? EXIT_OK : EXIT_FAILED;
  } catch (error) {
    io.stderr.write(`failback: ${describeError(error)}\n`);
    return EXIT_FAILED;
  }
}

runIfEntryPoint(import.meta.url, "failback", main, EXIT_FAILED);
