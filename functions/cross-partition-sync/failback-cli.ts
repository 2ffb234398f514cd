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
import { type CliIo, usageMessage } from "../shared/cli";
import { runIfEntryPoint } from "../shared/entry";
import { createLogger, type LogLevel } from "../shared/logger";
import {
  DEFAULT_CONCURRENCY,
  describeError,
  FailbackIncompleteError,
  type FailbackOutcome,
  type FailbackResult,
  MAX_CONCURRENCY,
} from "./failback";
import { invokeFunction, invokeOptionsFromEnv } from "../shared/invoke";
import type { FailbackAnswer, HomecomingAnswer } from "./failback-handler";
import {
  type FailbackCliOptions,
  parseFailbackArgs,
  startFailback,
  startOutageHomecoming,
  UsageError as RunUsageError,
} from "./failback-run";
import { HomecomingIncompleteError, type HomecomingOutcome, type HomecomingResult } from "./outage-uploads";

export {
  checkOutageUploadsEnv,
  type FailbackCliOptions,
  type FailbackEnvOptions,
  failbackOptionsFromEnv,
  parseFailbackArgs,
  startFailback,
  startOutageHomecoming,
  UsageError,
} from "./failback-run";

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
/** sysexits EX_USAGE: the command line is wrong. */
export const EXIT_USAGE = 64;

export const USAGE = `Usage: failback --invoke FUNCTION --since TIME [--prefix PREFIX] [--dry-run] [--concurrency N] [--no-deletes]
       failback --invoke FUNCTION --outage-uploads [--prefix PREFIX] [--dry-run] [--concurrency N]
       failback --since TIME [...]      (locally: only from inside the sovereign VPC)

Pulls what changed in the commercial failover bucket (TARGET_BUCKET) at or after TIME back into
the sovereign bucket (SOURCE_BUCKET), with the sync's rules: replicas that came from sovereign are
ignored, data classes that may not cross are refused, a sovereign object written later than the
commercial change is reported as a conflict and left alone, and commercial erasures delete the
sovereign copy (see README.md). Running it again writes nothing new.

Options:
  --invoke FUNCTION    run it as the deployed failback function (<env>-failback-<class>), inside
                       the VPC with the function's role; you need lambda:InvokeFunction on it.
                       Without it, failback runs here: the sovereign bucket admits object access
                       only through the VPC's S3 endpoint, so that works only from inside the VPC
  --since TIME         required; ISO 8601 with a zone, e.g. 2026-03-01T08:00:00Z: the start of
                       the outage (choose it early rather than late)
  --prefix PREFIX      only keys under this prefix
  --dry-run            decide and report everything, write nothing
  --concurrency N      keys handled at once, 1 to ${MAX_CONCURRENCY} (default ${DEFAULT_CONCURRENCY})
  --no-deletes         do not propagate commercial erasures (also off when SYNC_PROPAGATE_DELETES=false)
  --outage-uploads     instead: bring the uploads the standby accepted during the outage home from
                       the outage inbox (OUTAGE_UPLOADS_BUCKET) into the sovereign originals bucket
                       (OUTAGE_HOME_BUCKET), where the scrubber takes them; each upload's sealed
                       subject must match its key, else it stays in the inbox (refused/seal-*).
                       No --since (every upload in the inbox), no --no-deletes (what came home
                       leaves the inbox). Running it again writes nothing new
  -h, --help           show this help

Environment with --invoke: AWS_REGION (the sovereign region) and credentials that may invoke the
function (the default AWS credential chain).
Environment without it: as for the failback function (README.md): the sync function's, plus
SOURCE_KMS_KEY_ARN, the sovereign KMS key for the copies, and TENANT_KEY_ALIAS_PREFIX and
TENANT_ROLE_NAME_PREFIX (a logical-tier tenant's objects then come back as the tenant's role, under
the tenant's key). Commercial credentials: IAM Roles Anywhere (ROLES_ANYWHERE_*, signing material
SIGNING_MATERIAL_SECRET_ID or SIGNING_MATERIAL_*_FILE); sovereign credentials: the default chain.

With --outage-uploads also: OUTAGE_UPLOADS_BUCKET, OUTAGE_HOME_BUCKET, OUTAGE_HOME_KMS_KEY_ID,
SUBJECT_SEALING_KEY_ID (KMS Decrypt opens the seals), PSEUDONYM_KEY_ID and STANDBY_PSEUDONYM_KEY_ID
(the sovereign pseudonym key and the sovereign copy of the standby key); the failback function of a
deployment with crossPartition.standby.outageUploads has them.

Output: one line per key on stderr, then a summary; the result as JSON on stdout.
Exit status: 0 nothing failed, 1 a key failed or a runtime error, 64 usage error.
`;

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

/** One progress line of homecoming: `<outcome>[/<reason>] outage-upload <key>[: error]`. */
export function homecomingLine(outcome: HomecomingOutcome): string {
  const detail = "reason" in outcome ? `/${outcome.reason}` : "";
  const error = outcome.outcome === "failed" ? `: ${outcome.error}` : "";
  return `failback: ${outcome.outcome}${detail} outage-upload ${outcome.key}${error}\n`;
}

export function homecomingSummaryLine(result: HomecomingResult): string {
  const s = result.summary;
  const counts = `${s.moved} moved home, ${s.skipped} skipped, ${s.refused} refused, ${s.conflicts} conflicts, ${s.failed.length} failed`;
  return `failback: ${s.examined} outage uploads: ${counts}${result.dryRun ? " (dry run: nothing written)" : ""}\n`;
}

