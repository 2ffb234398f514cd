/**
 * The sync function's environment (zod 4) and what is built from it: the configuration of
 * `handleRecord` (sync-record.ts) and both S3 clients. Parsed by `handler.ts` at first use; failback
 * (failback-run.ts) reads the same environment, direction reversed.
 *
 * - Sovereign S3 client: the function's own role (default credential chain), regional endpoint.
 * - Commercial S3 client: credentials from IAM Roles Anywhere (`fromRolesAnywhere`), certificate
 *   and key from Secrets Manager (or files locally) read at each credential refresh; S3 and Roles
 *   Anywhere endpoints from the partition table, overridable for tests.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import type { AwsCredentialIdentity } from "@aws-sdk/types";
import { z } from "zod";
import { endpointUrl, partitionOfRegion } from "../../config/partitions";
import { fromRolesAnywhere, type SigningMaterialLoader } from "../rolesanywhere/credentials";
import { createLogger, type Logger } from "../shared/logger";
import { s3ClientFromEnv } from "../shared/s3-env";
import { DATA_CLASS_TAG } from "../shared/s3-objects";
import { MIN_PART_SIZE_BYTES } from "./replication";
import {
  extensionSecretReader,
  fileSigningMaterialLoader,
  type SecretReader,
  sdkSecretReader,
  secretSigningMaterialLoader,
} from "./signing-material";
import type { SyncConfig, SyncDependencies } from "./sync-record";

const csv = z
  .string()
  .default("")
  .transform((s) =>
    s
      .split(",")
      .map((x) => x.trim())
      .filter((x) => x !== ""),
  );
const httpUrl = z.url({ protocol: /^https?$/ });

/**
 * How a function takes its commercial credentials from IAM Roles Anywhere, besides the three ARNs:
 * the endpoint override, the session's length, and where the leaf certificate and key are (the
 * secret, or files in local runs). Shared by the sync, the failback and the data-subject request run.
 */
export const rolesAnywhereSessionShape = {
  ROLES_ANYWHERE_ENDPOINT: httpUrl.optional(),
  ROLES_ANYWHERE_SESSION_SECONDS: z.coerce.number().int().min(900).max(43_200).default(3600),
  SIGNING_MATERIAL_SECRET_ID: z.string().min(1).optional(),
  SIGNING_MATERIAL_CERTIFICATE_FILE: z.string().min(1).optional(),
  SIGNING_MATERIAL_PRIVATE_KEY_FILE: z.string().min(1).optional(),
  SIGNING_MATERIAL_INTERMEDIATES_FILE: z.string().min(1).optional(),
  /** Set when the Parameters and Secrets Lambda Extension layer is deployed: read the secret through it. */
  PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: z
    .string()
    .regex(/^\d{1,5}$/)
    .optional(),
};

export const SyncEnv = z
  .object({
    /** Region of the function = the source (sovereign) partition; Lambda sets it. */
    AWS_REGION: z.string().min(1),
    SOURCE_BUCKET: z.string().min(1),
    SOURCE_S3_ENDPOINT: httpUrl.optional(),
    TARGET_REGION: z.string().min(1),
    TARGET_BUCKET: z.string().min(1),
    TARGET_KMS_KEY_ARN: z.string().min(1),
    TARGET_S3_ENDPOINT: httpUrl.optional(),
    SYNC_ALLOWED_DATA_CLASSES: csv.pipe(z.array(z.string()).min(1)).default(["avatar"]),
    SYNC_ALLOWED_PREFIXES: csv,
    SYNC_DATA_CLASS_TAG: z.string().min(1).default(DATA_CLASS_TAG),
    SYNC_COPY_METADATA: csv,
    SYNC_MULTIPART_THRESHOLD_BYTES: z.coerce
      .number()
      .int()
      .min(0)
      .default(16 * 1024 * 1024),
    SYNC_PART_SIZE_BYTES: z.coerce
      .number()
      .int()
      .min(MIN_PART_SIZE_BYTES)
      .default(8 * 1024 * 1024),
    // Erasure requests must reach the replica (issue 5): on by default; off only for a named reason.
    SYNC_PROPAGATE_DELETES: z
      .enum(["true", "false"])
      .default("true")
      .transform((v) => v === "true"),
    // Replicas are named by the standby pseudonym (docs/cross-partition.md §7); source-key only for
    // objects without subjects and local runs.
    SYNC_REPLICA_KEYS: z.enum(["standby-pseudonym", "source-key"]).default("standby-pseudonym"),
    ROLES_ANYWHERE_TRUST_ANCHOR_ARN: z.string().min(1),
    ROLES_ANYWHERE_PROFILE_ARN: z.string().min(1),
    ROLES_ANYWHERE_ROLE_ARN: z.string().min(1),
    ...rolesAnywhereSessionShape,
  })
  .refine(
    (e) =>
      e.SIGNING_MATERIAL_SECRET_ID !== undefined ||
      (e.SIGNING_MATERIAL_CERTIFICATE_FILE !== undefined && e.SIGNING_MATERIAL_PRIVATE_KEY_FILE !== undefined),
    {
      message:
        "set SIGNING_MATERIAL_SECRET_ID, or SIGNING_MATERIAL_CERTIFICATE_FILE and SIGNING_MATERIAL_PRIVATE_KEY_FILE",
    },
  );
