/**
 * The download function's environment (zod 4), parsed once at module scope by `handler.ts`, and
 * what is built from it: the S3 client, the subjects' pseudonyms (KMS) and the tenant directory.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { z } from "zod";
import type { Pseudonyms } from "../shared/pseudonym";
import { s3ClientFromEnv, s3EnvShape, withPathStyle } from "../shared/s3-env";
import type { TenantDirectory } from "../shared/tenant-directory";
import { tenantDirectoryFromEnv, tenantEnvProblem, tenantEnvShape } from "../shared/tenant-env";
import { pseudonymEnvProblem, pseudonymsFromEnv, tokenEnvShape, wholeNumber } from "../shared/token-env";
import { assertDownloadConfig, type DownloadConfig, MAX_DOWNLOAD_EXPIRY_SECONDS } from "./download";

export const downloadEnvSchema = z
  .object({
    /** The clean bucket: the only bucket this function reads or signs for. */
    CLEAN_BUCKET: z.string().min(1),
    /** Lifetime of every issued URL, at most 300. @default 300 */
    EXPIRY_SECONDS: wholeNumber,
    ...tokenEnvShape,
    ...s3EnvShape,
    ...tenantEnvShape,
  })
  .transform(withPathStyle);

export type DownloadEnv = z.output<typeof downloadEnvSchema>;

/** The function's configuration is unusable (a deployment bug: HTTP 500, details logged, not returned). */
export class DownloadConfigError extends Error {
  readonly code = "invalid_config";
  readonly status = 500;

  constructor(message: string) {
    super(message);
    this.name = "DownloadConfigError";
  }
}

export interface DownloadSettings {
  readonly config: DownloadConfig;
  readonly tenantClaim: string;
  readonly subjectClaim: string;
  readonly env: DownloadEnv;
}

/** Parses the environment; throws DownloadConfigError naming every problem. */
export function parseDownloadEnv(raw: Readonly<Record<string, string | undefined>>): DownloadSettings {
  const result = downloadEnvSchema.safeParse(raw);
  if (!result.success) {
    throw new DownloadConfigError(
      `download environment is invalid: ${result.error.issues.map((i) => `${i.path.join(".") || "env"}: ${i.message}`).join("; ")}`,
    );
  }
  const env = result.data;
  const problems = [tenantEnvProblem(env), pseudonymEnvProblem(env)].filter((p) => p !== undefined);
  const config: DownloadConfig = {
    bucket: env.CLEAN_BUCKET,
    expirySeconds: env.EXPIRY_SECONDS ?? MAX_DOWNLOAD_EXPIRY_SECONDS,
  };
  try {
    assertDownloadConfig(config);
  } catch (error) {
    problems.push(error instanceof Error ? error.message : String(error));
  }
  if (problems.length > 0) throw new DownloadConfigError(`download environment is invalid: ${problems.join("; ")}`);
  return { config, tenantClaim: env.TENANT_CLAIM, subjectClaim: env.SUBJECT_CLAIM, env };
}

/** The settings, or the configuration error (answered with 500 on each request and logged, not a failed init). */
export function loadDownloadSettings(
  raw: Readonly<Record<string, string | undefined>>,
): DownloadSettings | DownloadConfigError {
  try {
    return parseDownloadEnv(raw);
  } catch (error) {
    if (error instanceof DownloadConfigError) return error;
    throw error;
  }
}

/** Tenant credentials outlive every URL signed with them: renewed when less than the URL lifetime plus a minute remains. */
export function downloadTenantDirectory(settings: DownloadSettings): TenantDirectory<S3Client> | undefined {
  return tenantDirectoryFromEnv(settings.env, {
    defaultSessionName: "download-presign",
    minRemainingSeconds: settings.config.expirySeconds + 60,
    clientFor: (credentials) => s3ClientFromEnv(settings.env, credentials),
  });
}

/** The handler's dependencies: the S3 client, the pseudonyms and the tenant directory (only a client when misconfigured). */
export function downloadDependencies(
  settings: DownloadSettings | DownloadConfigError,
  raw: Readonly<Record<string, string | undefined>>,
): {
  readonly s3: S3Client;
  readonly pseudonyms: Pseudonyms | undefined;
  readonly tenants?: TenantDirectory<S3Client>;
} {
  if (settings instanceof DownloadConfigError) {
    return {
      s3: s3ClientFromEnv({ AWS_REGION: raw.AWS_REGION ?? "us-east-1", S3_FORCE_PATH_STYLE: false }),
      pseudonyms: undefined,
    };
  }
  return {
    s3: s3ClientFromEnv(settings.env),
    pseudonyms: pseudonymsFromEnv(settings.env),
    tenants: downloadTenantDirectory(settings),
  };
}

export { s3ClientFromEnv } from "../shared/s3-env";
