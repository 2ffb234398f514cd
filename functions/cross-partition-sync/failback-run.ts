/**
 * One failback run from the environment and the run's options: what the `failback` command line and
 * the failback function (failback-handler.ts) share. No entry point here, so the function's bundle
 * carries no command line.
 */
import { parseArgs } from "node:util";
import { z } from "zod";
import { partitionOfRegion } from "../../config/partitions";
import { UsageError, usageErrors } from "../shared/cli";
import type { Logger } from "../shared/logger";
import { tenantDirectoryFromEnv, tenantEnvProblem, tenantEnvShape, type TenantEnv } from "../shared/tenant-env";
import {
  DEFAULT_CONCURRENCY,
  type FailbackOptions,
  type FailbackOutcome,
  type FailbackResult,
  failback,
  MAX_CONCURRENCY,
} from "./failback";
import { dependenciesFromEnv, parseSyncEnv, sovereignClientFromEnv } from "./env";
import { recordedSovereignKey, s3StandbyIndex } from "./standby-index";

export { UsageError };

export interface FailbackCliOptions {
  readonly since: Date;
  readonly prefix?: string;
  readonly dryRun: boolean;
  readonly concurrency: number;
  readonly deletes: boolean;
  /** Run as this deployed failback function (inside the VPC) instead of here. */
  readonly invoke?: string;
}

const OPTIONS = {
  since: { type: "string" },
  prefix: { type: "string" },
  "dry-run": { type: "boolean" },
  concurrency: { type: "string" },
  "no-deletes": { type: "boolean" },
  invoke: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** ISO 8601 date and time with an explicit zone: a local time would shift the window by hours. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** Parses and validates the command line; throws UsageError naming the flag. Returns undefined for --help. */
export function parseFailbackArgs(argv: readonly string[], now: Date = new Date()): FailbackCliOptions | undefined {
  let values: { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]["type"] extends "boolean" ? boolean : string };
  ({ values } = usageErrors(() =>
    parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false }),
  ));
  if (values.help === true) return undefined;

  const problems: string[] = [];
  let since = new Date(Number.NaN);
  const sinceText = values.since?.trim();
  if (sinceText === undefined || sinceText === "")
    problems.push("--since is required (ISO 8601 time with a zone, e.g. 2026-03-01T08:00:00Z)");
  else {
    since = new Date(sinceText);
    if (!ISO_TIME.test(sinceText) || Number.isNaN(since.getTime()))
      problems.push(`--since must be an ISO 8601 time with a zone, e.g. 2026-03-01T08:00:00Z (value: "${sinceText}")`);
    else if (since.getTime() > now.getTime())
      problems.push(`--since is in the future (value: "${sinceText}", now: ${now.toISOString()})`);
  }

  const prefix = values.prefix;
  if (prefix !== undefined && prefix === "")
    problems.push("--prefix must not be empty (leave it out for the whole bucket)");

  let concurrency = DEFAULT_CONCURRENCY;
  const concurrencyText = values.concurrency?.trim();
  if (concurrencyText !== undefined) {
    concurrency = /^\d+$/.test(concurrencyText) ? Number(concurrencyText) : Number.NaN;
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY) {
      problems.push(
        `--concurrency must be a whole number from 1 to ${MAX_CONCURRENCY} (value: "${values.concurrency}")`,
      );
    }
  }

  const invoke = values.invoke?.trim();
  if (invoke !== undefined && !/^[A-Za-z0-9_:-]{1,140}$/.test(invoke))
    problems.push(
      `--invoke must name a function (its name or ARN, e.g. example-failback-avatars-clean) (value: "${values.invoke}")`,
    );

  if (problems.length > 0) throw new UsageError(problems.join("\n"));
  return {
    since,
    prefix,
    dryRun: values["dry-run"] === true,
    concurrency,
    deletes: values["no-deletes"] !== true,
    ...(invoke === undefined ? {} : { invoke }),
  };
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
  if (!extra.success || sync === undefined || tenantProblem !== undefined)
    throw new Error(`invalid environment: ${problems.join("; ")}`);
  return {
    // Reversed: the sync's target (the commercial failover bucket) is the failback source.
    source: { partition: partitionOfRegion(sync.TARGET_REGION).id, bucket: sync.TARGET_BUCKET },
    target: {
      partition: partitionOfRegion(sync.AWS_REGION).id,
      bucket: sync.SOURCE_BUCKET,
      kmsKeyId: extra.data.SOURCE_KMS_KEY_ARN,
    },
    policy: {
      allowedDataClasses: sync.SYNC_ALLOWED_DATA_CLASSES,
      allowedPrefixes: sync.SYNC_ALLOWED_PREFIXES,
      dataClassTag: sync.SYNC_DATA_CLASS_TAG,
    },
    copyMetadata: sync.SYNC_COPY_METADATA,
    multipartThresholdBytes: sync.SYNC_MULTIPART_THRESHOLD_BYTES,
    partSizeBytes: sync.SYNC_PART_SIZE_BYTES,
    propagateDeletes: sync.SYNC_PROPAGATE_DELETES,
    ...(extra.data.TENANT_KEY_ALIAS_PREFIX === undefined ? {} : { tenantEnv: extra.data }),
  };
}

/**
 * Starts failback as the environment describes it (the sync's environment, reversed) with the
 * options of one run; the command line and the failback function both start it here. Throws on a
 * bad environment, naming every variable.
 */
export function startFailback(
  env: Readonly<Record<string, string | undefined>>,
  cli: FailbackCliOptions,
  options: { readonly logger: Logger; readonly onOutcome?: (outcome: FailbackOutcome) => void },
): { readonly run: Promise<FailbackResult>; readonly deletes: boolean } {
  const { tenantEnv, ...fromEnv } = failbackOptionsFromEnv(env);
  // The sync's wiring, reversed: `target` there is the commercial client with Roles Anywhere credentials.
  const deps = dependenciesFromEnv(env, { logger: options.logger });
  const deletes = cli.deletes && fromEnv.propagateDeletes;
  const syncEnv = parseSyncEnv(env);
  const tenants =
    tenantEnv === undefined
      ? undefined
      : tenantDirectoryFromEnv(tenantEnv, {
          defaultSessionName: "failback",
          minRemainingSeconds: 300,
          clientFor: (credentials) => sovereignClientFromEnv(syncEnv, credentials),
        });
  const index = s3StandbyIndex(deps.source, fromEnv.target.bucket);
  const run = failback({
    ...fromEnv,
    ...(tenants === undefined ? {} : { tenants }),
    source: { ...fromEnv.source, client: deps.target },
    target: { ...fromEnv.target, client: deps.source },
    // The way home (standby → sovereign pseudonym) is the sovereign standby index, read with the function's role.
    sovereignKeyOf: (key) => recordedSovereignKey(index, key),
    since: cli.since,
    prefix: cli.prefix,
    dryRun: cli.dryRun,
    concurrency: cli.concurrency,
    propagateDeletes: deletes,
    ...(options.onOutcome === undefined ? {} : { onOutcome: options.onOutcome }),
    logger: options.logger,
  });
  return { run, deletes };
}
