/**
 * The download function's environment (zod 4), parsed once at module scope by `handler.ts`, and
 * what is built from it: the S3 client, the subjects' pseudonyms (KMS) and the tenant directory.
 *
 * The same function serves two places: the sovereign read path (`PSEUDONYM_DOMAIN=subject`, the
 * default: clean objects named by the sovereign pseudonym) and the commercial standby
 * (`PSEUDONYM_DOMAIN=standby`: the replicas in a failover bucket, named by the standby pseudonym,
 * derived under the commercial copy of the standby key that PSEUDONYM_KEY_ID names;
 * docs/cross-partition.md §7).
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { z } from "zod";
import type { Mac, Pseudonyms } from "../shared/pseudonym";
import { s3ClientFromEnv, s3EnvShape, withPathStyle } from "../shared/s3-env";
import type { TenantDirectory } from "../shared/tenant-directory";
import { tenantDirectoryFromEnv, tenantEnvProblem, tenantEnvShape } from "../shared/tenant-env";
import {
  type PseudonymDomain,
  pseudonymDomainShape,
  pseudonymEnvProblem,
  pseudonymsFromEnv,
  standbyDomainProblem,
  tokenEnvShape,
  wholeNumber,
} from "../shared/token-env";

export { PSEUDONYM_DOMAINS, type PseudonymDomain } from "../shared/token-env";
import { assertDownloadConfig, type DownloadConfig, MAX_DOWNLOAD_EXPIRY_SECONDS } from "./download";

export const downloadEnvSchema = z
  .object({
    /** The clean bucket: the only bucket this function reads or signs for. */
    CLEAN_BUCKET: z.string().min(1),
    /** Lifetime of every issued URL, at most 300. @default 300 */
    EXPIRY_SECONDS: wholeNumber,
    /**
     * Which pseudonym names the objects served: `subject` (the sovereign read path) or `standby` (the
     * commercial standby: replicas named by the standby pseudonym, under the key PSEUDONYM_KEY_ID
     * names, the commercial copy of the standby key). @default "subject"
     */
    ...pseudonymDomainShape,
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
  /** `standby`: the commercial standby, serving replicas named by the standby pseudonym. */
  readonly pseudonymDomain: PseudonymDomain;
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
  const problems = [tenantEnvProblem(env), pseudonymEnvProblem(env), standbyDomainProblem(env)].filter(
    (p) => p !== undefined,
  );
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
  return {
    config,
    pseudonymDomain: env.PSEUDONYM_DOMAIN,
    tenantClaim: env.TENANT_CLAIM,
    subjectClaim: env.SUBJECT_CLAIM,
    env,
  };
}

/**
 * The pseudonyms the function serves by: the sovereign pseudonym (SUBJECT_DOMAIN) or, as the
 * standby, the standby pseudonym (STANDBY_DOMAIN), under `mac` (tests) or KMS GenerateMac with
 * PSEUDONYM_KEY_ID; none when pseudonyms are off (PSEUDONYMIZE_SUBJECTS=false).
 */
export function downloadPseudonyms(settings: DownloadSettings, mac?: Mac): Pseudonyms | undefined {
  return pseudonymsFromEnv(settings.env, mac);
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
    pseudonyms: downloadPseudonyms(settings),
    tenants: downloadTenantDirectory(settings),
  };
}

export { s3ClientFromEnv } from "../shared/s3-env";
