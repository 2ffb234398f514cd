/**
 * The upload function's environment (zod 4): the strings Lambda gives become the `UploadConfig` input
 * that `parseUploadConfig` validates, plus the claim names and the S3 client settings. Parsed once at
 * module scope by `handler.ts`, with what is built from it: the S3 client, the subjects' pseudonyms
 * (KMS) and the tenant directory.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { z } from "zod";
import type { Pseudonyms } from "../shared/pseudonym";
import { s3ClientFromEnv, s3EnvShape, withPathStyle } from "../shared/s3-env";
import type { TenantDirectory } from "../shared/tenant-directory";
import { tenantDirectoryFromEnv, tenantEnvProblem, tenantEnvShape } from "../shared/tenant-env";
import {
  pseudonymEnvProblem,
  pseudonymsFromEnv,
  standbyPseudonymsFromEnv,
  tokenEnvShape,
  wholeNumber,
} from "../shared/token-env";
import { UploadConfigError } from "./errors";
import { parseUploadConfig, type UploadConfig } from "./schema";

/** `image/jpeg,image/png` or a JSON array of strings. */
const stringList = z.string().transform((v, ctx) => {
  const trimmed = v.trim();
  if (trimmed.startsWith("[")) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (Array.isArray(parsed) && parsed.every((x) => typeof x === "string")) return parsed as string[];
    } catch {
      // reported below
    }
    ctx.issues.push({ code: "custom", input: v, message: "must be a JSON array of strings or a comma-separated list" });
    return z.NEVER;
  }
  return trimmed
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
});

/** A JSON object `{ "<data class>": "<KMS key ARN>" }`. */
const jsonObject = z.string().transform((v, ctx) => {
  try {
    const parsed: unknown = JSON.parse(v);
    if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // reported below
  }
  ctx.issues.push({
    code: "custom",
    input: "(redacted)",
    message: 'must be a JSON object {"<data class>": "<KMS key ARN>"}',
  });
  return z.NEVER;
});

export const uploadEnvSchema = z
  .object({
    /** The originals bucket. */
    UPLOAD_BUCKET: z.string().min(1),
    ALLOWED_CONTENT_TYPES: stringList,
    MAX_SIZE_BYTES: wholeNumber,
    /** At most 300; the config schema refuses more. @default 300 */
    EXPIRY_SECONDS: wholeNumber,
    /** JSON: data class → KMS key ARN. */
    KMS_KEY_ARNS: jsonObject,
    DATA_CLASS_TAG_KEY: z.string().optional(),
    MULTIPART_PART_SIZE_BYTES: wholeNumber,
    MULTIPART_MAX_SIZE_BYTES: wholeNumber,
    ...tokenEnvShape,
    ...s3EnvShape,
    ...tenantEnvShape,
  })
  .transform(withPathStyle);

export type UploadEnv = z.output<typeof uploadEnvSchema>;

export interface UploadSettings {
  readonly config: UploadConfig;
  readonly tenantClaim: string;
  readonly subjectClaim: string;
  readonly env: UploadEnv;
}

/** Parses the environment and the upload configuration; throws UploadConfigError listing every problem. */
export function parseUploadEnv(raw: Readonly<Record<string, string | undefined>>): UploadSettings {
  const result = uploadEnvSchema.safeParse(raw);
  if (!result.success) {
    throw new UploadConfigError(
      `upload environment is invalid: ${result.error.issues.map((i) => `${i.path.join(".") || "env"}: ${i.message}`).join("; ")}`,
    );
  }
  const env = result.data;
  const tenantProblem = tenantEnvProblem(env);
  if (tenantProblem !== undefined) throw new UploadConfigError(`upload environment is invalid: ${tenantProblem}`);
  const pseudonymProblem = pseudonymEnvProblem(env);
  if (pseudonymProblem !== undefined) throw new UploadConfigError(`upload environment is invalid: ${pseudonymProblem}`);
  const defined = <T extends Record<string, unknown>>(o: T) =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  const config = parseUploadConfig(
    defined({
      bucket: env.UPLOAD_BUCKET,
      allowedContentTypes: env.ALLOWED_CONTENT_TYPES,
      maxSizeBytes: env.MAX_SIZE_BYTES,
      expirySeconds: env.EXPIRY_SECONDS,
      kmsKeyArnByDataClass: env.KMS_KEY_ARNS,
      dataClassTagKey: env.DATA_CLASS_TAG_KEY,
      multipartPartSizeBytes: env.MULTIPART_PART_SIZE_BYTES,
      multipartMaxSizeBytes: env.MULTIPART_MAX_SIZE_BYTES,
    }),
  );
  return { config, tenantClaim: env.TENANT_CLAIM, subjectClaim: env.SUBJECT_CLAIM, env };
}

/**
 * The settings, or the configuration error: kept and answered with 500 on each request (and logged)
 * rather than failing the Lambda init.
 */
export function loadUploadSettings(
  raw: Readonly<Record<string, string | undefined>>,
): UploadSettings | UploadConfigError {
  try {
    return parseUploadEnv(raw);
  } catch (error) {
    if (error instanceof UploadConfigError) return error;
    throw error;
  }
}

/** The pseudonyms of the environment's HMAC key (KMS GenerateMac through the VPC endpoint), or none when turned off. */
export function uploadPseudonyms(settings: UploadSettings): Pseudonyms | undefined {
  return pseudonymsFromEnv(settings.env);
}

/** Tenant credentials outlive every URL signed with them: renewed when less than the URL lifetime plus a minute remains. */
export function uploadTenantDirectory(settings: UploadSettings): TenantDirectory<S3Client> | undefined {
  return tenantDirectoryFromEnv(settings.env, {
    defaultSessionName: "upload-presign",
    minRemainingSeconds: settings.config.expirySeconds + 60,
    clientFor: (credentials) => s3ClientFromEnv(settings.env, credentials),
  });
}

/**
 * The handler's dependencies from the settings: the S3 client, the pseudonyms and the tenant directory.
 * With a configuration error, only a client of the region in `raw` (nothing is signed then).
 */
export function uploadDependencies(
  settings: UploadSettings | UploadConfigError,
  raw: Readonly<Record<string, string | undefined>>,
): {
  readonly s3: S3Client;
  readonly settings: UploadSettings | UploadConfigError;
  readonly pseudonyms: Pseudonyms | undefined;
  readonly standbyPseudonyms?: Pseudonyms;
  readonly tenants?: TenantDirectory<S3Client>;
} {
  if (settings instanceof UploadConfigError) {
    return {
      s3: s3ClientFromEnv({ AWS_REGION: raw.AWS_REGION ?? "us-east-1", S3_FORCE_PATH_STYLE: false }),
      settings,
      pseudonyms: undefined,
    };
  }
  const standbyPseudonyms = standbyPseudonymsFromEnv(settings.env);
  return {
    s3: s3ClientFromEnv(settings.env),
    settings,
    pseudonyms: uploadPseudonyms(settings),
    ...(standbyPseudonyms === undefined ? {} : { standbyPseudonyms }),
    tenants: uploadTenantDirectory(settings),
  };
}

export { s3ClientFromEnv } from "../shared/s3-env";