export interface FailbackCliIo extends CliIo {
  /** @default - the current time */
  readonly now?: () => Date;
}

/** Runs the command; returns the exit status. Never throws. */
export async function main(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
  io: FailbackCliIo = process,
): Promise<number> {
  let cli: FailbackCliOptions | undefined;
  try {
    cli = parseFailbackArgs(argv, io.now?.() ?? new Date());
  } catch (error) {
    io.stderr.write(usageMessage("failback", error));
    return EXIT_USAGE;
  }
  if (cli === undefined) {
    io.stdout.write(USAGE);
    return EXIT_OK;
  }
  if (cli.invoke !== undefined) return invokeFailback(cli.invoke, cli, env, io);
  if (cli.outageUploads === true) return runHomecoming(cli, env, io);
  try {
    const logLevel =
      env.LOG_LEVEL !== undefined && ["debug", "info", "warn", "error"].includes(env.LOG_LEVEL)
        ? (env.LOG_LEVEL as LogLevel)
        : "warn";
    const logger = createLogger("cross-partition-failback", {
      level: logLevel,
      write: (line) => io.stderr.write(line),
    });
    const { run, deletes } = startFailback(env, cli, {
      logger,
      onOutcome: (outcome) => io.stderr.write(progressLine(outcome)),
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

function cliLogger(env: Readonly<Record<string, string | undefined>>, io: FailbackCliIo) {
  const level =
    env.LOG_LEVEL !== undefined && ["debug", "info", "warn", "error"].includes(env.LOG_LEVEL)
      ? (env.LOG_LEVEL as LogLevel)
      : "warn";
  return createLogger("cross-partition-failback", { level, write: (line) => io.stderr.write(line) });
}

/** `--outage-uploads` here (inside the VPC): the homecoming's progress, summary and JSON result. */
async function runHomecoming(
  cli: FailbackCliOptions,
  env: Readonly<Record<string, string | undefined>>,
  io: FailbackCliIo,
): Promise<number> {
  let started: ReturnType<typeof startOutageHomecoming>;
  try {
    started = startOutageHomecoming(env, cli, {
      logger: cliLogger(env, io),
      onOutcome: (outcome) => io.stderr.write(homecomingLine(outcome)),
    });
  } catch (error) {
    if (error instanceof RunUsageError) {
      io.stderr.write(usageMessage("failback", error));
      return EXIT_USAGE;
    }
    io.stderr.write(`failback: ${describeError(error)}\n`);
    return EXIT_FAILED;
  }
  try {
    const result = await started.run;
    io.stderr.write(homecomingSummaryLine(result));
    io.stdout.write(`${JSON.stringify(result)}\n`);
    return result.summary.failed.length === 0 ? EXIT_OK : EXIT_FAILED;
  } catch (error) {
    if (error instanceof HomecomingIncompleteError) {
      io.stderr.write(homecomingSummaryLine(error.result));
      io.stdout.write(`${JSON.stringify({ ...error.result, error: error.message })}\n`);
    }
    io.stderr.write(`failback: ${describeError(error)}\n`);
    return EXIT_FAILED;
  }
}

/** `--invoke`: the deployed function runs failback (or, with --outage-uploads, the homecoming); its answer is reported like a local run's. */
async function invokeFailback(
  functionName: string,
  cli: FailbackCliOptions,
  env: Readonly<Record<string, string | undefined>>,
  io: FailbackCliIo,
): Promise<number> {
  const common = {
    ...(cli.prefix === undefined ? {} : { prefix: cli.prefix }),
    dryRun: cli.dryRun,
    concurrency: cli.concurrency,
  };
  if (cli.outageUploads === true)
    return invokeAndReport<HomecomingAnswer>(functionName, { outageUploads: true, ...common }, env, io, {
      what: " for the outage uploads",
      line: homecomingLine,
      summary: homecomingSummaryLine,
    });
  return invokeAndReport<FailbackAnswer>(
    functionName,
    { since: cli.since?.toISOString(), ...common, deletes: cli.deletes },
    env,
    io,
    { what: "", line: progressLine, summary: (answer) => summaryLine(answer, cli.deletes) },
  );
}

/** Invokes the function with `event`, writes each outcome, the summary and the answer; the exit status. */
async function invokeAndReport<A extends FailbackAnswer | HomecomingAnswer>(
  functionName: string,
  event: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>>,
  io: FailbackCliIo,
  report: {
    readonly what: string;
    readonly line: (outcome: A["outcomes"][number]) => string;
    readonly summary: (answer: A) => string;
  },
): Promise<number> {
  io.stderr.write(`failback: invoking ${functionName}${report.what} (runs inside the VPC; up to 15 minutes)\n`);
  try {
    const answer = (await invokeFunction(functionName, event, invokeOptionsFromEnv(env))) as A;
    for (const outcome of answer.outcomes) io.stderr.write(report.line(outcome));
    if (answer.outcomesOmitted > 0)
      io.stderr.write(`failback: ${answer.outcomesOmitted} more outcomes not listed by the function\n`);
    io.stderr.write(report.summary(answer));
    if (answer.error !== undefined) io.stderr.write(`failback: ${answer.error}\n`);
    io.stdout.write(`${JSON.stringify(answer)}\n`);
    return answer.error === undefined && answer.summary.failed.length === 0 ? EXIT_OK : EXIT_FAILED;
  } catch (error) {
    io.stderr.write(`failback: ${describeError(error)}\n`);
    return EXIT_FAILED;
  }
}

runIfEntryPoint(import.meta.url, "failback", main, EXIT_FAILED);
