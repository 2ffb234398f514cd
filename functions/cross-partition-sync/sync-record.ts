/**
 * One record of a sync event, processed: a created object is replicated into the other partition
 * (`replicate`), a removed one's replica is deleted (`propagateDelete`); a record of another bucket,
 * another event type, a replica or a data class that may not cross is refused or ignored, with a log
 * line. `SyncBatchError` is what the handler throws when records failed.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import type { Logger } from "../shared/logger";
import { type CrossingPolicy, propagateDelete, type ReplicateHooks, replicate } from "./replication";
import { recordKey, recordKind, recordMetadata, type S3EventRecord } from "./events";

/** What the handler needs besides clients. */
export interface SyncConfig {
  readonly sourcePartition: string;
  readonly sourceBucket: string;
  readonly targetBucket: string;
  readonly targetKmsKeyId: string;
  readonly policy: CrossingPolicy;
  readonly copyMetadata: readonly string[];
  readonly multipartThresholdBytes: number;
  readonly partSizeBytes: number;
  readonly propagateDeletes: boolean;
}

export interface SyncDependencies {
  readonly config: SyncConfig;
  readonly source: S3Client;
  readonly target: S3Client;
  readonly logger: Logger;
  readonly hooks?: ReplicateHooks;
}

export interface RecordOutcome {
  readonly key: string;
  readonly outcome: string;
  readonly reason?: string;
}

/** One or more records failed; Lambda retries the whole event (done records are skipped then). */
export class SyncBatchError extends Error {
  override readonly name = "SyncBatchError";
  constructor(
    readonly failures: readonly { readonly key: string; readonly error: unknown }[],
    readonly outcomes: readonly RecordOutcome[],
  ) {
    super(
      `${failures.length} of ${failures.length + outcomes.length} records failed: ${failures.map((f) => `${f.key}: ${(f.error as Error)?.message ?? String(f.error)}`).join("; ")}`,
    );
  }
}

/** One record's outcome. Throws when the record failed (S3, credentials): the handler counts it, Lambda retries. */
export async function handleRecord(deps: SyncDependencies, record: S3EventRecord, log: Logger): Promise<RecordOutcome> {
  const { config } = deps;
  const key = recordKey(record);
  const bucket = record.s3.bucket.name;
  if (bucket !== config.sourceBucket) {
    log.warn("record refused: not the configured source bucket", { bucket });
    return { key, outcome: "refused", reason: "bucket" };
  }
  const kind = recordKind(record);
  if (kind === "other") return { key, outcome: "ignored", reason: "event-type" };
  if (kind === "removed") {
    if (!config.propagateDeletes) {
      log.info("delete not propagated (SYNC_PROPAGATE_DELETES=false)");
      return { key, outcome: "ignored", reason: "deletes-off" };
    }
    const result = await propagateDelete({
      source: { client: deps.source, partition: config.sourcePartition, bucket, key },
      target: { client: deps.target, bucket: config.targetBucket },
      logger: log,
    });
    return { key, ...result };
  }
  // Ceph puts metadata into the event: a replica is ignored without touching either partition.
  if (recordMetadata(record)["sip-replicated-from"] !== undefined) {
    log.info("replica event ignored");
    return { key, outcome: "ignored", reason: "replica" };
  }
  const result = await replicate({
    // An empty versionId (Ceph, for POST uploads) means none: the current version decides.
    source: {
      client: deps.source,
      partition: config.sourcePartition,
      bucket,
      key,
      versionId: record.s3.object.versionId || undefined,
    },
    target: { client: deps.target, bucket: config.targetBucket, kmsKeyId: config.targetKmsKeyId },
    policy: config.policy,
    copyMetadata: config.copyMetadata,
    multipartThresholdBytes: config.multipartThresholdBytes,
    partSizeBytes: config.partSizeBytes,
    hooks: deps.hooks,
    logger: log,
  });
  if (result.outcome === "refused")
    log.warn("record refused: data class may not cross", {
      dataClass: result.dataClass ?? null,
      allowed: config.policy.allowedDataClasses,
    });
  else if (result.outcome !== "copied") log.info(`record ${result.outcome}`, { reason: result.reason });
  return { key, outcome: result.outcome, reason: "reason" in result ? result.reason : undefined };
}