export type SyncEnv = z.infer<typeof SyncEnv>;

export function parseSyncEnv(env: Readonly<Record<string, string | undefined>>): SyncEnv {
  const parsed = SyncEnv.safeParse(env);
  if (!parsed.success)
    throw new Error(
      `invalid environment: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(env)"}: ${i.message}`).join("; ")}`,
    );
  return parsed.data;
}

export function syncConfig(env: SyncEnv): SyncConfig {
  return {
    sourcePartition: partitionOfRegion(env.AWS_REGION).id,
    sourceBucket: env.SOURCE_BUCKET,
    targetBucket: env.TARGET_BUCKET,
    targetKmsKeyId: env.TARGET_KMS_KEY_ARN,
    policy: {
      allowedDataClasses: env.SYNC_ALLOWED_DATA_CLASSES,
      allowedPrefixes: env.SYNC_ALLOWED_PREFIXES,
      dataClassTag: env.SYNC_DATA_CLASS_TAG,
    },
    copyMetadata: env.SYNC_COPY_METADATA,
    multipartThresholdBytes: env.SYNC_MULTIPART_THRESHOLD_BYTES,
    partSizeBytes: env.SYNC_PART_SIZE_BYTES,
    propagateDeletes: env.SYNC_PROPAGATE_DELETES,
    replicaKeys: env.SYNC_REPLICA_KEYS,
  };
}

/** The signing-material loader the environment names (secret, else files); the subject-request run function reads the same variables. */
export function signingMaterialLoader(
  env: Pick<
    SyncEnv,
    | "AWS_REGION"
    | "SIGNING_MATERIAL_SECRET_ID"
    | "SIGNING_MATERIAL_CERTIFICATE_FILE"
    | "SIGNING_MATERIAL_PRIVATE_KEY_FILE"
    | "SIGNING_MATERIAL_INTERMEDIATES_FILE"
    | "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"
  >,
  secrets?: SecretReader,
): SigningMaterialLoader {
  if (env.SIGNING_MATERIAL_SECRET_ID !== undefined) {
    // The Lambda extension where its layer is configured, else the SDK through the VPC endpoint.
    const reader =
      secrets ??
      (env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT !== undefined
        ? extensionSecretReader({
            ...process.env,
            PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT,
          })
        : sdkSecretReader(env.AWS_REGION));
    return secretSigningMaterialLoader(reader, env.SIGNING_MATERIAL_SECRET_ID);
  }
  return fileSigningMaterialLoader({
    certificate: env.SIGNING_MATERIAL_CERTIFICATE_FILE ?? "",
    privateKey: env.SIGNING_MATERIAL_PRIVATE_KEY_FILE ?? "",
    intermediates: env.SIGNING_MATERIAL_INTERMEDIATES_FILE,
  });
}

/**
 * The client of the sovereign bucket (the sync's source, failback's target): the default credential
 * chain, or `credentials` (failback acting as a logical-tier tenant's role).
 */
export function sovereignClientFromEnv(env: SyncEnv, credentials?: () => Promise<AwsCredentialIdentity>): S3Client {
  const partition = partitionOfRegion(env.AWS_REGION);
  return s3ClientFromEnv(
    {
      AWS_REGION: env.AWS_REGION,
      S3_ENDPOINT: env.SOURCE_S3_ENDPOINT ?? endpointUrl(partition, "s3", env.AWS_REGION),
      S3_FORCE_PATH_STYLE: env.SOURCE_S3_ENDPOINT !== undefined,
    },
    credentials,
  );
}

/** Production wiring: both S3 clients, regional endpoints from the partition table. */
export function dependenciesFromEnv(
  rawEnv: Readonly<Record<string, string | undefined>>,
  options: { readonly secrets?: SecretReader; readonly logger?: Logger } = {},
): SyncDependencies {
  const env = parseSyncEnv(rawEnv);
  const targetPartition = partitionOfRegion(env.TARGET_REGION);
  const source = sovereignClientFromEnv(env);
  const target = s3ClientFromEnv(
    {
      AWS_REGION: env.TARGET_REGION,
      S3_ENDPOINT: env.TARGET_S3_ENDPOINT ?? endpointUrl(targetPartition, "s3", env.TARGET_REGION),
      S3_FORCE_PATH_STYLE: env.TARGET_S3_ENDPOINT !== undefined,
    },
    fromRolesAnywhere({
      region: env.TARGET_REGION,
      endpoint: env.ROLES_ANYWHERE_ENDPOINT ?? endpointUrl(targetPartition, "rolesanywhere", env.TARGET_REGION),
      trustAnchorArn: env.ROLES_ANYWHERE_TRUST_ANCHOR_ARN,
      profileArn: env.ROLES_ANYWHERE_PROFILE_ARN,
      roleArn: env.ROLES_ANYWHERE_ROLE_ARN,
      durationSeconds: env.ROLES_ANYWHERE_SESSION_SECONDS,
      loadSigningMaterial: signingMaterialLoader(env, options.secrets),
    }),
  );
  return { config: syncConfig(env), source, target, logger: options.logger ?? createLogger("cross-partition-sync") };
}
