/**
 * The failback function: failback (failback.ts) inside the sovereign VPC, invoked by an operator
 * (`aws lambda invoke`, or `failback --invoke`), never with an operator's credentials on the data.
 * The sovereign bucket admits object access only through the VPC's S3 endpoint; this function runs
 * behind it with its own narrow role (read the failover bucket through Roles Anywhere, write the
 * crossing data class's sovereign bucket, act as logical-tier tenants), in the controlled egress
 * path's workload subnet like the sync function.
 *
 * Event: `{"since": "<ISO 8601 with zone>", "prefix"?: string, "dryRun"?: boolean,
 * "concurrency"?: 1-64, "deletes"?: boolean}`, validated as the command line validates its flags.
 * Answer: the failback result (summary and outcomes, at most MAX_OUTCOMES of them, the rest counted
 * in `outcomesOmitted`).
 *
 * Outage uploads (docs/cross-partition.md §7): `{"outageUploads": true, "prefix"?, "dryRun"?,
 * "concurrency"?}` (no since, no deletes) brings the outage inbox home instead (outage-uploads.ts);
 * the answer is the homecoming result, cut the same way. It needs the OUTAGE_* variables
 * (failback-run.ts OUTAGE_UPLOADS_ENV), which the function has only where outage uploads are configured. Running it again writes nothing new, so a run cut off by the function's
 * timeout is finished by invoking it again.
 */
import { z } from "zod";
import { createLogger, type Logger } from "../shared/logger";
import { FailbackIncompleteError, type FailbackResult } from "./failback";
import { type FailbackCliOptions, parseFailbackArgs, startFailback, startOutageHomecoming } from "./failback-run";
import { HomecomingIncompleteError, type HomecomingResult } from "./outage-uploads";

/** Lambda answers at most 6 MB; outcomes beyond this many are counted, not listed. */
export const MAX_OUTCOMES = 1000;

const FailbackEvent = z
  .strictObject({
    since: z.string().optional(),
    outageUploads: z.boolean().optional(),
    prefix: z.string().optional(),
    dryRun: z.boolean().optional(),
    concurrency: z.number().int().optional(),
    deletes: z.boolean().optional(),
  })
  .refine((e) => e.outageUploads === true || e.since !== undefined, {
    path: ["since"],
    message: "required (the start of the outage, ISO 8601 with a zone), unless outageUploads",
  });

/** The event is wrong: the message names each field and the fix. Not retried by the caller. */
export class FailbackEventError extends Error {
  override readonly name = "FailbackEventError";
}

/** A result with at most MAX_OUTCOMES outcomes (`outcomesOmitted` counts the rest) and the error of an incomplete run. */
export type Answer<R> = R & { readonly outcomesOmitted: number; readonly error?: string };
/** Failback's answer. */
export type FailbackAnswer = Answer<FailbackResult>;
/** The homecoming's answer, cut like failback's. */
export type HomecomingAnswer = Answer<HomecomingResult>;

function answer<R extends { readonly outcomes: readonly unknown[] }>(result: R, error?: string): Answer<R> {
  return {
    ...result,
    outcomes: result.outcomes.slice(0, MAX_OUTCOMES),
    outcomesOmitted: Math.max(0, result.outcomes.length - MAX_OUTCOMES),
    ...(error === undefined ? {} : { error }),
  };
}

/** Event -> the command line's options (the same checks and messages). */
export function parseFailbackEvent(event: unknown, now: Date = new Date()) {
  const parsed = FailbackEvent.safeParse(event);
  if (!parsed.success) {
    throw new FailbackEventError(
      `invalid failback event: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(event)"}: ${i.message}`).join("; ")}. Fix: send {"since": "2026-03-01T08:00:00Z"} and optional prefix, dryRun, concurrency, deletes; or {"outageUploads": true} and optional prefix, dryRun, concurrency`,
    );
  }
  const e = parsed.data;
  const argv = e.outageUploads === true ? ["--outage-uploads"] : [];
  if (e.since !== undefined) argv.push("--since", e.since);
  if (e.prefix !== undefined) argv.push("--prefix", e.prefix);
  if (e.dryRun === true) argv.push("--dry-run");
  if (e.concurrency !== undefined) argv.push("--concurrency", String(e.concurrency));
  if (e.deletes === false) argv.push("--no-deletes");
  try {
    const options = parseFailbackArgs(argv, now);
    if (options === undefined) throw new Error("unreachable: no --help in an event");
    return options;
  } catch (error) {
    throw new FailbackEventError(
      `invalid failback event: ${(error as Error).message
        .replaceAll("--dry-run", "dryRun")
        .replaceAll("--no-deletes", "deletes: false")
        .replaceAll("--outage-uploads", "outageUploads")
        .replace(/--([a-z]+)/g, "$1")}`,
    );
  }
}

/** The Lambda entry point. */
export async function handler(
  event: unknown,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<FailbackAnswer | HomecomingAnswer> {
  const options = parseFailbackEvent(event);
  const logger = createLogger("cross-partition-failback");
  if (options.outageUploads === true) return homecoming(env, options, logger);
  const { run } = startFailback(env, options, {
    logger,
    onOutcome: (outcome) =>
      logger.debug("failback outcome", { key: outcome.key, change: outcome.change, outcome: outcome.outcome }),
  });
  try {
    return answer(await run);
  } catch (error) {
    if (error instanceof FailbackIncompleteError) return answer(error.result, error.message);
    throw error;
  }
}

async function homecoming(
  env: Readonly<Record<string, string | undefined>>,
  options: FailbackCliOptions,
  logger: Logger,
): Promise<HomecomingAnswer> {
  const { run } = startOutageHomecoming(env, options, {
    logger,
    onOutcome: (outcome) => logger.debug("homecoming outcome", { key: outcome.key, outcome: outcome.outcome }),
  });
  try {
    return answer(await run);
  } catch (error) {
    if (error instanceof HomecomingIncompleteError) return answer(error.result, error.message);
    throw error;
  }
}
