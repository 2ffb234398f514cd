/**
 * The scrub functions' handler over injected dependencies: S3 ObjectCreated events (AWS, or Ceph RGW
 * bucket notifications) to `scrubObject` (`scrub-object.ts`), each record's object scrubbed by the
 * configured engine into the clean bucket or quarantined. The image scrub function (handler.ts) and
 * the document scrub function (functions/document-scrub/handler.ts) differ only in their engine.
 *
 * Errors: rejections are outcomes, not errors. Any other error (S3 unavailable, access denied, spool
 * full, a tenant directory that cannot answer) is rethrown after the other records of the batch were
 * tried, so Lambda's asynchronous invocation retries the event and then sends it to the dead-letter
 * queue. Retrying is safe: a record whose clean (or quarantined) copy already records this source
 * version is not processed again.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { createLogger, type Logger } from "../shared/logger";
import { s3ClientFromEnv } from "../shared/s3-env";
import type { TenantDirectory } from "../shared/tenant-directory";
import { type TenantEnv, tenantDirectoryFromEnv } from "../shared/tenant-env";
import { recordLogFields, s3EventSchema, scrubSource } from "./events";
import { type ScrubConfig, type ScrubObjectResult, scrubObject } from "./scrub-object";
import type { ScrubResult } from "./scrubber";

export interface ScrubHandlerDeps<R> {
  readonly s3: S3Client;
  /** Buckets, quarantine and engine (image-scrub/env.ts `scrubConfig`, document-scrub/env.ts). */
  readonly config: ScrubConfig<R>;
  /** @default - a logger of the service "image-scrub" */
  readonly logger?: Logger;
  /**
   * Called with each record's outcome before the record counts as done (the document scrub
   * function enqueues its webhook events here). A rejection fails the record, so the event is
   * retried; the retry's outcome (`already-scrubbed`, `already-quarantined`) is passed again.
   * @default - nothing
   */
  readonly onOutcome?: (outcome: ScrubObjectResult<R>, log: Logger) => Promise<void>;
  /**
   * Finds logical-tier tenants, whose objects are handled as their role under their key.
   * @default - none: every object is handled with `s3` and CLEAN_KMS_KEY_ID
   */
  readonly tenants?: TenantDirectory<S3Client>;
}

export interface ScrubBatchResult<R = ScrubResult> {
  readonly records: readonly ScrubObjectResult<R>[];
}

/**
 * Builds the handler over injected dependencies (tests); `handler` below is the Lambda entry point.
 * Every record is tried; if any failed with a non-rejection error, the first such error is rethrown
 * (an AggregateError when several failed) so that the invocation is retried and then dead-lettered.
 */
export function createScrubHandler<R>(
  deps: ScrubHandlerDeps<R>,
): (event: unknown, context?: { awsRequestId?: string }) => Promise<ScrubBatchResult<R>> {
  const logger = deps.logger ?? createLogger("image-scrub");
  const { config } = deps;
  return async (event, context) => {
    const log = logger.with({ requestId: context?.awsRequestId });
    const parsed = s3EventSchema.safeParse(event);
    if (!parsed.success) {
      // Not an S3 event: retrying cannot help, but it must not vanish silently either.
      log.error("event is not an S3 notification", {
        issues: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`),
      });
      throw new TypeError("event is not an S3 notification (Records[].s3.bucket.name, Records[].s3.object.key)");
    }
    const records: ScrubObjectResult<R>[] = [];
    const errors: unknown[] = [];
    for (const record of parsed.data.Records) {
      const recordLog = log.with(recordLogFields(record));
      try {
        const outcome = await scrubObject({
          source: scrubSource(record),
          config,
          s3: deps.s3,
          tenants: deps.tenants,
          logger: recordLog,
        });
        if (outcome.outcome === "skipped") recordLog.info("skipped", { why: outcome.why });
        await deps.onOutcome?.(outcome, recordLog);
        records.push(outcome);
      } catch (error) {
        recordLog.error("record failed; the invocation will be retried", { error });
        errors.push(error);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1)
      throw new AggregateError(errors, `${errors.length} of ${parsed.data.Records.length} records failed`);
    return { records };
  };
}

/** Tenant credentials are renewed a few minutes before they expire (nothing signed outlives the call). */
export function scrubTenantDirectory(
  env: TenantEnv & Parameters<typeof s3ClientFromEnv>[0],
  sessionName: string,
): TenantDirectory<S3Client> | undefined {
  return tenantDirectoryFromEnv(env, {
    defaultSessionName: sessionName,
    minRemainingSeconds: 300,
    clientFor: (credentials) => s3ClientFromEnv(env, credentials),
  });
}
