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
import {
  failbackCopyKey,
  isSyncRecordKey,
  recordedReplicaKey,
  replicaKeyOf,
  s3StandbyIndex,
  type StandbyIndex,
} from "./standby-index";

/**
 * How replicas are named: `standby-pseudonym` (the default) `<tenant>/<standby pseudonym>/<id>`, from
 * the source's `standby-pseudonym` metadata, recorded in the sovereign standby index
 * (standby-index.ts); `source-key` the source's own key (objects that carry no subject pseudonym,
 * and local runs). docs/cross-partition.md §7.
 */
export type ReplicaKeys = "standby-pseudonym" | "source-key";

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
  /** @default "standby-pseudonym" */
  readonly replicaKeys?: ReplicaKeys;
}

export interface SyncDependencies {
  readonly config: SyncConfig;
  readonly source: S3Client;
  readonly target: S3Client;
  readonly logger: Logger;
  readonly hooks?: ReplicateHooks;
  /** @default - the index in the source bucket, through `source` */
  readonly index?: StandbyIndex;
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
  // The standby index's own records (sovereign): never replicated, nothing to delete.
  if (isSyncRecordKey(key)) return { key, outcome: "ignored", reason: "sync-record" };
  const standbyNames = (config.replicaKeys ?? "standby-pseudonym") === "standby-pseudonym";
  const index = deps.index ?? s3StandbyIndex(deps.source, config.sourceBucket);
  if (kind === "removed") {
    if (!config.propagateDeletes) {
      log.info("delete not propagated (SYNC_PROPAGATE_DELETES=false)");
      return { key, outcome: "ignored", reason: "deletes-off" };
    }
    // The event has no metadata: the replica's name comes from the sovereign standby index, or
    // from the marker of a failback copy; else the commercial side is not asked (that would name
    // the sovereign pseudonym there).
    const replicaKey = standbyNames
      ? ((await recordedReplicaKey(index, key)) ??
        (await failbackCopyKey(deps.source, bucket, key, config.sourcePartition)))
      : key;
    if (replicaKey === undefined) {
      log.warn("delete not propagated: no standby index record names a replica of this key", {
        reason: "not-recorded",
      });
      return { key, outcome: "skipped", reason: "not-recorded" };
    }
    const result = await propagateDelete({
      source: { client: deps.source, partition: config.sourcePartition, bucket, key },
      target: { client: deps.target, bucket: config.targetBucket, key: replicaKey },
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
    ...(standbyNames
      ? {
          // Named by the standby pseudonym; the pair is in the sovereign index before the replica exists.
          targetKeyFor: async (head) => {
            const named = replicaKeyOf(key, head.Metadata);
            await index.record(named.pair);
            return named.key;
          },
        }
      : {}),
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
