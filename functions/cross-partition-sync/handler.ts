/**
 * Lambda adapter of the sync function: S3 event from the source (clean-avatars) bucket → `handleRecord`
 * (sync-record.ts) for each record, which replicates it into the other partition. Environment in
 * README.md, parsed with zod at first use, and both S3 clients built from it: env.ts.
 *
 * - A record whose data class may not cross is refused and logged (warn), never copied, not retried.
 * - Any failed record makes the invocation throw after all records were tried, so Lambda retries;
 *   records that already succeeded are skipped on the retry (idempotent). After the retries, the
 *   event lands in the DLQ; `replay.ts` re-runs it.
 */
import { dependenciesFromEnv } from "./env";
import { recordKey, S3Event } from "./events";
import { handleRecord, type RecordOutcome, SyncBatchError, type SyncDependencies } from "./sync-record";

/** The handler over given dependencies (tests and `replay` use this directly). */
export function createSyncHandler(
  deps: SyncDependencies,
): (event: unknown) => Promise<{ readonly outcomes: readonly RecordOutcome[] }> {
  return async (event) => {
    const parsed = S3Event.safeParse(event);
    if (!parsed.success) {
      // Not retryable: a malformed event never becomes valid. Logged, then thrown (DLQ keeps it).
      deps.logger.error("event is not an S3 event notification", {
        issues: parsed.error.issues.map((i) => i.path.join(".")),
      });
      throw new Error("event is not an S3 event notification");
    }
    const outcomes: RecordOutcome[] = [];
    const failures: { key: string; error: unknown }[] = [];
    for (const record of parsed.data.Records) {
      // A key that cannot be decoded fails its own record, not the others.
      let key = record.s3.object.key;
      let log = deps.logger.with({ key, eventName: record.eventName });
      try {
        key = recordKey(record);
        log = deps.logger.with({ key, eventName: record.eventName });
        outcomes.push(await handleRecord(deps, record, log));
      } catch (error) {
        log.error("record failed", { error });
        failures.push({ key, error });
      }
    }
    if (failures.length > 0) throw new SyncBatchError(failures, outcomes);
    return { outcomes };
  };
}

// Module scope: clients and credential cache survive across invocations of one execution
// environment. Built on first use so that importing this module (tests, replay) needs no environment.
let lambdaHandler: ReturnType<typeof createSyncHandler> | undefined;

/** The Lambda entry point. */
export async function handler(event: unknown): Promise<{ readonly outcomes: readonly RecordOutcome[] }> {
  lambdaHandler ??= createSyncHandler(dependenciesFromEnv(process.env));
  return lambdaHandler(event);
}
