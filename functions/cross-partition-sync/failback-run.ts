/**
 * One failback run from the environment and the run's options: what the `failback` command line and
 * the failback function (failback-handler.ts) share. No entry point here, so the function's bundle
 * carries no command line.
 */
import { parseArgs } from "node:util";
import { KMSClient } from "@aws-sdk/client-kms";
import { z } from "zod";
import { partitionOfRegion } from "../../config/partitions";
import { UsageError, usageErrors } from "../shared/cli";
import type { Logger } from "../shared/logger";
import { kmsMac, Pseudonyms, STANDBY_DOMAIN } from "../shared/pseudonym";
import { kmsUnseal } from "../shared/sealed-subject";
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
import { bringOutageUploadsHome, type HomecomingOutcome, type HomecomingResult } from "./outage-uploads";
import { recordedSovereignKey, s3StandbyIndex } from "./standby-index";

export { UsageError };

export interface FailbackCliOptions {
  /** Required for failback; absent with `outageUploads` (every upload in the inbox comes home). */
  readonly since?: Date;
  /** Bring the outage inbox home (outage-uploads.ts) instead of failback. */
  readonly outageUploads?: boolean;
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
  "outage-uploads": { type: "boolean" },
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
  const outageUploads = values["outage-uploads"] === true;
  const since = outageUploads ? undefined : sinceOf(values.since, now, problems);
  if (outageUploads && values.since !== undefined)
    problems.push("--since does not apply to --outage-uploads: every upload in the outage inbox is brought home");
  if (outageUploads && values["no-deletes"] === true)
    problems.push("--no-deletes does not apply to --outage-uploads: an upload brought home always leaves the inbox");

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
    ...(since === undefined ? {} : { since }),
    ...(outageUploads ? { outageUploads } : {}),
    prefix,
    dryRun: values["dry-run"] === true,
    concurrency,
    deletes: values["no-deletes"] !== true,
    ...(invoke === undefined ? {} : { invoke }),
  };
}

/** `--since`: required, an ISO 8601 time with a zone, not in the future; a problem is added to `problems`. */
function sinceOf(text: string | undefined, now: Date, problems: string[]): Date {
  const sinceText = text?.trim();
  if (sinceText === undefined || sinceText === "") {
    problems.push("--since is required (ISO 8601 time with a zone, e.g. 2026-03-01T08:00:00Z)");
    return new Date(Number.NaN);
  }
  const since = new Date(sinceText);
  if (!ISO_TIME.test(sinceText) || Number.isNaN(since.getTime()))
    problems.push(`--since must be an ISO 8601 time with a zone, e.g. 2026-03-01T08:00:00Z (value: "${sinceText}")`);
  else if (since.getTime() > now.getTime())
    problems.push(`--since is in the future (value: "${sinceText}", now: ${now.toISOString()})`);
  return since;
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
  if (cli.since === undefined) throw new UsageError("--since is required for failback");
  const { tenantEnv, ...fromEnv } = failbackOptionsFromEnv(env);
  // The sync's wiring, reversed: `target` there is the commercial client with Roles Anywhere credentials.
  const deps = dependenciesFromEnv(env, { logger: options.logger });
  const deletes = cli.deletes && fromEnv.propagateDeletes;
  const tenants = failbackTenants(env, tenantEnv);
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

/** The tenant directory of failback's writes (logical-tier tenants' roles), when the environment names one. */
function failbackTenants(env: Readonly<Record<string, string | undefined>>, tenantEnv: TenantEnv | undefined) {
  const syncEnv = parseSyncEnv(env);
  return tenantEnv === undefined
    ? undefined
    : tenantDirectoryFromEnv(tenantEnv, {
        defaultSessionName: "failback",
        minRemainingSeconds: 300,
        clientFor: (credentials) => sovereignClientFromEnv(syncEnv, credentials),
      });
}

/**
 * What bringing outage uploads home needs beyond failback's environment (set on the failback function
 * only where outage uploads are configured); all six or the run cannot start.
 */
export const OUTAGE_UPLOADS_ENV = [
  "OUTAGE_UPLOADS_BUCKET",
  "OUTAGE_HOME_BUCKET",
  "OUTAGE_HOME_KMS_KEY_ID",
  "SUBJECT_SEALING_KEY_ID",
  "PSEUDONYM_KEY_ID",
  "STANDBY_PSEUDONYM_KEY_ID",
] as const;

/** The variables of OUTAGE_UPLOADS_ENV that are unset or empty; throws UsageError naming them. */
export function checkOutageUploadsEnv(env: Readonly<Record<string, string | undefined>>): void {
  const missing = OUTAGE_UPLOADS_ENV.filter((name) => (env[name] ?? "").trim() === "");
  if (missing.length > 0)
    throw new UsageError(
      `--outage-uploads needs ${missing.join(", ")} (the outage inbox, the sovereign originals bucket and its key, the sealing key, the sovereign and the standby pseudonym keys). Fix: run it as the failback function of a deployment with crossPartition.standby.outageUploads (--invoke), or set them`,
    );
}

/**
 * Starts bringing the outage inbox home (outage-uploads.ts) as the environment describes it: the inbox
 * read and emptied with failback's commercial credentials, the originals written with the sovereign
 * client (or a logical-tier tenant's role), seals opened by KMS Decrypt under SUBJECT_SEALING_KEY_ID,
 * pseudonyms by KMS GenerateMac. Throws UsageError when a variable is missing.
 */
export function startOutageHomecoming(
  env: Readonly<Record<string, string | undefined>>,
  cli: FailbackCliOptions,
  options: { readonly logger: Logger; readonly onOutcome?: (outcome: HomecomingOutcome) => void },
): { readonly run: Promise<HomecomingResult> } {
  checkOutageUploadsEnv(env);
  const { tenantEnv, source } = failbackOptionsFromEnv(env);
  const deps = dependenciesFromEnv(env, { logger: options.logger });
  const variable = (name: (typeof OUTAGE_UPLOADS_ENV)[number]) => (env[name] ?? "").trim();
  const kms = new KMSClient({
    region: env.AWS_REGION,
    ...(env.KMS_ENDPOINT === undefined ? {} : { endpoint: env.KMS_ENDPOINT }),
  });
  const tenants = failbackTenants(env, tenantEnv);
  const run = bringOutageUploadsHome({
    inbox: { client: deps.target, partition: source.partition, bucket: variable("OUTAGE_UPLOADS_BUCKET") },
    home: { client: deps.source, bucket: variable("OUTAGE_HOME_BUCKET"), kmsKeyId: variable("OUTAGE_HOME_KMS_KEY_ID") },
    unseal: kmsUnseal(kms, variable("SUBJECT_SEALING_KEY_ID")),
    pseudonyms: new Pseudonyms(kmsMac(kms, variable("PSEUDONYM_KEY_ID"))),
    standbyPseudonyms: new Pseudonyms(kmsMac(kms, variable("STANDBY_PSEUDONYM_KEY_ID")), undefined, STANDBY_DOMAIN),
    ...(tenants === undefined ? {} : { tenants }),
    prefix: cli.prefix,
    dryRun: cli.dryRun,
    concurrency: cli.concurrency,
    ...(options.onOutcome === undefined ? {} : { onOutcome: options.onOutcome }),
    logger: options.logger,
  });
  return { run };
}
