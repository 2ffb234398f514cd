/**
 * The upload function's environment (zod 4): the strings Lambda gives become the `UploadConfig` input
 * that `parseUploadConfig` validates, plus the claim names and the S3 client settings. Parsed once at
 * module scope by `handler.ts`, with what is built from it: the S3 client, the subjects' pseudonyms
 * (KMS) and the tenant directory.
 *
 * The same function serves two places: the sovereign upload path (`PSEUDONYM_DOMAIN=subject`, the
 * default: originals named by the sovereign pseudonym) and, during a sovereign outage, the commercial
 * standby (`PSEUDONYM_DOMAIN=standby`: uploads into the outage inbox named by the standby pseudonym,
 * derived under the commercial copy of the standby key that PSEUDONYM_KEY_ID names, each carrying the
 * subject sealed to SUBJECT_SEALING_PUBLIC_KEY; docs/cross-partition.md §7, functions/shared/sealed-subject.ts).
 */
import type { KeyObject } from "node:crypto";
import type { S3Client } from "@aws-sdk/client-s3";
import { z } from "zod";
import type { Mac, Pseudonyms } from "../shared/pseudonym";
import { SealError, sealingPublicKey } from "../shared/sealed-subject";
import { s3ClientFromEnv, s3EnvShape, withPathStyle } from "../shared/s3-env";
import type { TenantDirectory } from "../shared/tenant-directory";
import { tenantDirectoryFromEnv, tenantEnvProblem, tenantEnvShape } from "../shared/tenant-env";
import {
  type PseudonymDomain,
  pseudonymDomainShape,
  pseudonymEnvProblem,
  pseudonymsFromEnv,
  standbyDomainProblem,
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
    /**
     * `standby`: the commercial standby during an outage (uploads named by the standby pseudonym under
     * PSEUDONYM_KEY_ID, the subject sealed). @default "subject"
     */
    ...pseudonymDomainShape,
    /**
     * The public half (PEM, SPKI) of the sovereign sealing key (alias/<env>/outage-subjects, RSA_3072,
     * ENCRYPT_DECRYPT): the standby seals every upload's tenant and subject to it. Only with
     * PSEUDONYM_DOMAIN=standby. @default - none
     */
    SUBJECT_SEALING_PUBLIC_KEY: z.string().min(1).optional(),
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
  /** `standby`: the commercial standby during an outage (uploads to the inbox, subjects sealed). */
  readonly pseudonymDomain: PseudonymDomain;
  /** The sealing key (PSEUDONYM_DOMAIN=standby only): every upload's tenant and subject are sealed to it. */
  readonly sealingKey?: KeyObject;
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
  const sealing = sealingKeyOf(env);
  const problems = [
    tenantEnvProblem(env),
    pseudonymEnvProblem(env),
    standbyDomainProblem(env),
    typeof sealing === "string" ? sealing : undefined,
  ].filter((p) => p !== undefined);
  if (problems.length > 0) throw new UploadConfigError(`upload environment is invalid: ${problems.join("; ")}`);
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
  return {
    config,
    tenantClaim: env.TENANT_CLAIM,
    subjectClaim: env.SUBJECT_CLAIM,
    pseudonymDomain: env.PSEUDONYM_DOMAIN,
    ...(sealing === undefined || typeof sealing === "string" ? {} : { sealingKey: sealing }),
    env,
  };
}

/**
 * The sealing key of a standby, none elsewhere, or what is wrong: the standby must seal (failback
 * cannot bring a new subject home otherwise), nothing else may (the sovereign upload names subjects by
 * their pseudonym), and the key must be an RSA public key of at least 3072 bits.
 */
function sealingKeyOf(env: UploadEnv): KeyObject | string | undefined {
  const pem = env.SUBJECT_SEALING_PUBLIC_KEY;
  if (env.PSEUDONYM_DOMAIN === "standby" && pem === undefined)
    return "PSEUDONYM_DOMAIN=standby without SUBJECT_SEALING_PUBLIC_KEY: the standby must seal each upload's subject, or failback cannot bring a new subject's upload home. Fix: set SUBJECT_SEALING_PUBLIC_KEY to the PEM public key of the sovereign key alias/<env>/outage-subjects (KMS GetPublicKey)";
  if (pem === undefined) return undefined;
  if (env.PSEUDONYM_DOMAIN !== "standby")
    return "SUBJECT_SEALING_PUBLIC_KEY without PSEUDONYM_DOMAIN=standby: only the commercial standby seals subjects; the sovereign upload names them by their pseudonym. Fix: remove SUBJECT_SEALING_PUBLIC_KEY, or set PSEUDONYM_DOMAIN=standby on the standby";
  try {
    return sealingPublicKey(pem);
  } catch (error) {
    if (!(error instanceof SealError)) throw error;
    return `SUBJECT_SEALING_PUBLIC_KEY is unusable: ${error.message}. Fix: set the PEM (-----BEGIN PUBLIC KEY-----) of the sovereign key alias/<env>/outage-subjects, key spec RSA_3072, usage ENCRYPT_DECRYPT`;
  }
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

/**
 * The pseudonyms of the environment's HMAC key (KMS GenerateMac through the VPC endpoint) in its
 * domain (the standby pseudonym on the standby), or none when turned off; `mac` replaces KMS in tests.
 */
export function uploadPseudonyms(settings: UploadSettings, mac?: Mac): Pseudonyms | undefined {
  return pseudonymsFromEnv(settings.env, mac);
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
